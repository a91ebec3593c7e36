//! Behaviours observed on a real etcd 3.4.23 cluster on loopback (and read in etcd's
//! release-3.4 source), held here against the simulation. Each test names what real etcd
//! showed; sim/README.md lists the experiments.

mod common;

use common::*;
use sim::{Simulation, TraceKind};

/// Every trace event of a run, node names resolved.
fn trace(scenario: &sim::Scenario) -> (Simulation, Vec<sim::TraceEvent>) {
    let mut simulation = Simulation::new(scenario);
    let mut events = simulation.drain_trace();
    let end = scenario.end_ms();
    while simulation.step_until(end) {
        assert_safe(&simulation);
        events.extend(simulation.drain_trace());
    }
    simulation.run_until(end);
    events.extend(simulation.drain_trace());
    (simulation, events)
}

/// (at_ms, node, ticks) of every initial election tick advance.
fn advances(simulation: &Simulation, events: &[sim::TraceEvent]) -> Vec<(u64, String, u64)> {
    events
        .iter()
        .filter_map(|event| match event.kind {
            TraceKind::TickAdvance { node, ticks } => {
                Some((event.at_ms, simulation.node_name(node).to_string(), ticks))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_new_cluster_starts_at_term_one_and_elects_its_first_leader_at_term_two() {
    // etcd bootstraps each member as a follower at term 1 ("became follower at term 1"),
    // so the first leader is of term 2; and it fast-forwards the election clock by
    // ElectionTicks − 2 = 8 ticks once two peers are connected ("initialized peer
    // connections; fast-forwarding election ticks", "forward-ticks":8), so the first
    // election comes well before a whole election timeout (about 300 ms on loopback).
    let scenario = load("election");
    let (simulation, events) = trace(&scenario);
    let first_roles: Vec<_> = simulation.nodes().iter().map(|n| n.term).collect();
    assert!(first_roles.iter().all(|&term| term == 2), "{first_roles:?}");
    let result = simulation.result();
    assert_eq!(result.leaders[0].term, 2);
    assert!(result.leaders[0].at_ms < 1000, "{:?}", result.leaders);
    let advanced = advances(&simulation, &events);
    assert_eq!(advanced.len(), 3, "{advanced:?}");
    assert!(advanced
        .iter()
        .all(|(at, _, ticks)| *ticks == 8 && *at <= 100));
}

#[test]
fn the_randomized_election_timeout_is_a_whole_number_of_ticks() {
    // etcd: randomizedElectionTimeout = electionTimeout + rand(electionTimeout), in ticks
    // of one heartbeat; a follower's election fires on one of its own ticks.
    let scenario = inline(
        r#"{"name": "ticks", "seed": 5,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}, "heartbeat_ms": 100, "election_ms": 1000},
            "steps": [{"at_ms": 3000, "do": "crash", "node": "leader"}],
            "until_ms": 60000}"#,
    );
    let (simulation, events) = trace(&scenario);
    let mut fired: Vec<(String, u64)> = Vec::new();
    for event in &events {
        if let TraceKind::Timeout {
            node,
            timer: sim::raft::TimerKind::Election,
        } = event.kind
        {
            fired.push((simulation.node_name(node).to_string(), event.at_ms));
        }
    }
    assert!(fired.len() > 5, "{fired:?}");
    // Each node's timeouts fall on its own tick grid: equal remainders modulo 100 ms
    // within one incarnation (nobody restarts here).
    for name in ["n1", "n2", "n3"] {
        let phases: Vec<u64> = fired
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, at)| at % 100)
            .collect();
        assert!(
            phases.windows(2).all(|w| w[0] == w[1]),
            "{name}: {phases:?}"
        );
    }
}

#[test]
fn randomized_timeouts_cover_election_ticks_to_twice_minus_one() {
    let mut rng = sim::rng::Rng::new(9);
    let config = sim::raft::RaftConfig::default();
    let members = sim::membership::Membership::of_voters([sim::NodeId(0)]);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..400 {
        let raft = sim::raft::Raft::new(
            sim::NodeId(0),
            config,
            sim::ClusterId(1),
            members.clone(),
            0,
            &mut rng,
        );
        seen.insert(raft.randomized_election_ticks);
    }
    assert_eq!(seen, (10..20).collect());
}

#[test]
fn a_member_started_alone_among_three_does_not_advance_its_ticks() {
    // Real etcd, 3 members, only n1 and n2 started: "starting initial election tick
    // advance" and no fast-forward (one active remote peer; etcd needs more than one),
    // then n3 starts and fast-forwards 8 ticks with two active peers.
    let scenario = inline(
        r#"{"name": "two-of-three", "seed": 2,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}, "down": ["n3"]},
            "steps": [{"at_ms": 7000, "do": "restart", "node": "n3"}],
            "until_ms": 9000}"#,
    );
    let (simulation, events) = trace(&scenario);
    let advanced = advances(&simulation, &events);
    assert_eq!(advanced.len(), 1, "{advanced:?}");
    assert_eq!(advanced[0].1, "n3");
    assert_eq!(advanced[0].2, 8);
    assert!(advanced[0].0 > 7000 && advanced[0].0 <= 7100);
    // Without the advance, the first election needs a whole randomized timeout.
    let result = simulation.result();
    assert!(result.leaders[0].at_ms >= 1000, "{:?}", result.leaders);
    assert_eq!(result.leaders[0].term, 2);
}

