//! Widget blocks (```` ```raft ````, ```` ```kafka ````…): their `key: value` parameters,
//! checked, and their scenario, validated by the simulator's parser.

use super::{ChapterContext, DeckError};
use crate::params::{block_params, Param};
use crate::{SourceRef, WidgetKind, WidgetSpec};

/// The widget a fenced block's info string names, if any.
pub(super) fn widget_kind(info: &str) -> Option<WidgetKind> {
    match info.split_whitespace().next()? {
        "raft" => Some(WidgetKind::Raft),
        "controlplane" => Some(WidgetKind::Controlplane),
        "elastic" => Some(WidgetKind::Elastic),
        "kafka" => Some(WidgetKind::Kafka),
        "multisite" => Some(WidgetKind::Multisite),
        _ => None,
    }
}

/// The keys a widget block accepts.
const WIDGET_KEYS: &str = "scenario, height, checkpoints, controls, toggles, speed, live";
const WIDGET_CONTROLS: [&str; 8] = [
    "crash",
    "restart",
    "isolate",
    "transfer_leader",
    "propose",
    "link",
    "member_add",
    "member_remove",
];
const WIDGET_TOGGLES: [&str; 2] = ["pre_vote", "check_quorum"];
/// The clicks the other systems' widgets offer: fail/restore a site, cut/heal a link,
/// send a write, crash/restart a node.
const MODEL_WIDGET_CONTROLS: [&str; 5] = ["site", "link", "propose", "crash", "restart"];

/// Validates a widget's scenario text: the Raft parser for `raft`, the any-system parser
/// for the others, whose `"system"` must be the widget's. Gives the run's end (ms).
fn check_widget_scenario(kind: WidgetKind, text: &str) -> Result<u64, String> {
    if kind == WidgetKind::Raft {
        return sim::parse_scenario(text)
            .map(|parsed| parsed.end_ms())
            .map_err(|error| error.to_string());
    }
    let parsed = sim::parse_any(text).map_err(|error| error.to_string())?;
    let system = parsed.system().name();
    if system != kind.system() {
        return Err(format!(
            "$.system: the `{}` widget needs a `{}` scenario, not `{system}`",
            kind.name(),
            kind.system()
        ));
    }
    Ok(parsed.end_ms())
}

