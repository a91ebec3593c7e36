//! The axum application: routes, shared state and HTTP error mapping.
//!
//! Routes:
//! - `/` — the HTML shell (no-cache: it names the current hashed bundle);
//! - `/api/deck` — the compiled deck as JSON;
//! - `/assets/*` — the hashed frontend bundle, cached forever;
//! - `/static/*` — the deck's CSS, fonts and images (revalidated on every load).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use deck::Deck;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::bundle::Bundle;
use crate::pages::IndexPage;

/// `Cache-Control` for content-hashed files: their name changes whenever they do.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` for everything else: always revalidate, so an edit shows at once.
const NO_CACHE: &str = "no-cache";

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    /// The last deck that compiled; replaced whole on reload, never left half-updated.
    deck: RwLock<Arc<Deck>>,
    bundle: Bundle,
    dist_dir: PathBuf,
    deck_dir: PathBuf,
    /// Secret that the presenter's requests must carry.
    token: String,
}

impl AppState {
    /// State serving `deck` (compiled from `deck_dir`) with the bundle in `dist_dir`.
    pub fn new(
        deck: Deck,
        bundle: Bundle,
        deck_dir: PathBuf,
        dist_dir: PathBuf,
        token: String,
    ) -> Self {
        AppState {
            inner: Arc::new(Shared {
                deck: RwLock::new(Arc::new(deck)),
                bundle,
                dist_dir,
                deck_dir,
                token,
            }),
        }
    }

    /// The deck currently served.
    pub fn deck(&self) -> Arc<Deck> {
        // A poisoned lock only means a writer panicked after a complete swap: the value
        // inside is still a whole deck.
        match self.inner.deck.read() {
            Ok(deck) => Arc::clone(&deck),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The presenter token.
    pub fn token(&self) -> &str {
        &self.inner.token
    }
}

/// The router for `state`, with compression and cache headers.
pub fn app(state: AppState) -> Router {
    let assets = Router::new()
        .fallback_service(ServeDir::new(state.inner.dist_dir.join("assets")))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(IMMUTABLE),
        ));
    let static_files = Router::new()
        .fallback_service(ServeDir::new(state.inner.deck_dir.join("static")))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(NO_CACHE),
        ));
    Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .route("/api/deck", get(deck_json))
        .nest("/assets", assets)
        .nest("/static", static_files)
        .with_state(state)
        .layer(CompressionLayer::new())
}

async fn index(State(state): State<AppState>) -> Result<Response, AppError> {
    let deck = state.deck();
    let page = IndexPage::new(&deck, &state.inner.bundle, "./", "api/deck");
    let html = page
        .render()
        .map_err(|error| AppError::Internal(error.to_string()))?;
    Ok(([(header::CACHE_CONTROL, NO_CACHE)], Html(html)).into_response())
}

async fn deck_json(State(state): State<AppState>) -> Response {
    let deck = state.deck();
    (
        [(header::CACHE_CONTROL, NO_CACHE)],
        Json(deck.as_ref().clone()),
    )
        .into_response()
}

/// An error at the HTTP edge: user errors are shown, internal ones logged and hidden.
#[derive(Debug)]
pub enum AppError {
    /// Something on our side failed; the client sees only a generic message.
    Internal(String),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Internal(detail) => {
                eprintln!("raftdeck: internal error: {detail}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }
}
