//! The Elasticsearch model: voting configuration, tiebreaker, allocation awareness. Each
//! test cites the documented behaviour it encodes (../shared/research/domain-facts.md §4).

use sim::models::common::WriteOutcome;
use sim::models::elasticsearch::EsResult;
use sim::{run_any, AnyResult};

fn es(text: &str) -> EsResult {
    match run_any(text).unwrap_or_else(|e| panic!("{e}")) {
        AnyResult::Elasticsearch(result) => result,
        other => panic!("not elasticsearch: {other:?}"),
    }
}

fn nodes(prefix: &str, count: u32, roles: &str) -> String {
    (1..=count)
        .map(|i| format!(r#"{{"name":"{prefix}{i}","roles":{roles}}}"#))
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether the cluster still has a master (and so accepts writes) at the end after
/// losing `zone`.
fn survives(zones: &str, zone: &str) -> bool {
    let text = format!(
        r#"{{"system":"elasticsearch","cluster":{{"zones":{{{zones}}},"extra_sites":["z1","z2","z3"]}},
          "steps":[{{"at_ms":5000,"do":"fail_site","site":"{zone}"}},
                   {{"at_ms":80000,"do":"write","value":"doc"}}],"until_ms":90000}}"#
    );
    let result = es(&text);
    result.master.is_some()
        && result.writes[0].outcome == sim::models::common::WriteOutcome::Acknowledged
}

/// Elasticsearch high-availability/cluster-design: "You should not place an equal number
/// of master-eligible nodes in each zone." "You cannot configure a two-zone cluster so
/// that it can tolerate the loss of *either* zone because this is theoretically
/// impossible" — whatever the even split, one of the two zone losses is fatal.
#[test]
fn equal_master_eligible_nodes_in_two_zones_cannot_survive_the_loss_of_either_zone() {
    for count in 1..=3 {
        let zones = format!(
            r#""z1":[{}],"z2":[{}]"#,
            nodes("a", count, r#"["master","data"]"#),
            nodes("b", count, r#"["master","data"]"#)
        );
        let both = survives(&zones, "z1") && survives(&zones, "z2");
        assert!(!both, "{count}+{count} survived the loss of either zone");
    }
}

/// Same page: the fix is one master-eligible node per zone plus "a dedicated voting-only
/// tiebreaker" in a third zone — then the loss of either zone is survivable.
#[test]
fn a_voting_only_tiebreaker_in_a_third_zone_survives_the_loss_of_either_zone() {
    let zones = format!(
        r#""z1":[{}],"z2":[{}],"z3":[{}]"#,
        nodes("a", 1, r#"["master","data"]"#),
        nodes("b", 1, r#"["master","data"]"#),
        nodes("t", 1, r#"["master","voting_only"]"#)
    );
    assert!(survives(&zones, "z1"));
    assert!(survives(&zones, "z2"));
}

/// The voting configuration is kept odd: "Elasticsearch leaves one of them out".
#[test]
fn the_voting_configuration_is_kept_odd() {
    let text = format!(
        r#"{{"system":"elasticsearch","cluster":{{"zones":{{"z1":[{}],"z2":[{}]}}}},"until_ms":1000}}"#,
        nodes("a", 2, r#"["master","data"]"#),
        nodes("b", 2, r#"["master","data"]"#)
    );
    assert_eq!(es(&text).voting_configuration.len(), 3);
}

fn awareness(mode: &str) -> EsResult {
    es(&format!(
        r#"{{"system":"elasticsearch","cluster":{{"zones":{{"z1":[{}],"z2":[{}],"z3":[{}]}},
           "shards":2,"replicas":1,"awareness":"{mode}"}},
           "steps":[{{"at_ms":5000,"do":"fail_site","site":"z1"}}],"until_ms":120000}}"#,
        nodes("a", 2, r#"["master","data"]"#),
        nodes("b", 2, r#"["master","data"]"#),
        nodes("t", 1, r#"["master","voting_only"]"#)
    ))
}

/// Allocation awareness: with `awareness.attributes: zone` the copies of a shard live in
/// different zones, and when a zone is lost its replicas are rebuilt in the surviving
/// zone (green again, but the survivors carry every copy). Forced awareness
/// (`force.zone.values`) "avoids overloading the surviving zone": the replicas stay
/// unassigned and the cluster stays yellow.
#[test]
fn forced_awareness_stays_yellow_instead_of_overloading_the_surviving_zone() {
    let plain = awareness("zone");
    assert_eq!(plain.health, "green");
    let plain_load: u32 = plain
        .load
        .iter()
        .filter(|n| n.zone == "z2")
        .map(|n| n.copies)
        .sum();
    assert_eq!(plain_load, 4);
    let forced = awareness("forced");
    assert_eq!(forced.health, "yellow");
    let forced_load: u32 = forced
        .load
        .iter()
        .filter(|n| n.zone == "z2")
        .map(|n| n.copies)
        .sum();
    assert_eq!(forced_load, 2);
    // Both: every primary kept (the surviving replica was promoted), copies never in
    // the same zone before the loss.
    assert!(forced.shards.iter().all(|s| s.primary.is_some()));
}

#[test]
fn the_same_elasticsearch_scenario_gives_identical_output() {
    let a = format!("{:?}", awareness("forced"));
    let b = format!("{:?}", awareness("forced"));
    assert_eq!(a, b);
}

/// Elasticsearch reference, "Cluster fault detection" and the discovery settings: checks
/// every 1 s, each failing after 10 s, 3 consecutive failures before a node is faulty —
/// a zone lost silently is noticed after about half a minute; "if the elected master
/// detects that a node has disconnected, however, this situation is treated as an
/// immediate failure" — a crashed node is noticed at once.
#[test]
fn a_silent_zone_loss_is_noticed_after_half_a_minute_a_crash_at_once() {
    let run = |step: &str| {
        es(&format!(
            r#"{{"system":"elasticsearch","cluster":{{"zones":{{"z1":[{{"name":"a1"}}],"z2":[{{"name":"b1"}}],
                 "z3":[{{"name":"c1"}}]}},"shards":1,"replicas":1}},
               "steps":[{step},
                        {{"at_ms":15000,"do":"write","value":"during"}},
                        {{"at_ms":60000,"do":"write","value":"after"}}],
               "until_ms":90000}}"#
        ))
    };
    let first = |result: &EsResult, kind: &str| {
        result
            .events
            .iter()
            .find(|e| e.kind == kind && e.at_ms > 10_000)
            .map(|e| e.at_ms)
    };
    // a1 is the first master (by name) and holds the primary.
    let silent = run(r#"{"at_ms":10000,"do":"fail_site","site":"z1"}"#);
    let lost = first(&silent, "master_lost").expect("noticed");
    assert_eq!(lost, 10_100 + 33_000);
    assert_eq!(first(&silent, "replica_promoted"), Some(lost));
    // The document sent meanwhile waited for the loss to be noticed, then went through.
    let during = &silent.writes[0];
    assert_eq!(during.outcome, WriteOutcome::Acknowledged);
    assert_eq!(during.decided_at_ms, Some(lost));
    assert_eq!(silent.writes[1].decided_at_ms, Some(60_000));
    // A crash closes the connections: noticed at the next step.
    let crashed = run(r#"{"at_ms":10000,"do":"crash","node":"a1"}"#);
    assert_eq!(first(&crashed, "master_lost"), Some(10_100));
    assert_eq!(crashed.writes[0].decided_at_ms, Some(15_000));
}
