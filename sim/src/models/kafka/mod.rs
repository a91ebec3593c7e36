//! Kafka replication over sites: brokers with `broker.rack`, partitions with a replication
//! factor, the ISR, producer `acks`, `min.insync.replicas`, unclean leader election, and
//! the KRaft controller quorum run on the Raft core.
//!
//! Facts (domain-facts.md §5): "a message is considered committed when all replicas in the
//! ISR for that partition have applied it to their log"; followers leave the ISR after
//! `replica.lag.time.max.ms` (30 s); `acks=all` waits for the full ISR and is refused with
//! NotEnoughReplicas when the ISR is smaller than `min.insync.replicas`;
//! `unclean.leader.election.enable` (default false) "may result in data loss"; a partition
//! spans min(#racks, RF) racks; KRaft controllers use Raft and need a majority.
//!
//! What the controller does needs its quorum: fencing a broker it no longer hears
//! (`broker.session.timeout.ms`, 9 s), shrinking or growing an ISR (AlterPartition),
//! electing a leader. Without quorum the metadata is frozen: a partition whose leader died
//! stays offline and an ISR holding a dead follower cannot shrink, so `acks=all` writes
//! wait and time out (unacknowledged, never lost).
//!
//! The producer has Kafka's defaults since 3.0 (`enable.idempotence=true`,
//! `retries=2147483647`, `delivery.timeout.ms=120000`): a retriable refusal
//! (NotLeaderOrFollower during a leader change, NotEnoughReplicas while the ISR is too
//! small) or an unanswered request is retried every `retry.backoff.ms` (100 ms) until the
//! delivery timeout, so a leader change delays messages instead of failing them; the
//! idempotent producer never duplicates them. `"retries": 0` gives the old behaviour
//! (refused at once, `acks=all` timing out after `request.timeout.ms`).
//!
//! The result lists every acknowledged message that was lost, so unsafe settings show up
//! as lost data.
//!
//! Layout: `schema` (the scenario's `cluster` section, parsed and checked), `view` (the
//! result of a headless run and what a widget draws), this file (the model and its
//! [`SystemModel`] implementation).
//! This file is the model itself, over 800 lines for a reason: one tick moves brokers,
//! partitions, the controller quorum and the producer together, and splitting them would
//! spread one step of the loop over several files.

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
use crate::scenario::{LatencySpec, ScenarioError};
use crate::schema::Document;
use crate::simulation::Simulation;

/// The model advances in steps of 10 ms, finer than the one-way latency between sites, so
/// that a message acknowledged by a leader just before its site dies is not yet on the
/// followers, as in reality.
pub const TICK_MS: u64 = 10;

mod schema;
mod view;

pub use schema::*;
pub use view::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    write: u32,
    appended_at: u64,
}

#[derive(Clone, Debug)]
struct Broker {
    name: String,
    site: String,
    up: bool,
    fenced: bool,
    last_heard: u64,
}

#[derive(Clone, Debug)]
struct Partition {
    /// Broker indices; position 0 is the preferred leader.
    replicas: Vec<usize>,
    logs: Vec<Vec<Entry>>,
    /// Position in `replicas`.
    leader: Option<usize>,
    epoch: u32,
    isr: BTreeSet<usize>,
    last_caught_up: Vec<u64>,
    offline_reported: bool,
}

/// A Kafka cluster under simulation, advanced tick by tick.
#[derive(Clone, Debug)]
pub struct KafkaModel {
    cluster: KafkaCluster,
    topology: Topology,
    controllers: Simulation,
    brokers: Vec<Broker>,
    partitions: Vec<Partition>,
    writes: Vec<WriteRecord>,
    /// Partition and offset of each write appended by a leader.
    placed: Vec<Option<(usize, usize)>>,
    /// `acks=all` writes waiting for the high watermark, in order.
    pending: Vec<usize>,
    /// Writes refused with a retriable error, retried by the producer: (write, next try).
    retrying: Vec<(usize, u64)>,
    controller_up: Availability,
    writable: Availability,
    events: Vec<ModelEvent>,
    now: u64,
}

