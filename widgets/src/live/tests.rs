//! The live view's tests: frames, captions, texts and click JSON, natively.

use super::*;

fn event(at_ms: u64, kind: &str, subject: &str, detail: &str, term: u64) -> LiveEvent {
    LiveEvent {
        at_ms,
        kind: kind.into(),
        subject: subject.into(),
        detail: detail.into(),
        term,
    }
}

/// A frame as the server writes it (realetcd's field names).
const FRAME: &str = r#"{"generation":0,"now_ms":9000,
        "members":[
          {"name":"n1","site":"A","up":false,"role":"down","term":2,"commit_index":8,"applied_index":8,"failed":false},
          {"name":"n2","site":"A","up":true,"role":"leader","term":3,"commit_index":10,"applied_index":10,"failed":false},
          {"name":"n3","site":"B","up":true,"role":"follower","term":3,"commit_index":10,"applied_index":9,"failed":false}],
        "leader":"n2",
        "links":[{"from":"A","to":"B","up":true,"bytes_per_s":3200,"bytes_per_s_back":900}],
        "writes":[
          {"value":"x=1","node":"n1","at_ms":2000,"outcome":"committed","reason":null,"decided_at_ms":2012},
          {"value":"x=2","node":null,"at_ms":7000,"outcome":"unknown","reason":"timeout","decided_at_ms":14000}],
        "events":[
          {"at_ms":900,"kind":"role","subject":"n1","detail":"leader","term":2,"extra":1},
          {"at_ms":2012,"kind":"write","subject":"x=1","detail":"committed","term":0},
          {"at_ms":3000,"kind":"crash","subject":"n1","detail":"","term":0},
          {"at_ms":4100,"kind":"role","subject":"n2","detail":"pre_candidate","term":2},
          {"at_ms":4110,"kind":"role","subject":"n2","detail":"candidate","term":3},
          {"at_ms":4130,"kind":"role","subject":"n2","detail":"leader","term":3}]}"#;

#[test]
fn a_frame_reads_and_draws_as_node_views() {
    let state = LiveState::parse(FRAME).expect("a frame");
    assert_eq!(state.leader_term(), Some(("n2", 3)));
    let views = state.node_views();
    let roles: Vec<(&str, Role, u64)> = views
        .iter()
        .map(|v| (v.id.as_str(), v.role, v.term))
        .collect();
    assert_eq!(
        roles,
        [
            ("n1", Role::Down, 2),
            ("n2", Role::Leader, 3),
            ("n3", Role::Follower, 3)
        ]
    );
    assert!(views.iter().all(|v| v.log.is_empty() && v.votes.is_empty()));
    assert_eq!(state.link("B", "A").map(|l| l.bytes_per_s), Some(3200));
    assert_eq!(state.next_value(), "x=3");
    assert_eq!(LiveState::parse("not json"), None);
    assert_eq!(LiveState::parse("{}"), Some(LiveState::default()));
}

#[test]
fn captions_tell_the_events_like_the_simulation() {
    let state = LiveState::parse(FRAME).unwrap();
    let told: Vec<String> = captions(&state).into_iter().map(|c| c.text).collect();
    assert_eq!(
        told,
        [
            "n1 est élu leader au terme 2",
            "L'écriture x=1 est commitée en 12 ms",
            "n1 tombe en panne : son processus etcd est tué",
            "n2 ne reçoit plus de heartbeat : il demande des pré-votes pour le terme 3",
            "n2 a obtenu une majorité de pré-votes : il devient candidat au terme 3",
            "n2 est élu leader au terme 3",
        ]
    );
    assert_eq!(
        caption(&state).map(|c| (c.at_ms, c.text)),
        Some((4130, "n2 est élu leader au terme 3".to_string()))
    );
}

#[test]
fn a_cold_start_a_check_quorum_step_down_and_a_cut_are_told() {
    let mut state = LiveState {
        events: vec![
            event(800, "role", "n3", "pre_candidate", 1),
            event(810, "role", "n3", "candidate", 2),
            event(830, "role", "n3", "leader", 2),
            event(5000, "cut", "A-B", "", 0),
            event(6100, "role", "n3", "follower", 2),
            event(6900, "role", "n3", "pre_candidate", 2),
            event(7000, "role", "n1", "leader", 3),
            event(9000, "heal", "A-B", "", 0),
            event(9200, "role", "n3", "follower", 3),
            event(9500, "write", "x=4", "unknown", 0),
            event(9600, "reset", "", "", 0),
        ],
        ..LiveState::default()
    };
    state.writes.push(LiveWrite {
        value: "x=4".into(),
        at_ms: 2500,
        outcome: "unknown".into(),
        reason: Some("timeout".into()),
        decided_at_ms: Some(9500),
        ..LiveWrite::default()
    });
    let told: Vec<String> = captions(&state).into_iter().map(|c| c.text).collect();
    assert_eq!(
        told[0],
        "n3 n'entend aucun leader : il demande des pré-votes pour le terme 2"
    );
    assert!(
        told.contains(&"Le lien A–B est coupé".to_string()),
        "{told:?}"
    );
    assert!(
        told.contains(
            &"n3 ne joint plus de majorité : il cesse d'être leader (CheckQuorum)".to_string()
        ),
        "{told:?}"
    );
    assert!(told.contains(&"n1 est élu leader au terme 3".to_string()));
    assert!(told.contains(&"Le lien A–B est rétabli".to_string()));
    assert!(told.contains(&"n3 entend de nouveau un leader : il redevient follower".to_string()));
    assert!(told.contains(&"L'écriture x=4 : délai dépassé après 7,00 s, issue inconnue (elle peut encore être commitée)".to_string()), "{told:?}");
    assert!(told.last().unwrap().starts_with("Cluster réinitialisé"));
}

