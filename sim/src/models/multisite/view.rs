//! What the two-site (active/passive) model reports: a headless run's result and a widget's view.

use super::*;

/// A runbook step as it played out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunbookStep {
    /// `decision`, `traffic_switch`, `promotion`, `gitops_sync`, `smoke_tests`,
    /// `monitoring`.
    pub step: &'static str,
    /// Start.
    pub from_ms: u64,
    /// End.
    pub to_ms: u64,
}

/// The result of a multisite run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MultisiteResult {
    /// Always `multisite`.
    pub system: &'static str,
    /// Scenario name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// End of the run.
    pub until_ms: u64,
    /// When the active site failed (first time).
    pub failed_at_ms: Option<u64>,
    /// When the GSLB health checks declared it down.
    pub detected_at_ms: Option<u64>,
    /// The runbook's steps.
    pub runbook: Vec<RunbookStep>,
    /// When users were served again (a write accepted).
    pub served_again_at_ms: Option<u64>,
    /// From the failure to users served again.
    pub recovery_ms: Option<u64>,
    /// From the failure to the end of the smoke tests (service declared restored).
    pub rto_ms: Option<u64>,
    /// When a user write would have failed.
    pub service_outages: Vec<Window>,
    /// Site serving writes at the end (DB primary there).
    pub primary: String,
    /// The replication lag (the bound on data lost).
    pub replication_lag_ms: u64,
    /// User writes.
    pub writes: Vec<WriteRecord>,
    /// Acknowledged writes lost (never replicated before the promotion).
    pub lost: Vec<String>,
    /// Timeline.
    pub events: Vec<ModelEvent>,
}

/// Two clusters at one instant, for a widget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MultisiteView {
    /// Simulated time.
    pub now_ms: u64,
    /// Sites.
    pub sites: Vec<SiteView>,
    /// The link between them.
    pub links: Vec<LinkView>,
    /// Active site (A).
    pub active: String,
    /// Passive site (B).
    pub passive: String,
    /// The site the DNS/GSLB answers.
    pub dns_site: String,
    /// The site users' requests reach (clients keep the old answer for the TTL).
    pub traffic_site: String,
    /// Site holding the database primary.
    pub primary: String,
    /// GitOps has synced the application on the passive cluster.
    pub gitops_synced_passive: bool,
    /// Whether a user write would succeed now.
    pub serving: bool,
    /// Why it would fail (`site_down`, `db_read_only`, `app_not_deployed`, `fenced`).
    pub refusal: Option<&'static str>,
    /// The replication lag (the bound on data lost).
    pub replication_lag_ms: u64,
    /// Acknowledged writes not yet on the replica (lost if promoted now).
    pub unreplicated: u32,
    /// The runbook's steps (planned once the failure is detected).
    pub runbook: Vec<RunbookStep>,
    /// The step in progress.
    pub runbook_step: Option<&'static str>,
    /// The site came back before the decision: nothing moved.
    pub runbook_aborted: bool,
    /// When the active site failed.
    pub failed_at_ms: Option<u64>,
    /// When the health checks declared it down.
    pub detected_at_ms: Option<u64>,
    /// Service outage so far (after a failure).
    pub outage_ms: Option<u64>,
    /// Failure → users served again (measured).
    pub recovery_ms: Option<u64>,
    /// Failure → end of smoke tests (measured RTO).
    pub rto_ms: Option<u64>,
    /// User writes so far, counted.
    pub tally: WriteTally,
    /// Acknowledged writes lost (measured RPO, in writes).
    pub lost: Vec<String>,
}
