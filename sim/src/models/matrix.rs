//! Computed tables: etcd's fault tolerance by simulation ([`fault_tolerance_table`]), and
//! every placement against every failure for etcd/Kubernetes, Elasticsearch and Kafka
//! ([`failure_matrix`]). The deck embeds them, generated, never typed by hand: if a model
//! changes, the slide changes with it. The rows are data; their French rendering is the
//! deck's (`deck::tables`).

use std::collections::BTreeMap;

use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};

use super::common::{run, SystemAction, SystemModel, SystemStep};
use super::elasticsearch::{self, Awareness, EsCluster, EsNodeSpec, EsRole};
use super::kafka::{self, Acks, KafkaCluster, KafkaModel, KafkaScenario};
use super::kubernetes::{self, KubeCluster};
use super::SystemKind;
use crate::result::Outcome;
use crate::scenario::{
    Action, ClusterSpec, LatencySpec, NodeSelector, Scenario, ScenarioError, Step,
};
use crate::schema::{Document, TimedStep};

/// One row of etcd's fault-tolerance table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ToleranceRow {
    /// Members.
    pub size: u32,
    /// Fewest live members that still commit a write.
    pub majority: u32,
    /// Most members that can be killed with writes still committing.
    pub tolerated: u32,
}

/// Whether a cluster of `size` members (one site) still commits a write after `killed` of
/// them, the leader first, are crashed.
pub fn commits_after_killing(size: u32, killed: u32) -> bool {
    let names: Vec<String> = (1..=size).map(|i| format!("n{i}")).collect();
    let mut sites = BTreeMap::new();
    sites.insert("A".to_string(), names.clone());
    // The leader goes first: the worst case (an election is needed on top of the losses);
    // the others are crashed by name once it is down.
    let mut steps = Vec::new();
    if killed > 0 {
        steps.push(Step {
            at_ms: 3000,
            every_ms: None,
            label: None,
            action: Action::Crash {
                node: NodeSelector::Leader,
            },
        });
    }
    let scenario = Scenario {
        name: format!("tolerance-{size}-{killed}"),
        title: None,
        seed: u64::from(size * 100 + killed),
        cluster: ClusterSpec {
            sites,
            latency_ms: LatencySpec::default(),
            heartbeat_ms: 100,
            election_ms: 1000,
            pre_vote: true,
            check_quorum: true,
            down: Vec::new(),
        },
        steps,
        until_ms: Some(14_000),
    };
    let mut simulation = crate::simulation::Simulation::new(&scenario);
    simulation.set_tracing(false);
    simulation.run_until(3000);
    let mut down: u32 = names.iter().filter(|n| !simulation.is_up(n)).count() as u32;
    for name in names.iter().rev() {
        if down >= killed {
            break;
        }
        if simulation.is_up(name) {
            simulation.apply(&Action::Crash {
                node: NodeSelector::Node(name.clone()),
            });
            down += 1;
        }
    }
    // Writes every second after the losses: does any commit?
    let first = simulation.proposal_count();
    for at in (4000..=12_000).step_by(1000) {
        simulation.run_until(at);
        simulation.apply(&Action::Propose {
            value: format!("w{at}"),
            node: NodeSelector::Leader,
        });
    }
    simulation.run_until(14_000);
    (first..simulation.proposal_count()).any(|p| {
        matches!(
            simulation.proposal_outcome(p),
            Some((Outcome::Committed, _))
        )
    })
}

/// etcd's fault-tolerance table (etcd FAQ), computed by simulation for sizes `1..=max`.
pub fn fault_tolerance_table(max: u32) -> Vec<ToleranceRow> {
    (1..=max)
        .map(|size| {
            let tolerated = (0..=size)
                .take_while(|&killed| commits_after_killing(size, killed))
                .last()
                .unwrap_or(0);
            ToleranceRow {
                size,
                majority: size - tolerated,
                tolerated,
            }
        })
        .collect()
}

/// A failure of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// Site A goes dark.
    LoseA,
    /// Site B goes dark.
    LoseB,
    /// Site C goes dark.
    LoseC,
    /// The A–B link is cut.
    CutAB,
    /// Every link between sites is cut.
    CutAll,
}

impl Failure {
    /// Every failure, in table order.
    pub const ALL: [Failure; 5] = [
        Failure::LoseA,
        Failure::LoseB,
        Failure::LoseC,
        Failure::CutAB,
        Failure::CutAll,
    ];

