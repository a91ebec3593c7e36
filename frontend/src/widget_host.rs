//! The widgets, seen from the app. They live in a second WASM module (crate `widgets`,
//! with the simulations) so the app's first load carries none of it: the page defines
//! `window.raftdeckLoadWidgets()`, which imports and instantiates that module once and
//! resolves to its exports; [`WidgetHost`] then mounts, updates and destroys one widget
//! through them. Only strings, numbers and the slot element cross the boundary.

use std::cell::RefCell;
use std::rc::Rc;

use deck::WidgetSpec;
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Element;
use yew::prelude::*;

use crate::dom::describe;
use crate::json;

/// The global the page defines to load the widgets module.
const LOADER: &str = "raftdeckLoadWidgets";

thread_local! {
    /// The module's loading promise, shared by every widget; cleared when it fails so a
    /// later slide tries again (a dropped connection is not forever).
    static LOADING: RefCell<Option<Promise>> = const { RefCell::new(None) };
}

/// Starts loading the widgets module unless it is loaded or loading already.
fn loading() -> Result<Promise, String> {
    LOADING.with(|cell| {
        if let Some(promise) = cell.borrow().as_ref() {
            return Ok(promise.clone());
        }
        let window = web_sys::window().ok_or("no window")?;
        let loader = Reflect::get(&window, &JsValue::from_str(LOADER))
            .ok()
            .and_then(|loader| loader.dyn_into::<Function>().ok())
            .ok_or_else(|| format!("the page defines no `{LOADER}`"))?;
        let promise = loader
            .call0(&window)
            .map_err(|error| describe(&error))?
            .dyn_into::<Promise>()
            .map_err(|_| format!("`{LOADER}` returned no promise"))?;
        *cell.borrow_mut() = Some(promise.clone());
        Ok(promise)
    })
}

/// Starts fetching the widgets module in the background (the next slide has a widget),
/// so the speaker never waits for it.
pub fn prefetch() {
    if let Ok(promise) = loading() {
        wasm_bindgen_futures::spawn_local(async move {
            if JsFuture::from(promise).await.is_err() {
                LOADING.with(|cell| cell.borrow_mut().take());
            }
        });
    }
}

/// The widgets module's exports, once loaded.
async fn module() -> Result<JsValue, String> {
    let promise = loading()?;
    JsFuture::from(promise).await.map_err(|error| {
        LOADING.with(|cell| cell.borrow_mut().take());
        describe(&error)
    })
}

/// Calls `object.name(args…)`.
fn call_method(object: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let method = Reflect::get(object, &JsValue::from_str(name))
        .ok()
        .and_then(|method| method.dyn_into::<Function>().ok())
        .ok_or_else(|| format!("the widgets module has no `{name}`"))?;
    let args: Array = args.iter().collect();
    method
        .apply(object, &args)
        .map_err(|error| describe(&error))
}

/// Props of [`WidgetHost`]: what the slide gives one widget.
#[derive(Properties, PartialEq)]
pub struct WidgetHostProps {
    /// The `.widget-slot` element the widget renders into.
    pub host: Element,
    /// The block's spec, as the deck compiler validated it.
    pub spec: Rc<WidgetSpec>,
    /// `"<slide-id>/<k>"`: the widget's key in sync messages and URLs.
    pub key_name: AttrValue,
    /// The slide's current step.
    pub step: u32,
    /// A state from elsewhere (presenter sync, shared URL).
    #[prop_or_default]
    pub external: Option<serde_json::Value>,
    /// Called with (key, state) when the user acts on the widget.
    #[prop_or_default]
    pub on_state: Callback<(String, serde_json::Value)>,
    /// A static render (previews, thumbnails, print).
    #[prop_or_default]
    pub preview: bool,
    /// Step animations skipped so far: the widget skips its own when this changes.
    #[prop_or_default]
    pub skips: u32,
}

/// What changes after mounting: the arguments of the widget's `update`.
#[derive(Clone, PartialEq)]
struct Live {
    step: u32,
    external: Option<String>,
    preview: bool,
    skips: u32,
}

impl Live {
    fn args(&self) -> [JsValue; 4] {
        [
            JsValue::from(self.step),
            self.external
                .as_deref()
                .map_or(JsValue::UNDEFINED, JsValue::from_str),
            JsValue::from_bool(self.preview),
            JsValue::from(self.skips),
        ]
    }
}