impl KafkaModel {
    fn alive(&self, broker: usize) -> bool {
        let broker = &self.brokers[broker];
        broker.up && self.topology.site_up(&broker.site)
    }

    fn latency(&self, a: usize, b: usize) -> u64 {
        if self.brokers[a].site == self.brokers[b].site {
            self.cluster.latency_ms.intra
        } else {
            self.cluster.latency_ms.inter
        }
    }

    fn produce(&mut self, value: &str) {
        self.writes.push(WriteRecord::pending(self.now, value));
        self.placed.push(None);
        let write = self.writes.len() - 1;
        self.send(write);
    }

    /// One attempt of the producer to send write `w` to its partition's leader.
    fn send(&mut self, w: usize) {
        let now = self.now;
        let mut record = self.writes[w].clone();
        record.reason = None;
        let partition_index = w % self.partitions.len();
        let write = w as u32;
        let acks = self.cluster.acks;
        let min_insync = self.cluster.min_insync_replicas as usize;
        let leader = self.partitions[partition_index].leader;
        let leader_alive =
            leader.is_some_and(|l| self.alive(self.partitions[partition_index].replicas[l]));
        let partition = &mut self.partitions[partition_index];
        let mut placed = None;
        match leader {
            Some(l) if leader_alive => {
                if acks == Acks::All && partition.isr.len() < min_insync {
                    // domain-facts.md §5: min.insync.replicas unmet → NotEnoughReplicas.
                    record.decide(now, WriteOutcome::Refused, Some("NotEnoughReplicas"));
                } else {
                    partition.logs[l].push(Entry {
                        write,
                        appended_at: now,
                    });
                    placed = Some((partition_index, partition.logs[l].len() - 1));
                    match acks {
                        Acks::Zero => record.decide(now, WriteOutcome::Unconfirmed, None),
                        Acks::One => record.decide(now, WriteOutcome::Acknowledged, None),
                        Acks::All => self.pending.push(w),
                    }
                }
            }
            _ => record.decide(now, WriteOutcome::Refused, Some("NotLeaderOrFollower")),
        }
        if record.outcome == WriteOutcome::Refused && self.cluster.retries > 0 && acks != Acks::Zero
        {
            // Both refusals are retriable: the producer tries again until the delivery
            // timeout (its record stays unanswered meanwhile).
            let mut waiting = self.writes[w].clone();
            waiting.reason = record.reason.clone();
            self.writes[w] = waiting;
            self.retrying.push((w, now + RETRY_BACKOFF_MS));
        } else {
            self.writes[w] = record;
        }
        if placed.is_some() {
            self.placed[w] = placed;
        }
    }

    /// The producer's retries: every backoff, each refused write is sent again, until
    /// `delivery.timeout.ms` after it was first sent.
    fn retry(&mut self) {
        let now = self.now;
        let due: Vec<(usize, u64)> = std::mem::take(&mut self.retrying);
        for (w, next) in due {
            if now >= self.writes[w].at_ms + self.cluster.delivery_timeout_ms {
                let reason = "timeout";
                self.writes[w].decide(now, WriteOutcome::Refused, Some(reason));
            } else if now >= next {
                self.send(w);
            } else {
                self.retrying.push((w, next));
            }
        }
    }

    fn tick(&mut self) {
        let now = self.now;
        let quorum = self.controllers.writable();
        if self.controller_up.observe(now, quorum) {
            let kind = if quorum {
                "controller_up"
            } else {
                "controller_down"
            };
            push_event(&mut self.events, now, kind, "", "");
        }
        let controller_site = if quorum {
            super::leader_site(&self.controllers)
        } else {
            None
        };
        self.watch_brokers(controller_site.as_deref());
        for p in 0..self.partitions.len() {
            self.replicate(p);
            if let Some(site) = controller_site.as_deref() {
                self.alter_isr(p, site);
                self.elect(p);
            }
        }
        self.retry();
        self.acknowledge();
        let writable = self.writable_now();
        self.writable.observe(now, writable);
    }

