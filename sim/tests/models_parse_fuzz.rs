//! `sim::parse_any` never panics on any system's scenario, whatever it is fed, and what
//! it accepts runs (briefly) without panicking.

use proptest::prelude::*;

const VALID: [&str; 4] = [
    r#"{"system":"kubernetes","cluster":{"control_plane":{"A":["cp1","cp2"],"B":["cp3"]},"workers":{"A":["w1"]},"deployments":[{"name":"web","replicas":2}]},"steps":[{"at_ms":100,"do":"fail_site","site":"A"},{"at_ms":200,"do":"write","value":"x","every_ms":500}],"until_ms":2000}"#,
    r#"{"system":"kafka","cluster":{"brokers":{"A":["b1"],"B":["b2"],"C":["b3"]},"acks":"1","unclean_leader_election":true},"steps":[{"at_ms":100,"do":"write","value":"m{n}","every_ms":300},{"at_ms":400,"do":"crash","node":"b1"},{"at_ms":500,"do":"cut_link","from":"A","to":"B"}],"until_ms":2000}"#,
    r#"{"system":"elasticsearch","cluster":{"zones":{"z1":[{"name":"a"}],"z2":[{"name":"b"}],"z3":[{"name":"t","roles":["master","voting_only"]}]},"awareness":"forced"},"steps":[{"at_ms":100,"do":"fail_site","site":"z1"},{"at_ms":900,"do":"heal"}],"until_ms":2000}"#,
    r#"{"system":"multisite","cluster":{"active":"A","passive":"B","replication_lag_ms":300},"steps":[{"at_ms":100,"do":"write","value":"w","every_ms":200},{"at_ms":500,"do":"fail_site","site":"A"}],"until_ms":2000}"#,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = sim::parse_any(&text);
    }

    #[test]
    fn mutated_valid_scenarios_never_panic(
        which in 0usize..4,
        position in 0usize..400,
        cut in 0usize..8,
        insert in "[\\[\\]{}\",:0-9a-z_.-]{0,4}",
    ) {
        let mut text = VALID[which].to_string();
        let start = position.min(text.len());
        let end = (start + cut).min(text.len());
        if text.is_char_boundary(start) && text.is_char_boundary(end) {
            text.replace_range(start..end, &insert);
        }
        if let Ok(scenario) = sim::parse_any(&text) {
            let short = match scenario {
                sim::AnyScenario::Etcd(_) => None,
                other => Some(other),
            };
            // Runs are bounded by the header's limits; keep the mutated ones short.
            if let Some(scenario) = short {
                if text.contains("\"until_ms\":2000") {
                    let _ = sim::models::run_parsed(&scenario);
                }
            }
        }
    }
}

#[test]
fn the_valid_bases_parse_and_run_deterministically() {
    for text in VALID {
        let first = sim::run_any(text)
            .unwrap_or_else(|e| panic!("{e}"))
            .to_json();
        assert_eq!(first, sim::run_any(text).unwrap().to_json());
    }
}

#[test]
fn errors_name_the_json_path() {
    let error = sim::parse_any(r#"{"system":"kafka","cluster":{"brokers":{"A":["b1"]},"replication_factor":1},"steps":[{"at_ms":1,"do":"fail_site","site":"Z"}]}"#).unwrap_err();
    assert_eq!(error.path, "$.steps[0].site");
    let error = sim::parse_any(r#"{"system":"mongo","cluster":{}}"#).unwrap_err();
    assert_eq!(error.path, "$.system");
    let error =
        sim::parse_scenario(r#"{"system":"kafka","cluster":{"sites":{"A":["n1"]}}}"#).unwrap_err();
    assert_eq!(error.path, "$.system");
    // An etcd scenario may say so explicitly.
    assert!(sim::parse_scenario(r#"{"system":"etcd","cluster":{"sites":{"A":["n1"]}}}"#).is_ok());
}
