//! Pure, deterministic simulations of an etcd cluster spread over sites.
//!
//! A [`Scenario`] (JSON, see DESIGN.md) describes sites, nodes,
//! timing and timed actions. [`Simulation::new`] builds the cluster; [`Simulation::step`]
//! or [`Simulation::run_until`] advance simulated time event by event; actions can be
//! injected at any instant with [`Simulation::apply`]; views ([`Simulation::nodes`],
//! [`Simulation::messages_in_flight`]) and the trace ([`Simulation::drain_trace`]) feed
//! the animations; [`Simulation::result`] gives DESIGN.md's result JSON. Nothing here reads
//! a clock, does I/O, spawns threads or draws entropy: the same scenario gives the same
//! trace natively and in WASM.
//!
//! # Layout
//! - `ids`: newtypes `NodeId`, `Term`, `LogIndex`, `ClusterId`.
//! - `rng`: the seeded PRNG (xoshiro256**), the only randomness.
//! - `log`: a node's log, the consistency check, conflict truncation, the reject hint.
//! - `membership`: voters, learners, single-member configuration changes.
//! - `quorum`: majorities, vote tallies, committed index.
//! - `progress`: the leader's view of each follower.
//! - `message`: messages between nodes.
//! - `raft`: one node's roles and `step` (PreVote, CheckQuorum, transfer…).
//! - `network`: sites, latencies, partitions, loss, duplication, reordering.
//! - `scenario`: the scenario contract and its validating parser.
//! - `simulation`: the event queue tying nodes, network and clients together.
//! - `invariants`: the Raft safety properties, checked after every event.
//! - `trace`, `view`, `result`: what callers read.
//! - `soak`: seeded random fault schedules (the randomized test, `cargo xtask soak`).
//! - `timeline`: checkpoints of a deterministic run, for seeking and forking (both widget
//!   players and the seek benchmark).
//! - `workload`: benchmark workloads (RaftScope's) and their recorded timeline.
//! - `models`: the other systems of the talk (Kubernetes, Kafka, Elasticsearch, two
//!   clusters active/passive), the `system` dispatcher [`run_any`], and computed tables
//!   (`models::matrix`).
//!
//! # Example
//! ```
//! let text = r#"{
//!   "cluster": { "sites": { "A": ["n1", "n2"], "B": ["n3"] } },
//!   "steps": [ { "at_ms": 3000, "do": "propose", "value": "x=1" } ],
//!   "until_ms": 6000
//! }"#;
//! let scenario = sim::scenario::parse_scenario(text).expect("valid scenario");
//! let result = sim::run_scenario(&scenario);
//! assert!(result.violations.is_empty());
//! assert_eq!(result.commits[0].value, "x=1");
//! ```

pub mod ids;
pub mod invariants;
pub mod log;
pub mod membership;
pub mod message;
pub mod models;
pub mod network;
pub mod progress;
pub mod quorum;
pub mod raft;
pub mod result;
pub mod rng;
pub mod scenario;
pub mod schema;
pub mod simulation;
pub mod soak;
pub mod timeline;
pub mod trace;
pub mod view;
pub mod workload;

pub use ids::{ClusterId, LogIndex, NodeId, Term};
pub use invariants::Violation;
pub use message::MessageKind;
pub use models::{parse_any, run_any, AnyResult, AnyScenario, SystemKind};
pub use result::{Outcome, SimResult};
pub use scenario::{parse_scenario, Action, NodeSelector, Scenario, ScenarioError};
pub use simulation::Simulation;
pub use trace::{TraceEvent, TraceKind};
pub use view::{EntryView, MessageView, NodeView, Role};

/// Runs a scenario to its end and returns the result (no trace kept).
pub fn run_scenario(scenario: &Scenario) -> SimResult {
    let mut simulation = Simulation::new(scenario);
    simulation.set_tracing(false);
    simulation.run_to_end();
    simulation.result()
}

/// Runs a scenario with tracing: the result and every trace event as a JSON line (node
/// names, not ids), in order. What `raftdeck sim --trace` prints.
pub fn trace_json_lines(scenario: &Scenario) -> (SimResult, Vec<String>) {
    let mut simulation = Simulation::new(scenario);
    let mut lines = Vec::new();
    let end = simulation.end_ms();
    while simulation.step_until(end) {
        for event in simulation.drain_trace() {
            lines.push(simulation.trace_line(&event));
        }
    }
    simulation.run_until(end);
    for event in simulation.drain_trace() {
        lines.push(simulation.trace_line(&event));
    }
    (simulation.result(), lines)
}

/// 64-bit FNV-1a, the stable hash used to compare runs across targets.
pub fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
    }
    hash
}

/// FNV-1a offset basis.
pub const FNV_OFFSET: u64 = 0xCBF2_9CE4_8422_2325;

/// A stable hash of a run: FNV-1a over every trace line (each followed by `\n`) and then
/// the result JSON. Equal natively and in WASM, or the simulation is not deterministic.
pub fn trace_hash(scenario: &Scenario) -> u64 {
    let (result, lines) = trace_json_lines(scenario);
    let mut hash = FNV_OFFSET;
    for line in &lines {
        hash = fnv1a(line.as_bytes(), hash);
        hash = fnv1a(b"\n", hash);
    }
    fnv1a(result.to_json().as_bytes(), hash)
}
