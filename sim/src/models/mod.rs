//! Models of the systems the talk discusses beyond etcd itself, and the dispatcher that
//! runs a scenario of any of them.
//!
//! - `common`: sites, links, timed steps, availability windows, parsing helpers.
//! - `kubernetes`: the control plane over sites (one VM, or stacked etcd on the Raft core)
//!   and what it means for pods.
//! - `kafka`: brokers, ISR, `acks`, `min.insync.replicas`, unclean election, and the KRaft
//!   controller quorum on the Raft core.
//! - `elasticsearch`: master election over a voting configuration, shard allocation
//!   awareness, cluster health.
//! - `multisite`: two clusters active/passive, DNS/GSLB, async DB replication, the runbook.
//! - `matrix`: computed tables (placement × failure, etcd's fault tolerance).
//! - `live`: one steppable interface over the four models and what a widget draws.
//!
//! A scenario's `"system"` field picks the model (`etcd` when absent); [`run_any`] parses
//! and runs it. The system is matched once, in [`AnyScenario::as_system`] (and
//! [`AnyResult::as_system`]); everything else goes through [`SystemScenario`], which etcd's
//! scenario implements directly and every model scenario through
//! [`common::ModelScenario`].
//!
//! Every model is pure: no clock, no I/O, one seeded RNG (inside the Raft groups), so the
//! same text always gives byte-identical JSON.

pub mod common;
pub mod elasticsearch;
pub mod kafka;
pub mod kubernetes;
pub mod live;
pub mod matrix;
pub mod multisite;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::result::SimResult;
use crate::scenario::{ClusterSpec, LatencySpec, Scenario, ScenarioError};
use crate::simulation::Simulation;
use common::{ModelScenario, SystemModel};
use live::{LiveModel, LiveView};

/// The systems a scenario can describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemKind {
    /// The Raft core itself (DESIGN.md's scenario format).
    Etcd,
    /// Kubernetes control plane and workloads.
    Kubernetes,
    /// Elasticsearch cluster coordination and shard allocation.
    Elasticsearch,
    /// Kafka replication and the KRaft quorum.
    Kafka,
    /// Two clusters active/passive.
    Multisite,
}

impl SystemKind {
    /// Reads `$.system` (`etcd` when absent).
    pub fn of(value: &Value) -> Result<SystemKind, ScenarioError> {
        let Some(system) = value.get("system") else {
            return Ok(SystemKind::Etcd);
        };
        match system.as_str() {
            Some("etcd") => Ok(SystemKind::Etcd),
            Some("kubernetes") => Ok(SystemKind::Kubernetes),
            Some("elasticsearch") => Ok(SystemKind::Elasticsearch),
            Some("kafka") => Ok(SystemKind::Kafka),
            Some("multisite") => Ok(SystemKind::Multisite),
            _ => common::fail(
                "$.system",
                "expected one of: etcd, kubernetes, elasticsearch, kafka, multisite",
            ),
        }
    }
}

impl SystemKind {
    /// The `"system"` name.
    pub fn name(self) -> &'static str {
        match self {
            SystemKind::Etcd => "etcd",
            SystemKind::Kubernetes => "kubernetes",
            SystemKind::Elasticsearch => "elasticsearch",
            SystemKind::Kafka => "kafka",
            SystemKind::Multisite => "multisite",
        }
    }
}

/// What the dispatcher needs of a parsed scenario, whatever its system (etcd's Raft core
/// included): [`AnyScenario::as_system`] is the one place that matches on the system, and
/// everything else goes through this.
pub trait SystemScenario {
    /// Which system it describes.
    fn system(&self) -> SystemKind;
    /// When the run ends (simulated ms).
    fn end_ms(&self) -> u64;
    /// Runs it to its end.
    fn run(&self) -> AnyResult;
    /// A stable hash of its run, equal natively and in WASM: FNV-1a of the result JSON,
    /// unless the system has a finer one (etcd: its trace hash).
    fn run_hash(&self) -> u64 {
        crate::fnv1a(self.run().to_json().as_bytes(), crate::FNV_OFFSET)
    }
    /// The steppable model a widget drives; none for etcd (the raft widget's business).
    fn live_model(&self) -> Option<LiveModel>;
}

impl SystemScenario for Scenario {
    fn system(&self) -> SystemKind {
        SystemKind::Etcd
    }

    fn end_ms(&self) -> u64 {
        Scenario::end_ms(self)
    }

    fn run(&self) -> AnyResult {
        AnyResult::Etcd(crate::run_scenario(self))
    }

