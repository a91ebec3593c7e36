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

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

use crate::params::{block_params, comment_params, Param};
use crate::{Deck, DeckMeta, Layout, Slide, SourceRef, WidgetKind, WidgetSpec};

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

/// What a marker comment asks of the blocks after it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    /// Reveal the next top-level block as one step.
    Block,
    /// Reveal each item of the next list as its own step.
    ListItems,
}

fn compile_slide(
    context: &ChapterContext<'_>,
    source: &SlideSource<'_>,
    errors: &mut Vec<DeckError>,
) -> Option<Slide> {
    let errors_before = errors.len();
    let (attributes, markdown, attribute_lines) = parse_attributes(context, source, errors);
    let markdown_first_line = source.first_line + attribute_lines;
    let line_at = |offset: usize| markdown_first_line + line_of_offset(markdown, offset) - 1;

    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let parser = Parser::new_ext(markdown, options).into_offset_iter();

    let mut events: Vec<Event<'_>> = Vec::new();
    let mut title: Option<String> = None;
    let mut in_first_heading = false;
    let mut heading_text = String::new();
    let mut pending = Pending::None;
    let mut steps: u32 = 0;
    let mut depth: u32 = 0;
    // Depth and kind of the block currently wrapped as a fragment, if any.
    let mut wrapped_block_depth: Option<u32> = None;
    let mut list_items_depth: Option<u32> = None;
    let mut column_open = false;
    let mut html_block = String::new();
    let mut in_html_block = false;
    let mut widgets: Vec<WidgetSpec> = Vec::new();
    // A widget's fenced block being read: its kind, fence line and body.
    let mut widget_block: Option<(WidgetKind, u32, String)> = None;
    // A computed table's fenced block being read (```table): its fence line and body.
    let mut table_block: Option<(u32, String)> = None;

    for (event, range) in parser {
        if let Some((_, body)) = table_block.as_mut() {
            match event {
                Event::Text(text) => body.push_str(&text),
                Event::End(TagEnd::CodeBlock) => {
                    depth = depth.saturating_sub(1);
                    if let Some((line, body)) = table_block.take() {
                        match crate::tables::render_table(line, &body) {
                            Ok(html) => events.push(Event::Html(CowStr::from(html))),
                            Err(problems) => errors.extend(
                                problems
                                    .into_iter()
                                    .map(|problem| context.error(problem.line, problem.message)),
                            ),
                        }
                    }
                    if wrapped_block_depth == Some(depth) {
                        events.push(Event::Html(CowStr::from("</div>")));
                        wrapped_block_depth = None;
                    }
                }
                _ => {}
            }
            continue;
        }
        if let Some((_, _, body)) = widget_block.as_mut() {
            match event {
                Event::Text(text) => {
                    body.push_str(&text);
                    continue;
                }
                Event::End(TagEnd::CodeBlock) => {
                    depth = depth.saturating_sub(1);
                    if let Some((kind, line, body)) = widget_block.take() {
                        let widget = parse_widget(context, kind, line, &body, steps + 1, errors);
                        if let Some(widget) = widget {
                            steps += u32::try_from(widget.checkpoints.len()).unwrap_or(0);
                            events.push(Event::Html(CowStr::from(format!(
                                "<div class=\"widget-slot\" data-widget-slot=\"{}\" style=\"height:{}px\"></div>",
                                widgets.len(),
                                widget.height
                            ))));
                            widgets.push(widget);
                        }
                    }
                    if wrapped_block_depth == Some(depth) {
                        events.push(Event::Html(CowStr::from("</div>")));
                        wrapped_block_depth = None;
                    }
                    continue;
                }
                _ => continue,
            }
        }
        match event {
            Event::Start(Tag::HtmlBlock) => {
                in_html_block = true;
                html_block.clear();
            }
            Event::Html(ref html) if in_html_block => html_block.push_str(html),
            Event::End(TagEnd::HtmlBlock) => {
                in_html_block = false;
                match html_block.trim() {
                    STEP_MARKER => pending = Pending::Block,
                    STEPS_MARKER => pending = Pending::ListItems,
                    COLUMN_MARKER => {
                        if attributes.layout != Layout::TwoColumns {
                            errors.push(context.error(
                                line_at(range.start),
                                "`<!-- column -->` needs `layout: two-columns`",
                            ));
                        } else if column_open {
                            events.push(Event::Html(CowStr::from("</div><div class=\"column\">")));
                        } else {
                            errors.push(context.error(
                                line_at(range.start),
                                "`<!-- column -->` must come after the slide heading",
                            ));
                        }
                    }
                    other if other.starts_with("<!--") && other.contains("step") => {
                        errors.push(context.error(
                            line_at(range.start),
                            format!("unknown marker `{other}` (expected `{STEP_MARKER}`, `{STEPS_MARKER}` or `{COLUMN_MARKER}`)"),
                        ));
                    }
                    _ => {
                        events.push(Event::Html(CowStr::from(html_block.clone())));
                    }
                }
            }
            Event::Start(tag) => {
                if depth == 0 && pending != Pending::None {
                    match (pending, &tag) {
                        (Pending::Block, _) => {
                            steps += 1;
                            events.push(Event::Html(CowStr::from(format!(
                                "<div class=\"fragment\" data-fragment=\"{steps}\">"
                            ))));
                            wrapped_block_depth = Some(depth);
                        }
                        (Pending::ListItems, Tag::List(_)) => list_items_depth = Some(depth + 1),
                        (Pending::ListItems, _) => errors.push(context.error(
                            line_at(range.start),
                            "`<!-- steps -->` must be followed by a list",
                        )),
                        (Pending::None, _) => {}
                    }
                    pending = Pending::None;
                }
                if let Tag::Image { dest_url, .. } = &tag {
                    check_image(context, dest_url, line_at(range.start), errors);
                }
                if let Tag::CodeBlock(CodeBlockKind::Fenced(info)) = &tag {
                    if let Some(kind) = widget_kind(info) {
                        depth += 1;
                        widget_block = Some((kind, line_at(range.start), String::new()));
                        continue;
                    }
                    if crate::tables::is_table_fence(info) {
                        depth += 1;
                        table_block = Some((line_at(range.start), String::new()));
                        continue;
                    }
                }
                let is_item_step = matches!(tag, Tag::Item) && list_items_depth == Some(depth);
                if matches!(tag, Tag::Heading { .. }) && title.is_none() && depth == 0 {
                    in_first_heading = true;
                    heading_text.clear();
                }
                depth += 1;
                if is_item_step {
                    steps += 1;
                    events.push(Event::Html(CowStr::from(format!(
                        "<li class=\"fragment\" data-fragment=\"{steps}\">"
                    ))));
                } else {
                    events.push(Event::Start(rewrite_image(tag)));
                }
            }
            Event::End(tag_end) => {
                depth = depth.saturating_sub(1);
                if matches!(tag_end, TagEnd::Item) && list_items_depth == Some(depth) {
                    events.push(Event::Html(CowStr::from("</li>")));
                } else {
                    events.push(Event::End(tag_end));
                }
                if matches!(tag_end, TagEnd::List(_)) && list_items_depth == Some(depth + 1) {
                    list_items_depth = None;
                }
                if wrapped_block_depth == Some(depth) {
                    events.push(Event::Html(CowStr::from("</div>")));
                    wrapped_block_depth = None;
                }
                if matches!(tag_end, TagEnd::Heading(_)) && in_first_heading {
                    in_first_heading = false;
                    title = Some(heading_text.trim().to_owned());
                    if attributes.layout == Layout::TwoColumns {
                        events.push(Event::Html(CowStr::from(
                            "<div class=\"columns\"><div class=\"column\">",
                        )));
                        column_open = true;
                    }
                }
            }
            Event::Text(ref text) | Event::Code(ref text) if in_first_heading => {
                heading_text.push_str(text);
                events.push(event);
            }
            other => events.push(other),
        }
    }
    if column_open {
        events.push(Event::Html(CowStr::from("</div></div>")));
    }
    if pending != Pending::None {
        errors.push(context.error(
            markdown_first_line + line_of_offset(markdown, markdown.len()) - 1,
            "a step marker ends the slide: nothing follows it to reveal",
        ));
    }

    let Some(title) = title.filter(|title| !title.is_empty()) else {
        let leading_blank_lines = source.text.len() - source.text.trim_start().len();
        let first_text_line = source.first_line
            + u32::try_from(source.text[..leading_blank_lines].matches('\n').count()).unwrap_or(0);
        errors.push(context.error(
            first_text_line,
            "slide has no heading: start it with `# Title` (or `## Title`)",
        ));
        return None;
    };
    let id = attributes.id.unwrap_or_else(|| slugify(&title));
    if id.is_empty() {
        errors.push(context.error(
            source.first_line,
            "cannot derive an id from the heading: add `<!-- id: … -->`",
        ));
    }
    if errors.len() > errors_before {
        return None;
    }
    let mut html = String::new();
    let events = crate::highlight::code_blocks(crate::typography::events(events));
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Some(Slide {
        id,
        title: crate::typography::text(&title),
        chapter: context.chapter.to_owned(),
        layout: attributes.layout,
        class: attributes.class,
        minutes: attributes.minutes.unwrap_or(1.0),
        html,
        steps,
        source: SourceRef {
            file: context.file.to_owned(),
            line: source.first_line,
        },
        widgets,
        estimated_seconds: 0.0,
    })
}

