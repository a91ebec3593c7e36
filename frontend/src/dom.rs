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

/// A JS error as text (its message when it has one).
pub(crate) fn describe(error: &JsValue) -> String {
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
            OWN_HASHES.with(|own| own.borrow_mut().push_back(hash.to_owned()));
            let _ = location.set_hash(hash);
        }
    }
}

thread_local! {
    /// Hashes this window set itself whose `hashchange` has not arrived yet. That event
    /// is not the user's navigation, and it can arrive after the app has moved on (a
    /// follower placed on slide 1 at load, then on the presenter's slide by sync): taken
    /// for the user's, it would pull the app back and detach the follower.
    static OWN_HASHES: std::cell::RefCell<std::collections::VecDeque<String>> =
        std::cell::RefCell::default();
}

/// The hash a `hashchange` event moved to, or `None` when this window set that hash
/// itself (see [`set_location_hash`]).
pub fn hash_changed_by_user(event: &web_sys::Event) -> Option<String> {
    let new_url = js_sys::Reflect::get(event, &JsValue::from_str("newURL"))
        .ok()?
        .as_string()?;
    let hash = new_url
        .find('#')
        .map_or_else(String::new, |at| new_url[at..].to_owned());
    let own = OWN_HASHES.with(|own| {
        let mut own = own.borrow_mut();
        match own.iter().position(|written| *written == hash) {
            Some(at) => {
                own.drain(..=at);
                true
            }
            None => false,
        }
    });
    (!own).then_some(hash)
}

/// Replaces the location hash without adding a history entry (and without a
/// `hashchange`): for a change of the shared widget states, not of the position.
pub fn replace_location_hash(hash: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    if location.hash().ok().as_deref() == Some(hash) {
        return;
    }
    let path = location.pathname().unwrap_or_default();
    let search = location.search().unwrap_or_default();
    if let Ok(history) = window.history() {
        let url = format!("{path}{search}{hash}");
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
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

/// The page's query string (`?presenter&token=…`), `""` when unavailable.
pub fn location_search() -> String {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default()
}

/// Replaces the query string without reloading or adding a history entry.
pub fn replace_search(search: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hash = location_hash();
    let path = window.location().pathname().unwrap_or_default();
    if let Ok(history) = window.history() {
        let url = format!("{path}{search}{hash}");
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// Opens `url` in a new window named `name` (the presenter view on a second screen).
pub fn open_window(url: &str, name: &str) {
    if let Some(window) = web_sys::window() {
        let _ =
            window.open_with_url_and_target_and_features(url, name, "popup,width=1280,height=800");
    }
}

/// Enters fullscreen, or leaves it when already there.
pub fn toggle_fullscreen() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    if document.fullscreen_element().is_some() {
        document.exit_fullscreen();
    } else if let Some(root) = document.document_element() {
        let _ = root.request_fullscreen();
    }
}

/// Whether the key event comes from a place that takes keys itself: a widget (which
/// handles its keys while focused) or a text field.
pub fn event_from_own_keys_area(event: &web_sys::Event) -> bool {
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .and_then(|element| {
            element
                .closest("[data-widget], input, textarea, select, [contenteditable]")
                .ok()
        })
        .flatten()
        .is_some()
}

/// Whether a live widget of this window is playing a slide step's animation (its root
/// carries `data-step-playing`; previews never play).
pub fn widget_step_playing() -> bool {
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| {
            document
                .query_selector("[data-widget][data-step-playing]")
                .ok()
        })
        .flatten()
        .is_some()
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The local wall-clock time as `HH:MM`.
pub fn wall_clock() -> String {
    let date = js_sys::Date::new_0();
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// Reloads the deck's stylesheets (live reload of `static/`), bypassing the cache.
pub fn reload_stylesheets(version: u64) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let Ok(links) = document.query_selector_all("link[rel=stylesheet]") else {
        return;
    };
    for index in 0..links.length() {
        let Some(link) = links
            .item(index)
            .and_then(|node| node.dyn_into::<web_sys::HtmlLinkElement>().ok())
        else {
            continue;
        };
        let Some(href) = link.get_attribute("href") else {
            continue;
        };
        let base = href.split('?').next().unwrap_or(&href).to_owned();
        link.set_href(&format!("{base}?v={version}"));
    }
}

/// A random id for this window, so it can recognise its own sync messages.
pub fn window_id() -> String {
    format!("w{:x}", (js_sys::Math::random() * 4_294_967_296.0) as u64)
}

/// Posts JSON to `url` with a bearer token; resolves with the HTTP status, or an error
/// sentence when the request could not be made.
pub async fn post_json(url: &str, token: &str, body: &str) -> Result<u16, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    let response = fetch_with_token(&window, url, token, &init, Some("application/json")).await?;
    Ok(response.status())
}

/// Sends `init` to `url` with a bearer token (and a content type, for a body).
async fn fetch_with_token(
    window: &web_sys::Window,
    url: &str,
    token: &str,
    init: &web_sys::RequestInit,
    content_type: Option<&str>,
) -> Result<Response, String> {
    let headers = web_sys::Headers::new().map_err(|error| describe(&error))?;
    if let Some(content_type) = content_type {
        headers
            .set("Content-Type", content_type)
            .map_err(|error| describe(&error))?;
    }
    headers
        .set("Authorization", &format!("Bearer {token}"))
        .map_err(|error| describe(&error))?;
    init.set_headers(&headers);
    let response = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(|error| describe(&error))?;
    response
        .dyn_into()
        .map_err(|_| "unexpected response".to_owned())
}

/// Fetches `url` as text with a bearer token (the speaker notes).
pub async fn fetch_text_with_token(url: &str, token: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = web_sys::RequestInit::new();
    let response = fetch_with_token(&window, url, token, &init, None).await?;
    if !response.ok() {
        return Err(format!("{url}: {}", response.status()));
    }
    let text = response.text().map_err(|error| describe(&error))?;
    JsFuture::from(text)
        .await
        .map_err(|error| describe(&error))?
        .as_string()
        .ok_or_else(|| format!("{url}: not text"))
}

/// A repeating timer, cleared when dropped.
pub struct Interval {
    id: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Interval {
    /// Calls `handler` every `millis` milliseconds.
    pub fn new(millis: i32, handler: impl FnMut() + 'static) -> Option<Interval> {
        let callback = Closure::<dyn FnMut()>::new(handler);
        let id = web_sys::window()?
            .set_interval_with_callback_and_timeout_and_arguments_0(
                callback.as_ref().unchecked_ref(),
                millis,
            )
            .ok()?;
        Some(Interval {
            id,
            _callback: callback,
        })
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            window.clear_interval_with_handle(self.id);
        }
    }
}
