//! `raftdeck real` as a user meets it: bad scenarios exit 2 naming the file and the JSON
//! path, a run prints the simulation's result shape, and neither Ctrl-C nor a killed
//! raftdeck leaves an etcd member or a folder behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn raftdeck() -> Command {
    Command::new(env!("CARGO_BIN_EXE_raftdeck"))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// etcd processes whose command line mentions `marker` (their data folder).
fn etcd_processes_under(marker: &Path) -> Vec<u32> {
    let marker = marker.to_string_lossy().into_owned();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let is_etcd = cmdline.starts_with("etcd") || cmdline.contains("/etcd ");
        if is_etcd && cmdline.contains(&marker) {
            found.push(pid);
        }
    }
    found
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

const LONG_RUN: &str = r#"{
  "name": "long",
  "cluster": { "sites": { "A": ["n1", "n2", "n3"] } },
  "steps": [ { "at_ms": 1000, "do": "propose", "value": "x=1" } ],
  "until_ms": 120000
}"#;

#[test]
fn what_real_etcd_cannot_express_exits_2_with_the_path_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let lossy = write(
        dir.path(),
        "lossy.json",
        r#"{"cluster":{"sites":{"A":["n1","n2","n3"]}},"steps":[{"at_ms":5,"do":"drop_rate","rate":0.2}]}"#,
    );
    let output = raftdeck().arg("real").arg(&lossy).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("lossy.json: $.steps[0].do: `drop_rate`"),
        "{stderr}"
    );
    let kafka = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../slides/scenarios/kafka-acks-all-lose-site.json");
    let output = raftdeck().arg("real").arg(&kafka).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "kafka-acks-all-lose-site.json: $.system: `raftdeck real` runs `etcd` scenarios only"
        ),
        "{stderr}"
    );
    let missing = raftdeck()
        .args(["real", "/nonexistent/scenario.json"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn a_missing_etcd_names_the_packages_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "s.json", LONG_RUN);
    let output = raftdeck()
        .arg("real")
        .arg(&scenario)
        .args(["--etcd", "/nonexistent/etcd"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("apt-get install etcd-server etcd-client"),
        "{stderr}"
    );
}

fn start_long_run(tmp: &Path) -> std::process::Child {
    let scenario = write(tmp, "long.json", LONG_RUN);
    let runs = tmp.join("runs");
    std::fs::create_dir(&runs).unwrap();
    let child = raftdeck()
        .arg("real")
        .arg(&scenario)
        .env("TMPDIR", &runs)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("three etcd members", || {
        etcd_processes_under(&runs).len() == 3
    });
    child
}

#[test]
fn ctrl_c_stops_every_member_and_removes_the_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = start_long_run(dir.path());
    let runs = dir.path().join("runs");
    // SAFETY: kill(2) on our own child's pid.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let mut stderr = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(etcd_processes_under(&runs).is_empty());
    assert_eq!(
        std::fs::read_dir(&runs).unwrap().count(),
        0,
        "the run folder is gone"
    );
}

#[test]
fn a_killed_raftdeck_takes_its_members_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = start_long_run(dir.path());
    let runs = dir.path().join("runs");
    child.kill().unwrap();
    child.wait().unwrap();
    wait_for("the members to die with raftdeck", || {
        etcd_processes_under(&runs).is_empty()
    });
}
