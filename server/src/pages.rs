//! HTML pages rendered with askama: the talk's shell and the notes handout.
//!
//! The shell (`templates/index.html`) holds the title and Open Graph metadata, a
//! `<noscript>` outline, a boot screen, `data-sync` (`served` or `static`), and the
//! module loader, which replaces the boot screen with a readable French alert when the
//! WASM cannot load and defines `window.raftdeckLoadWidgets()` for the widgets module. The
//! first slide is pre-rendered in the HTML, so it is on screen before the app has loaded:
//! a small inline script scales it like the app and hides it on deep links elsewhere and
//! on presenter, remote and print URLs; CSS hides it once the app has mounted a view.
//! The handout is `templates/notes.html`; `single_file` renders `templates/single.html`.

use askama::Template;
use deck::Deck;

use crate::bundle::Bundle;

/// A slide's entry in the `<noscript>` outline.
pub struct OutlineEntry {
    /// The slide title.
    pub title: String,
}

/// The first slide, drawn by the HTML itself so the audience sees it before the WASM app
/// has loaded (the app replaces it once it shows its own first slide).
pub struct FirstSlide {
    /// Slide id (a deep link to another slide hides the pre-render).
    pub id: String,
    /// The slide title, for assistive technology.
    pub title: String,
    /// CSS classes of the slide section, as the app writes them.
    pub classes: String,
    /// The compiled slide HTML (from the trusted deck compiler, not user input).
    pub html: String,
    /// How many slides the talk has, for the slide counter.
    pub total: usize,
    /// `speaker · event` on a title slide (as the app shows it), else nothing.
    pub byline: Option<String>,
}

/// The HTML shell of the talk: metadata for link previews, the boot screen, the
/// `<noscript>` outline, and the module script that starts the WASM app.
#[derive(Template)]
#[template(path = "index.html")]
pub struct IndexPage<'a> {
    /// Page language.
    pub lang: &'a str,
    /// Page title.
    pub title: &'a str,
    /// Page description.
    pub description: &'a str,
    /// Who gives the talk.
    pub speaker: &'a str,
    /// Prefix of every URL on the page (`./` when served, `/sub/path/` when published).
    pub base: &'a str,
    /// The bundle files to load.
    pub bundle: &'a Bundle,
    /// Where the app fetches the deck JSON, relative to the page.
    pub deck_url: &'a str,
    /// The slides' titles, in order.
    pub slides: Vec<OutlineEntry>,
    /// How the app syncs presenter and audience: `served` (SSE, `/api/sync`) or
    /// `static` (BroadcastChannel between windows of one browser).
    pub sync_mode: &'a str,
    /// The first slide, pre-rendered.
    pub first: Option<FirstSlide>,
    /// The bundled typeface's `@font-face` rules (empty without it).
    pub font_faces: String,
}

impl<'a> IndexPage<'a> {
    /// The shell for `deck`, loading `bundle`.
    pub fn new(
        deck: &'a Deck,
        bundle: &'a Bundle,
        base: &'a str,
        deck_url: &'a str,
        sync_mode: &'a str,
    ) -> Self {
        IndexPage {
            font_faces: bundle.font_faces(|file| format!("{base}assets/{file}")),
            lang: &deck.meta.lang,
            title: &deck.meta.title,
            description: &deck.meta.description,
            speaker: &deck.meta.speaker,
            base,
            bundle,
            deck_url,
            slides: deck
                .slides
                .iter()
                .map(|slide| OutlineEntry {
                    title: slide.title.clone(),
                })
                .collect(),
            sync_mode,
            first: deck.slides.first().map(|slide| FirstSlide {
                id: slide.id.clone(),
                title: slide.title.clone(),
                classes: match &slide.class {
                    Some(class) => format!("slide layout-{} {class}", slide.layout.name()),
                    None => format!("slide layout-{}", slide.layout.name()),
                },
                html: slide.html.clone(),
                total: deck.slides.len(),
                byline: (slide.layout == deck::Layout::Title)
                    .then(|| {
                        [deck.meta.speaker.trim(), deck.meta.event.trim()]
                            .into_iter()
                            .filter(|part| !part.is_empty())
                            .collect::<Vec<_>>()
                            .join(" · ")
                    })
                    .filter(|byline| !byline.is_empty()),
            }),
        }
    }
}

/// One slide in the notes handout.
pub struct HandoutEntry {
    /// 1-based slide number.
    pub number: usize,
    /// The slide id (the section's anchor).
    pub id: String,
    /// The slide title.
    pub title: String,
    /// Planned minutes on this slide, formatted.
    pub minutes: String,
    /// Where in the talk the slide should start (`m:ss`).
    pub at: String,
    /// The notes as HTML (compiled from the speaker's Markdown at build time).
    pub notes: String,
}

/// The printable notes handout (`/notes`, presenter only): every slide with its notes
/// and timing. The presenter's chrome is English; the notes are the speaker's own text.
#[derive(Template)]
#[template(path = "notes.html")]
pub struct NotesPage<'a> {
    /// Page language (the notes' language).
    pub lang: &'a str,
    /// The talk's title.
    pub title: &'a str,
    /// Who gives the talk.
    pub speaker: &'a str,
    /// Where.
    pub event: &'a str,
    /// The planned duration.
    pub planned_minutes: u32,
    /// The sum of the slides' planned minutes, formatted.
    pub slide_minutes: String,
    /// Every slide.
    pub slides: Vec<HandoutEntry>,
}

/// `minutes` as `m:ss`.
fn clock(minutes: f32) -> String {
    let seconds = (minutes * 60.0).round().max(0.0) as u32;
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

impl<'a> NotesPage<'a> {
    /// The handout of `deck`.
    pub fn new(deck: &'a Deck) -> Self {
        NotesPage {
            lang: &deck.meta.lang,
            title: &deck.meta.title,
            speaker: &deck.meta.speaker,
            event: &deck.meta.event,
            planned_minutes: deck.meta.planned_minutes,
            slide_minutes: format!("{:.1}", deck.planned_slide_minutes()),
            slides: deck
                .slides
                .iter()
                .enumerate()
                .map(|(index, slide)| HandoutEntry {
                    number: index + 1,
                    id: slide.id.clone(),
                    title: slide.title.clone(),
                    minutes: format!("{}", slide.minutes),
                    at: clock(deck.planned_minutes_before(index)),
                    notes: deck.notes.get(&slide.id).cloned().unwrap_or_default(),
                })
                .collect(),
        }
    }
}
