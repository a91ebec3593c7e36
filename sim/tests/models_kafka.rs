//! The Kafka model: ISR, acks, min.insync.replicas, unclean election, KRaft quorum. Each
//! test cites the documented behaviour it encodes (../shared/research/domain-facts.md §5).

use sim::models::common::WriteOutcome;
use sim::models::kafka::KafkaResult;
use sim::{run_any, AnyResult};

fn kafka(text: &str) -> KafkaResult {
    match run_any(text).unwrap_or_else(|e| panic!("{e}")) {
        AnyResult::Kafka(result) => result,
        other => panic!("not kafka: {other:?}"),
    }
}

fn acknowledged_after(result: &KafkaResult, ms: u64) -> usize {
    result
        .writes
        .iter()
        .filter(|w| w.at_ms > ms && w.outcome == WriteOutcome::Acknowledged)
        .count()
}

/// Kafka docs: "a message is considered committed when all replicas in the ISR for that
/// partition have applied it to their log"; with RF=3, min.insync.replicas=2 and
/// acks=all, f+1 replicas tolerate f failures and a write is refused (NotEnoughReplicas)
/// rather than acknowledged by too few replicas. So losing any one of three sites loses
/// no acknowledged message, and writes resume once the dead replica leaves the ISR.
#[test]
fn rf3_min_insync2_acks_all_over_three_sites_loses_nothing_when_any_site_is_lost() {
    for site in ["A", "B", "C"] {
        let text = format!(
            r#"{{"system":"kafka","seed":5,
              "cluster":{{"brokers":{{"A":["b1"],"B":["b2"],"C":["b3"]}},"partitions":3,
                         "replication_factor":3,"min_insync_replicas":2,"acks":"all"}},
              "steps":[{{"at_ms":1000,"do":"write","value":"m{{n}}","every_ms":100}},
                       {{"at_ms":10005,"do":"fail_site","site":"{site}"}}],
              "until_ms":120000}}"#
        );
        let result = kafka(&text);
        assert!(result.lost.is_empty(), "lose {site}: {:?}", result.lost);
        assert!(result.violations.is_empty());
        assert!(
            acknowledged_after(&result, 60_000) > 100,
            "lose {site}: writes must resume, outages {:?}",
            result.write_outages
        );
    }
}

const UNCLEAN: &str = r#"{"system":"kafka","name":"unclean",
  "cluster":{"brokers":{"A":["b1"],"B":["b2"],"C":["b3"]},
             "controllers":{"A":["c1"],"B":["c2"],"C":["c3"]},
             "replication_factor":3,"min_insync_replicas":1,"acks":"1",
             "unclean_leader_election":UNCLEAN_FLAG},
  "steps":[{"at_ms":1000,"do":"write","value":"m{n}","every_ms":500},
           {"at_ms":5000,"do":"crash","node":"b2"},
           {"at_ms":5000,"do":"crash","node":"b3"},
           {"at_ms":60000,"do":"crash","node":"b1"},
           {"at_ms":60000,"do":"restart","node":"b2"}],
  "until_ms":90000}"#;

/// Kafka docs: unclean.leader.election.enable (default false) "may result in data loss".
/// With acks=1 the leader alone acknowledges; the followers are dropped from the ISR; when
/// the leader dies and only an out-of-sync replica is left, an unclean election makes its
/// shorter log the truth: every message acknowledged meanwhile is lost. Without unclean
/// election the partition stays offline instead, and nothing acknowledged is lost.
#[test]
fn acks_1_with_unclean_election_loses_acknowledged_messages_and_without_it_does_not() {
    let result = kafka(&UNCLEAN.replace("UNCLEAN_FLAG", "true"));
    assert!(result.events.iter().any(|e| e.kind == "unclean_election"));
    assert!(result.lost.len() > 50, "{:?}", result.lost);
    assert!(result
        .lost
        .iter()
        .all(|m| m.acknowledged_at_ms >= 5000 && m.acknowledged_at_ms <= 60_000));
    assert!(result.writes.iter().any(|w| w.lost));

    let result = kafka(&UNCLEAN.replace("UNCLEAN_FLAG", "false"));
    assert!(result.lost.is_empty(), "{:?}", result.lost);
    assert!(result.events.iter().any(|e| e.kind == "partition_offline"));
    assert_eq!(result.partitions[0].leader, None);
}

