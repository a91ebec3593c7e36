//! `raftdeck serve`: compile the deck, bind, print the URLs (and the remote's QR code),
//! watch the deck files, serve until Ctrl-C.
//!
//! [`serve_on`] peeks at each connection's request line: `GET /api/sync` and
//! `GET /api/live` go to a [`FanOut`] each, everything else, unread, to axum. Followers
//! bypass hyper because a hyper connection costs two 8 KiB buffers and a task per
//! follower (366 MiB at 10,000 followers); a fan-out follower is a socket and at most one
//! unfinished frame.

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::app::{app, AppState};
use crate::bundle::Bundle;
use crate::sync::FanOut;

/// The request lines served by a fan-out instead of the HTTP stack, and which one.
const STREAM_REQUEST_LINES: [(&[u8], EventStream); 4] = [
    (b"GET /api/sync ", EventStream::Sync),
    (b"GET /api/sync?", EventStream::Sync),
    (b"GET /api/live ", EventStream::Live),
    (b"GET /api/live?", EventStream::Live),
];

/// The event streams served by a [`FanOut`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EventStream {
    /// `GET /api/sync`: the presenter's state.
    Sync,
    /// `GET /api/live`: the live-reload status.
    Live,
}

/// One fan-out per event stream.
struct FanOuts {
    sync: FanOut,
    live: FanOut,
}
/// How long a new connection may take to show its request line (then it goes to the
/// HTTP stack, which handles slow clients its own way).
const CLASSIFY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a follower may take to send its request head and take the response head.
const FOLLOWER_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);
/// The largest request head a follower may send.
const MAX_FOLLOWER_HEAD_BYTES: usize = 16 * 1024;

/// Everything `raftdeck serve` needs.
pub struct ServeConfig {
    /// Address to listen on (port 0 picks a free port).
    pub addr: SocketAddr,
    /// The folder holding `slides/`, `speaker-notes/` and `static/`.
    pub deck_dir: PathBuf,
    /// The frontend bundle folder.
    pub dist_dir: PathBuf,
    /// The presenter token; generated when absent.
    pub token: Option<String>,
    /// Start real etcd clusters for the `raft` widgets marked `live: true`.
    pub live_etcd: bool,
}

/// A deck that does not compile: the server refuses to start and shows every error.
#[derive(Debug)]
pub struct DeckRejected(pub deck::compiler::DeckErrors);

impl std::fmt::Display for DeckRejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the deck has errors:\n{}", self.0)
    }
}

impl std::error::Error for DeckRejected {}

/// Serves the talk until Ctrl-C or SIGTERM, then finishes open requests and returns.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let deck = deck::compiler::compile_deck(&config.deck_dir).map_err(DeckRejected)?;
    let bundle = Bundle::load(&config.dist_dir)?;
    let token = match config.token {
        Some(token) if !token.is_empty() => token,
        _ => crate::token::generate()?,
    };
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let local = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let title = deck.meta.title.clone();
    let slide_count = deck.slides.len();
    let state = AppState::new(
        deck,
        bundle,
        config.deck_dir,
        config.dist_dir,
        token.clone(),
    );
    // Kept alive until serving stops: dropping the watcher ends live reload.
    let _watcher = crate::live::watch(state.clone())?;
    let stage = if config.live_etcd {
        let stage = match realetcd::EtcdBinaries::locate(None) {
            Ok(binaries) => {
                crate::stage::Stage::start(&state.deck(), state.deck_dir(), &binaries).await
            }
            Err(missing) => crate::stage::Stage::off(missing.to_string()),
        };
        let stage = Arc::new(stage);
        state.set_stage(stage.clone());
        Some(stage)
    } else {
        None
    };
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "raftdeck: serving « {title} » ({slide_count} slides)")?;
        writeln!(out, "  Audience:  http://{local}/")?;
        writeln!(out, "  Follow:    http://{local}/?follow")?;
        writeln!(out, "  Presenter: http://{local}/?presenter&token={token}")?;
        let remote = crate::qr::remote_url(&format!("http://{local}/"), &token);
        writeln!(out, "  Remote:    {remote}")?;
        if local.ip().is_loopback() {
            writeln!(
                out,
                "  (a phone cannot reach {local}: serve with `--addr 0.0.0.0:{}` to use the remote)",
                local.port()
            )?;
        }
        match crate::qr::terminal(&remote) {
            Ok(code) => writeln!(out, "{code}")?,
            Err(error) => writeln!(out, "  (no QR code: {error:#})")?,
        }
        if let Some(stage) = &stage {
            let summary = stage.summary();
            if !summary.scenarios.is_empty() {
                writeln!(
                    out,
                    "  Live etcd: a real cluster for {}",
                    summary.scenarios.join(", ")
                )?;
            }
            if let Some(reason) = &summary.reason {
                writeln!(
                    out,
                    "  Live etcd unavailable ({reason}): those widgets stay simulated"
                )?;
            }
        }
        writeln!(
            out,
            "Watching slides/, speaker-notes/ and static/. Press Ctrl-C to stop."
        )?;
        out.flush()?;
    }
    let served = serve_on(listener, state, shutdown_signal()).await;
    if let Some(stage) = stage {
        stage.stop().await;
    }
    served?;
    say!("raftdeck: stopped");
    Ok(())
}

