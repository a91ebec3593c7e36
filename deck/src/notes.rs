//! Speaker notes: `speaker-notes/<chapter>.md`, one `## <slide-id>` section per slide,
//! rendered to HTML at build time; and the deck's warnings (`raftdeck check`).
//!
//! A notes section for a slide id the deck does not have is an error (the notes would
//! silently never show); a slide without notes, or slides whose planned minutes do not add
//! up to the talk's planned duration, are warnings: the talk still works.

use std::collections::BTreeMap;
use std::path::Path;

use crate::compiler::{render_markdown, DeckError};
use crate::{Deck, Slide};

/// The notes folder, relative to the deck folder.
pub const NOTES_DIR: &str = "speaker-notes";

/// How far (in minutes) the slides' planned minutes may drift from `planned_minutes`
/// before `raftdeck check` warns.
pub const MINUTES_TOLERANCE: f32 = 1.0;

/// Reads every `speaker-notes/*.md` file and returns the notes HTML keyed by slide id.
/// Unknown ids, duplicate sections and text outside a section are pushed to `errors`.
/// A missing notes folder is not an error: a deck may have no notes at all.
pub fn compile_notes(
    deck_dir: &Path,
    slides: &[Slide],
    errors: &mut Vec<DeckError>,
) -> BTreeMap<String, String> {
    compile_notes_and_words(deck_dir, slides, errors).0
}

/// [`compile_notes`], and the number of words the speaker says on each slide (the notes
/// without stage directions, see [`crate::timing::spoken_words`]), keyed by slide id.
pub fn compile_notes_and_words(
    deck_dir: &Path,
    slides: &[Slide],
    errors: &mut Vec<DeckError>,
) -> (BTreeMap<String, String>, BTreeMap<String, u32>) {
    let mut notes = BTreeMap::new();
    let mut words = BTreeMap::new();
    let dir = deck_dir.join(NOTES_DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return (notes, words);
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .collect();
    names.sort();
    // Where each id's notes were first written, to point at both places of a duplicate.
    let mut seen: BTreeMap<String, (String, u32)> = BTreeMap::new();
    for name in names {
        let file = format!("{NOTES_DIR}/{name}");
        let text = match std::fs::read_to_string(dir.join(&name)) {
            Ok(text) => text,
            Err(error) => {
                errors.push(DeckError {
                    file,
                    line: 1,
                    message: format!("cannot read file: {error}"),
                });
                continue;
            }
        };
        let ids: Vec<&str> = slides.iter().map(|slide| slide.id.as_str()).collect();
        for (id, count) in add_sections(&file, &text, &ids, &mut seen, &mut notes, errors) {
            words.insert(id, count);
        }
    }
    (notes, words)
}

/// Compiles one notes file's `text` on its own (for tests and fuzzing), against the
/// slide ids `slide_ids`: the notes HTML keyed by slide id, or every error found, each
/// with `file` and a line.
pub fn compile_notes_text(
    file: &str,
    text: &str,
    slide_ids: &[&str],
) -> Result<BTreeMap<String, String>, crate::compiler::DeckErrors> {
    let (mut notes, mut seen, mut errors) = (BTreeMap::new(), BTreeMap::new(), Vec::new());
    let _words = add_sections(file, text, slide_ids, &mut seen, &mut notes, &mut errors);
    if errors.is_empty() {
        Ok(notes)
    } else {
        Err(crate::compiler::DeckErrors(errors))
    }
}

/// Adds the sections of one notes file to `notes`; `seen` records where each id's notes
/// were first written, to point at both places of a duplicate. Returns the spoken words
/// of each section added.
fn add_sections(
    file: &str,
    text: &str,
    slide_ids: &[&str],
    seen: &mut BTreeMap<String, (String, u32)>,
    notes: &mut BTreeMap<String, String>,
    errors: &mut Vec<DeckError>,
) -> Vec<(String, u32)> {
    let mut words = Vec::new();
    for section in split_sections(file, text, errors) {
        if !slide_ids.contains(&section.id.as_str()) {
            errors.push(DeckError {
                file: file.to_owned(),
                line: section.line,
                message: format!(
                    "notes for unknown slide id `{}` (no slide has this id)",
                    section.id
                ),
            });
            continue;
        }
        if let Some((first_file, first_line)) = seen.get(&section.id) {
            errors.push(DeckError {
                file: file.to_owned(),
                line: section.line,
                message: format!(
                    "second notes section for `{}` (first at {first_file}:{first_line})",
                    section.id
                ),
            });
            continue;
        }
        seen.insert(section.id.clone(), (file.to_owned(), section.line));
        words.push((
            section.id.clone(),
            crate::timing::spoken_words(&section.body),
        ));
        notes.insert(section.id, render_markdown(&section.body));
    }
    words
}

/// One `## <slide-id>` section of a notes file.
struct Section {
    id: String,
    line: u32,
    body: String,
}

/// Splits a notes file on `## ` lines outside fenced code blocks.
fn split_sections(file: &str, text: &str, errors: &mut Vec<DeckError>) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut fence: Option<&str> = None;
    let mut stray_reported = false;
    for (index, line) in text.lines().enumerate() {
        let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let trimmed = line.trim();
        let mut is_heading = false;
        match fence {
            Some(marker) if trimmed.starts_with(marker) => fence = None,
            Some(_) => {}
            None if trimmed.starts_with("```") => fence = Some("```"),
            None if trimmed.starts_with("~~~") => fence = Some("~~~"),
            None => is_heading = line.starts_with("## "),
        }
        if is_heading {
            sections.push(Section {
                id: line[3..].trim().to_owned(),
                line: line_number,
                body: String::new(),
            });
        } else if let Some(section) = sections.last_mut() {
            section.body.push_str(line);
            section.body.push('\n');
        } else if !trimmed.is_empty() && !trimmed.starts_with("# ") && !stray_reported {
            // A `# Chapter` title on top is fine; other text would be lost.
            stray_reported = true;
            errors.push(DeckError {
                file: file.to_owned(),
                line: line_number,
                message: "text before the first `## <slide-id>` section belongs to no slide"
                    .to_owned(),
            });
        }
    }
    sections
}

