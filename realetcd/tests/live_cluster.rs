//! A cluster on stage against real etcd: clicks act on it, its state follows.

use std::time::{Duration, Instant};

use realetcd::live::{LiveAction, LiveCluster, LiveState};
use realetcd::EtcdBinaries;

fn binaries() -> EtcdBinaries {
    EtcdBinaries::locate(None).unwrap_or_else(|missing| panic!("{missing}"))
}

/// Polls the state until `done` holds (10 times a second, as the widget does).
async fn until(live: &mut LiveCluster, what: &str, done: impl Fn(&LiveState) -> bool) -> LiveState {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let state = live.state().await;
        if done(&state) {
            return state;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {state:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn leader_term(state: &LiveState) -> Option<(String, u64)> {
    let name = state.leader.clone()?;
    let term = state.members.iter().find(|m| m.name == name)?.term;
    Some((name, term))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_speaker_crashes_the_leader_cuts_the_link_and_resets() {
    let scenario = sim::parse_scenario(
        r#"{"name":"live-2-1","cluster":{"sites":{"A":["n1","n2"],"B":["n3"]},
            "latency_ms":{"intra":1,"inter":10}}}"#,
    )
    .unwrap();
    let mut live = LiveCluster::start(&scenario, &binaries()).await.unwrap();
    let state = until(&mut live, "a first leader", |s| s.leader.is_some()).await;
    let (first, first_term) = leader_term(&state).unwrap();
    assert_eq!(first_term, 2, "etcd's first leader is at term 2");

    // A write through the leader commits.
    live.act(LiveAction::Propose {
        value: "x=1".into(),
        node: None,
    })
    .await
    .unwrap();
    until(&mut live, "x=1 committed", |s| {
        s.writes
            .iter()
            .any(|w| w.value == "x=1" && w.outcome == "committed")
    })
    .await;

    // Crash the leader: another member leads at a higher term within the window.
    live.act(LiveAction::Crash {
        node: first.clone(),
    })
    .await
    .unwrap();
    let crashed_at = Instant::now();
    let state = until(&mut live, "a new leader", |s| {
        leader_term(s).is_some_and(|(name, term)| name != first && term > first_term)
    })
    .await;
    let waited = crashed_at.elapsed();
    assert!(
        waited < Duration::from_millis(3500),
        "new leader after {waited:?}"
    );
    assert!(state
        .members
        .iter()
        .any(|m| m.name == first && m.role == "down"));
    assert!(state
        .events
        .iter()
        .any(|e| e.kind == "crash" && e.subject == first));
    live.act(LiveAction::Restart {
        node: first.clone(),
    })
    .await
    .unwrap();
    until(&mut live, "every member up", |s| {
        s.members.iter().all(|m| m.up)
    })
    .await;

    // Cut A–B: n3, alone on B, loses its leader (or, if it led, A elects one).
    live.act(LiveAction::CutLink {
        from: "A".into(),
        to: "B".into(),
    })
    .await
    .unwrap();
    let state = until(&mut live, "n3 without a leader, A led", |s| {
        let n3 = s.members.iter().find(|m| m.name == "n3").unwrap();
        n3.role != "leader"
            && n3.role != "follower"
            && s.leader.as_deref().is_some_and(|l| l != "n3")
    })
    .await;
    assert!(state
        .links
        .iter()
        .any(|l| !l.up && l.from == "A" && l.to == "B"));
    // Traffic still flows inside A, none across the cut.
    let quiet = until(&mut live, "no traffic across the cut", |s| {
        s.links
            .iter()
            .all(|l| l.bytes_per_s == 0 && l.bytes_per_s_back == 0)
    })
    .await;
    assert!(!quiet.links[0].up);

    // Reset: a fresh cluster, a first leader again, in a few seconds.
    let reset_started = Instant::now();
    live.act(LiveAction::Reset).await.unwrap();
    let state = until(&mut live, "a leader after the reset", |s| {
        s.leader.is_some()
    })
    .await;
    let reset_took = reset_started.elapsed();
    assert_eq!(state.generation, 1);
    assert!(state.links.iter().all(|l| l.up));
    assert!(state.members.iter().all(|m| m.up));
    assert_eq!(leader_term(&state).unwrap().1, 2);
    assert!(state.writes.is_empty());
    assert!(
        reset_took < Duration::from_secs(10),
        "reset took {reset_took:?}"
    );
    println!("reset to a new leader: {reset_took:?}");

    // The recording replays as a scenario.
    let recording = live.recording("live-recording", "Ce qui s'est passé en direct");
    let text = serde_json::to_string(&recording).unwrap();
    assert!(sim::parse_scenario(&text).is_ok(), "{text}");
    live.stop().await;
}
