//! The discrete-event simulation: nodes, network, clients and the event queue.
//!
//! Events are ordered by (time, sequence number), so two events at the same millisecond
//! run in the order they were scheduled; with the single seeded [`Rng`] this makes a run
//! a pure function of the scenario and of the actions applied. Every change is checked
//! by the incremental invariant [`Checker`] and, when tracing is on, recorded as a
//! [`TraceEvent`].
//!
//! This file holds the state, the event queue and the members' clocks; the rest of the
//! `impl Simulation` is split by concern: `links` (peer connections, sending and
//! delivering), `notes` (acting on what a member's Raft reports), `clients` (serving,
//! waiting writes, outcomes), `actions` (scenario steps and clicks, member changes),
//! `views` (what callers read: views, trace, violations, the result) and `tests`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use crate::ids::{ClusterId, LogIndex, NodeId, Term};
use crate::invariants::{self, fingerprint, Checker, Violation};
use crate::log::EntryData;
use crate::membership::{ConfChange, Membership};
use crate::message::{Body, Message};
use crate::network::{End, Group, Network};
use crate::raft::{Ctx, DropReason, Note, Raft, RaftConfig, RaftRole};
use crate::result::{
    CommitRecord, LeaderRecord, NodeResult, Outcome, ProposalRecord, SimResult, SkippedRecord,
};
use crate::rng::Rng;
use crate::scenario::{Action, NodeSelector, Scenario, Step};
use crate::trace::{DropCause, TraceEvent, TraceKind};
use crate::view::{EntryView, MessageView, NodeView, Role};

/// etcd's `adjustTicks` polls the peer connections this often after start…
const TICK_ADVANCE_POLL_MS: u64 = 50;
/// … for at most this many polls (`rafthttp.ConnReadTimeout`, 5 s).
const TICK_ADVANCE_POLLS: u32 = 100;
/// etcd's `HealthInterval`: a reconfiguration needs peers connected for this long.
const HEALTH_INTERVAL_MS: u64 = 5000;
/// How long after etcd's request timeout a client gives up on a request nobody answers
/// (raftdeck's real-etcd runner waits as long: `realetcd::runner`).
pub const CLIENT_GRACE_MS: u64 = 3000;

/// What the queue holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EventKind {
    /// A message arrives (id in `in_flight`).
    Deliver(u64),
    /// A node's next tick that does something, valid only for that incarnation.
    Tick(NodeId, u32),
    /// etcd's `adjustTicks` polling the peer connections after the node's start: the
    /// node, its incarnation, the poll number (1, 2…).
    TickAdvance(NodeId, u32, u32),
    /// A scenario step and its repetition number (0 first, see `every_ms`).
    Step(u32, u32),
    /// A client gives up on a proposal.
    ProposalTimeout(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Queued {
    at_ms: u64,
    seq: u64,
    kind: EventKind,
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse for earliest (time, seq) first.
        (other.at_ms, other.seq).cmp(&(self.at_ms, self.seq))
    }
}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Clone, Debug)]
struct InFlight {
    message: Message,
    sent_at_ms: u64,
    deliver_at_ms: u64,
    lost: bool,
    /// Recipient's incarnation at send time: a crash in between loses the message.
    incarnation: u32,
    /// Whether the network let it leave: a message sent across a cut is lost even if the
    /// cut heals before it would have arrived (etcd's connection was refused).
    reachable_at_send: bool,
    /// Since when the pair's peer connection was up at send time: a connection that went
    /// down in between (a cut, a crash) took the message with it.
    link_since_at_send: Option<u64>,
}

#[derive(Clone, Debug)]
struct SimNode {
    name: String,
    site: u32,
    up: bool,
    removed: bool,
    /// Bumped by each crash/restart, invalidating timers and messages in flight to it.
    incarnation: u32,
    raft: Raft,
    /// Earliest pending tick event (see `reschedule`).
    scheduled: Option<u64>,
    /// etcd's "started" member (`IsStarted`: it has published its name): the members of
    /// the initial cluster are, a member added later is once it has heard its leader.
    published: bool,
    /// A member added but not started yet: how it joins when it starts.
    join: Option<JoinPlan>,
    /// The incarnation that serves clients. etcd answers no client request until its
    /// own publish (`ClusterMemberAttrSetRequest`) has committed: embed's `serve` waits
    /// on `ReadyNotify` before it serves an accepted connection. Each (re)start
    /// publishes again, so a restarted member does not serve until then either.
    serving: Option<u32>,
}

