//! The root component: holds the app's state and picks the view (slides, presenter,
//! remote) with its overlays.
//!
//! State is one [`Model`] changed by [`Action`]s (a `Reducible`, tested natively in
//! `model`); the DOM side effects (loading, keys and touch, the presenter link, live
//! reload, the URL, the window size) are named hooks in `hooks`. The URL hash carries the
//! position and, once the user acts on a widget, that slide's widget states
//! (`#/<id>/<step>?w0=…`, see `route`): a link shares the moment.

use std::rc::Rc;

use yew::prelude::*;

use crate::dom;
use crate::help::{GoToPrompt, Help};
use crate::hooks::{
    navigate_or_skip, use_deck, use_input_listeners, use_location_hash, use_sync_link,
    use_widgets_prefetch, use_window_size,
};
use crate::json;
use crate::keys::Command;
use crate::model::{Action, Model, Overlay, SyncMode};
use crate::navigation::{NavAction, Navigation};
use crate::overview::Overview;
use crate::presenter::PresenterView;
use crate::remote::RemoteView;
use crate::route::{slide_widget_states, PageQuery, View};
use crate::scaled::{CANVAS_HEIGHT, CANVAS_WIDTH};
use crate::slide::{byline, SlideView};

/// Props of [`App`].
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// Where to fetch the deck JSON (relative to the page).
    pub deck_url: AttrValue,
    /// Served (SSE) or static (BroadcastChannel) sync.
    pub sync_mode: SyncMode,
    /// The page's query: view and token.
    pub query: PageQuery,
}

impl Model {
    /// The hash this window's URL should show: the position, plus the current slide's
    /// widget states while [`Model::shared_route`] is that position.
    pub fn location_hash(&self) -> Option<String> {
        let route = self.navigation.as_ref()?.route();
        if self.shared_route.as_ref() != Some(&route) {
            return Some(route.to_hash());
        }
        let states = slide_widget_states(&self.widgets, &route.slide_id)
            .into_iter()
            .filter_map(|(k, state)| Some((k, json::stringify(&state).ok()?)))
            .collect();
        Some(route.to_hash_with_widgets(&states))
    }
}

/// The root component.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let model = use_reducer_eq({
        let query = props.query.clone();
        let mode = props.sync_mode;
        move || Model::new(&query, mode, dom::window_id(), &dom::location_hash())
    });
    // Listeners created once read the model through this cell, refreshed every render.
    let current = use_mut_ref(|| model.clone());
    *current.borrow_mut() = model.clone();
    use_deck(
        &model,
        &current,
        &props.deck_url,
        &props.query,
        props.sync_mode,
    );
    use_input_listeners(&model, &current, &props.query);
    use_sync_link(&model, props.sync_mode, props.query.token.clone());
    use_location_hash(model.location_hash());
    use_widgets_prefetch(&model);
    let window_size = use_window_size();

    let dispatcher = model.dispatcher();
    if let Some(message) = &model.failure {
        return html! {
            <div class="boot boot-failed" role="alert">
                <p class="boot-title">{ "La présentation n’a pas pu être chargée." }</p>
                <p class="boot-message">{ message.clone() }</p>
            </div>
        };
    }
    let Some(navigation) = &model.navigation else {
        return html! {
            <div class="boot" role="status"><p class="boot-message">{ "Chargement de la présentation…" }</p></div>
        };
    };
    let on_widget_state = {
        let dispatcher = dispatcher.clone();
        Callback::from(move |(key, value): (String, serde_json::Value)| {
            dispatcher.dispatch(Action::WidgetState(key, value));
        })
    };
    let on_navigate = {
        let dispatcher = dispatcher.clone();
        // The remote draws no widget: what the presenter's window said decides.
        let remote_skips = model.view == View::Remote && model.animating;
        Callback::from(move |action: NavAction| {
            if remote_skips && action == NavAction::Next {
                dispatcher.dispatch(Action::Skip);
            } else {
                dispatcher.dispatch(navigate_or_skip(action));
            }
        })
    };
    let overlays = overlays(&model, navigation, &dispatcher);
    let announce = announcement(navigation);
    let errors = live_errors(&model.live_errors);
    match model.view {
        View::Presenter => html! {
            <>
                <PresenterView
                    navigation={navigation.clone()}
                    notes={model.notes.clone()}
                    widget_states={model.widgets.clone()}
                    on_widget_state={on_widget_state}
                    on_navigate={on_navigate}
                    window={window_size}
                    token={props.query.token.clone()}
                    served={props.sync_mode == SyncMode::Served}
                    sync_problem={model.sync_problem.clone()}
                    overlay_open={model.overlay != Overlay::None}
                    blackout={model.blackout}
                    on_blackout={reform(&dispatcher, |()| Action::Command(Command::Blackout))}
                    skips={model.skips}
                />
                { overlays }
                { announce }
                { errors }
            </>
        },
        View::Remote => html! {
            <>
                <RemoteView
                    navigation={navigation.clone()}
                    notes={model.notes.clone()}
                    on_navigate={on_navigate}
                    sync_problem={model.sync_problem.clone()}
                    blackout={model.blackout}
                    on_blackout={reform(&dispatcher, |()| Action::Command(Command::Blackout))}
                    animating={model.animating}
                />
                { announce }
                { errors }
            </>
        },
        View::Audience | View::Follow => {
            let (width, height) = window_size;
            let scale = (width / CANVAS_WIDTH).min(height / CANVAS_HEIGHT).max(0.05);
            let left = (width - CANVAS_WIDTH * scale) / 2.0;
            let top = (height - CANVAS_HEIGHT * scale) / 2.0;
            let canvas_style = format!(
                "width:{CANVAS_WIDTH}px;height:{CANVAS_HEIGHT}px;transform:translate({left:.2}px,{top:.2}px) scale({scale:.5});"
            );
            let deck = &navigation.deck;
            let index = navigation.position.slide;
            let total = deck.slides.len();
            let progress = if total > 1 {
                index as f64 / (total - 1) as f64 * 100.0
            } else {
                100.0
            };
            let slide = deck.slides.get(index).cloned().map(Rc::new);
            let covered = model.overlay != Overlay::None || model.blackout;
            let view_name = if model.view == View::Follow {
                "follow"
            } else {
                "audience"
            };
            let detached = model.view == View::Follow && !model.attached;
            let reattach = reform(&dispatcher, |_: MouseEvent| Action::Reattach);
            html! {
                <div class="viewport" data-view={view_name} data-attached={model.attached.to_string()}
                    data-sync-seq={model.latest_remote.as_ref().map(|message| message.seq.to_string())}>
                    <main class="canvas" style={canvas_style}
                        inert={covered} aria-hidden={covered.then_some("true")}>
                        if let Some(slide) = slide {
                            <SlideView slide={slide} step={navigation.position.step} skips={model.skips}
                                byline={byline(&deck.meta)}
                                widget_states={model.widgets.clone()} on_widget_state={on_widget_state} />
                        }
                        <div class="slide-number" aria-hidden="true">{ format!("{} / {}", index + 1, total) }</div>
                        <div class="progress" aria-hidden="true"><div class="progress-bar" style={format!("width:{progress:.2}%")}></div></div>
                    </main>
                    if model.blackout {
                        <div class="blackout" data-blackout=""></div>
                    }
                    if detached {
                        <button type="button" class="reattach" data-reattach="" onclick={reattach}>
                            { "Vous explorez seul·e — revenir à l’orateur" }
                        </button>
                    }
                    { overlays }
                    { announce }
                    { errors }
                </div>
            }
        }
    }
}

