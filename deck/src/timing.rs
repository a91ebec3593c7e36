//! How long a slide takes, and how much it asks the audience to read.
//!
//! The estimate `raftdeck check` prints and the presenter view paces against:
//! - the words the speaker says: the slide's notes, without stage directions (text in
//!   `[brackets]`, e.g. `[clic]`), fenced code or HTML comments, at the deck's speaking
//!   rate (`words_per_minute` in `slides/deck.toml`, default [`DEFAULT_WORDS_PER_MINUTE`]);
//! - plus, for each live widget, the time its animation takes at its configured speed to
//!   reach the slide's last checkpoint (a widget starts paused; each click plays to the
//!   next checkpoint, so the animation runs while the speaker waits or talks over it —
//!   counted in full, to stay on the safe side).
//!
//! Density: the visible words of a slide — heading, text, tables, code, source lines, and
//! the text drawn in its SVG diagrams — so a slide stays readable at a glance.

use std::path::Path;

use crate::{Deck, WidgetSpec};

/// The speaking rate when `slides/deck.toml` does not set `words_per_minute`.
pub const DEFAULT_WORDS_PER_MINUTE: u32 = 140;

/// The most words a slide may show before `raftdeck check` warns.
pub const MAX_VISIBLE_WORDS: u32 = 45;

/// A token counts as a word when it holds a letter or a digit (not `→`, `–`, `:`).
fn is_word(token: &str) -> bool {
    token.chars().any(char::is_alphanumeric)
}

/// The words of speaker notes (Markdown) that the speaker says: everything but stage
/// directions in `[brackets]`, fenced code blocks and HTML comments. A bracket that never
/// closes ends at the end of its line, so one typo cannot silence the rest of the notes.
pub fn spoken_words(notes_markdown: &str) -> u32 {
    let mut words = 0_u32;
    let mut in_fence = false;
    let mut in_comment = false;
    for line in notes_markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let mut spoken = String::with_capacity(line.len());
        let mut rest = line;
        loop {
            if in_comment {
                match rest.find("-->") {
                    Some(end) => {
                        in_comment = false;
                        rest = &rest[end + 3..];
                    }
                    None => break,
                }
            }
            let next_comment = rest.find("<!--");
            let next_bracket = rest.find('[');
            match (next_comment, next_bracket) {
                (Some(comment), bracket) if bracket.is_none_or(|b| comment < b) => {
                    spoken.push_str(&rest[..comment]);
                    spoken.push(' ');
                    rest = &rest[comment + 4..];
                    in_comment = true;
                }
                (_, Some(bracket)) => {
                    spoken.push_str(&rest[..bracket]);
                    spoken.push(' ');
                    rest = rest[bracket..]
                        .find(']')
                        .map_or("", |end| &rest[bracket + end + 1..]);
                }
                (_, None) => {
                    spoken.push_str(rest);
                    break;
                }
            }
        }
        let count = spoken
            .split_whitespace()
            .filter(|token| is_word(token))
            .count();
        words += u32::try_from(count).unwrap_or(u32::MAX);
    }
    words
}

/// Seconds the slide's widgets take to play to their last checkpoint at their configured
/// speed (simulated ms per real ms). A widget without checkpoints adds nothing: nothing
/// plays unless the speaker presses play.
pub fn animation_seconds(widgets: &[WidgetSpec]) -> f32 {
    widgets
        .iter()
        .filter_map(|widget| {
            let last = *widget.checkpoints.last()?;
            Some(last as f64 / widget.speed / 1000.0)
        })
        .sum::<f64>() as f32
}

/// The estimated time of a slide, in seconds: its spoken words at `words_per_minute`,
/// plus its widgets' animations.
pub fn slide_seconds(spoken_words: u32, words_per_minute: u32, widgets: &[WidgetSpec]) -> f32 {
    let speaking = spoken_words as f32 * 60.0 / words_per_minute.max(1) as f32;
    speaking + animation_seconds(widgets)
}

/// One chapter's planned and estimated time.
#[derive(Debug, Clone, PartialEq)]
pub struct ChapterTiming {
    /// The chapter (slide file stem, e.g. `09-pannes`).
    pub chapter: String,
    /// How many slides it has.
    pub slides: u32,
    /// The sum of its slides' `minutes`.
    pub planned_minutes: f32,
    /// The sum of its slides' estimates, in minutes.
    pub estimated_minutes: f32,
}

