//! Seeded random fault schedules: the randomized test of the Raft core.
//!
//! Each schedule is a function of one seed: a cluster of 3 or 5 nodes over 1–3 sites with
//! PreVote and CheckQuorum switched at random, then a burst of faults (crash, restart,
//! partition, isolate, heal, loss, duplication, reordering, leadership transfer) mixed
//! with client writes, checking every safety invariant after every event. Then the faults
//! stop, every node restarts and the network heals, and liveness is required: a leader
//! within a bound, and a write committed shortly after. A failure names its seed, and
//! `run_schedule(seed)` replays it exactly.
//!
//! Timings are shrunk (heartbeat 10 ms, election 40 ms) so that each schedule is short in
//! events; only ratios matter to Raft.

use std::collections::BTreeMap;
use std::fmt;

use crate::result::Outcome;
use crate::rng::Rng;
use crate::scenario::{Action, ClusterSpec, LatencySpec, NodeSelector, Scenario};
use crate::simulation::Simulation;
use crate::view::Role;

const HEARTBEAT_MS: u64 = 10;
const ELECTION_MS: u64 = 40;
/// Faults happen during this many election timeouts.
const FAULT_ROUNDS: u64 = 25;
/// After the faults stop, a leader must exist within this many election timeouts.
/// Generous: with PreVote off, a rejoining node may force a few extra elections, and
/// split votes are possible; an unbounded wait would be the bug.
const LIVENESS_ROUNDS: u64 = 40;
/// Then a write must commit within this many election timeouts.
const COMMIT_ROUNDS: u64 = 10;

/// A schedule that broke an invariant or liveness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoakFailure {
    /// Seed of the failing schedule.
    pub seed: u64,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for SoakFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "soak schedule {seed} failed: {message} (reproduce: RAFTDECK_SOAK_SEED={seed} cargo test -p sim --test soak)",
            seed = self.seed,
            message = self.message
        )
    }
}

impl std::error::Error for SoakFailure {}

/// The cluster of schedule `seed`.
pub fn schedule_scenario(seed: u64) -> Scenario {
    let mut rng = Rng::new(seed ^ 0x5EED_5EED_5EED_5EED);
    let node_count = if rng.below(3) == 0 { 5 } else { 3 };
    let site_count = 1 + rng.below(3);
    let mut sites: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for site in 0..site_count {
        sites.insert(format!("S{site}"), Vec::new());
    }
    for node in 1..=node_count {
        let site = format!("S{}", rng.below(site_count));
        sites.entry(site).or_default().push(format!("n{node}"));
    }
    Scenario {
        name: format!("soak-{seed}"),
        title: None,
        seed,
        cluster: ClusterSpec {
            sites,
            latency_ms: LatencySpec {
                intra: 1,
                inter: 1 + rng.below(5),
                jitter: rng.below(3),
            },
            heartbeat_ms: HEARTBEAT_MS,
            election_ms: ELECTION_MS,
            pre_vote: rng.below(4) != 0,
            check_quorum: rng.below(4) != 0,
            down: Vec::new(),
        },
        steps: Vec::new(),
        until_ms: None,
    }
}

fn random_node(rng: &mut Rng, count: u64) -> NodeSelector {
    NodeSelector::Node(format!("n{}", 1 + rng.below(count)))
}

fn random_fault(rng: &mut Rng, count: u64, sites: &[String], write: &mut u64) -> Action {
    match rng.below(12) {
        0 | 1 => Action::Crash {
            node: if rng.below(4) == 0 {
                NodeSelector::Leader
            } else {
                random_node(rng, count)
            },
        },
        2 | 3 => Action::Restart {
            node: random_node(rng, count),
        },
        4 => {
            // Random groups of nodes (not sites: finer cuts find more bugs).
            let groups_count = 2 + rng.below(2);
            let mut groups = vec![Vec::new(); groups_count as usize];
            for node in 1..=count {
                groups[rng.below(groups_count) as usize].push(format!("n{node}"));
            }
            Action::Partition { groups }
        }
        5 if !sites.is_empty() => Action::Partition {
            groups: vec![vec![sites[rng.below(sites.len() as u64) as usize].clone()]],
        },
        6 => Action::Isolate {
            node: random_node(rng, count),
        },
        7 => Action::Heal,
        8 => match rng.below(3) {
            0 => Action::DropRate {
                rate: rng.below(40) as f64 / 100.0,
            },
            1 => Action::DuplicateRate {
                rate: rng.below(30) as f64 / 100.0,
            },
            _ => Action::Reorder {
                max_ms: rng.below(15),
            },
        },
        9 => Action::TransferLeader {
            node: random_node(rng, count),
        },
        _ => {
            *write += 1;
            Action::Propose {
                value: format!("v{write}"),
                node: if rng.below(3) == 0 {
                    random_node(rng, count)
                } else {
                    NodeSelector::Leader
                },
            }
        }
    }
}

