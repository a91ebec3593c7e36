//! The Kubernetes control plane over sites, and what its availability means for pods.
//!
//! Two shapes (domain-facts.md §2):
//! - `single`: one control-plane VM on one site. With hypervisor HA it is restarted on
//!   another live site after `restart_ms` (assuming its disk is replicated there);
//!   without it, the API stays down until its site returns.
//! - `stacked`: kubeadm's stacked etcd, one etcd member per control-plane node, run on the
//!   Raft core ([`Simulation`]). The API is available exactly when etcd can commit a write
//!   ([`Simulation::writable`]): an API server without etcd quorum serves nothing useful.
//!
//! Workloads: pods on live workers keep running whatever the API does ("existing pods and
//! services should continue to work normally, unless they depend on the Kubernetes API");
//! nothing is rescheduled and no operator write is accepted while the API is down; a
//! worker the control plane no longer hears is marked NotReady after the node-monitor
//! grace period (50 s since 1.32) and its pods are evicted after the default
//! `tolerationSeconds` of 300 s, so 350 s after the loss. A Deployment's evicted pods are
//! replaced elsewhere at once; if their worker is alive but cut off from the control
//! plane, its kubelet never learns of the eviction and the old pods keep running there
//! (`orphaned`: duplicates of their replacements) until it hears the API again and stops
//! them. A StatefulSet's pods are not replaced at all while their worker is unreachable:
//! a pod of the same identity is created only once the old one is confirmed gone (the node
//! deleted, or tainted `node.kubernetes.io/out-of-service`, an operator's step this model
//! does not take), so they wait for their worker to return.
//!
//! Layout: `schema` (the scenario's `cluster` section, parsed and checked), `view` (the
//! result of a headless run and what a widget draws), this file (the model and its
//! [`SystemModel`] implementation).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{
    check_names, fail, header_of, last_writes, push_event, read_document, Availability, Header,
    LinkView, ModelEvent, ModelScenario, SiteView, SystemAction, SystemModel, Topology, Window,
    WriteOutcome, WriteRecord, WriteTally,
};
use super::SystemKind;
use crate::invariants::Violation;
use crate::result::Outcome;
use crate::scenario::{Action, LatencySpec, NodeSelector, ScenarioError};
use crate::schema::Document;
use crate::simulation::Simulation;

/// The model advances in steps of 100 ms: the API and the node controller react in
/// seconds; etcd itself runs event by event inside.
pub const TICK_MS: u64 = 100;

mod schema;
mod view;

pub use schema::*;
pub use view::*;

#[derive(Clone, Debug)]
struct Worker {
    name: String,
    site: String,
    up: bool,
    unheard_since: Option<u64>,
    not_ready: bool,
    evicted: bool,
}

#[derive(Clone, Debug)]
struct Pod {
    name: String,
    node: Option<usize>,
    /// A StatefulSet's pod: never replaced while its worker is unreachable.
    stateful: bool,
}

#[derive(Clone, Debug)]
struct Vm {
    name: String,
    site: String,
    up: bool,
    restart_at: Option<u64>,
}

/// A Kubernetes cluster under simulation, advanced tick by tick.
#[derive(Clone, Debug)]
pub struct KubeModel {
    cluster: KubeCluster,
    topology: Topology,
    etcd: Option<Simulation>,
    vm: Option<Vm>,
    workers: Vec<Worker>,
    pods: Vec<Pod>,
    /// Evicted pods still running on their alive, cut-off worker: (name, worker).
    orphans: Vec<(String, usize)>,
    next_pod: BTreeMap<String, u32>,
    api: Availability,
    events: Vec<ModelEvent>,
    writes: Vec<WriteRecord>,
    /// Proposal number in etcd of each write (stacked mode).
    write_proposals: Vec<Option<u64>>,
    now: u64,
}

impl KubeModel {
    /// Whether the API accepts writes now.
    pub fn api_available(&self) -> bool {
        match (&self.etcd, &self.vm) {
            (Some(etcd), _) => etcd.writable(),
            (None, Some(vm)) => vm.up && self.topology.site_up(&vm.site),
            (None, None) => false,
        }
    }

    /// Site from which the API (and the node controller behind it) talks to kubelets.
    fn api_site(&self) -> Option<String> {
        match (&self.etcd, &self.vm) {
            (Some(etcd), _) => super::leader_site(etcd),
            (None, Some(vm)) => Some(vm.site.clone()),
            (None, None) => None,
        }
    }