#[test]
fn a_restarted_member_advances_its_ticks_again() {
    // Real etcd: after SIGKILL and a restart of n1 in a healthy 3-member cluster, the log
    // shows "fast-forwarding election ticks" ("forward-ticks":8) again: adjustTicks runs
    // on every start.
    let scenario = inline(
        r#"{"name": "restart", "seed": 3,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 3000, "do": "crash", "node": "n1"},
                      {"at_ms": 4000, "do": "restart", "node": "n1"}],
            "until_ms": 6000}"#,
    );
    let (simulation, events) = trace(&scenario);
    let n1: Vec<_> = advances(&simulation, &events)
        .into_iter()
        .filter(|(_, node, _)| node == "n1")
        .collect();
    assert_eq!(n1.len(), 2, "{n1:?}");
    assert!(n1[1].0 > 4000 && n1[1].2 == 8, "{n1:?}");
}

#[test]
fn a_single_member_cluster_advances_all_but_one_tick_at_once() {
    // Real etcd, a member restored from a snapshot alone: "started as single-node;
    // fast-forwarding election ticks", "forward-ticks":9, leader at term 2 about 360 ms
    // after start.
    let scenario = inline(
        r#"{"name": "single", "seed": 4,
            "cluster": {"sites": {"A": ["n1"]}},
            "until_ms": 3000}"#,
    );
    let (simulation, events) = trace(&scenario);
    let advanced = advances(&simulation, &events);
    assert_eq!(advanced, [(0, "n1".to_string(), 9)]);
    let result = simulation.result();
    assert_eq!(result.leaders[0].term, 2);
    assert!(result.leaders[0].at_ms <= 1000, "{:?}", result.leaders);
}

/// The proposal record of `value`.
fn proposal<'a>(result: &'a sim::SimResult, value: &str) -> &'a sim::result::ProposalRecord {
    result
        .proposals
        .iter()
        .find(|p| p.value == value)
        .unwrap_or_else(|| panic!("no proposal {value}"))
}

/// etcd's request timeout with the default election timeout: 5 s + 2 × 1 s.
const REQUEST_TIMEOUT_MS: u64 = 7000;

#[test]
fn a_write_to_a_member_without_leader_waits_for_the_request_timeout() {
    // Real etcd: 3 members, two killed, then a put on the survivor: it hangs 7.03 s and
    // fails with "context deadline exceeded" (raft's node reads no proposal while it has
    // no leader). The client cannot know whether it will commit: unknown.
    let scenario = inline(
        r#"{"name": "no-leader", "seed": 6,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 2000, "do": "crash", "node": "n2"},
                      {"at_ms": 2000, "do": "crash", "node": "n3"},
                      {"at_ms": 5000, "do": "propose", "value": "a=1", "node": "n1"}],
            "until_ms": 13000}"#,
    );
    let (_, result) = run_checked(&scenario);
    let a = proposal(&result, "a=1");
    assert_eq!(a.outcome, sim::Outcome::Unknown);
    assert_eq!(a.reason.as_deref(), Some("timeout"));
    assert_eq!(a.decided_at_ms, Some(5000 + REQUEST_TIMEOUT_MS));
    assert!(result.commits.is_empty());
}