/// The widget a fenced block's info string names, if any.
fn widget_kind(info: &str) -> Option<WidgetKind> {
    match info.split_whitespace().next()? {
        "raft" => Some(WidgetKind::Raft),
        "controlplane" => Some(WidgetKind::Controlplane),
        "elastic" => Some(WidgetKind::Elastic),
        "kafka" => Some(WidgetKind::Kafka),
        "multisite" => Some(WidgetKind::Multisite),
        _ => None,
    }
}

/// The keys a widget block accepts.
const WIDGET_KEYS: &str = "scenario, height, checkpoints, controls, toggles, speed, live";
const WIDGET_CONTROLS: [&str; 8] = [
    "crash",
    "restart",
    "isolate",
    "transfer_leader",
    "propose",
    "link",
    "member_add",
    "member_remove",
];
const WIDGET_TOGGLES: [&str; 2] = ["pre_vote", "check_quorum"];
/// The clicks the other systems' widgets offer: fail/restore a site, cut/heal a link,
/// send a write, crash/restart a node.
const MODEL_WIDGET_CONTROLS: [&str; 5] = ["site", "link", "propose", "crash", "restart"];

/// Validates a widget's scenario text: the Raft parser for `raft`, the any-system parser
/// for the others, whose `"system"` must be the widget's. Gives the run's end (ms).
fn check_widget_scenario(kind: WidgetKind, text: &str) -> Result<u64, String> {
    if kind == WidgetKind::Raft {
        return sim::parse_scenario(text)
            .map(|parsed| parsed.end_ms())
            .map_err(|error| error.to_string());
    }
    let parsed = sim::parse_any(text).map_err(|error| error.to_string())?;
    let system = parsed.system().name();
    if system != kind.system() {
        return Err(format!(
            "$.system: the `{}` widget needs a `{}` scenario, not `{system}`",
            kind.name(),
            kind.system()
        ));
    }
    Ok(parsed.end_ms())
}

