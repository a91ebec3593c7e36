//! `raftdeck pdf`: the talk printed to PDF by headless Chromium, one 16:9 page per slide
//! (or per step), optionally with the speaker notes under each slide.
//!
//! How: the static site is built into a temporary folder (with the notes only when they
//! are asked for) and served on a loopback port — WASM cannot be instantiated from
//! `file://`. Chromium is started with `--remote-debugging-pipe` and driven over the
//! DevTools protocol (NUL-separated JSON on file descriptors 3 and 4): it opens
//! `?print` (see `frontend/src/print.rs`), waits until the page sets
//! `data-print-ready` — every widget mounted at its key state, every image and font
//! loaded — then calls `Page.printToPDF`. Readiness is a signal from the page, not a
//! delay; the only clock here is a generous guard against a Chromium that hangs.
//!
//! Why the pipe: `--print-to-pdf` prints at the load event or after a
//! `--virtual-time-budget`, a guess about when the WASM has rendered; a websocket would
//! need a client crate. The pipe needs only `dup2` onto fds 3 and 4 between fork and exec.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use base64::Engine;
use serde_json::{json, Value};

use crate::export::{build_site, BuildConfig};

/// How long Chromium may take for the whole job before raftdeck gives up. A guard
/// against a hung browser, far above the few seconds a print takes.
const CHROMIUM_GUARD: Duration = Duration::from_secs(180);

/// What `raftdeck pdf` needs.
pub struct PdfConfig {
    /// The folder holding `slides/`, `speaker-notes/` and `static/`.
    pub deck_dir: PathBuf,
    /// The frontend bundle built by `cargo xtask build`.
    pub dist_dir: PathBuf,
    /// The PDF to write.
    pub out: PathBuf,
    /// One page per step instead of one per slide.
    pub steps: bool,
    /// The speaker notes under each slide.
    pub notes: bool,
    /// Chromium's executable; found on PATH when absent.
    pub chromium: Option<PathBuf>,
}

/// What `raftdeck pdf` wrote.
#[derive(Debug)]
pub struct PdfReport {
    /// Pages the print layout laid out.
    pub pages: u64,
    /// Bytes of the PDF.
    pub bytes: u64,
}

/// Builds the site, prints it with Chromium and writes the PDF.
pub fn print_pdf(config: &PdfConfig) -> anyhow::Result<PdfReport> {
    let chromium = find_chromium(config.chromium.as_deref(), std::env::var_os("PATH"))?;
    let scratch = Scratch::new()?;
    let site = scratch.path.join("site");
    build_site(&BuildConfig {
        deck_dir: config.deck_dir.clone(),
        dist_dir: config.dist_dir.clone(),
        out_dir: site.clone(),
        base: "/".to_owned(),
        with_notes: config.notes,
    })?;

    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .context("cannot bind a loopback port to serve the site to Chromium")?;
    let port = listener.local_addr()?.port();
    let router = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(&site));
    runtime.spawn(async move { axum::serve(listener, router).await });

    let mut query = String::from("?print");
    if config.steps {
        query.push_str("&steps");
    }
    if config.notes {
        query.push_str("&notes");
    }
    let url = format!("http://127.0.0.1:{port}/index.html{query}");
    let (pdf, pages) = Browser::launch(&chromium, &scratch.path)?.print(&url)?;
    std::fs::write(&config.out, &pdf)
        .with_context(|| format!("cannot write {}", config.out.display()))?;
    runtime.shutdown_background();
    Ok(PdfReport {
        pages,
        bytes: pdf.len() as u64,
    })
}

/// `--chromium`, else `chromium` or `chromium-browser` in `path_var` (the PATH).
fn find_chromium(
    given: Option<&Path>,
    path_var: Option<std::ffi::OsString>,
) -> anyhow::Result<PathBuf> {
    if let Some(path) = given {
        if path.is_file() {
            return Ok(path.to_owned());
        }
        bail!("--chromium {}: no such file", path.display());
    }
    let path_var = path_var.unwrap_or_default();
    for dir in std::env::split_paths(&path_var) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    bail!(
        "raftdeck pdf needs Chromium, and neither `chromium` nor `chromium-browser` is on PATH: \
         install the Debian package `chromium` (apt-get install chromium) or pass --chromium PATH"
    )
}