/// A callback dispatching the action `make` builds from its argument.
fn reform<T: 'static>(
    dispatcher: &UseReducerDispatcher<Model>,
    make: impl Fn(T) -> Action + 'static,
) -> Callback<T> {
    let dispatcher = dispatcher.clone();
    Callback::from(move |value| dispatcher.dispatch(make(value)))
}

/// The overview, help and go-to overlays.
fn overlays(
    model: &Model,
    navigation: &Navigation,
    dispatcher: &UseReducerDispatcher<Model>,
) -> Html {
    match &model.overlay {
        Overlay::None => Html::default(),
        Overlay::Overview(selected) => html! {
            <Overview deck={navigation.deck.clone()} selected={*selected}
                current={navigation.position.slide} on_pick={reform(dispatcher, Action::Pick)} />
        },
        Overlay::Help => {
            html! { <Help on_close={reform(dispatcher, |()| Action::CloseOverlay)} /> }
        }
        Overlay::GoTo(not_found) => html! {
            <GoToPrompt on_submit={reform(dispatcher, Action::GoToTyped)}
                on_cancel={reform(dispatcher, |()| Action::CloseOverlay)}
                not_found={not_found.clone()} />
        },
    }
}

/// The aria-live region announcing the slide and step (French: the audience hears it).
fn announcement(navigation: &Navigation) -> Html {
    let deck = &navigation.deck;
    let index = navigation.position.slide;
    let Some(slide) = deck.slides.get(index) else {
        return Html::default();
    };
    let mut text = format!(
        "Diapositive {} sur {} : {}",
        index + 1,
        deck.slides.len(),
        slide.title
    );
    if slide.steps > 0 {
        text.push_str(&format!(
            ", étape {} sur {}",
            navigation.position.step, slide.steps
        ));
    }
    html! { <div class="sr-only" aria-live="polite" aria-atomic="true" data-announce="">{ text }</div> }
}

/// The overlay listing a broken edit's errors (the last good deck stays under it).
fn live_errors(errors: &[String]) -> Html {
    if errors.is_empty() {
        return Html::default();
    }
    html! {
        <div class="live-errors" role="alert" data-live-errors="">
            <h2>{ "La présentation contient des erreurs — la dernière version correcte reste affichée" }</h2>
            <ul>{ for errors.iter().map(|error| html! { <li><code>{ error.clone() }</code></li> }) }</ul>
            <p>{ "Corriger le fichier et l’enregistrer : ce message disparaît de lui-même." }</p>
        </div>
    }
}
