//! Where the audience is in the deck, and how navigation actions move it.
//!
//! Pure state (no DOM): the app dispatches [`NavAction`]s and renders [`Navigation`].

use std::rc::Rc;

use deck::Deck;

use crate::route::Route;

/// A slide index and its fragment step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// Index into `deck.slides`.
    pub slide: usize,
    /// Fragments shown on that slide (0 to the slide's `steps`).
    pub step: u32,
}

/// What can move the position.
#[derive(Debug, Clone, PartialEq)]
pub enum NavAction {
    /// Next fragment, or the next slide when all are shown.
    Next,
    /// Previous fragment, or the previous slide fully revealed.
    Previous,
    /// The next slide, skipping remaining fragments.
    NextSlide,
    /// The previous slide, at its first step.
    PreviousSlide,
    /// The first slide.
    First,
    /// The last slide, fully revealed.
    Last,
    /// A route from the URL; unknown ids are ignored, steps are clamped.
    GoTo(Route),
    /// A slide by index (overview, go-to prompt), at its first step.
    GoToIndex(usize),
}

/// The deck and the current position in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Navigation {
    /// The deck being presented.
    pub deck: Rc<Deck>,
    /// The current position, always valid for `deck`.
    pub position: Position,
}

impl Navigation {
    /// Starts at `route` if it names a slide of `deck`, else at the first slide.
    pub fn new(deck: Rc<Deck>, route: Option<Route>) -> Self {
        let mut navigation = Navigation {
            deck,
            position: Position::default(),
        };
        if let Some(route) = route {
            navigation.apply(NavAction::GoTo(route));
        }
        navigation
    }

    fn steps_of(&self, slide: usize) -> u32 {
        self.deck.slides.get(slide).map_or(0, |slide| slide.steps)
    }

    fn last_slide(&self) -> usize {
        self.deck.slides.len().saturating_sub(1)
    }

    /// Moves the position; returns whether it changed.
    pub fn apply(&mut self, action: NavAction) -> bool {
        let before = self.position;
        let Position { slide, step } = self.position;
        self.position = match action {
            NavAction::Next if step < self.steps_of(slide) => Position {
                slide,
                step: step + 1,
            },
            NavAction::Next | NavAction::NextSlide if slide < self.last_slide() => Position {
                slide: slide + 1,
                step: 0,
            },
            NavAction::Next | NavAction::NextSlide => before,
            NavAction::Previous if step > 0 => Position {
                slide,
                step: step - 1,
            },
            NavAction::Previous if slide > 0 => Position {
                slide: slide - 1,
                step: self.steps_of(slide - 1),
            },
            NavAction::PreviousSlide if slide > 0 => Position {
                slide: slide - 1,
                step: 0,
            },
            NavAction::Previous | NavAction::PreviousSlide => before,
            NavAction::First => Position::default(),
            NavAction::Last => Position {
                slide: self.last_slide(),
                step: self.steps_of(self.last_slide()),
            },
            NavAction::GoToIndex(index) if index < self.deck.slides.len() => Position {
                slide: index,
                step: 0,
            },
            NavAction::GoToIndex(_) => before,
            NavAction::GoTo(route) => match self.deck.position(&route.slide_id) {
                Some(slide) => Position {
                    slide,
                    step: route.step.min(self.steps_of(slide)),
                },
                None => before,
            },
        };
        self.position != before
    }

    /// Where `Next` would go: the next step, or the next slide; `None` at the very end.
    /// The presenter view previews it.
    pub fn next_position(&self) -> Option<Position> {
        let mut ahead = self.clone();
        ahead.apply(NavAction::Next).then_some(ahead.position)
    }

    /// The same position in a new version of the deck (live reload): the same slide id and
    /// step, clamped; the first slide if the id is gone.
    pub fn with_deck(&self, deck: Rc<Deck>) -> Navigation {
        Navigation::new(deck, Some(self.route()))
    }

    /// The slide a go-to prompt names: a 1-based number, an exact id, or the first id or
    /// title (accents and case ignored) starting with what was typed.
    pub fn resolve(&self, typed: &str) -> Option<usize> {
        let typed = typed.trim();
        if typed.is_empty() {
            return None;
        }
        if let Ok(number) = typed.parse::<usize>() {
            return (1..=self.deck.slides.len())
                .contains(&number)
                .then(|| number - 1);
        }
        if let Some(index) = self.deck.position(typed) {
            return Some(index);
        }
        let wanted = fold(typed);
        self.deck.slides.iter().position(|slide| {
            slide.id.starts_with(&wanted) || fold(&slide.title).starts_with(&wanted)
        })
    }