    fn run_hash(&self) -> u64 {
        crate::trace_hash(self)
    }

    fn live_model(&self) -> Option<LiveModel> {
        None
    }
}

impl<S> SystemScenario for S
where
    S: ModelScenario,
    <S::Model as SystemModel>::Result: Into<AnyResult>,
    <S::Model as SystemModel>::View: Into<LiveView>,
{
    fn system(&self) -> SystemKind {
        S::SYSTEM
    }

    fn end_ms(&self) -> u64 {
        self.header().until_ms
    }

    fn run(&self) -> AnyResult {
        common::run(self).into()
    }

    fn live_model(&self) -> Option<LiveModel> {
        Some(LiveModel::of(self))
    }
}

/// A parsed scenario of any system.
#[derive(Clone, Debug, PartialEq)]
pub enum AnyScenario {
    /// etcd (the Raft core).
    Etcd(Scenario),
    /// Kubernetes.
    Kubernetes(kubernetes::KubeScenario),
    /// Elasticsearch.
    Elasticsearch(elasticsearch::EsScenario),
    /// Kafka.
    Kafka(kafka::KafkaScenario),
    /// Two clusters active/passive.
    Multisite(multisite::MultisiteScenario),
}

impl AnyScenario {
    /// The scenario behind the enum, as the one interface every system offers.
    pub fn as_system(&self) -> &dyn SystemScenario {
        match self {
            AnyScenario::Etcd(s) => s,
            AnyScenario::Kubernetes(s) => s,
            AnyScenario::Elasticsearch(s) => s,
            AnyScenario::Kafka(s) => s,
            AnyScenario::Multisite(s) => s,
        }
    }

    /// Which system it describes.
    pub fn system(&self) -> SystemKind {
        self.as_system().system()
    }

    /// When the run ends (simulated ms).
    pub fn end_ms(&self) -> u64 {
        self.as_system().end_ms()
    }
}

/// What the dispatcher needs of a run's result beyond its JSON, whatever its system.
pub trait SystemResult {
    /// Violations found (safety invariants of the Raft groups inside; must be none).
    fn violation_count(&self) -> u64 {
        0
    }
}

/// The result of any system's run. Serializes as that system's result JSON (etcd's is
/// exactly DESIGN.md's; the others carry `"system"`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnyResult {
    /// etcd.
    Etcd(SimResult),
    /// Kubernetes.
    Kubernetes(kubernetes::KubeResult),
    /// Elasticsearch.
    Elasticsearch(elasticsearch::EsResult),
    /// Kafka.
    Kafka(kafka::KafkaResult),
    /// Two clusters active/passive.
    Multisite(multisite::MultisiteResult),
}

impl AnyResult {
    /// The result behind the enum, as the one interface every system offers.
    pub fn as_system(&self) -> &dyn SystemResult {
        match self {
            AnyResult::Etcd(result) => result,
            AnyResult::Kubernetes(result) => result,
            AnyResult::Elasticsearch(result) => result,
            AnyResult::Kafka(result) => result,
            AnyResult::Multisite(result) => result,
        }
    }

    /// Pretty JSON, the system's own result JSON (untagged): for etcd byte-identical to
    /// [`SimResult::to_json`]. A serialization error, which these plain structs cannot
    /// produce, still yields JSON naming it rather than a panic.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|error| format!("{{\"error\":\"{error}\"}}"))
    }

    /// Violations found (safety invariants of the Raft groups inside; must be empty).
    pub fn violation_count(&self) -> u64 {
        self.as_system().violation_count()
    }
}

impl SystemResult for SimResult {
    fn violation_count(&self) -> u64 {
        self.violations.len() as u64
    }
}

impl SystemResult for kubernetes::KubeResult {
    fn violation_count(&self) -> u64 {
        self.violations.len() as u64
    }
}

impl SystemResult for kafka::KafkaResult {
    fn violation_count(&self) -> u64 {
        self.violations.len() as u64
    }
}

impl SystemResult for elasticsearch::EsResult {}

impl SystemResult for multisite::MultisiteResult {}

impl From<kubernetes::KubeResult> for AnyResult {
    fn from(result: kubernetes::KubeResult) -> AnyResult {
        AnyResult::Kubernetes(result)
    }
}

impl From<elasticsearch::EsResult> for AnyResult {
    fn from(result: elasticsearch::EsResult) -> AnyResult {
        AnyResult::Elasticsearch(result)
    }
}

impl From<kafka::KafkaResult> for AnyResult {
    fn from(result: kafka::KafkaResult) -> AnyResult {
        AnyResult::Kafka(result)
    }
}

