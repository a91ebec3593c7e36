//! The axum application: routes, shared state and HTTP error mapping.
//!
//! Routes:
//! - `/` — the HTML shell (no-cache: it names the current hashed bundle);
//! - `/api/deck` — the compiled deck as JSON, without the speaker notes;
//! - `/api/notes` — the speaker notes (slide id → HTML), presenter token required;
//! - `/api/sync` — `GET`: Server-Sent Events, the presenter's state now and at every
//!   change; `POST`: the presenter publishes a state (token required);
//! - `/api/live` — Server-Sent Events: the live-reload status (deck version, errors);
//! - `/api/etcd` — whether real etcd clusters run beside the server (`--live-etcd`) and
//!   for which scenarios; `/api/etcd/<scenario>` — `GET`: Server-Sent Events, that
//!   cluster's state ten times a second; `POST`: a click (token required);
//!   `/api/etcd/<scenario>/diagnostics` (token) and `/api/etcd/<scenario>/record`
//!   (`POST`, token);
//! - `/api/remote-qr.svg` — the phone remote's URL as a QR code (token required);
//! - `/notes` — the printable notes handout (token required);
//! - `/assets/*` — the hashed frontend bundle, cached forever;
//! - `/static/*` — the deck's CSS, fonts and images (revalidated on every load).
//!
//! The token is read from `Authorization: Bearer <token>` (API calls) or `?token=` (pages
//! opened by a link), and compared in constant time.
//!
//! Every response carries the security headers ([`CSP`], `nosniff`, `Referrer-Policy`).
//! The shell's CSP adds the SHA-256 of its inline scripts, computed from the rendered page
//! ([`csp_for_page`]), so the template stays the one `raftdeck build` renders and no
//! `'unsafe-inline'` is needed.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use deck::sync::{LiveStatus, SyncState, MAX_MESSAGE_BYTES};
use deck::Deck;
use serde::Deserialize;
use tokio::sync::watch;
use tokio_stream::wrappers::{IntervalStream, WatchStream};
use tokio_stream::{Stream, StreamExt};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::bundle::Bundle;
use crate::pages::{IndexPage, NotesPage};
use crate::sync::{sse_frame, Frame, SyncHub};

/// `Cache-Control` for content-hashed files: their name changes whenever they do.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` for everything else: always revalidate, so an edit shows at once.
const NO_CACHE: &str = "no-cache";
/// How often an idle event stream sends a comment, so proxies keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The Content-Security-Policy of every response but the HTML shell's. Scripts come only
/// from this origin, and `'wasm-unsafe-eval'` lets them compile the WASM module (it
/// allows WebAssembly compilation, not JavaScript `eval`). Styles allow inline
/// `style` attributes: the app sizes and moves slides with them, and a style cannot run
/// code. `data:` images are the browser's own favicon fallback and SVG data URIs in
/// slides. Nothing may frame the talk but itself; no plugins, no `<base>` rewriting.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";
/// `Referrer-Policy`: presenter pages carry the token in their URL, and a link followed
/// from a slide must not send it to another site.
pub const REFERRER_POLICY: &str = "no-referrer";

/// A live-reload status as its event stream sends it.
pub type LiveFrame = Frame<LiveStatus>;

