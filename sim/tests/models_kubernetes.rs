//! The Kubernetes control-plane model and etcd's computed fault-tolerance table, each
//! test citing the documented behaviour it encodes (../shared/research/domain-facts.md).

use sim::models::common::WriteOutcome;
use sim::models::matrix::{fault_tolerance_table, ToleranceRow};
use sim::{run_any, AnyResult};

fn kube(text: &str) -> sim::models::kubernetes::KubeResult {
    match run_any(text).unwrap_or_else(|e| panic!("{e}")) {
        AnyResult::Kubernetes(result) => result,
        other => panic!("not kubernetes: {other:?}"),
    }
}

/// etcd FAQ, "fault tolerance table": size → majority → failures tolerated, and "for a
/// cluster with n members, quorum is (n/2)+1" (domain-facts.md §1).
#[test]
fn the_computed_fault_tolerance_table_equals_the_etcd_faq() {
    let faq = [
        (1, 1, 0),
        (2, 2, 0),
        (3, 2, 1),
        (4, 3, 1),
        (5, 3, 2),
        (6, 4, 2),
        (7, 4, 3),
        (8, 5, 3),
        (9, 5, 4),
    ];
    let expected: Vec<ToleranceRow> = faq
        .iter()
        .map(|&(size, majority, tolerated)| ToleranceRow {
            size,
            majority,
            tolerated,
        })
        .collect();
    assert_eq!(fault_tolerance_table(9), expected);
}

fn placement_json(placement: &[u32]) -> String {
    let sites = ["A", "B", "C"];
    let mut parts = Vec::new();
    let mut n = 0;
    for (site, &count) in sites.iter().zip(placement) {
        let names: Vec<String> = (0..count)
            .map(|_| {
                n += 1;
                format!("\"cp{n}\"")
            })
            .collect();
        parts.push(format!("\"{site}\": [{}]", names.join(", ")));
    }
    parts.join(", ")
}

/// kubeadm HA topology: with stacked etcd each control-plane node runs an etcd member;
/// the API needs etcd, and etcd needs a majority (etcd op-guide/failures, "Majority
/// failure"; domain-facts.md §1–2). So the API survives the loss of a site exactly when
/// the other sites hold a majority of members.
#[test]
fn the_api_is_available_exactly_when_etcd_keeps_quorum_for_every_placement_and_site_loss() {
    let placements: [&[u32]; 5] = [&[3, 0, 0], &[2, 1, 0], &[2, 2, 0], &[1, 1, 1], &[2, 2, 1]];
    for placement in placements {
        let total: u32 = placement.iter().sum();
        for (lost, site) in ["A", "B", "C"].iter().enumerate() {
            let text = format!(
                r#"{{"system":"kubernetes","cluster":{{"control_plane":{{{}}},"extra_sites":["A","B","C"]}},
                "steps":[{{"at_ms":5000,"do":"fail_site","site":"{site}"}},
                         {{"at_ms":20000,"do":"write","value":"svc"}}],"until_ms":30000}}"#,
                placement_json(placement)
            );
            let result = kube(&text);
            let survivors = total - placement[lost];
            let quorum = survivors * 2 > total;
            assert_eq!(
                result.api_available_at_end, quorum,
                "placement {placement:?}, lose {site}: {:?}",
                result.api_outages
            );
            let write = &result.writes[0];
            assert_eq!(
                write.outcome == WriteOutcome::Acknowledged,
                quorum,
                "placement {placement:?}, lose {site}: {write:?}"
            );
            assert!(result.violations.is_empty());
        }
    }
}

const EVICTION: &str = r#"{"system":"kubernetes","name":"eviction",
  "cluster":{"control_plane":{"A":["cp1","cp2","cp3"]},
             "workers":{"A":["w1"],"B":["w2"]},
             "deployments":[{"name":"web","replicas":4}]},
  "steps":[{"at_ms":10000,"do":"fail_site","site":"B"}],
  "until_ms":400000}"#;

