//! The root component's side effects, as named hooks: loading (and live-reloading) the
//! deck, the input listeners (keys, touch, the URL hash, widgets' step animations), the
//! presenter link, the URL the model shows, the widgets' prefetch and the window size.
//!
//! They only translate between the DOM and [`Action`]s; what an action does is the
//! reducer's business (`model`, tested natively).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use deck::Deck;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::dom::{self, Listener};
use crate::json;
use crate::keys::{command_for, Command, KeyPress};
use crate::model::{Action, Model, Overlay, SyncMode};
use crate::navigation::NavAction;
use crate::overview::COLUMNS;
use crate::route::{widget_states_in_hash, PageQuery, Route, View};
use crate::sync::{LiveLink, SyncLink};
use crate::widget_host;

/// The app's state handle, as the root component holds it.
type ModelHandle = UseReducerHandle<Model>;

/// Loads the deck once, then the speaker's notes for the presenter and the remote; in
/// served mode, reloads them (and the stylesheets) when the server says a newer version
/// is built.
#[hook]
pub fn use_deck(
    model: &ModelHandle,
    current: &Rc<RefCell<ModelHandle>>,
    deck_url: &AttrValue,
    query: &PageQuery,
    mode: SyncMode,
) {
    let url = deck_url.to_string();
    let wants_notes = matches!(query.view, View::Presenter | View::Remote);
    {
        let dispatcher = model.dispatcher();
        let url = url.clone();
        let token = query.token.clone();
        let wants_notes = wants_notes && mode == SyncMode::Served;
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
    let dispatcher = model.dispatcher();
    let current = current.clone();
    let token = query.token.clone();
    let served = mode == SyncMode::Served;
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

/// Keys, swipes and the URL hash drive navigation; widgets say when a step's animation
/// starts or ends. The listeners live as long as the app.
#[hook]
pub fn use_input_listeners(
    model: &ModelHandle,
    current: &Rc<RefCell<ModelHandle>>,
    query: &PageQuery,
) {
    let dispatcher = model.dispatcher();
    let current = current.clone();
    let query = query.clone();
    use_effect_with((), move |()| {
        let keys = {
            let dispatcher = dispatcher.clone();
            Listener::on_window("keydown", move |event| {
                if dom::event_from_own_keys_area(&event) {
                    return;
                }
                let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                let model = (*current.borrow()).clone();
                if let Some(action) = key_to_action(&model, event) {
                    event.prevent_default();
                    on_key_action(action, &model, &query, &dispatcher);
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
        let animating = {
            let dispatcher = dispatcher.clone();
            Listener::on_window("raftdeck-step-playing", move |_| {
                dispatcher.dispatch(Action::Animating(dom::widget_step_playing()));
            })
        };
        let (start, end) = swipe_listeners(dispatcher);
        move || drop((keys, hash, start, end, animating))
    });
}

/// What a key's action does beyond the reducer: fullscreen, the presenter's window, and
/// `Next` skipping a playing animation.
fn on_key_action(
    action: Action,
    model: &Model,
    query: &PageQuery,
    dispatcher: &UseReducerDispatcher<Model>,
) {
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
        Action::Navigate(nav_action) => dispatcher.dispatch(navigate_or_skip(nav_action)),
        action => dispatcher.dispatch(action),
    }
}

/// A horizontal swipe of more than 50 px moves a slide (left: next, right: previous).
fn swipe_listeners(
    dispatcher: UseReducerDispatcher<Model>,
) -> (Option<Listener>, Option<Listener>) {
    let touch_start: Rc<RefCell<Option<(f64, f64)>>> = Rc::default();
    let first_touch = |event: &web_sys::Event| {
        event
            .dyn_ref::<web_sys::TouchEvent>()
            .and_then(|event| event.changed_touches().get(0))
            .map(|touch| (f64::from(touch.client_x()), f64::from(touch.client_y())))
    };
    let start = {
        let touch_start = touch_start.clone();
        Listener::on_window("touchstart", move |event| {
            if let Some(point) = first_touch(&event) {
                *touch_start.borrow_mut() = Some(point);
            }
        })
    };
    let end = Listener::on_window("touchend", move |event| {
        if dom::event_from_own_keys_area(&event) {
            return;
        }
        let Some((x0, y0)) = touch_start.borrow_mut().take() else {
            return;
        };
        let Some((x, y)) = first_touch(&event) else {
            return;
        };
        let (dx, dy) = (x - x0, y - y0);
        if dx.abs() > 50.0 && dx.abs() > dy.abs() {
            let action = if dx < 0.0 {
                NavAction::Next
            } else {
                NavAction::Previous
            };
            dispatcher.dispatch(navigate_or_skip(action));
        }
    });
    (start, end)
}

/// Followers, presenters and remotes keep a sync link while the model follows one, and
/// publish each local change through it.
#[hook]
pub fn use_sync_link(model: &ModelHandle, mode: SyncMode, token: Option<String>) {
    let sync_link: Rc<RefCell<Option<SyncLink>>> = use_mut_ref(|| None);
    {
        let dispatcher = model.dispatcher();
        let sync_link = sync_link.clone();
        use_effect_with(model.follows(), move |linked| {
            if *linked {
                *sync_link.borrow_mut() = SyncLink::connect(mode, move |incoming| {
                    dispatcher.dispatch(Action::Incoming(incoming));
                });
            }
            move || drop(sync_link.borrow_mut().take())
        });
    }
    // The handle is this render's state: the snapshot is built only when a local change
    // is published, not on every render.
    let model = model.clone();
    use_effect_with(model.local_revision, move |revision| {
        if *revision > 0 && model.publishes {
            if let (Some(link), Some(state)) = (sync_link.borrow().as_ref(), model.sync_state()) {
                let dispatcher = model.dispatcher();
                link.publish(&state, token.as_deref(), move |problem| {
                    dispatcher.dispatch(Action::SyncProblem(problem));
                });
            }
        }
    });
}

/// The URL hash follows navigation (a history entry per move) and the shared widget
/// states (replaced in place: acting on a widget is not a place to go back to).
#[hook]
pub fn use_location_hash(hash: Option<String>) {
    use_effect_with(hash, |hash| {
        if let Some(hash) = hash {
            if Route::parse(&dom::location_hash()) == Route::parse(hash) {
                dom::replace_location_hash(hash);
            } else {
                dom::set_location_hash(hash);
            }
        }
    });
}

/// The widgets module is fetched while the slide before a widget is on screen (or the
/// widget's own slide, on a deep link), so a widget never waits for the network.
#[hook]
pub fn use_widgets_prefetch(model: &Model) {
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
}

/// The window's inner size (CSS px), kept current: it scales the canvas.
#[hook]
pub fn use_window_size() -> (f64, f64) {
    let window_size = use_state(dom::window_size);
    {
        let window_size = window_size.clone();
        use_effect_with((), move |()| {
            let resize =
                Listener::on_window("resize", move |_| window_size.set(dom::window_size()));
            move || drop(resize)
        });
    }
    *window_size
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

/// `Next` while a widget of this window plays a slide step's animation skips it to its
/// checkpoint instead of moving on (the speaker never waits on an animation; the next
/// press moves on); every other move is a move.
pub(crate) fn navigate_or_skip(action: NavAction) -> Action {
    if action == NavAction::Next && dom::widget_step_playing() {
        Action::Skip
    } else {
        Action::Navigate(action)
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

/// Fetches the speaker's notes (token-protected) into the model; a failure is a sync
/// problem the presenter view shows, not a broken app.
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
