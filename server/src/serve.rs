//! `raftdeck serve`: compile the deck, bind, print the URLs (and the remote's QR code),
//! watch the deck files, serve until Ctrl-C.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

use crate::app::{app, AppState};
use crate::bundle::Bundle;

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
        writeln!(
            out,
            "Watching slides/, speaker-notes/ and static/. Press Ctrl-C to stop."
        )?;
        out.flush()?;
    }
    let stopping = state.clone();
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            // Followers never hang up on their own: end their streams so open requests
            // can finish.
            stopping.stop_streams();
        })
        .await
        .context("the server stopped with an error")?;
    println!("raftdeck: stopped");
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
