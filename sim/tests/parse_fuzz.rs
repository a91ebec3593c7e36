//! `parse_scenario` never panics, whatever it is fed, and what it accepts runs.

use proptest::prelude::*;

const VALID: &str = r#"{"name":"p","seed":3,"cluster":{"sites":{"A":["n1","n2"],"B":["n3"]},
"latency_ms":{"intra":1,"inter":10,"jitter":2},"down":["n3"]},
"steps":[{"at_ms":100,"do":"propose","value":"x","every_ms":700},
{"at_ms":200,"do":"crash","node":"leader"},{"at_ms":300,"do":"partition","groups":[["A"],["n3"]]},
{"at_ms":400,"do":"restart","node":"site:B"},{"at_ms":500,"do":"member_add","node":"n4","site":"B","learner":true},
{"at_ms":600,"do":"promote","node":"n4"},{"at_ms":700,"do":"set_latency","from":"A","to":"B","ms":30},
{"at_ms":800,"do":"drop_rate","rate":0.1},{"at_ms":900,"do":"snapshot","node":"n1"},
{"at_ms":1000,"do":"restore","node":"n1"},{"at_ms":1100,"do":"transfer_leader","node":"follower"},
{"at_ms":1200,"do":"heal"},{"at_ms":1300,"do":"member_remove","node":"n2"}],"until_ms":3000}"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = sim::parse_scenario(&text);
    }

    #[test]
    fn mutated_valid_scenarios_never_panic(
        position in 0usize..VALID.len(),
        cut in 0usize..8,
        insert in "[\\[\\]{}\",:0-9a-z.-]{0,4}",
    ) {
        let mut text = VALID.to_string();
        let start = position.min(text.len());
        let end = (start + cut).min(text.len());
        if text.is_char_boundary(start) && text.is_char_boundary(end) {
            text.replace_range(start..end, &insert);
        }
        if let Ok(scenario) = sim::parse_scenario(&text) {
            // Whatever is accepted must run (briefly) without panicking.
            let mut scenario = scenario;
            scenario.until_ms = Some(scenario.end_ms().min(3000));
            scenario.steps.retain(|s| s.at_ms <= 3000);
            let _ = sim::run_scenario(&scenario);
        }
    }
}

#[test]
fn the_valid_base_runs_clean() {
    let scenario = sim::parse_scenario(VALID).expect("valid");
    let result = sim::run_scenario(&scenario);
    assert!(result.violations.is_empty(), "{:?}", result.violations);
}
