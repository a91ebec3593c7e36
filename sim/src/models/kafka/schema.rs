//! The Kafka scenario: its `cluster` section, parsed and checked.

use super::*;

/// Producer `acks`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Acks {
    /// Fire and forget.
    #[serde(rename = "0")]
    Zero,
    /// The leader's append is enough.
    #[serde(rename = "1")]
    One,
    /// The whole ISR (default since Kafka 3.0).
    #[default]
    #[serde(rename = "all")]
    All,
}

/// `$.cluster` of a Kafka scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaCluster {
    /// Site (`broker.rack`) → brokers.
    pub brokers: BTreeMap<String, Vec<String>>,
    /// Site → KRaft controllers. Absent: combined mode, every broker is also a controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controllers: Option<BTreeMap<String, Vec<String>>>,
    /// Sites without any node, so steps may name them.
    #[serde(default)]
    pub extra_sites: Vec<String>,
    /// Partitions of the topic (messages go round-robin).
    #[serde(default = "one")]
    pub partitions: u32,
    /// Replication factor.
    #[serde(default = "three")]
    pub replication_factor: u32,
    /// Producer `acks`: `"0"`, `"1"` or `"all"`.
    #[serde(default)]
    pub acks: Acks,
    /// `min.insync.replicas` (Kafka's default is 1).
    #[serde(default = "one")]
    pub min_insync_replicas: u32,
    /// `unclean.leader.election.enable` (default false).
    #[serde(default)]
    pub unclean_leader_election: bool,
    /// `replica.lag.time.max.ms` (30 s).
    #[serde(default = "default_lag")]
    pub replica_lag_time_max_ms: u64,
    /// `broker.session.timeout.ms` (9 s).
    #[serde(default = "default_session")]
    pub broker_session_timeout_ms: u64,
    /// Producer `request.timeout.ms` (30 s).
    #[serde(default = "default_request")]
    pub request_timeout_ms: u64,
    /// Producer `retries` (default 2147483647; 0: no retry).
    #[serde(default = "default_retries")]
    pub retries: u64,
    /// Producer `delivery.timeout.ms` (120 s): how long a message may be retried.
    #[serde(default = "default_delivery")]
    pub delivery_timeout_ms: u64,
    /// Latencies.
    #[serde(default)]
    pub latency_ms: LatencySpec,
    /// Heartbeat of the controllers' Raft group.
    #[serde(default = "default_heartbeat")]
    pub heartbeat_ms: u64,
    /// Election timeout of the controllers' Raft group (`controller.quorum.fetch.timeout.ms`, 2 s).
    #[serde(default = "default_election")]
    pub election_ms: u64,
}

pub(super) fn one() -> u32 {
    1
}
pub(super) fn three() -> u32 {
    3
}
pub(super) fn default_lag() -> u64 {
    30_000
}
pub(super) fn default_session() -> u64 {
    9000
}
pub(super) fn default_request() -> u64 {
    30_000
}
pub(super) fn default_retries() -> u64 {
    2_147_483_647
}
pub(super) fn default_delivery() -> u64 {
    120_000
}

/// Producer `retry.backoff.ms`.
pub(super) const RETRY_BACKOFF_MS: u64 = 100;
pub(super) fn default_heartbeat() -> u64 {
    200
}
pub(super) fn default_election() -> u64 {
    2000
}

impl KafkaCluster {
    /// These brokers with every other setting at its default, as a scenario that gives
    /// only `brokers` reads (built in code by the matrix).
    pub fn with_brokers(brokers: BTreeMap<String, Vec<String>>) -> KafkaCluster {
        KafkaCluster {
            brokers,
            controllers: None,
            extra_sites: Vec::new(),
            partitions: one(),
            replication_factor: three(),
            acks: Acks::default(),
            min_insync_replicas: one(),
            unclean_leader_election: false,
            replica_lag_time_max_ms: default_lag(),
            broker_session_timeout_ms: default_session(),
            request_timeout_ms: default_request(),
            retries: default_retries(),
            delivery_timeout_ms: default_delivery(),
            latency_ms: LatencySpec::default(),
            heartbeat_ms: default_heartbeat(),
            election_ms: default_election(),
        }
    }

    /// The KRaft quorum's members by site.
    pub fn controller_sites(&self) -> &BTreeMap<String, Vec<String>> {
        self.controllers.as_ref().unwrap_or(&self.brokers)
    }
}

/// A Kafka scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KafkaScenario {
    /// Shared fields.
    pub header: Header,
    /// The cluster.
    pub cluster: KafkaCluster,
}

/// Parses `$` of a Kafka scenario.
pub fn from_value(value: &Value) -> Result<KafkaScenario, ScenarioError> {
    from_document(read_document(value)?)
}

/// Checks a typed scenario (read from JSON, or built in code as the matrix does).
pub fn from_document(
    document: Document<KafkaCluster, SystemAction>,
) -> Result<KafkaScenario, ScenarioError> {
    let cluster = &document.cluster;
    let mut names = BTreeSet::new();
    for (site, brokers) in &cluster.brokers {
        check_names(brokers, &format!("$.cluster.brokers.{site}"), &mut names)?;
    }
    let broker_count = names.len() as u32;
    if let Some(controllers) = &cluster.controllers {
        for (site, nodes) in controllers {
            check_names(nodes, &format!("$.cluster.controllers.{site}"), &mut names)?;
        }
        if controllers.values().all(Vec::is_empty) {
            return fail("$.cluster.controllers", "at least one controller");
        }
    }
    if broker_count == 0 {
        return fail("$.cluster.brokers", "at least one broker");
    }
    if cluster.partitions == 0 || cluster.partitions > 64 {
        return fail("$.cluster.partitions", "between 1 and 64 partitions");
    }
    if cluster.replication_factor == 0 || cluster.replication_factor > broker_count {
        return fail(
            "$.cluster.replication_factor",
            format!("between 1 and the number of brokers ({broker_count})"),
        );
    }
    if cluster.min_insync_replicas == 0 || cluster.min_insync_replicas > cluster.replication_factor
    {
        return fail(
            "$.cluster.min_insync_replicas",
            "between 1 and the replication factor",
        );
    }
    if cluster.heartbeat_ms == 0
        || cluster.election_ms < cluster.heartbeat_ms
        || cluster.election_ms > crate::scenario::MAX_ELECTION_MS
    {
        return fail(
            "$.cluster.election_ms",
            "heartbeat at least 1 ms, election timeout between the heartbeat and 50000 ms",
        );
    }
    let sites: BTreeSet<String> = sites_of(cluster).into_iter().collect();
    let (header, cluster) = header_of(document, &sites, &names)?;
    Ok(KafkaScenario { header, cluster })
}

pub(super) fn sites_of(cluster: &KafkaCluster) -> Vec<String> {
    let mut sites: BTreeSet<String> = cluster.brokers.keys().cloned().collect();
    sites.extend(cluster.controller_sites().keys().cloned());
    sites.extend(cluster.extra_sites.iter().cloned());
    sites.into_iter().collect()
}
