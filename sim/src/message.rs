//! Messages between nodes: etcd-io/raft's `MsgPreVote`, `MsgApp`… as a Rust enum.

use std::sync::Arc;

use serde::Serialize;

use crate::ids::{ClusterId, LogIndex, NodeId, Term};
use crate::log::Entry;

/// A message from one node to another.
#[derive(Clone, Debug)]
pub struct Message {
    /// Sender.
    pub from: NodeId,
    /// Recipient.
    pub to: NodeId,
    /// Cluster of the sender: a node ignores messages of another cluster (after a
    /// restore, the old members must not disturb the new cluster).
    pub cluster: ClusterId,
    /// Sender's term (for a pre-vote: the term it would campaign in; for a granted
    /// pre-vote response: the term of the request).
    pub term: Term,
    /// Payload.
    pub body: Body,
}

/// Message payloads.
#[derive(Clone, Debug)]
pub enum Body {
    /// PreVote request (thesis §9.6): "would you vote for me?" without bumping terms.
    PreVote {
        /// Candidate's last log index.
        last_index: LogIndex,
        /// Candidate's last log term.
        last_term: Term,
    },
    /// Answer to a PreVote.
    PreVoteResp {
        /// Refused.
        reject: bool,
    },
    /// RequestVote (§5.2).
    Vote {
        /// Candidate's last log index.
        last_index: LogIndex,
        /// Candidate's last log term.
        last_term: Term,
        /// Campaign started by a leadership transfer: bypasses the CheckQuorum lease.
        transfer: bool,
    },
    /// Answer to a Vote.
    VoteResp {
        /// Refused.
        reject: bool,
    },
    /// AppendEntries (§5.3).
    Append {
        /// Index of the entry preceding `entries`.
        prev_index: LogIndex,
        /// Term of that entry (the consistency check).
        prev_term: Term,
        /// Entries to append (may be empty: a probe).
        entries: Vec<Entry>,
        /// Leader's commit index.
        commit: LogIndex,
    },
    /// Answer to an Append.
    AppendResp {
        /// Accepted: last index now matching. Rejected: the `prev_index` refused.
        index: LogIndex,
        /// Consistency check failed.
        reject: bool,
        /// On reject, where the follower suggests probing next (etcd's `RejectHint`).
        hint_index: LogIndex,
        /// On reject, the follower's term at `hint_index` (etcd's `LogTerm`).
        hint_term: Term,
    },
    /// Leader heartbeat: carries the commit index (capped at what the follower has).
    Heartbeat {
        /// `min(follower match, leader commit)`.
        commit: LogIndex,
    },
    /// Answer to a heartbeat (lets the leader notice a lagging follower).
    HeartbeatResp,
    /// Leadership transfer: "campaign now" (thesis §3.10).
    TimeoutNow,
    /// A client proposal forwarded by a follower to its leader (etcd forwards by default).
    Propose {
        /// Proposal number.
        proposal: u64,
        /// The value.
        value: Arc<str>,
    },
}

/// The kind of a message, for views and traces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// [`Body::PreVote`].
    PreVote,
    /// [`Body::PreVoteResp`].
    PreVoteResp,
    /// [`Body::Vote`].
    Vote,
    /// [`Body::VoteResp`].
    VoteResp,
    /// [`Body::Append`] with entries.
    Append,
    /// [`Body::AppendResp`].
    AppendResp,
    /// [`Body::Heartbeat`].
    Heartbeat,
    /// [`Body::HeartbeatResp`].
    HeartbeatResp,
    /// [`Body::TimeoutNow`].
    TimeoutNow,
    /// [`Body::Propose`].
    Propose,
}

impl MessageKind {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::PreVote => "pre_vote",
            MessageKind::PreVoteResp => "pre_vote_resp",
            MessageKind::Vote => "vote",
            MessageKind::VoteResp => "vote_resp",
            MessageKind::Append => "append",
            MessageKind::AppendResp => "append_resp",
            MessageKind::Heartbeat => "heartbeat",
            MessageKind::HeartbeatResp => "heartbeat_resp",
            MessageKind::TimeoutNow => "timeout_now",
            MessageKind::Propose => "propose",
        }
    }
}

impl Message {
    /// The kind of this message.
    pub fn kind(&self) -> MessageKind {
        match self.body {
            Body::PreVote { .. } => MessageKind::PreVote,
            Body::PreVoteResp { .. } => MessageKind::PreVoteResp,
            Body::Vote { .. } => MessageKind::Vote,
            Body::VoteResp { .. } => MessageKind::VoteResp,
            Body::Append { .. } => MessageKind::Append,
            Body::AppendResp { .. } => MessageKind::AppendResp,
            Body::Heartbeat { .. } => MessageKind::Heartbeat,
            Body::HeartbeatResp => MessageKind::HeartbeatResp,
            Body::TimeoutNow => MessageKind::TimeoutNow,
            Body::Propose { .. } => MessageKind::Propose,
        }
    }

    /// Whether this is a refusal (a rejected vote or append), for views.
    pub fn is_reject(&self) -> bool {
        matches!(
            self.body,
            Body::PreVoteResp { reject: true }
                | Body::VoteResp { reject: true }
                | Body::AppendResp { reject: true, .. }
        )
    }
}
