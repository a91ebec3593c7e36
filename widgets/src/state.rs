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
        #[serde(rename = "a")]
        first: String,
        /// The other site.
        #[serde(rename = "b")]
        second: String,
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
    /// The raft widget draws the real etcd cluster (`raftdeck serve --live-etcd`) rather
    /// than the simulation, which waits where it was. Absent (false) in older states and
    /// left out when false, so their URLs and sync messages read and read back the same.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub real: bool,
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
            real: false,
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
        deck::url_state::encode(&self.to_json())
    }

    /// Reads a state written by [`WidgetState::encode_for_url`].
    pub fn decode_from_url(text: &str) -> Result<WidgetState, StateError> {
        let value = deck::url_state::decode(text)
            .ok_or_else(|| StateError("base64url JSON object".into()))?;
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
                        first: "A".into(),
                        second: "B".into(),
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
            real: false,
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
    fn the_real_mode_travels_only_when_on() {
        let simulated = sample();
        let text = simulated.to_json().to_string();
        assert!(!text.contains("real"), "{text}");
        // A state written before the real mode existed reads as simulated.
        let old =
            serde_json::json!({ "inputs": [], "sim_ms": 1200, "playing": false, "speed": 0.25 });
        assert!(!WidgetState::from_json(&old).expect("readable").real);
        let real = WidgetState {
            real: true,
            ..simulated
        };
        assert_eq!(real.to_json()["real"], serde_json::json!(true));
        assert_eq!(
            WidgetState::decode_from_url(&real.encode_for_url()),
            Ok(real)
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(WidgetState::decode_from_url("%%%").is_err());
        assert!(
            WidgetState::decode_from_url(&deck::url_state::base64url_encode(b"{\"inputs\": 3}"))
                .is_err()
        );
        let odd = serde_json::json!({ "speed": 1e9, "inputs": [
            { "at": 9, "link": { "a": "A", "b": "B", "up": true } },
            { "at": 3, "link": { "a": "A", "b": "B", "up": false } } ] });
        let state = WidgetState::from_json(&odd).expect("readable");
        assert_eq!(state.speed, MAX_SPEED);
        assert_eq!(state.inputs[0].at, 3);
    }
}