/// What `raftdeck check` warns about in a deck that compiles: slides without notes, a
/// slide whose estimated time (see [`crate::timing`]) exceeds its `minutes`, a slide
/// showing more than [`crate::timing::MAX_VISIBLE_WORDS`] words, a talk whose estimate
/// exceeds its planned duration, and planned minutes that do not add up to it.
pub fn warnings(deck_dir: &Path, deck: &Deck) -> Vec<DeckError> {
    let mut warnings: Vec<DeckError> = deck
        .slides
        .iter()
        .filter(|slide| {
            deck.notes
                .get(&slide.id)
                .is_none_or(|notes| notes.trim().is_empty())
        })
        .map(|slide| DeckError {
            file: slide.source.file.clone(),
            line: slide.source.line,
            message: format!(
                "warning: slide `{}` has no speaker notes (add `## {}` to {NOTES_DIR}/{}.md)",
                slide.id, slide.id, slide.chapter
            ),
        })
        .collect();
    let static_dir = deck_dir.join("static");
    for slide in &deck.slides {
        let planned_seconds = slide.minutes * 60.0;
        // Half a second of grace: the estimate is a float, the slot a rounded figure.
        if slide.estimated_seconds > planned_seconds + 0.5 {
            warnings.push(DeckError {
                file: slide.source.file.clone(),
                line: slide.source.line,
                message: format!(
                    "warning: slide `{}` takes about {:.0} s (notes spoken and widgets played) for a {:.0} s slot (`minutes: {}`)",
                    slide.id, slide.estimated_seconds, planned_seconds, slide.minutes
                ),
            });
        }
        let words = crate::timing::visible_words(&slide.html, &static_dir);
        if words > crate::timing::MAX_VISIBLE_WORDS {
            warnings.push(DeckError {
                file: slide.source.file.clone(),
                line: slide.source.line,
                message: format!(
                    "warning: slide `{}` shows {words} words (diagrams and tables included), more than {}",
                    slide.id,
                    crate::timing::MAX_VISIBLE_WORDS
                ),
            });
        }
    }
    let planned = deck.meta.planned_minutes as f32;
    let estimated = deck.estimated_minutes();
    if estimated > planned {
        warnings.push(DeckError {
            file: crate::compiler::META_FILE.to_owned(),
            line: 1,
            message: format!(
                "warning: the talk takes about {estimated:.1} minutes spoken, more than its {planned:.0}"
            ),
        });
    }
    let sum = deck.planned_slide_minutes();
    if (sum - planned).abs() > MINUTES_TOLERANCE {
        let meta_text =
            std::fs::read_to_string(deck_dir.join(crate::compiler::META_FILE)).unwrap_or_default();
        let line = meta_text
            .lines()
            .position(|line| line.trim_start().starts_with("planned_minutes"))
            .and_then(|index| u32::try_from(index + 1).ok())
            .unwrap_or(1);
        let (how, gap) = if sum < planned {
            ("short", planned - sum)
        } else {
            ("over", sum - planned)
        };
        warnings.push(DeckError {
            file: crate::compiler::META_FILE.to_owned(),
            line,
            message: format!(
                "warning: the slides plan {sum:.1} minutes for a {planned:.0}-minute talk ({gap:.1} {how})"
            ),
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Layout, SourceRef};

    fn slide(id: &str) -> Slide {
        Slide {
            id: id.to_owned(),
            title: id.to_owned(),
            chapter: "01-a".to_owned(),
            layout: Layout::Content,
            class: None,
            minutes: 1.0,
            html: String::new(),
            steps: 0,
            source: SourceRef {
                file: "slides/01-a.md".to_owned(),
                line: 1,
            },
            widgets: Vec::new(),
            estimated_seconds: 0.0,
        }
    }

    /// A deck folder holding `notes`, removed when the returned guard drops.
    fn deck_dir(notes: &str) -> tempfile::TempDir {
        let temp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(temp.path().join(NOTES_DIR)).unwrap();
        std::fs::write(temp.path().join(NOTES_DIR).join("01-a.md"), notes).unwrap();
        temp
    }

    #[test]
    fn sections_become_html_keyed_by_id() {
        let temp = deck_dir(
            "# Chapitre\n\n## un\n\nDire **bonjour**.\n\n```\n## pas un titre\n```\n## deux\n- a\n",
        );
        let dir = temp.path();
        let mut errors = Vec::new();
        let notes = compile_notes(dir, &[slide("un"), slide("deux")], &mut errors);
        assert_eq!(errors, vec![]);
        assert!(notes["un"].contains("<strong>bonjour</strong>"));
        assert!(notes["un"].contains("## pas un titre"));
        assert!(notes["deux"].contains("<li>a</li>"));
    }

    #[test]
    fn unknown_ids_duplicates_and_stray_text_are_errors_with_lines() {
        let temp = deck_dir("texte perdu\n## un\nx\n## inconnu\ny\n## un\nz\n");
        let dir = temp.path();
        let mut errors = Vec::new();
        compile_notes(dir, &[slide("un")], &mut errors);
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert!(messages[0].starts_with("speaker-notes/01-a.md:1: text before"));
        assert!(messages[1]
            .starts_with("speaker-notes/01-a.md:4: notes for unknown slide id `inconnu`"));
        assert!(messages[2].starts_with(
            "speaker-notes/01-a.md:6: second notes section for `un` (first at speaker-notes/01-a.md:2)"
        ));
    }

    #[test]
    fn warns_about_missing_notes_and_minutes() {
        let temp = deck_dir("## un\nx\n");
        let dir = temp.path();
        std::fs::create_dir_all(dir.join("slides")).unwrap();
        std::fs::write(
            dir.join(crate::compiler::META_FILE),
            "title = \"t\"\nplanned_minutes = 51\n",
        )
        .unwrap();
        let mut errors = Vec::new();
        let slides = vec![slide("un"), slide("deux")];
        let notes = compile_notes(dir, &slides, &mut errors);
        let deck = Deck {
            meta: crate::DeckMeta {
                title: "t".into(),
                speaker: "s".into(),
                event: "e".into(),
                description: "d".into(),
                planned_minutes: 51,
                lang: "fr".into(),
                end_slide: None,
            },
            slides,
            notes,
        };
        let messages: Vec<String> = warnings(dir, &deck)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            vec![
                "slides/01-a.md:1: warning: slide `deux` has no speaker notes (add `## deux` to speaker-notes/01-a.md)".to_owned(),
                "slides/deck.toml:2: warning: the slides plan 2.0 minutes for a 51-minute talk (49.0 short)".to_owned(),
            ]
        );
    }

    #[test]
    fn warns_about_slides_over_their_slot_or_too_wordy_and_a_talk_over_its_time() {
        let temp = deck_dir("## un\nx\n## deux\ny\n");
        let dir = temp.path();
        std::fs::create_dir_all(dir.join("slides")).unwrap();
        std::fs::write(
            dir.join(crate::compiler::META_FILE),
            "planned_minutes = 2\n",
        )
        .unwrap();
        let mut slow = slide("un");
        slow.estimated_seconds = 78.0;
        let mut wordy = slide("deux");
        wordy.estimated_seconds = 60.0;
        wordy.html = format!("<h1>Titre</h1><p>{}</p>", "mot ".repeat(45));
        let mut errors = Vec::new();
        let notes = compile_notes(dir, &[slow.clone(), wordy.clone()], &mut errors);
        let deck = Deck {
            meta: crate::DeckMeta {
                title: "t".into(),
                speaker: "s".into(),
                event: "e".into(),
                description: "d".into(),
                planned_minutes: 2,
                lang: "fr".into(),
                end_slide: None,
            },
            slides: vec![slow, wordy],
            notes,
        };
        let messages: Vec<String> = warnings(dir, &deck)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            vec![
                "slides/01-a.md:1: warning: slide `un` takes about 78 s (notes spoken and widgets played) for a 60 s slot (`minutes: 1`)".to_owned(),
                "slides/01-a.md:1: warning: slide `deux` shows 46 words (diagrams and tables included), more than 45".to_owned(),
                "slides/deck.toml:1: warning: the talk takes about 2.3 minutes spoken, more than its 2".to_owned(),
            ]
        );
    }
}
