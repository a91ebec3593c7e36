//! `raftdeck build --single-file talk.html`: the whole talk in one HTML file that works
//! offline, opened by double-click from `file://`.
//!
//! Everything a `file://` page could not fetch is inlined: the CSS in a `<style>`, the
//! favicon and every image the slides reference as `data:` URIs, the deck JSON as a
//! `data:` URL the app fetches like any other (fetching `data:` works from `file://`), the
//! wasm-bindgen glue in the module script itself, and the WebAssembly module as base64,
//! decoded and handed to the glue's init function as bytes — no request at all. The
//! widgets module's glue is imported from a `data:` URL when a slide needs it, its
//! WebAssembly decoded from base64 the same way.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use askama::Template;
use base64::Engine;
use deck::Deck;

use crate::bundle::Bundle;
use crate::pages::OutlineEntry;
use crate::serve::DeckRejected;

/// What `raftdeck build --single-file` needs.
pub struct SingleFileConfig {
    /// The folder holding `slides/`, `speaker-notes/` and `static/`.
    pub deck_dir: PathBuf,
    /// The frontend bundle built by `cargo xtask build`.
    pub dist_dir: PathBuf,
    /// The HTML file to write.
    pub out: PathBuf,
    /// Include the speaker notes (the presenter view of the file then shows them).
    pub with_notes: bool,
}

/// What a single-file build wrote.
#[derive(Debug)]
pub struct SingleFileReport {
    /// Slides in the deck.
    pub slides: usize,
    /// Images inlined.
    pub images: usize,
    /// Bytes of the HTML file.
    pub bytes: u64,
}

/// The single-file page.
#[derive(Template)]
#[template(path = "single.html")]
struct SinglePage<'a> {
    lang: &'a str,
    title: &'a str,
    description: &'a str,
    speaker: &'a str,
    favicon: String,
    css: String,
    deck_url: String,
    slides: Vec<OutlineEntry>,
    wasm_base64: String,
    glue: String,
    init_name: String,
    widgets_wasm_base64: String,
    widgets_glue_base64: String,
}

/// Writes the talk as one self-contained HTML file.
pub fn build_single_file(config: &SingleFileConfig) -> anyhow::Result<SingleFileReport> {
    let compiled = deck::compiler::compile_deck(&config.deck_dir).map_err(DeckRejected)?;
    let bundle = Bundle::load(&config.dist_dir)?;
    let static_dir = config.deck_dir.join("static");
    let mut published = if config.with_notes {
        compiled.clone()
    } else {
        compiled.without_notes()
    };
    let images = inline_slide_images(&mut published, &static_dir)?;
    let deck_json = serde_json::to_vec(&published).context("cannot serialize the deck")?;

    let mut css = String::new();
    for name in ["raftdeck.css", "widgets.css"] {
        let path = static_dir.join(name);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if text.to_ascii_lowercase().contains("</style") {
            bail!(
                "{}: contains `</style`, which cannot be inlined",
                path.display()
            );
        }
        css.push_str(&format!("/* {name} */\n{text}\n"));
    }
    let assets = config.dist_dir.join("assets");
    let glue_path = assets.join(&bundle.js);
    let glue = std::fs::read_to_string(&glue_path)
        .with_context(|| format!("cannot read {}", glue_path.display()))?;
    let (glue, init_name) = glue_without_exports(&glue)
        .with_context(|| format!("{}: unexpected wasm-bindgen glue", glue_path.display()))?;
    let wasm_path = assets.join(&bundle.wasm);
    let wasm = std::fs::read(&wasm_path)
        .with_context(|| format!("cannot read {}", wasm_path.display()))?;
    let [widgets_glue, widgets_wasm] = [&bundle.widgets_js, &bundle.widgets_wasm].map(|name| {
        let path = assets.join(name);
        std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
    });
    let standard = &base64::engine::general_purpose::STANDARD;
    // The bundled typeface, inline like everything else.
    let mut fonts = std::collections::BTreeMap::new();
    for font in &bundle.fonts {
        let path = assets.join(&font.file);
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        fonts.insert(font.file.clone(), standard.encode(bytes));
    }
    let css = format!(
        "{}\n{css}",
        bundle.font_faces(|file| format!(
            "data:font/woff2;base64,{}",
            fonts.get(file).map_or("", String::as_str)
        ))
    );

    let page = SinglePage {
        lang: &compiled.meta.lang,
        title: &compiled.meta.title,
        description: &compiled.meta.description,
        speaker: &compiled.meta.speaker,
        favicon: data_uri(&static_dir.join("favicon.svg"))?,
        css,
        deck_url: format!(
            "data:application/json;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&deck_json)
        ),
        slides: compiled
            .slides
            .iter()
            .map(|slide| OutlineEntry {
                title: slide.title.clone(),
            })
            .collect(),
        wasm_base64: standard.encode(&wasm),
        glue,
        init_name,
        widgets_wasm_base64: standard.encode(widgets_wasm?),
        widgets_glue_base64: standard.encode(widgets_glue?),
    }
    .render()
    .context("cannot render the single-file page")?;
    if let Some(parent) = config
        .out
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&config.out, page.as_bytes())
        .with_context(|| format!("cannot write {}", config.out.display()))?;
    Ok(SingleFileReport {
        slides: compiled.slides.len(),
        images,
        bytes: page.len() as u64,
    })
}

