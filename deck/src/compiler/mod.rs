//! The deck compiler: `slides/deck.toml` + `slides/NN-*.md` → [`Deck`].
//!
//! Authoring format (documented for speakers in README.md):
//! - one Markdown file per chapter, named `NN-name.md`, slides separated by a line `---`;
//! - an optional attribute comment opening a slide: `<!-- id: quorum; minutes: 1.5;
//!   layout: two-columns; class: dense -->`;
//! - `<!-- step -->` before a block reveals it on the next click; `<!-- steps -->` before a
//!   list reveals its items one click at a time; `<!-- column -->` splits a two-column slide;
//! - images are paths under `static/`, checked to exist;
//! - speaker notes (`speaker-notes/*.md`) are compiled by [`crate::notes`].
//!
//! Every problem is collected (not just the first) as a [`DeckError`] naming the file and
//! line, so one `raftdeck check` run shows everything to fix.

use std::fmt;
use std::path::Path;

use pulldown_cmark::{CowStr, Options, Parser, Tag};
use serde::Deserialize;

mod slide;
mod widget;

use crate::params::{comment_params, Param};
use crate::{Deck, DeckMeta, Layout, Slide};
use slide::compile_slide;
use widget::{parse_widget, widget_kind};

/// One problem in the deck sources, located by file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct DeckError {
    /// Path relative to the deck folder.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// What is wrong, and what was expected.
    pub message: String,
}

/// Every problem found while compiling a deck; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeckErrors(pub Vec<DeckError>);

impl fmt::Display for DeckErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, error) in self.0.iter().enumerate() {
            if position > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DeckErrors {}

/// The deck metadata file, relative to the deck folder.
pub const META_FILE: &str = "slides/deck.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetaFile {
    title: String,
    speaker: String,
    event: String,
    description: String,
    planned_minutes: u32,
    #[serde(default = "default_lang")]
    lang: String,
    /// The speaker's rate, for the timing estimate.
    #[serde(default = "default_words_per_minute")]
    words_per_minute: u32,
    /// The slide the talk ends on; the slides after it are appendices.
    #[serde(default)]
    end_slide: Option<String>,
}

fn default_words_per_minute() -> u32 {
    crate::timing::DEFAULT_WORDS_PER_MINUTE
}

fn default_lang() -> String {
    "fr".to_owned()
}

/// Compiles the deck in `deck_dir` (the folder holding `slides/` and `static/`).
pub fn compile_deck(deck_dir: &Path) -> Result<Deck, DeckErrors> {
    let mut errors = Vec::new();
    let (meta, words_per_minute) = match read_meta(deck_dir, &mut errors) {
        Some((meta, rate)) => (Some(meta), rate),
        None => (None, crate::timing::DEFAULT_WORDS_PER_MINUTE),
    };
    let mut slides = Vec::new();
    let slides_dir = deck_dir.join("slides");
    match chapter_files(&slides_dir) {
        Ok(files) if files.is_empty() => errors.push(DeckError {
            file: "slides".to_owned(),
            line: 1,
            message: "no chapter files (expected slides/NN-name.md)".to_owned(),
        }),
        Ok(files) => {
            for file_name in files {
                let relative = format!("slides/{file_name}");
                match std::fs::read_to_string(slides_dir.join(&file_name)) {
                    Ok(text) => {
                        let chapter = file_name.trim_end_matches(".md");
                        let context = ChapterContext {
                            file: &relative,
                            chapter,
                            static_dir: &deck_dir.join("static"),
                            scenarios_dir: &slides_dir.join("scenarios"),
                        };
                        slides.extend(compile_chapter(&context, &text, &mut errors));
                    }
                    Err(error) => errors.push(DeckError {
                        file: relative,
                        line: 1,
                        message: format!("cannot read file: {error}"),
                    }),
                }
            }
        }
        Err(error) => errors.push(DeckError {
            file: "slides".to_owned(),
            line: 1,
            message: format!("cannot list the slides folder: {error}"),
        }),
    }
    check_unique_ids(&slides, &mut errors);
    check_coverage(deck_dir, &slides, &mut errors);
    if let Some(meta) = &meta {
        check_end_slide(deck_dir, meta, &slides, &mut errors);
    }
    let (notes, spoken_words) =
        crate::notes::compile_notes_and_words(deck_dir, &slides, &mut errors);
    for slide in &mut slides {
        let words = spoken_words.get(&slide.id).copied().unwrap_or(0);
        slide.estimated_seconds =
            crate::timing::slide_seconds(words, words_per_minute, &slide.widgets);
    }
    match meta {
        Some(meta) if errors.is_empty() => Ok(Deck {
            meta,
            slides,
            notes,
        }),
        _ => Err(DeckErrors(errors)),
    }
}