    /// The active controller fences brokers it has not heard for the session timeout
    /// (and unfences those it hears again). Without quorum nothing changes, and a new
    /// active controller starts its session clocks afresh.
    fn watch_brokers(&mut self, controller_site: Option<&str>) {
        let now = self.now;
        for b in 0..self.brokers.len() {
            let alive = self.alive(b);
            let broker = &mut self.brokers[b];
            let Some(site) = controller_site else {
                broker.last_heard = now;
                continue;
            };
            if alive && self.topology.linked(&broker.site, site) {
                broker.last_heard = now;
                if broker.fenced {
                    broker.fenced = false;
                    push_event(&mut self.events, now, "broker_unfenced", &broker.name, "");
                }
            } else if !broker.fenced
                && now >= broker.last_heard + self.cluster.broker_session_timeout_ms
            {
                broker.fenced = true;
                push_event(&mut self.events, now, "broker_fenced", &broker.name, "");
                // KRaft removes a fenced broker from every ISR, except the last member.
                for partition in &mut self.partitions {
                    if let Some(position) = partition.replicas.iter().position(|&r| r == b) {
                        if partition.isr.len() > 1 && partition.isr.remove(&position) {
                            let isr = isr_names(partition, &self.brokers);
                            push_event(
                                &mut self.events,
                                now,
                                "isr_shrink",
                                &self.brokers[b].name,
                                isr,
                            );
                        }
                    }
                }
            }
        }
    }

    /// Followers fetch from the leader: they first truncate what the leader does not
    /// have (an old leader's tail), then copy what the leader appended at least one
    /// latency ago.
    fn replicate(&mut self, p: usize) {
        let now = self.now;
        let Some(l) = self.partitions[p].leader else {
            return;
        };
        let leader_broker = self.partitions[p].replicas[l];
        if !self.alive(leader_broker) {
            return;
        }
        for f in 0..self.partitions[p].replicas.len() {
            let follower_broker = self.partitions[p].replicas[f];
            if f == l
                || !self.alive(follower_broker)
                || !self.topology.linked(
                    &self.brokers[leader_broker].site,
                    &self.brokers[follower_broker].site,
                )
            {
                continue;
            }
            let latency = self.latency(leader_broker, follower_broker);
            let partition = &mut self.partitions[p];
            let (leader_log, follower_log) = if l < f {
                let (left, right) = partition.logs.split_at_mut(f);
                (&left[l], &mut right[0])
            } else {
                let (left, right) = partition.logs.split_at_mut(l);
                (&right[0], &mut left[f])
            };
            let common = leader_log
                .iter()
                .zip(follower_log.iter())
                .take_while(|(a, b)| a == b)
                .count();
            if follower_log.len() > common {
                let dropped = follower_log.len() - common;
                follower_log.truncate(common);
                push_event(
                    &mut self.events,
                    now,
                    "truncated",
                    &self.brokers[follower_broker].name,
                    format!("partition {p}: {dropped} message(s) dropped"),
                );
            }
            for entry in &leader_log[common..] {
                if entry.appended_at + latency > now {
                    break;
                }
                follower_log.push(*entry);
            }
            if follower_log.len() == leader_log.len() {
                partition.last_caught_up[f] = now;
            }
        }
        let partition = &mut self.partitions[p];
        partition.last_caught_up[l] = now;
    }

