//! Elasticsearch cluster coordination and shard allocation over zones.
//!
//! Facts (domain-facts.md §4): master elections and cluster-state updates need a majority
//! of the *voting configuration*; the voting configuration is kept at an odd size
//! automatically ("Elasticsearch leaves one of them out") and shrinks as nodes leave while
//! it keeps at least three members (`cluster.auto_shrink_voting_configuration`); a
//! voting-only node votes but is never elected and "can serve as a tiebreaker"; "You
//! cannot configure a two-zone cluster so that it can tolerate the loss of *either*
//! zone". Shard allocation awareness (`cluster.routing.allocation.awareness.attributes:
//! zone`) spreads the copies of a shard over zones; *forced* awareness
//! (`…awareness.force.zone.values`) never puts more copies in one zone than its share,
//! which leaves replicas unassigned (yellow) rather than overloading the surviving zone.
//!
//! The election is not Raft (Elasticsearch's own algorithm), so it is modelled directly:
//! a master-eligible node becomes master when it reaches a majority of the voting
//! configuration. Failures are noticed as the reference's "Cluster fault detection" page
//! says: the master checks every node (follower checks) and every node checks the master
//! (leader checks), each "considers a node to be faulty only after a number of
//! consecutive checks have failed" — `cluster.fault_detection.*.interval` 1 s, `timeout`
//! 10 s, `retry_count` 3: a node or zone that goes silent (a site lost, a link cut) is
//! noticed after 3 × (1 s + 10 s) = 33 s, about half a minute. "If the elected master
//! detects that a node has disconnected, however, this situation is treated as an
//! immediate failure" (and the same for a node losing its master): a crashed process,
//! whose connections close, is noticed at the next step. Until a loss is noticed, the
//! cluster acts as if the node were there: a document whose shard has a copy on it waits
//! (the primary cannot complete the replication) until the master drops the copy, then is
//! acknowledged (or refused when no primary is left, or after the index request's 1 min
//! timeout). Without a master the cluster state is frozen and writes are refused. Replicas
//! are in-sync copies, so promoting one never loses an acknowledged write: this model
//! reports none lost.
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
use crate::scenario::ScenarioError;
use crate::schema::Document;

/// The model advances in steps of 100 ms.
pub const TICK_MS: u64 = 100;

mod schema;
mod view;

pub use schema::*;
pub use view::*;

#[derive(Clone, Debug)]
struct Node {
    name: String,
    zone: String,
    electable: bool,
    voter: bool,
    data: bool,
    up: bool,
    copies: u32,
    peak: u32,
}

#[derive(Clone, Debug)]
struct Copy {
    shard: usize,
    primary: bool,
    node: Option<usize>,
    /// Where its data last lived (an unassigned primary waits for it).
    last_node: Option<usize>,
    unassigned_since: u64,
}

/// An Elasticsearch cluster under simulation, advanced tick by tick.
#[derive(Clone, Debug)]
pub struct EsModel {
    cluster: EsCluster,
    topology: Topology,
    nodes: Vec<Node>,
    voting: BTreeSet<usize>,
    master: Option<usize>,
    master_lost_at: u64,
    copies: Vec<Copy>,
    /// Per node: since when the current master cannot reach it (follower checks).
    unreachable_since: Vec<Option<u64>>,
    /// Since when the current master has been unable to keep its quorum, or could not be
    /// reached by the others (leader checks).
    master_trouble_since: Option<u64>,
    /// Documents waiting for a silent loss to be noticed: (write, shard).
    waiting: Vec<(usize, usize)>,
    master_up: Availability,
    health: &'static str,
    health_timeline: Vec<HealthChange>,
    writes: Vec<WriteRecord>,
    events: Vec<ModelEvent>,
    now: u64,
}

impl EsModel {
    fn alive(&self, node: usize) -> bool {
        self.nodes[node].up && self.topology.site_up(&self.nodes[node].zone)
    }

    fn talks(&self, a: usize, b: usize) -> bool {
        self.alive(a)
            && self.alive(b)
            && self
                .topology
                .linked(&self.nodes[a].zone, &self.nodes[b].zone)
    }

