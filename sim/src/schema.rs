//! The one scenario schema every system shares: how a scenario's JSON becomes typed values,
//! and how a fault in it is reported.
//!
//! A scenario is read in three passes, the same for etcd and for every model:
//! 1. the text into a `serde_json::Value` ([`parse_json`]), so that a syntax error names its
//!    line and column;
//! 2. the value into a [`Document`] by serde's derives (`deny_unknown_fields` everywhere),
//!    with `serde_path_to_error` naming the JSON path of a type error, a missing or an
//!    unknown field (`$.steps[3].node`) — with the default `json-paths` feature; without
//!    it (the WASM widgets, which read only scenarios already checked natively) such a
//!    fault names its step or `$`;
//! 3. the system's own `validate` for the rules that span fields (a step naming an unknown
//!    site, time going backwards, a learner promoted before it is added), which report the
//!    path they check.
//!
//! A step is written flat (`{"at_ms": 10, "do": "crash", "node": "n1"}`), which serde
//! reads as an internally tagged enum; serde buffers such an enum's fields before reading
//! them, so a fault inside would lose its path. Hence [`tagged_actions!`]: from one
//! declaration of an action enum it derives the flat (`do`-tagged) format for writing and
//! for widget states, and a hidden keyed twin (`{"crash": {"node": "n1"}}`) that the
//! scenario reader feeds the same fields to, so that every field keeps its path.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A fault in a scenario: where (JSON path) and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ScenarioError {
    /// JSON path of the fault, e.g. `$.steps[3].node`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Builds a [`ScenarioError`].
pub fn fail<T>(path: &str, message: impl Into<String>) -> Result<T, ScenarioError> {
    Err(ScenarioError {
        path: path.to_string(),
        message: message.into(),
    })
}

/// Reads a scenario's text as JSON; a syntax error names its line and column.
pub fn parse_json(text: &str) -> Result<Value, ScenarioError> {
    serde_json::from_str(text).map_err(|error| ScenarioError {
        path: "$".to_string(),
        message: format!(
            "malformed JSON at line {} column {}: {}",
            error.line(),
            error.column(),
            error
        ),
    })
}

/// A serde error inside a value, and where: the path below the value read (`.node`,
/// `[2].site`), or `None` when paths are not tracked (without the `json-paths` feature).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// Path below the value read, as written in JSON (empty for the value itself).
    pub below: Option<String>,
    /// Whether the fault is in the value itself (no key, index or enum variant read yet).
    pub at_top: bool,
    /// serde's message.
    pub message: String,
}

/// Reads `T` from `value`, locating a fault below it when the `json-paths` feature is on.
pub fn deserialize_located<T: DeserializeOwned>(value: &Value) -> Result<T, Located> {
    #[cfg(feature = "json-paths")]
    {
        use std::fmt::Write as _;
        serde_path_to_error::deserialize(value).map_err(|error| {
            let mut below = String::new();
            for segment in error.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => {
                        let _ = write!(below, "[{index}]");
                    }
                    serde_path_to_error::Segment::Map { key } => {
                        let _ = write!(below, ".{key}");
                    }
                    // Enum variants are not part of the written JSON.
                    serde_path_to_error::Segment::Enum { .. }
                    | serde_path_to_error::Segment::Unknown => {}
                }
            }
            Located {
                at_top: error.path().iter().next().is_none(),
                below: Some(below),
                message: humanize(&error.into_inner().to_string()),
            }
        })
    }
    #[cfg(not(feature = "json-paths"))]
    {
        T::deserialize(value).map_err(|error| Located {
            at_top: false,
            below: None,
            message: humanize(&error.to_string()),
        })
    }
}

impl Located {
    /// The error at `base` followed by the path below it.
    fn at(self, base: &str) -> ScenarioError {
        ScenarioError {
            path: format!("{base}{}", self.below.unwrap_or_default()),
            message: self.message,
        }
    }
}

