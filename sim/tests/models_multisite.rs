//! The two-cluster active/passive model (../shared/seeds/001_888f18f551f4b965.txt, §4, §5
//! and §7: "Runbook de bascule (Active/Passive)").

use sim::models::common::WriteOutcome;
use sim::models::multisite::MultisiteResult;
use sim::{run_any, AnyResult};

fn load() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../slides/scenarios/multisite-failover.json");
    std::fs::read_to_string(path).unwrap()
}

fn multisite(text: &str) -> MultisiteResult {
    match run_any(text).unwrap_or_else(|e| panic!("{e}")) {
        AnyResult::Multisite(result) => result,
        other => panic!("not multisite: {other:?}"),
    }
}

/// Seed §5: "la reprise multi-sites dépend surtout des données": with asynchronous
/// replication, the writes acknowledged on A inside the replication lag are lost when B's
/// replica is promoted, and no others; the runbook runs in the seed's strict order and
/// users are served again once DNS (after its TTL), promotion and GitOps sync are done.
#[test]
fn the_failover_recovers_with_data_loss_bounded_by_the_replication_lag() {
    let result = multisite(&load());
    let failed = result.failed_at_ms.expect("A failed");
    assert_eq!(failed, 60_500);
    assert!(!result.lost.is_empty(), "writes inside the lag are lost");
    for write in result.writes.iter().filter(|w| w.lost) {
        assert!(write.at_ms > failed - result.replication_lag_ms && write.at_ms <= failed);
    }
    assert!(result.lost.len() as u64 <= result.replication_lag_ms / 1000);
    let steps: Vec<&str> = result.runbook.iter().map(|s| s.step).collect();
    assert_eq!(
        steps,
        [
            "decision",
            "traffic_switch",
            "promotion",
            "gitops_sync",
            "smoke_tests",
            "monitoring"
        ]
    );
    let end_of = |name: &str| {
        result
            .runbook
            .iter()
            .find(|s| s.step == name)
            .unwrap()
            .to_ms
    };
    let served = result.served_again_at_ms.expect("served again");
    assert!(served >= end_of("gitops_sync") && served >= end_of("traffic_switch") + 60_000);
    assert_eq!(result.recovery_ms, Some(served - failed));
    assert_eq!(result.primary, "B");
    assert!(result
        .writes
        .iter()
        .any(|w| w.at_ms > served && w.outcome == WriteOutcome::Acknowledged));
    assert!(result
        .writes
        .iter()
        .filter(|w| w.at_ms > failed && w.at_ms < served)
        .all(|w| w.outcome == WriteOutcome::Refused));
}

/// The decision step exists because a short outage is not a disaster ("Perte totale Site
/// A … OU indisponibilité longue"): if A is back before the decision, nothing moves.
#[test]
fn a_short_outage_does_not_trigger_the_failover() {
    let text = load().replace(
        r#"{ "at_ms": 60500, "do": "fail_site", "site": "A", "label": "Le site A tombe" }"#,
        r#"{ "at_ms": 60500, "do": "fail_site", "site": "A" }, { "at_ms": 200000, "do": "restore_site", "site": "A" }"#,
    );
    let result = multisite(&text);
    assert_eq!(result.primary, "A");
    assert!(result.lost.is_empty());
    assert!(result.events.iter().any(|e| e.kind == "runbook_aborted"));
}

#[test]
fn the_same_multisite_scenario_gives_identical_output() {
    assert_eq!(
        run_any(&load()).unwrap().to_json(),
        run_any(&load()).unwrap().to_json()
    );
}