/// The deck metadata and the speaking rate (words per minute).
fn read_meta(deck_dir: &Path, errors: &mut Vec<DeckError>) -> Option<(DeckMeta, u32)> {
    let text = match std::fs::read_to_string(deck_dir.join(META_FILE)) {
        Ok(text) => text,
        Err(error) => {
            errors.push(DeckError {
                file: META_FILE.to_owned(),
                line: 1,
                message: format!("cannot read the deck metadata: {error}"),
            });
            return None;
        }
    };
    match toml::from_str::<MetaFile>(&text) {
        Ok(meta) if meta.words_per_minute == 0 => {
            errors.push(DeckError {
                file: META_FILE.to_owned(),
                line: text
                    .lines()
                    .position(|line| line.trim_start().starts_with("words_per_minute"))
                    .and_then(|index| u32::try_from(index + 1).ok())
                    .unwrap_or(1),
                message: "`words_per_minute` must be more than 0".to_owned(),
            });
            None
        }
        Ok(meta) => Some((
            DeckMeta {
                title: meta.title,
                speaker: meta.speaker,
                event: meta.event,
                description: meta.description,
                planned_minutes: meta.planned_minutes,
                lang: meta.lang,
                end_slide: meta.end_slide,
            },
            meta.words_per_minute,
        )),
        Err(error) => {
            let line = error
                .span()
                .map(|span| line_of_offset(&text, span.start))
                .unwrap_or(1);
            errors.push(DeckError {
                file: META_FILE.to_owned(),
                line,
                message: error.message().trim().to_owned(),
            });
            None
        }
    }
}

/// `end_slide` in `deck.toml` must name a slide.
fn check_end_slide(
    deck_dir: &Path,
    meta: &DeckMeta,
    slides: &[Slide],
    errors: &mut Vec<DeckError>,
) {
    let Some(end) = &meta.end_slide else {
        return;
    };
    if slides.iter().any(|slide| &slide.id == end) {
        return;
    }
    let text = std::fs::read_to_string(deck_dir.join(META_FILE)).unwrap_or_default();
    errors.push(DeckError {
        file: META_FILE.to_owned(),
        line: text
            .lines()
            .position(|line| line.trim_start().starts_with("end_slide"))
            .and_then(|index| u32::try_from(index + 1).ok())
            .unwrap_or(1),
        message: format!("`end_slide` names no slide: there is no slide `{end}`"),
    });
}

/// Chapter files: `slides/*.md` whose name starts with a digit, in name order.
fn chapter_files(slides_dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(slides_dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && name.starts_with(|c: char| c.is_ascii_digit()) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn line_of_offset(text: &str, offset: usize) -> u32 {
    let offset = offset.min(text.len());
    let newlines = text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// What a chapter's slides need to know about where they come from.
struct ChapterContext<'a> {
    file: &'a str,
    chapter: &'a str,
    static_dir: &'a Path,
    scenarios_dir: &'a Path,
}

impl ChapterContext<'_> {
    fn error(&self, line: u32, message: impl Into<String>) -> DeckError {
        DeckError {
            file: self.file.to_owned(),
            line,
            message: message.into(),
        }
    }
}

/// A slide's source text and the line it starts on.
struct SlideSource<'a> {
    text: &'a str,
    first_line: u32,
}

