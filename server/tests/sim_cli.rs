//! `raftdeck sim`: every scenario of the talk and DESIGN.md's example run cleanly, output
//! is byte-identical between runs, and bad scenarios exit 2 naming the file and JSON path.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn raftdeck_sim(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_raftdeck"))
        .arg("sim")
        .args(args)
        .output()
        .unwrap()
}

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../slides/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contract-example.json"));
    files.sort();
    files
}

#[test]
fn every_scenario_runs_without_violations_and_deterministically() {
    let files = scenario_files();
    assert!(files.len() >= 10, "{files:?}");
    for file in files {
        let first = raftdeck_sim(&[&file]);
        assert_eq!(
            first.status.code(),
            Some(0),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&first.stderr)
        );
        let result: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
        // Other systems (`"system": "kafka"`…, README.md) have their own result
        // shape: only determinism is common.
        if result.get("system").is_some() {
            assert_eq!(
                first.stdout,
                raftdeck_sim(&[&file]).stdout,
                "{}",
                file.display()
            );
            continue;
        }
        assert_eq!(
            result["violations"],
            serde_json::json!([]),
            "{}",
            file.display()
        );
        for key in [
            "nodes",
            "leaders",
            "commits",
            "proposals",
            "skipped",
            "events",
        ] {
            assert!(result.get(key).is_some(), "{}: no `{key}`", file.display());
        }
        let second = raftdeck_sim(&[&file]);
        assert_eq!(
            first.stdout,
            second.stdout,
            "{}: output differs between runs",
            file.display()
        );
    }
}

#[test]
fn the_contract_example_elects_a_new_leader_after_the_crash() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contract-example.json");
    let output = raftdeck_sim(&[&file]);
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let leaders = result["leaders"].as_array().unwrap();
    assert!(
        leaders.len() >= 2,
        "a leader before and after the crash: {leaders:?}"
    );
    let commits = result["commits"].as_array().unwrap();
    assert!(
        commits.iter().any(|commit| commit["value"] == "x=1"),
        "x=1 was committed: {commits:?}"
    );
}

#[test]
fn trace_prints_events_as_json_lines_then_the_result() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/contract-example.json");
    let output = Command::new(env!("CARGO_BIN_EXE_raftdeck"))
        .args(["sim", "--trace"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let event_lines: Vec<&str> = stdout
        .lines()
        .take_while(|line| line.starts_with('{') && line.ends_with('}'))
        .collect();
    assert!(event_lines.len() > 100, "{} event lines", event_lines.len());
    for line in &event_lines {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(event.get("at_ms").is_some(), "{line}");
    }
}

#[test]
fn a_reader_that_stops_early_is_not_a_crash() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    // `raftdeck sim --trace … | head -1`: the trace is long, the reader leaves after one
    // line, and the next write hits a closed pipe.
    let scenario =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../slides/scenarios/latence-deux-sites.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_raftdeck"))
        .args(["sim", "--trace"])
        .arg(&scenario)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with('{'), "{first}");
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn a_closed_stdout_is_not_a_crash_for_any_output() {
    use std::process::Stdio;
    // The reader is gone before the first write (`raftdeck … | true`): each command that
    // prints must end without a panic, whatever printed it (a model's result, the
    // matrix, the hash, `check`'s table).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let kafka = dir.join("slides/scenarios/kafka-unclean-election.json");
    let kafka = kafka.to_str().unwrap();
    let commands: [&[&str]; 4] = [
        &["sim", kafka],
        &["sim", "--hash", kafka],
        &["sim", "--matrix"],
        &["check", "--deck", dir.to_str().unwrap()],
    ];
    for args in commands {
        let mut child = Command::new(env!("CARGO_BIN_EXE_raftdeck"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn bad_scenarios_exit_2_with_file_and_json_path() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let cases = [
        (
            "unknown-node.json",
            r#"{"name":"x","cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":1,"do":"crash","node":"n9"}]}"#,
            "$.steps[0].node",
        ),
        (
            "unknown-action.json",
            r#"{"name":"x","cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":1,"do":"explode"}]}"#,
            "$.steps[0].do",
        ),
        (
            "backwards.json",
            r#"{"name":"x","cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":5,"do":"heal"},{"at_ms":1,"do":"heal"}]}"#,
            "$.steps[1].at_ms",
        ),
        (
            "malformed.json",
            "{\"name\": \"x\",\n  \"cluster\": ",
            "line 2",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let output = raftdeck_sim(&[&path]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(name),
            "{name}: the message names the file: {stderr}"
        );
        assert!(
            stderr.contains(expected),
            "{name}: expected `{expected}` in: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
    let missing = raftdeck_sim(&[&dir.join("absent.json")]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn matrix_prints_the_failure_matrix_and_the_etcd_fault_tolerance_table() {
    let output = Command::new(env!("CARGO_BIN_EXE_raftdeck"))
        .args(["sim", "--matrix"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    // etcd FAQ: cluster size → majority → failure tolerance, 1 to 9.
    for (size, majority, tolerated) in [
        (1, 1, 0),
        (2, 2, 0),
        (3, 2, 1),
        (4, 3, 1),
        (5, 3, 2),
        (6, 4, 2),
        (7, 4, 3),
        (8, 5, 3),
        (9, 5, 4),
    ] {
        let row = format!("| {size} | {majority} | {tolerated} |");
        assert!(stdout.lines().any(|line| line == row), "{row}\n{stdout}");
    }
    // Every system, placement and failure of the matrix, one Markdown row each.
    let rows = |system: &str| {
        stdout
            .lines()
            .filter(|line| line.starts_with(&format!("| {system}")))
            .count()
    };
    assert_eq!(rows("etcd / Kubernetes"), 25, "{stdout}");
    assert_eq!(rows("Elasticsearch"), 25, "{stdout}");
    assert_eq!(rows("Kafka"), 15, "{stdout}");
    assert!(stdout.contains("| etcd / Kubernetes | 2/1 | perte du site A | non |"));
    assert!(stdout.contains("| Elasticsearch | 1/1+t | perte du site A | oui |"));
}

#[test]
fn matrix_and_a_scenario_are_exclusive_and_one_is_needed() {
    let sim = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_raftdeck"))
            .arg("sim")
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(sim(&[]).status.code(), Some(2));
    assert_eq!(sim(&["--matrix", "x.json"]).status.code(), Some(2));
    assert_eq!(sim(&["--matrix", "--hash"]).status.code(), Some(2));
}
