//! The router alone, request by request (`tower::ServiceExt::oneshot`, no socket): the
//! token extractors, and the event streams the router answers itself when the fan-out
//! misses a request (the same frames, byte for byte).

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use common::{app_state, fake_bundle, temp_dir, write, TOKEN};
use server::app::{app, AppState};

fn state() -> AppState {
    let root = temp_dir("router");
    let deck_dir = root.join("deck");
    write(
        &deck_dir.join("slides/deck.toml"),
        "title = \"T\"\nspeaker = \"S\"\nevent = \"E\"\ndescription = \"D\"\nplanned_minutes = 2\n",
    );
    write(
        &deck_dir.join("slides/01-a.md"),
        "<!-- id: un -->\n# Un\n---\n<!-- id: deux -->\n# Deux\n",
    );
    write(&deck_dir.join("speaker-notes/01-a.md"), "## un\nNotes\n");
    let dist_dir = root.join("dist");
    fake_bundle(
        &dist_dir,
        "export default function init() {}\n",
        b"\0asm\x01\0\0\0",
    );
    app_state(deck_dir, dist_dir)
}

async fn status(state: &AppState, request: Request<Body>) -> StatusCode {
    app(state.clone())
        .oneshot(request)
        .await
        .expect("the router answers")
        .status()
}

fn get(uri: &str, bearer: Option<&str>) -> Request<Body> {
    let mut request = Request::get(uri);
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::empty()).expect("a request")
}

fn publish(bearer: Option<&str>, body: &str) -> Request<Body> {
    let mut request = Request::post("/api/sync").header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = bearer {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request
        .body(Body::from(body.to_owned()))
        .expect("a request")
}

const STATE: &str = r#"{"slide":"deux","step":0,"widgets":{},"origin":"t"}"#;

#[tokio::test]
async fn api_calls_take_the_token_from_the_header_only_and_pages_also_from_the_link() {
    let state = state();
    assert_eq!(
        status(&state, get("/api/notes", None)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&state, get("/api/notes", Some("wrong"))).await,
        StatusCode::UNAUTHORIZED
    );
    let in_link = format!("/api/notes?token={TOKEN}");
    assert_eq!(
        status(&state, get(&in_link, None)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&state, get("/api/notes", Some(TOKEN))).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&state, get("/notes", None)).await,
        StatusCode::UNAUTHORIZED
    );
    let page = format!("/notes?token={TOKEN}");
    assert_eq!(status(&state, get(&page, None)).await, StatusCode::OK);
    assert_eq!(
        status(&state, get("/notes", Some(TOKEN))).await,
        StatusCode::OK
    );
    assert_eq!(
        status(&state, publish(None, STATE)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(&state, publish(Some(TOKEN), STATE)).await,
        StatusCode::OK
    );
    assert_eq!(state.sync_hub().latest().value.state.slide, "deux");
}

#[tokio::test]
async fn the_routers_event_stream_sends_the_fan_outs_frames() {
    let state = state();
    assert_eq!(
        status(&state, publish(Some(TOKEN), STATE)).await,
        StatusCode::OK
    );
    let response = app(state.clone())
        .oneshot(get("/api/sync", None))
        .await
        .expect("the router answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut body = response.into_body();
    let first = body
        .frame()
        .await
        .expect("a first frame")
        .expect("no error")
        .into_data()
        .expect("data");
    assert_eq!(first, state.sync_hub().latest().bytes);
    assert!(first.starts_with(b"event: state\nid: 1\ndata: {"));
    let live = app(state.clone())
        .oneshot(get("/api/live", None))
        .await
        .expect("the router answers");
    let first = live
        .into_body()
        .frame()
        .await
        .expect("a first frame")
        .expect("no error")
        .into_data()
        .expect("data");
    assert_eq!(first, state.live_status().bytes);
    assert!(first.starts_with(b"event: live\ndata: {"));
}