/// Replaces every `src="static/…"` in the slides' HTML by the file as a `data:` URI;
/// returns how many were replaced. The compiler already checked that each file exists.
fn inline_slide_images(deck: &mut Deck, static_dir: &Path) -> anyhow::Result<usize> {
    let mut count = 0;
    for slide in &mut deck.slides {
        let mut html = String::with_capacity(slide.html.len());
        let mut rest = slide.html.as_str();
        while let Some(start) = rest.find("src=\"static/") {
            let value_start = start + "src=\"".len();
            let Some(length) = rest[value_start..].find('"') else {
                break;
            };
            let reference = &rest[value_start..value_start + length];
            let relative = decode_attribute(reference.trim_start_matches("static/"));
            if relative.split('/').any(|part| part == "..") {
                bail!(
                    "{}:{}: image `{reference}` leaves static/",
                    slide.source.file,
                    slide.source.line
                );
            }
            let uri = data_uri(&static_dir.join(&relative)).with_context(|| {
                format!(
                    "{}:{}: image `{reference}`",
                    slide.source.file, slide.source.line
                )
            })?;
            html.push_str(&rest[..value_start]);
            html.push_str(&uri);
            rest = &rest[value_start + length..];
            count += 1;
        }
        html.push_str(rest);
        slide.html = html;
    }
    Ok(count)
}

/// The few entities pulldown-cmark writes in attribute values.
fn decode_attribute(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A file as a `data:` URI, its type from its extension.
fn data_uri(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mime = match extension.as_str() {
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        other => bail!(
            "{}: cannot inline a `.{other}` file as an image",
            path.display()
        ),
    };
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// The glue without its final `export { …, name as default }` statement (an inline
/// script cannot be imported, so the page calls `name` itself), and that name.
fn glue_without_exports(glue: &str) -> anyhow::Result<(String, String)> {
    let start = glue
        .rfind("export {")
        .context("no `export { … }` statement")?;
    let length = glue[start..]
        .find('}')
        .context("the `export {` statement is not closed")?;
    let list = &glue[start + "export {".len()..start + length];
    let init_name = list
        .split(',')
        .find_map(|item| item.trim().strip_suffix(" as default"))
        .map(str::trim)
        .filter(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        })
        .context("no default export (the init function)")?;
    let mut end = start + length + 1;
    if glue[end..].starts_with(';') {
        end += 1;
    }
    let body = format!("{}{}", &glue[..start], &glue[end..]);
    if body.contains("</script") {
        bail!("the glue contains `</script`, which cannot be inlined");
    }
    Ok((body, init_name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glue_loses_its_export_list_and_names_its_init() {
        let glue = "export function start() {}\nasync function __wbg_init(m) {}\n\nexport { initSync, __wbg_init as default };\n";
        let (body, name) = glue_without_exports(glue).expect("a glue");
        assert_eq!(name, "__wbg_init");
        assert!(body.contains("export function start"));
        assert!(!body.contains("export {"));
        assert!(glue_without_exports("function f() {}").is_err());
        assert!(glue_without_exports("export { a as default, b };</script>").is_err());
    }

    #[test]
    fn images_become_data_uris() {
        let temp = tempfile::tempdir().expect("a folder");
        let dir = temp.path();
        std::fs::create_dir_all(dir.join("diagrams")).expect("a folder");
        std::fs::write(dir.join("diagrams/a.svg"), "<svg/>").expect("a file");
        let mut deck: Deck = serde_json::from_value(serde_json::json!({
            "meta": { "title": "T", "speaker": "", "event": "", "description": "",
                      "planned_minutes": 1, "lang": "fr" },
            "slides": [{ "id": "s", "title": "T", "chapter": "c", "layout": "content",
                         "minutes": 1.0, "steps": 0,
                         "source": { "file": "slides/01.md", "line": 3 },
                         "html": "<p><img src=\"static/diagrams/a.svg\" alt=\"a\"> <img src=\"static/diagrams/a.svg\"></p>" }]
        }))
        .expect("a deck");
        assert_eq!(inline_slide_images(&mut deck, dir).expect("inlined"), 2);
        assert!(!deck.slides[0].html.contains("static/"));
        assert!(deck.slides[0]
            .html
            .contains("src=\"data:image/svg+xml;base64,PHN2Zy8+\" alt=\"a\""));
        deck.slides[0].html = "<img src=\"static/diagrams/missing.svg\">".into();
        let error = format!(
            "{:#}",
            inline_slide_images(&mut deck, dir).expect_err("missing")
        );
        assert!(error.starts_with("slides/01.md:3: image"), "{error}");
    }
}