fn live_frame(seq: u64, status: LiveStatus) -> Arc<LiveFrame> {
    Frame::new("live", seq, status, false)
}

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
    /// The presenter's latest state, fanned out to followers.
    sync: SyncHub,
    /// The live-reload status; a watch channel because only the latest matters.
    live: watch::Sender<Arc<LiveFrame>>,
    /// Set when the server stops: event streams end, so graceful shutdown does not wait
    /// for followers that would never hang up.
    stopping: watch::Sender<bool>,
    /// Real etcd clusters for the live widgets (`--live-etcd`); unset when off.
    stage: std::sync::OnceLock<Arc<crate::stage::Stage>>,
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
        let first_slide = deck
            .slides
            .first()
            .map(|slide| slide.id.clone())
            .unwrap_or_default();
        AppState {
            inner: Arc::new(Shared {
                deck: RwLock::new(Arc::new(deck)),
                bundle,
                dist_dir,
                deck_dir,
                token,
                sync: SyncHub::new(&first_slide),
                live: watch::Sender::new(live_frame(0, LiveStatus::default())),
                stopping: watch::Sender::new(false),
                stage: std::sync::OnceLock::new(),
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

    /// The folder holding `slides/`, `speaker-notes/` and `static/`.
    pub fn deck_dir(&self) -> &std::path::Path {
        &self.inner.deck_dir
    }

    /// A good edit: serve `deck` from now on, clear the errors, tell the browsers.
    pub fn replace_deck(&self, deck: Deck) {
        {
            let mut slot = match self.inner.deck.write() {
                Ok(slot) => slot,
                Err(poisoned) => poisoned.into_inner(),
            };
            *slot = Arc::new(deck);
        }
        self.inner.live.send_modify(|live| {
            let status = LiveStatus {
                version: live.value.version + 1,
                errors: Vec::new(),
            };
            *live = live_frame(live.seq + 1, status);
        });
    }

    /// A broken edit: keep the last good deck, show `errors` over it.
    pub fn report_errors(&self, errors: Vec<String>) {
        self.inner.live.send_modify(|live| {
            let status = LiveStatus {
                version: live.value.version,
                errors,
            };
            *live = live_frame(live.seq + 1, status);
        });
    }

    /// Attaches the live etcd clusters (once, at start-up).
    pub fn set_stage(&self, stage: Arc<crate::stage::Stage>) {
        let _ = self.inner.stage.set(stage);
    }

    /// The live etcd clusters, when `--live-etcd` is on.
    pub fn stage(&self) -> Option<&Arc<crate::stage::Stage>> {
        self.inner.stage.get()
    }

    /// The presenter → audience sync hub.
    pub fn sync_hub(&self) -> &SyncHub {
        &self.inner.sync
    }

    /// A receiver that turns true when the server stops and every event stream must end.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.inner.stopping.subscribe()
    }

    /// Ends every open event stream (called when the server stops).
    pub fn stop_streams(&self) {
        self.inner.stopping.send_replace(true);
    }

    /// `events` until the server stops.
    fn until_stopping<T>(
        &self,
        events: impl Stream<Item = T>,
    ) -> impl Stream<Item = Result<T, Infallible>> {
        let stop = WatchStream::new(self.inner.stopping.subscribe())
            .filter(|stopping| *stopping)
            .map(|_| None);
        events
            .map(Some)
            .merge(stop)
            .take_while(Option::is_some)
            .filter_map(|event| event.map(Ok))
    }

    /// The live-reload status now.
    pub fn live_status(&self) -> Arc<LiveFrame> {
        Arc::clone(&self.inner.live.borrow())
    }

    /// A receiver of the live-reload status and every change it keeps up with.
    pub fn live_subscribe(&self) -> watch::Receiver<Arc<LiveFrame>> {
        self.inner.live.subscribe()
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
    // Event streams are left out of compression by tower-http's default predicate
    // (a compressor would buffer events).
    Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .route("/notes", get(notes_page))
        .route("/api/deck", get(deck_json))
        .route("/api/notes", get(notes_json))
        .route("/api/sync", get(sync_events).post(sync_publish))
        .route("/api/live", get(live_events))
        .route("/api/remote-qr.svg", get(remote_qr))
        .route("/api/etcd", get(etcd_summary))
        .route("/api/etcd/{scenario}", get(etcd_events).post(etcd_act))
        .route("/api/etcd/{scenario}/diagnostics", get(etcd_diagnostics))
        .route(
            "/api/etcd/{scenario}/record",
            axum::routing::post(etcd_record),
        )
        .nest("/assets", assets)
        .nest("/static", static_files)
        .with_state(state)
        .layer(CompressionLayer::new())
        // Outermost, so that every response gets them, errors and 404s included; the
        // HTML shell sets its own CSP (with its inline script's hash) first.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static(REFERRER_POLICY),
        ))
}

