//! Live reload: watch `slides/`, `speaker-notes/` and `static/`, recompile after a burst
//! of changes settles, and tell the open browsers.
//!
//! A good edit replaces the served deck whole (browsers refetch it and stay on their
//! slide and step); a broken one keeps the last good deck and publishes the errors, which
//! browsers show over it until a later edit fixes them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::app::AppState;

/// How long the files must stay quiet before recompiling: editors write a file in several
/// steps (truncate, write, rename), and a half-written file must not be compiled.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// The folders watched, relative to the deck folder.
pub const WATCHED: [&str; 3] = ["slides", "speaker-notes", "static"];

/// Starts watching the deck folder of `state`. The returned watcher stops when dropped,
/// so the caller keeps it for as long as it serves.
pub fn watch(state: AppState) -> anyhow::Result<notify::RecommendedWatcher> {
    let (sender, receiver) = mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if !matches!(event.kind, notify::EventKind::Access(_)) {
                for path in event.paths {
                    // The receiver only goes away when serving stops.
                    let _ = sender.send(path);
                }
            }
        }
    })
    .context("cannot start watching the deck files")?;
    for folder in WATCHED {
        let path = state.deck_dir().join(folder);
        if path.is_dir() {
            watcher
                .watch(&path, RecursiveMode::Recursive)
                .with_context(|| format!("cannot watch {}", path.display()))?;
        }
    }
    tokio::spawn(recompile_on_change(state, receiver));
    Ok(watcher)
}

async fn recompile_on_change(state: AppState, mut changes: mpsc::UnboundedReceiver<PathBuf>) {
    while let Some(first) = changes.recv().await {
        let mut paths = vec![first];
        // Wait for the burst to settle.
        loop {
            match tokio::time::timeout(DEBOUNCE, changes.recv()).await {
                Ok(Some(path)) => paths.push(path),
                Ok(None) => return,
                Err(_elapsed) => break,
            }
        }
        if paths.iter().all(|path| is_editor_noise(path)) {
            continue;
        }
        let deck_dir = state.deck_dir().to_path_buf();
        let compiled =
            tokio::task::spawn_blocking(move || deck::compiler::compile_deck(&deck_dir)).await;
        match compiled {
            Ok(Ok(deck)) => {
                say!("raftdeck: reloaded ({} slides)", deck.slides.len());
                state.replace_deck(deck);
            }
            Ok(Err(errors)) => {
                eprintln!(
                    "raftdeck: the edit broke the deck; still serving the last good one:\n{errors}"
                );
                state.report_errors(errors.0.iter().map(ToString::to_string).collect());
            }
            Err(error) => eprintln!("raftdeck: recompiling failed: {error}"),
        }
    }
}

/// Editors' swap and backup files (`.x.swp`, `x~`, `#x#`) do not change the deck.
fn is_editor_noise(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy())
        .unwrap_or_default();
    name.starts_with('.') || name.ends_with('~') || name.starts_with('#') || name.ends_with(".swp")
}