/// Parses a widget block's `key: value` lines, checking each value and that the scenario
/// exists and is valid. `fence_line` is the line of the opening fence.
fn parse_widget(
    context: &ChapterContext<'_>,
    kind: WidgetKind,
    fence_line: u32,
    body: &str,
    first_step: u32,
    errors: &mut Vec<DeckError>,
) -> Option<WidgetSpec> {
    let errors_before = errors.len();
    let mut scenario: Option<(String, String, u64)> = None;
    let mut height = 460;
    let mut checkpoints = Vec::new();
    let mut controls = Vec::new();
    let mut toggles = Vec::new();
    let mut speed = 0.25;
    let mut live = false;
    let list = |value: &str| -> Vec<String> {
        value
            .split(',')
            .map(|item| item.trim().to_owned())
            .filter(|item| !item.is_empty())
            .collect()
    };
    for param in block_params(body, fence_line + 1) {
        let (line_number, key, value) = match param {
            Param::Pair { line, key, value } => (line, key, value),
            Param::Malformed { line, text } => {
                errors.push(context.error(
                    line,
                    format!("widget parameter `{text}` is not `key: value`"),
                ));
                continue;
            }
        };
        match key {
            "scenario" => {
                let safe = !value.is_empty()
                    && value.ends_with(".json")
                    && !value.contains(['/', '\\'])
                    && !value.starts_with('.');
                if !safe {
                    errors.push(context.error(
                        line_number,
                        format!("widget scenario `{value}` must be a file name like `leader-failure.json` in slides/scenarios/"),
                    ));
                    continue;
                }
                let path = context.scenarios_dir.join(value);
                match std::fs::read_to_string(&path) {
                    Ok(text) => match check_widget_scenario(kind, &text) {
                        Ok(end_ms) => scenario = Some((value.to_owned(), text, end_ms)),
                        Err(error) => errors.push(context.error(
                            line_number,
                            format!("widget scenario `slides/scenarios/{value}`: {error}"),
                        )),
                    },
                    Err(_) => errors.push(context.error(
                        line_number,
                        format!("widget scenario `slides/scenarios/{value}` not found"),
                    )),
                }
            }
            "height" => match value.parse::<u32>() {
                Ok(pixels) if (120..=720).contains(&pixels) => height = pixels,
                _ => errors.push(context.error(
                    line_number,
                    format!("widget `height` must be 120 to 720 canvas pixels, not `{value}`"),
                )),
            },
            "checkpoints" => {
                let mut parsed = Vec::new();
                for item in list(value) {
                    match item.trim_end_matches("ms").trim().parse::<u64>() {
                        Ok(ms) if parsed.last().is_none_or(|&last| ms > last) => parsed.push(ms),
                        _ => {
                            errors.push(context.error(
                                line_number,
                                format!("widget `checkpoints` must be increasing times in ms, not `{item}`"),
                            ));
                            break;
                        }
                    }
                }
                checkpoints = parsed;
            }
            "controls" => {
                controls = list(value);
                let known: &[&str] = if kind == WidgetKind::Raft {
                    &WIDGET_CONTROLS
                } else {
                    &MODEL_WIDGET_CONTROLS
                };
                for control in &controls {
                    if !known.contains(&control.as_str()) {
                        errors.push(context.error(
                            line_number,
                            format!("unknown `{}` widget control `{control}` (expected: {})", kind.name(), known.join(", ")),
                        ));
                    }
                }
            }
            "toggles" if kind != WidgetKind::Raft => errors.push(context.error(
                line_number,
                format!("the `{}` widget has no toggles (only `raft` has)", kind.name()),
            )),
            "toggles" => {
                toggles = list(value);
                for toggle in &toggles {
                    if !WIDGET_TOGGLES.contains(&toggle.as_str()) {
                        errors.push(context.error(
                            line_number,
                            format!("unknown widget toggle `{toggle}` (expected: {})", WIDGET_TOGGLES.join(", ")),
                        ));
                    }
                }
            }
            "speed" => match value.parse::<f64>() {
                Ok(value) if value.is_finite() && (0.001..=100.0).contains(&value) => speed = value,
                _ => errors.push(context.error(
                    line_number,
                    format!("widget `speed` must be 0.001 to 100 simulated ms per real ms, not `{value}`"),
                )),
            },
            "live" if kind != WidgetKind::Raft => errors.push(context.error(
                line_number,
                format!("the `{}` widget cannot run live (only `raft` drives a real etcd)", kind.name()),
            )),
            "live" => match value {
                "true" => live = true,
                "false" => live = false,
                _ => errors.push(context.error(
                    line_number,
                    format!("widget `live` must be `true` or `false`, not `{value}`"),
                )),
            },
            other => errors.push(context.error(
                line_number,
                format!("unknown widget parameter `{other}` (expected: {WIDGET_KEYS})"),
            )),
        }
    }
    let Some((scenario_file, scenario_text, end_ms)) = scenario else {
        if errors.len() == errors_before {
            errors.push(context.error(
                fence_line,
                format!("the `{}` widget needs `scenario: <file>.json`", kind.name()),
            ));
        }
        return None;
    };
    if let Some(&last) = checkpoints.last() {
        if last > end_ms {
            errors.push(context.error(
                fence_line,
                format!("widget checkpoint {last} ms is after the scenario's end ({end_ms} ms)"),
            ));
        }
    }
    if errors.len() > errors_before {
        return None;
    }
    Some(WidgetSpec {
        kind,
        scenario_file,
        scenario: scenario_text,
        height,
        checkpoints,
        first_step,
        controls,
        toggles,
        speed,
        live,
        source: SourceRef {
            file: context.file.to_owned(),
            line: fence_line,
        },
    })
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
mod tests {
    use super::*;

    fn compile(text: &str) -> Result<Vec<Slide>, DeckErrors> {
        compile_chapter_text("slides/01-test.md", text, Path::new("/nonexistent"))
    }

    fn messages(text: &str) -> Vec<String> {
        compile(text)
            .err()
            .map(|errors| errors.0.iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    }

    #[test]
    fn an_attribute_comment_closing_inside_its_opening_is_an_error_not_a_panic() {
        // Found by fuzzing: `<!-->` used to slice `body[4..2]`.
        let found = messages("<!-->\n# Titre\n");
        assert!(
            found
                .iter()
                .any(|message| message.contains("slides/01-test.md:1:")),
            "{found:?}"
        );
    }

    #[test]
    fn splits_on_rule_lines_but_not_inside_code() {
        let slides = compile("# Un\n\ntexte\n\n---\n\n# Deux\n\n```\n---\n```\n").unwrap();
        assert_eq!(slides.len(), 2);
        assert_eq!(slides[0].title, "Un");
        assert_eq!(slides[1].title, "Deux");
        assert_eq!(slides[1].source.line, 6);
        assert!(slides[1].html.contains("---"));
    }

    #[test]
    fn reads_attributes_and_derives_ids() {
        let slides = compile(
            "<!-- id: quorum; minutes: 2.5; layout: title; class: dense big -->\n# Le quorum\n---\n# Élection du leader\n",
        )
        .unwrap();
        assert_eq!(slides[0].id, "quorum");
        assert_eq!(slides[0].minutes, 2.5);
        assert_eq!(slides[0].layout, Layout::Title);
        assert_eq!(slides[0].class.as_deref(), Some("dense big"));
        assert_eq!(slides[1].id, "election-du-leader");
        assert_eq!(slides[1].minutes, 1.0);
    }

    #[test]
    fn errors_name_the_line_of_the_fault() {
        let errors =
            messages("# Un\n---\n<!-- id: x; colour: red -->\n# Deux\n---\n\ntexte sans titre\n");
        assert_eq!(
            errors,
            vec![
                "slides/01-test.md:3: unknown slide attribute `colour` (expected id, minutes, layout, class)".to_owned(),
                "slides/01-test.md:7: slide has no heading: start it with `# Title` (or `## Title`)".to_owned(),
            ]
        );
    }

    #[test]
    fn rejects_bad_values() {
        let errors = messages("<!-- id: Bad Id; minutes: lots; layout: diagonal -->\n# T\n");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("slide id `Bad Id`"));
        assert!(errors[1].contains("`minutes`"));
        assert!(errors[2].contains("unknown layout `diagonal`"));
        assert!(errors
            .iter()
            .all(|e| e.starts_with("slides/01-test.md:1: ")));
    }

    #[test]
    fn duplicate_ids_point_at_both_places() {
        let errors = messages("# Même\n---\n# Même\n");
        assert_eq!(
            errors,
            vec!["slides/01-test.md:3: duplicate slide id `meme` (first used at slides/01-test.md:1)"]
        );
    }

    #[test]
    fn step_markers_make_fragments() {
        let slides = compile(
            "# T\n\n<!-- steps -->\n- a\n- b\n\n<!-- step -->\nparagraphe\n\n- pas un pas\n",
        )
        .unwrap();
        let slide = &slides[0];
        let html = slide.html.replace('\n', "");
        assert_eq!(slide.steps, 3);
        assert!(html.contains("<li class=\"fragment\" data-fragment=\"1\">a</li>"));
        assert!(html.contains("<li class=\"fragment\" data-fragment=\"2\">b</li>"));
        assert!(
            html.contains("<div class=\"fragment\" data-fragment=\"3\"><p>paragraphe</p></div>")
        );
        assert!(html.contains("<li>pas un pas</li>"));
        assert!(!html.contains("<!--"));
    }

    #[test]
    fn a_dangling_step_marker_is_an_error() {
        let errors = messages("# T\n\ntexte\n\n<!-- step -->\n");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("nothing follows it"), "{errors:?}");
    }

    #[test]
    fn a_step_before_a_code_block_wraps_the_highlighted_block() {
        let slides = compile("# T\n\n<!-- step -->\n```yaml\nzone: a<b\n```\n").unwrap();
        let slide = &slides[0];
        assert_eq!(slide.steps, 1);
        assert!(
            slide.html.contains(
                "<div class=\"fragment\" data-fragment=\"1\"><pre class=\"hl\"><code class=\"language-yaml\"><span class=\"hl-"
            ),
            "{}",
            slide.html
        );
        assert!(slide.html.contains("a&lt;b"), "{}", slide.html);
        assert!(
            slide.html.trim_end().ends_with("</code></pre>\n</div>"),
            "{}",
            slide.html
        );
    }

    #[test]
    fn two_columns_are_split_after_the_heading() {
        let slides =
            compile("<!-- layout: two-columns -->\n# T\n\ngauche\n\n<!-- column -->\n\ndroite\n")
                .unwrap();
        assert_eq!(
            slides[0].html.replace('\n', ""),
            "<h1>T</h1><div class=\"columns\"><div class=\"column\"><p>gauche</p></div><div class=\"column\"><p>droite</p></div></div>"
        );
        let errors = messages("# T\n\n<!-- column -->\n\nx\n");
        assert!(errors[0].contains("needs `layout: two-columns`"));
    }

    #[test]
    fn images_must_exist_in_static() {
        let errors =
            messages("# T\n\n![schéma](diagrams/absent.svg)\n\n![](https://example.com/x.png)\n");
        assert_eq!(errors.len(), 2);
        assert!(errors[0].starts_with("slides/01-test.md:3: image `diagrams/absent.svg` not found"));
        assert!(errors[1]
            .starts_with("slides/01-test.md:5: image `https://example.com/x.png` is remote"));
    }

    /// A deck folder with scenarios, removed when the returned guard drops (one per
    /// call: tests run in parallel and would rewrite each other's files).
    fn deck_with_scenario() -> tempfile::TempDir {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        std::fs::create_dir_all(dir.join("static")).unwrap();
        std::fs::create_dir_all(dir.join("slides/scenarios")).unwrap();
        std::fs::write(
            dir.join("slides/scenarios/ok.json"),
            r#"{"cluster":{"sites":{"A":["n1","n2"],"B":["n3"]}},"steps":[],"until_ms":9000}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("slides/scenarios/bad.json"),
            r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":1,"do":"crash","node":"n7"}]}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("slides/scenarios/kafka.json"),
            r#"{"system":"kafka","cluster":{"brokers":{"A":["b1"],"B":["b2"],"C":["b3"]}},"until_ms":30000}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("slides/scenarios/kafka-bad.json"),
            r#"{"system":"kafka","cluster":{"brokers":{"A":["b1"]},"replication_factor":3}}"#,
        )
        .unwrap();
        temp
    }

    #[test]
    fn system_widget_blocks_take_their_own_scenarios() {
        let temp = deck_with_scenario();
        let dir = temp.path();
        let slides = compile_chapter_text(
            "slides/01-test.md",
            "# T

```kafka
scenario: kafka.json
height: 500
checkpoints: 10000, 30000
controls: site, propose
speed: 2
```
",
            &dir.join("static"),
        )
        .unwrap();
        let widget = &slides[0].widgets[0];
        assert_eq!(widget.kind, WidgetKind::Kafka);
        assert_eq!(widget.checkpoints, vec![10_000, 30_000]);
        assert_eq!(widget.controls, vec!["site", "propose"]);
        assert_eq!(widget.speed, 2.0);
        assert_eq!(slides[0].steps, 2);
    }

    #[test]
    fn system_widget_errors_name_the_line_and_the_reason() {
        let temp = deck_with_scenario();
        let dir = temp.path();
        let text = "# T

```elastic
scenario: kafka.json
```
---
# U

```kafka
scenario: ok.json
```
---
# V

```raft
scenario: kafka.json
```
---
# W

```multisite
scenario: kafka-bad.json
```
---
# X

```controlplane
scenario: kafka.json
controls: isolate
toggles: pre_vote
checkpoints: 40000
```
";
        let errors = compile_chapter_text("slides/01-test.md", text, &dir.join("static"))
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>();
        assert_eq!(errors.len(), 7, "{errors:#?}");
        assert!(errors[0].starts_with("slides/01-test.md:4: widget scenario `slides/scenarios/kafka.json`: $.system: the `elastic` widget needs a `elasticsearch` scenario, not `kafka`"), "{}", errors[0]);
        assert!(errors[1].starts_with("slides/01-test.md:10: widget scenario `slides/scenarios/ok.json`: $.system: the `kafka` widget needs a `kafka` scenario, not `etcd`"), "{}", errors[1]);
        assert!(
            errors[2].starts_with(
                "slides/01-test.md:16: widget scenario `slides/scenarios/kafka.json`: $.system"
            ),
            "{}",
            errors[2]
        );
        assert!(errors[3].starts_with("slides/01-test.md:22: widget scenario `slides/scenarios/kafka-bad.json`: $.cluster.replication_factor"), "{}", errors[3]);
        assert!(errors[4].starts_with("slides/01-test.md:28: widget scenario `slides/scenarios/kafka.json`: $.system: the `controlplane` widget needs a `kubernetes` scenario"), "{}", errors[4]);
        assert!(errors[5].starts_with("slides/01-test.md:29: unknown `controlplane` widget control `isolate` (expected: site, link, propose, crash, restart)"), "{}", errors[5]);
        assert!(
            errors[6].starts_with("slides/01-test.md:30: the `controlplane` widget has no toggles"),
            "{}",
            errors[6]
        );
    }

    #[test]
    fn widget_blocks_become_slots_with_checked_parameters() {
        let temp = deck_with_scenario();
        let dir = temp.path();
        let slides = compile_chapter_text(
            "slides/01-test.md",
            "# T\n\n<!-- steps -->\n- a\n\n```raft\nscenario: ok.json\nheight: 400\ncheckpoints: 1000, 2500ms\ncontrols: crash, restart\ntoggles: pre_vote\n```\n",
            &dir.join("static"),
        )
        .unwrap();
        let slide = &slides[0];
        assert_eq!(slide.steps, 3, "one fragment and two checkpoints");
        assert_eq!(slide.widgets.len(), 1);
        let widget = &slide.widgets[0];
        assert_eq!(widget.kind, WidgetKind::Raft);
        assert_eq!(widget.checkpoints, vec![1000, 2500]);
        assert_eq!(widget.first_step, 2);
        assert_eq!(widget.height, 400);
        assert_eq!(widget.controls, vec!["crash", "restart"]);
        assert!(widget.scenario.contains("\"n3\""));
        assert_eq!(widget.source.line, 6);
        assert!(slide.html.contains(
            "<div class=\"widget-slot\" data-widget-slot=\"0\" style=\"height:400px\"></div>"
        ));
        assert!(!slide.html.contains("scenario:"));
    }

    #[test]
    fn widget_errors_name_the_parameter_line() {
        let temp = deck_with_scenario();
        let dir = temp.path();
        let text = "# T\n\n```raft\nscenario: bad.json\nheight: 9000\nfoo: bar\ncontrols: explode\n```\n---\n# U\n\n```raft\nscenario: absent.json\n```\n---\n# V\n\n```raft\nheight: 300\n```\n---\n# W\n\n```raft\nscenario: ok.json\ncheckpoints: 5000, 20000\n```\n";
        let errors = compile_chapter_text("slides/01-test.md", text, &dir.join("static"))
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>();
        assert_eq!(errors.len(), 7, "{errors:#?}");
        assert!(
            errors[0].starts_with(
                "slides/01-test.md:4: widget scenario `slides/scenarios/bad.json`: $.steps[0].node"
            ),
            "{}",
            errors[0]
        );
        assert!(errors[1].starts_with("slides/01-test.md:5: widget `height`"));
        assert!(errors[2].starts_with("slides/01-test.md:6: unknown widget parameter `foo`"));
        assert!(
            errors[3].starts_with("slides/01-test.md:7: unknown `raft` widget control `explode`")
        );
        assert!(errors[4].starts_with(
            "slides/01-test.md:13: widget scenario `slides/scenarios/absent.json` not found"
        ));
        assert!(errors[5].starts_with("slides/01-test.md:18: the `raft` widget needs `scenario:"));
        assert!(errors[6].starts_with("slides/01-test.md:24: widget checkpoint 20000 ms is after the scenario's end (9000 ms)"), "{}", errors[6]);
    }

    #[test]
    fn table_blocks_are_computed_and_their_errors_name_the_parameter_line() {
        let slides =
            compile("# T\n\n<!-- step -->\n```table\nname: etcd-fault-tolerance\nmax: 3\n```\n")
                .unwrap();
        let html = &slides[0].html;
        assert_eq!(slides[0].steps, 1);
        assert!(
            html.contains("<div class=\"fragment\" data-fragment=\"1\"><table class=\"computed\">"),
            "{html}"
        );
        assert!(
            html.contains("<tr><td>3</td><td>2</td><td>1</td></tr>"),
            "{html}"
        );
        assert!(html.trim_end().ends_with("</p>\n</div>"), "{html}");
        assert!(!html.contains("name:"), "{html}");

        let text = "# T\n\n```table\nname: failure-matrix\nsystem: mongodb\n```\n---\n# U\n\n```table\nname: quorum\n```\n---\n# V\n\n```table\nname: failure-matrix\nsystem: kafka\nfailures: lose_a\ncolour: red\n```\n";
        let errors = messages(text);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(
            errors[0].starts_with("slides/01-test.md:5: unknown system `mongodb`"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("slides/01-test.md:11: unknown table `quorum`"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].starts_with("slides/01-test.md:20: unknown table parameter `colour`"),
            "{}",
            errors[2]
        );
    }

    #[test]
    fn coverage_rows_name_existing_slides() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        std::fs::create_dir_all(dir.join("slides")).unwrap();
        std::fs::create_dir_all(dir.join("static")).unwrap();
        std::fs::write(
            dir.join("slides/deck.toml"),
            "title = \"T\"\nspeaker = \"S\"\nevent = \"E\"\ndescription = \"D\"\nplanned_minutes = 1\n",
        )
        .unwrap();
        std::fs::write(dir.join("slides/01-a.md"), "<!-- id: un -->\n# Un\n").unwrap();
        std::fs::write(
            dir.join(COVERAGE_FILE),
            "# Carte\n\n| remarque | slide-id |\n| :-- | :-- |\n| « a » | `un` |\n| « b `code` » | `deux` |\n",
        )
        .unwrap();
        let errors = compile_deck(dir).unwrap_err().0;
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            messages.contains(
                &"slides/COVERAGE.md:6: the coverage map names slide `deux`, which does not exist"
                    .to_owned()
            ),
            "{messages:?}"
        );
        assert!(!messages.iter().any(|m| m.contains("`un`")), "{messages:?}");
    }

    #[test]
    fn the_end_slide_must_exist_and_leaves_appendices_out() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        std::fs::create_dir_all(dir.join("slides")).unwrap();
        std::fs::create_dir_all(dir.join("static")).unwrap();
        let meta = |end: &str| {
            format!("title = \"T\"\nspeaker = \"S\"\nevent = \"E\"\ndescription = \"D\"\nplanned_minutes = 1\nend_slide = \"{end}\"\n")
        };
        std::fs::write(
            dir.join("slides/01-a.md"),
            "<!-- id: un -->\n# Un\n\n---\n\n<!-- id: fin -->\n# Fin\n\n---\n\n<!-- id: annexe -->\n# Annexe\n",
        )
        .unwrap();
        std::fs::write(dir.join("slides/deck.toml"), meta("fin")).unwrap();
        let deck = compile_deck(dir).expect("compiles");
        assert_eq!(deck.meta.end_slide.as_deref(), Some("fin"));
        assert_eq!(deck.talk_slide_count(), 2);
        assert_eq!(deck.appendix_slides().len(), 1);
        std::fs::write(dir.join("slides/deck.toml"), meta("merci")).unwrap();
        let errors = compile_deck(dir).unwrap_err().0;
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            ["slides/deck.toml:6: `end_slide` names no slide: there is no slide `merci`"]
        );
    }

    #[test]
    fn slugify_folds_french_accents() {
        assert_eq!(
            slugify("Qu'est-ce qu'un « quorum » ?"),
            "qu-est-ce-qu-un-quorum"
        );
        assert_eq!(slugify("Élection & réplication"), "election-replication");
    }
}