    /// The leader asks the controller to drop followers lagging for longer than
    /// `replica.lag.time.max.ms` and to re-add caught-up ones (AlterPartition).
    fn alter_isr(&mut self, p: usize, controller_site: &str) {
        let now = self.now;
        let Some(l) = self.partitions[p].leader else {
            return;
        };
        let leader_broker = self.partitions[p].replicas[l];
        if !self.alive(leader_broker)
            || !self
                .topology
                .linked(&self.brokers[leader_broker].site, controller_site)
        {
            return;
        }
        let lag_max = self.cluster.replica_lag_time_max_ms;
        let leader_end = self.partitions[p].logs[l].len();
        for f in 0..self.partitions[p].replicas.len() {
            let broker = self.partitions[p].replicas[f];
            let partition = &mut self.partitions[p];
            if f == l {
                continue;
            }
            if partition.isr.contains(&f) && now > partition.last_caught_up[f] + lag_max {
                partition.isr.remove(&f);
                let isr = isr_names(partition, &self.brokers);
                push_event(
                    &mut self.events,
                    now,
                    "isr_shrink",
                    &self.brokers[broker].name,
                    isr,
                );
            } else if !partition.isr.contains(&f)
                && partition.logs[f].len() == leader_end
                && partition.last_caught_up[f] == now
                && !self.brokers[broker].fenced
            {
                partition.isr.insert(f);
                let isr = isr_names(partition, &self.brokers);
                push_event(
                    &mut self.events,
                    now,
                    "isr_expand",
                    &self.brokers[broker].name,
                    isr,
                );
            }
        }
    }

    /// The controller elects a leader when there is none or when it is fenced: the first
    /// live, unfenced ISR member; failing that, with unclean election, any live replica.
    fn elect(&mut self, p: usize) {
        let now = self.now;
        let needs = match self.partitions[p].leader {
            None => true,
            Some(l) => self.brokers[self.partitions[p].replicas[l]].fenced,
        };
        if !needs {
            return;
        }
        let eligible = |model: &KafkaModel, position: usize| {
            let broker = model.partitions[p].replicas[position];
            model.alive(broker) && !model.brokers[broker].fenced
        };
        let replicas = self.partitions[p].replicas.len();
        let clean =
            (0..replicas).find(|&r| self.partitions[p].isr.contains(&r) && eligible(self, r));
        let unclean = if clean.is_none() && self.cluster.unclean_leader_election {
            (0..replicas).find(|&r| eligible(self, r))
        } else {
            None
        };
        let partition = &mut self.partitions[p];
        match (clean, unclean) {
            (Some(r), _) => {
                partition.leader = Some(r);
                partition.epoch += 1;
                partition.offline_reported = false;
                let name = self.brokers[partition.replicas[r]].name.clone();
                push_event(
                    &mut self.events,
                    now,
                    "leader_elected",
                    &name,
                    format!("partition {p}"),
                );
            }
            (None, Some(r)) => {
                // domain-facts.md §5: unclean.leader.election.enable "may result in data
                // loss": the new leader's log becomes the truth.
                partition.leader = Some(r);
                partition.epoch += 1;
                partition.isr = BTreeSet::from([r]);
                partition.offline_reported = false;
                let name = self.brokers[partition.replicas[r]].name.clone();
                push_event(
                    &mut self.events,
                    now,
                    "unclean_election",
                    &name,
                    format!("partition {p}"),
                );
            }
            (None, None) => {
                if partition.leader.is_some() || !partition.offline_reported {
                    partition.leader = None;
                    partition.offline_reported = true;
                    push_event(
                        &mut self.events,
                        now,
                        "partition_offline",
                        &format!("{p}"),
                        "",
                    );
                }
            }
        }
    }