#[test]
fn a_write_waiting_for_a_leader_commits_once_one_is_elected() {
    // Real etcd: same, but n2 restarted 2 s after the put: the put answered OK after
    // 2.8 s ("Write requests sent during the election are queued", etcd docs).
    let scenario = inline(
        r#"{"name": "queued", "seed": 6,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 2000, "do": "crash", "node": "n2"},
                      {"at_ms": 2000, "do": "crash", "node": "n3"},
                      {"at_ms": 5000, "do": "propose", "value": "b=2", "node": "n1"},
                      {"at_ms": 7000, "do": "restart", "node": "n2"}],
            "until_ms": 13000}"#,
    );
    let (_, result) = run_checked(&scenario);
    let b = proposal(&result, "b=2");
    assert_eq!(b.outcome, sim::Outcome::Committed, "{b:?}");
    let took = b.decided_at_ms.unwrap() - b.at_ms;
    assert!((2000..REQUEST_TIMEOUT_MS).contains(&took), "{took}");
}

#[test]
fn a_write_to_a_crashed_member_is_refused_at_once() {
    // Real etcd: curl to a killed member's client port: connection refused (rc 7), 35 ms.
    let scenario = inline(
        r#"{"name": "down", "seed": 6,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 2000, "do": "crash", "node": "n3"},
                      {"at_ms": 2500, "do": "propose", "value": "c=3", "node": "n3"}],
            "until_ms": 4000}"#,
    );
    let (_, result) = run_checked(&scenario);
    let c = proposal(&result, "c=3");
    assert_eq!(
        (c.outcome, c.reason.as_deref(), c.decided_at_ms),
        (sim::Outcome::Failed, Some("node_down"), Some(2500))
    );
}

#[test]
fn a_write_forwarded_to_a_dead_leader_times_out_even_after_a_new_election() {
    // Real etcd: leader killed, put on a follower 0.5 s later (it still believes in the
    // old leader and forwards to it): "etcdserver: request timed out" after 7.05 s,
    // although a new leader was elected about a second after the kill; the value was not
    // written.
    let scenario = inline(
        r#"{"name": "dead-leader", "seed": 6,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 3000, "do": "crash", "node": "leader"},
                      {"at_ms": 3300, "do": "propose", "value": "d=4", "node": "follower"}],
            "until_ms": 12000}"#,
    );
    let (simulation, result) = run_checked(&scenario);
    let d = proposal(&result, "d=4");
    assert_eq!(
        (d.outcome, d.reason.as_deref(), d.decided_at_ms),
        (
            sim::Outcome::Unknown,
            Some("timeout"),
            Some(3300 + REQUEST_TIMEOUT_MS)
        )
    );
    assert!(result
        .leaders
        .iter()
        .any(|l| l.at_ms > 3000 && l.at_ms < 6000));
    assert!(result.commits.iter().all(|c| c.value != "d=4"));
    assert_eq!(leaders_now(&simulation).len(), 1);
}

