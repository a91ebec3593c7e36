//! Seeded random fault schedules: the randomized test of the Raft core.
//!
//! Each schedule is a function of one seed: a cluster of 3 or 5 nodes over 1–3 sites with
//! PreVote and CheckQuorum switched at random, then a burst of faults (crash, restart,
//! partition, isolate, one-way cuts, heal, loss, duplication, reordering, latency
//! changes, leadership transfer, member add — learners, members left unstarted, former
//! members re-added — promote and remove, snapshot and restore) mixed with client
//! writes, checking every safety invariant after every event. Then the faults stop, the
//! network heals, the clusters a restore left behind are retired and every member of the
//! newest one is started, and liveness is required: a leader followed by every member
//! within a bound, and a write committed shortly after. A failure names its seed, and
//! `run_schedule(seed)` replays it exactly.
//!
//! Timings are shrunk (heartbeat 10 ms, election 40 ms, etcd's 5 s reconfiguration
//! health interval to 200 ms) so that each schedule is short in events; only ratios
//! matter to Raft.

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
/// Then a write must commit within this many election timeouts. As generous, for the
/// same reason: the leader seen may be one that commits its own removal and stops (as
/// etcd does), and with PreVote off a member whose log is behind can neither win nor stop
/// calling elections, resetting the others' timers; an election timeout drawn from only 4
/// tick counts then lets it go first or tie more than half of the time (schedule 240971:
/// 7 such rounds in a row). 40 rounds put that chance under 10⁻⁸.
const COMMIT_ROUNDS: u64 = 40;

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

/// Most members a schedule may have, added ones included.
const MAX_MEMBERS: usize = 8;

/// The schedule's members so far (initial ones, then added ones, in order).
struct Members {
    names: Vec<String>,
}

impl Members {
    fn pick(&self, rng: &mut Rng) -> String {
        self.names[rng.below(self.names.len() as u64) as usize].clone()
    }

    fn random_node(&self, rng: &mut Rng) -> NodeSelector {
        NodeSelector::Node(self.pick(rng))
    }
}

fn random_fault(rng: &mut Rng, members: &mut Members, sites: &[String], write: &mut u64) -> Action {
    match rng.below(20) {
        0 | 1 => Action::Crash {
            node: if rng.below(4) == 0 {
                NodeSelector::Leader
            } else {
                members.random_node(rng)
            },
        },
        2 | 3 => Action::Restart {
            node: members.random_node(rng),
        },
        4 => {
            // Random groups of nodes (not sites: finer cuts find more bugs).
            let groups_count = 2 + rng.below(2);
            let mut groups = vec![Vec::new(); groups_count as usize];
            for name in &members.names {
                groups[rng.below(groups_count) as usize].push(name.clone());
            }
            Action::Partition { groups }
        }
        5 if !sites.is_empty() => Action::Partition {
            groups: vec![vec![sites[rng.below(sites.len() as u64) as usize].clone()]],
        },
        6 => Action::Isolate {
            node: members.random_node(rng),
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
            node: members.random_node(rng),
        },
        10 => {
            // A one-way cut between two members (an asymmetric link failure).
            let from = members.pick(rng);
            let mut to = members.pick(rng);
            if to == from {
                to = members.names[0].clone();
            }
            if to == from {
                return Action::Heal;
            }
            Action::Cut {
                from,
                to,
                one_way: rng.below(4) != 0,
            }
        }
        11 => {
            // Latency changes, within the range the schedule starts with: round trips stay
            // well under the election timeout, as etcd's tuning guide asks (the soak is
            // about safety under faults, not about mistuned timeouts).
            if rng.below(2) == 0 || sites.len() < 2 {
                Action::SetLatency {
                    intra: Some(1 + rng.below(2)),
                    inter: Some(1 + rng.below(5)),
                    from: None,
                    to: None,
                    ms: None,
                }
            } else {
                let a = rng.below(sites.len() as u64) as usize;
                let b = (a + 1 + rng.below(sites.len() as u64 - 1) as usize) % sites.len();
                Action::SetLatency {
                    intra: None,
                    inter: None,
                    from: Some(sites[a].clone()),
                    to: Some(sites[b].clone()),
                    ms: Some(1 + rng.below(5)),
                }
            }
        }
        12 => {
            // Add a member: a new one while there is room, else a former member again.
            let node = if members.names.len() < MAX_MEMBERS {
                let name = format!("n{}", members.names.len() + 1);
                members.names.push(name.clone());
                name
            } else {
                members.pick(rng)
            };
            Action::MemberAdd {
                node,
                site: sites[rng.below(sites.len() as u64) as usize].clone(),
                learner: rng.below(3) == 0,
                start: rng.below(5) != 0,
            }
        }
        13 => Action::Promote {
            node: members.random_node(rng),
        },
        14 => Action::MemberRemove {
            node: members.random_node(rng),
        },
        15 => Action::Snapshot {
            node: members.random_node(rng),
        },
        16 if rng.below(3) == 0 => Action::Restore {
            node: members.random_node(rng),
        },
        _ => {
            *write += 1;
            Action::Propose {
                value: format!("v{write}"),
                node: if rng.below(3) == 0 {
                    members.random_node(rng)
                } else {
                    NodeSelector::Leader
                },
            }
        }
    }
}

/// Whether the current leader's configuration has at most two voters.
fn two_voters_or_fewer(simulation: &Simulation) -> bool {
    simulation
        .nodes()
        .iter()
        .filter(|n| n.role == Role::Leader)
        .any(|n| n.voters.len() <= 2)
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
    run_schedule_with(seed, |_| {})
}