    fn tick(&mut self, now: u64) {
        if let Some(etcd) = self.etcd.as_mut() {
            etcd.run_until(now);
        }
        self.now = now;
        self.observe();
    }

    /// Re-evaluates the API and the node controller at the current instant.
    fn observe(&mut self) {
        let now = self.now;
        if let Some(vm) = self.vm.as_mut() {
            if vm.restart_at.is_some_and(|at| now >= at) {
                let target = self
                    .topology
                    .sites()
                    .iter()
                    .find(|site| self.topology.site_up(site))
                    .cloned();
                if let Some(site) = target {
                    vm.site = site.clone();
                    vm.up = true;
                    vm.restart_at = None;
                    push_event(&mut self.events, now, "vm_restarted", &vm.name, site);
                }
            }
        }
        let api_up = self.api_available();
        if self.api.observe(now, api_up) {
            let kind = if api_up { "api_up" } else { "api_down" };
            push_event(&mut self.events, now, kind, "", "");
        }
        if !api_up {
            // The node lifecycle controller works through the API: while it is down
            // nothing is judged, and once it is back, kube-controller-manager (which lost
            // its leader lease) starts observing nodes afresh. Derived from the
            // controller concept page (domain-facts.md §2).
            for worker in &mut self.workers {
                worker.unheard_since = None;
            }
            return;
        }
        let api_site = self.api_site();
        let grace = self.cluster.node_monitor_grace_ms;
        let toleration = self.cluster.toleration_ms;
        let mut evict = Vec::new();
        for (index, worker) in self.workers.iter_mut().enumerate() {
            let running = worker.up && self.topology.site_up(&worker.site);
            let heard = running
                && api_site
                    .as_deref()
                    .is_some_and(|site| self.topology.linked(&worker.site, site));
            if heard {
                worker.unheard_since = None;
                worker.evicted = false;
                // Its kubelet hears the API again: the pods it still ran, replaced long
                // ago, are deleted.
                let before = self.orphans.len();
                self.orphans.retain(|(_, on)| *on != index);
                if self.orphans.len() < before {
                    let count = before - self.orphans.len();
                    push_event(
                        &mut self.events,
                        now,
                        "orphans_stopped",
                        &worker.name,
                        format!("{count} pod(s)"),
                    );
                }
                if worker.not_ready {
                    worker.not_ready = false;
                    push_event(&mut self.events, now, "node_ready", &worker.name, "");
                }
                continue;
            }
            let since = *worker.unheard_since.get_or_insert(now);
            // NotReady after the node-monitor grace period (50 s since 1.32, PR #126287),
            // eviction after the default toleration (300 s) on top: domain-facts.md §2.
            if !worker.not_ready && now >= since + grace {
                worker.not_ready = true;
                push_event(&mut self.events, now, "node_not_ready", &worker.name, "");
            }
            if worker.not_ready && !worker.evicted && now >= since + grace + toleration {
                worker.evicted = true;
                evict.push(index);
            }
        }
        for index in evict {
            let worker = &self.workers[index];
            let still_running = worker.up && self.topology.site_up(&worker.site);
            let mut count = 0;
            let mut kept = 0;
            for pod in self.pods.iter_mut().filter(|pod| pod.node == Some(index)) {
                if pod.stateful {
                    kept += 1;
                    continue;
                }
                if still_running {
                    self.orphans.push((pod.name.clone(), index));
                }
                pod.node = None;
                count += 1;
            }
            let name = self.workers[index].name.clone();
            push_event(
                &mut self.events,
                now,
                "pods_evicted",
                &name,
                format!("{count} pod(s)"),
            );
            if still_running && count > 0 {
                push_event(
                    &mut self.events,
                    now,
                    "pods_orphaned",
                    &name,
                    format!("{count} pod(s)"),
                );
            }
            if kept > 0 {
                push_event(
                    &mut self.events,
                    now,
                    "statefulset_pods_kept",
                    &name,
                    format!("{kept} pod(s)"),
                );
            }
        }
        self.schedule_pending();
    }

