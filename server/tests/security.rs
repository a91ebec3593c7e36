//! Security over real HTTP on loopback, against `serve::serve_on` (what `raftdeck serve`
//! runs, sync fan-out included): traversal never escapes the served folders, the token
//! guards the presenter's endpoints, bodies are bounded, bad JSON gets a reason, every
//! response carries the security headers, idle and slow followers neither stall the
//! presenter nor grow memory without bound, and shutdown ends streams cleanly.
//!
//! Waits are generous failure guards (15 s), never speed assertions.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

mod common;

use common::{app_state, fake_bundle, temp_dir, write};

/// Text only files outside the served folders contain: seeing it means an escape.
const SECRET: &str = "SECRET-MARKER-7f3a";
const BEARER: &str = "Authorization: Bearer secret\r\n";
const GUARD: Duration = Duration::from_secs(15);

/// Tests of this file run one at a time: the memory test reads this process's RSS, which
/// the other tests' servers would move.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A deck folder (with secrets next to and above the served folders) and a bundle.
fn fixture() -> (PathBuf, PathBuf) {
    let root = temp_dir("security");
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
        &format!("## un\nNotes {SECRET}\n"),
    );
    write(&deck_dir.join("secret.txt"), SECRET);
    write(&root.join("secret.txt"), SECRET);
    write(
        &deck_dir.join("static/style.css"),
        "body { color: black; }\n",
    );
    let dist_dir = root.join("dist");
    fake_bundle(&dist_dir, "export default 1;\n", b"\0asm");
    write(&dist_dir.join("secret.txt"), SECRET);
    (deck_dir, dist_dir)
}