    /// `acks=all` writes are acknowledged once every ISR member has them (the high
    /// watermark passes them), or time out.
    fn acknowledge(&mut self) {
        let now = self.now;
        let watermarks: Vec<usize> = self.partitions.iter().map(high_watermark).collect();
        let min_insync = self.cluster.min_insync_replicas as usize;
        let mut still_pending = Vec::new();
        for &w in &self.pending {
            let Some((p, offset)) = self.placed[w] else {
                continue;
            };
            let partition = &self.partitions[p];
            let still_there = partition.leader.is_some_and(|l| {
                partition.logs[l]
                    .get(offset)
                    .is_some_and(|e| e.write == w as u32)
            });
            if still_there && watermarks[p] > offset {
                if partition.isr.len() >= min_insync {
                    self.writes[w].decide(now, WriteOutcome::Acknowledged, None);
                } else {
                    self.writes[w].decide(
                        now,
                        WriteOutcome::Refused,
                        Some("NotEnoughReplicasAfterAppend"),
                    );
                }
            } else if !still_there
                && self.cluster.retries > 0
                && now >= self.writes[w].at_ms + self.cluster.request_timeout_ms
                && now < self.writes[w].at_ms + self.cluster.delivery_timeout_ms
            {
                // The leader it was appended to is gone (or truncated it): no answer within
                // request.timeout.ms, so the idempotent producer sends it again.
                self.placed[w] = None;
                self.retrying.push((w, now));
            } else if self.cluster.retries == 0
                && now >= self.writes[w].at_ms + self.cluster.request_timeout_ms
            {
                self.writes[w].decide(now, WriteOutcome::Refused, Some("timeout"));
            } else if now >= self.writes[w].at_ms + self.cluster.delivery_timeout_ms {
                // Resent (idempotently) until the delivery timeout: appended on a leader
                // but never acknowledged, the producer cannot tell whether it will stay.
                self.writes[w].decide(now, WriteOutcome::Unconfirmed, Some("timeout"));
            } else {
                still_pending.push(w);
            }
        }
        self.pending = still_pending;
    }

    /// Whether a write sent now to every partition would be acknowledged soon.
    fn writable_now(&self) -> bool {
        self.partitions.iter().all(|partition| {
            let Some(l) = partition.leader else {
                return false;
            };
            let leader = partition.replicas[l];
            if !self.alive(leader) {
                return false;
            }
            match self.cluster.acks {
                Acks::All => {
                    partition.isr.len() >= self.cluster.min_insync_replicas as usize
                        && partition.isr.iter().all(|&r| {
                            let broker = partition.replicas[r];
                            self.alive(broker)
                                && self
                                    .topology
                                    .linked(&self.brokers[broker].site, &self.brokers[leader].site)
                        })
                }
                _ => true,
            }
        })
    }

    /// Acknowledged messages held by exactly one replica now: one disk away from loss
    /// (for the producer-settings table).
    pub fn acknowledged_on_one_replica(&self) -> u64 {
        let mut count = 0;
        for (w, record) in self.writes.iter().enumerate() {
            if record.outcome != WriteOutcome::Acknowledged {
                continue;
            }
            let Some((p, _)) = self.placed[w] else {
                continue;
            };
            let copies = self.partitions[p]
                .logs
                .iter()
                .filter(|log| log.iter().any(|e| e.write == w as u32))
                .count();
            if copies == 1 {
                count += 1;
            }
        }
        count
    }

    /// Write availability (for the matrix).
    pub fn write_availability(&self) -> &Availability {
        &self.writable
    }
}

impl ModelScenario for KafkaScenario {
    type Model = KafkaModel;
    const SYSTEM: SystemKind = SystemKind::Kafka;

    fn header(&self) -> &Header {
        &self.header
    }
}

impl SystemModel for KafkaModel {
    type Scenario = KafkaScenario;
    type View = KafkaView;
    type Result = KafkaResult;
    const TICK_MS: u64 = TICK_MS;

