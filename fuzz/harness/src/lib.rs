//! The fuzz targets of raftdeck, as plain functions.
//!
//! Each target takes arbitrary bytes, feeds them to one parser of untrusted text, and
//! panics only when that parser breaks its contract: it must never panic itself, and
//! every rejection must be an error that says where (a `file:line` for the deck compiler
//! and the notes, a JSON path for scenarios, a field or a line/column for sync messages).
//! `fuzz_targets/*.rs` hand these functions to libFuzzer (`cargo xtask fuzz`, nightly);
//! `tests/stable.rs` drives them on stable over the seed corpus and deterministic
//! mutations of it ([`mutate`]), which is what CI runs.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The file name chapter inputs are compiled under; every error must point into it.
pub const CHAPTER_FILE: &str = "slides/99-fuzz.md";
/// The file name notes inputs are compiled under.
pub const NOTES_FILE: &str = "speaker-notes/99-fuzz.md";
/// Slide ids the notes target knows (a notes section for another id is an error).
pub const NOTES_SLIDE_IDS: [&str; 4] = ["titre", "quorum", "un", "deux"];
/// Scenarios are run (not only parsed) when they end by this simulated instant: longer
/// runs are correct but would make each case slow.
pub const MAX_RUN_MS: u64 = 120_000;
/// A widget state from a URL is replayed up to this instant at most, for the same reason.
pub const MAX_WIDGET_SEEK_MS: u64 = 20_000;
/// The five targets, by name (also the names of `fuzz_targets/` and `corpus/` entries).
pub const TARGETS: [&str; 5] = [
    "deck_chapter",
    "notes",
    "scenario",
    "sync_message",
    "widget_url",
];

/// Runs the target called `name` on `data`; false if there is no such target.
pub fn run_target(name: &str, data: &[u8]) -> bool {
    match name {
        "deck_chapter" => deck_chapter(data),
        "notes" => notes(data),
        "scenario" => scenario(data),
        "sync_message" => sync_message(data),
        "widget_url" => widget_url(data),
        _ => return false,
    }
    true
}

/// The workspace root (the real `static/` and `slides/scenarios/` are read from there, so
/// image and widget-scenario references resolve as in the talk).
pub fn workspace_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        // This crate sits at `fuzz/harness/`.
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        manifest
            .ancestors()
            .nth(2)
            .map_or(manifest.clone(), Path::to_path_buf)
    })
}

fn line_count(text: &str) -> u32 {
    u32::try_from(text.lines().count()).unwrap_or(u32::MAX)
}

/// The deck compiler on one chapter: slide separators, attribute comments, step markers,
/// Markdown, images, `raft` widget blocks and `table` blocks.
pub fn deck_chapter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let static_dir = workspace_root().join("static");
    match deck::compiler::compile_chapter_text(CHAPTER_FILE, text, &static_dir) {
        Ok(slides) => {
            for slide in &slides {
                assert!(!slide.id.is_empty(), "a compiled slide has an empty id");
            }
        }
        Err(errors) => {
            assert!(!errors.0.is_empty(), "an empty error list");
            let last_line = line_count(text).max(1);
            for error in &errors.0 {
                assert_eq!(error.file, CHAPTER_FILE, "error in another file: {error}");
                assert!(
                    (1..=last_line + 1).contains(&error.line),
                    "error line {} outside 1..={}: {error}",
                    error.line,
                    last_line + 1
                );
                assert!(!error.message.is_empty(), "an error without a message");
            }
        }
    }
}

/// The speaker-notes parser on one notes file.
pub fn notes(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match deck::notes::compile_notes_text(NOTES_FILE, text, &NOTES_SLIDE_IDS) {
        Ok(notes) => {
            for id in notes.keys() {
                assert!(NOTES_SLIDE_IDS.contains(&id.as_str()), "notes for `{id}`");
            }
        }
        Err(errors) => {
            let last_line = line_count(text).max(1);
            for error in &errors.0 {
                assert_eq!(error.file, NOTES_FILE, "error in another file: {error}");
                assert!(
                    (1..=last_line).contains(&error.line),
                    "error line {} outside 1..={last_line}: {error}",
                    error.line
                );
                assert!(!error.message.is_empty(), "an error without a message");
            }
        }
    }
}

