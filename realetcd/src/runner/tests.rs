//! The runner's tests that need no etcd: refusals, step order, put outcomes, keys.

use super::*;
use crate::gateway::GatewayError;

fn scenario(text: &str) -> Scenario {
    sim::parse_scenario(text).unwrap()
}

#[test]
fn what_tcp_cannot_do_is_refused_with_its_path() {
    let lossy = scenario(
        r#"{"cluster":{"sites":{"A":["n1","n2","n3"]}},
                "steps":[{"at_ms":10,"do":"propose","value":"x"},{"at_ms":20,"do":"drop_rate","rate":0.1}]}"#,
    );
    let error = check_expressible(&lossy).unwrap_err().to_string();
    assert!(error.starts_with("$.steps[1].do: `drop_rate`"), "{error}");
    let no_check_quorum = scenario(r#"{"cluster":{"sites":{"A":["n1"]},"check_quorum":false}}"#);
    assert!(check_expressible(&no_check_quorum)
        .unwrap_err()
        .to_string()
        .starts_with("$.cluster.check_quorum"));
    let fine = scenario(r#"{"cluster":{"sites":{"A":["n1","n2","n3"]}}}"#);
    assert!(check_expressible(&fine).is_ok());
}

#[test]
fn steps_run_in_the_simulation_order_with_repetitions() {
    let repeated = scenario(
        r#"{"cluster":{"sites":{"A":["n1"]}},
                "steps":[{"at_ms":0,"do":"propose","value":"x={n}","every_ms":1000},
                         {"at_ms":1000,"do":"crash","node":"n1"}],
                "until_ms":2500}"#,
    );
    assert_eq!(
        schedule(&repeated),
        vec![(0, 0, 0), (1000, 1, 0), (1000, 0, 1), (2000, 0, 2)]
    );
}

#[test]
fn a_client_timeout_is_unknown_not_failed() {
    let timeout = GatewayError::Etcd("etcdserver: request timed out".into());
    assert_eq!(classify_put(Err(timeout)).0, "unknown");
    let lost_leader = GatewayError::Etcd(
        "etcdserver: request timed out, possibly due to previous leader failure".into(),
    );
    assert_eq!(classify_put(Err(lost_leader)).0, "unknown");
    let deadline = GatewayError::Etcd("context deadline exceeded".into());
    assert_eq!(
        classify_put(Err(deadline)),
        ("unknown", Some("timeout".into()))
    );
    assert_eq!(
        classify_put(Err(GatewayError::Refused)),
        ("failed", Some("node_down".into()))
    );
    assert_eq!(classify_put(Ok(())), ("committed", None));
}

#[test]
fn keys_name_their_proposal() {
    assert_eq!(key_of(7), "rd/00007");
    assert_eq!(proposal_of_key("rd/00007"), Some(7));
    assert_eq!(proposal_of_key("other"), None);
}