/// Splits a chapter on `---` lines outside fenced code blocks.
fn split_slides(text: &str) -> Vec<SlideSource<'_>> {
    let mut slides = Vec::new();
    let mut fence: Option<&str> = None;
    let mut start_offset = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let trimmed = line.trim();
        match fence {
            Some(marker) if trimmed.starts_with(marker) => fence = None,
            Some(_) => {}
            None if trimmed.starts_with("```") => fence = Some("```"),
            None if trimmed.starts_with("~~~") => fence = Some("~~~"),
            None if trimmed == "---" => {
                slides.push(SlideSource {
                    text: &text[start_offset..offset],
                    first_line: start_line,
                });
                start_offset = offset + line.len();
                start_line = line_number + 1;
            }
            None => {}
        }
        offset += line.len();
    }
    slides.push(SlideSource {
        text: &text[start_offset..],
        first_line: start_line,
    });
    slides
}

fn compile_chapter(
    context: &ChapterContext<'_>,
    text: &str,
    errors: &mut Vec<DeckError>,
) -> Vec<Slide> {
    split_slides(text)
        .into_iter()
        .filter(|source| !source.text.trim().is_empty())
        .filter_map(|source| compile_slide(context, &source, errors))
        .collect()
}

/// Slide attributes from the opening comment.
#[derive(Default)]
struct Attributes {
    id: Option<String>,
    minutes: Option<f32>,
    layout: Layout,
    class: Option<String>,
}