/// Parses a widget block's `key: value` lines, checking each value and that the scenario
/// exists and is valid. `fence_line` is the line of the opening fence.
pub(super) fn parse_widget(
    context: &ChapterContext<'_>,
    kind: WidgetKind,
    fence_line: u32,
    body: &str,
    first_step: u32,
    errors: &mut Vec<DeckError>,
) -> Option<WidgetSpec> {
    let errors_before = errors.len();
    let mut scenario: Option<(String, String, u64)> = None;
    let mut height = 460;
    let mut checkpoints = Vec::new();
    let mut controls = Vec::new();
    let mut toggles = Vec::new();
    let mut speed = 0.25;
    let mut live = false;
    let list = |value: &str| -> Vec<String> {
        value
            .split(',')
            .map(|item| item.trim().to_owned())
            .filter(|item| !item.is_empty())
            .collect()
    };
    for param in block_params(body, fence_line + 1) {
        let (line_number, key, value) = match param {
            Param::Pair { line, key, value } => (line, key, value),
            Param::Malformed { line, text } => {
                errors.push(context.error(
                    line,
                    format!("widget parameter `{text}` is not `key: value`"),
                ));
                continue;
            }
        };
        match key {
            "scenario" => {
                let safe = !value.is_empty()
                    && value.ends_with(".json")
                    && !value.contains(['/', '\\'])
                    && !value.starts_with('.');
                if !safe {
                    errors.push(context.error(
                        line_number,
                        format!("widget scenario `{value}` must be a file name like `leader-failure.json` in slides/scenarios/"),
                    ));
                    continue;
                }
                let path = context.scenarios_dir.join(value);
                match std::fs::read_to_string(&path) {
                    Ok(text) => match check_widget_scenario(kind, &text) {
                        Ok(end_ms) => scenario = Some((value.to_owned(), text, end_ms)),
                        Err(error) => errors.push(context.error(
                            line_number,
                            format!("widget scenario `slides/scenarios/{value}`: {error}"),
                        )),
                    },
                    Err(_) => errors.push(context.error(
                        line_number,
                        format!("widget scenario `slides/scenarios/{value}` not found"),
                    )),
                }
            }
            "height" => match value.parse::<u32>() {
                Ok(pixels) if (120..=720).contains(&pixels) => height = pixels,
                _ => errors.push(context.error(
                    line_number,
                    format!("widget `height` must be 120 to 720 canvas pixels, not `{value}`"),
                )),
            },
            "checkpoints" => {
                let mut parsed = Vec::new();
                for item in list(value) {
                    match item.trim_end_matches("ms").trim().parse::<u64>() {
                        Ok(ms) if parsed.last().is_none_or(|&last| ms > last) => parsed.push(ms),
                        _ => {
                            errors.push(context.error(
                                line_number,
                                format!("widget `checkpoints` must be increasing times in ms, not `{item}`"),
                            ));
                            break;
                        }
                    }
                }
                checkpoints = parsed;
            }
            "controls" => {
                controls = list(value);
                let known: &[&str] = if kind == WidgetKind::Raft {
                    &WIDGET_CONTROLS
                } else {
                    &MODEL_WIDGET_CONTROLS
                };
                for control in &controls {
                    if !known.contains(&control.as_str()) {
                        errors.push(context.error(
                            line_number,
                            format!("unknown `{}` widget control `{control}` (expected: {})", kind.name(), known.join(", ")),
                        ));
                    }
                }
            }
            "toggles" if kind != WidgetKind::Raft => errors.push(context.error(
                line_number,
                format!("the `{}` widget has no toggles (only `raft` has)", kind.name()),
            )),
            "toggles" => {
                toggles = list(value);
                for toggle in &toggles {
                    if !WIDGET_TOGGLES.contains(&toggle.as_str()) {
                        errors.push(context.error(
                            line_number,
                            format!("unknown widget toggle `{toggle}` (expected: {})", WIDGET_TOGGLES.join(", ")),
                        ));
                    }
                }
            }
            "speed" => match value.parse::<f64>() {
                Ok(value) if value.is_finite() && (0.001..=100.0).contains(&value) => speed = value,
                _ => errors.push(context.error(
                    line_number,
                    format!("widget `speed` must be 0.001 to 100 simulated ms per real ms, not `{value}`"),
                )),
            },
            "live" if kind != WidgetKind::Raft => errors.push(context.error(
                line_number,
                format!("the `{}` widget cannot run live (only `raft` drives a real etcd)", kind.name()),
            )),
            "live" => match value {
                "true" => live = true,
                "false" => live = false,
                _ => errors.push(context.error(
                    line_number,
                    format!("widget `live` must be `true` or `false`, not `{value}`"),
                )),
            },
            other => errors.push(context.error(
                line_number,
                format!("unknown widget parameter `{other}` (expected: {WIDGET_KEYS})"),
            )),
        }
    }
    let Some((scenario_file, scenario_text, end_ms)) = scenario else {
        if errors.len() == errors_before {
            errors.push(context.error(
                fence_line,
                format!("the `{}` widget needs `scenario: <file>.json`", kind.name()),
            ));
        }
        return None;
    };
    if let Some(&last) = checkpoints.last() {
        if last > end_ms {
            errors.push(context.error(
                fence_line,
                format!("widget checkpoint {last} ms is after the scenario's end ({end_ms} ms)"),
            ));
        }
    }
    if errors.len() > errors_before {
        return None;
    }
    Some(WidgetSpec {
        kind,
        scenario_file,
        scenario: scenario_text,
        height,
        checkpoints,
        first_step,
        controls,
        toggles,
        speed,
        live,
        source: SourceRef {
            file: context.file.to_owned(),
            line: fence_line,
        },
    })
}
