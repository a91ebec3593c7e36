//! The raftdeck frontend: a Yew app that renders the deck on a 16:9 canvas.
//!
//! Layout:
//! - `route`: the URL contract (`#/<slide-id>/<step>`), pure and tested natively;
//! - `navigation`: the position in the deck and how keys move it (a `Reducible` state);
//! - `json`: JSON through the browser's `JSON.parse`/`stringify` (no parser in the WASM);
//! - `dom`: the few direct DOM calls (fetch, listeners, hash) behind small functions;
//! - `keys`: which key does what (reveal.js conventions), pure and tested natively;
//! - `model`: the app's state and its reducer (no DOM), tested natively;
//! - `app`: the root component wiring them together, its side effects named hooks in
//!   `hooks`; `slide`: one slide on the canvas;
//!   `scaled`: a slide scaled to a box; `overview`, `help` (and the go-to prompt),
//!   `presenter`, `remote`: the overlays and views; `sync`: the presenter → audience
//!   links (SSE or BroadcastChannel) and live reload;
//! - `print`: the print layout (`?print`), every slide on its own 16:9 page;
//! - `widget_host`: the live widgets, mounted into slides by a second WASM module (crate
//!   `widgets`, with the simulations) that the app loads when a slide needs it.
//!
//! Everything the audience reads is French; errors the app shows are state, never panics.

pub mod keys;
pub mod model;
pub mod navigation;
pub mod print;
pub mod route;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod dom;
#[cfg(target_arch = "wasm32")]
mod help;
#[cfg(target_arch = "wasm32")]
mod hooks;
#[cfg(target_arch = "wasm32")]
mod icons;
#[cfg(target_arch = "wasm32")]
mod json;
#[cfg(target_arch = "wasm32")]
mod overview;
#[cfg(target_arch = "wasm32")]
mod presenter;
#[cfg(target_arch = "wasm32")]
mod remote;
#[cfg(target_arch = "wasm32")]
mod scaled;
#[cfg(target_arch = "wasm32")]
mod slide;
#[cfg(target_arch = "wasm32")]
mod sync;
#[cfg(target_arch = "wasm32")]
mod widget_host;

/// Entry point called by the JS glue once the module is instantiated: mounts the app
/// into `#app`, replacing the boot screen.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let Some(root) = document.get_element_by_id("app") else {
        return;
    };
    let deck_url = root
        .get_attribute("data-deck-url")
        .unwrap_or_else(|| "api/deck".to_owned());
    // `served` when `raftdeck serve` wrote the page; anything else is the static site.
    let sync_mode = match root.get_attribute("data-sync").as_deref() {
        Some("served") => model::SyncMode::Served,
        _ => model::SyncMode::Static,
    };
    let query = route::PageQuery::parse(&dom::location_search());
    root.set_inner_html("");
    if let Some(options) = query.print {
        // The print layout neither navigates, syncs nor reloads: it gets its own root.
        yew::Renderer::<print::PrintView>::with_root_and_props(
            root,
            print::PrintProps {
                deck_url: deck_url.into(),
                options,
            },
        )
        .render();
        return;
    }
    yew::Renderer::<app::App>::with_root_and_props(
        root,
        app::AppProps {
            deck_url: deck_url.into(),
            sync_mode,
            query,
        },
    )
    .render();
}
