//! The presenter → audience sync hub: the latest [`SyncMessage`], numbered, fanned out.
//!
//! Each message is a whole snapshot, so the hub keeps only the latest one in a
//! `tokio::sync::watch` channel: a follower that reads slowly skips straight to the newest
//! state (it is resynced, never queued), and a late joiner gets the current state at once.
//! Publishing never waits on any reader.

use std::sync::Arc;

use deck::sync::{SyncMessage, SyncState};
use tokio::sync::watch;

/// A published message and its JSON, serialized once for every follower.
#[derive(Debug)]
pub struct Published {
    /// The message.
    pub message: SyncMessage,
    /// `message` as JSON.
    pub json: String,
}

impl Published {
    fn new(message: SyncMessage) -> Arc<Published> {
        // Serializing plain data with string keys cannot fail; fall back to an empty
        // object rather than panicking anyway.
        let json = serde_json::to_string(&message).unwrap_or_else(|_| "{}".to_owned());
        Arc::new(Published { message, json })
    }
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
            latest: watch::Sender::new(Published::new(message)),
        }
    }

    /// Publishes `state` with the next sequence number; returns that number.
    pub fn publish(&self, state: SyncState) -> u64 {
        let mut seq = 0;
        self.latest.send_modify(|latest| {
            seq = latest.message.seq + 1;
            *latest = Published::new(SyncMessage { seq, state });
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