    /// The step that causes it.
    fn step(self) -> SystemStep {
        let site = |site: &str| site.to_owned();
        timed(
            FAILURE_AT_MS,
            match self {
                Failure::LoseA => SystemAction::FailSite { site: site("A") },
                Failure::LoseB => SystemAction::FailSite { site: site("B") },
                Failure::LoseC => SystemAction::FailSite { site: site("C") },
                Failure::CutAB => SystemAction::CutLink {
                    from: site("A"),
                    to: site("B"),
                },
                Failure::CutAll => SystemAction::CutAll,
            },
        )
    }
}

/// One cell line of the matrix: a system, a placement, a failure, and what happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatrixRow {
    /// Kubernetes (stacked etcd: the API writes exactly when etcd commits), Elasticsearch
    /// or Kafka (KRaft combined, RF=3, min.insync.replicas=2, acks=all).
    pub system: SystemKind,
    /// Nodes per site, `A/B/C` (`+t`: a voting-only tiebreaker in C).
    pub placement: String,
    /// The failure (at 10 s).
    pub failure: Failure,
    /// Whether writes are accepted at the end (two minutes after the failure).
    pub writes_accepted: bool,
    /// From the failure to writes accepted for good (0: never interrupted; none: not
    /// within the run). Measured with a write every second.
    pub recovery_ms: Option<u64>,
    /// Acknowledged writes lost.
    pub acknowledged_lost: u64,
}

/// Failure at 10 s, a write every second from 5 s; the verdict reads the writes up to
/// 130 s (later ones may still be pending at the end, 140 s).
const FAILURE_AT_MS: u64 = 10_000;
const UNTIL_MS: u64 = 140_000;
const LAST_WRITE_MS: u64 = 130_000;

fn names(prefix: &str, placement: &[u32]) -> Vec<Vec<String>> {
    let mut n = 0;
    placement
        .iter()
        .map(|&count| {
            (0..count)
                .map(|_| {
                    n += 1;
                    format!("{prefix}{n}")
                })
                .collect()
        })
        .collect()
}

/// Sites A, B and C (as many as `groups`) → their members, each made by `member`.
fn site_map<T>(groups: &[Vec<String>], member: impl Fn(&str) -> T) -> BTreeMap<String, Vec<T>> {
    ["A", "B", "C"]
        .iter()
        .zip(groups)
        .map(|(site, nodes)| {
            (
                (*site).to_owned(),
                nodes.iter().map(|n| member(n)).collect(),
            )
        })
        .collect()
}

/// A step at `at_ms`.
fn timed(at_ms: u64, action: SystemAction) -> SystemStep {
    TimedStep {
        at_ms,
        every_ms: None,
        label: None,
        action,
    }
}

/// A write every second from `at_ms` (`{n}` in `value`: its number).
fn writes(at_ms: u64, value: &str) -> SystemStep {
    TimedStep {
        every_ms: Some(1000),
        ..timed(
            at_ms,
            SystemAction::Write {
                value: value.to_owned(),
            },
        )
    }
}

/// A scenario of `cluster` run until `until_ms`, built in code: checked by the model's
/// own `from_document` like any scenario read from JSON.
fn document<C>(
    name: &str,
    seed: u64,
    cluster: C,
    steps: Vec<SystemStep>,
    until_ms: u64,
) -> Document<C, SystemAction> {
    Document {
        system: None,
        name: name.to_owned(),
        title: None,
        seed,
        cluster,
        steps,
        until_ms: Some(until_ms),
    }
}

/// The three sites, so that a failure may name one without a node.
fn all_sites() -> Vec<String> {
    ["A", "B", "C"].map(str::to_owned).to_vec()
}

fn label(placement: &[u32]) -> String {
    let used = placement.iter().rposition(|&c| c > 0).map_or(1, |p| p + 1);
    placement[..used.max(2)]
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join("/")
}

/// A write counts as served when acknowledged within this long: one that waits for a
/// failure to be noticed (etcd's queued writes, Elasticsearch's fault detection, Kafka's
/// retries) and is acknowledged much later was not served meanwhile.
const SERVED_WITHIN_MS: u64 = 1000;

