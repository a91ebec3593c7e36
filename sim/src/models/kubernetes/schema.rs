//! The Kubernetes scenario: its `cluster` section, parsed and checked.

use super::*;

/// How the control plane is deployed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlPlaneMode {
    /// kubeadm stacked etcd: one etcd member per control-plane node.
    #[default]
    Stacked,
    /// One control-plane VM (its etcd is a single member).
    Single,
}

/// Hypervisor HA of the single control-plane VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HypervisorHa {
    /// Delay between the loss of the VM's site and the VM running on another site.
    pub restart_ms: u64,
}

/// A Deployment: replicas spread over the workers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Name (pods are `name-1`, `name-2`…).
    pub name: String,
    /// Number of pods.
    pub replicas: u32,
}

/// `$.cluster` of a Kubernetes scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubeCluster {
    /// `stacked` (default) or `single`.
    #[serde(default)]
    pub mode: ControlPlaneMode,
    /// Site → control-plane nodes (exactly one node in `single` mode).
    pub control_plane: BTreeMap<String, Vec<String>>,
    /// Site → worker nodes.
    #[serde(default)]
    pub workers: BTreeMap<String, Vec<String>>,
    /// Sites without any node (e.g. a third site), so steps may name them.
    #[serde(default)]
    pub extra_sites: Vec<String>,
    /// Deployments, spread round-robin over the workers at time 0.
    #[serde(default)]
    pub deployments: Vec<Deployment>,
    /// StatefulSets (pods `name-0`, `name-1`…), spread after the Deployments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statefulsets: Vec<Deployment>,
    /// `single` mode only: restart the VM on another site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hypervisor_ha: Option<HypervisorHa>,
    /// Latencies between etcd members.
    #[serde(default)]
    pub latency_ms: LatencySpec,
    /// etcd `--heartbeat-interval`.
    #[serde(default = "default_heartbeat")]
    pub heartbeat_ms: u64,
    /// etcd `--election-timeout`.
    #[serde(default = "default_election")]
    pub election_ms: u64,
    /// kube-controller-manager `--node-monitor-grace-period` (50 s since 1.32).
    #[serde(default = "default_grace")]
    pub node_monitor_grace_ms: u64,
    /// Default `tolerationSeconds` of the not-ready/unreachable taints (300 s).
    #[serde(default = "default_toleration")]
    pub toleration_ms: u64,
}

pub(super) fn default_heartbeat() -> u64 {
    100
}
pub(super) fn default_election() -> u64 {
    1000
}
pub(super) fn default_grace() -> u64 {
    50_000
}
pub(super) fn default_toleration() -> u64 {
    300_000
}

impl KubeCluster {
    /// This stacked control plane with every other setting at its default, as a scenario
    /// that gives only `control_plane` reads (built in code by the matrix).
    pub fn with_control_plane(control_plane: BTreeMap<String, Vec<String>>) -> KubeCluster {
        KubeCluster {
            mode: ControlPlaneMode::default(),
            control_plane,
            workers: BTreeMap::new(),
            extra_sites: Vec::new(),
            deployments: Vec::new(),
            statefulsets: Vec::new(),
            hypervisor_ha: None,
            latency_ms: LatencySpec::default(),
            heartbeat_ms: default_heartbeat(),
            election_ms: default_election(),
            node_monitor_grace_ms: default_grace(),
            toleration_ms: default_toleration(),
        }
    }
}

/// A Kubernetes scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeScenario {
    /// Shared fields.
    pub header: Header,
    /// The cluster.
    pub cluster: KubeCluster,
}

/// Parses `$` of a Kubernetes scenario.
pub fn from_value(value: &Value) -> Result<KubeScenario, ScenarioError> {
    from_document(read_document(value)?)
}

/// Checks a typed scenario (read from JSON, or built in code as the matrix does).
pub fn from_document(
    document: Document<KubeCluster, SystemAction>,
) -> Result<KubeScenario, ScenarioError> {
    let cluster = &document.cluster;
    let mut names = BTreeSet::new();
    for (site, nodes) in &cluster.control_plane {
        check_names(
            nodes,
            &format!("$.cluster.control_plane.{site}"),
            &mut names,
        )?;
    }
    for (site, nodes) in &cluster.workers {
        check_names(nodes, &format!("$.cluster.workers.{site}"), &mut names)?;
    }
    let control_plane_count: usize = cluster.control_plane.values().map(Vec::len).sum();
    if control_plane_count == 0 {
        return fail("$.cluster.control_plane", "at least one control-plane node");
    }
    if cluster.mode == ControlPlaneMode::Single && control_plane_count != 1 {
        return fail(
            "$.cluster.control_plane",
            "mode \"single\" has exactly one control-plane node",
        );
    }
    if cluster.hypervisor_ha.is_some() && cluster.mode != ControlPlaneMode::Single {
        return fail(
            "$.cluster.hypervisor_ha",
            "hypervisor HA restarts the single control-plane VM (mode \"single\")",
        );
    }
    if cluster.heartbeat_ms == 0 || cluster.election_ms < cluster.heartbeat_ms {
        return fail(
            "$.cluster.election_ms",
            "heartbeat at least 1 ms, election timeout at least the heartbeat",
        );
    }
    if cluster.election_ms > crate::scenario::MAX_ELECTION_MS {
        return fail("$.cluster.election_ms", "at most 50000 ms");
    }
    let mut pods = 0u64;
    let sets = [
        ("deployments", &cluster.deployments),
        ("statefulsets", &cluster.statefulsets),
    ];
    for (field, workloads) in sets {
        for (position, workload) in workloads.iter().enumerate() {
            pods += u64::from(workload.replicas);
            if pods > 1000 {
                return fail(
                    &format!("$.cluster.{field}[{position}].replicas"),
                    "at most 1000 pods",
                );
            }
        }
    }
    let sites: BTreeSet<String> = sites_of(cluster).into_iter().collect();
    let (header, cluster) = header_of(document, &sites, &names)?;
    Ok(KubeScenario { header, cluster })
}

pub(super) fn sites_of(cluster: &KubeCluster) -> Vec<String> {
    let mut sites: BTreeSet<String> = cluster.control_plane.keys().cloned().collect();
    sites.extend(cluster.workers.keys().cloned());
    sites.extend(cluster.extra_sites.iter().cloned());
    sites.into_iter().collect()
}