/// Kubernetes: a lost node is marked NotReady after the node-monitor grace period (50 s
/// since 1.32, PR #126287) and its pods stay bound until the default toleration of the
/// unreachable taint expires (tolerationSeconds=300): eviction 350 s after the loss
/// (domain-facts.md §2).
#[test]
fn pods_of_a_lost_worker_are_evicted_only_after_350_seconds() {
    let result = kube(EVICTION);
    let at = |kind: &str| {
        result
            .events
            .iter()
            .find(|e| e.kind == kind && e.subject == "w2")
            .map(|e| e.at_ms)
    };
    assert_eq!(at("node_not_ready"), Some(10_000 + 50_000));
    assert_eq!(at("pods_evicted"), Some(10_000 + 350_000));
    let first_scheduled = result
        .events
        .iter()
        .find(|e| e.kind == "pod_scheduled")
        .map(|e| e.at_ms);
    assert_eq!(first_scheduled, Some(360_000));
    // In the end all four replicas run on the surviving worker.
    assert_eq!(result.pods_running, 4);
    assert!(result.pods.iter().all(|p| p.node.as_deref() == Some("w1")));
}

/// Kubernetes "Cluster failure modes": with the API server down one is "unable to stop,
/// update, or start new pods", while "existing pods and services should continue to work
/// normally" (domain-facts.md §2). Placement 2/1 losing the site with two members: no
/// quorum, so no write, no eviction, and the pods of the surviving site keep running.
#[test]
fn while_the_api_is_down_pods_keep_running_and_nothing_is_rescheduled() {
    let text = r#"{"system":"kubernetes",
      "cluster":{"control_plane":{"A":["cp1","cp2"],"B":["cp3"]},
                 "workers":{"A":["w1"],"B":["w2"]},
                 "deployments":[{"name":"web","replicas":4}]},
      "steps":[{"at_ms":10000,"do":"fail_site","site":"A"},
               {"at_ms":60000,"do":"write","value":"update-service"}],
      "until_ms":420000}"#;
    let result = kube(text);
    assert!(!result.api_available_at_end);
    // The API server on B stays up, but etcd has no leader: the write waits for etcd's
    // request timeout (5 s + 2 × election) and the client gets no usable answer.
    assert_eq!(result.writes[0].outcome, WriteOutcome::Unconfirmed);
    assert_eq!(result.writes[0].reason.as_deref(), Some("timeout"));
    assert_eq!(result.writes[0].decided_at_ms, Some(60_000 + 7000));
    assert!(result.events.iter().all(|e| e.kind != "pods_evicted"));
    assert!(result.events.iter().all(|e| e.kind != "pod_scheduled"));
    let running: Vec<_> = result
        .pods
        .iter()
        .filter(|p| p.phase == "running")
        .collect();
    assert_eq!(running.len(), 2, "{:?}", result.pods);
    assert!(running.iter().all(|p| p.node.as_deref() == Some("w2")));
}

/// A single control-plane VM: without hypervisor HA the API is down until its site
/// returns; with it, down for the restart delay (the VM boots on the other site).
#[test]
fn a_single_control_plane_vm_is_down_until_its_site_returns_or_the_hypervisor_restarts_it() {
    let without = r#"{"system":"kubernetes","cluster":{"mode":"single","control_plane":{"A":["cp1"]},"extra_sites":["B"]},
      "steps":[{"at_ms":5000,"do":"fail_site","site":"A"},{"at_ms":60000,"do":"restore_site","site":"A"}],
      "until_ms":90000}"#;
    let result = kube(without);
    assert_eq!(result.api_outages.len(), 1);
    assert_eq!(result.api_outages[0].from_ms, 5000);
    assert_eq!(result.api_outages[0].to_ms, Some(60_000));
    let with = r#"{"system":"kubernetes","cluster":{"mode":"single","control_plane":{"A":["cp1"]},"extra_sites":["B"],
      "hypervisor_ha":{"restart_ms":120000}},
      "steps":[{"at_ms":5000,"do":"fail_site","site":"A"}],
      "until_ms":200000}"#;
    let result = kube(with);
    assert_eq!(result.api_outages.len(), 1);
    assert_eq!(result.api_outages[0].to_ms, Some(125_000));
    assert!(result
        .events
        .iter()
        .any(|e| e.kind == "vm_restarted" && e.detail == "B"));
}

#[test]
fn the_same_kubernetes_scenario_gives_identical_output() {
    let first = run_any(EVICTION).unwrap().to_json();
    let second = run_any(EVICTION).unwrap().to_json();
    assert_eq!(first, second);
}

