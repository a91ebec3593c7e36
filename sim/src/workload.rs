//! Benchmark workloads: scenarios sized to measure the simulator, not to teach Raft.
//!
//! The reference is RaftScope, the Raft visualisation on raft.github.io: 5 nodes,
//! heartbeat 50 ms, election 100 ms (randomized 100–200 ms), 10 ms latency plus up to 5 ms
//! of jitter, one client write every 100 ms. Callers time the runs (this crate reads no
//! clock); `cargo xtask bench` does it natively and in WASM inside Chromium.

use crate::scenario::{Action, ClusterSpec, LatencySpec, NodeSelector, Scenario, Step};
use crate::simulation::Simulation;
use crate::timeline::Timeline;

/// What a workload run did, for throughput figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkloadStats {
    /// Simulated time covered, in ms.
    pub simulated_ms: u64,
    /// Events processed.
    pub events: u64,
    /// Messages delivered between nodes.
    pub messages_delivered: u64,
    /// Client writes committed.
    pub commits: u64,
}

/// RaftScope's workload over `simulated_seconds` of simulated time.
pub fn raftscope(simulated_seconds: u64) -> Scenario {
    let until_ms = simulated_seconds.saturating_mul(1000);
    Scenario {
        name: "raftscope-workload".to_owned(),
        title: None,
        seed: 1,
        cluster: ClusterSpec {
            sites: [(
                "A".to_owned(),
                ["n1", "n2", "n3", "n4", "n5"].map(str::to_owned).to_vec(),
            )]
            .into_iter()
            .collect(),
            latency_ms: LatencySpec {
                intra: 10,
                inter: 10,
                jitter: 5,
            },
            heartbeat_ms: 50,
            election_ms: 100,
            pre_vote: true,
            check_quorum: true,
            down: Vec::new(),
        },
        steps: vec![Step {
            at_ms: 100,
            action: Action::Propose {
                value: "w{n}".to_owned(),
                node: NodeSelector::Leader,
            },
            every_ms: Some(100),
            label: None,
        }],
        until_ms: Some(until_ms),
    }
}

/// Runs `scenario` to its end with tracing off (as a widget playing without a trace
/// consumer would) and reports what it did.
pub fn run(scenario: &Scenario) -> WorkloadStats {
    let mut simulation = Simulation::new(scenario);
    simulation.set_tracing(false);
    simulation.run_to_end();
    let result = simulation.result();
    WorkloadStats {
        simulated_ms: simulation.now_ms(),
        events: simulation.events(),
        messages_delivered: simulation.messages_delivered(),
        commits: u64::try_from(result.commits.len()).unwrap_or(u64::MAX),
    }
}

/// Records `scenario` to its end with tracing off, keeping a checkpoint every
/// `interval_ms`: the timeline the seek benchmark times.
pub fn record(scenario: &Scenario, interval_ms: u64) -> Timeline<Simulation> {
    let mut simulation = Simulation::new(scenario);
    simulation.set_tracing(false);
    let end = simulation.end_ms();
    Timeline::record(simulation, interval_ms, end, Simulation::run_until)
}

/// The simulation at `at_ms` of a recorded timeline: its checkpoint before, replayed.
pub fn seek(timeline: &Timeline<Simulation>, at_ms: u64) -> Simulation {
    timeline.seek(at_ms, Simulation::run_until)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raftscope_workload_elects_and_commits() {
        let stats = run(&raftscope(5));
        assert_eq!(stats.simulated_ms, 5000);
        assert!(stats.messages_delivered > 1000, "{stats:?}");
        assert!(
            stats.commits >= 40,
            "about one write per 100 ms commits: {stats:?}"
        );
    }

    #[test]
    fn seeking_equals_running_straight_there() {
        let scenario = raftscope(3);
        let timeline = record(&scenario, 500);
        assert_eq!(timeline.len(), 7);
        for at_ms in [0, 1, 499, 500, 1234, 2999, 3000] {
            let mut straight = Simulation::new(&scenario);
            straight.set_tracing(false);
            straight.run_until(at_ms);
            let sought = seek(&timeline, at_ms);
            assert_eq!(sought.now_ms(), at_ms);
            assert_eq!(
                sought.result().to_json(),
                straight.result().to_json(),
                "at {at_ms} ms"
            );
        }
    }
}
