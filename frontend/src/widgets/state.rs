//! A widget's shareable state and its encodings (JSON for sync, base64url for URLs).
//!
//! The scenario and its seed live in the slide's `WidgetSpec`; everything else that makes
//! a moment of the widget reproducible is here: what the user did and when (in simulated
//! time), the switches, the current simulated instant, and the playback. Because the sim
//! is deterministic, replaying `inputs` over the scenario gives back the exact cluster.

use serde::{Deserialize, Serialize};
use sim::Action;

/// Something the user did to the cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserInput {
    /// A scenario action (crash, restart, isolate, transfer, client write…).
    Act(Action),
    /// A click on the link between two sites: cut (`up` false) or restored.
    Link {
        /// One site.
        a: String,
        /// The other site.
        b: String,
        /// Whether the link is up after the click.
        up: bool,
    },
}

/// An input with the simulated instant it was applied at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimedInput {
    /// Simulated time (ms): applied after every event at or before that instant.
    pub at: u64,
    /// What was done.
    #[serde(flatten)]
    pub input: UserInput,
}

/// The widget's full state beyond its spec (see the module doc).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WidgetState {
    /// The user's inputs, ordered by `at` (ties in the order they were made).
    #[serde(default)]
    pub inputs: Vec<TimedInput>,
    /// PreVote override; none keeps the scenario's setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_vote: Option<bool>,
    /// CheckQuorum override; none keeps the scenario's setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_quorum: Option<bool>,
    /// The simulated instant shown (ms).
    #[serde(default)]
    pub sim_ms: u64,
    /// Whether the simulation is playing.
    #[serde(default)]
    pub playing: bool,
    /// Playback speed: simulated ms per real ms.
    #[serde(default = "default_speed")]
    pub speed: f64,
}

fn default_speed() -> f64 {
    DEFAULT_SPEED
}

/// Playback speed when a spec gives none: a 1 s election timeout plays in 4 s.
pub const DEFAULT_SPEED: f64 = 0.25;
/// Slowest playback speed (simulated ms per real ms).
pub const MIN_SPEED: f64 = 0.001;
/// Fastest playback speed.
pub const MAX_SPEED: f64 = 100.0;

impl Default for WidgetState {
    fn default() -> Self {
        WidgetState {
            inputs: Vec::new(),
            pre_vote: None,
            check_quorum: None,
            sim_ms: 0,
            playing: false,
            speed: DEFAULT_SPEED,
        }
    }
}

/// Why a state could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateError(pub String);

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "état de widget illisible : {}", self.0)
    }
}

impl WidgetState {
    /// The state as a JSON value (what the presenter sync broadcasts).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Reads a state from JSON; the speed is clamped to the allowed range and the inputs
    /// are put back in time order, so a hand-edited value cannot break the player.
    pub fn from_json(value: &serde_json::Value) -> Result<WidgetState, StateError> {
        let mut state: WidgetState =
            serde_json::from_value(value.clone()).map_err(|error| StateError(error.to_string()))?;
        state.sanitize();
        Ok(state)
    }

    /// The state as a URL-safe string: compact JSON in unpadded base64url.
    pub fn encode_for_url(&self) -> String {
        base64url_encode(self.to_json().to_string().as_bytes())
    }

    /// Reads a state written by [`WidgetState::encode_for_url`].
    pub fn decode_from_url(text: &str) -> Result<WidgetState, StateError> {
        let bytes = base64url_decode(text).ok_or_else(|| StateError("base64url".into()))?;
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|error| StateError(error.to_string()))?;
        WidgetState::from_json(&value)
    }

    fn sanitize(&mut self) {
        self.speed = if self.speed.is_finite() {
            self.speed.clamp(MIN_SPEED, MAX_SPEED)
        } else {
            DEFAULT_SPEED
        };
        // Stable: inputs made at the same instant keep their order.
        self.inputs.sort_by_key(|input| input.at);
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url (RFC 4648 §5), hand-written to keep the WASM free of a crate.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for position in 0..symbols {
            let index = (n >> (18 - 6 * position)) & 63;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// Decodes unpadded (or padded) base64url; none on any other character or a bad length.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = ALPHABET.iter().position(|&symbol| symbol == byte)? as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // A lone trailing symbol carries fewer than 8 bits: not valid base64.
    if text.len() % 4 == 1 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::NodeSelector;

    fn sample() -> WidgetState {
        WidgetState {
            inputs: vec![
                TimedInput {
                    at: 1200,
                    input: UserInput::Act(Action::Crash {
                        node: NodeSelector::Node("n1".into()),
                    }),
                },
                TimedInput {
                    at: 1500,
                    input: UserInput::Link {
                        a: "A".into(),
                        b: "B".into(),
                        up: false,
                    },
                },
                TimedInput {
                    at: 2000,
                    input: UserInput::Act(Action::Propose {
                        value: "écrit=1".into(),
                        node: NodeSelector::Leader,
                    }),
                },
            ],
            pre_vote: Some(false),
            check_quorum: None,
            sim_ms: 2345,
            playing: true,
            speed: 0.5,
        }
    }

    #[test]
    fn json_round_trip() {
        let state = sample();
        assert_eq!(WidgetState::from_json(&state.to_json()), Ok(state));
    }

    #[test]
    fn url_round_trip_is_url_safe() {
        let state = sample();
        let text = state.encode_for_url();
        assert!(text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(WidgetState::decode_from_url(&text), Ok(state));
    }

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url_encode(plain.as_bytes()), encoded);
            assert_eq!(base64url_decode(encoded).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("Zm9vYg=="), Some(b"foob".to_vec()));
        assert_eq!(base64url_decode("Zm9v!"), None);
        assert_eq!(base64url_decode("Z"), None);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(WidgetState::decode_from_url("%%%").is_err());
        assert!(WidgetState::decode_from_url(&base64url_encode(b"{\"inputs\": 3}")).is_err());
        let odd = serde_json::json!({ "speed": 1e9, "inputs": [
            { "at": 9, "link": { "a": "A", "b": "B", "up": true } },
            { "at": 3, "link": { "a": "A", "b": "B", "up": false } } ] });
        let state = WidgetState::from_json(&odd).expect("readable");
        assert_eq!(state.speed, MAX_SPEED);
        assert_eq!(state.inputs[0].at, 3);
    }
}
