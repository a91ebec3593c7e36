//! Read-only views of the simulation for the widgets and the result: nodes, logs and
//! messages in flight, with node names instead of ids.

use serde::Serialize;

use crate::log::{Entry, EntryData};
use crate::membership::ConfChange;
use crate::message::MessageKind;

/// The role shown for a node (DESIGN.md's `data-role` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Leader of its term.
    Leader,
    /// Follower.
    Follower,
    /// Candidate (asking for votes).
    Candidate,
    /// Pre-candidate (asking for pre-votes).
    PreCandidate,
    /// Stopped (crashed, failed to start, or removed).
    Down,
    /// A learner (non-voting member).
    Learner,
}

impl Role {
    /// The snake_case name (`pre_candidate`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            Role::PreCandidate => "pre_candidate",
            Role::Down => "down",
            Role::Learner => "learner",
        }
    }
}

/// What kind of entry, for drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A new leader's empty entry (`value` is null).
    Noop,
    /// A client value.
    Value,
    /// A membership change (`value` describes it, e.g. `add_learner n4`).
    Conf,
    /// The state restored from a backup (`value` lists its client values, `x=1, y=2`).
    Snapshot,
}

/// One log entry as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryView {
    /// Index.
    pub index: u64,
    /// Term.
    pub term: u64,
    /// Client value, membership change description, or null for a leader's empty entry.
    pub value: Option<String>,
    /// Kind of entry.
    pub kind: EntryKind,
}

impl EntryView {
    /// Describes `entry` at `index`; `name` maps node ids to names.
    pub fn new(
        index: u64,
        entry: &Entry,
        name: impl Fn(crate::ids::NodeId) -> String,
    ) -> EntryView {
        let (value, kind) = match &entry.data {
            EntryData::Empty => (None, EntryKind::Noop),
            EntryData::Value { value, .. } => (Some(value.to_string()), EntryKind::Value),
            EntryData::Snapshot(values) => {
                let listed: Vec<&str> = values.iter().map(|(_, value)| &**value).collect();
                (Some(listed.join(", ")), EntryKind::Snapshot)
            }
            EntryData::Conf(change) => {
                let text = match change {
                    ConfChange::AddVoter(node) => format!("add {}", name(*node)),
                    ConfChange::AddLearner(node) => format!("add_learner {}", name(*node)),
                    ConfChange::Remove(node) => format!("remove {}", name(*node)),
                };
                (Some(text), EntryKind::Conf)
            }
        };
        EntryView {
            index,
            term: entry.term.0,
            value,
            kind,
        }
    }
}

/// A node as the widgets draw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeView {
    /// Name (`n1`).
    pub id: String,
    /// Site name.
    pub site: String,
    /// Role shown.
    pub role: Role,
    /// Current term.
    pub term: u64,
    /// Vote in the current term.
    pub vote: Option<String>,
    /// Leader it follows (itself for a leader).
    pub leader: Option<String>,
    /// Commit index.
    pub commit_index: u64,
    /// The log.
    pub log: Vec<EntryView>,
    /// When the election timer fires (leaders: next CheckQuorum round); none when down or
    /// never campaigning. With `election_started_ms`, lets the UI draw the timer arc.
    pub election_deadline_ms: Option<u64>,
    /// When the election timer was last reset.
    pub election_started_ms: Option<u64>,
    /// Candidates: voters that granted their (pre-)vote, self included.
    pub votes: Vec<String>,
    /// Cluster id (changes on restore).
    pub cluster: u64,
    /// Voters of the configuration this node has applied.
    pub voters: Vec<String>,
    /// Learners of that configuration.
    pub learners: Vec<String>,
    /// Removed from the cluster (and stopped).
    pub removed: bool,
}

/// A message in flight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageView {
    /// Message id (as in the trace).
    pub id: u64,
    /// Sender name.
    pub from: String,
    /// Recipient name.
    pub to: String,
    /// Kind.
    pub kind: MessageKind,
    /// Term carried.
    pub term: u64,
    /// Whether it is a refusal (rejected vote or append).
    pub reject: bool,
    /// Number of entries carried (appends).
    pub entries: u32,
    /// Sent at.
    pub sent_at_ms: u64,
    /// Arrives (or is dropped) at.
    pub deliver_at_ms: u64,
    /// Will be dropped on arrival, as things stand (loss, partition, recipient down).
    pub will_be_dropped: bool,
}