    /// The scheduler (API up): every pending pod goes to the ready worker with the fewest
    /// pods. An evicted pod is replaced by a new one with a new name, as a ReplicaSet does.
    fn schedule_pending(&mut self) {
        let now = self.now;
        let ready: Vec<usize> = (0..self.workers.len())
            .filter(|&index| {
                let worker = &self.workers[index];
                worker.up && !worker.not_ready && self.topology.site_up(&worker.site)
            })
            .collect();
        if ready.is_empty() {
            return;
        }
        for position in 0..self.pods.len() {
            if self.pods[position].node.is_some() {
                continue;
            }
            let target = ready
                .iter()
                .copied()
                .min_by_key(|&index| {
                    let load = self.pods.iter().filter(|p| p.node == Some(index)).count();
                    (load, index)
                })
                .unwrap_or(ready[0]);
            let old = self.pods[position].name.clone();
            let deployment = old
                .rsplit_once('-')
                .map_or(old.clone(), |(d, _)| d.to_string());
            let number = self.next_pod.entry(deployment.clone()).or_insert(1);
            let name = format!("{deployment}-{number}");
            *number += 1;
            self.pods[position] = Pod {
                name: name.clone(),
                node: Some(target),
                stateful: false,
            };
            let worker = self.workers[target].name.clone();
            push_event(
                &mut self.events,
                now,
                "pod_scheduled",
                &name,
                format!("{worker} (replaces {old})"),
            );
        }
    }

    /// The API's availability record (for the matrix).
    pub fn availability(&self) -> &Availability {
        &self.api
    }
}

impl ModelScenario for KubeScenario {
    type Model = KubeModel;
    const SYSTEM: SystemKind = SystemKind::Kubernetes;

    fn header(&self) -> &Header {
        &self.header
    }
}

impl SystemModel for KubeModel {
    type Scenario = KubeScenario;
    type View = KubeView;
    type Result = KubeResult;
    const TICK_MS: u64 = TICK_MS;

    /// Builds the cluster at time 0 (pods already placed).
    fn new(scenario: &KubeScenario) -> KubeModel {
        let cluster = scenario.cluster.clone();
        let topology = Topology::new(sites_of(&cluster));
        let (etcd, vm) = match cluster.mode {
            ControlPlaneMode::Stacked => (
                Some(super::raft_group(
                    &scenario.header.name,
                    scenario.header.seed,
                    &cluster.control_plane,
                    cluster.latency_ms,
                    (cluster.heartbeat_ms, cluster.election_ms),
                    scenario.header.until_ms,
                )),
                None,
            ),
            ControlPlaneMode::Single => {
                let (site, nodes) = cluster
                    .control_plane
                    .iter()
                    .find(|(_, nodes)| !nodes.is_empty())
                    .map(|(site, nodes)| (site.clone(), nodes.clone()))
                    .unwrap_or_default();
                (
                    None,
                    Some(Vm {
                        name: nodes.first().cloned().unwrap_or_default(),
                        site,
                        up: true,
                        restart_at: None,
                    }),
                )
            }
        };
        let mut workers = Vec::new();
        for (site, names) in &cluster.workers {
            for name in names {
                workers.push(Worker {
                    name: name.clone(),
                    site: site.clone(),
                    up: true,
                    unheard_since: None,
                    not_ready: false,
                    evicted: false,
                });
            }
        }
        let mut pods = Vec::new();
        let mut next_pod = BTreeMap::new();
        let mut slot = 0usize;
        for deployment in &cluster.deployments {
            for replica in 1..=deployment.replicas {
                let node = if workers.is_empty() {
                    None
                } else {
                    slot += 1;
                    Some((slot - 1) % workers.len())
                };
                pods.push(Pod {
                    name: format!("{}-{replica}", deployment.name),
                    node,
                    stateful: false,
                });
            }
            next_pod.insert(deployment.name.clone(), deployment.replicas + 1);
        }
        for set in &cluster.statefulsets {
            for ordinal in 0..set.replicas {
                let node = if workers.is_empty() {
                    None
                } else {
                    slot += 1;
                    Some((slot - 1) % workers.len())
                };
                pods.push(Pod {
                    name: format!("{}-{ordinal}", set.name),
                    node,
                    stateful: true,
                });
            }
        }
        // The API is up at time 0 in single mode; a stacked cluster has to elect first.
        let api = Availability::new(cluster.mode == ControlPlaneMode::Single);
        KubeModel {
            cluster,
            topology,
            etcd,
            vm,
            workers,
            pods,
            orphans: Vec::new(),
            next_pod,
            api,
            events: Vec::new(),
            writes: Vec::new(),
            write_proposals: Vec::new(),
            now: 0,
        }
    }