impl From<multisite::MultisiteResult> for AnyResult {
    fn from(result: multisite::MultisiteResult) -> AnyResult {
        AnyResult::Multisite(result)
    }
}

/// Parses a scenario of any system (never panics; errors name the JSON path).
pub fn parse_any(text: &str) -> Result<AnyScenario, ScenarioError> {
    parse_any_value(&crate::schema::parse_json(text)?)
}

/// Validates an already parsed JSON value of any system.
pub fn parse_any_value(value: &Value) -> Result<AnyScenario, ScenarioError> {
    Ok(match SystemKind::of(value)? {
        SystemKind::Etcd => AnyScenario::Etcd(crate::scenario::scenario_from_value(value)?),
        SystemKind::Kubernetes => AnyScenario::Kubernetes(kubernetes::from_value(value)?),
        SystemKind::Elasticsearch => AnyScenario::Elasticsearch(elasticsearch::from_value(value)?),
        SystemKind::Kafka => AnyScenario::Kafka(kafka::from_value(value)?),
        SystemKind::Multisite => AnyScenario::Multisite(multisite::from_value(value)?),
    })
}

/// Runs a parsed scenario of any system to its end.
pub fn run_parsed(scenario: &AnyScenario) -> AnyResult {
    scenario.as_system().run()
}

/// Parses and runs a scenario of any system: what `raftdeck sim` and the widgets call.
pub fn run_any(text: &str) -> Result<AnyResult, ScenarioError> {
    Ok(run_parsed(&parse_any(text)?))
}

/// A stable hash of a run of any system, equal natively and in WASM: the etcd trace hash
/// ([`crate::trace_hash`]) for etcd, FNV-1a of the result JSON for the other models.
pub fn scenario_hash(scenario: &AnyScenario) -> u64 {
    scenario.as_system().run_hash()
}

/// A Raft group on the Raft core (etcd members of a stacked control plane, KRaft
/// controllers) with no scripted steps: the model drives it with `apply` and
/// `set_site_link`. Tracing is off: the models only read its state.
pub(crate) fn raft_group(
    name: &str,
    seed: u64,
    sites: &BTreeMap<String, Vec<String>>,
    latency: LatencySpec,
    timing: (u64, u64),
    until_ms: u64,
) -> Simulation {
    let scenario = Scenario {
        name: name.to_string(),
        title: None,
        seed,
        cluster: ClusterSpec {
            sites: sites.clone(),
            latency_ms: latency,
            heartbeat_ms: timing.0,
            election_ms: timing.1,
            pre_vote: true,
            check_quorum: true,
            down: Vec::new(),
        },
        steps: Vec::new(),
        until_ms: Some(until_ms),
    };
    let mut simulation = Simulation::new(&scenario);
    simulation.set_tracing(false);
    simulation
}

/// Mirrors a site or link action of the model's topology onto a Raft group whose members
/// live on those sites (sites without members are ignored).
pub(crate) fn mirror_on_raft(
    simulation: &mut Simulation,
    topology: &common::Topology,
    action: &common::SystemAction,
) {
    use crate::scenario::{Action, NodeSelector};
    use common::SystemAction as A;
    match action {
        A::FailSite { site } => simulation.apply(&Action::Crash {
            node: NodeSelector::Site(site.clone()),
        }),
        A::RestoreSite { site } => simulation.apply(&Action::Restart {
            node: NodeSelector::Site(site.clone()),
        }),
        A::CutLink { .. } | A::RestoreLink { .. } | A::CutAll | A::Heal => {
            let sites: Vec<String> = simulation.sites().to_vec();
            for (position, a) in sites.iter().enumerate() {
                for b in &sites[position + 1..] {
                    let up = topology.linked(a, b);
                    if up != simulation.sites_connected(a, b) {
                        simulation.set_site_link(a, b, up);
                    }
                }
            }
        }
        A::Crash { node } => {
            if simulation.node_id(node).is_some() {
                simulation.apply(&Action::Crash {
                    node: NodeSelector::Node(node.clone()),
                });
            }
        }
        A::Restart { node } => {
            if simulation.node_id(node).is_some() {
                simulation.apply(&Action::Restart {
                    node: NodeSelector::Node(node.clone()),
                });
            }
        }
        A::Write { .. } => {}
    }
}

/// Site of the Raft group's current leader, if any.
pub(crate) fn leader_site(simulation: &Simulation) -> Option<String> {
    let leader = simulation.current_leader()?;
    Some(simulation.node_view(leader).site)
}
