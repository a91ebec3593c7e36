//! The server over real HTTP on loopback: routes, content types, cache headers,
//! compression, and the refusal to start on a broken deck.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;

mod common;

use common::{fake_bundle, serve_in_background, temp_dir, write};

const META: &str = "title = \"Titre de test\"\nspeaker = \"S\"\nevent = \"E\"\ndescription = \"Une description\"\nplanned_minutes = 51\n";

/// A small deck folder and a fake bundle folder.
fn fixture() -> (PathBuf, PathBuf) {
    let root = temp_dir("fixture");
    let deck_dir = root.join("deck");
    write(&deck_dir.join("slides/deck.toml"), META);
    write(
        &deck_dir.join("slides/01-a.md"),
        "<!-- id: un; layout: title -->\n# Premier\n---\n# Deuxième\n\n<!-- steps -->\n- a\n- b\n",
    );
    write(
        &deck_dir.join("static/style.css"),
        &"body { color: black; }\n".repeat(100),
    );
    let dist_dir = root.join("dist");
    fake_bundle(
        &dist_dir,
        &"export default function init() {}\n".repeat(100),
        &[0u8, 97, 115, 109, 1, 0, 0, 0].repeat(200),
    );
    (deck_dir, dist_dir)
}

/// Serves the fixture on a free loopback port in a background runtime.
fn start() -> SocketAddr {
    let (deck_dir, dist_dir) = fixture();
    serve_in_background(deck_dir, dist_dir)
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A plain HTTP/1.1 GET over a TCP socket (no client library: we test the wire).
fn get(addr: SocketAddr, path: &str, accept_encoding: Option<&str>) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    let encoding = accept_encoding
        .map(|value| format!("Accept-Encoding: {value}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{encoding}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no header end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(key, value)| {
        key.eq_ignore_ascii_case("transfer-encoding") && value.contains("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

#[test]
fn index_is_the_askama_shell_and_never_cached() {
    let addr = start();
    let reply = get(addr, "/", None);
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(reply.header("cache-control"), Some("no-cache"));
    let html = reply.text();
    assert!(html.contains("<title>Titre de test</title>"));
    assert!(html.contains("<meta property=\"og:title\" content=\"Titre de test\">"));
    assert!(html.contains("import(\"./assets/app-1.js\")"));
    assert!(html.contains("module_or_path: \"./assets/app-1.wasm\""));
    // The widgets module is not loaded up front: only the page's loader names it.
    assert!(html.contains("import(\"./assets/w-1.js\")"));
    assert!(!html.contains("href=\"./assets/w-1"));
    assert!(html.contains("Chargement de la présentation"));
    assert!(
        html.contains("<li>Premier</li>"),
        "noscript outline lists the slides"
    );
}

#[test]
fn deck_json_is_the_compiled_deck() {
    let addr = start();
    let reply = get(addr, "/api/deck", None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let deck: deck::Deck = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(deck.slides.len(), 2);
    assert_eq!(deck.slides[0].id, "un");
    assert_eq!(deck.slides[1].id, "deuxieme");
    assert_eq!(deck.slides[1].steps, 2);
}

#[test]
fn hashed_assets_are_immutable_with_the_right_types() {
    let addr = start();
    let wasm = get(addr, "/assets/app-1.wasm", None);
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(
        wasm.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(wasm.body.len(), 1600);
    let js = get(addr, "/assets/app-1.js", None);
    assert!(js.header("content-type").unwrap().contains("javascript"));
    let css = get(addr, "/static/style.css", None);
    assert_eq!(css.header("cache-control"), Some("no-cache"));
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
}

#[test]
fn responses_are_compressed_with_gzip_or_brotli() {
    let addr = start();
    for encoding in ["gzip", "br"] {
        let reply = get(addr, "/assets/app-1.js", Some(encoding));
        assert_eq!(
            reply.header("content-encoding"),
            Some(encoding),
            "{encoding}"
        );
        assert!(
            reply.body.len() < 3400,
            "{encoding}: {} bytes",
            reply.body.len()
        );
        let deck = get(addr, "/api/deck", Some(encoding));
        assert_eq!(deck.header("content-encoding"), Some(encoding));
    }
    let plain = get(addr, "/assets/app-1.js", None);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.body.len(), 3400);
}

#[test]
fn missing_files_and_traversal_are_404() {
    let addr = start();
    assert_eq!(get(addr, "/assets/nope.js", None).status, 404);
    assert_eq!(get(addr, "/static/../slides/deck.toml", None).status, 404);
    assert_eq!(
        get(addr, "/static/%2e%2e/slides/deck.toml", None).status,
        404
    );
    assert_eq!(get(addr, "/assets/../manifest.json", None).status, 404);
}

#[test]
fn serve_refuses_a_broken_deck_with_file_and_line() {
    let (deck_dir, dist_dir) = fixture();
    write(
        &deck_dir.join("slides/02-b.md"),
        "# Bien\n---\n<!-- id: x; layout: spirale -->\n# Mal\n",
    );
    let output = Command::new(env!("CARGO_BIN_EXE_raftdeck"))
        .args(["serve", "--addr", "127.0.0.1:0", "--deck"])
        .arg(&deck_dir)
        .arg("--dist")
        .arg(&dist_dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("slides/02-b.md:3: unknown layout `spirale`"),
        "stderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
}

#[test]
fn serve_explains_a_missing_bundle() {
    let (deck_dir, _) = fixture();
    let output = Command::new(env!("CARGO_BIN_EXE_raftdeck"))
        .args(["serve", "--addr", "127.0.0.1:0", "--deck"])
        .arg(&deck_dir)
        .args(["--dist", "/nonexistent/dist"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cargo xtask build"), "stderr: {stderr}");
}

#[test]
fn check_lists_every_error() {
    let (deck_dir, _) = fixture();
    write(
        &deck_dir.join("slides/02-b.md"),
        "<!-- minutes: beaucoup -->\n# A\n---\npas de titre\n",
    );
    let output = Command::new(env!("CARGO_BIN_EXE_raftdeck"))
        .args(["check", "--deck"])
        .arg(&deck_dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("slides/02-b.md:1: slide attribute `minutes`"));
    assert!(lines[1].starts_with("slides/02-b.md:4: slide has no heading"));
}