/// How a member added by `member_add` starts: the operator starts its process once the
/// cluster has accepted it (unless the step says `"start": false`; `restart` then starts
/// it), on a wiped data directory when the name was a member before.
#[derive(Clone, Debug)]
struct JoinPlan {
    /// Start as soon as the leader applies the addition.
    when_added: bool,
    /// Wipe the data directory first: (cluster, its base membership, base index).
    wipe: Option<(ClusterId, Membership, LogIndex)>,
}

/// A backup saved by `snapshot` (`etcdctl snapshot save`): the key-value state, not
/// the Raft log.
#[derive(Clone, Debug)]
struct SavedSnapshot {
    /// The cluster it was saved from.
    cluster: ClusterId,
    /// That member's commit index when saved.
    index: LogIndex,
    /// The client values of the state, (proposal, value) in commit order.
    values: Arc<[(u64, Arc<str>)]>,
}

/// Membership a cluster starts from: a node joining replicates the log from index 1 and
/// applies the changes after `base_index` on top of `base_members`.
#[derive(Clone, Debug)]
struct ClusterInfo {
    base_members: Membership,
    base_index: LogIndex,
}

#[derive(Clone, Debug)]
struct ProposalState {
    at_ms: u64,
    value: Arc<str>,
    node: Option<NodeId>,
    outcome: Outcome,
    reason: Option<&'static str>,
    /// Where a leader appended it (where it committed, once acknowledged).
    position: Option<(ClusterId, LogIndex, Term)>,
    decided_at_ms: Option<u64>,
    commit_recorded: bool,
    /// When an acknowledged write was lost by a restore from an older snapshot.
    lost_at_ms: Option<u64>,
}

/// An etcd cluster under simulation. Cheap to clone (checkpoints for seeking).
#[derive(Clone, Debug)]
pub struct Simulation {
    name: String,
    seed: u64,
    config: RaftConfig,
    /// etcd's request timeout: 5 s + 2 × election timeout.
    request_timeout_ms: u64,
    /// etcd's `HealthInterval` for the strict reconfiguration checks (5 s).
    health_interval_ms: u64,
    now: u64,
    seq: u64,
    queue: BinaryHeap<Queued>,
    rng: Rng,
    nodes: Vec<SimNode>,
    names: BTreeMap<String, NodeId>,
    sites: Vec<String>,
    network: Network,
    in_flight: BTreeMap<u64, InFlight>,
    next_message: u64,
    steps: Arc<[Step]>,
    end_ms: u64,
    clusters: BTreeMap<ClusterId, ClusterInfo>,
    snapshots: BTreeMap<NodeId, SavedSnapshot>,
    /// Pairs of nodes (smaller id first) up and connected both ways, and since when: the
    /// peer connections etcd's `ActiveSince` reports (used by the initial tick advance
    /// and the strict reconfiguration checks).
    links_since: BTreeMap<(NodeId, NodeId), u64>,
    proposals: Vec<ProposalState>,
    /// Client proposals waiting at a member that knows no leader, in arrival order: etcd's
    /// raft node reads no proposal while it has no leader, so the request waits (until a
    /// leader is known, or the client's timeout).
    waiting: BTreeMap<NodeId, Vec<u64>>,
    /// Client requests accepted by a member that does not serve yet (see
    /// `SimNode::serving`), in arrival order: nobody answers them before it does.
    unserved: BTreeMap<NodeId, Vec<u64>>,
    /// Members whose addition the leader just applied, to start after the current event.
    to_start: Vec<NodeId>,
    leaders: Vec<LeaderRecord>,
    commits: Vec<CommitRecord>,
    skipped: Vec<SkippedRecord>,
    trace: Vec<TraceEvent>,
    tracing: bool,
    events: u64,
    /// Messages handed to their destination (not dropped): the benchmark's unit of work.
    delivered: u64,
    checker: Checker,
    scratch_out: Vec<Message>,
    scratch_notes: Vec<Note>,
}

/// Sort key putting `n2` before `n10`.
fn natural_key(name: &str) -> (String, u64, String) {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (prefix, number) = name.split_at(name.len() - digits);
    let number = number.parse::<u64>().unwrap_or(0);
    (prefix.to_string(), number, name.to_string())
}

