//! The presenter → audience sync hub: the latest [`SyncMessage`], numbered, fanned out.
//!
//! Each message is a whole snapshot, so the hub keeps only the latest one in a
//! `tokio::sync::watch` channel: a follower that reads slowly skips straight to the newest
//! state (it is resynced, never queued), and a late joiner gets the current state at once.
//! Publishing never waits on any reader.
//!
//! Every message is serialized once, into the exact Server-Sent Events frame followers
//! receive ([`Frame::bytes`], shared `Bytes`). `raftdeck serve` hands each follower's
//! socket to a [`FanOut`] shard: a few tasks that write that one frame to every socket
//! with non-blocking writes, instead of one HTTP connection task, buffer set and JSON
//! encoding per follower. A follower is a socket, a sequence number and at most one
//! unfinished frame, which is what keeps 10,000 of them within a few megabytes.

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use deck::sync::{SyncMessage, SyncState};
use serde::Serialize;
use tokio::sync::{mpsc, watch};

/// How often an idle follower gets an SSE comment, so proxies keep the stream open and
/// followers that hung up are found (their next write fails).
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often a shard retries followers whose socket was full (slow or idle readers).
const RETRY: Duration = Duration::from_millis(250);
/// The SSE comment sent as keep-alive.
const KEEP_ALIVE_FRAME: &[u8] = b":\n\n";

/// One Server-Sent Event: `event: <event>`, `id: <id>` when given, `data: <json>` (JSON
/// is one line: its strings escape newlines). The one framing every event stream of the
/// server uses.
pub fn sse_frame(event: &str, id: Option<u64>, json: &str) -> Bytes {
    let id = id.map_or(String::new(), |id| format!("id: {id}\n"));
    Bytes::from(format!("event: {event}\n{id}data: {json}\n\n"))
}

/// A value every reader of one event stream receives, serialized once: its JSON and its
/// whole Server-Sent Event, numbered so that a reader knows whether it has it. Sync
/// messages and live-reload statuses are both sent as frames, over the fan-out and over
/// the router alike.
#[derive(Debug)]
pub struct Frame<T> {
    /// Increases with every new value of the stream.
    pub seq: u64,
    /// The value.
    pub value: T,
    /// `value` as JSON.
    pub json: String,
    /// The whole event ([`sse_frame`]).
    pub bytes: Bytes,
}

impl<T: Serialize> Frame<T> {
    /// The frame of `value`, number `seq`, as event `event`; `seq` is also the event's
    /// `id` when `with_id` (a reconnecting reader's `Last-Event-ID`).
    pub fn new(event: &str, seq: u64, value: T, with_id: bool) -> Arc<Frame<T>> {
        // Plain data with string keys: serializing cannot fail; never panic anyway.
        let json = serde_json::to_string(&value).unwrap_or_else(|_| "{}".to_owned());
        let bytes = sse_frame(event, with_id.then_some(seq), &json);
        Arc::new(Frame {
            seq,
            value,
            json,
            bytes,
        })
    }
}

/// A published sync message.
pub type Published = Frame<SyncMessage>;

fn published(message: SyncMessage) -> Arc<Published> {
    Frame::new("state", message.seq, message, true)
}

/// The sync hub.
#[derive(Debug)]
pub struct SyncHub {
    latest: watch::Sender<Arc<Published>>,
}

impl SyncHub {
    /// A hub whose state starts on `first_slide`, step 0, sequence 0.
    pub fn new(first_slide: &str) -> SyncHub {
        let message = SyncMessage {
            seq: 0,
            state: SyncState {
                slide: first_slide.to_owned(),
                ..SyncState::default()
            },
        };
        SyncHub {
            latest: watch::Sender::new(published(message)),
        }
    }

    /// Publishes `state` with the next sequence number; returns that number.
    pub fn publish(&self, state: SyncState) -> u64 {
        let mut seq = 0;
        self.latest.send_modify(|latest| {
            seq = latest.seq + 1;
            *latest = published(SyncMessage { seq, state });
        });
        seq
    }

    /// The latest message.
    pub fn latest(&self) -> Arc<Published> {
        Arc::clone(&self.latest.borrow())
    }

    /// A receiver of the latest message and every change it keeps up with.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Published>> {
        self.latest.subscribe()
    }
}

/// The followers' sockets, spread over a few shard tasks that write each new frame to
/// all of theirs (see the module documentation). Used for the sync stream and for the
/// live-reload stream, which every served browser opens too.
#[derive(Debug)]
pub struct FanOut {
    shards: Vec<mpsc::UnboundedSender<(TcpStream, u64)>>,
    next: AtomicUsize,
}

impl FanOut {
    /// Starts `shards` shard tasks (at least one) on the current tokio runtime, following
    /// `source`; they end, closing every follower's stream, when `stopping` turns true.
    pub fn start<T: Send + Sync + 'static>(
        source: &watch::Receiver<Arc<Frame<T>>>,
        stopping: &watch::Receiver<bool>,
        shards: usize,
    ) -> FanOut {
        let shards = (0..shards.max(1))
            .map(|_| {
                let (sender, receiver) = mpsc::unbounded_channel();
                tokio::spawn(shard(receiver, source.clone(), stopping.clone()));
                sender
            })
            .collect();
        FanOut {
            shards,
            next: AtomicUsize::new(0),
        }
    }

    /// Adds a follower whose response head and message `sent_seq` are already written;
    /// `stream` must be in non-blocking mode. After shutdown the stream is just closed.
    pub fn add(&self, stream: TcpStream, sent_seq: u64) {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.shards.len();
        // A closed shard means the server is stopping: dropping the stream closes it.
        let _ = self.shards[index].send((stream, sent_seq));
    }
}