/// Parses an opening `<!-- key: value; … -->` comment. Returns the attributes and the
/// Markdown that follows the comment, with the number of lines the comment took.
fn parse_attributes<'a>(
    context: &ChapterContext<'_>,
    source: &SlideSource<'a>,
    errors: &mut Vec<DeckError>,
) -> (Attributes, &'a str, u32) {
    let leading_blank = source.text.len() - source.text.trim_start().len();
    let body = &source.text[leading_blank..];
    let comment_line = source.first_line
        + u32::try_from(source.text[..leading_blank].matches('\n').count()).unwrap_or(0);
    let mut attributes = Attributes::default();
    if !body.starts_with("<!--") || is_marker(body.lines().next().unwrap_or("")) {
        return (attributes, source.text, 0);
    }
    // Searched after `<!--`: in `<!-->` the `-->` overlaps the opening.
    let Some(end) = body[4..].find("-->").map(|end| end + 4) else {
        errors.push(context.error(
            comment_line,
            "unterminated attribute comment (missing `-->`)",
        ));
        return (attributes, "", 0);
    };
    let inner = &body[4..end];
    for param in comment_params(inner, comment_line) {
        let (key, value) = match param {
            Param::Pair { key, value, .. } => (key, value),
            Param::Malformed { text, .. } => {
                errors.push(context.error(
                    comment_line,
                    format!("slide attribute `{text}` is not `key: value`"),
                ));
                continue;
            }
        };
        match key {
            "id" => {
                if is_valid_id(value) {
                    attributes.id = Some(value.to_owned());
                } else {
                    errors.push(context.error(
                        comment_line,
                        format!("slide id `{value}` must be lowercase letters, digits and `-`"),
                    ));
                }
            }
            "minutes" => match value.parse::<f32>() {
                Ok(minutes) if minutes.is_finite() && (0.0..=60.0).contains(&minutes) => {
                    attributes.minutes = Some(minutes);
                }
                _ => errors.push(context.error(
                    comment_line,
                    format!("slide attribute `minutes` must be a number of minutes (0 to 60), not `{value}`"),
                )),
            },
            "layout" => match Layout::ALL.iter().find(|(name, _)| *name == value) {
                Some((_, layout)) => attributes.layout = *layout,
                None => errors.push(context.error(
                    comment_line,
                    format!(
                        "unknown layout `{value}` (expected one of: {})",
                        Layout::ALL.map(|(name, _)| name).join(", ")
                    ),
                )),
            },
            "class" => {
                if value
                    .split_whitespace()
                    .all(|class| class.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                {
                    attributes.class = Some(value.to_owned());
                } else {
                    errors.push(context.error(
                        comment_line,
                        format!("slide class `{value}` may hold only letters, digits, `-` and `_`"),
                    ));
                }
            }
            other => errors.push(context.error(
                comment_line,
                format!("unknown slide attribute `{other}` (expected id, minutes, layout, class)"),
            )),
        }
    }
    let after = &body[end + 3..];
    let consumed_lines =
        u32::try_from(source.text[..leading_blank + end + 3].matches('\n').count()).unwrap_or(0);
    (attributes, after, consumed_lines)
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Turns a heading into an id: lowercase ASCII, accents dropped, words joined by `-`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            other => other,
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

const STEP_MARKER: &str = "<!-- step -->";
const STEPS_MARKER: &str = "<!-- steps -->";
const COLUMN_MARKER: &str = "<!-- column -->";

fn is_marker(line: &str) -> bool {
    matches!(line.trim(), STEP_MARKER | STEPS_MARKER | COLUMN_MARKER)
}

/// Renders free Markdown (speaker notes) to HTML, with the slides' options.
pub fn render_markdown(text: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut html = String::new();
    let events = crate::typography::events(Parser::new_ext(text, options).collect());
    let events = crate::highlight::code_blocks(events);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// Local images live under `static/`; remote ones are refused (the talk must work offline).
fn check_image(context: &ChapterContext<'_>, url: &str, line: u32, errors: &mut Vec<DeckError>) {
    if url.contains("://") || url.starts_with("//") {
        errors.push(context.error(
            line,
            format!("image `{url}` is remote: put it in static/ so the talk works offline"),
        ));
        return;
    }
    let relative = url.trim_start_matches("static/");
    let safe = !relative
        .split('/')
        .any(|part| part == ".." || part.is_empty());
    if !safe || !context.static_dir.join(relative).is_file() {
        errors.push(context.error(line, format!("image `{url}` not found in static/")));
    }
}

fn rewrite_image(tag: Tag<'_>) -> Tag<'_> {
    match tag {
        Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        } if !dest_url.starts_with("static/") => Tag::Image {
            link_type,
            dest_url: CowStr::from(format!("static/{dest_url}")),
            title,
            id,
        },
        other => other,
    }
}

fn check_unique_ids(slides: &[Slide], errors: &mut Vec<DeckError>) {
    for (index, slide) in slides.iter().enumerate() {
        if let Some(first) = slides[..index]
            .iter()
            .find(|earlier| earlier.id == slide.id)
        {
            errors.push(DeckError {
                file: slide.source.file.clone(),
                line: slide.source.line,
                message: format!(
                    "duplicate slide id `{}` (first used at {}:{})",
                    slide.id, first.source.file, first.source.line
                ),
            });
        }
    }
}

/// The coverage map, relative to the deck folder: which slide covers each point of the
/// speaker's outline.
pub const COVERAGE_FILE: &str = "slides/COVERAGE.md";

/// Every slide id named in the coverage map (the last cell of each table row, in
/// backticks) must exist, so the map cannot silently rot when slides are renamed.
fn check_coverage(deck_dir: &Path, slides: &[Slide], errors: &mut Vec<DeckError>) {
    let Ok(text) = std::fs::read_to_string(deck_dir.join(COVERAGE_FILE)) else {
        return;
    };
    for (index, line) in text.lines().enumerate() {
        let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let Some(last_cell) = coverage_last_cell(line) else {
            continue;
        };
        for id in last_cell.split('`').skip(1).step_by(2) {
            if is_valid_id(id) && !slides.iter().any(|slide| slide.id == id) {
                errors.push(DeckError {
                    file: COVERAGE_FILE.to_owned(),
                    line: line_number,
                    message: format!("the coverage map names slide `{id}`, which does not exist"),
                });
            }
        }
    }
}

/// The last cell of a Markdown table row, if `line` is one.
fn coverage_last_cell(line: &str) -> Option<&str> {
    let row = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    row.rsplit('|').next()
}

/// Compiles one chapter's text on its own (for tests and fuzzing): the slides, or every
/// error found. Images are looked up under `static_dir`, scenarios under
/// `static_dir/../slides/scenarios` (the deck layout).
pub fn compile_chapter_text(
    file: &str,
    text: &str,
    static_dir: &Path,
) -> Result<Vec<Slide>, DeckErrors> {
    let chapter = Path::new(file)
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let scenarios_dir = static_dir.join("../slides/scenarios");
    let context = ChapterContext {
        file,
        chapter: &chapter,
        static_dir,
        scenarios_dir: &scenarios_dir,
    };
    let mut errors = Vec::new();
    let slides = compile_chapter(&context, text, &mut errors);
    check_unique_ids(&slides, &mut errors);
    if errors.is_empty() {
        Ok(slides)
    } else {
        Err(DeckErrors(errors))
    }
}

#[cfg(test)]
mod tests;