/// Runs schedule `seed`, calling `meddle` on the simulation once, halfway through the
/// faults (tests use it to break the simulation on purpose and see the soak fail).
fn run_schedule_with(seed: u64, meddle: impl FnOnce(&mut Simulation)) -> Result<u64, String> {
    let scenario = schedule_scenario(seed);
    let mut simulation = Simulation::new(&scenario);
    simulation.set_tracing(false);
    // etcd's 5 s health interval, shrunk like every other timing of the soak.
    simulation.set_health_interval_ms(5 * ELECTION_MS);
    let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xFA17);
    let mut members = Members {
        names: scenario
            .initial_nodes()
            .into_iter()
            .map(|(name, _)| name)
            .collect(),
    };
    members
        .names
        .sort_by_key(|name| name[1..].parse::<u32>().unwrap_or(0));
    let sites: Vec<String> = scenario.cluster.sites.keys().cloned().collect();
    let mut write = 0;

    // Let a first leader appear half the time; otherwise faults hit the cold start.
    let mut now = if rng.below(2) == 0 {
        3 * ELECTION_MS
    } else {
        0
    };
    let fault_end = now + FAULT_ROUNDS * ELECTION_MS;
    let meddle_at = now + FAULT_ROUNDS * ELECTION_MS / 2;
    let mut meddle = Some(meddle);
    while now < fault_end {
        now += rng.below(ELECTION_MS);
        advance(&mut simulation, now)?;
        if now >= meddle_at {
            if let Some(meddle) = meddle.take() {
                meddle(&mut simulation);
                advance(&mut simulation, now + 1)?;
            }
        }
        let action = random_fault(&mut rng, &mut members, &sites, &mut write);
        if matches!(action, Action::MemberRemove { .. }) && two_voters_or_fewer(&simulation) {
            // etcd's runtime-configuration guide: "It is unsafe to remove a member from a
            // two member cluster" (etcd allows it; if the commit of the removal is lost,
            // the other member waits for a vote that never comes). Operators do not.
            continue;
        }
        simulation.apply(&action);
        if simulation.has_violations() {
            return Err(format!("after {action:?}: {:?}", simulation.violations()));
        }
    }

    // Faults stop: heal everything. The operator retires the clusters a restore left
    // behind and starts every member of the newest one that is down (members added but
    // never started included).
    for action in [
        Action::Heal,
        Action::DropRate { rate: 0.0 },
        Action::DuplicateRate { rate: 0.0 },
        Action::Reorder { max_ms: 0 },
    ] {
        simulation.apply(&action);
    }
    let nodes = simulation.nodes();
    let newest = nodes.iter().map(|n| n.cluster).max().unwrap_or(1);
    // The newest cluster's configuration as its most advanced member knows it (members
    // added but not started yet still carry their old state: they are in it all the
    // same).
    let config: Vec<String> = nodes
        .iter()
        .filter(|n| n.cluster == newest)
        .max_by_key(|n| n.commit_index)
        .map(|n| n.voters.iter().chain(&n.learners).cloned().collect())
        .unwrap_or_default();
    for node in &nodes {
        let selector = NodeSelector::Node(node.id.clone());
        let member = config.contains(&node.id) && !node.removed;
        if member && node.role == Role::Down {
            simulation.apply(&Action::Restart { node: selector });
        } else if !member && node.role != Role::Down {
            simulation.apply(&Action::Crash { node: selector });
        }
    }
    let healed_at = simulation.now_ms();
    let deadline = healed_at + LIVENESS_ROUNDS * ELECTION_MS;
    let mut leader_at = None;
    while simulation.now_ms() < deadline {
        let next = simulation.now_ms() + HEARTBEAT_MS;
        advance(&mut simulation, next)?;
        let nodes = simulation.nodes();
        let leaders: Vec<_> = nodes.iter().filter(|n| n.role == Role::Leader).collect();
        // One leader, followed by every running member of its configuration.
        if let [leader] = leaders.as_slice() {
            let in_config =
                |name: &String| leader.voters.contains(name) || leader.learners.contains(name);
            let followed = nodes
                .iter()
                .filter(|n| n.role != Role::Down && in_config(&n.id))
                .all(|n| n.leader.as_deref() == Some(leader.id.as_str()));
            if followed {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_fails_when_a_leader_loses_an_entry() {
        // The soak stops at the first violation: break a leader's log halfway through a
        // schedule (a test-only hook) and the schedule must fail, naming the rule.
        let mut broken = 0;
        for seed in 0..40 {
            let mut had_leader = false;
            let outcome = run_schedule_with(seed, |simulation| {
                let leader = simulation
                    .nodes()
                    .into_iter()
                    .find(|n| n.role == Role::Leader && !n.log.is_empty());
                if let Some(leader) = leader {
                    had_leader = true;
                    simulation.tamper_log(&leader.id, |log| {
                        let kept = log.entries()[..log.entries().len() - 1].to_vec();
                        *log = crate::log::RaftLog::from_entries(kept);
                    });
                    simulation.touch(&leader.id);
                }
            });
            if had_leader {
                let message = outcome.expect_err("a broken leader log must fail the schedule");
                assert!(message.contains("leader_append_only"), "{message}");
                broken += 1;
            } else {
                assert!(outcome.is_ok(), "seed {seed}: {outcome:?}");
            }
        }
        assert!(
            broken >= 10,
            "only {broken} schedules had a leader to break"
        );
    }
}