/// The talk's chapters in order, with their planned and estimated minutes (appendices,
/// the slides after the end slide, left out).
pub fn chapters(deck: &Deck) -> Vec<ChapterTiming> {
    let mut chapters: Vec<ChapterTiming> = Vec::new();
    for slide in deck.talk_slides() {
        if chapters
            .last()
            .is_none_or(|last| last.chapter != slide.chapter)
        {
            chapters.push(ChapterTiming {
                chapter: slide.chapter.clone(),
                slides: 0,
                planned_minutes: 0.0,
                estimated_minutes: 0.0,
            });
        }
        if let Some(current) = chapters.last_mut() {
            current.slides += 1;
            current.planned_minutes += slide.minutes;
            current.estimated_minutes += slide.estimated_seconds / 60.0;
        }
    }
    chapters
}

/// The words a slide shows: the text of its HTML (tags removed, entities as spaces), and
/// the text of every SVG diagram it shows (`<img src="static/….svg">`, read under
/// `static_dir`). A diagram that cannot be read counts for nothing here: the compiler has
/// already reported a missing image.
pub fn visible_words(slide_html: &str, static_dir: &Path) -> u32 {
    let mut words = count_words(&strip_tags(slide_html));
    for source in image_sources(slide_html) {
        let relative = source.trim_start_matches("static/");
        if !relative.ends_with(".svg") || relative.split('/').any(|part| part == "..") {
            continue;
        }
        if let Ok(svg) = std::fs::read_to_string(static_dir.join(relative)) {
            words += count_words(&svg_text(&svg));
        }
    }
    words
}

fn count_words(text: &str) -> u32 {
    u32::try_from(
        text.split_whitespace()
            .filter(|token| is_word(token))
            .count(),
    )
    .unwrap_or(u32::MAX)
}

/// HTML without its tags; `&…;` entities become spaces (none of them is a word).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut in_entity = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            '&' => in_entity = true,
            ';' if in_entity => {
                in_entity = false;
                out.push(' ');
            }
            _ if in_entity && (c.is_ascii_alphanumeric() || c == '#') => {}
            other => {
                in_entity = false;
                out.push(other);
            }
        }
    }
    out
}

/// The `src` of every `<img>` in `html`.
fn image_sources(html: &str) -> Vec<&str> {
    let mut sources = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<img ") {
        rest = &rest[start..];
        let tag_end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..tag_end];
        if let Some(src) = tag.find("src=\"") {
            let value = &tag[src + 5..];
            if let Some(end) = value.find('"') {
                sources.push(&value[..end]);
            }
        }
        rest = &rest[tag_end..];
    }
    sources
}