#[test]
fn a_pending_write_is_told_when_sent() {
    let state = LiveState {
        now_ms: 3000,
        events: vec![event(900, "role", "n1", "leader", 2)],
        writes: vec![LiveWrite {
            value: "x=1".into(),
            node: Some("n1".into()),
            at_ms: 2900,
            outcome: "pending".into(),
            ..LiveWrite::default()
        }],
        ..LiveState::default()
    };
    assert_eq!(
        caption(&state).unwrap().text,
        "Le client envoie l'écriture x=1 à n1"
    );
}

#[test]
fn writes_say_their_outcome_and_latency() {
    let state = LiveState::parse(FRAME).unwrap();
    assert_eq!(state.writes[0].labels(), ["✔ commitée en 12 ms", "✔ 12 ms"]);
    assert_eq!(state.writes[0].outcome_class(), ("committed", "committed"));
    assert_eq!(
        state.writes[1].labels()[0],
        "? issue inconnue (délai dépassé)"
    );
    assert_eq!(state.writes[1].outcome_class(), ("unknown", "pending"));
    let failed = LiveWrite {
        outcome: "failed".into(),
        reason: Some("no_leader".into()),
        ..LiveWrite::default()
    };
    assert_eq!(failed.labels()[0], "✘ pas de leader");
    assert_eq!(LiveWrite::default().labels(), ["… en attente"]);
    assert_eq!(duration_text(1250), "1,25 s");
}

#[test]
fn traffic_reads_in_french_units_and_widens_the_link() {
    assert_eq!(traffic_text(0), "0 o/s");
    assert_eq!(traffic_text(850), "850 o/s");
    assert_eq!(traffic_text(3200), "3,2 ko/s");
    assert_eq!(traffic_text(48_000), "48 ko/s");
    assert_eq!(traffic_text(1_400_000), "1,4 Mo/s");
    assert_eq!(traffic_stroke(0), 4.0);
    assert!(traffic_stroke(3000) > traffic_stroke(1000));
    assert_eq!(traffic_stroke(u64::MAX), 14.0);
}

#[test]
fn leaderless_spans_come_from_the_events() {
    let state = LiveState::parse(FRAME).unwrap();
    assert_eq!(
        state.leaderless(),
        [
            Unavailable {
                from_ms: 0,
                to_ms: Some(900)
            },
            Unavailable {
                from_ms: 3000,
                to_ms: Some(4130)
            }
        ]
    );
    assert_eq!(state.leaderless_ms(), 1130);
    // Still without a leader: the span runs to now.
    let waiting = LiveState {
        now_ms: 5000,
        events: vec![
            event(900, "role", "n1", "leader", 2),
            event(2000, "role", "n1", "follower", 2),
        ],
        ..LiveState::default()
    };
    assert_eq!(waiting.leaderless_ms(), 3000);
    // A follower crashing loses no leader.
    let follower = LiveState {
        now_ms: 5000,
        events: vec![
            event(900, "role", "n1", "leader", 2),
            event(2000, "crash", "n2", "", 0),
        ],
        ..LiveState::default()
    };
    assert_eq!(follower.leaderless_ms(), 0);
}

#[test]
fn a_log_line_reads_as_level_message_and_error() {
    let line = r#"{"level":"fatal","ts":"2026-12-04T18:32:27.690Z","caller":"etcdmain/etcd.go:271","msg":"discovery failed","error":"wal: max entry size limit exceeded","stacktrace":"go.etcd.io/etcd/etcdmain.startEtcdOrProxyV2"}"#;
    assert_eq!(
        log_line_text(line),
        "fatal · discovery failed · wal: max entry size limit exceeded"
    );
    assert_eq!(log_line_text("  panic: boom \n"), "panic: boom");
    assert_eq!(log_line_text(&"x".repeat(300)).chars().count(), 241);
}

#[test]
fn clicks_are_the_json_the_server_takes() {
    assert_eq!(
        action_json("crash", Some("n2"), None).as_deref(),
        Some(r#"{"do":"crash","node":"n2"}"#)
    );
    assert_eq!(
        action_json("propose", None, Some("x=3")).as_deref(),
        Some(r#"{"do":"propose","value":"x=3"}"#)
    );
    assert_eq!(
        action_json("reset", None, None).as_deref(),
        Some(r#"{"do":"reset"}"#)
    );
    assert_eq!(action_json("crash", None, None), None);
    assert_eq!(action_json("member_add", Some("n4"), None), None);
    assert_eq!(
        link_action_json("A", "B", true),
        r#"{"do":"cut_link","from":"A","to":"B"}"#
    );
}

#[test]
fn refusals_and_the_presenter_token_are_read() {
    assert_eq!(refusal_text("n2 is already down"), "n2 est déjà arrêté");
    assert_eq!(
        refusal_text("no leader to transfer from"),
        "Pas de leader : aucun leadership à transférer"
    );
    assert!(refusal_text("boom").ends_with(": boom"));
    assert_eq!(
        presenter_token("?presenter&token=abc"),
        Some("abc".to_string())
    );
    assert_eq!(presenter_token("?follow&token=abc"), None);
    assert_eq!(presenter_token("?presenter"), None);
    assert!(is_presenter("?presenter"));
    assert!(!is_presenter("?follow"));
    assert!(!is_presenter(""));
}
