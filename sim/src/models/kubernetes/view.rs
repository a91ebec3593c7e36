//! What the Kubernetes model reports: a headless run's result and a widget's view.

use super::*;

/// A pod at the end of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PodResult {
    /// Name.
    pub name: String,
    /// Worker it is bound to (none: pending).
    pub node: Option<String>,
    /// `running`, `unreachable` (bound to a worker the control plane cannot hear: it may
    /// still run there), `stopped` (its worker is down), `pending`, or `orphaned`
    /// (evicted and replaced, but still running on its cut-off worker: a duplicate).
    pub phase: &'static str,
}

/// The result of a Kubernetes run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KubeResult {
    /// Always `kubernetes`.
    pub system: &'static str,
    /// Scenario name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// End of the run.
    pub until_ms: u64,
    /// `stacked` or `single`.
    pub mode: ControlPlaneMode,
    /// When the API could not accept writes.
    pub api_outages: Vec<Window>,
    /// Whether the API accepts writes at the end.
    pub api_available_at_end: bool,
    /// Operator writes (kubectl apply…) and their fate.
    pub writes: Vec<WriteRecord>,
    /// Pods at the end.
    pub pods: Vec<PodResult>,
    /// Pods running (on a live worker) at the end.
    pub pods_running: u32,
    /// Pods evicted and replaced that still run on their cut-off worker (duplicates).
    pub pods_orphaned: u32,
    /// Timeline: `api_down`, `api_up`, `vm_restarted`, `node_not_ready`, `node_ready`,
    /// `pods_evicted`, `pod_scheduled`, `site_failed`…
    pub events: Vec<ModelEvent>,
    /// Raft safety violations of the etcd members (must be empty).
    pub violations: Vec<Violation>,
}

/// A control-plane member as a widget draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControlPlaneView {
    /// Name.
    pub name: String,
    /// Site it runs on now (a restarted VM moves).
    pub site: String,
    /// Stacked: the etcd member's role (`leader`, `follower`, `candidate`,
    /// `pre_candidate`, `down`); single: the VM (`up`, `down`, `restarting`).
    pub state: &'static str,
}

/// A worker as a widget draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkerView {
    /// Name.
    pub name: String,
    /// Site.
    pub site: String,
    /// Whether it runs (its site is up and it is not crashed).
    pub running: bool,
    /// Whether the control plane sees it Ready.
    pub ready: bool,
    /// When it will be marked NotReady if nothing changes (countdown).
    pub not_ready_at_ms: Option<u64>,
    /// When its pods will be evicted if nothing changes (countdown).
    pub evict_at_ms: Option<u64>,
    /// Pods bound to it.
    pub pods: Vec<String>,
    /// Pods evicted from it that it still runs, not knowing (it is cut off).
    pub orphaned: Vec<String>,
}

/// A Kubernetes cluster at one instant, for a widget.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KubeView {
    /// Simulated time.
    pub now_ms: u64,
    /// `stacked` or `single`.
    pub mode: ControlPlaneMode,
    /// Whether the API accepts writes now.
    pub api_up: bool,
    /// Sites.
    pub sites: Vec<SiteView>,
    /// Links between sites.
    pub links: Vec<LinkView>,
    /// Control-plane members.
    pub control_plane: Vec<ControlPlaneView>,
    /// Single mode: when the hypervisor restarts the VM elsewhere.
    pub vm_restart_at_ms: Option<u64>,
    /// Workers.
    pub workers: Vec<WorkerView>,
    /// Pods waiting for a worker.
    pub pending_pods: Vec<String>,
    /// Operator writes so far, counted.
    pub tally: WriteTally,
    /// The last operator writes.
    pub writes: Vec<WriteRecord>,
    /// API outages so far.
    pub api_outages: Vec<Window>,
}
