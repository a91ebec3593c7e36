//! The Elasticsearch scenario: its `cluster` section, parsed and checked.

use super::*;

/// A node role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EsRole {
    /// Master-eligible (votes, may be elected).
    Master,
    /// Holds shard copies.
    Data,
    /// With `master`: votes, never elected (a tiebreaker).
    VotingOnly,
}

/// A node as declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EsNodeSpec {
    /// Name.
    pub name: String,
    /// Roles (default: master and data).
    #[serde(default = "default_roles")]
    pub roles: Vec<EsRole>,
}

pub(super) fn default_roles() -> Vec<EsRole> {
    vec![EsRole::Master, EsRole::Data]
}

/// Shard allocation awareness.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Awareness {
    /// No awareness: copies go to the least loaded nodes, zones ignored.
    #[default]
    None,
    /// `awareness.attributes: zone`: copies spread over zones when possible.
    Zone,
    /// Plus `awareness.force.zone.values`: at most its share of copies per zone.
    Forced,
}

/// `$.cluster` of an Elasticsearch scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EsCluster {
    /// Zone (`node.attr.zone`) → nodes.
    pub zones: BTreeMap<String, Vec<EsNodeSpec>>,
    /// Zones without any node, so steps may name them.
    #[serde(default)]
    pub extra_sites: Vec<String>,
    /// Primary shards of the index.
    #[serde(default = "one")]
    pub shards: u32,
    /// Replicas of each shard.
    #[serde(default = "one")]
    pub replicas: u32,
    /// Allocation awareness.
    #[serde(default)]
    pub awareness: Awareness,
    /// `index.unassigned.node_left.delayed_timeout` (1 min).
    #[serde(default = "default_delay")]
    pub delayed_allocation_ms: u64,
    /// How long a silent loss (a zone lost, a link cut) takes to be noticed: the follower
    /// and leader checks' 3 consecutive failures of 10 s each, 1 s apart (33 s). A crash
    /// (closed connections) is noticed at once whatever this says.
    #[serde(default = "default_detection")]
    pub master_detection_ms: u64,
}

pub(super) fn one() -> u32 {
    1
}
pub(super) fn default_delay() -> u64 {
    60_000
}
pub(super) fn default_detection() -> u64 {
    // cluster.fault_detection.{follower,leader}_check: retry_count × (interval + timeout).
    3 * (1000 + 10_000)
}

impl EsCluster {
    /// These zones with every other setting at its default, as a scenario that gives only
    /// `zones` reads (built in code by the matrix).
    pub fn with_zones(zones: BTreeMap<String, Vec<EsNodeSpec>>) -> EsCluster {
        EsCluster {
            zones,
            extra_sites: Vec::new(),
            shards: one(),
            replicas: one(),
            awareness: Awareness::default(),
            delayed_allocation_ms: default_delay(),
            master_detection_ms: default_detection(),
        }
    }
}

/// An index request waits at most this long for its primary (the index API's `timeout`,
/// 1 min by default).
pub(super) const INDEX_TIMEOUT_MS: u64 = 60_000;

/// An Elasticsearch scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EsScenario {
    /// Shared fields.
    pub header: Header,
    /// The cluster.
    pub cluster: EsCluster,
}

/// Parses `$` of an Elasticsearch scenario.
pub fn from_value(value: &Value) -> Result<EsScenario, ScenarioError> {
    from_document(read_document(value)?)
}

/// Checks a typed scenario (read from JSON, or built in code as the matrix does).
pub fn from_document(
    document: Document<EsCluster, SystemAction>,
) -> Result<EsScenario, ScenarioError> {
    let cluster = &document.cluster;
    let mut names = BTreeSet::new();
    let mut masters = 0;
    for (zone, nodes) in &cluster.zones {
        let path = format!("$.cluster.zones.{zone}");
        check_names(nodes.iter().map(|n| &n.name), &path, &mut names)?;
        for (position, node) in nodes.iter().enumerate() {
            if node.roles.contains(&EsRole::VotingOnly) && !node.roles.contains(&EsRole::Master) {
                return fail(
                    &format!("{path}[{position}].roles"),
                    "voting_only needs the master role",
                );
            }
            if node.roles.contains(&EsRole::Master) && !node.roles.contains(&EsRole::VotingOnly) {
                masters += 1;
            }
        }
    }
    if masters == 0 {
        return fail(
            "$.cluster.zones",
            "at least one electable master-eligible node",
        );
    }
    if cluster.shards == 0 || cluster.shards > 64 || cluster.replicas > 8 {
        return fail("$.cluster.shards", "1 to 64 shards, at most 8 replicas");
    }
    let sites: BTreeSet<String> = sites_of(cluster).into_iter().collect();
    let (header, cluster) = header_of(document, &sites, &names)?;
    Ok(EsScenario { header, cluster })
}

pub(super) fn sites_of(cluster: &EsCluster) -> Vec<String> {
    let mut sites: BTreeSet<String> = cluster.zones.keys().cloned().collect();
    sites.extend(cluster.extra_sites.iter().cloned());
    sites.into_iter().collect()
}