/// The placement × failure matrix agrees with majority arithmetic for etcd/Kubernetes
/// (etcd FAQ: quorum is (n/2)+1) and with the Elasticsearch tiebreaker advice; no
/// acknowledged write is lost by any safe configuration.
#[test]
fn the_failure_matrix_agrees_with_quorum_arithmetic() {
    use sim::models::matrix::{failure_matrix, Failure};
    use sim::SystemKind;
    let rows = failure_matrix().expect("the matrix scenarios build");
    assert_eq!(rows.len(), 5 * 5 + 5 * 5 + 3 * 5);
    let find = |system: SystemKind, placement: &str, failure: Failure| {
        rows.iter()
            .find(|r| r.system == system && r.placement == placement && r.failure == failure)
            .unwrap_or_else(|| panic!("{system:?} {placement} {failure:?}"))
    };
    assert!(!find(SystemKind::Kubernetes, "2/1", Failure::LoseA).writes_accepted);
    assert!(find(SystemKind::Kubernetes, "2/1", Failure::LoseB).writes_accepted);
    assert!(!find(SystemKind::Kubernetes, "2/2", Failure::LoseA).writes_accepted);
    assert!(!find(SystemKind::Kubernetes, "2/2", Failure::CutAB).writes_accepted);
    assert!(find(SystemKind::Kubernetes, "1/1/1", Failure::LoseA).writes_accepted);
    assert!(find(SystemKind::Kubernetes, "2/2/1", Failure::CutAB).writes_accepted);
    assert!(!find(SystemKind::Kubernetes, "1/1/1", Failure::CutAll).writes_accepted);
    assert!(find(SystemKind::Kubernetes, "3/0", Failure::LoseB).recovery_ms == Some(0));
    assert!(find(SystemKind::Elasticsearch, "1/1+t", Failure::LoseA).writes_accepted);
    assert!(find(SystemKind::Elasticsearch, "1/1+t", Failure::LoseB).writes_accepted);
    assert!(find(SystemKind::Kafka, "1/1/1", Failure::LoseA).writes_accepted);
    assert!(!find(SystemKind::Kafka, "2/1", Failure::LoseA).writes_accepted);
    assert!(rows.iter().all(|r| r.acknowledged_lost == 0), "{rows:?}");
}

/// A worker alive but cut off from the control plane: its pods are evicted after 50 s +
/// 300 s and replaced elsewhere, but its kubelet never hears of it and keeps running them
/// (duplicates) until the link returns. A StatefulSet's pod is not replaced at all: the
/// StatefulSet controller waits until the old pod is confirmed gone (the node deleted or
/// tainted node.kubernetes.io/out-of-service), domain-facts.md §8.
#[test]
fn a_cut_off_worker_keeps_its_pods_running_while_replacements_start_and_statefulsets_wait() {
    let text = r#"{"system":"kubernetes",
      "cluster":{"control_plane":{"A":["cp1","cp2","cp3"]},
                 "workers":{"A":["w1"],"B":["w2"]},
                 "deployments":[{"name":"web","replicas":2}],
                 "statefulsets":[{"name":"db","replicas":2}]},
      "steps":[{"at_ms":10000,"do":"cut_link","from":"A","to":"B"}RESTORE],
      "until_ms":UNTIL}"#;
    let restore = r#",{"at_ms":400000,"do":"restore_link","from":"A","to":"B"}"#;
    let during = kube(&text.replace("RESTORE", "").replace("UNTIL", "390000"));
    let phase = |result: &sim::models::kubernetes::KubeResult, name: &str| {
        result
            .pods
            .iter()
            .filter(|p| p.name == name)
            .map(|p| (p.phase, p.node.clone()))
            .collect::<Vec<_>>()
    };
    // web-2 ran on w2: replaced on w1 (web-3), and still running on w2.
    assert_eq!(
        phase(&during, "web-2"),
        [("orphaned", Some("w2".to_string()))]
    );
    assert_eq!(
        phase(&during, "web-3"),
        [("running", Some("w1".to_string()))]
    );
    assert_eq!(during.pods_orphaned, 1);
    // db-1 ran on w2: kept there, unreachable, never recreated.
    assert_eq!(
        phase(&during, "db-1"),
        [("unreachable", Some("w2".to_string()))]
    );
    assert!(during.pods.iter().all(|p| p.name != "db-2"));
    assert!(during
        .events
        .iter()
        .any(|e| e.kind == "statefulset_pods_kept"));
    // The link returns: w2's kubelet stops the pod replaced long ago.
    let after = kube(&text.replace("RESTORE", restore).replace("UNTIL", "420000"));
    assert_eq!(after.pods_orphaned, 0);
    assert!(after.events.iter().any(|e| e.kind == "orphans_stopped"));
    assert_eq!(phase(&after, "db-1"), [("running", Some("w2".to_string()))]);
}
