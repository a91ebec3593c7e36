//! The two-site (active/passive) scenario: its `cluster` section, parsed and checked.

use super::*;

/// Durations of the runbook's steps (ms), in the seed's strict order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    /// "Décision : activer PRA (qui, quand, pourquoi)": people on call decide.
    #[serde(default = "default_decision")]
    pub decision_ms: u64,
    /// "Bascule trafic : DNS/GSLB/LB vers Site B" (clients follow after the TTL).
    #[serde(default = "default_switch")]
    pub traffic_switch_ms: u64,
    /// "Données : promotion DB replica → primary".
    #[serde(default = "default_promotion")]
    pub promotion_ms: u64,
    /// "Kubernetes : … appliquer GitOps (sync)".
    #[serde(default = "default_sync")]
    pub gitops_sync_ms: u64,
    /// "Validation : smoke tests (HTTP 200, login, écriture fichier, etc.)".
    #[serde(default = "default_smoke")]
    pub smoke_tests_ms: u64,
    /// "Surveillance : erreurs, saturation, latence" (a watch period after recovery).
    #[serde(default = "default_monitoring")]
    pub monitoring_ms: u64,
}

pub(super) fn default_decision() -> u64 {
    300_000
}
pub(super) fn default_switch() -> u64 {
    60_000
}
pub(super) fn default_promotion() -> u64 {
    120_000
}
pub(super) fn default_sync() -> u64 {
    180_000
}
pub(super) fn default_smoke() -> u64 {
    120_000
}
pub(super) fn default_monitoring() -> u64 {
    600_000
}

impl Default for Runbook {
    fn default() -> Runbook {
        Runbook {
            decision_ms: default_decision(),
            traffic_switch_ms: default_switch(),
            promotion_ms: default_promotion(),
            gitops_sync_ms: default_sync(),
            smoke_tests_ms: default_smoke(),
            monitoring_ms: default_monitoring(),
        }
    }
}

/// `$.cluster` of a multisite scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultisiteCluster {
    /// The active site (cluster A, DB primary).
    pub active: String,
    /// The passive site (cluster B, DB replica).
    pub passive: String,
    /// DNS record TTL: clients keep the old answer that long.
    #[serde(default = "default_ttl")]
    pub dns_ttl_ms: u64,
    /// GSLB health-check interval.
    #[serde(default = "default_interval")]
    pub health_check_interval_ms: u64,
    /// Consecutive failed checks before the site is declared down (and on-call paged).
    #[serde(default = "default_failures")]
    pub health_check_failures: u64,
    /// Asynchronous replication lag of the database.
    #[serde(default = "default_lag")]
    pub replication_lag_ms: u64,
    /// The runbook.
    #[serde(default)]
    pub runbook: Runbook,
}

pub(super) fn default_ttl() -> u64 {
    60_000
}
pub(super) fn default_interval() -> u64 {
    10_000
}
pub(super) fn default_failures() -> u64 {
    3
}
pub(super) fn default_lag() -> u64 {
    5000
}

/// A multisite scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultisiteScenario {
    /// Shared fields.
    pub header: Header,
    /// The two clusters.
    pub cluster: MultisiteCluster,
}

/// Parses `$` of a multisite scenario.
pub fn from_value(value: &Value) -> Result<MultisiteScenario, ScenarioError> {
    from_document(read_document(value)?)
}

/// Checks a typed scenario (read from JSON, or built in code as the matrix does).
pub fn from_document(
    document: Document<MultisiteCluster, SystemAction>,
) -> Result<MultisiteScenario, ScenarioError> {
    let cluster = &document.cluster;
    if cluster.active.is_empty() || cluster.active == cluster.passive {
        return fail("$.cluster.passive", "two different, non-empty site names");
    }
    if cluster.health_check_interval_ms == 0
        || !cluster.health_check_interval_ms.is_multiple_of(TICK_MS)
        || cluster.health_check_failures == 0
    {
        return fail(
            "$.cluster.health_check_interval_ms",
            "a positive interval (a multiple of 100 ms) and failure count",
        );
    }
    let sites: BTreeSet<String> = [cluster.active.clone(), cluster.passive.clone()].into();
    let (header, cluster) = header_of(document, &sites, &BTreeSet::new())?;
    Ok(MultisiteScenario { header, cluster })
}