/// The CSP for an HTML page: [`CSP`] with each inline `<script>` of `html` allowed by
/// its SHA-256 hash. Computed from the rendered page, so the template stays a plain,
/// self-contained file (the static export renders the same one) and no script runs
/// inline unless the server rendered it.
pub fn csp_for_page(html: &str) -> String {
    let hashes: String = inline_scripts(html)
        .map(|script| {
            use base64::Engine as _;
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    CSP.replacen(
        "script-src 'self' 'wasm-unsafe-eval'",
        &format!("script-src 'self' 'wasm-unsafe-eval'{hashes}"),
        1,
    )
}

/// The text of every `<script>` element of `html` without a `src` attribute.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    let mut rest = html;
    std::iter::from_fn(move || loop {
        let start = rest.find("<script")?;
        let after = &rest[start..];
        let tag_end = after.find('>')?;
        let tag = &after[..tag_end];
        let body = &after[tag_end + 1..];
        let close = body.find("</script>")?;
        rest = &body[close..];
        if !tag.contains(" src=") {
            return Some(&body[..close]);
        }
    })
}

async fn index(State(state): State<AppState>) -> Result<Response, AppError> {
    let deck = state.deck();
    let page = IndexPage::new(&deck, &state.inner.bundle, "./", "api/deck", "served");
    let html = page
        .render()
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let csp = csp_for_page(&html);
    Ok((
        [
            (header::CACHE_CONTROL, NO_CACHE.to_owned()),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        Html(html),
    )
        .into_response())
}

async fn deck_json(State(state): State<AppState>) -> Response {
    let deck = state.deck();
    (
        [(header::CACHE_CONTROL, NO_CACHE)],
        Json(deck.without_notes()),
    )
        .into_response()
}

async fn etcd_summary(State(state): State<AppState>) -> Response {
    let summary = match state.stage() {
        Some(stage) => stage.summary(),
        None => crate::stage::StageSummary {
            available: false,
            reason: Some("raftdeck serve runs without --live-etcd".into()),
            scenarios: Vec::new(),
        },
    };
    ([(header::CACHE_CONTROL, "no-store")], Json(summary)).into_response()
}

fn stage_cluster(
    state: &AppState,
    scenario: &str,
) -> Result<Arc<crate::stage::StageCluster>, AppError> {
    state
        .stage()
        .and_then(|stage| stage.cluster(scenario))
        .ok_or_else(|| AppError::NotFound(format!("no live etcd cluster for `{scenario}`")))
}

async fn etcd_events(
    State(state): State<AppState>,
    axum::extract::Path(scenario): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let cluster = stage_cluster(&state, &scenario)?;
    // The cluster's frames are one-line JSON (`serde_json::to_vec`).
    let events = WatchStream::new(cluster.subscribe())
        .map(|json| sse_frame("etcd", None, &String::from_utf8_lossy(&json)));
    Ok(event_stream(&state, events))
}

async fn etcd_act(
    State(state): State<AppState>,
    axum::extract::Path(scenario): axum::extract::Path<String>,
    _presenter: Presenter,
    body: Body,
) -> Result<Response, AppError> {
    let cluster = stage_cluster(&state, &scenario)?;
    let bytes = axum::body::to_bytes(body, 4096)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let action: realetcd::live::LiveAction = serde_json::from_slice(&bytes)
        .map_err(|error| AppError::BadRequest(format!("not a live etcd action: {error}")))?;
    match cluster.act(action).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(reason) => Ok((StatusCode::CONFLICT, reason).into_response()),
    }
}

async fn etcd_diagnostics(
    State(state): State<AppState>,
    axum::extract::Path(scenario): axum::extract::Path<String>,
    _presenter: PresenterLink,
) -> Result<Response, AppError> {
    let cluster = stage_cluster(&state, &scenario)?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(cluster.diagnostics()),
    )
        .into_response())
}

async fn etcd_record(
    State(state): State<AppState>,
    axum::extract::Path(scenario): axum::extract::Path<String>,
    _presenter: Presenter,
) -> Result<Response, AppError> {
    stage_cluster(&state, &scenario)?;
    let stage = state
        .stage()
        .ok_or_else(|| AppError::NotFound("live etcd is off".into()))?;
    let path = stage
        .save_recording(&scenario)
        .await
        .map_err(|error| AppError::Internal(error.to_string()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Json(serde_json::json!({ "scenario": name })).into_response())
}

/// `?token=` on pages opened by a link.
#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// A request from the presenter's app: its `Authorization: Bearer` header carries the
/// token. API calls take only the header, so the token never sits in a URL a proxy logs.
/// Checked before the handler runs, so before any body is read: a stranger cannot make
/// the server buffer anything.
pub struct Presenter;

/// A page the presenter opens by a link (notes, remote QR code, diagnostics): the token
/// may also come as `?token=`.
pub struct PresenterLink;

/// The token a request carries in its `Authorization: Bearer` header.
fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
}

