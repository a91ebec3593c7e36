//! The frontend bundle: what `cargo xtask build` writes and the server serves.
//!
//! The bundle folder holds `manifest.json` and `assets/` with content-hashed file names,
//! so browsers may cache them forever; the manifest says which names are current.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

/// The manifest's file name inside the bundle folder.
pub const MANIFEST: &str = "manifest.json";

/// Names of the current bundle files, relative to the bundle's `assets/` folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// The wasm-bindgen JS glue (an ES module).
    pub js: String,
    /// The app's WebAssembly module.
    pub wasm: String,
    /// The widgets module's JS glue, imported by the page's loader when a slide needs it.
    pub widgets_js: String,
    /// The widgets module's WebAssembly (the simulations and their widgets).
    pub widgets_wasm: String,
    /// The talk's typeface, cut to the characters it uses (WOFF2); none when the build
    /// could not get it (the talk then shows in the system's fonts).
    #[serde(default)]
    pub fonts: Vec<FontFile>,
}

/// One face of the talk's typeface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FontFile {
    /// The WOFF2 file in `assets/`.
    pub file: String,
    /// The CSS `font-weight` (a range, `100 500`) it serves.
    pub weight: String,
}

/// The family name the page gives the bundled typeface (first in `--font`, see
/// `static/raftdeck.css`).
pub const FONT_FAMILY: &str = "Raftdeck Sans";

impl Bundle {
    /// Every file of the bundle, relative to `assets/`.
    pub fn files(&self) -> Vec<&String> {
        let mut files = vec![&self.js, &self.wasm, &self.widgets_js, &self.widgets_wasm];
        files.extend(self.fonts.iter().map(|font| &font.file));
        files
    }

    /// The `@font-face` rules for the bundled typeface, its files under `prefix` (a URL
    /// path ending in `/`, or a function giving each file's URL).
    pub fn font_faces(&self, url: impl Fn(&str) -> String) -> String {
        self.fonts
            .iter()
            .filter(|font| font.weight.chars().all(|c| c.is_ascii_digit() || c == ' '))
            .map(|font| {
                format!(
                    "@font-face{{font-family:\"{FONT_FAMILY}\";src:url(\"{}\") format(\"woff2\");font-weight:{};font-style:normal;font-display:swap}}",
                    url(&font.file),
                    font.weight
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Reads the manifest of the bundle in `dist_dir`, checking that its files exist.
    pub fn load(dist_dir: &Path) -> anyhow::Result<Bundle> {
        let manifest_path = dist_dir.join(MANIFEST);
        let text = std::fs::read_to_string(&manifest_path).with_context(|| {
            format!(
                "the frontend bundle is missing ({}): build it with `cargo xtask build`",
                manifest_path.display()
            )
        })?;
        let bundle: Bundle = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a bundle manifest", manifest_path.display()))?;
        for name in bundle.files() {
            if name.contains('/') || name.contains('\\') || name.starts_with('.') {
                bail!("{}: bad file name `{name}`", manifest_path.display());
            }
            let path = dist_dir.join("assets").join(name);
            if !path.is_file() {
                bail!(
                    "{}: lists `{name}` but {} does not exist: rebuild with `cargo xtask build`",
                    manifest_path.display(),
                    path.display()
                );
            }
        }
        Ok(bundle)
    }
}

/// Where the bundle is when no `--dist` is given: `$RAFTDECK_DIST`, else `dist/` next to
/// the cargo profile folder holding this binary (`target/dist` for `target/release/raftdeck`),
/// which is where `cargo xtask build` puts it.
pub fn default_dist_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RAFTDECK_DIST") {
        return PathBuf::from(dir);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.parent()
                .and_then(Path::parent)
                .map(|target| target.join("dist"))
        })
        .unwrap_or_else(|| PathBuf::from("target/dist"))
}