fn check_scenario_error(error: &sim::scenario::ScenarioError) {
    assert!(
        error.path.starts_with('$'),
        "error without a JSON path: {error:?}"
    );
    assert!(!error.message.is_empty(), "error without a message");
}

/// The scenario parsers (`sim::parse_scenario` for etcd, `sim::parse_any` for every
/// system); scenarios that end soon are also run, and etcd's must keep Raft's invariants.
pub fn scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match sim::parse_scenario(text) {
        Ok(parsed) => {
            if parsed.end_ms() <= MAX_RUN_MS {
                let result = sim::run_scenario(&parsed);
                assert!(
                    result.violations.is_empty(),
                    "invariant violations: {:?}",
                    result.violations
                );
            }
        }
        Err(error) => check_scenario_error(&error),
    }
    match sim::models::parse_any(text) {
        Ok(parsed) => {
            // Only the other systems: etcd ran above. Their `until_ms` is read from the
            // JSON because the parsed scenarios keep it in system-specific places.
            let short = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|value| value.get("until_ms").and_then(serde_json::Value::as_u64))
                .is_some_and(|until| until <= MAX_RUN_MS);
            if short && !matches!(parsed, sim::models::AnyScenario::Etcd(_)) {
                let result = sim::models::run_parsed(&parsed);
                assert_eq!(result.violation_count(), 0, "invariant violations");
            }
        }
        Err(error) => check_scenario_error(&error),
    }
}

/// The presenter's sync message parser (`POST /api/sync`, BroadcastChannel).
pub fn sync_message(data: &[u8]) {
    match deck::sync::SyncState::parse(data) {
        Ok(state) => {
            assert!(state.validate().is_ok(), "parse accepted an invalid state");
            let message = deck::sync::SyncMessage { seq: 1, state };
            let json = serde_json::to_string(&message).unwrap_or_default();
            let again: deck::sync::SyncMessage = serde_json::from_str(&json)
                .unwrap_or_else(|error| panic!("the server's own JSON does not parse: {error}"));
            // What the server reads must reach followers unchanged. Widget states are
            // opaque JSON: only their keys are compared, because a decimal with more
            // digits than an f64 holds may come back one ulp apart (serde_json without
            // `float_roundtrip`), which no widget can notice.
            let (sent, back) = (&message.state, &again.state);
            assert_eq!(
                (again.seq, &back.slide, back.step, &back.origin),
                (message.seq, &sent.slide, sent.step, &sent.origin),
                "the message does not round-trip"
            );
            assert!(
                back.widgets.keys().eq(sent.widgets.keys()),
                "the widget keys do not round-trip"
            );
        }
        Err(invalid) => assert!(!invalid.0.is_empty(), "a rejection without a reason"),
    }
}

/// A shared link's hash (`#/<slide>/<step>?w0=…`): the route, the widget states decoded
/// from base64url JSON, and a widget player adopting such a state.
pub fn widget_url(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = frontend::route::Route::parse(text);
    // The app keeps any JSON object; the widgets module decides what it means.
    let from_hash = frontend::route::widget_states_in_hash(text)
        .into_values()
        .find_map(|text| {
            let value = serde_json::from_str::<serde_json::Value>(&text).ok()?;
            widgets::WidgetState::from_json(&value).ok()
        });
    let direct = widgets::WidgetState::decode_from_url(text);
    let Some(mut state) = from_hash.or(direct.ok()) else {
        return;
    };
    let encoded = state.encode_for_url();
    let decoded = widgets::WidgetState::decode_from_url(&encoded);
    assert!(decoded.is_ok(), "a state does not decode its own encoding");
    state.sim_ms = state.sim_ms.min(MAX_WIDGET_SEEK_MS);
    let mut player = widgets::player::Player::new(election_scenario().clone());
    player.adopt(&state);
    assert!(
        player.now_ms() <= MAX_WIDGET_SEEK_MS,
        "the player ran past its target"
    );
    assert!(
        player.simulation().violations().is_empty(),
        "invariant violations after adopting a URL state"
    );
}