    /// The route of the current position.
    pub fn route(&self) -> Route {
        Route {
            slide_id: self
                .deck
                .slides
                .get(self.position.slide)
                .map(|slide| slide.id.clone())
                .unwrap_or_default(),
            step: self.position.step,
        }
    }
}

/// Lowercase ASCII with French accents dropped and spaces as `-`, to compare typed text
/// with ids and titles.
fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            ' ' => '-',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use deck::{DeckMeta, Layout, Slide, SourceRef};

    fn deck(steps: &[u32]) -> Rc<Deck> {
        Rc::new(Deck {
            meta: DeckMeta {
                title: "t".into(),
                speaker: "s".into(),
                event: "e".into(),
                description: "d".into(),
                planned_minutes: 51,
                lang: "fr".into(),
                end_slide: None,
            },
            slides: steps
                .iter()
                .enumerate()
                .map(|(index, &steps)| Slide {
                    id: format!("s{index}"),
                    title: format!("Slide {index}"),
                    chapter: "01".into(),
                    layout: Layout::Content,
                    class: None,
                    minutes: 1.0,
                    html: String::new(),
                    steps,
                    source: SourceRef {
                        file: "f".into(),
                        line: 1,
                    },
                    widgets: Vec::new(),
                    estimated_seconds: 0.0,
                })
                .collect(),
            notes: Default::default(),
        })
    }

    fn at(navigation: &Navigation) -> (usize, u32) {
        (navigation.position.slide, navigation.position.step)
    }

    #[test]
    fn next_walks_fragments_then_slides_and_stops_at_the_end() {
        let mut navigation = Navigation::new(deck(&[0, 2, 0]), None);
        let mut visited = vec![at(&navigation)];
        while navigation.apply(NavAction::Next) {
            visited.push(at(&navigation));
        }
        assert_eq!(visited, vec![(0, 0), (1, 0), (1, 1), (1, 2), (2, 0)]);
        assert!(!navigation.apply(NavAction::Next));
    }

    #[test]
    fn previous_reenters_a_slide_fully_revealed() {
        let mut navigation = Navigation::new(
            deck(&[0, 2, 0]),
            Some(Route {
                slide_id: "s2".into(),
                step: 0,
            }),
        );
        navigation.apply(NavAction::Previous);
        assert_eq!(at(&navigation), (1, 2));
        navigation.apply(NavAction::PreviousSlide);
        assert_eq!(at(&navigation), (0, 0));
        assert!(!navigation.apply(NavAction::Previous));
    }

    #[test]
    fn home_end_and_slide_skips() {
        let mut navigation = Navigation::new(deck(&[1, 2, 3]), None);
        navigation.apply(NavAction::Last);
        assert_eq!(at(&navigation), (2, 3));
        navigation.apply(NavAction::First);
        assert_eq!(at(&navigation), (0, 0));
        navigation.apply(NavAction::NextSlide);
        assert_eq!(at(&navigation), (1, 0));
    }

    #[test]
    fn routes_are_clamped_and_unknown_ids_ignored() {
        let mut navigation = Navigation::new(
            deck(&[0, 2]),
            Some(Route {
                slide_id: "s1".into(),
                step: 9,
            }),
        );
        assert_eq!(at(&navigation), (1, 2));
        assert_eq!(navigation.route().to_hash(), "#/s1/2");
        assert!(!navigation.apply(NavAction::GoTo(Route {
            slide_id: "nope".into(),
            step: 0
        })));
        assert_eq!(at(&navigation), (1, 2));
    }

    #[test]
    fn next_position_previews_and_resolve_finds_slides() {
        let navigation = Navigation::new(deck(&[1, 0]), None);
        assert_eq!(
            navigation.next_position(),
            Some(Position { slide: 0, step: 1 })
        );
        let mut at_end = navigation.clone();
        at_end.apply(NavAction::Last);
        assert_eq!(at_end.next_position(), None);
        assert_eq!(navigation.resolve("2"), Some(1));
        assert_eq!(navigation.resolve("0"), None);
        assert_eq!(navigation.resolve("s1"), Some(1));
        assert_eq!(navigation.resolve("slide 1"), Some(1));
        assert_eq!(navigation.resolve("zzz"), None);
    }

    #[test]
    fn a_new_deck_keeps_the_position() {
        let mut navigation = Navigation::new(deck(&[0, 3]), None);
        navigation.apply(NavAction::Last);
        assert_eq!(at(&navigation.with_deck(deck(&[0, 2, 1]))), (1, 2));
        assert_eq!(at(&navigation.with_deck(deck(&[0]))), (0, 0));
    }
}
