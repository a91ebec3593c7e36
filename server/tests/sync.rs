//! The sync endpoints over real HTTP on loopback: 401 without the token, 400 with a
//! reason, 413 over the body limit, and the event stream (current state first, then each
//! change with its sequence number).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

mod common;

use common::{fake_bundle, serve_in_background, temp_dir, write};

fn fixture() -> (PathBuf, PathBuf) {
    let root = temp_dir("sync");
    let deck_dir = root.join("deck");
    write(
        &deck_dir.join("slides/deck.toml"),
        "title = \"T\"\nspeaker = \"S\"\nevent = \"E\"\ndescription = \"D\"\nplanned_minutes = 2\n",
    );
    write(
        &deck_dir.join("slides/01-a.md"),
        "<!-- id: un -->\n# Un\n---\n<!-- id: deux -->\n# Deux\n",
    );
    write(
        &deck_dir.join("speaker-notes/01-a.md"),
        "## un\nBonjour **tous**.\n",
    );
    let dist_dir = root.join("dist");
    fake_bundle(&dist_dir, "x", b"x");
    (deck_dir, dist_dir)
}

fn start() -> SocketAddr {
    let (deck_dir, dist_dir) = fixture();
    serve_in_background(deck_dir, dist_dir)
}

/// Sends a raw request; returns the status and the body.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &[u8],
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    // A server may answer (413, 401) before reading the whole body; ignore write errors.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

const BEARER: &str = "Authorization: Bearer secret\r\n";

#[test]
fn publishing_needs_the_token_and_a_valid_message() {
    let addr = start();
    let good = br#"{"slide":"deux","step":0}"#;
    assert_eq!(request(addr, "POST", "/api/sync", "", good).0, 401);
    assert_eq!(
        request(
            addr,
            "POST",
            "/api/sync",
            "Authorization: Bearer nope\r\n",
            good
        )
        .0,
        401
    );
    let (status, body) = request(addr, "POST", "/api/sync", BEARER, b"{nope");
    assert_eq!(status, 400);
    assert!(body.contains("not a sync message"), "{body}");
    let (status, body) = request(
        addr,
        "POST",
        "/api/sync",
        BEARER,
        br#"{"slide":"trois","step":0}"#,
    );
    assert_eq!(
        (status, body.contains("unknown slide `trois`")),
        (400, true),
        "{body}"
    );
    let huge = vec![b' '; deck::sync::MAX_MESSAGE_BYTES + 10];
    assert_eq!(request(addr, "POST", "/api/sync", BEARER, &huge).0, 413);
    let (status, body) = request(addr, "POST", "/api/sync", BEARER, good);
    assert_eq!(status, 200);
    assert!(body.contains("\"seq\":1"), "{body}");
}

#[test]
fn notes_are_for_the_presenter_only() {
    let addr = start();
    let (_, deck_json) = request(addr, "GET", "/api/deck", "", b"");
    assert!(
        !deck_json.contains("Bonjour"),
        "the audience deck carries no notes"
    );
    assert_eq!(request(addr, "GET", "/api/notes", "", b"").0, 401);
    let (status, notes) = request(addr, "GET", "/api/notes", BEARER, b"");
    assert_eq!(status, 200);
    assert!(notes.contains("<strong>tous</strong>"), "{notes}");
    assert_eq!(request(addr, "GET", "/notes", "", b"").0, 401);
    let (status, handout) = request(addr, "GET", "/notes?token=secret", "", b"");
    assert_eq!(status, 200);
    assert!(handout.contains("<strong>tous</strong>") && handout.contains("Deux"));
    assert_eq!(request(addr, "GET", "/api/remote-qr.svg", "", b"").0, 401);
    let (status, svg) = request(addr, "GET", "/api/remote-qr.svg?token=secret", "", b"");
    assert_eq!((status, svg.contains("<svg")), (200, true));
}

#[test]
fn the_event_stream_sends_the_state_first_then_numbered_changes() {
    let addr = start();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(stream, "GET /api/sync HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut next_data = || loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(data) = line.trim_end().strip_prefix("data: ") {
            return data.to_owned();
        }
    };
    let first: serde_json::Value = serde_json::from_str(&next_data()).unwrap();
    assert_eq!(
        (first["seq"].as_u64(), first["slide"].as_str()),
        (Some(0), Some("un"))
    );
    let body = br#"{"slide":"deux","step":0,"widgets":{"deux/0":{"inputs":[1]}}}"#;
    assert_eq!(request(addr, "POST", "/api/sync", BEARER, body).0, 200);
    let second: serde_json::Value = serde_json::from_str(&next_data()).unwrap();
    assert_eq!(second["seq"].as_u64(), Some(1));
    assert_eq!(second["slide"].as_str(), Some("deux"));
    assert_eq!(second["widgets"]["deux/0"]["inputs"][0].as_u64(), Some(1));
}
