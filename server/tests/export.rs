//! `raftdeck export`: every Raft (etcd) scenario of the talk becomes a well-formed,
//! animated SVG with one drawn node per scenario node; PNG frames come in the announced
//! number; bad scenarios exit 2 naming the file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn raftdeck(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_raftdeck"))
        .arg("export")
        .args(args)
        .output()
        .expect("raftdeck runs")
}

/// A scratch folder removed when the returned guard drops, whatever the test's outcome.
fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("raftdeck-export-{name}-"))
        .tempdir()
        .expect("a scratch folder")
}

/// The talk's scenarios that run on the Raft core (no `"system"`, or `"etcd"`), with
/// their node names.
fn etcd_scenarios() -> Vec<(PathBuf, BTreeSet<String>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../slides/scenarios");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the scenarios folder") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).expect("JSON");
        if value.get("system").is_some_and(|system| system != "etcd") {
            continue;
        }
        let mut nodes = BTreeSet::new();
        for members in value["cluster"]["sites"]
            .as_object()
            .expect("sites")
            .values()
        {
            for member in members.as_array().expect("a node list") {
                nodes.insert(member.as_str().expect("a node name").to_owned());
            }
        }
        for step in value["steps"].as_array().into_iter().flatten() {
            if step["do"] == "member_add" {
                nodes.insert(step["node"].as_str().expect("a node name").to_owned());
            }
        }
        found.push((path, nodes));
    }
    found.sort();
    found
}

#[test]
fn every_raft_scenario_exports_as_a_valid_animated_svg_with_its_nodes() {
    let scenarios = etcd_scenarios();
    assert!(scenarios.len() >= 5, "{scenarios:?}");
    let scratch = scratch("svg");
    let dir = scratch.path();
    for (scenario, nodes) in scenarios {
        let svg = dir.join("out.svg");
        let output = raftdeck(&[scenario.as_os_str(), "--svg".as_ref(), svg.as_os_str()]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}: {}",
            scenario.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(&svg).expect("the SVG was written");
        let document = roxmltree::Document::parse(&text)
            .unwrap_or_else(|error| panic!("{}: not XML: {error}", scenario.display()));
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(
            root.tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
        let animations = document
            .descendants()
            .filter(|node| {
                matches!(
                    node.tag_name().name(),
                    "animate" | "animateTransform" | "set"
                )
            })
            .count();
        assert!(
            animations > 10,
            "{}: {animations} animations",
            scenario.display()
        );
        let drawn: BTreeSet<String> = document
            .descendants()
            .filter_map(|node| node.attribute("data-node"))
            .map(str::to_owned)
            .collect();
        assert_eq!(drawn, nodes, "{}", scenario.display());
        // Self-contained: no external reference of any kind.
        assert!(!text.contains("href"), "{}", scenario.display());
        // Captions are the widget's French ones.
        assert!(text.contains("terme"), "{}", scenario.display());
    }
}

#[test]
fn the_svg_s_missing_folder_is_made() {
    let (scenario, _) = etcd_scenarios().remove(0);
    let scratch = scratch("nested");
    let svg = scratch.path().join("talk/figures/out.svg");
    let output = raftdeck(&[scenario.as_os_str(), "--svg".as_ref(), svg.as_os_str()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(std::fs::read_to_string(&svg)
        .expect("the SVG was written")
        .contains("<svg"));
}

#[cfg(feature = "png")]
#[test]
fn png_frames_come_in_the_announced_number() {
    let scratch = scratch("png");
    let dir = scratch.path();
    let frames = dir.join("frames");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../slides/scenarios/election.json");
    let output = raftdeck(&[
        scenario.as_os_str(),
        "--png-frames".as_ref(),
        frames.as_os_str(),
        "--fps".as_ref(),
        "2".as_ref(),
        "--duration-ms".as_ref(),
        "1500".as_ref(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // 1.5 s at 2 frames per second: t = 0, 0.5, 1 and 1.5 s.
    let mut names: Vec<String> = std::fs::read_dir(&frames)
        .expect("the frames folder")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "frame-0000.png",
            "frame-0001.png",
            "frame-0002.png",
            "frame-0003.png"
        ]
    );
    for name in &names {
        let bytes = std::fs::read(frames.join(name)).expect("a frame");
        assert!(
            bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "{name} is not a PNG"
        );
        assert!(
            bytes.len() > 2000,
            "{name} looks empty ({} bytes)",
            bytes.len()
        );
    }
}

/// A binary built with `--no-default-features` has no rasterizer: it says so, writes
/// nothing, and still exports the SVG.
#[cfg(not(feature = "png"))]
#[test]
fn without_the_png_feature_png_frames_are_refused_and_the_svg_still_exports() {
    let scratch = scratch("no-png");
    let dir = scratch.path();
    let frames = dir.join("frames");
    let svg = dir.join("out.svg");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../slides/scenarios/election.json");
    let output = raftdeck(&[
        scenario.as_os_str(),
        "--svg".as_ref(),
        svg.as_os_str(),
        "--png-frames".as_ref(),
        frames.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("without PNG support"), "{stderr}");
    assert!(!frames.exists() && !svg.exists(), "nothing is half-written");
    let output = raftdeck(&[scenario.as_os_str(), "--svg".as_ref(), svg.as_os_str()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(svg.exists());
}

#[test]
fn bad_scenarios_exit_2_naming_the_file_and_the_reason() {
    let scratch = scratch("bad");
    let dir = scratch.path();
    let broken = dir.join("broken.json");
    std::fs::write(
        &broken,
        r#"{ "seed": 1, "cluster": { "sites": { "A": [] } }, "steps": [] }"#,
    )
    .expect("a file");
    let kafka = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../slides/scenarios/kafka-acks-all-lose-site.json");
    let missing = dir.join("missing.json");
    for (file, reason) in [
        (&broken, "$.cluster"),
        (&kafka, "only Raft (etcd) scenarios"),
        (&missing, "cannot read"),
    ] {
        let svg = dir.join("out.svg");
        let output = raftdeck(&[file.as_os_str(), "--svg".as_ref(), svg.as_os_str()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {stderr}",
            file.display()
        );
        assert!(stderr.contains(&file.display().to_string()), "{stderr}");
        assert!(stderr.contains(reason), "{stderr}");
        assert!(!svg.exists(), "nothing is written for a bad scenario");
    }
}
