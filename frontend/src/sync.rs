//! The sync links: presenter → audience messages ([`deck::sync`]) and live reload.
//!
//! Served mode: followers read `GET api/sync` (Server-Sent Events, through the browser's
//! `EventSource`, which reconnects by itself) and the presenter posts to `api/sync` with
//! its token. Static mode (no server): windows of one browser exchange the same JSON over a
//! `BroadcastChannel`; a window that opens asks with a `hello` and the publishers answer
//! with their current state, so a late joiner catches up at once.

use crate::model::{Incoming, SyncMode};
use std::cell::RefCell;
use std::rc::Rc;

use deck::sync::{LiveStatus, SyncMessage, SyncState, CHANNEL_NAME};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BroadcastChannel, EventSource, MessageEvent};

use crate::dom;
use crate::json;

/// What a static-mode window sends to ask the publishers for their state.
const HELLO: &str = "hello";

/// A connected sync link; disconnects when dropped.
pub struct SyncLink {
    mode: SyncMode,
    source: Option<EventSource>,
    channel: Option<BroadcastChannel>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    /// Sequence numbers of this window's messages in static mode.
    seq: std::cell::Cell<u64>,
    /// Served mode's posts, one at a time.
    outbox: Rc<RefCell<Outbox>>,
}

/// A served-mode post: the body and who hears a refusal.
struct Post {
    body: String,
    token: String,
    on_rejected: Box<dyn FnOnce(String)>,
}

/// Served mode posts one state at a time and keeps only the newest waiting one: two
/// concurrent `fetch`es may reach the server in either order (the browser opens several
/// connections), and the server keeps the last it receives, so an older state could
/// otherwise win (a step's « animation playing » overwritten by the step change before
/// it, say).
#[derive(Default)]
struct Outbox {
    sending: bool,
    waiting: Option<Post>,
}

impl SyncLink {
    /// Connects; `on_incoming` is called with each message (malformed ones are skipped).
    pub fn connect(mode: SyncMode, on_incoming: impl Fn(Incoming) + 'static) -> Option<SyncLink> {
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else {
                return;
            };
            if text == HELLO {
                on_incoming(Incoming::Hello);
            } else if let Ok(message) = json::parse::<SyncMessage>(&text) {
                on_incoming(Incoming::State(message));
            }
        });
        let (source, channel) = match mode {
            SyncMode::Served => {
                let source = EventSource::new("api/sync").ok()?;
                source
                    .add_event_listener_with_callback("state", on_message.as_ref().unchecked_ref())
                    .ok()?;
                (Some(source), None)
            }
            SyncMode::Static => {
                let channel = BroadcastChannel::new(CHANNEL_NAME).ok()?;
                channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                let _ = channel.post_message(&JsValue::from_str(HELLO));
                (None, Some(channel))
            }
        };
        Some(SyncLink {
            mode,
            source,
            channel,
            _on_message: on_message,
            seq: std::cell::Cell::new(0),
            outbox: Rc::default(),
        })
    }

    /// Publishes `state`. Served mode needs the token; `on_rejected` hears why the server
    /// refused (a wrong token, say), so the presenter sees it.
    pub fn publish(
        &self,
        state: &SyncState,
        token: Option<&str>,
        on_rejected: impl FnOnce(String) + 'static,
    ) {
        match self.mode {
            SyncMode::Served => {
                let Some(token) = token.map(str::to_owned) else {
                    return;
                };
                let Ok(body) = json::stringify(state) else {
                    return;
                };
                let post = Post {
                    body,
                    token,
                    on_rejected: Box::new(on_rejected),
                };
                let mut outbox = self.outbox.borrow_mut();
                if outbox.sending {
                    // Replaces an older waiting state: only the newest matters.
                    outbox.waiting = Some(post);
                } else {
                    outbox.sending = true;
                    drop(outbox);
                    send_posts(self.outbox.clone(), post);
                }
            }
            SyncMode::Static => {
                let seq = self.seq.get() + 1;
                self.seq.set(seq);
                let message = SyncMessage {
                    seq,
                    state: state.clone(),
                };
                if let (Some(channel), Ok(text)) = (&self.channel, json::stringify(&message)) {
                    let _ = channel.post_message(&JsValue::from_str(&text));
                }
            }
        }
    }
}

/// Posts `first`, then whatever state waits in `outbox` when it is answered, until none does.
fn send_posts(outbox: Rc<RefCell<Outbox>>, first: Post) {
    wasm_bindgen_futures::spawn_local(async move {
        let mut post = first;
        loop {
            match dom::post_json("api/sync", &post.token, &post.body).await {
                Ok(200) => {}
                Ok(401) => (post.on_rejected)("the presenter token was refused".to_owned()),
                Ok(status) => (post.on_rejected)(format!("the server answered {status}")),
                Err(error) => (post.on_rejected)(error),
            }
            let next = outbox.borrow_mut().waiting.take();
            match next {
                Some(next) => post = next,
                None => {
                    outbox.borrow_mut().sending = false;
                    return;
                }
            }
        }
    });
}

impl Drop for SyncLink {
    fn drop(&mut self) {
        if let Some(source) = &self.source {
            source.close();
        }
        if let Some(channel) = &self.channel {
            channel.set_onmessage(None);
            channel.close();
        }
    }
}

/// The live-reload link (served mode only): `GET api/live`.
pub struct LiveLink {
    source: EventSource,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl LiveLink {
    /// Connects; `on_status` hears every status (the current one first).
    pub fn connect(on_status: impl Fn(LiveStatus) + 'static) -> Option<LiveLink> {
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(status) = event
                .data()
                .as_string()
                .and_then(|text| json::parse::<LiveStatus>(&text).ok())
            {
                on_status(status);
            }
        });
        let source = EventSource::new("api/live").ok()?;
        source
            .add_event_listener_with_callback("live", on_message.as_ref().unchecked_ref())
            .ok()?;
        Some(LiveLink {
            source,
            _on_message: on_message,
        })
    }
}

impl Drop for LiveLink {
    fn drop(&mut self) {
        self.source.close();
    }
}