/// The text an SVG draws: the content of its `<text>` elements (with their `<tspan>`s),
/// not its `<title>` (read by screen readers, not shown).
fn svg_text(svg: &str) -> String {
    let mut out = String::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else {
            break;
        };
        let body = &rest[open_end + 1..];
        let end = body.find("</text>").unwrap_or(body.len());
        out.push(' ');
        out.push_str(&strip_tags(&body[..end]));
        rest = &body[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SourceRef, WidgetKind};

    fn widget(checkpoints: Vec<u64>, speed: f64) -> WidgetSpec {
        WidgetSpec {
            kind: WidgetKind::Raft,
            scenario_file: "x.json".into(),
            scenario: String::new(),
            height: 400,
            checkpoints,
            first_step: 1,
            controls: Vec::new(),
            toggles: Vec::new(),
            speed,
            live: false,
            source: SourceRef {
                file: "slides/01-a.md".into(),
                line: 1,
            },
        }
    }

    #[test]
    fn stage_directions_code_and_comments_are_not_spoken() {
        let notes = "Le leader tombe. [clic] Un follower\n[cliquer sur le site A]\n\
                     ```bash\netcdctl member list\n```\n<!-- à revoir -->Élu : cp2 → leader.\n";
        // Le leader tombe. Un follower Élu cp2 leader (`:` and `→` are not words).
        assert_eq!(spoken_words(notes), 8);
    }

    #[test]
    fn an_unclosed_bracket_silences_only_its_line() {
        assert_eq!(spoken_words("un [deux trois\nquatre cinq"), 3);
        assert_eq!(spoken_words("un <!-- deux\ntrois --> quatre"), 2);
    }

    #[test]
    fn speaking_at_140_words_a_minute_plus_the_animation_to_the_last_checkpoint() {
        // 140 words: 60 s; a widget reaching 8 000 ms at 0.25 sim-ms per ms: 32 s more.
        let seconds = slide_seconds(140, 140, &[widget(vec![2000, 8000], 0.25)]);
        assert!((seconds - 92.0).abs() < 1e-3, "{seconds}");
        // A faster speaker, a faster widget, a widget with no checkpoint.
        let seconds = slide_seconds(70, 210, &[widget(vec![60_000], 2.0), widget(vec![], 1.0)]);
        assert!((seconds - 50.0).abs() < 1e-3, "{seconds}");
    }

    #[test]
    fn chapters_sum_their_slides_in_order() {
        let slide = |id: &str, chapter: &str, minutes: f32, seconds: f32| crate::Slide {
            id: id.into(),
            title: id.into(),
            chapter: chapter.into(),
            layout: crate::Layout::Content,
            class: None,
            minutes,
            html: String::new(),
            steps: 0,
            source: SourceRef {
                file: "slides/x.md".into(),
                line: 1,
            },
            widgets: Vec::new(),
            estimated_seconds: seconds,
        };
        let deck = Deck {
            meta: crate::DeckMeta {
                title: "t".into(),
                speaker: "s".into(),
                event: "e".into(),
                description: "d".into(),
                planned_minutes: 3,
                lang: "fr".into(),
                end_slide: None,
            },
            slides: vec![
                slide("a", "01-a", 1.0, 30.0),
                slide("b", "01-a", 0.5, 30.0),
                slide("c", "02-b", 1.25, 75.0),
            ],
            notes: Default::default(),
        };
        let chapters = chapters(&deck);
        assert_eq!(chapters.len(), 2);
        assert_eq!((chapters[0].slides, chapters[0].planned_minutes), (2, 1.5));
        assert!((chapters[0].estimated_minutes - 1.0).abs() < 1e-6);
        assert!((chapters[1].estimated_minutes - 1.25).abs() < 1e-6);
        assert!((deck.estimated_minutes() - 2.25).abs() < 1e-6);
        assert!((deck.estimated_minutes_before(2) - 1.0).abs() < 1e-6);
        assert_eq!(deck.talk_slide_count(), 3);

        // The talk ends on `b`: `c` is an appendix, outside the count and the minutes.
        let mut ended = deck.clone();
        ended.meta.end_slide = Some("b".into());
        assert_eq!(ended.talk_slide_count(), 2);
        assert_eq!(ended.appendix_slides()[0].id, "c");
        assert_eq!(super::chapters(&ended).len(), 1);
        assert!((ended.estimated_minutes() - 1.0).abs() < 1e-6);
        assert!((ended.planned_slide_minutes() - 1.5).abs() < 1e-6);
        // An end slide the deck does not have (the compiler reports it) ends nothing.
        ended.meta.end_slide = Some("zzz".into());
        assert_eq!(ended.talk_slide_count(), 3);
    }

    #[test]
    fn visible_words_count_text_tables_and_svg_diagrams_but_not_tags() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        std::fs::create_dir_all(dir.join("diagrams")).unwrap();
        std::fs::write(
            dir.join("diagrams/d.svg"),
            "<svg><title>pas compté du tout</title><text x=\"1\">Site A</text>\
             <text><tspan>cp1</tspan> → <tspan>leader</tspan></text></svg>",
        )
        .unwrap();
        let html = "<h1>Le quorum&#x202F;: N/2 + 1</h1>\
                    <table><tr><th>membres</th></tr><tr><td>3</td></tr></table>\
                    <p><img src=\"static/diagrams/d.svg\" alt=\"un texte alternatif long\" /></p>\
                    <div class=\"widget-slot\" data-widget-slot=\"0\"></div>";
        // Le quorum N/2 1 membres 3 | Site A cp1 leader.
        assert_eq!(visible_words(html, dir), 10);
    }
}
