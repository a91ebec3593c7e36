//! The root component: loads the deck, follows the URL, handles keys, scales the canvas.

use std::rc::Rc;

use deck::Deck;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::dom::{self, Listener};
use crate::navigation::{NavAction, Navigation};
use crate::route::Route;
use crate::slide::SlideView;

/// The logical canvas every slide is laid out on; it is scaled to fit the window.
const CANVAS_WIDTH: f64 = 1280.0;
const CANVAS_HEIGHT: f64 = 720.0;

/// Props of [`App`].
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// Where to fetch the deck JSON (relative to the page).
    pub deck_url: AttrValue,
}

/// The app's state: loading, failed, or presenting.
#[derive(Debug, Clone, PartialEq)]
pub enum AppState {
    /// The deck is being fetched.
    Loading,
    /// The deck could not be loaded; the message says why.
    Failed(String),
    /// The deck is on screen.
    Ready(Navigation),
}

/// What changes the app state.
pub enum AppAction {
    /// The deck arrived; open the slide named by the URL.
    Loaded(Rc<Deck>, Option<Route>),
    /// Loading failed.
    Failed(String),
    /// A navigation action (keys, URL).
    Navigate(NavAction),
}

impl Reducible for AppState {
    type Action = AppAction;

    fn reduce(self: Rc<Self>, action: AppAction) -> Rc<Self> {
        match action {
            AppAction::Loaded(deck, route) => {
                Rc::new(AppState::Ready(Navigation::new(deck, route)))
            }
            AppAction::Failed(message) => Rc::new(AppState::Failed(message)),
            AppAction::Navigate(nav_action) => match &*self {
                AppState::Ready(navigation) => {
                    let mut navigation = navigation.clone();
                    if navigation.apply(nav_action) {
                        Rc::new(AppState::Ready(navigation))
                    } else {
                        self
                    }
                }
                _ => self,
            },
        }
    }
}

/// Maps a key press to a navigation action (reveal.js conventions).
fn key_action(event: &KeyboardEvent) -> Option<NavAction> {
    if event.ctrl_key() || event.meta_key() || event.alt_key() {
        return None;
    }
    match event.key().as_str() {
        "ArrowRight" if event.shift_key() => Some(NavAction::NextSlide),
        "ArrowLeft" if event.shift_key() => Some(NavAction::PreviousSlide),
        "ArrowRight" | " " | "PageDown" | "n" | "N" => Some(NavAction::Next),
        "ArrowLeft" | "PageUp" | "p" | "P" => Some(NavAction::Previous),
        "Home" => Some(NavAction::First),
        "End" => Some(NavAction::Last),
        _ => None,
    }
}

/// The root component.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let state = use_reducer_eq(|| AppState::Loading);

    // Load the deck once.
    {
        let dispatcher = state.dispatcher();
        let url = props.deck_url.to_string();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                let action = match dom::fetch_text(&url).await {
                    Ok(text) => match serde_json::from_str::<Deck>(&text) {
                        Ok(deck) => {
                            AppAction::Loaded(Rc::new(deck), Route::parse(&dom::location_hash()))
                        }
                        Err(error) => AppAction::Failed(format!(
                            "le fichier de la présentation est illisible ({error})"
                        )),
                    },
                    Err(message) => AppAction::Failed(message),
                };
                dispatcher.dispatch(action);
            });
        });
    }

    // Keys and the URL hash drive navigation.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |()| {
            let keys = {
                let dispatcher = dispatcher.clone();
                Listener::on_window("keydown", move |event| {
                    let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    if let Some(action) = key_action(event) {
                        event.prevent_default();
                        dispatcher.dispatch(AppAction::Navigate(action));
                    }
                })
            };
            let hash = Listener::on_window("hashchange", move |_| {
                if let Some(route) = Route::parse(&dom::location_hash()) {
                    dispatcher.dispatch(AppAction::Navigate(NavAction::GoTo(route)));
                }
            });
            move || drop((keys, hash))
        });
    }

    // The hash follows navigation.
    let route = match &*state {
        AppState::Ready(navigation) => Some(navigation.route()),
        _ => None,
    };
    use_effect_with(route, |route| {
        if let Some(route) = route {
            dom::set_location_hash(&route.to_hash());
        }
    });

    // Scale the 16:9 canvas to the window, letterboxed.
    let window_size = use_state(dom::window_size);
    {
        let window_size = window_size.clone();
        use_effect_with((), move |()| {
            let resize =
                Listener::on_window("resize", move |_| window_size.set(dom::window_size()));
            move || drop(resize)
        });
    }

    match &*state {
        AppState::Loading => html! {
            <div class="boot" role="status"><p class="boot-message">{ "Chargement de la présentation…" }</p></div>
        },
        AppState::Failed(message) => html! {
            <div class="boot boot-failed" role="alert">
                <p class="boot-title">{ "La présentation n’a pas pu être chargée." }</p>
                <p class="boot-message">{ message.clone() }</p>
            </div>
        },
        AppState::Ready(navigation) => {
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
            html! {
                <div class="viewport">
                    <div class="canvas" style={canvas_style}>
                        if let Some(slide) = slide {
                            <SlideView slide={slide} step={navigation.position.step} />
                        }
                        <div class="slide-number" aria-hidden="true">{ format!("{} / {}", index + 1, total) }</div>
                        <div class="progress" aria-hidden="true"><div class="progress-bar" style={format!("width:{progress:.2}%")}></div></div>
                    </div>
                </div>
            }
        }
    }
}