/// An action enum declared with [`tagged_actions!`]: readable from its keyed form with the
/// path of a fault.
pub trait TaggedAction: Sized {
    /// Reads `{"<do>": {fields…}}` (the step's `do` as the only key).
    fn from_keyed(keyed: &Value) -> Result<Self, Located>;
}

/// Declares a scenario's action enum once: the enum itself, written flat with its `do`
/// tag, and its one reader, [`TaggedAction::from_keyed`], which its `Deserialize` also
/// goes through (see the module doc for why).
/// Unit variants are read as empty objects so that an extra field is reported by name.
macro_rules! tagged_actions {
    (
        $(#[$enum_meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident $({
                    $( $(#[$field_meta:meta])* $field:ident : $ty:ty ),* $(,)?
                })?
            ),* $(,)?
        }
    ) => {
        $(#[$enum_meta])*
        #[derive(serde::Serialize)]
        #[serde(tag = "do", rename_all = "snake_case")]
        pub enum $name {
            $(
                $(#[$variant_meta])*
                $variant $({ $( $(#[$field_meta])* $field: $ty ),* })?
            ),*
        }

        // Read through the keyed twin too, so that there is one reader per action enum
        // (a widget's saved inputs and a scenario's steps alike).
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let mut flat = serde_json::Map::deserialize(deserializer)?;
                let keyed = $crate::schema::split_action(&mut flat, &[])
                    .map_err(serde::de::Error::custom)?;
                <$name as $crate::schema::TaggedAction>::from_keyed(&keyed)
                    .map_err(|error| serde::de::Error::custom(error.message))
            }
        }

        impl $crate::schema::TaggedAction for $name {
            fn from_keyed(keyed: &serde_json::Value) -> Result<Self, $crate::schema::Located> {
                #[derive(serde::Deserialize)]
                #[serde(rename_all = "snake_case", deny_unknown_fields)]
                enum Keyed {
                    $( $variant { $($( $(#[$field_meta])* $field: $ty ),*)? } ),*
                }
                Ok(match $crate::schema::deserialize_located(keyed)? {
                    $( Keyed::$variant { $($($field),*)? } => $name::$variant $({ $($field),* })? ),*
                })
            }
        }
    };
}
pub(crate) use tagged_actions;

/// A timed action of any system's scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimedStep<A> {
    /// When (simulated ms from the start).
    pub at_ms: u64,
    /// Repeat every so many ms until the end of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_ms: Option<u64>,
    /// Audience-visible caption of the step (French in the talk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What to do.
    #[serde(flatten)]
    pub action: A,
}

/// A scenario as written, typed but not yet checked across fields: the fields every
/// system shares, its `cluster` section `C` and its steps of actions `A`.
#[derive(Clone, Debug, PartialEq)]
pub struct Document<C, A> {
    /// The `system` field (dispatch has already read it).
    pub system: Option<String>,
    /// Slug naming the scenario.
    pub name: String,
    /// Audience-visible title.
    pub title: Option<String>,
    /// Seed of the PRNG.
    pub seed: u64,
    /// The system's cluster section.
    pub cluster: C,
    /// Steps as written.
    pub steps: Vec<TimedStep<A>>,
    /// End of the run, when given.
    pub until_ms: Option<u64>,
}

/// The root object as serde reads it; steps keep their action as the keyed value built by
/// [`key_actions`]. The cluster and the actions are read apart, by their own types, so
/// that this reader is compiled once rather than once per system (WASM size).
#[derive(Deserialize)]
#[serde(rename = "scenario", deny_unknown_fields)]
struct RootFields {
    #[serde(default)]
    system: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    seed: u64,
    cluster: Value,
    #[serde(default)]
    steps: Vec<StepFields>,
    #[serde(default)]
    until_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename = "step", deny_unknown_fields)]
struct StepFields {
    at_ms: u64,
    #[serde(default)]
    every_ms: Option<u64>,
    #[serde(default)]
    label: Option<String>,
    #[serde(rename = "do")]
    action: Value,
}

/// The keys a step has besides its action's `do` and fields.
const STEP_KEYS: [&str; 3] = ["at_ms", "every_ms", "label"];

/// Reads a scenario value into a [`Document`] of cluster `C` and actions `A`. Every fault
/// names its JSON path; the cross-field rules are the caller's `validate`.
pub fn parse_document<C: DeserializeOwned, A: TaggedAction>(
    value: &Value,
) -> Result<Document<C, A>, ScenarioError> {
    let root = read_root(value)?;
    let cluster: C = deserialize_located(&root.cluster).map_err(|error| error.at("$.cluster"))?;
    Ok(Document {
        system: root.system,
        name: root.name,
        title: root.title,
        seed: root.seed,
        cluster,
        steps: read_steps(root.steps)?,
        until_ms: root.until_ms,
    })
}

/// Reads the root object, its steps' actions keyed (not generic, see [`RootFields`]).
fn read_root(value: &Value) -> Result<RootFields, ScenarioError> {
    // serde would also read a struct from an array of its fields; a scenario and its steps
    // are objects, said so.
    let Value::Object(root) = value else {
        return fail(
            "$",
            format!("expected a scenario object, found {}", kind_of(value)),
        );
    };
    if let Some(cluster) = root.get("cluster").filter(|cluster| !cluster.is_object()) {
        return fail(
            "$.cluster",
            format!("expected an object, found {}", kind_of(cluster)),
        );
    }
    let mut root = root.clone();
    if let Some(Value::Array(steps)) = root.get_mut("steps") {
        for (position, step) in steps.iter_mut().enumerate() {
            let Value::Object(fields) = step else {
                return fail(
                    &format!("$.steps[{position}]"),
                    format!("expected a step object, found {}", kind_of(step)),
                );
            };
            // A `do` that is missing or not a string is left for serde to report.
            if let Ok(keyed) = split_action(fields, &STEP_KEYS) {
                fields.insert("do".to_string(), keyed);
            }
        }
    }
    deserialize_located(&Value::Object(root)).map_err(|error| error.at("$"))
}

/// Reads each step's keyed action.
fn read_steps<A: TaggedAction>(steps: Vec<StepFields>) -> Result<Vec<TimedStep<A>>, ScenarioError> {
    let mut timed = Vec::with_capacity(steps.len());
    for (position, step) in steps.into_iter().enumerate() {
        let path = format!("$.steps[{position}]");
        let action = A::from_keyed(&step.action).map_err(|error| {
            let message = error.message.replace("unknown variant", "unknown action");
            if error.at_top {
                // Nothing read yet: the `do` name itself is wrong.
                return ScenarioError {
                    path: format!("{path}.do"),
                    message,
                };
            }
            Located { message, ..error }.at(&path)
        })?;
        timed.push(TimedStep {
            at_ms: step.at_ms,
            every_ms: step.every_ms,
            label: step.label,
            action,
        });
    }
    Ok(timed)
}

/// What a JSON value is, in words.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Takes an action out of a flat object (`{"do": "crash", "node": "n1", …}`): every field
/// but `do` and those in `keep` leaves `fields`, and comes back keyed by the action's name
/// (`{"crash": {"node": "n1"}}`), the form [`TaggedAction::from_keyed`] reads with paths.
pub fn split_action(fields: &mut Map<String, Value>, keep: &[&str]) -> Result<Value, String> {
    let name = match fields.get("do") {
        Some(Value::String(name)) => name.clone(),
        Some(other) => {
            return Err(format!(
                "invalid type: {}, expected an action name",
                kind_of(other)
            ))
        }
        None => return Err("missing field `do`".to_string()),
    };
    let mut action_fields = Map::new();
    fields.retain(|key, value| {
        if key == "do" || keep.contains(&key.as_str()) {
            true
        } else {
            action_fields.insert(key.clone(), std::mem::take(value));
            false
        }
    });
    fields.remove("do");
    let mut keyed = Map::new();
    keyed.insert(name, Value::Object(action_fields));
    Ok(Value::Object(keyed))
}

/// serde's messages with its Rust type names said the way the scenario's author writes
/// them.
fn humanize(message: &str) -> String {
    let mut text = message
        .replace("expected u64", "expected a non-negative integer")
        .replace("expected u32", "expected a non-negative integer")
        .replace("expected f64", "expected a number");
    for (rust, written) in [
        ("expected struct scenario", "expected a scenario object"),
        ("expected struct step", "expected a step object"),
    ] {
        text = text.replace(rust, written);
    }
    text
}

/// Checks `value` (at `path`) is at most `max`.
pub fn at_most(value: u64, max: u64, path: &str) -> Result<(), ScenarioError> {
    if value > max {
        return fail(path, format!("{value} is too large (at most {max})"));
    }
    Ok(())
}

/// The timing rules every system's steps follow: `every_ms` at least 1 ms, steps in time
/// order, none after the end of the run.
pub fn check_step_times<A>(steps: &[TimedStep<A>], until_ms: u64) -> Result<(), ScenarioError> {
    let mut last_at = 0;
    for (position, step) in steps.iter().enumerate() {
        let path = format!("$.steps[{position}]");
        if step.every_ms == Some(0) {
            return fail(&format!("{path}.every_ms"), "must be at least 1 ms");
        }
        if step.at_ms < last_at {
            return fail(
                &format!("{path}.at_ms"),
                format!(
                    "time goes backwards: {} ms after a step at {} ms",
                    step.at_ms, last_at
                ),
            );
        }
        if step.at_ms > until_ms {
            return fail(
                &format!("{path}.at_ms"),
                format!("{} ms is after until_ms ({until_ms} ms)", step.at_ms),
            );
        }
        last_at = step.at_ms;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    tagged_actions! {
        /// A test vocabulary.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Probe {
            /// With a field.
            Poke {
                /// Target.
                node: String,
                /// Optional.
                #[serde(default)]
                times: u64,
            },
            /// Without.
            Wait,
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Cluster {
        nodes: Vec<String>,
    }

    fn parse(value: Value) -> Result<Document<Cluster, Probe>, ScenarioError> {
        parse_document(&value)
    }

    #[test]
    fn flat_steps_read_into_typed_actions() {
        let document = parse(json!({
            "name": "x", "seed": 3, "cluster": {"nodes": ["a"]},
            "steps": [
                {"at_ms": 1, "do": "poke", "node": "a", "label": "vas-y"},
                {"at_ms": 2, "every_ms": 5, "do": "wait"}
            ]
        }))
        .expect("valid");
        assert_eq!(document.seed, 3);
        assert_eq!(
            document.steps[0].action,
            Probe::Poke {
                node: "a".into(),
                times: 0
            }
        );
        assert_eq!(document.steps[0].label.as_deref(), Some("vas-y"));
        assert_eq!(document.steps[1].action, Probe::Wait);
        assert_eq!(document.steps[1].every_ms, Some(5));
        // Written back flat, with the `do` tag.
        assert_eq!(
            serde_json::to_value(&document.steps[1]).unwrap(),
            json!({"at_ms": 2, "every_ms": 5, "do": "wait"})
        );
    }

    #[test]
    #[cfg(feature = "json-paths")]
    fn every_fault_names_its_path() {
        let cluster = json!({"nodes": ["a"]});
        let cases = [
            (json!([]), "$", "expected a scenario object"),
            (
                json!({"cluster": {"nodes": ["a"], "x": 1}}),
                "$.cluster.x",
                "unknown field",
            ),
            (
                json!({"cluster": {"nodes": [1]}}),
                "$.cluster.nodes[0]",
                "invalid type",
            ),
            (
                json!({"cluster": cluster, "colour": 1}),
                "$.colour",
                "unknown field",
            ),
            (json!({}), "$", "missing field `cluster`"),
            (
                json!({"cluster": [["a"]]}),
                "$.cluster",
                "expected an object",
            ),
            (
                json!({"cluster": cluster, "steps": [{"at_ms": -1, "do": "wait"}]}),
                "$.steps[0].at_ms",
                "non-negative integer",
            ),
            (
                json!({"cluster": cluster, "steps": [{"at_ms": 1}]}),
                "$.steps[0]",
                "missing field `do`",
            ),
            (
                json!({"cluster": cluster, "steps": [{"at_ms": 1, "do": "explode"}]}),
                "$.steps[0].do",
                "unknown action `explode`",
            ),
            (
                json!({"cluster": cluster, "steps": [{"at_ms": 1, "do": 7}]}),
                "$.steps[0].do",
                "invalid type",
            ),
            (
                json!({"cluster": cluster, "steps": [{"at_ms": 1, "do": "poke"}]}),
                "$.steps[0]",
                "missing field `node`",
            ),
            (
                json!({"cluster": cluster, "steps": [{"at_ms": 1, "do": "poke", "node": "a", "times": "x"}]}),
                "$.steps[0].times",
                "non-negative integer",
            ),
            (
                json!({"cluster": cluster, "steps": [{"at_ms": 1, "do": "wait", "node": "a"}]}),
                "$.steps[0].node",
                "unknown field",
            ),
            (
                json!({"cluster": cluster, "steps": [{"at_ms": 0, "do": "wait"}, 5]}),
                "$.steps[1]",
                "expected a step object",
            ),
        ];
        for (value, path, fragment) in cases {
            let error = parse(value.clone()).expect_err("rejected");
            assert_eq!(error.path, path, "{value}: {error}");
            assert!(error.message.contains(fragment), "{value}: {error}");
        }
    }

    #[test]
    fn with_or_without_paths_a_fault_names_at_least_its_step() {
        let error = parse(json!({
            "cluster": {"nodes": ["a"]},
            "steps": [{"at_ms": 1, "do": "poke", "node": "a", "times": "x"}]
        }))
        .expect_err("rejected");
        assert!(error.path.starts_with("$.steps[0]"), "{error}");
        assert!(error.message.contains("non-negative integer"), "{error}");
    }

    #[test]
    fn an_action_alone_reads_through_the_same_reader() {
        let poke: Probe = serde_json::from_value(json!({"do": "poke", "node": "a"})).unwrap();
        assert_eq!(
            poke,
            Probe::Poke {
                node: "a".into(),
                times: 0
            }
        );
        assert_eq!(
            serde_json::to_value(&poke).unwrap(),
            json!({"do": "poke", "node": "a", "times": 0})
        );
        for (bad, fragment) in [
            (json!({"do": "wait", "x": 1}), "unknown field `x`"),
            (json!({"node": "a"}), "missing field `do`"),
            (json!({"do": 3}), "expected an action name"),
            (json!({"do": "explode"}), "unknown variant `explode`"),
        ] {
            let error = serde_json::from_value::<Probe>(bad.clone()).unwrap_err();
            assert!(error.to_string().contains(fragment), "{bad}: {error}");
        }
    }

    #[test]
    fn step_times_are_checked_in_order() {
        let step = |at_ms, every_ms| TimedStep {
            at_ms,
            every_ms,
            label: None,
            action: Probe::Wait,
        };
        assert!(check_step_times(&[step(1, None), step(1, Some(3))], 10).is_ok());
        let backwards = check_step_times(&[step(5, None), step(4, None)], 10).unwrap_err();
        assert_eq!(backwards.path, "$.steps[1].at_ms");
        let late = check_step_times(&[step(11, None)], 10).unwrap_err();
        assert!(late.message.contains("after until_ms"), "{late}");
        let zero = check_step_times(&[step(1, Some(0))], 10).unwrap_err();
        assert_eq!(zero.path, "$.steps[0].every_ms");
    }
}