/// Writes accepted at the end, recovery (time from the failure until writes are served
/// again) and losses, from the fate of the periodic writes.
fn measure(writes: &[super::common::WriteRecord]) -> (bool, Option<u64>, u64) {
    use super::common::WriteOutcome;
    let ok = |w: &super::common::WriteRecord| {
        w.outcome == WriteOutcome::Acknowledged
            && w.decided_at_ms
                .is_some_and(|at| at <= w.at_ms + SERVED_WITHIN_MS)
    };
    let lost = writes.iter().filter(|w| w.lost).count() as u64;
    let accepted = writes
        .iter()
        .rev()
        .find(|w| w.at_ms <= LAST_WRITE_MS)
        .is_some_and(ok);
    if !accepted {
        return (false, None, lost);
    }
    let last_failed = writes
        .iter()
        .filter(|w| w.at_ms >= FAILURE_AT_MS && w.at_ms <= LAST_WRITE_MS && !ok(w))
        .map(|w| w.at_ms)
        .max();
    let recovery = match last_failed {
        None => 0,
        Some(at) => {
            let next = writes.iter().find(|w| w.at_ms > at).map_or(at, |w| w.at_ms);
            next - FAILURE_AT_MS
        }
    };
    (true, Some(recovery), lost)
}

/// A matrix scenario: a write every second from 5 s, `failure` at 10 s.
fn matrix_document<C>(cluster: C, failure: Failure) -> Document<C, SystemAction> {
    document(
        "matrix",
        1,
        cluster,
        vec![writes(5000, "w{n}"), failure.step()],
        UNTIL_MS,
    )
}

fn kubernetes_row(placement: &[u32], failure: Failure) -> Result<MatrixRow, ScenarioError> {
    let groups = names("cp", placement);
    let cluster = KubeCluster {
        extra_sites: all_sites(),
        ..KubeCluster::with_control_plane(site_map(&groups, str::to_owned))
    };
    let scenario = kubernetes::from_document(matrix_document(cluster, failure))?;
    let (writes_accepted, recovery_ms, acknowledged_lost) = measure(&run(&scenario).writes);
    Ok(MatrixRow {
        system: SystemKind::Kubernetes,
        placement: label(placement),
        failure,
        writes_accepted,
        recovery_ms,
        acknowledged_lost,
    })
}

fn elasticsearch_row(
    placement: &[u32],
    tiebreaker: bool,
    failure: Failure,
) -> Result<MatrixRow, ScenarioError> {
    let mut groups = names("es", placement);
    if tiebreaker {
        groups[2] = vec!["tiebreaker".to_string()];
    }
    let zones = site_map(&groups, |n| EsNodeSpec {
        name: n.to_owned(),
        roles: if n == "tiebreaker" {
            vec![EsRole::Master, EsRole::VotingOnly]
        } else {
            vec![EsRole::Master, EsRole::Data]
        },
    });
    let cluster = EsCluster {
        extra_sites: all_sites(),
        shards: 2,
        replicas: 1,
        awareness: Awareness::Zone,
        ..EsCluster::with_zones(zones)
    };
    let scenario = elasticsearch::from_document(matrix_document(cluster, failure))?;
    let (writes_accepted, recovery_ms, acknowledged_lost) = measure(&run(&scenario).writes);
    Ok(MatrixRow {
        system: SystemKind::Elasticsearch,
        placement: if tiebreaker {
            format!("{}+t", label(&placement[..2]))
        } else {
            label(placement)
        },
        failure,
        writes_accepted,
        recovery_ms,
        acknowledged_lost,
    })
}

fn kafka_row(placement: &[u32], failure: Failure) -> Result<MatrixRow, ScenarioError> {
    let groups = names("k", placement);
    let cluster = KafkaCluster {
        extra_sites: all_sites(),
        partitions: 3,
        replication_factor: 3,
        min_insync_replicas: 2,
        acks: Acks::All,
        ..KafkaCluster::with_brokers(site_map(&groups, str::to_owned))
    };
    let scenario = kafka::from_document(matrix_document(cluster, failure))?;
    let (writes_accepted, recovery_ms, acknowledged_lost) = measure(&run(&scenario).writes);
    Ok(MatrixRow {
        system: SystemKind::Kafka,
        placement: label(placement),
        failure,
        writes_accepted,
        recovery_ms,
        acknowledged_lost,
    })
}

