//! The result of a run: DESIGN.md's "Sim result JSON", serialized with a fixed field order.

use serde::Serialize;

use crate::invariants::Violation;
use crate::view::{EntryView, Role};

/// Outcome of a client proposal, as the client sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Committed and applied by the member the client talks to, which acknowledged it:
    /// must never be lost.
    Committed,
    /// Refused: the write was not made and never will be (see the reason).
    Failed,
    /// The client gave up without an answer (etcd's request timeout, or the member it
    /// talked to went down): the write may or may not commit, even later.
    Unknown,
    /// Still waiting at the end of the run.
    Pending,
}

/// A node at the end of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeResult {
    /// Name.
    pub id: String,
    /// Site.
    pub site: String,
    /// Role.
    pub role: Role,
    /// Term.
    pub term: u64,
    /// Commit index.
    pub commit_index: u64,
    /// Log (leader empty entries have `value: null` and `kind: "noop"`).
    pub log: Vec<EntryView>,
}

/// A leader elected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeaderRecord {
    /// When.
    pub at_ms: u64,
    /// Who.
    pub node: String,
    /// Term.
    pub term: u64,
}

/// A client value committed (each proposal once, when its leader committed it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CommitRecord {
    /// When the leader advanced its commit index over it.
    pub at_ms: u64,
    /// Log index.
    pub index: u64,
    /// Value.
    pub value: String,
    /// Term of the entry.
    pub term: u64,
}

/// A client proposal and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProposalRecord {
    /// When the client sent it.
    pub at_ms: u64,
    /// Value.
    pub value: String,
    /// Node it was sent to (null when no node matched, e.g. no leader).
    pub node: Option<String>,
    /// Outcome.
    pub outcome: Outcome,
    /// Why it was not committed. `failed`: `no_leader` (no node matched the `leader`
    /// selector: the client had nowhere to send it), `node_down` (connection refused),
    /// `transferring` (the leader was handing over leadership). `unknown`: `timeout`
    /// (etcd's request timeout, 5 s + 2 × election) or `connection_lost` (the member
    /// went down while the request was pending).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Index it was appended at by a leader, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// When the client learned the outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at_ms: Option<u64>,
    /// When this acknowledged write was lost: only by an operator's restore from an
    /// older snapshot (`restore`), which starts a new cluster outside Raft's guarantees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_at_ms: Option<u64>,
}

/// An action that did nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedRecord {
    /// When.
    pub at_ms: u64,
    /// Position in the scenario's `steps` (null for an action injected with `apply`).
    pub step: Option<u32>,
    /// The action (`do`).
    pub action: String,
    /// Why (`no_match`, `no_leader`, `node_down`, `no_snapshot`, …).
    pub reason: String,
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SimResult {
    /// Scenario name.
    pub name: String,
    /// Seed used.
    pub seed: u64,
    /// Simulated time at the end.
    pub until_ms: u64,
    /// Every node, in creation order.
    pub nodes: Vec<NodeResult>,
    /// Each election won.
    pub leaders: Vec<LeaderRecord>,
    /// Client values committed, in commit order.
    pub commits: Vec<CommitRecord>,
    /// Client proposals, in the order sent.
    pub proposals: Vec<ProposalRecord>,
    /// Actions that did nothing.
    pub skipped: Vec<SkippedRecord>,
    /// Safety violations (must be empty).
    pub violations: Vec<Violation>,
    /// Number of events processed.
    pub events: u64,
}

impl SimResult {
    /// The result as pretty JSON (what `raftdeck sim` prints).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|error| format!("{{\"error\":\"{error}\"}}"))
    }
}