#[test]
fn a_write_on_a_follower_cut_from_its_leader_times_out() {
    // Real etcd (peer links through a proxy): follower cut from the leader only; a put on
    // it right away timed out after 7.03 s ("request timed out"), another 2 s later after
    // 7.02 s ("context deadline exceeded"); the term stayed 2 (PreVote, leader lease).
    let scenario = inline(
        r#"{"name": "cut-follower", "seed": 6,
            "cluster": {"sites": {"A": ["n1"], "B": ["n2"], "C": ["n3"]}},
            "steps": [{"at_ms": 2000, "do": "transfer_leader", "node": "n1"},
                      {"at_ms": 3000, "do": "cut", "from": "n1", "to": "n2"},
                      {"at_ms": 3000, "do": "propose", "value": "e=5", "node": "n2"},
                      {"at_ms": 5000, "do": "propose", "value": "f=6", "node": "n2"}],
            "until_ms": 13000}"#,
    );
    let (simulation, result) = run_checked(&scenario);
    for (value, at) in [("e=5", 3000), ("f=6", 5000)] {
        let p = proposal(&result, value);
        assert_eq!(
            (p.outcome, p.reason.as_deref(), p.decided_at_ms),
            (
                sim::Outcome::Unknown,
                Some("timeout"),
                Some(at + REQUEST_TIMEOUT_MS)
            ),
            "{value}"
        );
    }
    assert_eq!(leaders_now(&simulation), ["n1"]);
    assert!(
        simulation.nodes().iter().all(|n| n.term == 3),
        "{:?}",
        simulation.nodes()
    );
}

#[test]
fn a_write_overwritten_by_a_new_leader_times_out_for_its_client() {
    // Real etcd (proxy): leader isolated, a put on it, a new leader elected on the other
    // side commits its own entry at that index, then the link is back: the put ended
    // after 7.02 s with "request timed out, possibly due to connection lost" and the key
    // was never written.
    let scenario = inline(
        r#"{"name": "overwritten", "seed": 6,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 2000, "do": "transfer_leader", "node": "n1"},
                      {"at_ms": 3000, "do": "isolate", "node": "n1"},
                      {"at_ms": 3000, "do": "propose", "value": "g=7", "node": "n1"},
                      {"at_ms": 6000, "do": "heal"}],
            "until_ms": 12000}"#,
    );
    let (_, result) = run_checked(&scenario);
    let g = proposal(&result, "g=7");
    assert_eq!(
        (g.outcome, g.reason.as_deref(), g.decided_at_ms),
        (
            sim::Outcome::Unknown,
            Some("timeout"),
            Some(3000 + REQUEST_TIMEOUT_MS)
        )
    );
    assert!(!committed_anywhere(&result, "g=7"));
}

#[test]
fn a_write_through_a_follower_is_acknowledged_when_that_follower_applies_it() {
    // etcd answers the client from the member it talks to, once that member has applied
    // the entry: a follower learns the commit from the leader's next message, so its
    // client hears back one more trip after the leader committed.
    let scenario = inline(
        r#"{"name": "via-follower", "seed": 6,
            "cluster": {"sites": {"A": ["n1"], "B": ["n2"], "C": ["n3"]},
                        "latency_ms": {"inter": 50}},
            "steps": [{"at_ms": 2000, "do": "transfer_leader", "node": "n1"},
                      {"at_ms": 3000, "do": "propose", "value": "h=8", "node": "n2"}],
            "until_ms": 5000}"#,
    );
    let (_, result) = run_checked(&scenario);
    let h = proposal(&result, "h=8");
    assert_eq!(h.outcome, sim::Outcome::Committed);
    let commit = result.commits.iter().find(|c| c.value == "h=8").unwrap();
    // Forwarded (50 ms), replicated and answered (100 ms): the leader commits at 3150;
    // the follower hears of it 50 ms later.
    assert_eq!(commit.at_ms, 3150);
    assert_eq!(h.decided_at_ms, Some(3200));
}

#[test]
fn a_client_whose_member_crashes_does_not_know_the_outcome() {
    let scenario = inline(
        r#"{"name": "crash-with-client", "seed": 6,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 2000, "do": "transfer_leader", "node": "n1"},
                      {"at_ms": 3000, "do": "isolate", "node": "n1"},
                      {"at_ms": 3000, "do": "propose", "value": "i=9", "node": "n1"},
                      {"at_ms": 3100, "do": "crash", "node": "n1"}],
            "until_ms": 5000}"#,
    );
    let (_, result) = run_checked(&scenario);
    let i = proposal(&result, "i=9");
    assert_eq!(
        (i.outcome, i.reason.as_deref(), i.decided_at_ms),
        (sim::Outcome::Unknown, Some("connection_lost"), Some(3100))
    );
}