/// Serves `state` on `listener` until `shutdown` resolves, then ends every event stream
/// and finishes open requests.
///
/// `GET /api/sync` and `GET /api/live` requests (every audience browser opens both) are
/// recognised by their request line and served by a [`FanOut`]: their response head is
/// written here and their socket joins a shard. Every other connection goes to the axum
/// router, untouched (the bytes were only peeked at). The router still answers both
/// streams itself for any request this misses (an absolute-form target, a request line
/// split over packets for 10 s, a second request on a kept-alive connection).
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let local = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let shards = std::thread::available_parallelism().map_or(2, |cores| cores.get());
    let fan_out = Arc::new(FanOuts {
        sync: FanOut::start(&state.sync_hub().subscribe(), &state.stopping(), shards),
        // Live-reload changes are rare and small: one shard is plenty.
        live: FanOut::start(&state.live_subscribe(), &state.stopping(), 1),
    });
    let (to_http, connections) = mpsc::channel(1024);
    tokio::spawn(accept_loop(listener, state.clone(), fan_out, to_http));
    let stopping = state.clone();
    axum::serve(SplitListener { connections, local }, app(state))
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Followers never hang up on their own: end their streams so open requests
            // can finish.
            stopping.stop_streams();
        })
        .await
        .context("the server stopped with an error")
}

/// The connections that are not sync followers, as a listener for `axum::serve`.
struct SplitListener {
    connections: mpsc::Receiver<(TcpStream, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for SplitListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        match self.connections.recv().await {
            Some(connection) => connection,
            // The accept loop ended (the server is stopping): no more connections.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// Accepts connections until the server stops and routes each one.
async fn accept_loop(
    listener: TcpListener,
    state: AppState,
    fan_out: Arc<FanOuts>,
    to_http: mpsc::Sender<(TcpStream, SocketAddr)>,
) {
    let mut stopping = state.stopping();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopping.wait_for(|stopping| *stopping) => return,
        };
        let (stream, peer) = match accepted {
            Ok(connection) => connection,
            Err(error) => {
                // Out of file descriptors and the like: wait instead of spinning, as
                // axum's own accept loop does.
                eprintln!("raftdeck: accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (state, fan_out, to_http) = (state.clone(), Arc::clone(&fan_out), to_http.clone());
        tokio::spawn(async move {
            let event_stream = tokio::time::timeout(CLASSIFY_TIMEOUT, event_stream(&stream))
                .await
                .unwrap_or(Ok(None));
            match event_stream {
                Ok(Some(which)) => {
                    // A follower that cannot finish its handshake in time is dropped.
                    let _ = tokio::time::timeout(
                        FOLLOWER_HANDSHAKE_TIMEOUT,
                        start_follower(stream, &state, &fan_out, which),
                    )
                    .await;
                }
                Ok(None) => {
                    // The receiver is gone only when the server stops.
                    let _ = to_http.send((stream, peer)).await;
                }
                Err(_) => {}
            }
        });
    }
}

/// Which event stream the connection's first bytes ask for, if any; they are only peeked
/// at, so the HTTP stack can still read them.
async fn event_stream(stream: &TcpStream) -> std::io::Result<Option<EventStream>> {
    let mut buffer = [0u8; 16];
    loop {
        let read = stream.peek(&mut buffer).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let seen = &buffer[..read];
        if let Some((_, which)) = STREAM_REQUEST_LINES
            .iter()
            .find(|(line, _)| seen.starts_with(line))
        {
            return Ok(Some(*which));
        }
        let may_still_match = STREAM_REQUEST_LINES
            .iter()
            .any(|(line, _)| seen.len() < line.len() && line.starts_with(seen));
        if !may_still_match {
            return Ok(None);
        }
        // A request line split over packets: peek returns at once while those bytes are
        // there, so wait a little for the rest.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Reads a follower's request head, writes the event stream's head and current message,
/// and hands the socket to that stream's fan-out.
async fn start_follower(
    mut stream: TcpStream,
    state: &AppState,
    fan_outs: &FanOuts,
    which: EventStream,
) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        if head.len() > MAX_FOLLOWER_HEAD_BYTES {
            stream
                .write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await?;
            return Ok(());
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(());
        }
        head.extend_from_slice(&chunk[..read]);
    }
    let (frame, seq, fan_out) = match which {
        EventStream::Sync => {
            let published = state.sync_hub().latest();
            (published.bytes.clone(), published.seq, &fan_outs.sync)
        }
        EventStream::Live => {
            let live = state.live_status();
            (live.bytes.clone(), live.seq, &fan_outs.live)
        }
    };
    let mut response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\
         x-content-type-options: nosniff\r\nreferrer-policy: {}\r\ncontent-security-policy: {}\r\n\
         connection: close\r\n\r\n",
        crate::app::REFERRER_POLICY,
        crate::app::CSP,
    )
    .into_bytes();
    response.extend_from_slice(&frame);
    // Each frame is one small write that should leave at once, not wait for the ACK of
    // the previous one (Nagle's algorithm) when the presenter clicks twice in a row.
    stream.set_nodelay(true)?;
    stream.write_all(&response).await?;
    fan_out.add(stream.into_std()?, seq);
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed we simply never resolve this branch.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