/// min.insync.replicas unmet → NotEnoughReplicas (domain-facts.md §5): two of three
/// brokers down, acks=all with min.insync.replicas=2 refuses writes once the ISR shrank.
#[test]
fn acks_all_refuses_writes_with_not_enough_replicas_when_the_isr_is_too_small() {
    let text = r#"{"system":"kafka",
      "cluster":{"brokers":{"A":["b1"],"B":["b2"],"C":["b3"]},
                 "controllers":{"A":["c1"],"B":["c2"],"C":["c3"]},
                 "min_insync_replicas":2},
      "steps":[{"at_ms":5000,"do":"crash","node":"b2"},{"at_ms":5000,"do":"crash","node":"b3"},
               {"at_ms":30000,"do":"write","value":"refused"}],
      "until_ms":40000}"#;
    // Without retries (`"retries": 0`), the refusal reaches the application at once.
    let result = kafka(&text.replace(
        r#""min_insync_replicas":2}"#,
        r#""min_insync_replicas":2,"retries":0}"#,
    ));
    assert_eq!(result.writes[0].outcome, WriteOutcome::Refused);
    assert_eq!(
        result.writes[0].reason.as_deref(),
        Some("NotEnoughReplicas")
    );
    assert_eq!(result.writes[0].decided_at_ms, Some(30_000));
    // With the producer's defaults (Kafka ≥ 3.0: retries=2147483647, delivery.timeout.ms
    // 120 s) NotEnoughReplicas is retriable: the message waits and fails only when the
    // delivery timeout expires.
    let result = kafka(&text.replace(r#""until_ms":40000"#, r#""until_ms":160000"#));
    assert_eq!(result.writes[0].outcome, WriteOutcome::Refused);
    assert_eq!(result.writes[0].reason.as_deref(), Some("timeout"));
    assert_eq!(result.writes[0].decided_at_ms, Some(30_000 + 120_000));
}

/// Kafka producer configs (≥ 3.0): `enable.idempotence=true`, `retries=2147483647`,
/// `delivery.timeout.ms=120000` (domain-facts.md §8): a leader change delays the messages
/// sent meanwhile (NotLeaderOrFollower is retriable) instead of failing them, and the
/// idempotent producer writes each once.
#[test]
fn the_default_producer_retries_through_a_leader_change() {
    let text = r#"{"system":"kafka",
      "cluster":{"brokers":{"A":["b1"],"B":["b2"],"C":["b3"]},
                 "controllers":{"A":["c1"],"B":["c2"],"C":["c3"]},
                 "min_insync_replicas":2},
      "steps":[{"at_ms":5000,"do":"crash","node":"b1"},
               {"at_ms":5100,"do":"write","value":"during"}],
      "until_ms":60000}"#;
    let result = kafka(text);
    let during = &result.writes[0];
    assert_eq!(during.outcome, WriteOutcome::Acknowledged, "{during:?}");
    // b1 led the partition: a new leader is elected once the controller fences b1
    // (broker.session.timeout.ms, 9 s); the message goes through then.
    assert!(
        during.decided_at_ms.is_some_and(|at| at >= 5000 + 9000),
        "{during:?}"
    );
    let appended: usize = result.partitions[0]
        .log_end_offsets
        .iter()
        .copied()
        .max()
        .unwrap_or(0) as usize;
    assert_eq!(appended, 1, "written once");
    // The same message without retries is refused at once.
    let once = kafka(&text.replace(
        r#""min_insync_replicas":2}"#,
        r#""min_insync_replicas":2,"retries":0}"#,
    ));
    assert_eq!(once.writes[0].outcome, WriteOutcome::Refused);
    assert_eq!(
        once.writes[0].reason.as_deref(),
        Some("NotLeaderOrFollower")
    );
}

fn controller_quorum(lost: &str) -> KafkaResult {
    kafka(&format!(
        r#"{{"system":"kafka",
          "cluster":{{"brokers":{{"A":["b1"],"B":["b2"],"C":["b3"]}},
                     "controllers":{{"A":["c1","c2"],"B":["c3"]}}}},
          "steps":[{{"at_ms":10000,"do":"fail_site","site":"{lost}"}}],
          "until_ms":40000}}"#
    ))
}

/// KRaft: "controllers use Raft; majority needed" (domain-facts.md §5). Placed 2/1, the
/// quorum dies with the site holding two controllers and survives the other site's loss.
#[test]
fn a_controller_quorum_placed_2_1_dies_with_the_site_holding_two() {
    let result = controller_quorum("A");
    let last = result.controller_outages.last().expect("an outage");
    assert!(last.from_ms >= 10_000 && last.to_ms.is_none(), "{last:?}");
    let result = controller_quorum("B");
    assert!(
        result.controller_outages.iter().all(|w| w.to_ms.is_some()),
        "{:?}",
        result.controller_outages
    );
}

#[test]
fn the_same_kafka_scenario_gives_identical_output() {
    let text = UNCLEAN.replace("UNCLEAN_FLAG", "true");
    assert_eq!(
        run_any(&text).unwrap().to_json(),
        run_any(&text).unwrap().to_json()
    );
}