    /// Live master-eligible nodes (reachable from `from` if given), odd by leaving the
    /// last one by name out, as the voting configuration is kept odd.
    fn odd_voting_set(&self, from: Option<usize>) -> BTreeSet<usize> {
        let mut candidates: Vec<usize> = (0..self.nodes.len())
            .filter(|&n| self.nodes[n].voter && from.is_none_or(|m| self.talks(m, n)))
            .collect();
        if candidates.len().is_multiple_of(2) {
            // Leave out the last one that is not the master.
            if let Some(position) = candidates.iter().rposition(|&n| Some(n) != from) {
                candidates.remove(position);
            }
        }
        candidates.into_iter().collect()
    }

    fn has_quorum(&self, master: usize) -> bool {
        let reachable = self
            .voting
            .iter()
            .filter(|&&v| v == master && self.alive(v) || self.talks(master, v))
            .count();
        reachable * 2 > self.voting.len()
    }

    fn electable_master(&self) -> Option<usize> {
        (0..self.nodes.len())
            .find(|&n| self.nodes[n].electable && self.alive(n) && self.has_quorum(n))
    }

    /// Whether the loss of `node` (unreachable from the master since `since`) has been
    /// noticed: at once when its process stopped (closed connections), after the checks'
    /// retries when it went silent.
    fn noticed(&self, node: usize, since: u64) -> bool {
        !self.nodes[node].up || self.now >= since + self.cluster.master_detection_ms
    }

    /// Whether the current master still counts `node` in (reachable, or lost silently
    /// and not noticed yet).
    fn counted(&self, node: usize) -> bool {
        match self.unreachable_since[node] {
            None => true,
            Some(since) => !self.noticed(node, since),
        }
    }

    fn tick(&mut self) {
        let now = self.now;
        if let Some(master) = self.master {
            // Follower checks: since when each node has been out of the master's reach.
            for node in 0..self.nodes.len() {
                let reachable = node == master && self.alive(node) || self.talks(master, node);
                match (reachable, self.unreachable_since[node]) {
                    (true, _) => self.unreachable_since[node] = None,
                    (false, None) => self.unreachable_since[node] = Some(now),
                    (false, Some(_)) => {}
                }
            }
            let fine = self.alive(master) && self.has_quorum(master);
            if fine {
                self.master_trouble_since = None;
            } else {
                let since = *self.master_trouble_since.get_or_insert(now);
                // A crashed master closes its connections: the others notice at once;
                // otherwise the leader checks (or the master's own follower checks, for
                // its quorum) give up after their retries.
                let noticed =
                    !self.nodes[master].up || now >= since + self.cluster.master_detection_ms;
                if noticed {
                    self.master = None;
                    self.master_lost_at = now;
                    self.master_trouble_since = None;
                    let name = self.nodes[master].name.clone();
                    push_event(&mut self.events, now, "master_lost", &name, "");
                }
            }
        }
        if self.master.is_none() {
            self.master = self.electable_master();
            if let Some(master) = self.master {
                // A new master's cluster holds the nodes that joined it: whoever it cannot
                // reach is out at once.
                for node in 0..self.nodes.len() {
                    self.unreachable_since[node] = (!(node == master || self.talks(master, node)))
                        .then_some(now.saturating_sub(self.cluster.master_detection_ms));
                }
                let name = self.nodes[master].name.clone();
                push_event(&mut self.events, now, "master_elected", &name, "");
            }
        }
        self.master_up.observe(now, self.master.is_some());
        if let Some(master) = self.master {
            // auto_shrink_voting_configuration: follow the live nodes, never below three
            // voters (except to grow back).
            let target = self.odd_voting_set(Some(master));
            if target != self.voting && (target.len() >= 3 || target.len() > self.voting.len()) {
                self.voting = target;
                let names: Vec<&str> = self
                    .voting
                    .iter()
                    .map(|&v| self.nodes[v].name.as_str())
                    .collect();
                push_event(&mut self.events, now, "voting_config", "", names.join(","));
            }
            self.allocate(false);
        }
        let health = self.compute_health();
        if health != self.health {
            self.health = health;
            self.health_timeline
                .push(HealthChange { at_ms: now, health });
        }
        self.decide_writes();
    }

