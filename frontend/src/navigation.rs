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
                })
                .collect(),
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
}