    /// Current simulated time.
    fn now_ms(&self) -> u64 {
        self.now
    }

    /// Applies an action now (a scenario step or a click).
    fn apply(&mut self, action: &SystemAction) {
        let now = self.now;
        if self.topology.apply(action) {
            if let Some(etcd) = self.etcd.as_mut() {
                super::mirror_on_raft(etcd, &self.topology, action);
            }
        }
        match action {
            SystemAction::FailSite { site } => {
                push_event(&mut self.events, now, "site_failed", site, "");
                if let Some(vm) = self.vm.as_mut() {
                    if &vm.site == site && vm.up {
                        vm.up = false;
                        vm.restart_at = self.cluster.hypervisor_ha.map(|ha| now + ha.restart_ms);
                    }
                }
            }
            SystemAction::RestoreSite { site } => {
                push_event(&mut self.events, now, "site_restored", site, "");
                if let Some(vm) = self.vm.as_mut() {
                    // Without hypervisor HA the VM boots again with its site.
                    if &vm.site == site && !vm.up && vm.restart_at.is_none() {
                        vm.up = true;
                    }
                }
            }
            SystemAction::Crash { node } => {
                if let Some(etcd) = self.etcd.as_mut() {
                    super::mirror_on_raft(etcd, &self.topology, action);
                }
                if let Some(vm) = self.vm.as_mut().filter(|vm| &vm.name == node) {
                    vm.up = false;
                    vm.restart_at = None;
                }
                for worker in self.workers.iter_mut().filter(|w| &w.name == node) {
                    worker.up = false;
                }
            }
            SystemAction::Restart { node } => {
                if let Some(etcd) = self.etcd.as_mut() {
                    super::mirror_on_raft(etcd, &self.topology, action);
                }
                if let Some(vm) = self.vm.as_mut().filter(|vm| &vm.name == node) {
                    vm.up = true;
                }
                for worker in self.workers.iter_mut().filter(|w| &w.name == node) {
                    worker.up = true;
                }
            }
            SystemAction::Write { value } => {
                let mut record = WriteRecord::pending(now, value);
                let mut proposal = None;
                if let Some(etcd) = self.etcd.as_mut() {
                    // The API server turns the object into an etcd write; its fate is
                    // the proposal's.
                    proposal = Some(etcd.proposal_count());
                    etcd.apply(&Action::Propose {
                        value: value.clone(),
                        node: NodeSelector::Leader,
                    });
                } else if self.api_available() {
                    record.decide(now, WriteOutcome::Acknowledged, None);
                } else {
                    record.decide(now, WriteOutcome::Refused, Some("api_unavailable"));
                }
                self.writes.push(record);
                self.write_proposals.push(proposal);
            }
            _ => {}
        }
        // Judge the new state at the same instant, so that a loss at t counts from t.
        self.observe();
    }

    /// Advances to `until_ms`, one tick at a time.
    fn run_until(&mut self, until_ms: u64) {
        while self.now + TICK_MS <= until_ms {
            self.tick(self.now + TICK_MS);
        }
    }

    /// Timeline so far.
    fn events(&self) -> &[ModelEvent] {
        &self.events
    }