/// One shard: its followers, written to whenever the hub changes.
async fn shard<T>(
    mut joining: mpsc::UnboundedReceiver<(TcpStream, u64)>,
    mut latest: watch::Receiver<Arc<Frame<T>>>,
    mut stopping: watch::Receiver<bool>,
) {
    let mut followers: Vec<Follower> = Vec::new();
    let mut keep_alive = tokio::time::interval(KEEP_ALIVE);
    keep_alive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut retry = tokio::time::interval(RETRY);
    retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let newest = latest.borrow().seq;
        let behind = followers.iter().any(|follower| follower.is_behind(newest));
        tokio::select! {
            joined = joining.recv() => {
                let Some((stream, sent_seq)) = joined else { break };
                let mut follower = Follower { stream, sent_seq, pending: None };
                // A message may have been published since its first one was written.
                let published = Arc::clone(&latest.borrow());
                if follower.send(published.as_ref()) {
                    followers.push(follower);
                }
            }
            changed = latest.changed() => {
                if changed.is_err() {
                    break;
                }
                let published = Arc::clone(&latest.borrow_and_update());
                followers.retain_mut(|follower| follower.send(published.as_ref()));
            }
            _ = retry.tick(), if behind => {
                let published = Arc::clone(&latest.borrow());
                followers.retain_mut(|follower| follower.send(published.as_ref()));
            }
            _ = keep_alive.tick() => {
                followers.retain_mut(Follower::keep_alive);
            }
            _ = stopping.wait_for(|stopping| *stopping) => break,
        }
    }
    // Dropping the sockets closes them: each follower's response simply ends (it was sent
    // with `Connection: close` and no length, so the end of the stream is its end).
    drop(followers);
}

/// One follower of the fast path.
struct Follower {
    /// Its socket, non-blocking.
    stream: TcpStream,
    /// The sequence number of the last frame written (or started) to it.
    sent_seq: u64,
    /// The unwritten end of a frame the socket could not take whole: it must be finished
    /// before anything else, or the event stream would be corrupt.
    pending: Option<Bytes>,
}

/// What a non-blocking write achieved.
enum Written {
    /// Everything.
    All,
    /// Part or nothing: the socket is full; the rest is kept.
    Blocked,
    /// The follower is gone.
    Failed,
}

impl Follower {
    fn is_behind(&self, newest: u64) -> bool {
        self.pending.is_some() || self.sent_seq < newest
    }

    /// Finishes a pending frame, then writes `published` if it is newer than what the
    /// follower has. False when the follower is gone.
    fn send<T>(&mut self, published: &Frame<T>) -> bool {
        if !self.finish_pending() {
            return false;
        }
        if self.pending.is_some() || published.seq <= self.sent_seq {
            return true;
        }
        self.write_frame(&published.bytes, published.seq)
    }

    /// Sends the keep-alive comment unless a frame is still pending. False when gone.
    fn keep_alive(&mut self) -> bool {
        if !self.finish_pending() {
            return false;
        }
        if self.pending.is_some() {
            return true;
        }
        self.write_frame(&Bytes::from_static(KEEP_ALIVE_FRAME), self.sent_seq)
    }

    /// Writes `frame` (message `seq`); a partly written frame stays pending. The shared
    /// frame is only borrowed: a follower whose socket takes it whole (nearly all of
    /// them) costs one `write` and no reference count or allocation.
    fn write_frame(&mut self, frame: &Bytes, seq: u64) -> bool {
        match write_some(&mut self.stream, frame) {
            (Written::All, _) => {
                self.sent_seq = seq;
                true
            }
            (Written::Blocked, written) => {
                // Nothing written: the follower stays behind and gets the newest message
                // later. Part written: that frame must be completed first.
                if written > 0 {
                    self.sent_seq = seq;
                    self.pending = Some(frame.slice(written..));
                }
                true
            }
            (Written::Failed, _) => false,
        }
    }

    /// Writes what it can of the pending frame. False when the follower is gone.
    fn finish_pending(&mut self) -> bool {
        let Some(rest) = self.pending.take() else {
            return true;
        };
        match write_some(&mut self.stream, &rest) {
            (Written::All, _) => true,
            (Written::Blocked, written) => {
                self.pending = Some(rest.slice(written..));
                true
            }
            (Written::Failed, _) => false,
        }
    }
}

/// Writes as much of `buffer` as the socket takes without blocking; also returns how many
/// bytes were written.
fn write_some(stream: &mut TcpStream, buffer: &[u8]) -> (Written, usize) {
    let mut written = 0;
    while written < buffer.len() {
        match stream.write(&buffer[written..]) {
            Ok(0) => return (Written::Failed, written),
            Ok(count) => written += count,
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                return (Written::Blocked, written)
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return (Written::Failed, written),
        }
    }
    (Written::All, written)
}
