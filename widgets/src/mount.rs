//! The calls the app makes across the module boundary: mount a widget into a slot,
//! update what the slide gives it (step, external state, preview), destroy it.
//!
//! Only strings, numbers and DOM elements cross: the spec and the states travel as JSON
//! text, so the app needs neither the simulations nor their types.

use std::rc::Rc;

use deck::{WidgetKind, WidgetSpec};
use wasm_bindgen::prelude::*;
use web_sys::Element;
use yew::prelude::*;
use yew::AppHandle;

use crate::model_widget::ModelWidget;
use crate::raft::RaftWidget;

/// What the slide hands a widget: the props of [`WidgetRoot`] and of both widget
/// components.
#[derive(Properties, PartialEq, Clone)]
pub struct WidgetProps {
    /// The block's spec (kind, scenario text, checkpoints, controls…).
    pub spec: Rc<WidgetSpec>,
    /// `"<slide-id>/<k>"`: the key of this widget's state in sync messages and URLs.
    pub key_name: AttrValue,
    /// The slide's current step (drives the checkpoints).
    pub step: u32,
    /// A state from elsewhere (presenter sync, shared URL), adopted when it changes.
    #[prop_or_default]
    pub external: Option<serde_json::Value>,
    /// Called with (key, state) when the user acts on the widget.
    #[prop_or_default]
    pub on_state: Callback<(String, serde_json::Value)>,
    /// A static render (presenter preview, overview, print): no animation, no listeners.
    #[prop_or_default]
    pub preview: bool,
    /// Step animations the presenter skipped so far: when it changes, a step's
    /// animation still playing jumps to its checkpoint.
    #[prop_or_default]
    pub skips: u32,
}

/// The root of one widget's Yew app: the component for its kind.
#[function_component(WidgetRoot)]
fn widget_root(props: &WidgetProps) -> Html {
    match props.spec.kind {
        WidgetKind::Raft => html! { <RaftWidget ..props.clone() /> },
        // One component for the other systems; it draws through the system's module.
        WidgetKind::Controlplane
        | WidgetKind::Elastic
        | WidgetKind::Kafka
        | WidgetKind::Multisite => html! { <ModelWidget ..props.clone() /> },
    }
}

/// A widget mounted in a slot; the app keeps it while the slot is on screen.
#[wasm_bindgen]
pub struct MountedWidget {
    app: AppHandle<WidgetRoot>,
    props: WidgetProps,
}

/// A state sent by the app: JSON text, or nothing. A state that is not JSON is dropped
/// (the widget then keeps its own), never a panic.
fn parse_external(external_json: Option<String>) -> Option<serde_json::Value> {
    serde_json::from_str(&external_json?).ok()
}

/// Mounts the widget described by `spec_json` (a `deck::WidgetSpec`) into `host`.
/// `on_state(key, state_json)` is called when the user acts on it (an input, play or
/// pause, a seek, a speed), never per animation frame.
#[wasm_bindgen]
// The module boundary carries plain values only (no struct crosses it), one per argument.
#[allow(clippy::too_many_arguments)]
pub fn mount_widget(
    host: Element,
    spec_json: &str,
    key: String,
    step: u32,
    external_json: Option<String>,
    preview: bool,
    skips: u32,
    on_state: js_sys::Function,
) -> Result<MountedWidget, JsError> {
    let spec: WidgetSpec = serde_json::from_str(spec_json)
        .map_err(|error| JsError::new(&format!("widget spec for {key}: {error}")))?;
    let on_state = Callback::from(move |(key, state): (String, serde_json::Value)| {
        let _ = on_state.call2(
            &JsValue::NULL,
            &JsValue::from_str(&key),
            &JsValue::from_str(&state.to_string()),
        );
    });
    let props = WidgetProps {
        spec: Rc::new(spec),
        key_name: key.into(),
        step,
        external: parse_external(external_json),
        on_state,
        preview,
        skips,
    };
    let app = yew::Renderer::<WidgetRoot>::with_root_and_props(host, props.clone()).render();
    Ok(MountedWidget { app, props })
}

#[wasm_bindgen]
impl MountedWidget {
    /// Hands the widget the slide's new step, external state, preview flag and skip
    /// count; a no-op when nothing changed.
    pub fn update(&mut self, step: u32, external_json: Option<String>, preview: bool, skips: u32) {
        let props = WidgetProps {
            step,
            external: parse_external(external_json),
            preview,
            skips,
            ..self.props.clone()
        };
        if props != self.props {
            self.props = props.clone();
            self.app.update(props);
        }
    }

    /// Removes the widget from its slot and stops its timers.
    pub fn destroy(self) {
        self.app.destroy();
    }
}
