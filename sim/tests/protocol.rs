//! Protocol behaviours the talk relies on: PreVote, CheckQuorum, leadership transfer,
//! learners, and determinism. Invariants are checked after every event.

mod common;

use common::*;
use sim::{Action, NodeSelector, Role, Simulation};

fn rejoin_scenario(pre_vote: bool) -> sim::Scenario {
    inline(&format!(
        r#"{{
        "name": "rejoin", "seed": 21,
        "cluster": {{ "sites": {{ "A": ["n1", "n2", "n3"] }}, "pre_vote": {pre_vote} }},
        "steps": [
          {{ "at_ms": 3000, "do": "isolate", "node": "follower" }},
          {{ "at_ms": 12000, "do": "heal" }}
        ],
        "until_ms": 16000
    }}"#
    ))
}

#[test]
fn pre_vote_keeps_a_rejoining_node_from_bumping_the_term() {
    // Thesis §9.6: an isolated node stays a pre-candidate at its term, so when it comes
    // back the leader is not disturbed.
    let (simulation, result) = run_checked(&rejoin_scenario(true));
    assert_eq!(result.leaders.len(), 1, "{:?}", result.leaders);
    assert!(
        result.nodes.iter().all(|n| n.term == 2),
        "{:?}",
        result.nodes
    );
    assert_eq!(leaders_now(&simulation).len(), 1);
}

#[test]
fn without_pre_vote_a_rejoining_node_disrupts_the_leader() {
    let (_, result) = run_checked(&rejoin_scenario(false));
    // The isolated node bumped its term again and again; on its return the leader sees
    // the higher term and steps down: a needless election.
    assert!(result.leaders.len() >= 2, "{:?}", result.leaders);
    assert!(result.leaders.last().unwrap().at_ms > 12000);
    assert!(
        result.nodes.iter().all(|n| n.term > 3),
        "{:?}",
        result.nodes
    );
}

fn isolated_leader(check_quorum: bool) -> sim::Scenario {
    inline(&format!(
        r#"{{
        "name": "isolated-leader", "seed": 22,
        "cluster": {{ "sites": {{ "A": ["n1", "n2", "n3"] }}, "check_quorum": {check_quorum} }},
        "steps": [ {{ "at_ms": 3000, "do": "isolate", "node": "leader" }} ],
        "until_ms": 8000
    }}"#
    ))
}

#[test]
fn check_quorum_makes_an_isolated_leader_step_down() {
    let (simulation, result) = run_checked(&isolated_leader(true));
    let old = result.leaders[0].node.clone();
    assert_ne!(role(&simulation, &old), Role::Leader);
    assert_eq!(leaders_now(&simulation).len(), 1);
}

#[test]
fn without_check_quorum_an_isolated_leader_believes_it_still_leads() {
    let (simulation, result) = run_checked(&isolated_leader(false));
    let old = result.leaders[0].node.clone();
    // Two nodes in the leader role (different terms): only the newer can commit.
    assert_eq!(role(&simulation, &old), Role::Leader);
    assert_eq!(leaders_now(&simulation).len(), 2);
}

#[test]
fn leadership_transfer_moves_the_leader_without_waiting_for_a_timeout() {
    let scenario = load("replication");
    let mut simulation = Simulation::new(&scenario);
    run_checked_until(&mut simulation, 3500);
    let leader = leaders_now(&simulation)[0].clone();
    let target = simulation
        .nodes()
        .into_iter()
        .find(|n| n.id != leader)
        .unwrap()
        .id;
    simulation.apply(&Action::TransferLeader {
        node: NodeSelector::Node(target.clone()),
    });
    // TimeoutNow: the target campaigns at once, well before any election timeout.
    run_checked_until(&mut simulation, 3600);
    assert_eq!(leaders_now(&simulation), [target]);
}

#[test]
fn learner_then_promote_then_remove() {
    let scenario = inline(
        r#"{
        "name": "membership", "seed": 23,
        "cluster": { "sites": { "A": ["n1", "n2", "n3"], "B": [] } },
        "steps": [
          { "at_ms": 2000, "do": "propose", "value": "a" },
          { "at_ms": 6000, "do": "member_add", "node": "n4", "site": "B", "learner": true },
          { "at_ms": 6000, "do": "member_add", "node": "n5", "site": "B" },
          { "at_ms": 8000, "do": "promote", "node": "n4" },
          { "at_ms": 10000, "do": "member_remove", "node": "n1" },
          { "at_ms": 12000, "do": "propose", "value": "b" }
        ],
        "until_ms": 14000
    }"#,
    );
    let mut simulation = Simulation::new(&scenario);
    run_checked_until(&mut simulation, 7000);
    assert_eq!(role(&simulation, "n4"), Role::Learner);
    let result = simulation.result();
    // One configuration change at a time: the second add was refused.
    assert_eq!(result.skipped.len(), 1, "{:?}", result.skipped);
    assert!(result.skipped[0].reason.contains("conf_change_pending"));
    run_checked_until(&mut simulation, scenario.end_ms());
    let nodes = simulation.nodes();
    let n4 = nodes.iter().find(|n| n.id == "n4").unwrap();
    assert_eq!(n4.voters, ["n2", "n3", "n4"]);
    assert_eq!(role(&simulation, "n1"), Role::Down);
    let result = simulation.result();
    assert_eq!(outcome(&result, "b").0, sim::Outcome::Committed);
}

#[test]
fn same_scenario_same_bytes() {
    for entry in std::fs::read_dir(scenarios_dir()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        // Other systems' scenarios (`"system": "kafka"`…) go through the dispatcher.
        let scenario = match sim::parse_any(&text).unwrap() {
            sim::AnyScenario::Etcd(scenario) => scenario,
            other => {
                let first = sim::models::run_parsed(&other).to_json();
                assert_eq!(first, sim::models::run_parsed(&other).to_json());
                continue;
            }
        };
        let first = sim::run_scenario(&scenario).to_json();
        let second = sim::run_scenario(&scenario).to_json();
        assert_eq!(first, second, "{}", path.display());
        assert_eq!(sim::trace_hash(&scenario), sim::trace_hash(&scenario));
        // With or without tracing, the run is the same.
        let (traced, _) = sim::trace_json_lines(&scenario);
        assert_eq!(traced.to_json(), first, "{}", path.display());
    }
}

#[test]
fn a_checkpoint_continues_exactly_like_the_original() {
    let scenario = load("partition-minority-leader");
    let mut original = Simulation::new(&scenario);
    original.run_until(3500);
    let mut copy = original.clone();
    original.run_until(scenario.end_ms());
    copy.run_until(scenario.end_ms());
    assert_eq!(original.result(), copy.result());
    assert_eq!(original.drain_trace(), copy.drain_trace());
}

#[test]
fn messages_in_flight_are_visible() {
    let mut simulation = Simulation::new(&load("replication"));
    simulation.run_until(3000);
    let in_flight = simulation.messages_in_flight();
    assert!(!in_flight.is_empty());
    assert!(in_flight
        .iter()
        .any(|m| m.kind == sim::MessageKind::Append && m.entries == 1));
    assert!(in_flight.iter().all(|m| m.deliver_at_ms >= m.sent_at_ms));
    let trace = simulation.drain_trace();
    assert!(!trace.is_empty());
    assert!(trace.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
    let line = simulation.trace_line(&trace[0]);
    assert!(line.starts_with("{\"at_ms\":"), "{line}");
}
