//! The phone remote (`?remote&token=…`): the current slide's title and step, what the
//! next press shows, the notes, the timer, and — always within thumb reach at the bottom
//! of the screen — previous, black screen and a big next button. It publishes like the
//! presenter view.

use std::collections::BTreeMap;
use std::rc::Rc;

use yew::prelude::*;

use crate::dom;
use crate::icons;
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
    /// The audience's screen is black.
    pub blackout: bool,
    /// Toggles the black screen.
    pub on_blackout: Callback<()>,
    /// A widget on the presenter's screen plays a step's animation (next lands it).
    #[prop_or_default]
    pub animating: bool,
}

/// The remote.
#[function_component(RemoteView)]
pub fn remote_view(props: &RemoteProps) -> Html {
    let (start, now) = use_clock();
    let navigation = &props.navigation;
    let deck = &navigation.deck;
    let index = navigation.position.slide;
    let Some(slide) = deck.slides.get(index) else {
        return Html::default();
    };
    let notes = props
        .notes
        .get(&slide.id)
        .map(|html| Html::from_html_unchecked(AttrValue::from(html.clone())))
        .unwrap_or_default();
    let elapsed = ((now - *start) / 1000.0).max(0.0);
    let next = match navigation.next_position() {
        Some(position) if position.slide == index => {
            format!("Next: step {} of {}", position.step, slide.steps)
        }
        Some(position) => deck.slides.get(position.slide).map_or_else(
            || "End of the talk".to_owned(),
            |next| format!("Next: {}", next.title),
        ),
        None => "End of the talk".to_owned(),
    };
    let blackout = props.on_blackout.reform(|_: MouseEvent| ());
    html! {
        <div class={classes!("remote", props.blackout.then_some("remote-dark"))} data-view="remote">
            <div class="remote-scroll">
                <p class="remote-status">
                    <span data-counter="">{ format!("Slide {} / {}", index + 1, deck.slides.len()) }</span>
                    if slide.steps > 0 {
                        <span data-remote-step="">{ format!("step {} / {}", navigation.position.step, slide.steps) }</span>
                    }
                    <span class="remote-time">{ format!("{} · {}", clock(elapsed), dom::wall_clock()) }</span>
                </p>
                <h1 class="remote-title">{ slide.title.clone() }</h1>
                <p class="remote-next" data-remote-next="">{ next }</p>
                if props.animating {
                    <p class="remote-animating" role="status" data-remote-animating="">{ "An animation is playing: Next lands it at once." }</p>
                }
                if props.blackout {
                    <p class="remote-blackout" role="status">{ "The audience sees a black screen." }</p>
                }
                if let Some(problem) = &props.sync_problem {
                    <p class="presenter-problem" role="alert">{ problem.clone() }</p>
                }
                <section class="remote-notes" data-notes="" aria-label="Speaker notes">{ notes }</section>
            </div>
            <nav class="remote-buttons" aria-label="Move the deck">
                <button type="button" class="remote-button" data-remote="previous" aria-label="Previous"
                    onclick={props.on_navigate.reform(|_: MouseEvent| NavAction::Previous)}>{ icons::previous() }</button>
                <button type="button" class={classes!("remote-button", "remote-blackout-button", props.blackout.then_some("on"))}
                    data-remote="blackout" aria-pressed={props.blackout.to_string()} aria-label="Black screen"
                    onclick={blackout}>{ icons::blackout() }</button>
                <button type="button" class="remote-button next" data-remote="next"
                    onclick={props.on_navigate.reform(|_: MouseEvent| NavAction::Next)}>{ "Next" }{ icons::next() }</button>
            </nav>
        </div>
    }
}