/// Every placement against every failure, for etcd/Kubernetes (stacked etcd: the API
/// accepts writes exactly when etcd does), Elasticsearch (master-eligible data nodes,
/// zone awareness) and Kafka (combined broker+controller nodes).
pub fn failure_matrix() -> Result<Vec<MatrixRow>, ScenarioError> {
    let placements: [&[u32]; 5] = [&[3, 0, 0], &[2, 1, 0], &[2, 2, 0], &[1, 1, 1], &[2, 2, 1]];
    let mut rows = Vec::new();
    for placement in placements {
        for failure in Failure::ALL {
            rows.push(kubernetes_row(placement, failure)?);
        }
    }
    let es_placements: [(&[u32], bool); 5] = [
        (&[1, 1, 0], false),
        (&[2, 2, 0], false),
        (&[2, 1, 0], false),
        (&[1, 1, 1], true),
        (&[1, 1, 1], false),
    ];
    for (placement, tiebreaker) in es_placements {
        for failure in Failure::ALL {
            rows.push(elasticsearch_row(placement, tiebreaker, failure)?);
        }
    }
    let kafka_placements: [&[u32]; 3] = [&[2, 1, 0], &[1, 1, 1], &[2, 2, 1]];
    for placement in kafka_placements {
        for failure in Failure::ALL {
            rows.push(kafka_row(placement, failure)?);
        }
    }
    Ok(rows)
}

/// One row of the Kafka producer-settings table: a setting, and what two failures do to
/// the messages a producer sends once a second (replication factor 3, one broker per
/// site, KRaft controllers on their own nodes on the three sites).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KafkaSettingsRow {
    /// Producer `acks`.
    pub acks: &'static str,
    /// `min.insync.replicas`.
    pub min_insync: u32,
    /// `unclean.leader.election.enable`.
    pub unclean: bool,
    /// Site A (the leader's) lost: acknowledged messages lost.
    pub site_lost: u64,
    /// Site A lost: messages refused.
    pub site_refused: u64,
    /// Both followers down, then the leader, then a stale follower back: acknowledged
    /// messages lost.
    pub alone_lost: u64,
    /// Same failure: acknowledged messages on the leader alone when it died (lost with
    /// its disk; unavailable until it returns).
    pub alone_single_copy: u64,
    /// Same failure: messages refused.
    pub alone_refused: u64,
}

/// The settings the table compares, in its order: (`acks`, `min.insync.replicas`,
/// unclean election).
pub const KAFKA_SETTINGS: [(&str, u32, bool); 4] = [
    ("1", 1, false),
    ("all", 1, false),
    ("all", 2, false),
    ("1", 1, true),
];

/// The Kafka settings scenario: three brokers and controllers on A, B, C, a write every
/// second from 1 s, then `failure`.
fn kafka_settings_scenario(
    acks: &str,
    min_insync: u32,
    unclean: bool,
    failure: Vec<SystemStep>,
) -> Result<KafkaScenario, ScenarioError> {
    let one_each = |prefix: &str| {
        site_map(
            &[1, 2, 3].map(|n| vec![format!("{prefix}{n}")]),
            str::to_owned,
        )
    };
    let cluster = KafkaCluster {
        controllers: Some(one_each("c")),
        replication_factor: 3,
        // The setting's own name, read by the serde names `Acks` already has.
        acks: Acks::deserialize(acks.into_deserializer()).map_err(
            |error: serde::de::value::Error| ScenarioError {
                path: "$.cluster.acks".to_owned(),
                message: error.to_string(),
            },
        )?,
        min_insync_replicas: min_insync,
        unclean_leader_election: unclean,
        ..KafkaCluster::with_brokers(one_each("b"))
    };
    let mut steps = vec![writes(1000, "m{n}")];
    steps.extend(failure);
    kafka::from_document(document("kafka-settings", 0, cluster, steps, 90_000))
}

