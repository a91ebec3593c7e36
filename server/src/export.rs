//! `raftdeck build`: the talk as a static site that needs no raftdeck server.
//!
//! Layout of the output folder:
//! - `index.html` (askama, like the served shell) and `404.html`;
//! - `deck.json` — the compiled deck, without speaker notes unless `--with-notes`;
//! - `assets/` — the content-hashed bundle (cache forever);
//! - `static/` — CSS, diagrams, favicon.
//!
//! Every URL is relative (`./…`), so the folder works under any subpath of any static
//! host and, where the browser allows modules from `file://`, opened from disk. Presenter
//! and audience windows sync through BroadcastChannel (`data-sync="static"`).
//!
//! The build only ever clears an output folder that carries its marker file, so a
//! mistyped `--out` cannot wipe an unrelated folder.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use askama::Template;

use crate::bundle::Bundle;
use crate::pages::IndexPage;
use crate::serve::DeckRejected;

/// A file left in every output folder, so a rebuild may clear it without ever clearing a
/// folder raftdeck did not write.
const MARKER: &str = ".raftdeck-build";

/// What `raftdeck build` needs.
pub struct BuildConfig {
    /// The folder holding `slides/`, `speaker-notes/` and `static/`.
    pub deck_dir: PathBuf,
    /// The frontend bundle built by `cargo xtask build`.
    pub dist_dir: PathBuf,
    /// Where to write the site.
    pub out_dir: PathBuf,
    /// The public path the site is served under (`/talk/`), for absolute links in link
    /// previews; page URLs stay relative.
    pub base: String,
    /// Include the speaker notes (for a presenter using the static site).
    pub with_notes: bool,
}

/// What a build wrote.
#[derive(Debug)]
pub struct BuildReport {
    /// Slides in the deck.
    pub slides: usize,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// Writes the static site.
pub fn build_site(config: &BuildConfig) -> anyhow::Result<BuildReport> {
    let deck = deck::compiler::compile_deck(&config.deck_dir).map_err(DeckRejected)?;
    let bundle = Bundle::load(&config.dist_dir)?;
    let base = normalize_base(&config.base)?;
    prepare_out_dir(&config.out_dir)?;
    let mut report = BuildReport {
        slides: deck.slides.len(),
        files: 0,
        bytes: 0,
    };
    let published = if config.with_notes {
        deck.clone()
    } else {
        deck.without_notes()
    };
    let deck_json = serde_json::to_string(&published).context("cannot serialize the deck")?;
    write(
        &config.out_dir.join("deck.json"),
        deck_json.as_bytes(),
        &mut report,
    )?;

    let index = IndexPage::new(&deck, &bundle, "./", "deck.json", "static")
        .render()
        .context("cannot render index.html")?;
    write(
        &config.out_dir.join("index.html"),
        index.as_bytes(),
        &mut report,
    )?;
    let not_found = not_found_page(&deck.meta.title, &base);
    write(
        &config.out_dir.join("404.html"),
        not_found.as_bytes(),
        &mut report,
    )?;

    for name in bundle.files() {
        let bytes = std::fs::read(config.dist_dir.join("assets").join(name))
            .with_context(|| format!("cannot read bundle file {name}"))?;
        write(
            &config.out_dir.join("assets").join(name),
            &bytes,
            &mut report,
        )?;
    }
    copy_tree(
        &config.deck_dir.join("static"),
        &config.out_dir.join("static"),
        &mut report,
    )?;
    write(
        &config.out_dir.join(MARKER),
        b"written by raftdeck build\n",
        &mut report,
    )?;
    Ok(report)
}

/// `/talk` → `/talk/`; must be an absolute path.
fn normalize_base(base: &str) -> anyhow::Result<String> {
    if !base.starts_with('/') || base.contains("..") || base.contains(['"', '<', '>', ' ']) {
        bail!("--base must be an absolute URL path such as /talk/, not `{base}`");
    }
    Ok(if base.ends_with('/') {
        base.to_owned()
    } else {
        format!("{base}/")
    })
}

/// Creates the output folder, or clears one that a previous build wrote. Refuses to
/// touch a non-empty folder without the marker.
fn prepare_out_dir(out_dir: &Path) -> anyhow::Result<()> {
    if out_dir.exists() {
        let empty = std::fs::read_dir(out_dir)
            .with_context(|| format!("cannot read {}", out_dir.display()))?
            .next()
            .is_none();
        if !empty && !out_dir.join(MARKER).is_file() {
            bail!(
                "{} is not empty and was not written by raftdeck build: choose another --out",
                out_dir.display()
            );
        }
        if !empty {
            std::fs::remove_dir_all(out_dir)
                .with_context(|| format!("cannot clear {}", out_dir.display()))?;
        }
    }
    std::fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))
}

fn write(path: &Path, bytes: &[u8], report: &mut BuildReport) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    report.files += 1;
    report.bytes += bytes.len() as u64;
    Ok(())
}

fn copy_tree(from: &Path, to: &Path, report: &mut BuildReport) -> anyhow::Result<()> {
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let file_type = entry.file_type()?;
        let target = to.join(entry.file_name());
        if file_type.is_dir() {
            copy_tree(&entry.path(), &target, report)?;
        } else if file_type.is_file() {
            let bytes = std::fs::read(entry.path())
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            write(&target, &bytes, report)?;
        }
        // Symbolic links are skipped: a published site must not reach outside static/.
    }
    Ok(())
}

/// A small page for unknown paths, linking back to the talk (French: the audience sees it).
fn not_found_page(title: &str, base: &str) -> String {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Page introuvable — {title}</title>\n<link rel=\"stylesheet\" href=\"{base}static/raftdeck.css\">\n</head>\n<body>\n<div class=\"boot\" role=\"main\"><p class=\"boot-title\">Cette page n’existe pas.</p><p class=\"boot-message\"><a href=\"{base}\" style=\"color:#bfdbfe\">Retour à la présentation « {title} »</a></p></div>\n</body>\n</html>\n",
        title = escape(title),
        base = escape(base),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_normalized_and_checked() {
        assert_eq!(normalize_base("/talk").unwrap(), "/talk/");
        assert_eq!(normalize_base("/").unwrap(), "/");
        assert!(normalize_base("talk/").is_err());
        assert!(normalize_base("/a/../b").is_err());
        assert!(normalize_base("/a\"b").is_err());
    }

    #[test]
    fn the_404_page_escapes_the_title() {
        let page = not_found_page("A <b> & \"c\"", "/talk/");
        assert!(page.contains("A &lt;b&gt; &amp; &quot;c&quot;"));
        assert!(page.contains("href=\"/talk/\""));
    }
}
