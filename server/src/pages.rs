//! HTML pages rendered with askama.

use askama::Template;
use deck::Deck;

use crate::bundle::Bundle;

/// A slide's entry in the `<noscript>` outline.
pub struct OutlineEntry {
    /// The slide title.
    pub title: String,
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
}

impl<'a> IndexPage<'a> {
    /// The shell for `deck`, loading `bundle`.
    pub fn new(deck: &'a Deck, bundle: &'a Bundle, base: &'a str, deck_url: &'a str) -> Self {
        IndexPage {
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
        }
    }
}