fn check(state: &AppState, given: Option<&str>) -> Result<(), AppError> {
    match given {
        Some(given) if crate::token::matches(&state.inner.token, given.trim()) => Ok(()),
        _ => Err(AppError::Unauthorized),
    }
}

impl FromRequestParts<AppState> for Presenter {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        check(state, bearer(parts)).map(|()| Presenter)
    }
}

impl FromRequestParts<AppState> for PresenterLink {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let query = Query::<TokenQuery>::try_from_uri(&parts.uri)
            .map(|Query(query)| query.token)
            .unwrap_or_default();
        check(state, bearer(parts).or(query.as_deref())).map(|()| PresenterLink)
    }
}

async fn notes_json(
    State(state): State<AppState>,
    _presenter: Presenter,
) -> Result<Response, AppError> {
    let deck = state.deck();
    let notes: &BTreeMap<String, String> = &deck.notes;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(notes.clone())).into_response())
}

async fn notes_page(
    State(state): State<AppState>,
    _presenter: PresenterLink,
) -> Result<Response, AppError> {
    let deck = state.deck();
    let html = NotesPage::new(&deck)
        .render()
        .map_err(|error| AppError::Internal(error.to_string()))?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
}

async fn sync_events(State(state): State<AppState>) -> Response {
    let frames = state.inner.sync.subscribe();
    event_stream(&state, frames_of(frames))
}

async fn sync_publish(
    State(state): State<AppState>,
    _presenter: Presenter,
    body: Body,
) -> Result<Response, AppError> {
    let bytes = axum::body::to_bytes(body, MAX_MESSAGE_BYTES)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let sync_state = SyncState::parse(&bytes).map_err(|invalid| AppError::BadRequest(invalid.0))?;
    if state.deck().position(&sync_state.slide).is_none() {
        return Err(AppError::BadRequest(format!(
            "unknown slide `{}`",
            sync_state.slide
        )));
    }
    let seq = state.inner.sync.publish(sync_state);
    Ok(Json(serde_json::json!({ "seq": seq })).into_response())
}

async fn live_events(State(state): State<AppState>) -> Response {
    let frames = state.inner.live.subscribe();
    event_stream(&state, frames_of(frames))
}

/// Each frame's event bytes, the very ones the fan-out writes (current one first).
fn frames_of<T: Send + Sync + 'static>(
    frames: watch::Receiver<Arc<Frame<T>>>,
) -> impl Stream<Item = Bytes> {
    WatchStream::new(frames).map(|frame| frame.bytes.clone())
}

/// An event-stream response carrying `events` (whole Server-Sent Events), with a
/// keep-alive comment every [`KEEP_ALIVE`], ended when the server stops.
fn event_stream(state: &AppState, events: impl Stream<Item = Bytes> + Send + 'static) -> Response {
    let mut keep_alive = tokio::time::interval(KEEP_ALIVE);
    keep_alive.reset();
    let keep_alive = IntervalStream::new(keep_alive).map(|_| Bytes::from_static(b":\n\n"));
    let body = Body::from_stream(state.until_stopping(events.merge(keep_alive)));
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn remote_qr(
    State(state): State<AppState>,
    _presenter: PresenterLink,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("127.0.0.1");
    let url = crate::qr::remote_url(&format!("http://{host}/"), state.token());
    let svg = crate::qr::svg(&url).map_err(|error| AppError::Internal(format!("{error:#}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

/// An error at the HTTP edge: user errors are shown, internal ones logged and hidden.
#[derive(Debug)]
pub enum AppError {
    /// The presenter token is missing or wrong.
    Unauthorized,
    /// The request body is over the limit.
    TooLarge,
    /// The request is malformed; the reason is sent back.
    BadRequest(String),
    /// Nothing there; the reason is sent back.
    NotFound(String),
    /// Something on our side failed; the client sees only a generic message.
    Internal(String),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "the presenter token is missing or wrong",
            )
                .into_response(),
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is over {MAX_MESSAGE_BYTES} bytes"),
            )
                .into_response(),
            AppError::BadRequest(reason) => (StatusCode::BAD_REQUEST, reason).into_response(),
            AppError::NotFound(reason) => (StatusCode::NOT_FOUND, reason).into_response(),
            AppError::Internal(detail) => {
                eprintln!("raftdeck: internal error: {detail}");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }
}