#[test]
fn a_write_to_a_leader_handing_over_is_refused() {
    // etcd-io/raft drops a proposal while a leadership transfer is in progress
    // (ErrProposalDropped, returned to the leader's client at once).
    let scenario = inline(
        r#"{"name": "transfer", "seed": 6,
            "cluster": {"sites": {"A": ["n1"], "B": ["n2"]}, "latency_ms": {"inter": 100}},
            "steps": [{"at_ms": 2000, "do": "transfer_leader", "node": "n1"},
                      {"at_ms": 4000, "do": "transfer_leader", "node": "n2"},
                      {"at_ms": 4000, "do": "propose", "value": "j=10", "node": "n1"}],
            "until_ms": 6000}"#,
    );
    let (_, result) = run_checked(&scenario);
    let j = proposal(&result, "j=10");
    assert_eq!(
        (j.outcome, j.reason.as_deref(), j.decided_at_ms),
        (sim::Outcome::Failed, Some("transferring"), Some(4000))
    );
}

/// The reasons of the skipped steps, by step position.
fn skips(result: &sim::SimResult) -> Vec<(Option<u32>, String)> {
    result
        .skipped
        .iter()
        .map(|s| (s.step, s.reason.clone()))
        .collect()
}

#[test]
fn a_member_add_needs_every_voter_connected_for_five_seconds() {
    // Real etcd (--strict-reconfig-check, the default): member add 5 and 6 s after the
    // processes started: "etcdserver: unhealthy cluster"; 7 s: accepted; a second
    // learner: "etcdserver: too many learner members in cluster".
    let scenario = inline(
        r#"{"name": "health", "seed": 6,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 4000, "do": "member_add", "node": "n4", "site": "A", "learner": true},
                      {"at_ms": 6000, "do": "member_add", "node": "n4", "site": "A", "learner": true},
                      {"at_ms": 8000, "do": "member_add", "node": "n5", "site": "A", "learner": true}],
            "until_ms": 9000}"#,
    );
    let (simulation, result) = run_checked(&scenario);
    assert_eq!(
        skips(&result),
        [
            (Some(0), "unhealthy_cluster".to_string()),
            (Some(2), "too_many_learners".to_string())
        ]
    );
    assert_eq!(role(&simulation, "n4"), sim::Role::Learner);
}

#[test]
fn after_a_restore_members_are_added_one_healthy_cluster_at_a_time() {
    // Real etcd: snapshot saved on a 3-member cluster (x, y), z written after, every
    // member killed, `etcdctl snapshot restore` on n3 alone: "started as single-node",
    // leader at term 2, x and y there, z gone. `member add n4` accepted at once (a
    // one-member cluster may get its second member), n4 started with
    // --initial-cluster-state existing; `member add n5` 2 s later: "unhealthy cluster"
    // (n4 not connected for 5 s yet); 6.5 s later: accepted, n5 listed "unstarted".
    let scenario = inline(
        r#"{"name": "rebuild", "seed": 6,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 2000, "do": "propose", "value": "x=1"},
                      {"at_ms": 2100, "do": "propose", "value": "y=2"},
                      {"at_ms": 2500, "do": "snapshot", "node": "n3"},
                      {"at_ms": 3000, "do": "propose", "value": "z=3"},
                      {"at_ms": 4000, "do": "crash", "node": "site:A"},
                      {"at_ms": 5000, "do": "restore", "node": "n3"},
                      {"at_ms": 7000, "do": "member_add", "node": "n4", "site": "A"},
                      {"at_ms": 9000, "do": "member_add", "node": "n5", "site": "A", "start": false},
                      {"at_ms": 13500, "do": "member_add", "node": "n5", "site": "A", "start": false}],
            "until_ms": 15000}"#,
    );
    let (simulation, result) = run_checked(&scenario);
    assert_eq!(skips(&result), [(Some(7), "unhealthy_cluster".to_string())]);
    let restored = result.leaders.iter().find(|l| l.at_ms > 5000).unwrap();
    assert_eq!((restored.node.as_str(), restored.term), ("n3", 2));
    let n3 = simulation
        .nodes()
        .into_iter()
        .find(|n| n.id == "n3")
        .unwrap();
    assert_eq!(n3.log[0].value.as_deref(), Some("x=1, y=2"));
    assert_eq!(n3.voters, ["n3", "n4", "n5"]);
    // n5 was only added to the configuration, as `etcdctl member add` does: it does not
    // start by itself. Two of three voters run: writes still commit.
    assert_eq!(role(&simulation, "n5"), sim::Role::Down);
    assert_eq!(role(&simulation, "n4"), sim::Role::Follower);
    let z = proposal(&result, "z=3");
    assert_eq!(
        (z.outcome, z.lost_at_ms),
        (sim::Outcome::Committed, Some(5000))
    );
}

