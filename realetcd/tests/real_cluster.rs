//! The runner against a real local etcd cluster (Debian's etcd-server 3.4; `cargo xtask
//! test` installs it).

use realetcd::{EtcdBinaries, RunOptions, RunResult};

fn binaries() -> EtcdBinaries {
    EtcdBinaries::locate(None).unwrap_or_else(|missing| panic!("{missing}"))
}

/// The tests share one check of this process's children: they run one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Our own children named etcd that are still alive (none may outlive a run).
fn etcd_children() -> Vec<u32> {
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": comm may hold spaces, so split after the ')'.
        let Some((head, tail)) = stat.rsplit_once(") ") else {
            continue;
        };
        let ppid: Option<u32> = tail.split(' ').nth(1).and_then(|p| p.parse().ok());
        if head.ends_with("(etcd") && ppid == Some(me) {
            found.push(pid);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_leader_is_replaced_by_a_higher_term_within_the_election_window() {
    let _serial = ONE_AT_A_TIME.lock().await;
    let scenario = sim::parse_scenario(
        r#"{
          "name": "real-leader-crash",
          "cluster": { "sites": { "A": ["n1", "n2", "n3"] }, "latency_ms": { "intra": 2 } },
          "steps": [
            { "at_ms": 1000, "do": "restart", "node": "n1" },
            { "at_ms": 1500, "do": "propose", "value": "x=1" },
            { "at_ms": 2000, "do": "crash", "node": "leader" },
            { "at_ms": 5500, "do": "propose", "value": "z=3" }
          ],
          "until_ms": 6500
        }"#,
    )
    .unwrap();
    let result = realetcd::run(
        &scenario,
        &RunOptions {
            binaries: binaries(),
        },
    )
    .await
    .unwrap();
    assert!(etcd_children().is_empty(), "every member was stopped");

    // etcd bootstraps its members at term 1: the first leader is elected at term 2.
    let first = &result.leaders[0];
    assert_eq!(first.term, 2, "{:?}", result.leaders);
    assert!(first.at_ms < 1500, "{:?}", result.leaders);
    let next = result
        .leaders
        .iter()
        .find(|l| l.at_ms >= 2000)
        .unwrap_or_else(|| panic!("no leader after the crash: {:?}", result.leaders));
    assert!(next.term > first.term);
    assert_ne!(next.node, first.node);
    // Followers wait a randomized [1, 2) s election timeout, then a pre-vote and a vote;
    // a round that does not elect (a split, a pre-vote refused in lease) costs one more
    // timeout, the tolerance REAL-ETCD.md's verdict states for election delays. A real
    // cluster on a loaded 2-core machine was seen taking 2.9 s.
    let after = next.at_ms - 2000;
    assert!(
        (900..4700).contains(&after),
        "new leader {after} ms after the crash"
    );

    let outcome = |value: &str| {
        result
            .proposals
            .iter()
            .find(|p| p.value == value)
            .map(|p| p.outcome.as_str())
    };
    assert_eq!(outcome("x=1"), Some("committed"));
    assert_eq!(outcome("z=3"), Some("committed"));
    let committed: Vec<&str> = result.commits.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(committed, vec!["x=1", "z=3"]);
    assert_eq!(
        result
            .nodes
            .iter()
            .find(|n| n.id == first.node)
            .map(|n| n.role.as_str()),
        Some("down")
    );
    assert_eq!(
        result.skipped.len(),
        1,
        "restarting a running member does nothing"
    );
    assert_eq!(result.skipped[0].reason, "n1: already_up");
    assert!(result.violations.is_empty());
    // The printed JSON reads back in the shape the comparison uses.
    assert_eq!(RunResult::from_json(&result.to_json()).unwrap(), result);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_site_link_leaves_the_minority_member_without_leader() {
    let _serial = ONE_AT_A_TIME.lock().await;
    // 2/1 over two sites; the lone member of site B is cut off, then the link heals.
    let scenario = sim::parse_scenario(
        r#"{
          "name": "real-cut-2-1",
          "cluster": { "sites": { "A": ["n1", "n2"], "B": ["n3"] },
                       "latency_ms": { "intra": 1, "inter": 15 } },
          "steps": [
            { "at_ms": 1500, "do": "partition", "groups": [["A"], ["B"]] },
            { "at_ms": 2000, "do": "transfer_leader", "node": "n3" },
            { "at_ms": 5000, "do": "propose", "value": "cut=1", "node": "n3" },
            { "at_ms": 5200, "do": "propose", "value": "side-a=1", "node": "n1" },
            { "at_ms": 13000, "do": "heal" }
          ],
          "until_ms": 15000
        }"#,
    )
    .unwrap();
    let result = realetcd::run(
        &scenario,
        &RunOptions {
            binaries: binaries(),
        },
    )
    .await
    .unwrap();
    assert!(etcd_children().is_empty());
    let outcome = |value: &str| {
        result
            .proposals
            .iter()
            .find(|p| p.value == value)
            .map(|p| (p.outcome.clone(), p.reason.clone()))
            .unwrap()
    };
    // Site A keeps a majority: its write commits.
    assert_eq!(outcome("side-a=1").0, "committed");
    // n3, alone, has no leader: the put waits, and etcd gives up after its request
    // timeout (5 s + 2 × election = 7 s): the outcome is unknown, not failed.
    assert_eq!(
        outcome("cut=1"),
        ("unknown".to_string(), Some("timeout".to_string()))
    );
    let decided = result
        .proposals
        .iter()
        .find(|p| p.value == "cut=1")
        .and_then(|p| p.decided_at_ms)
        .unwrap();
    assert!(
        (11_800..12_800).contains(&decided),
        "timed out at {decided} ms"
    );
    // Across the cut, the transfer to n3 cannot happen.
    assert!(result
        .leaders
        .iter()
        .filter(|l| l.at_ms >= 1500)
        .all(|l| l.node != "n3"));
    // A leader exists at the end, on site A.
    let leader = result.nodes.iter().find(|n| n.role == "leader").unwrap();
    assert_eq!(leader.site, "A");
}
