//! The root component: loads the deck, follows the URL, handles keys and touch, syncs
//! with the presenter, reloads live, and picks the view (slides, presenter, remote).
//!
//! State is one [`Model`] changed by [`Action`]s (a `Reducible`); DOM side effects
//! (fullscreen, new windows, publishing, the URL) happen in listeners and effects around
//! it. The URL hash carries the position and, once the user acts on a widget, that
//! slide's widget states (`#/<id>/<step>?w0=…`, see `route`): a link shares the moment.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use deck::Deck;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::dom::{self, Listener};
use crate::help::{GoToPrompt, Help};
use crate::json;
use crate::keys::{command_for, Command, KeyPress};
use crate::model::{Action, Model, Overlay, SyncMode};
use crate::navigation::{NavAction, Navigation};
use crate::overview::{Overview, COLUMNS};
use crate::presenter::PresenterView;
use crate::remote::RemoteView;
use crate::route::{slide_widget_states, widget_states_in_hash, PageQuery, Route, View};
use crate::scaled::{CANVAS_HEIGHT, CANVAS_WIDTH};
use crate::slide::{byline, SlideView};
use crate::sync::{LiveLink, SyncLink};
use crate::widget_host;

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

/// What a key does given the model (overlays take their own keys first).
fn key_to_action(model: &Model, event: &KeyboardEvent) -> Option<Action> {
    let press = KeyPress {
        key: &event.key(),
        shift: event.shift_key(),
        modifier: event.ctrl_key() || event.meta_key() || event.alt_key(),
    };
    match model.overlay {
        Overlay::GoTo(_) => None,
        Overlay::Overview(selected) => match press.key {
            "ArrowRight" => Some(Action::OverviewMove(1)),
            "ArrowLeft" => Some(Action::OverviewMove(-1)),
            "ArrowDown" => Some(Action::OverviewMove(COLUMNS as i64)),
            "ArrowUp" => Some(Action::OverviewMove(-(COLUMNS as i64))),
            "Enter" | " " => Some(Action::Pick(selected)),
            "Escape" | "o" | "O" => Some(Action::CloseOverlay),
            _ => None,
        },
        Overlay::Help => match press.key {
            "Escape" | "?" => Some(Action::CloseOverlay),
            _ => None,
        },
        Overlay::None => match command_for(press)? {
            Command::Nav(nav_action) => Some(Action::Navigate(nav_action)),
            command => Some(Action::Command(command)),
        },
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

    // Load the deck once, then the notes for the presenter.
    {
        let dispatcher = model.dispatcher();
        let url = props.deck_url.to_string();
        let token = props.query.token.clone();
        let wants_notes = matches!(props.query.view, View::Presenter | View::Remote)
            && props.sync_mode == SyncMode::Served;
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                let action = match load_deck(&url).await {
                    Ok(deck) => {
                        let hash = dom::location_hash();
                        Action::Loaded(deck, Route::parse(&hash), url_widget_states(&hash))
                    }
                    Err(message) => Action::Failed(message),
                };
                dispatcher.dispatch(action);
                if let (true, Some(token)) = (wants_notes, token) {
                    load_notes(&token, &dispatcher).await;
                }
            });
        });
    }

    // Keys, touch and the URL hash drive navigation.
    {
        let dispatcher = model.dispatcher();
        let current = current.clone();
        let query = props.query.clone();
        use_effect_with((), move |()| {
            let keys = {
                let dispatcher = dispatcher.clone();
                let current = current.clone();
                Listener::on_window("keydown", move |event| {
                    if dom::event_from_own_keys_area(&event) {
                        return;
                    }
                    let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    let model = (*current.borrow()).clone();
                    let Some(action) = key_to_action(&model, event) else {
                        return;
                    };
                    event.prevent_default();
                    match action {
                        Action::Command(Command::Fullscreen) => dom::toggle_fullscreen(),
                        Action::Command(Command::OpenPresenter) => {
                            if model.view != View::Presenter {
                                let url = format!(
                                    "{}{}",
                                    query.search_for(View::Presenter),
                                    dom::location_hash()
                                );
                                dom::open_window(&url, "raftdeck-presenter");
                                if model.view == View::Audience {
                                    dom::replace_search(&query.search_for(View::Follow));
                                    dispatcher.dispatch(Action::BecomeFollower);
                                }
                            }
                        }
                        Action::Navigate(nav_action) => {
                            dispatcher.dispatch(navigate_or_skip(nav_action));
                        }
                        action => dispatcher.dispatch(action),
                    }
                })
            };
            let hash = {
                let dispatcher = dispatcher.clone();
                Listener::on_window("hashchange", move |event| {
                    let Some(hash) = dom::hash_changed_by_user(&event) else {
                        return;
                    };
                    if let Some(route) = Route::parse(&hash) {
                        let states = url_widget_states(&hash);
                        dispatcher.dispatch(Action::FollowUrl(route, states));
                    }
                })
            };
            let touch_start: Rc<RefCell<Option<(f64, f64)>>> = Rc::default();
            let start = {
                let touch_start = touch_start.clone();
                Listener::on_window("touchstart", move |event| {
                    if let Some(touch) = event
                        .dyn_ref::<web_sys::TouchEvent>()
                        .and_then(|event| event.changed_touches().get(0))
                    {
                        *touch_start.borrow_mut() =
                            Some((f64::from(touch.client_x()), f64::from(touch.client_y())));
                    }
                })
            };
            // Widgets say when a step's animation starts or ends.
            let animating = {
                let dispatcher = dispatcher.clone();
                Listener::on_window("raftdeck-step-playing", move |_| {
                    dispatcher.dispatch(Action::Animating(dom::widget_step_playing()));
                })
            };
            let end = Listener::on_window("touchend", move |event| {
                if dom::event_from_own_keys_area(&event) {
                    return;
                }
                let Some((x0, y0)) = touch_start.borrow_mut().take() else {
                    return;
                };
                let Some(touch) = event
                    .dyn_ref::<web_sys::TouchEvent>()
                    .and_then(|event| event.changed_touches().get(0))
                else {
                    return;
                };
                let (dx, dy) = (
                    f64::from(touch.client_x()) - x0,
                    f64::from(touch.client_y()) - y0,
                );
                if dx.abs() > 50.0 && dx.abs() > dy.abs() {
                    let action = if dx < 0.0 {
                        NavAction::Next
                    } else {
                        NavAction::Previous
                    };
                    dispatcher.dispatch(navigate_or_skip(action));
                }
            });
            move || drop((keys, hash, start, end, animating))
        });
    }

    // Sync: followers, presenters and remotes keep a link.
    let sync_link: Rc<RefCell<Option<SyncLink>>> = use_mut_ref(|| None);
    let linked = model.follows();
    {
        let dispatcher = model.dispatcher();
        let sync_link = sync_link.clone();
        let mode = props.sync_mode;
        use_effect_with(linked, move |linked| {
            if *linked {
                *sync_link.borrow_mut() = SyncLink::connect(mode, move |incoming| {
                    dispatcher.dispatch(Action::Incoming(incoming));
                });
            }
            move || drop(sync_link.borrow_mut().take())
        });
    }
    // Publish local changes.
    {
        let dispatcher = model.dispatcher();
        let state = model.sync_state();
        let token = props.query.token.clone();
        let publishes = model.publishes;
        let sync_link = sync_link.clone();
        use_effect_with(model.local_revision, move |revision| {
            if *revision > 0 && publishes {
                if let (Some(link), Some(state)) = (sync_link.borrow().as_ref(), state) {
                    link.publish(&state, token.as_deref(), move |problem| {
                        dispatcher.dispatch(Action::SyncProblem(problem));
                    });
                }
            }
        });
    }

    // Live reload (served mode).
    {
        let dispatcher = model.dispatcher();
        let current = current.clone();
        let url = props.deck_url.to_string();
        let token = props.query.token.clone();
        let wants_notes = matches!(props.query.view, View::Presenter | View::Remote);
        let served = props.sync_mode == SyncMode::Served;
        use_effect_with((), move |()| {
            let link = served.then(|| {
                LiveLink::connect(move |status| {
                    let known = current.borrow().deck_version;
                    let version = status.version;
                    dispatcher.dispatch(Action::Live(status));
                    if version > known {
                        let dispatcher = dispatcher.clone();
                        let url = url.clone();
                        let token = token.clone();
                        wasm_bindgen_futures::spawn_local(async move {
                            if let Ok(deck) = load_deck(&url).await {
                                dispatcher.dispatch(Action::Reloaded(deck, version));
                                dom::reload_stylesheets(version);
                            }
                            if let (true, Some(token)) = (wants_notes, token) {
                                load_notes(&token, &dispatcher).await;
                            }
                        });
                    }
                })
            });
            move || drop(link)
        });
    }

    // The hash follows navigation (a history entry per move) and the shared widget
    // states (replaced in place: acting on a widget is not a place to go back to).
    use_effect_with(model.location_hash(), |hash| {
        if let Some(hash) = hash {
            if Route::parse(&dom::location_hash()) == Route::parse(hash) {
                dom::replace_location_hash(hash);
            } else {
                dom::set_location_hash(hash);
            }
        }
    });

    // The widgets module is fetched while the slide before a widget is on screen (or the
    // widget's own slide, on a deep link), so a widget never waits for the network.
    let widgets_ahead = model.navigation.as_ref().is_some_and(|navigation| {
        navigation
            .deck
            .slides
            .iter()
            .skip(navigation.position.slide)
            .take(2)
            .any(|slide| !slide.widgets.is_empty())
    });
    use_effect_with(widgets_ahead, |ahead| {
        if *ahead {
            widget_host::prefetch();
        }
    });

    // The window size scales the canvas.
    let window_size = use_state(dom::window_size);
    {
        let window_size = window_size.clone();
        use_effect_with((), move |()| {
            let resize =
                Listener::on_window("resize", move |_| window_size.set(dom::window_size()));
            move || drop(resize)
        });
    }

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
                    window={*window_size}
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
            let (width, height) = *window_size;
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