#[test]
fn a_voter_is_not_added_while_too_few_voters_are_started() {
    // etcd's IsReadyToAddVotingMember: voters {n1, n2, n3 (added, never started)}: a
    // fourth would need 3 started voters of 4; once n3 runs (and has been connected
    // 5 s), it is accepted.
    let scenario = inline(
        r#"{"name": "unstarted", "seed": 6,
            "cluster": {"sites": {"A": ["n1", "n2"]}},
            "steps": [{"at_ms": 6000, "do": "member_add", "node": "n3", "site": "A", "start": false},
                      {"at_ms": 8000, "do": "member_add", "node": "n4", "site": "A"},
                      {"at_ms": 9000, "do": "restart", "node": "n3"},
                      {"at_ms": 15000, "do": "member_add", "node": "n4", "site": "A"}],
            "until_ms": 16000}"#,
    );
    let (simulation, result) = run_checked(&scenario);
    assert_eq!(
        skips(&result),
        [(Some(1), "not_enough_started_members".to_string())]
    );
    let n1 = simulation
        .nodes()
        .into_iter()
        .find(|n| n.id == "n1")
        .unwrap();
    assert_eq!(n1.voters, ["n1", "n2", "n3", "n4"]);
}

#[test]
fn removing_a_live_member_is_refused_when_another_is_down() {
    // Real etcd: 3 members, n3 killed: `member remove` of the live n2: "etcdserver:
    // unhealthy cluster"; `member remove` of the dead n3: accepted.
    let scenario = inline(
        r#"{"name": "remove", "seed": 6,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 1000, "do": "transfer_leader", "node": "n1"},
                      {"at_ms": 8000, "do": "crash", "node": "n3"},
                      {"at_ms": 9000, "do": "member_remove", "node": "n2"},
                      {"at_ms": 9500, "do": "member_remove", "node": "n3"}],
            "until_ms": 11000}"#,
    );
    let (simulation, result) = run_checked(&scenario);
    assert_eq!(
        skips(&result),
        [(Some(2), "n2: unhealthy_cluster".to_string())]
    );
    let n1 = simulation
        .nodes()
        .into_iter()
        .find(|n| n.id == "n1")
        .unwrap();
    assert_eq!(n1.voters, ["n1", "n2"]);
}

#[test]
fn only_a_learner_in_sync_is_promoted() {
    // Real etcd: a learner added but never started: `member promote`: "etcdserver: can
    // only promote a learner member which is in sync with leader".
    let scenario = inline(
        r#"{"name": "promote", "seed": 6,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 6000, "do": "member_add", "node": "n4", "site": "A", "learner": true, "start": false},
                      {"at_ms": 7000, "do": "promote", "node": "n4"},
                      {"at_ms": 7500, "do": "restart", "node": "n4"},
                      {"at_ms": 9000, "do": "promote", "node": "n4"}],
            "until_ms": 10000}"#,
    );
    let (simulation, result) = run_checked(&scenario);
    assert_eq!(
        skips(&result),
        [(Some(1), "n4: learner_not_ready".to_string())]
    );
    let n4 = simulation
        .nodes()
        .into_iter()
        .find(|n| n.id == "n4")
        .unwrap();
    assert_eq!(n4.voters, ["n1", "n2", "n3", "n4"]);
}