/// Runs both failures for each of [`KAFKA_SETTINGS`] (see [`KafkaSettingsRow`]).
pub fn kafka_settings_table() -> Result<Vec<KafkaSettingsRow>, ScenarioError> {
    KAFKA_SETTINGS
        .iter()
        .map(|&(acks, min_insync, unclean)| {
            let count = |writes: &[super::common::WriteRecord]| {
                let lost = writes.iter().filter(|w| w.lost).count() as u64;
                let refused = writes
                    .iter()
                    .filter(|w| w.outcome == super::common::WriteOutcome::Refused)
                    .count() as u64;
                (lost, refused)
            };
            // 5 ms after a write: acknowledged by the leader, not yet on the followers.
            let site = kafka_settings_scenario(
                acks,
                min_insync,
                unclean,
                vec![timed(
                    20_005,
                    SystemAction::FailSite {
                        site: "A".to_owned(),
                    },
                )],
            )?;
            let (site_lost, site_refused) = count(&run(&site).writes);
            let alone = kafka_settings_scenario(
                acks,
                min_insync,
                unclean,
                [
                    (5000, "crash", "b2"),
                    (5000, "crash", "b3"),
                    (60_000, "crash", "b1"),
                    (60_000, "restart", "b2"),
                ]
                .map(|(at_ms, what, node)| {
                    let node = node.to_owned();
                    timed(
                        at_ms,
                        if what == "crash" {
                            SystemAction::Crash { node }
                        } else {
                            SystemAction::Restart { node }
                        },
                    )
                })
                .to_vec(),
            )?;
            let mut model = KafkaModel::new(&alone);
            let mut alone_single_copy = 0;
            for (at, action) in alone.header.expanded() {
                model.run_until(at);
                if at == 60_000 && alone_single_copy == 0 {
                    alone_single_copy = model.acknowledged_on_one_replica();
                }
                model.apply(&action);
            }
            model.run_until(alone.header.until_ms);
            let (alone_lost, alone_refused) = count(&model.result(&alone.header).writes);
            Ok(KafkaSettingsRow {
                acks,
                min_insync,
                unclean,
                site_lost,
                site_refused,
                alone_lost,
                alone_single_copy,
                alone_refused,
            })
        })
        .collect()
}

#[cfg(test)]
mod kafka_settings_tests {
    use super::*;
    use crate::models::common::read_document;
    use serde_json::json;

    #[test]
    fn clusters_built_in_code_default_as_clusters_read_from_json() {
        let sites = |name: &str| BTreeMap::from([("A".to_owned(), vec![name.to_owned()])]);
        let kafka = read_document::<KafkaCluster>(&json!({"cluster": {"brokers": {"A": ["k1"]}}}));
        assert_eq!(
            kafka.unwrap().cluster,
            KafkaCluster::with_brokers(sites("k1"))
        );
        let kube =
            read_document::<KubeCluster>(&json!({"cluster": {"control_plane": {"A": ["c1"]}}}));
        assert_eq!(
            kube.unwrap().cluster,
            KubeCluster::with_control_plane(sites("c1"))
        );
        let es =
            read_document::<EsCluster>(&json!({"cluster": {"zones": {"A": [{"name": "e1"}]}}}));
        let zones = BTreeMap::from([(
            "A".to_owned(),
            vec![EsNodeSpec {
                name: "e1".to_owned(),
                roles: vec![EsRole::Master, EsRole::Data],
            }],
        )]);
        assert_eq!(es.unwrap().cluster, EsCluster::with_zones(zones));
    }

    #[test]
    fn a_matrix_scenario_that_does_not_build_is_an_error_not_a_row() {
        let cluster = KafkaCluster {
            replication_factor: 3,
            ..KafkaCluster::with_brokers([("A".to_owned(), vec!["k1".to_owned()])].into())
        };
        let error = kafka::from_document(matrix_document(cluster, Failure::LoseA))
            .expect_err("three replicas on one broker");
        assert!(error.path.starts_with("$.cluster"), "{error}");
    }

    #[test]
    fn only_safe_settings_never_lose_an_acknowledged_message() {
        // domain-facts.md §5: acks=all + min.insync.replicas=2 never loses an
        // acknowledged message (it refuses instead); unclean election may lose data.
        let rows = kafka_settings_table().expect("the settings scenarios build");
        let row = |acks: &str, min: u32, unclean: bool| {
            rows.iter()
                .find(|r| r.acks == acks && r.min_insync == min && r.unclean == unclean)
                .expect("row")
                .clone()
        };
        let safe = row("all", 2, false);
        assert_eq!(
            (safe.site_lost, safe.alone_lost, safe.alone_single_copy),
            (0, 0, 0)
        );
        assert!(safe.alone_refused > 0, "{safe:?}");
        let unclean = row("1", 1, true);
        assert!(unclean.alone_lost > 0, "{unclean:?}");
        let leader_alone = row("all", 1, false);
        assert_eq!(leader_alone.alone_lost, 0);
        assert!(leader_alone.alone_single_copy > 0, "{leader_alone:?}");
        let acks_one = row("1", 1, false);
        assert!(acks_one.alone_single_copy > 0, "{acks_one:?}");
    }
}