/// `Next` while a widget of this window plays a slide step's animation skips it to its
/// checkpoint instead of moving on (the speaker never waits on an animation; the next
/// press moves on); every other move is a move.
fn navigate_or_skip(action: NavAction) -> Action {
    if action == NavAction::Next && dom::widget_step_playing() {
        Action::Skip
    } else {
        Action::Navigate(action)
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

/// The widget states a shared link carries, parsed: those that are not JSON objects are
/// dropped here (see `route::widget_states_in_hash`).
fn url_widget_states(hash: &str) -> BTreeMap<u32, serde_json::Value> {
    widget_states_in_hash(hash)
        .into_iter()
        .filter_map(|(k, text)| {
            let state = json::parse::<serde_json::Value>(&text).ok()?;
            state.is_object().then_some((k, state))
        })
        .collect()
}

/// Fetches and parses the deck (the print layout loads it the same way).
pub(crate) async fn load_deck(url: &str) -> Result<Rc<Deck>, String> {
    let text = dom::fetch_text(url).await?;
    json::parse::<Deck>(&text)
        .map(Rc::new)
        .map_err(|error| format!("le fichier de la présentation est illisible ({error})"))
}

async fn load_notes(token: &str, dispatcher: &UseReducerDispatcher<Model>) {
    match dom::fetch_text_with_token("api/notes", token).await {
        Ok(text) => match json::parse::<BTreeMap<String, String>>(&text) {
            Ok(notes) => dispatcher.dispatch(Action::Notes(Rc::new(notes))),
            Err(error) => {
                dispatcher.dispatch(Action::SyncProblem(format!("notes unreadable: {error}")))
            }
        },
        Err(error) => {
            dispatcher.dispatch(Action::SyncProblem(format!("notes unavailable: {error}")))
        }
    }
}
