//! Every scenario of `slides/scenarios/` parses, runs with zero violations, and matches
//! its golden result in `tests/golden/` (rewrite them with `RAFTDECK_BLESS=1`). Scenarios
//! of other systems (`"system": "kafka"`…) run through `sim::models::run_parsed`.

mod common;

use common::*;

#[test]
fn every_slide_scenario_runs_clean_and_matches_its_golden_result() {
    let golden_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden");
    let bless = std::env::var("RAFTDECK_BLESS").is_ok_and(|v| v == "1");
    let mut paths: Vec<_> = std::fs::read_dir(scenarios_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 13, "{paths:?}");
    let mut mismatches = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        // Other systems (Kubernetes, Kafka…) go through the dispatcher; etcd scenarios are
        // run with every invariant checked after every event, as before.
        let parsed = sim::parse_any(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let json = match parsed {
            sim::AnyScenario::Etcd(scenario) => {
                let (_, result) = run_checked(&scenario);
                assert!(result.violations.is_empty(), "{}", path.display());
                result.to_json()
            }
            other => {
                let result = sim::models::run_parsed(&other);
                assert_eq!(result.violation_count(), 0, "{}", path.display());
                result.to_json()
            }
        } + "\n";
        let golden = golden_dir.join(path.file_name().unwrap());
        if bless {
            std::fs::write(&golden, &json).unwrap();
        } else if std::fs::read_to_string(&golden).ok().as_deref() != Some(json.as_str()) {
            mismatches.push(golden.display().to_string());
        }
    }
    assert!(
        mismatches.is_empty(),
        "results differ from golden files (RAFTDECK_BLESS=1 to rewrite): {mismatches:?}"
    );
}