    /// Decides the documents that can be: refused without a master or a primary,
    /// acknowledged once every copy of their shard is reachable (or dropped), waiting
    /// while a copy is lost but not noticed yet.
    fn decide_writes(&mut self) {
        let now = self.now;
        let mut still = Vec::new();
        for &(w, shard) in &self.waiting {
            let copies: Vec<&Copy> = self.copies.iter().filter(|c| c.shard == shard).collect();
            let primary = copies.iter().find(|c| c.primary).and_then(|c| c.node);
            let outcome = if self.master.is_none() {
                Some((WriteOutcome::Refused, Some("no_master")))
            } else if primary.is_none() {
                Some((WriteOutcome::Refused, Some("primary_unassigned")))
            } else if copies
                .iter()
                .filter_map(|c| c.node)
                .any(|n| self.unreachable_since[n].is_some())
            {
                // A copy on a node lost but still counted: the replication cannot finish.
                (now >= self.writes[w].at_ms + INDEX_TIMEOUT_MS)
                    .then_some((WriteOutcome::Refused, Some("timeout")))
            } else {
                Some((WriteOutcome::Acknowledged, None))
            };
            match outcome {
                Some((outcome, reason)) => self.writes[w].decide(now, outcome, reason),
                None => still.push((w, shard)),
            }
        }
        self.waiting = still;
    }

    /// The master's allocation round: copies on nodes it lost become unassigned (a
    /// primary's replica is promoted), then unassigned copies are placed when allowed.
    fn allocate(&mut self, initial: bool) {
        let now = self.now;
        let master = self.master;
        for c in 0..self.copies.len() {
            let Some(node) = self.copies[c].node else {
                continue;
            };
            let lost = match master {
                Some(_) => !self.counted(node),
                None => !self.alive(node),
            };
            if lost {
                self.copies[c].node = None;
                self.copies[c].last_node = Some(node);
                self.copies[c].unassigned_since = now;
                self.nodes[node].copies -= 1;
                let shard = self.copies[c].shard;
                push_event(
                    &mut self.events,
                    now,
                    "copy_unassigned",
                    &format!("{shard}"),
                    self.nodes[node].name.clone(),
                );
                if self.copies[c].primary {
                    if let Some(r) = (0..self.copies.len()).find(|&r| {
                        self.copies[r].shard == shard
                            && !self.copies[r].primary
                            && self.copies[r].node.is_some()
                    }) {
                        self.copies[r].primary = true;
                        self.copies[c].primary = false;
                        let holder = self.copies[r]
                            .node
                            .map_or(String::new(), |n| self.nodes[n].name.clone());
                        push_event(
                            &mut self.events,
                            now,
                            "replica_promoted",
                            &format!("{shard}"),
                            holder,
                        );
                    }
                }
            }
        }
        let Some(master) = master.or(if initial { Some(usize::MAX) } else { None }) else {
            return;
        };
        let mut order: Vec<usize> = (0..self.copies.len()).collect();
        // Primaries first.
        order.sort_by_key(|&c| (!self.copies[c].primary, c));
        for c in order {
            if self.copies[c].node.is_some() {
                continue;
            }
            let copy = &self.copies[c];
            let target = if copy.primary {
                // A primary with no in-sync copy left waits for the node that held it
                // (Elasticsearch never allocates an empty primary on its own).
                copy.last_node
                    .filter(|&n| self.reachable_from(master, n))
                    .or_else(|| {
                        if copy.last_node.is_none() {
                            self.choose(c, master)
                        } else {
                            None
                        }
                    })
            } else if initial
                || now >= copy.unassigned_since + self.cluster.delayed_allocation_ms
                || copy
                    .last_node
                    .is_some_and(|n| self.reachable_from(master, n))
            {
                // index.unassigned.node_left.delayed_timeout: replicas wait a minute for
                // the node to come back before being rebuilt elsewhere.
                copy.last_node
                    .filter(|&n| self.reachable_from(master, n) && self.allowed(c, n))
                    .or_else(|| self.choose(c, master))
            } else {
                None
            };
            if let Some(node) = target {
                self.copies[c].node = Some(node);
                self.copies[c].last_node = Some(node);
                let holder = &mut self.nodes[node];
                holder.copies += 1;
                holder.peak = holder.peak.max(holder.copies);
                if !initial {
                    let shard = self.copies[c].shard;
                    let name = self.nodes[node].name.clone();
                    push_event(
                        &mut self.events,
                        now,
                        "copy_allocated",
                        &format!("{shard}"),
                        name,
                    );
                }
            }
        }
    }

    fn reachable_from(&self, master: usize, node: usize) -> bool {
        if master == usize::MAX {
            return self.alive(node);
        }
        self.talks(master, node) || (master == node && self.alive(node))
    }