    /// Builds the cluster at time 0: every replica in sync, preferred leaders.
    fn new(scenario: &KafkaScenario) -> KafkaModel {
        let cluster = scenario.cluster.clone();
        let topology = Topology::new(sites_of(&cluster));
        let controllers = super::raft_group(
            &scenario.header.name,
            scenario.header.seed,
            cluster.controller_sites(),
            cluster.latency_ms,
            (cluster.heartbeat_ms, cluster.election_ms),
            scenario.header.until_ms,
        );
        let mut brokers = Vec::new();
        for (site, names) in &cluster.brokers {
            for name in names {
                brokers.push(Broker {
                    name: name.clone(),
                    site: site.clone(),
                    up: true,
                    fenced: false,
                    last_heard: 0,
                });
            }
        }
        // Rack-aware assignment: brokers interleaved by rack (A1, B1, C1, A2…), each
        // partition taking RF consecutive ones, so a partition spans min(#racks, RF) racks.
        let mut by_site: Vec<Vec<usize>> = Vec::new();
        for site in cluster.brokers.keys() {
            by_site.push(
                (0..brokers.len())
                    .filter(|&b| &brokers[b].site == site)
                    .collect(),
            );
        }
        let mut interleaved = Vec::new();
        let deepest = by_site.iter().map(Vec::len).max().unwrap_or(0);
        for depth in 0..deepest {
            for site in &by_site {
                if let Some(&b) = site.get(depth) {
                    interleaved.push(b);
                }
            }
        }
        let rf = cluster.replication_factor as usize;
        let partitions = (0..cluster.partitions as usize)
            .map(|p| {
                let replicas: Vec<usize> = (0..rf)
                    .map(|k| interleaved[(p + k) % interleaved.len()])
                    .collect();
                Partition {
                    logs: vec![Vec::new(); replicas.len()],
                    isr: (0..replicas.len()).collect(),
                    last_caught_up: vec![0; replicas.len()],
                    replicas,
                    leader: Some(0),
                    epoch: 0,
                    offline_reported: false,
                }
            })
            .collect();
        KafkaModel {
            cluster,
            topology,
            controllers,
            brokers,
            partitions,
            writes: Vec::new(),
            placed: Vec::new(),
            pending: Vec::new(),
            retrying: Vec::new(),
            // The quorum elects its first leader within a couple of seconds.
            controller_up: Availability::new(false),
            writable: Availability::new(true),
            events: Vec::new(),
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
            super::mirror_on_raft(&mut self.controllers, &self.topology, action);
        }
        match action {
            SystemAction::FailSite { site } => {
                push_event(&mut self.events, now, "site_failed", site, "")
            }
            SystemAction::RestoreSite { site } => {
                push_event(&mut self.events, now, "site_restored", site, "")
            }
            SystemAction::Crash { node } | SystemAction::Restart { node } => {
                super::mirror_on_raft(&mut self.controllers, &self.topology, action);
                let up = matches!(action, SystemAction::Restart { .. });
                for broker in self.brokers.iter_mut().filter(|b| &b.name == node) {
                    broker.up = up;
                }
            }
            SystemAction::Write { value } => self.produce(value),
            _ => {}
        }
    }

    /// Advances to `until_ms`, one tick at a time.
    fn run_until(&mut self, until_ms: u64) {
        while self.now + TICK_MS <= until_ms {
            let now = self.now + TICK_MS;
            self.controllers.run_until(now);
            self.now = now;
            self.tick();
        }
    }

    /// Timeline so far.
    fn events(&self) -> &[ModelEvent] {
        &self.events
    }