    /// What a widget draws at the current instant: sites, control-plane members and their
    /// roles, the API, workers with their NotReady/eviction countdowns, pods, writes.
    fn view(&self, header: &Header) -> KubeView {
        let result = self.result(header);
        let control_plane = match (&self.etcd, &self.vm) {
            (Some(etcd), _) => etcd
                .nodes()
                .into_iter()
                .map(|node| ControlPlaneView {
                    name: node.id,
                    site: node.site,
                    state: node.role.as_str(),
                })
                .collect(),
            (None, Some(vm)) => {
                let state = if vm.up && self.topology.site_up(&vm.site) {
                    "up"
                } else if vm.restart_at.is_some() {
                    "restarting"
                } else {
                    "down"
                };
                vec![ControlPlaneView {
                    name: vm.name.clone(),
                    site: vm.site.clone(),
                    state,
                }]
            }
            (None, None) => Vec::new(),
        };
        let grace = self.cluster.node_monitor_grace_ms;
        let toleration = self.cluster.toleration_ms;
        let workers = self
            .workers
            .iter()
            .enumerate()
            .map(|(index, worker)| WorkerView {
                name: worker.name.clone(),
                site: worker.site.clone(),
                running: worker.up && self.topology.site_up(&worker.site),
                ready: !worker.not_ready,
                not_ready_at_ms: worker
                    .unheard_since
                    .filter(|_| !worker.not_ready)
                    .map(|since| since + grace),
                evict_at_ms: worker
                    .unheard_since
                    .filter(|_| !worker.evicted)
                    .map(|since| since + grace + toleration),
                pods: self
                    .pods
                    .iter()
                    .filter(|pod| pod.node == Some(index))
                    .map(|pod| pod.name.clone())
                    .collect(),
                orphaned: self
                    .orphans
                    .iter()
                    .filter(|(_, on)| *on == index)
                    .map(|(name, _)| name.clone())
                    .collect(),
            })
            .collect();
        KubeView {
            now_ms: self.now,
            mode: self.cluster.mode,
            api_up: self.api_available(),
            sites: self.topology.site_views(),
            links: self.topology.link_views(),
            control_plane,
            vm_restart_at_ms: self.vm.as_ref().and_then(|vm| vm.restart_at),
            workers,
            pending_pods: self
                .pods
                .iter()
                .filter(|pod| pod.node.is_none())
                .map(|pod| pod.name.clone())
                .collect(),
            tally: WriteTally::of(&result.writes),
            writes: last_writes(&result.writes, 6),
            api_outages: result.api_outages,
        }
    }

    /// The result so far.
    fn result(&self, header: &Header) -> KubeResult {
        let mut writes = self.writes.clone();
        let mut violations = Vec::new();
        if let Some(etcd) = &self.etcd {
            let records = etcd.proposals();
            for (record, proposal) in writes.iter_mut().zip(&self.write_proposals) {
                let Some(outcome) = proposal.and_then(|p| etcd.proposal_outcome(p)) else {
                    continue;
                };
                let decided = records
                    .get(proposal.unwrap_or(0) as usize)
                    .and_then(|p| p.decided_at_ms);
                match outcome {
                    (Outcome::Committed, _) => record.decide(
                        decided.unwrap_or(record.at_ms),
                        WriteOutcome::Acknowledged,
                        None,
                    ),
                    (Outcome::Failed, reason) => record.decide(
                        decided.unwrap_or(record.at_ms),
                        WriteOutcome::Refused,
                        reason,
                    ),
                    // The API server's etcd request timed out (or its etcd member went
                    // down): the client gets an error, the object may still be written.
                    (Outcome::Unknown, reason) => record.decide(
                        decided.unwrap_or(record.at_ms),
                        WriteOutcome::Unconfirmed,
                        reason,
                    ),
                    (Outcome::Pending, _) => {}
                }
            }
            violations = etcd.violations();
        }
        let pods: Vec<PodResult> = self
            .pods
            .iter()
            .map(|pod| {
                let worker = pod.node.map(|index| &self.workers[index]);
                let phase = match worker {
                    None => "pending",
                    Some(w) if !(w.up && self.topology.site_up(&w.site)) => "stopped",
                    Some(w) if w.not_ready => "unreachable",
                    Some(_) => "running",
                };
                PodResult {
                    name: pod.name.clone(),
                    node: worker.map(|w| w.name.clone()),
                    phase,
                }
            })
            .chain(self.orphans.iter().map(|(name, index)| PodResult {
                name: name.clone(),
                node: Some(self.workers[*index].name.clone()),
                phase: "orphaned",
            }))
            .collect();
        let pods_running = pods
            .iter()
            .filter(|pod| pod.phase == "running" || pod.phase == "unreachable")
            .count() as u32;
        KubeResult {
            system: "kubernetes",
            name: header.name.clone(),
            seed: header.seed,
            until_ms: self.now,
            mode: self.cluster.mode,
            api_outages: self.api.outages().to_vec(),
            api_available_at_end: self.api.is_up(),
            writes,
            pods_orphaned: self.orphans.len() as u32,
            pods,
            pods_running,
            events: self.events.clone(),
            violations,
        }
    }
}
