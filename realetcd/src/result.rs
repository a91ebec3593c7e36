//! The result JSON of a run, as `raftdeck sim` prints it and `raftdeck real` prints it
//! too, read and written with the same types so the two compare field by field.
//!
//! Reading is lenient (unknown fields ignored, optional ones defaulted) so a simulation
//! result with more detail (node logs, violations) reads into the same shape.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A node at the end of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeDoc {
    /// Name.
    pub id: String,
    /// Site.
    pub site: String,
    /// `leader|follower|candidate|pre_candidate|down|learner`.
    pub role: String,
    /// Term.
    pub term: u64,
    /// Commit index (real etcd: its raft commit index, which also counts etcd's own
    /// entries — configuration, member attributes — so it is not comparable as a number).
    pub commit_index: u64,
    /// The log (real etcd: empty, the WAL is not read).
    #[serde(default)]
    pub log: Vec<Value>,
}

/// A leader elected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderDoc {
    /// When (ms from the start).
    pub at_ms: u64,
    /// Who.
    pub node: String,
    /// Its term.
    pub term: u64,
}

/// A client value committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitDoc {
    /// When it was committed (real etcd: first seen by a watch on any member).
    pub at_ms: u64,
    /// Log index (real etcd: the key's revision).
    pub index: u64,
    /// The value.
    pub value: String,
    /// Term of the entry (real etcd: the highest term seen at that moment).
    #[serde(default)]
    pub term: u64,
}

/// A client write and what the client learnt of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalDoc {
    /// When it was sent.
    pub at_ms: u64,
    /// The value.
    pub value: String,
    /// The node it was sent to (null when the selector matched none).
    pub node: Option<String>,
    /// `committed|failed|unknown|pending`.
    pub outcome: String,
    /// Why, when not committed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Index a leader appended it at (simulation only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// When the outcome became known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at_ms: Option<u64>,
}

/// A step that did nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedDoc {
    /// When.
    pub at_ms: u64,
    /// Position in the scenario's steps.
    pub step: Option<u32>,
    /// The action (`do`).
    pub action: String,
    /// Why.
    pub reason: String,
}

/// The result of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// Scenario name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// End of the run (ms).
    pub until_ms: u64,
    /// Every node.
    pub nodes: Vec<NodeDoc>,
    /// Each election won.
    pub leaders: Vec<LeaderDoc>,
    /// Client values committed, in commit order.
    pub commits: Vec<CommitDoc>,
    /// Client writes, in the order sent.
    pub proposals: Vec<ProposalDoc>,
    /// Steps that did nothing.
    pub skipped: Vec<SkippedDoc>,
    /// Safety violations (real etcd: an acknowledged write missing at the end).
    #[serde(default)]
    pub violations: Vec<Value>,
    /// Events processed (real etcd: role changes read from the logs).
    #[serde(default)]
    pub events: u64,
}

impl RunResult {
    /// Pretty JSON, as `raftdeck sim` prints.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|error| format!("{{\"error\":\"{error}\"}}"))
    }

    /// Reads a result printed by `raftdeck sim` or `raftdeck real`.
    pub fn from_json(text: &str) -> serde_json::Result<RunResult> {
        serde_json::from_str(text)
    }

    /// The simulation's result for a scenario, in this shape.
    pub fn of_simulation(scenario: &sim::Scenario) -> serde_json::Result<RunResult> {
        // The simulation's result is a superset of this shape.
        RunResult::from_json(&sim::run_scenario(scenario).to_json())
    }
}