fn election_scenario() -> &'static sim::Scenario {
    static SCENARIO: OnceLock<sim::Scenario> = OnceLock::new();
    SCENARIO.get_or_init(|| {
        let path = workspace_root().join("slides/scenarios/leader-failure.json");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        sim::parse_scenario(&text)
            .unwrap_or_else(|error| panic!("the fuzz harness needs {}: {error}", path.display()))
    })
}

/// A small deterministic PRNG (splitmix64) for [`mutate`]: the same seed always gives
/// the same cases, so a failure in CI replays exactly.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound.max(1) as u64) as usize
    }
}

/// Tokens the parsers give meaning to; inserting them reaches deeper than random bytes.
const DICTIONARY: &[&str] = &[
    "\n---\n",
    "<!-- ",
    " -->",
    "<!-->",
    "<!---->",
    "<!-- id: x; minutes: 2; layout: two-columns; class: dense -->\n",
    "<!-- step -->\n",
    "<!-- steps -->\n",
    "<!-- column -->\n",
    "\n```raft\nscenario: leader-failure.json\nheight: 300\ncheckpoints: 1000, 2000\n```\n",
    "\n```table\nname: failure-matrix\nsystem: kafka\nform: grid\n```\n",
    "\n```table\nname: etcd-fault-tolerance\nmax: 9\n```\n",
    "```",
    "~~~",
    "\n## ",
    "\n# ",
    "![x](diagrams/quorum.svg)",
    "![x](../../etc/passwd)",
    "minutes: ",
    "layout: ",
    "id: ",
    "\"slide\":",
    "\"step\":",
    "\"widgets\":",
    "\"a/0\":",
    "\"do\":\"crash\"",
    "\"node\":\"leader\"",
    "\"at_ms\":",
    "\"every_ms\":1",
    "\"until_ms\":",
    "\"system\":\"kafka\"",
    "\"system\":\"kubernetes\"",
    "\"system\":\"elasticsearch\"",
    "\"system\":\"multisite\"",
    "18446744073709551615",
    "-1",
    "1e999",
    "0.0",
    "null",
    "[]",
    "{}",
    "\u{0}",
    "\u{feff}",
    "é",
    "\r\n",
    "#/quorum/2?w0=",
    "&w1=",
    "eyJzaW1fbXMiOjEwMDAsInBsYXlpbmciOnRydWV9",
];

/// A deterministic mutation of `input`: one to four edits among bit flips, byte and
/// dictionary-token insertions, deletions, duplications, and splices with another entry
/// of `corpus`.
pub fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(8) {
            0 if !out.is_empty() => {
                let index = at.min(out.len() - 1);
                out[index] ^= 1 << rng.below(8);
            }
            1 => out.insert(at, rng.next_u64() as u8),
            2 | 3 => {
                let token = DICTIONARY[rng.below(DICTIONARY.len())].as_bytes();
                out.splice(at..at, token.iter().copied());
            }
            4 if !out.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                out.drain(at.min(end)..end);
            }
            5 if !out.is_empty() => {
                let end = (at + 1 + rng.below(256)).min(out.len());
                let copy = out[at.min(end)..end].to_vec();
                let to = rng.below(out.len() + 1);
                out.splice(to..to, copy);
            }
            6 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len() + 1);
                let end = (from + rng.below(512)).min(other.len());
                out.truncate(at);
                out.extend_from_slice(&other[from..end]);
            }
            _ => {
                // Replace a digit run's neighbourhood with an extreme number.
                let number = ["0", "4294967296", "99999999999999999999", "-0"][rng.below(4)];
                out.splice(at..at, number.bytes());
            }
        }
    }
    out
}

/// The committed seed corpus of `target` (`fuzz/corpus/<target>/*`), in name order.
pub fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = workspace_root().join("fuzz/corpus").join(target);
    let mut entries: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    std::fs::read(entry.path()).ok().map(|bytes| (name, bytes))
                })
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    entries
}