    /// What a widget draws at the current instant: sites, brokers, the KRaft quorum,
    /// partitions with leader and ISR, the producer's settings and every acknowledged
    /// message lost.
    fn view(&self, header: &Header) -> KafkaView {
        let result = self.result(header);
        let brokers = (0..self.brokers.len())
            .map(|b| BrokerView {
                name: self.brokers[b].name.clone(),
                site: self.brokers[b].site.clone(),
                up: self.alive(b),
                fenced: self.brokers[b].fenced,
            })
            .collect();
        let controllers = self
            .controllers
            .nodes()
            .into_iter()
            .map(|node| ControllerView {
                name: node.id,
                site: node.site,
                role: node.role.as_str(),
            })
            .collect();
        KafkaView {
            now_ms: self.now,
            sites: self.topology.site_views(),
            links: self.topology.link_views(),
            acks: match self.cluster.acks {
                Acks::Zero => "0",
                Acks::One => "1",
                Acks::All => "all",
            },
            min_insync_replicas: self.cluster.min_insync_replicas,
            unclean_leader_election: self.cluster.unclean_leader_election,
            controller_up: self.controller_up.is_up(),
            writable: self.writable.is_up(),
            brokers,
            controllers,
            combined: self.cluster.controllers.is_none(),
            partitions: result.partitions,
            tally: WriteTally::of(&result.writes),
            writes: last_writes(&result.writes, 6),
            lost: result.lost,
        }
    }

    /// The result so far: an acknowledged message is lost when the current leader's log
    /// does not hold it (or, with no leader, when no replica does).
    fn result(&self, header: &Header) -> KafkaResult {
        let mut writes = self.writes.clone();
        let mut lost = Vec::new();
        for (w, record) in writes.iter_mut().enumerate() {
            let Some((p, offset)) = self.placed[w] else {
                continue;
            };
            let partition = &self.partitions[p];
            let holds = |log: &Vec<Entry>| log.iter().any(|e| e.write == w as u32);
            let present = match partition.leader {
                Some(l) => holds(&partition.logs[l]),
                None => partition.logs.iter().any(holds),
            };
            if present {
                continue;
            }
            match record.outcome {
                WriteOutcome::Acknowledged => {
                    record.lost = true;
                    lost.push(LostMessage {
                        value: record.value.clone(),
                        partition: p as u32,
                        offset: offset as u64,
                        acknowledged_at_ms: record.decided_at_ms.unwrap_or(record.at_ms),
                    });
                }
                WriteOutcome::Unconfirmed => record.lost = true,
                _ => {}
            }
        }
        let partitions = self
            .partitions
            .iter()
            .enumerate()
            .map(|(p, partition)| PartitionResult {
                partition: p as u32,
                replicas: partition
                    .replicas
                    .iter()
                    .map(|&b| self.brokers[b].name.clone())
                    .collect(),
                leader: partition
                    .leader
                    .map(|l| self.brokers[partition.replicas[l]].name.clone()),
                leader_epoch: partition.epoch,
                isr: partition
                    .isr
                    .iter()
                    .map(|&r| self.brokers[partition.replicas[r]].name.clone())
                    .collect(),
                log_end_offsets: partition.logs.iter().map(|log| log.len() as u64).collect(),
                high_watermark: high_watermark(partition) as u64,
            })
            .collect();
        KafkaResult {
            system: "kafka",
            name: header.name.clone(),
            seed: header.seed,
            until_ms: self.now,
            controller_outages: self.controller_up.outages().to_vec(),
            write_outages: self.writable.outages().to_vec(),
            partitions,
            writes,
            lost,
            events: self.events.clone(),
            violations: self.controllers.violations(),
        }
    }
}

fn high_watermark(partition: &Partition) -> usize {
    let Some(l) = partition.leader else {
        return 0;
    };
    let leader_end = partition.logs[l].len();
    partition
        .isr
        .iter()
        .map(|&r| {
            // Only the prefix shared with the leader counts.
            partition.logs[r]
                .iter()
                .zip(&partition.logs[l])
                .take_while(|(a, b)| a == b)
                .count()
        })
        .min()
        .unwrap_or(0)
        .min(leader_end)
}

fn isr_names(partition: &Partition, brokers: &[Broker]) -> String {
    partition
        .isr
        .iter()
        .map(|&r| brokers[partition.replicas[r]].name.as_str())
        .collect::<Vec<_>>()
        .join(",")
}