/// A running `serve_on`: its address, and a sender that stops it, and the thread that
/// returns what `serve_on` returned.
struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl Server {
    fn start() -> Server {
        let (deck_dir, dist_dir) = fixture();
        let state = app_state(deck_dir, dist_dir);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    server::serve::serve_on(listener, state, async move {
                        let _ = stopped.await;
                    })
                    .await
                })
        });
        Server {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Stops the server and returns what `serve_on` returned.
    fn shut_down(&mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A raw request (the target is sent byte for byte, so encodings reach the server as
/// written); reads the whole reply.
fn request(addr: SocketAddr, method: &str, target: &[u8], headers: &str, body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(GUARD)).unwrap();
    let mut head = format!("{method} ").into_bytes();
    head.extend_from_slice(target);
    head.extend_from_slice(
        format!(
            " HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    stream.write_all(&head).unwrap();
    // The server may answer (401, 413) before reading the whole body.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = raw.get(split + 4..).unwrap_or_default().to_vec();
    Reply { status, head, body }
}

fn get(addr: SocketAddr, target: &str) -> Reply {
    request(addr, "GET", target.as_bytes(), "", b"")
}

/// Opens an event stream on `path`; returns the reader after the response head.
fn open_stream(addr: SocketAddr, path: &str) -> (BufReader<TcpStream>, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(GUARD)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            return (reader, head);
        }
        head.push_str(&line);
    }
}

/// The next `data:` line of an event stream, as JSON.
fn next_data(reader: &mut BufReader<TcpStream>) -> serde_json::Value {
    loop {
        let mut line = String::new();
        let read = reader.read_line(&mut line).unwrap();
        assert!(read > 0, "the event stream ended");
        if let Some(data) = line.trim_end().strip_prefix("data: ") {
            return serde_json::from_str(data).unwrap();
        }
    }
}

/// The latest published state, as a new follower sees it first.
fn current_state(addr: SocketAddr) -> serde_json::Value {
    let (mut reader, _) = open_stream(addr, "/api/sync");
    next_data(&mut reader)
}

fn publish(addr: SocketAddr, body: &str) -> Reply {
    request(addr, "POST", b"/api/sync", BEARER, body.as_bytes())
}

#[test]
fn traversal_never_escapes_the_served_folders() {
    let _serial = one_at_a_time();
    let server = Server::start();
    let addr = server.addr;
    let targets: &[&[u8]] = &[
        b"/static/../secret.txt",
        b"/static/../slides/deck.toml",
        b"/static/%2e%2e/secret.txt",
        b"/static/%2E%2E/slides/deck.toml",
        b"/static/%2e%2e%2fsecret.txt",
        b"/static/..%2fsecret.txt",
        b"/static/%252e%252e/secret.txt",
        b"/static/%252e%252e%252fsecret.txt",
        b"/static/..%252fsecret.txt",
        b"/static/%2e%2e/%2e%2e/secret.txt",
        b"/static/..\\secret.txt",
        b"/static/..%5csecret.txt",
        b"/static/%5c..%5c..%5csecret.txt",
        b"/static/%2fetc%2fpasswd",
        b"/static//etc/passwd",
        b"/static/%2F..%2F..%2Fsecret.txt",
        b"/static/C:%5cWindows%5cwin.ini",
        b"/static/%00",
        b"/static/style.css%00",
        b"/static/style.css%00.toml",
        b"/static/%00/../secret.txt",
        b"/static/.%2e/secret.txt",
        b"/static/%c0%ae%c0%ae/secret.txt",
        b"/assets/../secret.txt",
        b"/assets/%2e%2e/secret.txt",
        b"/assets/%2e%2e/%2e%2e/deck/secret.txt",
        b"/assets/%252e%252e/secret.txt",
        b"/assets/..%5csecret.txt",
        b"/assets//etc/passwd",
        b"/../secret.txt",
        b"/%2e%2e/secret.txt",
        b"/secret.txt",
        b"//etc/passwd",
        b"/etc/passwd",
        b"http://example.com/../secret.txt",
    ];
    for target in targets {
        let reply = request(addr, "GET", target, "", b"");
        let shown = String::from_utf8_lossy(target);
        let body = reply.text();
        assert!(
            (400..500).contains(&reply.status),
            "{shown}: status {} (expected a 4xx)",
            reply.status
        );
        assert!(
            !body.contains(SECRET) && !body.contains("root:"),
            "{shown} escaped: {body}"
        );
    }
    // The served files themselves are still served.
    assert_eq!(get(addr, "/static/style.css").status, 200);
    assert_eq!(get(addr, "/assets/app-1.js").status, 200);
}

#[test]
fn presenter_endpoints_without_the_right_token_are_401_and_change_nothing() {
    let _serial = one_at_a_time();
    let server = Server::start();
    let addr = server.addr;
    let move_to_deux = r#"{"slide":"deux","step":1}"#;
    let wrong_tokens = [
        "",
        "Authorization: Bearer \r\n",
        "Authorization: Bearer nope\r\n",
        "Authorization: Bearer secre\r\n",
        "Authorization: Bearer secrets\r\n",
        "Authorization: Bearer SECRET\r\n",
        "Authorization: bearer secret\r\n",
        "Authorization: Basic c2VjcmV0OnNlY3JldA==\r\n",
        "Authorization: secret\r\n",
        "Cookie: token=secret\r\n",
    ];
    for headers in wrong_tokens {
        let reply = request(addr, "POST", b"/api/sync", headers, move_to_deux.as_bytes());
        assert_eq!(reply.status, 401, "POST /api/sync with {headers:?}");
        for path in ["/api/notes", "/notes", "/api/remote-qr.svg"] {
            let reply = request(addr, "GET", path.as_bytes(), headers, b"");
            assert_eq!(reply.status, 401, "{path} with {headers:?}");
            assert!(!reply.text().contains(SECRET), "{path} leaked the notes");
        }
    }
    // A token in the query is for pages opened by a link, never for publishing.
    let reply = request(
        addr,
        "POST",
        b"/api/sync?token=secret",
        "",
        move_to_deux.as_bytes(),
    );
    assert_eq!(reply.status, 401);
    for path in [
        "/notes?token=nope",
        "/api/remote-qr.svg?token=",
        "/api/notes?token=secret",
    ] {
        assert_eq!(get(addr, path).status, 401, "{path}");
    }
    // Nothing moved: the state is still the first slide, sequence 0.
    let state = current_state(addr);
    assert_eq!(
        (state["seq"].as_u64(), state["slide"].as_str()),
        (Some(0), Some("un"))
    );
    // The audience deck never carries the notes.
    assert!(!get(addr, "/api/deck").text().contains(SECRET));
    // And the right token works, so the 401s above were about the token.
    assert_eq!(publish(addr, move_to_deux).status, 200);
    assert_eq!(current_state(addr)["slide"].as_str(), Some("deux"));
}

#[test]
fn oversized_bodies_are_413_and_malformed_json_is_400_with_a_reason() {
    let _serial = one_at_a_time();
    let server = Server::start();
    let addr = server.addr;
    let limit = deck::sync::MAX_MESSAGE_BYTES;
    let huge = format!(
        r#"{{"slide":"deux","step":0,"origin":"{}"}}"#,
        "x".repeat(limit)
    );
    assert_eq!(publish(addr, &huge).status, 413);
    // Chunked, with no length announced: still stopped at the limit.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(GUARD)).unwrap();
    write!(
        stream,
        "POST /api/sync HTTP/1.1\r\nHost: {addr}\r\n{BEARER}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..(limit / chunk.len() + 2) {
        if write!(stream, "{:x}\r\n", chunk.len()).is_err()
            || stream.write_all(&chunk).is_err()
            || stream.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");

    let cases: &[(&[u8], &str)] = &[
        (b"{", "line 1 column"),
        (b"", "not a sync message"),
        (b"null", "not a sync message"),
        (b"[]", "not a sync message"),
        (b"\xff\xfe", "not a sync message"),
        (br#"{"slide":"deux"}"#, "missing field `step`"),
        (br#"{"slide":"deux","step":"1"}"#, "invalid type"),
        (br#"{"slide":"deux","step":-1}"#, "invalid value"),
        (
            br#"{"slide":"deux","step":0,"admin":true}"#,
            "unknown field `admin`",
        ),
        (
            br#"{"slide":"../etc","step":0}"#,
            "`slide` must be a slide id",
        ),
        (br#"{"slide":"trois","step":0}"#, "unknown slide `trois`"),
        (
            br#"{"slide":"deux","step":0,"widgets":{"x":1}}"#,
            "widget key `x`",
        ),
    ];
    for (body, reason) in cases {
        let reply = request(addr, "POST", b"/api/sync", BEARER, body);
        let text = reply.text();
        assert_eq!(
            reply.status,
            400,
            "{}: {text}",
            String::from_utf8_lossy(body)
        );
        assert!(
            text.contains(reason),
            "{}: the reason `{text}` does not say `{reason}`",
            String::from_utf8_lossy(body)
        );
    }
    assert_eq!(current_state(addr)["seq"].as_u64(), Some(0));
}

#[test]
fn every_response_carries_the_security_headers() {
    let _serial = one_at_a_time();
    use base64::Engine as _;
    use sha2::Digest as _;
    let server = Server::start();
    let addr = server.addr;
    let check = |what: &str, head: &str| {
        let reply = Reply {
            status: 0,
            head: head.to_owned(),
            body: Vec::new(),
        };
        let csp = reply
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("{what}: no CSP in {head}"));
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'")
                && csp.contains("default-src 'self'")
                && csp.contains("object-src 'none'")
                && !csp.contains("'unsafe-eval'")
                && !csp.contains("script-src 'self' 'unsafe-inline'"),
            "{what}: {csp}"
        );
        assert_eq!(
            reply.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(
            reply.header("referrer-policy").as_deref(),
            Some("no-referrer"),
            "{what}"
        );
        csp
    };
    for path in [
        "/",
        "/index.html",
        "/api/deck",
        "/static/style.css",
        "/assets/app-1.js",
        "/assets/app-1.wasm",
        "/no-such-page",
        "/static/missing.css",
        "/api/notes",
        "/notes?token=secret",
        "/api/remote-qr.svg?token=secret",
    ] {
        check(path, &get(addr, path).head);
    }
    check("POST 401", &publish_without_token(addr));
    check("POST 400", &publish(addr, "{").head);
    let (_, head) = open_stream(addr, "/api/sync");
    check("/api/sync", &head);
    let (_, head) = open_stream(addr, "/api/live");
    check("/api/live", &head);
    let (_, head) = open_stream(addr, &format!("http://{addr}/api/sync"));
    check("/api/sync through the router", &head);

    // The shell's inline module loader is allowed by its hash, and only by it.
    let index = get(addr, "/");
    let html = index.text();
    let csp = check("/", &index.head);
    let start = html
        .find("<script type=\"module\">")
        .expect("an inline module script");
    let script_start = start + "<script type=\"module\">".len();
    let script_end = script_start + html[script_start..].find("</script>").unwrap();
    let digest = sha2::Sha256::digest(&html.as_bytes()[script_start..script_end]);
    let expected = format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    );
    assert!(csp.contains(&expected), "{csp} lacks {expected}");
    let script_src = csp
        .split(';')
        .find(|directive| directive.trim().starts_with("script-src"))
        .unwrap();
    assert!(!script_src.contains("'unsafe-inline'"), "{script_src}");
}

fn publish_without_token(addr: SocketAddr) -> String {
    request(
        addr,
        "POST",
        b"/api/sync",
        "",
        br#"{"slide":"deux","step":0}"#,
    )
    .head
}

/// `VmRSS` of this process (server and clients both live here), in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap()
}

#[test]
fn idle_and_slow_followers_neither_stall_publishing_nor_grow_memory() {
    let _serial = one_at_a_time();
    const STUCK: usize = 500;
    const PUBLISHES: usize = 60;
    let server = Server::start();
    let addr = server.addr;
    // 500 followers that send their request and never read a byte: their sockets fill up.
    let stuck: Vec<TcpStream> = (0..STUCK)
        .map(|_| {
            let mut stream = TcpStream::connect(addr).unwrap();
            write!(
                stream,
                "GET /api/sync HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
            )
            .unwrap();
            stream
        })
        .collect();
    // One slow follower that reads a little now and then, and one that reads normally.
    let (mut slow, _) = open_stream(addr, "/api/sync");
    let (mut reading, _) = open_stream(addr, "/api/sync");
    assert_eq!(next_data(&mut reading)["seq"].as_u64(), Some(0));
    let reader = std::thread::spawn(move || {
        // Reads until it sees the last message.
        loop {
            let data = next_data(&mut reading);
            if data["seq"].as_u64() == Some(PUBLISHES as u64) {
                return data;
            }
        }
    });
    // Every message carries a 24 KiB widget state, so the stuck sockets fill quickly.
    let state = "x".repeat(24 * 1024);
    let before = rss_kib();
    for seq in 1..=PUBLISHES {
        let body = format!(r#"{{"slide":"deux","step":{seq},"widgets":{{"deux/0":"{state}"}}}}"#);
        let reply = publish(addr, &body);
        assert_eq!(reply.status, 200, "publish {seq}: {}", reply.text());
        if seq % 10 == 0 {
            let mut line = String::new();
            let _ = slow.read_line(&mut line);
        }
    }
    let after = rss_kib();
    let last = reader.join().unwrap();
    assert_eq!(last["step"].as_u64(), Some(PUBLISHES as u64));
    // Queuing every message for every stuck follower would hold 500 × 60 × 24 KiB
    // (about 700 MiB); keeping only the latest frame per follower stays within a few MiB.
    let grown_mib = after.saturating_sub(before) / 1024;
    eprintln!("RSS {before} → {after} KiB with {STUCK} stuck followers");
    assert!(
        grown_mib < 64,
        "memory grew by {grown_mib} MiB with {STUCK} stuck followers ({before} → {after} KiB)"
    );
    // A newcomer still gets the latest state first.
    assert_eq!(current_state(addr)["seq"].as_u64(), Some(PUBLISHES as u64));
    drop(stuck);
}

#[test]
fn shutdown_ends_event_streams_cleanly() {
    let _serial = one_at_a_time();
    let mut server = Server::start();
    let addr = server.addr;
    // Both streams through the fan-out …
    let (mut follower, _) = open_stream(addr, "/api/sync");
    assert_eq!(next_data(&mut follower)["seq"].as_u64(), Some(0));
    let (mut live, _) = open_stream(addr, "/api/live");
    assert_eq!(next_data(&mut live)["version"].as_u64(), Some(0));
    // … and one through the router (an absolute-form target is not recognised by the
    // accept loop, so axum serves it, chunked).
    let (mut routed, routed_head) = open_stream(addr, &format!("http://{addr}/api/live"));
    assert!(
        routed_head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{routed_head}"
    );
    let mut first = String::new();
    routed.read_line(&mut first).unwrap();
    // Graceful shutdown returns (it does not wait forever on open streams) …
    server.shut_down().unwrap();
    // … the fan-out's streams end with their connection (they are close-delimited) …
    for reader in [&mut follower, &mut live] {
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
    }
    // … and the router's with HTTP's last chunk, not a reset.
    let mut rest = Vec::new();
    routed.read_to_end(&mut rest).unwrap();
    assert!(
        rest.ends_with(b"0\r\n\r\n"),
        "the chunked stream did not end cleanly: {:?}",
        String::from_utf8_lossy(&rest)
    );
    // Nothing listens any more.
    assert!(TcpStream::connect_timeout(&addr, GUARD).is_err());
}