/// Advances to `until`, failing on the first safety violation.
fn advance(simulation: &mut Simulation, until: u64) -> Result<(), String> {
    while simulation.step_until(until) {
        if simulation.has_violations() {
            return Err(format!("{:?}", simulation.violations()));
        }
    }
    simulation.run_until(until);
    Ok(())
}

/// Runs schedule `seed`; returns the number of events processed.
pub fn run_schedule(seed: u64) -> Result<u64, String> {
    let scenario = schedule_scenario(seed);
    let mut simulation = Simulation::new(&scenario);
    simulation.set_tracing(false);
    let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xFA17);
    let count = scenario.initial_nodes().len() as u64;
    let sites: Vec<String> = scenario.cluster.sites.keys().cloned().collect();
    let mut write = 0;

    // Let a first leader appear half the time; otherwise faults hit the cold start.
    let mut now = if rng.below(2) == 0 {
        3 * ELECTION_MS
    } else {
        0
    };
    let fault_end = now + FAULT_ROUNDS * ELECTION_MS;
    while now < fault_end {
        now += rng.below(ELECTION_MS);
        advance(&mut simulation, now)?;
        let action = random_fault(&mut rng, count, &sites, &mut write);
        simulation.apply(&action);
        if simulation.has_violations() {
            return Err(format!("after {action:?}: {:?}", simulation.violations()));
        }
    }

    // Faults stop: heal everything, restart every node.
    for action in [
        Action::Heal,
        Action::DropRate { rate: 0.0 },
        Action::DuplicateRate { rate: 0.0 },
        Action::Reorder { max_ms: 0 },
    ] {
        simulation.apply(&action);
    }
    for node in 1..=count {
        let name = format!("n{node}");
        if !simulation.is_up(&name) {
            simulation.apply(&Action::Restart {
                node: NodeSelector::Node(name),
            });
        }
    }
    let healed_at = simulation.now_ms();
    let deadline = healed_at + LIVENESS_ROUNDS * ELECTION_MS;
    let mut leader_at = None;
    while simulation.now_ms() < deadline {
        let next = simulation.now_ms() + HEARTBEAT_MS;
        advance(&mut simulation, next)?;
        let nodes = simulation.nodes();
        let leaders = nodes.iter().filter(|n| n.role == Role::Leader).count();
        // A leader followed by every node (everything is connected and up).
        if leaders == 1 {
            let leader = nodes
                .iter()
                .find(|n| n.role == Role::Leader)
                .map(|n| n.id.clone());
            if nodes.iter().all(|n| n.leader == leader) {
                leader_at = Some(simulation.now_ms());
                break;
            }
        }
    }
    let Some(leader_at) = leader_at else {
        return Err(format!(
            "no stable leader within {} ms after healing at {healed_at} ms",
            LIVENESS_ROUNDS * ELECTION_MS
        ));
    };
    // A client retrying every election timeout (a transfer in progress or a leader
    // change may refuse a write) must get one committed.
    let commit_deadline = leader_at + COMMIT_ROUNDS * ELECTION_MS;
    let mut committed = false;
    let mut attempts = Vec::new();
    while simulation.now_ms() < commit_deadline && !committed {
        attempts.push(simulation.proposal_count());
        simulation.apply(&Action::Propose {
            value: format!("final{}", attempts.len()),
            node: NodeSelector::Leader,
        });
        let next = simulation.now_ms() + ELECTION_MS;
        advance(&mut simulation, next)?;
        committed = attempts
            .iter()
            .any(|&p| simulation.proposal_outcome(p).map(|o| o.0) == Some(Outcome::Committed));
    }
    let result = simulation.result();
    if let Some(violation) = result.violations.first() {
        return Err(format!("{violation:?}"));
    }
    let problems = simulation.check_logs();
    if !problems.is_empty() {
        return Err(format!("{problems:?}"));
    }
    if !committed {
        let tried: Vec<_> = attempts
            .iter()
            .filter_map(|&p| simulation.proposal_outcome(p))
            .collect();
        return Err(format!(
            "no write committed within {} ms after a leader appeared at {leader_at} ms: {tried:?}",
            COMMIT_ROUNDS * ELECTION_MS
        ));
    }
    Ok(result.events)
}

/// Runs schedules `start_seed..start_seed + count`; the total number of events, or the
/// first failure.
pub fn run_schedules(start_seed: u64, count: u64) -> Result<u64, SoakFailure> {
    let mut events = 0;
    for seed in start_seed..start_seed.saturating_add(count) {
        events += run_schedule(seed).map_err(|message| SoakFailure { seed, message })?;
    }
    Ok(events)
}