impl Simulation {
    /// Builds the cluster of `scenario` at time 0 with its steps queued.
    pub fn new(scenario: &Scenario) -> Simulation {
        let cluster = &scenario.cluster;
        let config = RaftConfig {
            heartbeat_ms: cluster.heartbeat_ms.max(1),
            election_ms: cluster.election_ms.max(cluster.heartbeat_ms).max(1),
            pre_vote: cluster.pre_vote,
            check_quorum: cluster.check_quorum,
        };
        let sites: Vec<String> = cluster.sites.keys().cloned().collect();
        let mut initial = scenario.initial_nodes();
        initial.sort_by_key(|(name, _)| natural_key(name));
        let mut rng = Rng::new(scenario.seed);
        let members = Membership::of_voters((0..initial.len() as u32).map(NodeId));
        let cluster_id = ClusterId(1);
        let mut nodes = Vec::new();
        let mut names = BTreeMap::new();
        for (position, (name, site)) in initial.iter().enumerate() {
            let id = NodeId(position as u32);
            let site_index = sites.iter().position(|s| s == site).unwrap_or(0) as u32;
            let mut raft = Raft::new(id, config, cluster_id, members.clone(), 0, &mut rng);
            // etcd bootstraps every member of a new cluster as a follower at term 1 (the
            // initial membership entries are of term 1), so the first leader is of term 2.
            // Those entries are left out of the drawn logs: they are the same everywhere.
            raft.term = Term(1);
            let up = !cluster.down.contains(name);
            if !up {
                raft.crash();
            }
            names.insert(name.clone(), id);
            nodes.push(SimNode {
                name: name.clone(),
                site: site_index,
                up,
                removed: false,
                incarnation: 0,
                raft,
                scheduled: None,
                published: true,
                join: None,
                serving: None,
            });
        }
        let mut clusters = BTreeMap::new();
        clusters.insert(
            cluster_id,
            ClusterInfo {
                base_members: members,
                base_index: LogIndex(0),
            },
        );
        let latency = cluster.latency_ms;
        let mut simulation = Simulation {
            name: scenario.name.clone(),
            seed: scenario.seed,
            config,
            request_timeout_ms: 5000 + 2 * config.election_ms,
            health_interval_ms: HEALTH_INTERVAL_MS,
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            rng,
            nodes,
            names,
            sites,
            network: Network::new(latency.intra, latency.inter, latency.jitter),
            in_flight: BTreeMap::new(),
            next_message: 0,
            steps: scenario.steps.clone().into(),
            end_ms: scenario.end_ms(),
            clusters,
            snapshots: BTreeMap::new(),
            links_since: BTreeMap::new(),
            proposals: Vec::new(),
            waiting: BTreeMap::new(),
            unserved: BTreeMap::new(),
            to_start: Vec::new(),
            leaders: Vec::new(),
            commits: Vec::new(),
            skipped: Vec::new(),
            trace: Vec::new(),
            tracing: true,
            events: 0,
            delivered: 0,
            checker: Checker::default(),
            scratch_out: Vec::new(),
            scratch_notes: Vec::new(),
        };
        for position in 0..simulation.steps.len() {
            let at = simulation.steps[position].at_ms;
            simulation.push(at, EventKind::Step(position as u32, 0));
        }
        simulation.refresh_links();
        for id in 0..simulation.nodes.len() as u32 {
            if simulation.nodes[id as usize].up {
                simulation.begin_tick_advance(NodeId(id), None);
            }
            simulation.reschedule(NodeId(id));
        }
        simulation
    }

    /// Sets the reconfiguration health interval (etcd's fixed 5 s), for runs whose
    /// timings are all shrunk by the same factor (the soak).
    pub fn set_health_interval_ms(&mut self, ms: u64) {
        self.health_interval_ms = ms;
    }

    /// Turns trace recording on or off (on by default; `run_scenario` turns it off).
    pub fn set_tracing(&mut self, on: bool) {
        self.tracing = on;
        if !on {
            self.trace.clear();
        }
    }

    /// Current simulated time.
    pub fn now_ms(&self) -> u64 {
        self.now
    }

    /// The end of the scenario (`until_ms`).
    pub fn end_ms(&self) -> u64 {
        self.end_ms
    }

    /// Number of events processed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Name of a node.
    pub fn node_name(&self, id: NodeId) -> &str {
        self.nodes
            .get(id.index())
            .map_or("?", |node| node.name.as_str())
    }

