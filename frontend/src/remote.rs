//! The phone remote (`?remote&token=…`): big previous/next buttons, the current slide's
//! title, the notes and the timer. It publishes like the presenter view.

use std::collections::BTreeMap;
use std::rc::Rc;

use yew::prelude::*;

use crate::dom;
use crate::navigation::{NavAction, Navigation};
use crate::presenter::{clock, use_clock};

/// Props of [`RemoteView`].
#[derive(Properties, PartialEq)]
pub struct RemoteProps {
    /// Deck and position.
    pub navigation: Navigation,
    /// Speaker notes (HTML), by slide id.
    pub notes: Rc<BTreeMap<String, String>>,
    /// The buttons move the deck.
    pub on_navigate: Callback<NavAction>,
    /// Why publishing failed.
    pub sync_problem: Option<String>,
}

/// The remote.
#[function_component(RemoteView)]
pub fn remote_view(props: &RemoteProps) -> Html {
    let (start, now) = use_clock();
    let navigation = &props.navigation;
    let index = navigation.position.slide;
    let Some(slide) = navigation.deck.slides.get(index) else {
        return Html::default();
    };
    let notes = props
        .notes
        .get(&slide.id)
        .map(|html| Html::from_html_unchecked(AttrValue::from(html.clone())))
        .unwrap_or_default();
    let elapsed = ((now - *start) / 1000.0).max(0.0);
    html! {
        <div class="remote" data-view="remote">
            <p class="remote-status">
                <span data-counter="">{ format!("{} / {}", index + 1, navigation.deck.slides.len()) }</span>
                if slide.steps > 0 {
                    { format!(" · step {} / {}", navigation.position.step, slide.steps) }
                }
                <span class="remote-time">{ format!("{} · {}", clock(elapsed), dom::wall_clock()) }</span>
            </p>
            <h1 class="remote-title">{ slide.title.clone() }</h1>
            if let Some(problem) = &props.sync_problem {
                <p class="presenter-problem" role="alert">{ problem.clone() }</p>
            }
            <div class="remote-buttons">
                <button type="button" class="remote-button" data-remote="previous"
                    onclick={props.on_navigate.reform(|_: MouseEvent| NavAction::Previous)}>{ "◀ Previous" }</button>
                <button type="button" class="remote-button next" data-remote="next"
                    onclick={props.on_navigate.reform(|_: MouseEvent| NavAction::Next)}>{ "Next ▶" }</button>
            </div>
            <section class="remote-notes" data-notes="" aria-label="Speaker notes">{ notes }</section>
        </div>
    }
}