    /// Whether copy `c` may go to `node` under the awareness rules.
    fn allowed(&self, c: usize, node: usize) -> bool {
        let shard = self.copies[c].shard;
        let holders: Vec<usize> = self
            .copies
            .iter()
            .filter(|o| o.shard == shard)
            .filter_map(|o| o.node)
            .collect();
        if !self.nodes[node].data || holders.contains(&node) {
            return false;
        }
        if self.cluster.awareness == Awareness::Forced {
            // At most ceil(copies / zones) copies of a shard per zone, zones counted from
            // the configured values (here: every zone holding data nodes), up or not.
            let zones: BTreeSet<&str> = self
                .nodes
                .iter()
                .filter(|n| n.data)
                .map(|n| n.zone.as_str())
                .collect();
            let copies = self.cluster.replicas as usize + 1;
            let share = copies.div_ceil(zones.len().max(1));
            let here = holders
                .iter()
                .filter(|&&h| self.nodes[h].zone == self.nodes[node].zone)
                .count();
            return here < share;
        }
        true
    }

    fn choose(&self, c: usize, master: usize) -> Option<usize> {
        let shard = self.copies[c].shard;
        let zone_count = |zone: &str| {
            self.copies
                .iter()
                .filter(|o| o.shard == shard)
                .filter_map(|o| o.node)
                .filter(|&n| self.nodes[n].zone == zone)
                .count()
        };
        (0..self.nodes.len())
            .filter(|&n| self.reachable_from(master, n) && self.allowed(c, n))
            .min_by_key(|&n| {
                let spread = match self.cluster.awareness {
                    Awareness::None => 0,
                    Awareness::Zone | Awareness::Forced => zone_count(&self.nodes[n].zone),
                };
                (spread, self.nodes[n].copies, n)
            })
    }

    fn compute_health(&self) -> &'static str {
        if self.master.is_none() || self.copies.iter().any(|c| c.primary && c.node.is_none()) {
            "red"
        } else if self.copies.iter().any(|c| c.node.is_none()) {
            "yellow"
        } else {
            "green"
        }
    }

    /// Whether a document indexed now would be acknowledged.
    pub fn writable(&self) -> bool {
        self.master.is_some() && self.health != "red"
    }
}

impl ModelScenario for EsScenario {
    type Model = EsModel;
    const SYSTEM: SystemKind = SystemKind::Elasticsearch;

    fn header(&self) -> &Header {
        &self.header
    }
}

impl SystemModel for EsModel {
    type Scenario = EsScenario;
    type View = EsView;
    type Result = EsResult;
    const TICK_MS: u64 = TICK_MS;

    /// The cluster at time 0: formed (bootstrapped with `cluster.initial_master_nodes`),
    /// every copy allocated.
    fn new(scenario: &EsScenario) -> EsModel {
        let cluster = scenario.cluster.clone();
        let topology = Topology::new(sites_of(&cluster));
        let mut nodes = Vec::new();
        for (zone, specs) in &cluster.zones {
            for spec in specs {
                let voter = spec.roles.contains(&EsRole::Master);
                nodes.push(Node {
                    name: spec.name.clone(),
                    zone: zone.clone(),
                    electable: voter && !spec.roles.contains(&EsRole::VotingOnly),
                    voter,
                    data: spec.roles.contains(&EsRole::Data),
                    up: true,
                    copies: 0,
                    peak: 0,
                });
            }
        }
        let mut copies = Vec::new();
        for shard in 0..cluster.shards as usize {
            for replica in 0..=cluster.replicas {
                copies.push(Copy {
                    shard,
                    primary: replica == 0,
                    node: None,
                    last_node: None,
                    unassigned_since: 0,
                });
            }
        }
        let mut model = EsModel {
            cluster,
            topology,
            nodes,
            voting: BTreeSet::new(),
            master: None,
            master_lost_at: 0,
            copies,
            unreachable_since: Vec::new(),
            master_trouble_since: None,
            waiting: Vec::new(),
            master_up: Availability::new(true),
            health: "green",
            health_timeline: Vec::new(),
            writes: Vec::new(),
            events: Vec::new(),
            now: 0,
        };
        model.unreachable_since = vec![None; model.nodes.len()];
        model.voting = model.odd_voting_set(None);
        model.master = model.electable_master();
        if let Some(master) = model.master {
            let name = model.nodes[master].name.clone();
            push_event(&mut model.events, 0, "master_elected", &name, "");
        }
        model.allocate(true);
        let health = model.compute_health();
        model.health = health;
        model
            .health_timeline
            .push(HealthChange { at_ms: 0, health });
        model
    }