/// A mounted widget and the callback it calls back into the app with.
struct Mounted {
    widget: JsValue,
    _on_state: Closure<dyn Fn(String, String)>,
}

/// Mounts a widget into its slot (loading the widgets module first if need be) and keeps
/// it in step with the slide; renders nothing itself.
#[function_component(WidgetHost)]
pub fn widget_host(props: &WidgetHostProps) -> Html {
    let live = Live {
        step: props.step,
        external: props
            .external
            .as_ref()
            .and_then(|state| json::stringify(state).ok()),
        preview: props.preview,
        skips: props.skips,
    };
    // Read by the mount once the module has arrived, which may be renders later.
    let latest = use_mut_ref(|| live.clone());
    *latest.borrow_mut() = live.clone();
    let on_state = use_mut_ref(|| props.on_state.clone());
    *on_state.borrow_mut() = props.on_state.clone();
    let mounted = use_mut_ref(|| None::<Mounted>);
    {
        let mounted = mounted.clone();
        let latest = latest.clone();
        let deps = (
            props.host.clone(),
            props.spec.clone(),
            props.key_name.clone(),
        );
        use_effect_with(deps, move |(host, spec, key)| {
            let cancelled = Rc::new(std::cell::Cell::new(false));
            let spec_json = json::stringify(&**spec).unwrap_or_default();
            let (host, key) = (host.clone(), key.to_string());
            // Until the module is there (the first widget of a deep link, a slow network),
            // the slot says so. With the module loaded, mounting follows in a microtask,
            // before the browser paints: the note never shows.
            let loading_note = show_note(&host, "widget-loading", "status", LOADING_TEXT);
            {
                let (cancelled, mounted) = (cancelled.clone(), mounted.clone());
                let loading_note = loading_note.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let exports = module().await;
                    if let Some(note) = &loading_note {
                        note.remove();
                    }
                    if cancelled.get() {
                        return;
                    }
                    let callback = Closure::<dyn Fn(String, String)>::new(
                        move |key: String, state: String| {
                            if let Ok(state) = json::parse::<serde_json::Value>(&state) {
                                let emit = on_state.borrow().clone();
                                emit.emit((key, state));
                            }
                        },
                    );
                    let [step, external, preview, skips] = latest.borrow().args();
                    let result = exports.and_then(|exports| {
                        call_method(
                            &exports,
                            "mount_widget",
                            &[
                                host.clone().into(),
                                JsValue::from_str(&spec_json),
                                JsValue::from_str(&key),
                                step,
                                external,
                                preview,
                                skips,
                                callback.as_ref().clone(),
                            ],
                        )
                    });
                    match result {
                        Ok(widget) => {
                            *mounted.borrow_mut() = Some(Mounted {
                                widget,
                                _on_state: callback,
                            });
                        }
                        Err(message) => show_failure(&host, &message),
                    }
                });
            }
            move || {
                cancelled.set(true);
                if let Some(note) = &loading_note {
                    note.remove();
                }
                if let Some(done) = mounted.borrow_mut().take() {
                    let _ = call_method(&done.widget, "destroy", &[]);
                }
            }
        });
    }
    use_effect_with(live, move |live| {
        if let Some(done) = mounted.borrow().as_ref() {
            let _ = call_method(&done.widget, "update", &live.args());
        }
    });
    Html::default()
}

/// What a slot says while the widgets module loads.
const LOADING_TEXT: &str = "Chargement de l’animation…";

/// Tells the audience, in the slot, that this widget could not start.
fn show_failure(host: &Element, message: &str) {
    web_sys::console::error_1(&JsValue::from_str(&format!("widget: {message}")));
    show_note(
        host,
        "raft-widget raft-error",
        "alert",
        &format!("L’animation n’a pas pu être chargée : {message}"),
    );
}

/// Appends a text note with this class and ARIA role to the slot; returns it.
fn show_note(host: &Element, class: &str, role: &str, text: &str) -> Option<Element> {
    let note = host.owner_document()?.create_element("div").ok()?;
    note.set_class_name(class);
    let _ = note.set_attribute("role", role);
    note.set_text_content(Some(text));
    host.append_child(&note).ok()?;
    Some(note)
}
