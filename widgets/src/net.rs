//! The few network calls a widget makes (the raft widget's real mode): a fetch that always
//! ends — answered, refused or timed out —, an event stream kept open while needed, and a
//! repeating timer. Plain web-sys: the browser's `fetch`, `AbortController`,
//! `EventSource` and `setInterval`, nothing added to the bundle but their bindings.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, EventSource, MessageEvent, RequestInit, Response};

/// The page's query string (`?presenter&token=…`), `""` when unavailable.
pub fn page_search() -> String {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default()
}

/// Calls `url` (relative to the page) and reads the answer as text, giving up after
/// `timeout_ms`: `Ok((status, body))`, or `Err` with a French sentence. With `token`,
/// sends it as a bearer token; with `body`, as JSON.
pub async fn fetch_text(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&str>,
    timeout_ms: i32,
) -> Result<(u16, String), String> {
    let window = web_sys::window().ok_or("pas de fenêtre")?;
    let controller = AbortController::new().map_err(|_| "fetch indisponible".to_string())?;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_signal(Some(&controller.signal()));
    let headers = web_sys::Headers::new().map_err(|_| "fetch indisponible".to_string())?;
    if let Some(token) = token {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    if let Some(body) = body {
        let _ = headers.set("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    // The abort fires after the timeout whatever happens; once the answer is read it
    // changes nothing.
    let abort = Closure::once_into_js({
        let controller = controller.clone();
        move || controller.abort()
    });
    let _ = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), timeout_ms);
    let failed = |error: JsValue| {
        let aborted = error
            .dyn_ref::<web_sys::DomException>()
            .is_some_and(|exception| exception.name() == "AbortError");
        if aborted {
            format!(
                "le serveur ne répond pas (délai de {} s dépassé)",
                timeout_ms / 1000
            )
        } else {
            "le serveur est injoignable".to_string()
        }
    };
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(|_| "réponse illisible".to_string())?;
    let status = response.status();
    let text = JsFuture::from(response.text().map_err(failed)?)
        .await
        .map_err(failed)?
        .as_string()
        .unwrap_or_default();
    Ok((status, text))
}

/// An open `EventSource`, closed when dropped.
pub struct EventStream {
    source: EventSource,
    _on_event: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl EventStream {
    /// Listens to the `event` events of `url`, handing each event's data to `on_data`;
    /// `on_error` when the connection fails (the browser retries by itself unless the
    /// server refused the stream, see [`EventStream::closed`]).
    pub fn open(
        url: &str,
        event: &str,
        mut on_data: impl FnMut(String) + 'static,
        mut on_error: impl FnMut() + 'static,
    ) -> Option<EventStream> {
        let source = EventSource::new(url).ok()?;
        let on_event = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
            if let Some(text) = message.data().as_string() {
                on_data(text);
            }
        });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| on_error());
        source
            .add_event_listener_with_callback(event, on_event.as_ref().unchecked_ref())
            .ok()?;
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(EventStream {
            source,
            _on_event: on_event,
            _on_error: on_error,
        })
    }

    /// Whether the browser gave up on the stream (it will not retry).
    pub fn closed(&self) -> bool {
        self.source.ready_state() == EventSource::CLOSED
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.source.set_onerror(None);
        self.source.close();
    }
}

/// A `setInterval`, cleared when dropped.
pub struct Interval {
    id: i32,
    _tick: Closure<dyn FnMut()>,
}

impl Interval {
    /// Calls `tick` every `period_ms`.
    pub fn every(period_ms: i32, tick: impl FnMut() + 'static) -> Option<Interval> {
        let tick = Closure::<dyn FnMut()>::new(tick);
        let id = web_sys::window()?
            .set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                period_ms,
            )
            .ok()?;
        Some(Interval { id, _tick: tick })
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            window.clear_interval_with_handle(self.id);
        }
    }
}
