//! The few direct DOM calls the app makes, each wrapped so callers get plain Rust values.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{EventTarget, Response};

/// Fetches `url` as text; the error is a readable sentence (French: the audience sees it).
pub async fn fetch_text(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("pas de fenêtre")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|error| format!("la requête vers {url} a échoué ({})", describe(&error)))?;
    let response: Response = response
        .dyn_into()
        .map_err(|_| format!("réponse inattendue de {url}"))?;
    if !response.ok() {
        return Err(format!(
            "{url} a répondu {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let text = response.text().map_err(|error| describe(&error))?;
    let text = JsFuture::from(text)
        .await
        .map_err(|error| describe(&error))?;
    text.as_string()
        .ok_or_else(|| format!("{url} n'a pas renvoyé de texte"))
}

fn describe(error: &JsValue) -> String {
    error
        .as_string()
        .or_else(|| {
            error
                .dyn_ref::<js_sys::Error>()
                .map(|error| String::from(error.message()))
        })
        .unwrap_or_else(|| format!("{error:?}"))
}

/// The current location hash, `""` when unavailable.
pub fn location_hash() -> String {
    web_sys::window()
        .and_then(|window| window.location().hash().ok())
        .unwrap_or_default()
}

/// Sets the location hash unless it already has that value (which would add a
/// pointless history entry).
pub fn set_location_hash(hash: &str) {
    if let Some(window) = web_sys::window() {
        let location = window.location();
        if location.hash().ok().as_deref() != Some(hash) {
            let _ = location.set_hash(hash);
        }
    }
}

/// The window's inner size in CSS pixels.
pub fn window_size() -> (f64, f64) {
    web_sys::window()
        .map(|window| {
            let size = |value: Result<JsValue, JsValue>| {
                value.ok().and_then(|value| value.as_f64()).unwrap_or(0.0)
            };
            (size(window.inner_width()), size(window.inner_height()))
        })
        .unwrap_or((1280.0, 720.0))
}

/// An event listener that is removed when dropped (so effects can clean up).
pub struct Listener {
    target: EventTarget,
    event: &'static str,
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

impl Listener {
    /// Listens to `event` on the window.
    pub fn on_window(
        event: &'static str,
        handler: impl FnMut(web_sys::Event) + 'static,
    ) -> Option<Listener> {
        let target: EventTarget = web_sys::window()?.into();
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(handler);
        target
            .add_event_listener_with_callback(event, callback.as_ref().unchecked_ref())
            .ok()?;
        Some(Listener {
            target,
            event,
            callback,
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(
            self.event,
            self.callback.as_ref().unchecked_ref(),
        );
    }
}
