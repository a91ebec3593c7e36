//! Helpers shared by the integration tests: loading the talk's scenarios and running a
//! simulation with every invariant checked after every event.

#![allow(dead_code)]

use std::path::PathBuf;

use sim::{parse_scenario, Role, Scenario, SimResult, Simulation};

/// `slides/scenarios/` of the workspace.
pub fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("slides")
        .join("scenarios")
}

/// Loads `slides/scenarios/<name>.json`.
pub fn load(name: &str) -> Scenario {
    let path = scenarios_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_scenario(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses an inline scenario.
pub fn inline(text: &str) -> Scenario {
    parse_scenario(text).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks the incremental invariants and the brute-force log comparison.
pub fn assert_safe(simulation: &Simulation) {
    let violations = simulation.violations();
    assert!(
        violations.is_empty(),
        "at {} ms: {violations:?}",
        simulation.now_ms()
    );
    let problems = simulation.check_logs();
    assert!(
        problems.is_empty(),
        "at {} ms: {problems:?}",
        simulation.now_ms()
    );
}

/// Runs to `until_ms`, checking every invariant after every event.
pub fn run_checked(scenario: &Scenario) -> (Simulation, SimResult) {
    let mut simulation = Simulation::new(scenario);
    run_checked_until(&mut simulation, scenario.end_ms());
    let result = simulation.result();
    assert!(result.violations.is_empty(), "{:?}", result.violations);
    (simulation, result)
}

/// Advances to `ms`, checking every invariant after every event.
pub fn run_checked_until(simulation: &mut Simulation, ms: u64) {
    while simulation.step_until(ms) {
        assert_safe(simulation);
    }
    simulation.run_until(ms);
}

/// Role of a node now.
pub fn role(simulation: &Simulation, name: &str) -> Role {
    simulation
        .nodes()
        .into_iter()
        .find(|node| node.id == name)
        .map(|node| node.role)
        .unwrap_or_else(|| panic!("no node {name}"))
}

/// Names of the nodes currently in the leader role.
pub fn leaders_now(simulation: &Simulation) -> Vec<String> {
    simulation
        .nodes()
        .into_iter()
        .filter(|node| node.role == Role::Leader)
        .map(|node| node.id)
        .collect()
}

/// Outcome and reason of the proposal of `value`.
pub fn outcome(result: &SimResult, value: &str) -> (sim::Outcome, Option<String>) {
    let proposal = result
        .proposals
        .iter()
        .find(|p| p.value == value)
        .unwrap_or_else(|| panic!("no proposal {value}"));
    (proposal.outcome, proposal.reason.clone())
}

/// Whether any node's log holds `value` in its committed prefix.
pub fn committed_anywhere(result: &SimResult, value: &str) -> bool {
    result.nodes.iter().any(|node| {
        node.log
            .iter()
            .any(|e| e.index <= node.commit_index && e.value.as_deref() == Some(value))
    })
}
