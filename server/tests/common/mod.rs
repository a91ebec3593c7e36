//! Fixtures shared by the HTTP test files: fresh folders, files, a fake frontend bundle
//! and a server on a loopback port.
// Each test file uses its own subset of these helpers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use server::app::AppState;
use server::bundle::Bundle;

/// The presenter token every fixture server uses.
pub const TOKEN: &str = "secret";

/// A fresh, empty folder, unique per call, under Cargo's scratch folder for integration
/// tests (`target/tmp`), not the system's: the servers started on it run on background
/// threads until the test process ends, so no guard could remove it in time, and a
/// folder under `target/` goes with `cargo clean` instead of piling up in `/tmp`.
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "raftdeck-test-{}-{}-{name}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `text` to `path`, creating its folders.
pub fn write(path: &Path, text: &str) {
    write_bytes(path, text.as_bytes());
}

/// Writes `bytes` to `path`, creating its folders.
pub fn write_bytes(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A bundle folder as `cargo xtask build` lays it out, with these files as the app's
/// glue and WebAssembly (`assets/app-1.js`, `assets/app-1.wasm`) and a small widgets
/// module (`assets/w-1.js`, `assets/w-1.wasm`).
pub fn fake_bundle(dist_dir: &Path, app_js: &str, app_wasm: &[u8]) {
    write(
        &dist_dir.join("manifest.json"),
        r#"{"js": "app-1.js", "wasm": "app-1.wasm", "widgets_js": "w-1.js", "widgets_wasm": "w-1.wasm"}"#,
    );
    write(&dist_dir.join("assets/app-1.js"), app_js);
    write_bytes(&dist_dir.join("assets/app-1.wasm"), app_wasm);
    write(
        &dist_dir.join("assets/w-1.js"),
        "export default function init() {}\n",
    );
    write_bytes(&dist_dir.join("assets/w-1.wasm"), b"\0asm\x01\0\0\0");
}

/// The state `raftdeck serve` would build for these folders, with [`TOKEN`].
pub fn app_state(deck_dir: PathBuf, dist_dir: PathBuf) -> AppState {
    let deck = deck::compiler::compile_deck(&deck_dir).unwrap();
    let bundle = Bundle::load(&dist_dir).unwrap();
    AppState::new(deck, bundle, deck_dir, dist_dir, TOKEN.into())
}

/// Serves the deck and bundle folders as `raftdeck serve` does (`serve_on`: the router,
/// and the fan-out for event streams) on a free loopback port from a background runtime;
/// returns its address.
pub fn serve_in_background(deck_dir: PathBuf, dist_dir: PathBuf) -> SocketAddr {
    let state = app_state(deck_dir, dist_dir);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                // What `raftdeck serve` runs: event streams go through the fan-out.
                server::serve::serve_on(listener, state, std::future::pending())
                    .await
                    .unwrap();
            });
    });
    addr
}
