//! Trace records: one compact value per thing that happened, with its simulated time.
//!
//! The widgets animate from these (a `send` starts a dot travelling, its `deliver` or
//! `drop` ends it); `raftdeck sim --trace` prints them as JSON lines, with node names in
//! place of numeric ids (see [`crate::Simulation::trace_line`]).

use serde::Serialize;

use crate::ids::{LogIndex, NodeId, Term};
use crate::message::MessageKind;
use crate::raft::TimerKind;
use crate::result::Outcome;
use crate::view::Role;

/// One event with its time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEvent {
    /// Simulated time of the event.
    pub at_ms: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: TraceKind,
}

/// Why a message was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropCause {
    /// Lost by the drop rate.
    Lost,
    /// A partition or isolation separates the two nodes.
    Partitioned,
    /// The recipient is down or crashed while the message was in flight.
    NodeDown,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TraceKind {
    /// A message left a node.
    Send {
        /// Message id (matches its `deliver` or `drop`).
        id: u64,
        /// Sender.
        from: NodeId,
        /// Recipient.
        to: NodeId,
        /// Kind of message.
        kind: MessageKind,
        /// Sender's term in the message.
        term: Term,
        /// Planned arrival.
        deliver_at_ms: u64,
    },
    /// A message arrived.
    Deliver {
        /// Message id.
        id: u64,
        /// Sender.
        from: NodeId,
        /// Recipient.
        to: NodeId,
        /// Kind.
        kind: MessageKind,
    },
    /// A message was lost.
    Drop {
        /// Message id.
        id: u64,
        /// Sender.
        from: NodeId,
        /// Recipient.
        to: NodeId,
        /// Kind.
        kind: MessageKind,
        /// Why.
        cause: DropCause,
    },
    /// A timer fired.
    Timeout {
        /// Node.
        node: NodeId,
        /// Which timer.
        timer: TimerKind,
    },
    /// A node's election clock was moved forward at process start (etcd's initial
    /// election tick advance, `--initial-election-tick-advance`).
    TickAdvance {
        /// Node.
        node: NodeId,
        /// Ticks added.
        ticks: u64,
    },
    /// A node changed role or term.
    Role {
        /// Node.
        node: NodeId,
        /// New role.
        role: Role,
        /// Its term.
        term: Term,
    },
    /// Entries were written to a node's log.
    Append {
        /// Node.
        node: NodeId,
        /// First index written.
        first: LogIndex,
        /// Last index written.
        last: LogIndex,
    },
    /// A node's log was cut (uncommitted entries overwritten by a new leader).
    Truncate {
        /// Node.
        node: NodeId,
        /// First index removed.
        from: LogIndex,
    },
    /// A node's commit index moved.
    Commit {
        /// Node.
        node: NodeId,
        /// New commit index.
        index: LogIndex,
    },
    /// A node crashed.
    Crash {
        /// Node.
        node: NodeId,
    },
    /// A node restarted.
    Restart {
        /// Node.
        node: NodeId,
    },
    /// A node applied a membership change.
    Membership {
        /// Node applying it.
        node: NodeId,
        /// `add`, `add_learner` or `remove`.
        change: &'static str,
        /// Member concerned.
        member: NodeId,
    },
    /// A node was restored from a snapshot into a new cluster.
    Restore {
        /// Node.
        node: NodeId,
        /// Its new cluster id.
        cluster: u64,
        /// The commit index the snapshot was saved at (in the old cluster).
        index: LogIndex,
    },
    /// A snapshot was saved.
    Snapshot {
        /// Node.
        node: NodeId,
        /// Commit index saved.
        index: LogIndex,
    },
    /// A client proposal was sent, or its outcome became known.
    Proposal {
        /// Proposal number (position in the result's `proposals`).
        proposal: u64,
        /// Outcome so far.
        outcome: Outcome,
        /// Why it failed.
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'static str>,
    },
    /// The network changed (partition, heal, latency, loss…).
    Network {
        /// The action applied.
        action: &'static str,
    },
    /// An action was skipped (its selector matched no node, or it could not apply).
    Skip {
        /// The action.
        action: &'static str,
        /// Why.
        reason: String,
    },
}
