//! The presenter → audience sync protocol, shared by the server and the frontend.
//!
//! Every message is a whole snapshot — the presenter's position and each widget's state —
//! so a late joiner or a follower that fell behind needs only the latest one. The server
//! numbers them (`seq`); in the static site windows of one browser exchange the same JSON
//! over a BroadcastChannel. Widget states are opaque JSON owned by the widgets: the server
//! checks only their size, so it depends on nothing inside them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The largest sync message body accepted, in bytes (`POST /api/sync` answers 413 above).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// The largest serialized state of one widget, in bytes.
pub const MAX_WIDGET_STATE_BYTES: usize = 32 * 1024;
/// How many widget states one message may carry.
pub const MAX_WIDGETS: usize = 128;
/// The BroadcastChannel name used in the static site.
pub const CHANNEL_NAME: &str = "raftdeck-sync";

/// What the presenter shows: a position and every widget's state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncState {
    /// The current slide's id.
    pub slide: String,
    /// The current fragment step on that slide.
    pub step: u32,
    /// Each widget's state, keyed `<slide-id>/<k>` (k: the widget's index on the slide).
    #[serde(default)]
    pub widgets: BTreeMap<String, serde_json::Value>,
    /// The window that sent this state, so it can ignore its own echo.
    #[serde(default)]
    pub origin: String,
    /// The black screen (B): every follower goes black with the presenter.
    #[serde(default)]
    pub blackout: bool,
    /// How many times the presenter skipped a widget's step animation to its checkpoint
    /// (→ while it plays): followers skip too when it changes, so the projector never
    /// lags behind the presenter.
    #[serde(default)]
    pub skips: u32,
    /// A widget of the sender's window plays a slide step's animation: the phone
    /// remote's next press then skips it, as → does in that window.
    #[serde(default)]
    pub animating: bool,
}

/// A [`SyncState`] numbered by the server (or by the sending window in the static site).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncMessage {
    /// Increases by one with every accepted change; 0 before the presenter moved.
    pub seq: u64,
    /// The state itself.
    #[serde(flatten)]
    pub state: SyncState,
}

/// The live-reload status `raftdeck serve` pushes on `GET /api/live` whenever the deck
/// files change: a new version to fetch, or the errors of a broken edit (the last good
/// deck stays on screen under an overlay listing them).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LiveStatus {
    /// Increases each time a good edit replaces the deck (or static files change).
    pub version: u64,
    /// `file:line: message` for each problem of the current sources; empty when good.
    pub errors: Vec<String>,
}

/// Why a sync message was refused (the reason is sent back with a 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 128
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl SyncState {
    /// Parses and checks a message body; the error is a sentence for the sender.
    pub fn parse(body: &[u8]) -> Result<SyncState, Invalid> {
        let state: SyncState = serde_json::from_slice(body)
            .map_err(|error| Invalid(format!("not a sync message: {error}")))?;
        state.validate()?;
        Ok(state)
    }

    /// Checks ids, sizes and counts (not whether the slide exists: the caller knows the deck).
    pub fn validate(&self) -> Result<(), Invalid> {
        if !is_id(&self.slide) {
            return Err(Invalid(format!(
                "`slide` must be a slide id (lowercase letters, digits, `-`), not `{}`",
                self.slide.chars().take(40).collect::<String>()
            )));
        }
        if self.widgets.len() > MAX_WIDGETS {
            return Err(Invalid(format!(
                "{} widget states: at most {MAX_WIDGETS}",
                self.widgets.len()
            )));
        }
        for (key, value) in &self.widgets {
            let valid_key = key
                .split_once('/')
                .is_some_and(|(slide, index)| is_id(slide) && index.parse::<u32>().is_ok());
            if !valid_key {
                return Err(Invalid(format!(
                    "widget key `{}` is not `<slide-id>/<index>`",
                    key.chars().take(40).collect::<String>()
                )));
            }
            let size = serde_json::to_string(value).map_or(usize::MAX, |text| text.len());
            if size > MAX_WIDGET_STATE_BYTES {
                return Err(Invalid(format!(
                    "widget state `{key}` is {size} bytes: at most {MAX_WIDGET_STATE_BYTES}"
                )));
            }
        }
        if self.origin.len() > 64 {
            return Err(Invalid("`origin` is longer than 64 bytes".to_owned()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_flat_json() {
        let message = SyncMessage {
            seq: 3,
            state: SyncState {
                slide: "quorum".into(),
                step: 2,
                widgets: BTreeMap::from([("quorum/0".into(), serde_json::json!({"log": [1]}))]),
                origin: "w1".into(),
                blackout: true,
                skips: 2,
                animating: false,
            },
        };
        let text = serde_json::to_string(&message).unwrap();
        assert_eq!(
            text,
            r#"{"seq":3,"slide":"quorum","step":2,"widgets":{"quorum/0":{"log":[1]}},"origin":"w1","blackout":true,"skips":2,"animating":false}"#
        );
        assert_eq!(serde_json::from_str::<SyncMessage>(&text).unwrap(), message);
    }

    #[test]
    fn rejects_malformed_messages_with_a_reason() {
        let reason = |body: &str| SyncState::parse(body.as_bytes()).unwrap_err().0;
        assert!(reason("{").starts_with("not a sync message"));
        assert!(reason(r#"{"slide":"a","step":-1}"#).starts_with("not a sync message"));
        assert!(reason(r#"{"slide":"a","step":1,"extra":1}"#).contains("unknown field"));
        assert!(reason(r#"{"slide":"A B","step":1}"#).starts_with("`slide` must be"));
        assert!(reason(r#"{"slide":"a","step":1,"widgets":{"x":1}}"#).contains("widget key"));
        let big = format!(
            r#"{{"slide":"a","step":1,"widgets":{{"a/0":"{}"}}}}"#,
            "x".repeat(MAX_WIDGET_STATE_BYTES)
        );
        assert!(reason(&big).contains("at most"));
        assert!(SyncState::parse(br#"{"slide":"a","step":1,"widgets":{"a/0":{"k":1}}}"#).is_ok());
        // Older senders leave the blackout and skips out: a lit screen, no skip.
        let old = SyncState::parse(br#"{"slide":"a","step":1}"#).unwrap();
        assert!(!old.blackout);
        assert_eq!(old.skips, 0);
        assert!(
            reason(r#"{"slide":"a","step":1,"blackout":"yes"}"#).starts_with("not a sync message")
        );
    }
}