    /// Id of a node by name.
    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.names.get(name).copied()
    }

    /// Site names, sorted.
    pub fn sites(&self) -> &[String] {
        &self.sites
    }

    /// Whether no partition separates two sites (for `[data-link]`).
    pub fn sites_connected(&self, a: &str, b: &str) -> bool {
        let index = |name: &str| self.sites.iter().position(|s| s == name).map(|i| i as u32);
        match (index(a), index(b)) {
            (Some(a), Some(b)) => self.network.sites_connected(a, b),
            _ => false,
        }
    }

    fn push(&mut self, at_ms: u64, kind: EventKind) {
        self.seq += 1;
        self.queue.push(Queued {
            at_ms,
            seq: self.seq,
            kind,
        });
    }

    fn record(&mut self, kind: TraceKind) {
        if self.tracing {
            self.trace.push(TraceEvent {
                at_ms: self.now,
                kind,
            });
        }
    }

    /// Messages delivered so far (dropped ones excluded).
    pub fn messages_delivered(&self) -> u64 {
        self.delivered
    }

    /// Time of the next event, if any.
    pub fn next_event_ms(&self) -> Option<u64> {
        self.queue.peek().map(|event| event.at_ms)
    }

    /// Processes the next event; false when the queue is empty.
    pub fn step(&mut self) -> bool {
        while let Some(event) = self.queue.pop() {
            self.now = self.now.max(event.at_ms);
            if self.process(event) {
                self.events += 1;
                return true;
            }
        }
        false
    }

    /// Processes every event up to and including `ms`, then sets the clock to `ms`.
    pub fn run_until(&mut self, ms: u64) {
        while self.step_until(ms) {}
        self.now = self.now.max(ms);
    }

    /// Processes the next live event if it is due at or before `bound`; false when none
    /// is. Unlike looping on [`Simulation::step`] while the next event is due, this never
    /// overshoots: `step` skips stale events and then takes the next live one, which may
    /// lie beyond the bound.
    pub fn step_until(&mut self, bound: u64) -> bool {
        while self.queue.peek().is_some_and(|event| event.at_ms <= bound) {
            if let Some(event) = self.queue.pop() {
                self.now = self.now.max(event.at_ms);
                if self.process(event) {
                    self.events += 1;
                    return true;
                }
            }
        }
        false
    }

    /// Runs to the end of the scenario.
    pub fn run_to_end(&mut self) {
        let end = self.end_ms;
        self.run_until(end);
    }

    /// Handles one queued event; false if it was stale (nothing happened).
    fn process(&mut self, event: Queued) -> bool {
        match event.kind {
            EventKind::Deliver(id) => {
                self.deliver(id);
                true
            }
            EventKind::Tick(node, incarnation) => self.fire_tick(node, incarnation, event.at_ms),
            EventKind::TickAdvance(node, incarnation, poll) => {
                self.poll_tick_advance(node, incarnation, poll)
            }
            EventKind::Step(position, repetition) => {
                let step = self.steps[position as usize].clone();
                match &step.action {
                    // A repeated write can number its values: "x={n}" gives x=1, x=2…
                    Action::Propose { value, node } if value.contains("{n}") => {
                        let value = value.replace("{n}", &(repetition + 1).to_string());
                        self.propose(&value, node);
                    }
                    action => self.apply_action(action, Some(position)),
                }
                if let Some(every) = step.every_ms {
                    let next = self.now + every;
                    if next <= self.end_ms {
                        self.push(next, EventKind::Step(position, repetition + 1));
                    }
                }
                true
            }
            EventKind::ProposalTimeout(proposal) => {
                self.decide(proposal, Outcome::Unknown, Some("timeout"));
                true
            }
        }
    }

    /// A node's tick event: runs its due ticks; false when none did anything (the
    /// deadline moved since the event was queued).
    fn fire_tick(&mut self, id: NodeId, incarnation: u32, at_ms: u64) -> bool {
        let node = &mut self.nodes[id.index()];
        if !node.up || node.incarnation != incarnation || node.scheduled != Some(at_ms) {
            return false;
        }
        node.scheduled = None;
        let (_, acted) = self.with_node_acted(id, |_, _| ());
        acted
    }

    /// Makes sure a queue event exists at or before the node's next tick that does
    /// something. Lazy: a reset that pushes the deadline later does not touch the queue;
    /// the early event finds nothing to do and re-arms itself.
    fn reschedule(&mut self, id: NodeId) {
        let node = &self.nodes[id.index()];
        if !node.up {
            return;
        }
        let Some(deadline) = node.raft.next_event_ms() else {
            return;
        };
        let deadline = deadline.max(self.now);
        if node.scheduled.is_none_or(|scheduled| deadline < scheduled) {
            let incarnation = node.incarnation;
            self.nodes[id.index()].scheduled = Some(deadline);
            self.push(deadline, EventKind::Tick(id, incarnation));
        }
    }

    /// etcd's `adjustTicks`, run when a member's process starts (every start, restarts
    /// included): a member alone in its cluster moves its election clock forward by
    /// `ElectionTicks − 1` at once; otherwise it polls its peer connections every 50 ms
    /// for up to 5 s and, as soon as more than one peer is connected, moves it forward by
    /// `ElectionTicks − 2`. `members` overrides the member count (a member joining an
    /// existing cluster learns it from its peers, itself included).
    fn begin_tick_advance(&mut self, id: NodeId, members: Option<u64>) {
        let count =
            members.unwrap_or_else(|| self.nodes[id.index()].raft.members.members().count() as u64);
        if count == 1 {
            let ticks = self.config.election_ticks().saturating_sub(1);
            self.with_node(id, |raft, ctx| raft.advance_ticks(ctx, ticks));
        } else {
            let incarnation = self.nodes[id.index()].incarnation;
            self.push(
                self.now + TICK_ADVANCE_POLL_MS,
                EventKind::TickAdvance(id, incarnation, 1),
            );
        }
    }

    fn poll_tick_advance(&mut self, id: NodeId, incarnation: u32, poll: u32) -> bool {
        let node = &self.nodes[id.index()];
        if !node.up || node.incarnation != incarnation {
            return false;
        }
        let peers = node
            .raft
            .members
            .members()
            .filter(|&peer| peer != id && self.peer_active_since(id, peer, self.now))
            .count();
        if peers > 1 {
            let ticks = self.config.election_ticks().saturating_sub(2);
            self.with_node(id, |raft, ctx| raft.advance_ticks(ctx, ticks));
            return true;
        }
        if poll < TICK_ADVANCE_POLLS {
            self.push(
                self.now + TICK_ADVANCE_POLL_MS,
                EventKind::TickAdvance(id, incarnation, poll + 1),
            );
        }
        false
    }

    /// Runs `f` on a node's Raft state (after its due ticks), then handles what it sent
    /// and noted.
    fn with_node<R>(&mut self, id: NodeId, f: impl FnOnce(&mut Raft, &mut Ctx<'_>) -> R) -> R {
        self.with_node_acted(id, f).0
    }

    /// [`Simulation::with_node`], also saying whether anything was sent or noted.
    fn with_node_acted<R>(
        &mut self,
        id: NodeId,
        f: impl FnOnce(&mut Raft, &mut Ctx<'_>) -> R,
    ) -> (R, bool) {
        let mut out = std::mem::take(&mut self.scratch_out);
        let mut notes = std::mem::take(&mut self.scratch_notes);
        let result = {
            let mut ctx = Ctx {
                now: self.now,
                rng: &mut self.rng,
                out: &mut out,
                notes: &mut notes,
            };
            let raft = &mut self.nodes[id.index()].raft;
            raft.catch_up(&mut ctx);
            f(raft, &mut ctx)
        };
        let acted = !notes.is_empty() || !out.is_empty();
        let mut removed = Vec::new();
        for note in notes.drain(..) {
            self.handle_note(id, note, &mut removed);
        }
        for message in out.drain(..) {
            self.send(message);
        }
        self.scratch_out = out;
        self.scratch_notes = notes;
        let node = &self.nodes[id.index()];
        let leading = (node.up && node.raft.role == RaftRole::Leader)
            .then_some((node.raft.cluster, node.raft.term));
        self.checker
            .observe_leader_log(self.now, &node.name, leading, &node.raft.log);
        self.reschedule(id);
        for member in removed {
            self.stop_removed(member);
        }
        for member in std::mem::take(&mut self.to_start) {
            self.start_member(member);
        }
        self.start_serving(id);
        self.release_waiting(id);
        (result, acted)
    }
}

mod actions;
mod clients;
mod links;
mod notes;
#[cfg(test)]
mod tests;
mod views;
