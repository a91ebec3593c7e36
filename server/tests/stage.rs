//! `--live-etcd` over real HTTP on loopback against real etcd: the clusters a deck asks
//! for, their state as an event stream, clicks behind the token, the recording, and no
//! member left when the stage stops.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use common::{app_state, fake_bundle, temp_dir, write};
use server::stage::Stage;

const SCENARIO: &str = r#"{"name":"live-2-1","cluster":{"sites":{"A":["n1","n2"],"B":["n3"]},
  "latency_ms":{"intra":1,"inter":10}}}"#;

/// Starts a deck with one live raft widget; returns the address, the stage and the deck
/// folder.
fn start() -> (SocketAddr, Arc<Stage>, std::path::PathBuf) {
    let root = temp_dir("stage");
    let deck_dir = root.join("deck");
    write(
        &deck_dir.join("slides/deck.toml"),
        "title = \"T\"\nspeaker = \"S\"\nevent = \"E\"\ndescription = \"D\"\nplanned_minutes = 1\n",
    );
    write(&deck_dir.join("slides/scenarios/live-2-1.json"), SCENARIO);
    write(
        &deck_dir.join("slides/01-a.md"),
        "<!-- id: direct -->\n# Direct\n\n```raft\nscenario: live-2-1.json\nlive: true\n```\n",
    );
    let dist_dir = root.join("dist");
    fake_bundle(&dist_dir, "x", b"x");
    let state = app_state(deck_dir.clone(), dist_dir);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let (ready, stage) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async move {
                let binaries =
                    realetcd::EtcdBinaries::locate(None).unwrap_or_else(|m| panic!("{m}"));
                let started =
                    Arc::new(Stage::start(&state.deck(), state.deck_dir(), &binaries).await);
                state.set_stage(started.clone());
                ready.send(started).unwrap();
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, server::app::app(state))
                    .await
                    .unwrap();
            });
    });
    let stage = stage.recv_timeout(Duration::from_secs(60)).unwrap();
    (addr, stage, deck_dir)
}

fn request(addr: SocketAddr, method: &str, path: &str, token: bool, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let auth = if token {
        "Authorization: Bearer secret\r\n"
    } else {
        ""
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Reads state frames from the event stream until one satisfies `done`.
fn frames_until(
    reader: &mut BufReader<TcpStream>,
    what: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(data) = line.trim_end().strip_prefix("data: ") {
            let frame: serde_json::Value = serde_json::from_str(data).unwrap();
            if done(&frame) {
                return frame;
            }
        }
    }
}

fn leader_term(frame: &serde_json::Value) -> Option<(String, u64)> {
    let leader = frame["leader"].as_str()?.to_string();
    let term = frame["members"]
        .as_array()?
        .iter()
        .find(|m| m["name"] == leader.as_str())?["term"]
        .as_u64()?;
    Some((leader, term))
}

#[test]
fn the_presenter_crashes_the_real_leader_and_everyone_sees_the_new_one() {
    let (addr, stage, deck_dir) = start();
    let (status, summary) = request(addr, "GET", "/api/etcd", false, "");
    assert_eq!(status, 200);
    let summary: serde_json::Value = serde_json::from_str(summary.trim()).unwrap();
    assert_eq!(summary["available"], true, "{summary}");
    assert_eq!(summary["scenarios"][0], "live-2-1.json");

    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET /api/etcd/live-2-1.json HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let frame = frames_until(&mut reader, "a leader", |f| leader_term(f).is_some());
    let (leader, term) = leader_term(&frame).unwrap();

    // Only the presenter acts.
    let crash = format!(r#"{{"do":"crash","node":"{leader}"}}"#);
    assert_eq!(
        request(addr, "POST", "/api/etcd/live-2-1.json", false, &crash).0,
        401
    );
    assert_eq!(
        request(
            addr,
            "POST",
            "/api/etcd/live-2-1.json",
            true,
            r#"{"do":"explode"}"#
        )
        .0,
        400
    );
    assert_eq!(
        request(addr, "POST", "/api/etcd/other.json", true, &crash).0,
        404
    );
    assert_eq!(
        request(addr, "POST", "/api/etcd/live-2-1.json", true, &crash).0,
        204
    );
    // Crashing it twice is refused with the reason.
    let (status, reason) = request(addr, "POST", "/api/etcd/live-2-1.json", true, &crash);
    assert_eq!(status, 409);
    assert!(reason.contains("already down"), "{reason}");

    let frame = frames_until(&mut reader, "a new leader at a higher term", |f| {
        leader_term(f).is_some_and(|(name, t)| name != leader && t > term)
    });
    let crashed = frame["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == leader.as_str())
        .unwrap();
    assert_eq!(crashed["role"], "down");

    assert_eq!(
        request(
            addr,
            "GET",
            "/api/etcd/live-2-1.json/diagnostics",
            false,
            ""
        )
        .0,
        401
    );
    let (status, recorded) = request(addr, "POST", "/api/etcd/live-2-1.json/record", true, "");
    assert_eq!(status, 200, "{recorded}");
    let saved = deck_dir.join("slides/scenarios/live-live-2-1.json");
    let text = std::fs::read_to_string(&saved).unwrap();
    let scenario = sim::parse_scenario(&text).unwrap();
    assert_eq!(scenario.steps.len(), 1, "the crash, at its time");
    // The leader was crashed: the replay crashes its own leader (maybe another member).
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["steps"][0]["do"], "crash", "{text}");
    assert_eq!(json["steps"][0]["node"], "leader", "{text}");
    assert_eq!(json["steps"][0]["label"], "Le leader tombe", "{text}");
    // Beside it, what real etcd did: the crash, then a new leader at a higher term.
    let trace = std::fs::read_to_string(deck_dir.join("slides/recordings/live-live-2-1.json"))
        .expect("the observed trace");
    let trace: serde_json::Value = serde_json::from_str(&trace).unwrap();
    let events = trace["events"].as_array().unwrap();
    let crashed_at = events
        .iter()
        .position(|e| e["kind"] == "crash" && e["subject"] == leader.as_str())
        .expect("the crash in the trace");
    assert!(
        events[crashed_at..].iter().any(|e| e["kind"] == "role"
            && e["detail"] == "leader"
            && e["term"].as_u64().is_some_and(|t| t > term)),
        "a new leader after the crash: {trace}"
    );

    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(stage.stop());
}