    /// Current simulated time.
    fn now_ms(&self) -> u64 {
        self.now
    }

    /// Applies an action now.
    fn apply(&mut self, action: &SystemAction) {
        let now = self.now;
        self.topology.apply(action);
        match action {
            SystemAction::FailSite { site } => {
                push_event(&mut self.events, now, "zone_failed", site, "")
            }
            SystemAction::RestoreSite { site } => {
                push_event(&mut self.events, now, "zone_restored", site, "")
            }
            SystemAction::Crash { node } | SystemAction::Restart { node } => {
                let up = matches!(action, SystemAction::Restart { .. });
                for n in self.nodes.iter_mut().filter(|n| &n.name == node) {
                    n.up = up;
                }
            }
            SystemAction::Write { value } => {
                // Documents go round-robin over the shards.
                let shard = self.writes.len() % self.cluster.shards as usize;
                self.writes.push(WriteRecord::pending(now, value));
                self.waiting.push((self.writes.len() - 1, shard));
                self.decide_writes();
            }
            _ => {}
        }
    }

    /// Advances to `until_ms`, one tick at a time.
    fn run_until(&mut self, until_ms: u64) {
        while self.now + TICK_MS <= until_ms {
            self.now += TICK_MS;
            self.tick();
        }
    }

    /// Timeline so far.
    fn events(&self) -> &[ModelEvent] {
        &self.events
    }

    /// What a widget draws at the current instant: zones, nodes with their roles and
    /// shard copies, the master, the voting configuration, the health, the writes.
    fn view(&self, _header: &Header) -> EsView {
        let copies_of = |node: Option<usize>| -> Vec<CopyView> {
            self.copies
                .iter()
                .filter(|copy| copy.node == node)
                .map(|copy| CopyView {
                    shard: copy.shard as u32,
                    primary: copy.primary,
                })
                .collect()
        };
        let nodes = (0..self.nodes.len())
            .map(|n| {
                let node = &self.nodes[n];
                EsNodeView {
                    name: node.name.clone(),
                    zone: node.zone.clone(),
                    up: self.alive(n),
                    master_eligible: node.electable,
                    voting_only: node.voter && !node.electable,
                    data: node.data,
                    in_voting_configuration: self.voting.contains(&n),
                    master: self.master == Some(n),
                    copies: copies_of(Some(n)),
                }
            })
            .collect();
        EsView {
            now_ms: self.now,
            sites: self.topology.site_views(),
            links: self.topology.link_views(),
            master: self.master.map(|m| self.nodes[m].name.clone()),
            voting_configuration: self
                .voting
                .iter()
                .map(|&v| self.nodes[v].name.clone())
                .collect(),
            health: self.health,
            awareness: self.cluster.awareness,
            nodes,
            unassigned: copies_of(None),
            tally: WriteTally::of(&self.writes),
            writes: last_writes(&self.writes, 6),
        }
    }

    /// The result so far.
    fn result(&self, header: &Header) -> EsResult {
        let name_of = |n: Option<usize>| n.map(|n| self.nodes[n].name.clone());
        let shards = (0..self.cluster.shards as usize)
            .map(|shard| {
                let copies: Vec<&Copy> = self.copies.iter().filter(|c| c.shard == shard).collect();
                ShardResult {
                    shard: shard as u32,
                    primary: copies
                        .iter()
                        .find(|c| c.primary)
                        .and_then(|c| name_of(c.node)),
                    replicas: copies
                        .iter()
                        .filter(|c| !c.primary)
                        .map(|c| name_of(c.node))
                        .collect(),
                }
            })
            .collect();
        EsResult {
            system: "elasticsearch",
            name: header.name.clone(),
            seed: header.seed,
            until_ms: self.now,
            master: name_of(self.master),
            voting_configuration: self
                .voting
                .iter()
                .map(|&v| self.nodes[v].name.clone())
                .collect(),
            master_outages: self.master_up.outages().to_vec(),
            health: self.health,
            health_timeline: self.health_timeline.clone(),
            shards,
            load: self
                .nodes
                .iter()
                .filter(|n| n.data)
                .map(|n| NodeLoad {
                    node: n.name.clone(),
                    zone: n.zone.clone(),
                    copies: n.copies,
                    peak_copies: n.peak,
                })
                .collect(),
            writes: self.writes.clone(),
            events: self.events.clone(),
        }
    }
}