/// A temporary folder (the built site, Chromium's profile), removed when dropped.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new() -> anyhow::Result<Scratch> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("raftdeck-pdf-{}-{nanos:09}", std::process::id()));
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Scratch { path })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Headless Chromium and its DevTools pipe. Dropping it kills the browser if it is still
/// running (an error half-way must not leave it behind).
struct Browser {
    child: Child,
    to_browser: std::io::PipeWriter,
    from_browser: Receiver<Result<Value, String>>,
    /// Events received while waiting for a reply, kept for later waits.
    pending_events: Vec<Value>,
    next_id: u64,
    deadline: Instant,
    log: PathBuf,
}

impl Browser {
    fn launch(chromium: &Path, scratch: &Path) -> anyhow::Result<Browser> {
        // Chromium reads commands on fd 3 and writes replies on fd 4.
        let (child_reads, parent_writes) = std::io::pipe().context("cannot create a pipe")?;
        let (parent_reads, child_writes) = std::io::pipe().context("cannot create a pipe")?;
        let log = scratch.join("chromium.log");
        let log_file = std::fs::File::create(&log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut command = Command::new(chromium);
        command
            .args([
                "--headless",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!(
                "--user-data-dir={}",
                scratch.join("profile").display()
            ))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        if running_as_root() {
            // Chromium refuses to start its sandbox as root; the page is our own deck,
            // served on loopback.
            command.arg("--no-sandbox");
        }
        let read_fd = child_reads.as_raw_fd();
        let write_fd = child_writes.as_raw_fd();
        // SAFETY: between fork and exec only async-signal-safe calls (fcntl, dup2) are
        // made, on descriptors this process owns until the child has started.
        unsafe {
            command.pre_exec(move || {
                // Move both ends above the target numbers first, so placing one cannot
                // overwrite the other.
                let high_read = libc::fcntl(read_fd, libc::F_DUPFD, 10);
                let high_write = libc::fcntl(write_fd, libc::F_DUPFD, 10);
                if high_read < 0
                    || high_write < 0
                    || libc::dup2(high_read, 3) < 0
                    || libc::dup2(high_write, 4) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", chromium.display()))?;
        drop((child_reads, child_writes));

        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(parent_reads);
            loop {
                let mut message = Vec::new();
                match reader.read_until(0, &mut message) {
                    Ok(0) => {
                        let _ = sender.send(Err("Chromium closed its DevTools pipe".to_owned()));
                        return;
                    }
                    Ok(_) => {
                        if message.last() == Some(&0) {
                            message.pop();
                        }
                        let parsed = serde_json::from_slice::<Value>(&message)
                            .map_err(|error| format!("unreadable DevTools message: {error}"));
                        if sender.send(parsed).is_err() {
                            return;
                        }
                    }
                    Err(error) => {
                        let _ = sender.send(Err(format!("cannot read the DevTools pipe: {error}")));
                        return;
                    }
                }
            }
        });
        Ok(Browser {
            child,
            to_browser: parent_writes,
            from_browser: receiver,
            pending_events: Vec::new(),
            next_id: 0,
            deadline: Instant::now() + CHROMIUM_GUARD,
            log,
        })
    }

    /// Opens `url` in a new tab, waits for the print layout's ready signal and prints.
    /// Returns the PDF and the page count the layout announced.
    fn print(mut self, url: &str) -> anyhow::Result<(Vec<u8>, u64)> {
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }))?;
        let target_id = target["targetId"]
            .as_str()
            .context("Target.createTarget returned no targetId")?
            .to_owned();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        )?;
        let session = attached["sessionId"]
            .as_str()
            .context("Target.attachToTarget returned no sessionId")?
            .to_owned();
        let session = Some(session.as_str());
        self.call(session, "Page.enable", json!({}))?;
        let navigated = self.call(session, "Page.navigate", json!({ "url": url }))?;
        if let Some(error) = navigated["errorText"].as_str() {
            bail!("Chromium could not open {url}: {error}");
        }
        self.wait_event(session, "Page.loadEventFired")?;
        let evaluated = self.call(
            session,
            "Runtime.evaluate",
            json!({ "expression": READY_SCRIPT, "awaitPromise": true, "returnByValue": true }),
        )?;
        if let Some(details) = evaluated.get("exceptionDetails") {
            let reason = details["exception"]["description"]
                .as_str()
                .or_else(|| details["text"].as_str())
                .unwrap_or("unknown error");
            bail!("the print layout did not render: {reason}");
        }
        let pages = evaluated["result"]["value"]
            .as_str()
            .and_then(|pages| pages.parse::<u64>().ok())
            .unwrap_or(0);
        let printed = self.call(
            session,
            "Page.printToPDF",
            json!({
                "printBackground": true,
                "preferCSSPageSize": true,
                "marginTop": 0, "marginBottom": 0, "marginLeft": 0, "marginRight": 0,
                "displayHeaderFooter": false,
            }),
        )?;
        let data = printed["data"]
            .as_str()
            .context("Page.printToPDF returned no data")?;
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(data)
            .context("Page.printToPDF returned data that is not base64")?;
        // A polite close; Drop kills the process if it lingers.
        let _ = self.call(None, "Browser.close", json!({}));
        let _ = self.child.wait();
        Ok((pdf, pages))
    }

    /// Sends a command and waits for its reply, keeping the events that arrive meanwhile.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> anyhow::Result<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message)?;
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .map_err(|error| self.failure(&format!("cannot send {method}: {error}")))?;
        loop {
            let message = self.receive(method)?;
            if message["id"].as_u64() == Some(id) {
                if let Some(error) = message.get("error") {
                    bail!("Chromium refused {method}: {error}");
                }
                return Ok(message["result"].clone());
            }
            if message.get("method").is_some() {
                self.pending_events.push(message);
            }
        }
    }

    /// Waits for the event `method` of `session`.
    fn wait_event(&mut self, session: Option<&str>, method: &str) -> anyhow::Result<Value> {
        let matches = |event: &Value| {
            event["method"].as_str() == Some(method) && event["sessionId"].as_str() == session
        };
        if let Some(index) = self.pending_events.iter().position(matches) {
            return Ok(self.pending_events.remove(index));
        }
        loop {
            let message = self.receive(method)?;
            if matches(&message) {
                return Ok(message);
            }
        }
    }

    fn receive(&mut self, waiting_for: &str) -> anyhow::Result<Value> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        match self.from_browser.recv_timeout(left) {
            Ok(Ok(message)) => Ok(message),
            Ok(Err(problem)) => {
                Err(self.failure(&format!("{problem} (waiting for {waiting_for})")))
            }
            Err(RecvTimeoutError::Timeout) => Err(self.failure(&format!(
                "Chromium did not answer within {} s (waiting for {waiting_for})",
                CHROMIUM_GUARD.as_secs()
            ))),
            Err(RecvTimeoutError::Disconnected) => {
                Err(self.failure(&format!("Chromium stopped (waiting for {waiting_for})")))
            }
        }
    }

    /// An error carrying the end of Chromium's own log, which usually says why.
    fn failure(&self, what: &str) -> anyhow::Error {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(8).collect();
        if tail.is_empty() {
            anyhow!("{what}")
        } else {
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            anyhow!("{what}; Chromium's last words:\n{}", tail.join("\n"))
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Resolves with the print layout's page count once it has set `data-print-ready` and
/// the fonts are loaded; rejects with the page's message if the deck failed to load.
/// A MutationObserver reacts to the attribute: nothing here waits on a clock.
const READY_SCRIPT: &str = r#"new Promise((resolve, reject) => {
  const check = () => {
    const failed = document.querySelector(".boot-failed");
    if (failed) { reject(new Error(failed.textContent)); return true; }
    const root = document.querySelector("[data-print-ready]");
    if (!root) return false;
    document.fonts.ready.then(() => resolve(root.getAttribute("data-print-pages") || "0"));
    return true;
  };
  if (!check()) {
    const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
    observer.observe(document.documentElement,
      { subtree: true, childList: true, attributes: true, attributeFilter: ["data-print-ready", "class"] });
  }
})"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_chromium_names_the_package() {
        let temp = tempfile::tempdir().expect("a folder");
        let empty = temp.path();
        let error = find_chromium(None, Some(empty.as_os_str().to_owned()))
            .expect_err("no chromium in an empty folder")
            .to_string();
        assert!(error.contains("Debian package `chromium`"), "{error}");
        let error = find_chromium(Some(&empty.join("chromium")), None)
            .expect_err("no such file")
            .to_string();
        assert!(error.contains("--chromium"), "{error}");
    }

    #[test]
    fn chromium_is_found_on_the_path() {
        let temp = tempfile::tempdir().expect("a folder");
        let dir = temp.path();
        std::fs::write(dir.join("chromium-browser"), b"").expect("a file");
        let found = find_chromium(None, Some(dir.as_os_str().to_owned())).expect("found");
        assert_eq!(found, dir.join("chromium-browser"));
    }
}
