//! The discrete-event simulation: nodes, network, clients and the event queue.
//!
//! Events are ordered by (time, sequence number), so two events at the same millisecond
//! run in the order they were scheduled; with the single seeded [`Rng`] this makes a run
//! a pure function of the scenario and of the actions applied. Every change is checked
//! by the incremental invariant [`Checker`] and, when tracing is on, recorded as a
//! [`TraceEvent`].

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

    /// Records which pairs of nodes are up and connected both ways, and since when
    /// (called after anything that may change it: an action, a crash, a start).
    fn refresh_links(&mut self) {
        let count = self.nodes.len() as u32;
        for a in 0..count {
            for b in a + 1..count {
                let (x, y) = (&self.nodes[a as usize], &self.nodes[b as usize]);
                let linked =
                    x.up && y.up && self.network.connected(NodeId(a), x.site, NodeId(b), y.site);
                let key = (NodeId(a), NodeId(b));
                if !linked {
                    self.links_since.remove(&key);
                } else if !self.links_since.contains_key(&key) {
                    self.links_since.insert(key, self.now);
                }
            }
        }
    }

    /// Whether etcd's peer connection from `id` to `peer` was active at `at_ms` (its
    /// `ActiveSince`): both up and connected, and long enough for the streams to be set
    /// up (a TCP handshake and an HTTP request: about three one-way delays).
    fn peer_active_since(&self, id: NodeId, peer: NodeId, at_ms: u64) -> bool {
        self.link_since(id, peer)
            .is_some_and(|since| since + 3 * self.pair_latency(id, peer) <= at_ms)
    }

    /// Since when the peer connection between two nodes is up, if it is.
    fn link_since(&self, a: NodeId, b: NodeId) -> Option<u64> {
        self.links_since.get(&(a.min(b), a.max(b))).copied()
    }

    /// Base one-way latency between two nodes' sites.
    fn pair_latency(&self, a: NodeId, b: NodeId) -> u64 {
        self.network
            .latency(self.nodes[a.index()].site, self.nodes[b.index()].site)
    }

    /// What a message pays on a peer connection that is not streaming yet. After a heal,
    /// a start or a restart, etcd's stream to a peer exists only once the receiving side
    /// has dialled (a TCP handshake) and its long-lived GET has arrived: three one-way
    /// delays. Until then etcd sends over its pipeline, a fresh HTTP connection whose
    /// handshake costs one round trip before the message travels.
    fn handshake_delay(&self, from: NodeId, to: NodeId) -> u64 {
        let latency = self.pair_latency(from, to);
        match self.link_since(from, to) {
            Some(since) if self.now < since + 3 * latency => 2 * latency,
            _ => 0,
        }
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

    /// Marks `id` as serving clients once its publish would have committed — it knows a
    /// leader whose term has an entry committed (the leader's first entry; the publish
    /// follows it) — and hands it the requests it accepted meanwhile, each with etcd's
    /// request timeout from now.
    fn start_serving(&mut self, id: NodeId) {
        let node = &mut self.nodes[id.index()];
        if node.serving != Some(node.incarnation) {
            let published = node.up
                && node.raft.leader.is_some()
                && node.raft.log.term_at(node.raft.commit) == Some(node.raft.term);
            if !published {
                return;
            }
            node.serving = Some(node.incarnation);
        }
        let Some(accepted) = self.unserved.remove(&id) else {
            return;
        };
        for proposal in accepted {
            let Some(state) = self.proposals.get(proposal as usize) else {
                continue;
            };
            if state.outcome != Outcome::Pending {
                continue;
            }
            let etcd_deadline = self.now + self.request_timeout_ms;
            let client_deadline = state.at_ms + self.request_timeout_ms + CLIENT_GRACE_MS;
            if etcd_deadline < client_deadline {
                self.push(etcd_deadline, EventKind::ProposalTimeout(proposal));
            }
            self.waiting.entry(id).or_default().push(proposal);
        }
    }

    /// Hands the proposals waiting at `id` to Raft once it knows a leader (etcd's raft
    /// node starts reading proposals again as soon as it has one).
    fn release_waiting(&mut self, id: NodeId) {
        let node = &self.nodes[id.index()];
        if !node.up || node.raft.leader.is_none() || !self.waiting.contains_key(&id) {
            return;
        }
        let queued = self.waiting.remove(&id).unwrap_or_default();
        for proposal in queued {
            let Some(state) = self.proposals.get(proposal as usize) else {
                continue;
            };
            if state.outcome != Outcome::Pending {
                continue;
            }
            let value = state.value.clone();
            self.with_node(id, |raft, ctx| raft.propose(ctx, proposal, value));
        }
    }

    /// The member `id` went down (crash, removal, restore): its clients' pending requests
    /// end with a broken connection, an unknown outcome.
    fn drop_connections(&mut self, id: NodeId) {
        self.waiting.remove(&id);
        self.unserved.remove(&id);
        let pending: Vec<u64> = self
            .proposals
            .iter()
            .enumerate()
            .filter(|(_, state)| state.node == Some(id) && state.outcome == Outcome::Pending)
            .map(|(number, _)| number as u64)
            .collect();
        for proposal in pending {
            self.decide(proposal, Outcome::Unknown, Some("connection_lost"));
        }
    }

    fn view_role(&self, id: NodeId) -> Role {
        let node = &self.nodes[id.index()];
        if !node.up {
            return Role::Down;
        }
        match node.raft.role {
            RaftRole::Leader => Role::Leader,
            RaftRole::Candidate => Role::Candidate,
            RaftRole::PreCandidate => Role::PreCandidate,
            RaftRole::Follower if node.raft.members.is_learner(id) => Role::Learner,
            RaftRole::Follower => Role::Follower,
        }
    }

    fn handle_note(&mut self, id: NodeId, note: Note, removed: &mut Vec<NodeId>) {
        let now = self.now;
        match note {
            Note::Role { role, term } => {
                let shown = if role == RaftRole::Follower
                    && self.nodes[id.index()].raft.members.is_learner(id)
                {
                    Role::Learner
                } else {
                    match role {
                        RaftRole::Leader => Role::Leader,
                        RaftRole::Candidate => Role::Candidate,
                        RaftRole::PreCandidate => Role::PreCandidate,
                        RaftRole::Follower => Role::Follower,
                    }
                };
                self.record(TraceKind::Role {
                    node: id,
                    role: shown,
                    term,
                });
                if role == RaftRole::Leader {
                    let node = &self.nodes[id.index()];
                    self.leaders.push(LeaderRecord {
                        at_ms: now,
                        node: node.name.clone(),
                        term: term.0,
                    });
                    self.checker.on_leader(
                        now,
                        node.raft.cluster,
                        term,
                        &node.name,
                        &node.raft.log,
                    );
                }
            }
            Note::Appended { first, last } => {
                self.record(TraceKind::Append {
                    node: id,
                    first,
                    last,
                });
                let node = &self.nodes[id.index()];
                self.checker.on_append(
                    now,
                    node.raft.cluster,
                    &node.name,
                    &node.raft.log,
                    first,
                    last,
                );
            }
            Note::Truncated { from, commit } => {
                self.record(TraceKind::Truncate { node: id, from });
                let node = &self.nodes[id.index()];
                let leader = node.raft.role == RaftRole::Leader;
                self.checker
                    .on_truncate(now, &node.name, from, commit, leader);
            }
            Note::Committed { from, to } => {
                self.record(TraceKind::Commit {
                    node: id,
                    index: to,
                });
                let node = &self.nodes[id.index()];
                let cluster = node.raft.cluster;
                self.checker.on_commit(
                    now,
                    cluster,
                    &node.name,
                    node.raft.term,
                    &node.raft.log,
                    from,
                    to,
                );
                for raw in from.0..=to.0 {
                    self.on_committed_entry(id, cluster, LogIndex(raw));
                }
            }
            Note::ConfApplied { change, .. } => {
                let (change_name, member) = match change {
                    ConfChange::AddVoter(member) => ("add", member),
                    ConfChange::AddLearner(member) => ("add_learner", member),
                    ConfChange::Remove(member) => ("remove", member),
                };
                self.record(TraceKind::Membership {
                    node: id,
                    change: change_name,
                    member,
                });
                // etcd: a removed member shuts itself down. The leader applies first. A
                // node that has since moved to another cluster (restored) is another
                // member there, with another id in etcd: not this one.
                if let ConfChange::Remove(member) = change {
                    let applier = &self.nodes[id.index()].raft;
                    if applier.role == RaftRole::Leader
                        && self.nodes[member.index()].raft.cluster == applier.cluster
                    {
                        removed.push(member);
                    }
                }
                // `member add` returns once the change is applied: the operator then
                // starts the new member.
                if let ConfChange::AddVoter(member) | ConfChange::AddLearner(member) = change {
                    let applier = &self.nodes[id.index()].raft;
                    let added = &self.nodes[member.index()];
                    let joins_here = added.join.as_ref().is_some_and(|plan| {
                        plan.when_added
                            && plan.wipe.as_ref().map_or(added.raft.cluster, |w| w.0)
                                == applier.cluster
                    });
                    if applier.role == RaftRole::Leader && !added.up && joins_here {
                        self.to_start.push(member);
                    }
                }
            }
            Note::ProposalAppended { proposal, index } => {
                let raft = &self.nodes[id.index()].raft;
                let position = (raft.cluster, index, raft.term);
                if let Some(state) = self.proposals.get_mut(proposal as usize) {
                    // A duplicated request (network duplication fault) may be appended
                    // twice; the first position is reported until one commits.
                    state.position.get_or_insert(position);
                }
            }
            Note::ProposalDropped {
                proposal,
                reason,
                forwarded,
            } => {
                // Dropped where it was forwarded to: nobody tells the client, which waits
                // for its timeout (an unknown outcome, though it can no longer commit).
                if !forwarded {
                    let reason = match reason {
                        DropReason::NoLeader => "no_leader",
                        DropReason::NotLeader => "not_leader",
                        DropReason::Transferring => "transferring",
                    };
                    self.decide(proposal, Outcome::Failed, Some(reason));
                }
            }
            Note::CheckQuorumStepDown => {}
            Note::Timer(timer) => self.record(TraceKind::Timeout { node: id, timer }),
            Note::TicksAdvanced(ticks) => self.record(TraceKind::TickAdvance { node: id, ticks }),
        }
    }

    /// Bookkeeping of client values when `id` commits `index`.
    fn on_committed_entry(&mut self, id: NodeId, cluster: ClusterId, index: LogIndex) {
        let Some(entry) = self.nodes[id.index()].raft.log.entry(index) else {
            return;
        };
        let term = entry.term;
        let committed_proposal = match &entry.data {
            EntryData::Value { proposal, value } => Some((*proposal, value.clone())),
            _ => None,
        };
        if let Some((proposal, value)) = committed_proposal {
            let now = self.now;
            let Some(state) = self.proposals.get_mut(proposal as usize) else {
                return;
            };
            if !state.commit_recorded {
                state.commit_recorded = true;
                self.commits.push(CommitRecord {
                    at_ms: now,
                    index: index.0,
                    value: value.to_string(),
                    term: term.0,
                });
                if state.outcome == Outcome::Failed {
                    // The client was told the write failed: it must never take effect.
                    let detail = format!(
                        "{} was reported failed ({}) and then committed at {}",
                        state.value,
                        state.reason.unwrap_or(""),
                        index.0
                    );
                    self.checker.report(now, "failed_write_committed", detail);
                }
            }
            // The client hears back when the member it talks to applies the write.
            if state.outcome == Outcome::Pending && state.node == Some(id) {
                state.position = Some((cluster, index, term));
                let print = self.nodes[id.index()]
                    .raft
                    .log
                    .entry(index)
                    .map_or(0, |entry| fingerprint(&entry.data));
                self.checker
                    .on_acknowledged(cluster, index, term, print, &value);
                self.decide(proposal, Outcome::Committed, None);
            }
        }
    }

    fn decide(&mut self, proposal: u64, outcome: Outcome, reason: Option<&'static str>) {
        let now = self.now;
        let Some(state) = self.proposals.get_mut(proposal as usize) else {
            return;
        };
        if state.outcome != Outcome::Pending {
            return;
        }
        state.outcome = outcome;
        state.reason = reason;
        state.decided_at_ms = Some(now);
        self.record(TraceKind::Proposal {
            proposal,
            outcome,
            reason,
        });
    }

    fn send(&mut self, message: Message) {
        if self.network.duplicate_rate > 0.0 && self.network.duplicate(&mut self.rng) {
            self.send_one(message.clone());
        }
        self.send_one(message);
    }

    fn send_one(&mut self, message: Message) {
        let id = self.next_message;
        self.next_message += 1;
        let from = (message.from, self.nodes[message.from.index()].site);
        let to_node = &self.nodes[message.to.index()];
        let to = (message.to, to_node.site);
        let incarnation = to_node.incarnation;
        let reachable_at_send = self.network.reaches(from.0, from.1, to.0, to.1);
        let link_since_at_send = self.link_since(message.from, message.to);
        let mut delivery = self.network.schedule(&mut self.rng, self.now, from, to);
        delivery.at_ms += self.handshake_delay(message.from, message.to);
        self.record(TraceKind::Send {
            id,
            from: message.from,
            to: message.to,
            kind: message.kind(),
            term: message.term,
            deliver_at_ms: delivery.at_ms,
        });
        self.in_flight.insert(
            id,
            InFlight {
                message,
                sent_at_ms: self.now,
                deliver_at_ms: delivery.at_ms,
                lost: delivery.lost,
                incarnation,
                reachable_at_send,
                link_since_at_send,
            },
        );
        self.push(delivery.at_ms, EventKind::Deliver(id));
    }

    fn drop_cause(&self, flight: &InFlight) -> Option<DropCause> {
        let message = &flight.message;
        let from = &self.nodes[message.from.index()];
        let to = &self.nodes[message.to.index()];
        if flight.lost {
            Some(DropCause::Lost)
        } else if !self
            .network
            .reaches(message.from, from.site, message.to, to.site)
        {
            Some(DropCause::Partitioned)
        } else if !to.up || to.incarnation != flight.incarnation {
            Some(DropCause::NodeDown)
        } else if !flight.reachable_at_send
            || flight
                .link_since_at_send
                .is_some_and(|since| self.link_since(message.from, message.to) != Some(since))
        {
            Some(DropCause::Partitioned)
        } else {
            None
        }
    }

    fn deliver(&mut self, id: u64) {
        let Some(flight) = self.in_flight.remove(&id) else {
            return;
        };
        let message = flight.message.clone();
        let (from, to, kind) = (message.from, message.to, message.kind());
        match self.drop_cause(&flight) {
            Some(cause) => self.record(TraceKind::Drop {
                id,
                from,
                to,
                kind,
                cause,
            }),
            None => {
                self.delivered += 1;
                self.record(TraceKind::Deliver { id, from, to, kind });
                self.with_node(to, |raft, ctx| raft.step(ctx, message));
                // A new member publishes its name (becomes "started") once it hears
                // its leader.
                let node = &mut self.nodes[to.index()];
                if !node.published && node.up && node.raft.leader.is_some() {
                    node.published = true;
                }
            }
        }
    }

    /// The node in the leader role with the highest term (lowest id on a tie).
    pub fn current_leader(&self) -> Option<NodeId> {
        let mut best: Option<(Term, NodeId)> = None;
        for (position, node) in self.nodes.iter().enumerate() {
            if node.up && node.raft.role == RaftRole::Leader {
                let candidate = (node.raft.term, NodeId(position as u32));
                if best.is_none_or(|(term, _)| candidate.0 > term) {
                    best = Some(candidate);
                }
            }
        }
        best.map(|(_, id)| id)
    }

    fn ids_by_name(&self) -> Vec<NodeId> {
        let mut ids: Vec<NodeId> = (0..self.nodes.len() as u32).map(NodeId).collect();
        ids.sort_by_key(|id| natural_key(&self.nodes[id.index()].name));
        ids
    }

    /// The nodes a selector designates now (empty when none matches).
    pub fn resolve(&self, selector: &NodeSelector) -> Vec<NodeId> {
        match selector {
            NodeSelector::Leader => self.current_leader().into_iter().collect(),
            NodeSelector::Follower => self
                .ids_by_name()
                .into_iter()
                .filter(|&id| self.view_role(id) == Role::Follower)
                .take(1)
                .collect(),
            NodeSelector::Site(site) => {
                let Some(index) = self.sites.iter().position(|s| s == site) else {
                    return Vec::new();
                };
                self.ids_by_name()
                    .into_iter()
                    .filter(|&id| {
                        let node = &self.nodes[id.index()];
                        node.site == index as u32 && !node.removed
                    })
                    .collect()
            }
            NodeSelector::Node(name) => self.node_id(name).into_iter().collect(),
        }
    }

    fn skip(&mut self, step: Option<u32>, action: &'static str, reason: impl Into<String>) {
        let reason = reason.into();
        self.skipped.push(SkippedRecord {
            at_ms: self.now,
            step,
            action: action.to_string(),
            reason: reason.clone(),
        });
        self.record(TraceKind::Skip { action, reason });
    }

    /// Applies a user action now (a click in a widget, or a scenario step).
    pub fn apply(&mut self, action: &Action) {
        self.apply_action(action, None);
    }

    fn apply_action(&mut self, action: &Action, step: Option<u32>) {
        self.apply_action_inner(action, step);
        // Crashes, starts and network changes move etcd's peer connections.
        self.refresh_links();
    }

    fn apply_action_inner(&mut self, action: &Action, step: Option<u32>) {
        let name = action.name();
        match action {
            Action::Propose { value, node } => self.propose(value, node),
            Action::Crash { node }
            | Action::Restart { node }
            | Action::Isolate { node }
            | Action::Snapshot { node }
            | Action::Restore { node }
            | Action::Promote { node }
            | Action::MemberRemove { node }
            | Action::TransferLeader { node } => {
                let mut targets = self.resolve(node);
                if matches!(action, Action::TransferLeader { .. }) {
                    targets.truncate(1);
                }
                if targets.is_empty() {
                    self.skip(step, name, "no_match");
                }
                // With several targets (`site:A`), the action is skipped only if it did
                // nothing at all: restarting a site restarts the nodes that were down.
                let mut first_failure = None;
                let mut any_done = false;
                for target in targets {
                    match self.apply_to(action, target) {
                        Ok(()) => any_done = true,
                        Err(reason) => {
                            if first_failure.is_none() {
                                first_failure =
                                    Some(format!("{}: {reason}", self.node_name(target)));
                            }
                        }
                    }
                }
                if let (false, Some(reason)) = (any_done, first_failure) {
                    self.skip(step, name, reason);
                }
            }
            Action::Partition { groups } => {
                let mut resolved = Vec::new();
                for group in groups {
                    let mut entry = Group::default();
                    for member in group {
                        let member = member.strip_prefix("site:").unwrap_or(member);
                        if let Some(site) = self.sites.iter().position(|s| s == member) {
                            entry.sites.insert(site as u32);
                        } else if let Some(id) = self.node_id(member) {
                            entry.nodes.insert(id);
                        }
                    }
                    resolved.push(entry);
                }
                self.network.groups = resolved;
                self.record(TraceKind::Network { action: name });
            }
            Action::Heal => {
                self.network.heal();
                self.record(TraceKind::Network { action: name });
            }
            Action::Cut { from, to, one_way } => {
                let end = |name: &str| {
                    self.sites
                        .iter()
                        .position(|s| s == name)
                        .map(|site| End::Site(site as u32))
                        .or_else(|| self.node_id(name).map(End::Node))
                };
                let (Some(a), Some(b)) = (end(from), end(to)) else {
                    self.skip(step, name, "no_match");
                    return;
                };
                self.network.directed_cuts.insert((a, b));
                if !one_way {
                    self.network.directed_cuts.insert((b, a));
                }
                self.record(TraceKind::Network { action: name });
            }
            Action::SetLatency {
                intra,
                inter,
                from,
                to,
                ms,
            } => {
                if let Some(intra) = intra {
                    self.network.intra_ms = *intra;
                }
                if let Some(inter) = inter {
                    self.network.inter_ms = *inter;
                }
                if let (Some(from), Some(to), Some(ms)) = (from, to, ms) {
                    let index = |site: &str| self.sites.iter().position(|s| s == site);
                    match (index(from), index(to)) {
                        (Some(a), Some(b)) => {
                            let (a, b) = (a as u32, b as u32);
                            self.network.pair_ms.insert((a.min(b), a.max(b)), *ms);
                        }
                        _ => {
                            self.skip(step, name, "unknown_site");
                            return;
                        }
                    }
                }
                self.record(TraceKind::Network { action: name });
            }
            Action::DropRate { rate } => {
                self.network.drop_rate = rate.clamp(0.0, 1.0);
                self.record(TraceKind::Network { action: name });
            }
            Action::DuplicateRate { rate } => {
                self.network.duplicate_rate = rate.clamp(0.0, 1.0);
                self.record(TraceKind::Network { action: name });
            }
            Action::Reorder { max_ms } => {
                self.network.reorder_ms = *max_ms;
                self.record(TraceKind::Network { action: name });
            }
            Action::MemberAdd {
                node,
                site,
                learner,
                start,
            } => {
                if let Err(reason) = self.member_add(node, site, *learner, *start) {
                    self.skip(step, name, reason);
                }
            }
        }
    }

    fn propose(&mut self, value: &str, selector: &NodeSelector) {
        let mut target = self.resolve(selector).into_iter().next();
        if target.is_none() && *selector == NodeSelector::Leader {
            // No leader: a client given every endpoint talks to one that answers, the
            // first member up by name, where the write waits for a leader (etcd docs:
            // "write requests sent during the election are queued").
            target = self
                .ids_by_name()
                .into_iter()
                .find(|&id| self.nodes[id.index()].up && !self.nodes[id.index()].removed);
        }
        let proposal = self.proposals.len() as u64;
        let value: Arc<str> = Arc::from(value);
        self.proposals.push(ProposalState {
            at_ms: self.now,
            value: value.clone(),
            node: target,
            outcome: Outcome::Pending,
            reason: None,
            position: None,
            decided_at_ms: None,
            commit_recorded: false,
            lost_at_ms: None,
        });
        self.record(TraceKind::Proposal {
            proposal,
            outcome: Outcome::Pending,
            reason: None,
        });
        match target {
            // Nothing matched, or every member is down: nobody answers the client.
            None if *selector == NodeSelector::Leader => {
                self.decide(proposal, Outcome::Failed, Some("node_down"))
            }
            None => self.decide(proposal, Outcome::Failed, Some("no_match")),
            Some(id) if !self.nodes[id.index()].up => {
                self.decide(proposal, Outcome::Failed, Some("node_down"))
            }
            Some(id) => {
                // The client gives up on its own a little after etcd's timeout: it is
                // what ends a request that a member not serving yet never answers.
                let given_up = self.now + self.request_timeout_ms + CLIENT_GRACE_MS;
                self.push(given_up, EventKind::ProposalTimeout(proposal));
                self.unserved.entry(id).or_default().push(proposal);
                // Served now if the member serves, else once it does.
                self.with_node(id, |_, _| ());
            }
        }
    }

    /// A restore from a backup brings back the state as it was when saved: writes the
    /// old cluster acknowledged after that are gone. Not a Raft violation (an operator
    /// chose to go back in time), but reported: `lost_at_ms`.
    fn mark_lost_by_restore(&mut self, saved: &SavedSnapshot) {
        let kept: std::collections::BTreeSet<u64> =
            saved.values.iter().map(|(proposal, _)| *proposal).collect();
        let now = self.now;
        for (number, state) in self.proposals.iter_mut().enumerate() {
            let acknowledged_there = state.outcome == Outcome::Committed
                && state
                    .position
                    .is_some_and(|(cluster, ..)| cluster == saved.cluster);
            if acknowledged_there && !kept.contains(&(number as u64)) && state.lost_at_ms.is_none()
            {
                state.lost_at_ms = Some(now);
            }
        }
    }

    /// The leader a membership change goes to, or why there is none: the leader of the
    /// newest cluster (after a restore, the operator manages the restored cluster, not
    /// what may be left of the old one).
    fn leader_for_change(&self) -> Result<NodeId, &'static str> {
        let newest = *self.clusters.keys().next_back().ok_or("no_leader")?;
        let leader = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| {
                node.up && node.raft.role == RaftRole::Leader && node.raft.cluster == newest
            })
            .max_by_key(|(position, node)| (node.raft.term, std::cmp::Reverse(*position)))
            .map(|(position, _)| NodeId(position as u32))
            .ok_or("no_leader")?;
        self.nodes[leader.index()].raft.can_propose_conf()?;
        Ok(leader)
    }

    fn apply_to(&mut self, action: &Action, target: NodeId) -> Result<(), &'static str> {
        let index = target.index();
        match action {
            Action::Crash { .. } => {
                if !self.nodes[index].up {
                    return Err("already_down");
                }
                self.take_down(target);
            }
            Action::Restart { .. } => {
                let node = &self.nodes[index];
                if node.up {
                    return Err("already_up");
                }
                if node.removed {
                    return Err("removed");
                }
                self.start_member(target);
            }
            Action::Isolate { .. } => {
                self.network.isolated.insert(target);
                self.record(TraceKind::Network { action: "isolate" });
            }
            Action::Snapshot { .. } => {
                let node = &self.nodes[index];
                if !node.up {
                    return Err("node_down");
                }
                let commit = node.raft.commit;
                let mut values = Vec::new();
                for entry in &node.raft.log.entries()[..commit.0 as usize] {
                    match &entry.data {
                        EntryData::Value { proposal, value } => {
                            values.push((*proposal, value.clone()));
                        }
                        EntryData::Snapshot(restored) => values.extend(restored.iter().cloned()),
                        EntryData::Empty | EntryData::Conf(_) => {}
                    }
                }
                let saved = SavedSnapshot {
                    cluster: node.raft.cluster,
                    index: commit,
                    values: values.into(),
                };
                self.snapshots.insert(target, saved);
                self.record(TraceKind::Snapshot {
                    node: target,
                    index: commit,
                });
            }
            Action::Restore { .. } => {
                let saved = self.snapshots.get(&target).cloned().ok_or("no_snapshot")?;
                // The member's process is replaced by one on the restored data.
                self.drop_connections(target);
                let cluster = ClusterId(self.clusters.keys().next_back().map_or(1, |c| c.0 + 1));
                // A restored cluster's log starts with the snapshot at index 1.
                self.clusters.insert(
                    cluster,
                    ClusterInfo {
                        base_members: Membership::of_voters([target]),
                        base_index: LogIndex(1),
                    },
                );
                let node = &mut self.nodes[index];
                node.up = true;
                node.removed = false;
                node.published = true;
                node.join = None;
                node.incarnation += 1;
                node.scheduled = None;
                self.record(TraceKind::Restore {
                    node: target,
                    cluster: cluster.0,
                    index: saved.index,
                });
                self.mark_lost_by_restore(&saved);
                let values = saved.values.clone();
                self.with_node(target, |raft, ctx| raft.restore(ctx, cluster, values));
                let raft = &self.nodes[index].raft;
                self.checker.seed_cluster(cluster, &raft.log, raft.commit);
                self.refresh_links();
                self.begin_tick_advance(target, None);
            }
            Action::Promote { .. } => {
                let leader = self.leader_for_change()?;
                self.may_promote(leader, target)?;
                self.with_node(leader, |raft, ctx| {
                    raft.propose_conf(ctx, ConfChange::AddVoter(target))
                })?;
            }
            Action::MemberRemove { .. } => {
                let leader = self.leader_for_change()?;
                let members = &self.nodes[leader.index()].raft.members;
                if !members.is_voter(target) && !members.is_learner(target) {
                    return Err("not_a_member");
                }
                self.may_remove(leader, target)?;
                self.with_node(leader, |raft, ctx| {
                    raft.propose_conf(ctx, ConfChange::Remove(target))
                })?;
            }
            Action::TransferLeader { .. } => {
                let leader = self.current_leader().ok_or("no_leader")?;
                self.with_node(leader, |raft, ctx| raft.transfer_leadership(ctx, target))?;
            }
            _ => {}
        }
        Ok(())
    }

    fn member_add(
        &mut self,
        name: &str,
        site: &str,
        learner: bool,
        start: bool,
    ) -> Result<(), String> {
        let leader = self.leader_for_change()?;
        let site_index = self
            .sites
            .iter()
            .position(|s| s == site)
            .ok_or("unknown_site")? as u32;
        let cluster = self.nodes[leader.index()].raft.cluster;
        let info = self
            .clusters
            .get(&cluster)
            .cloned()
            .ok_or("unknown_cluster")?;
        let existing = self.node_id(name);
        if let Some(existing) = existing {
            let members = &self.nodes[leader.index()].raft.members;
            if members.is_voter(existing) || members.is_learner(existing) {
                return Err(format!("{name}: already_member"));
            }
            // One name is one process here: a member still running in another cluster
            // (left by a restore) must be stopped before its name joins this one.
            let node = &self.nodes[existing.index()];
            let joining_elsewhere = node.join.as_ref().is_some_and(|plan| {
                plan.wipe.as_ref().map_or(node.raft.cluster, |w| w.0) != cluster
            });
            if (node.up && node.raft.cluster != cluster) || joining_elsewhere {
                return Err(format!("{name}: member_of_another_cluster"));
            }
        }
        self.may_add(leader, learner)?;
        let id = match existing {
            Some(existing) => {
                // Re-adding a former member (or a member of another cluster): its old
                // process is stopped, and its data directory wiped before it starts.
                if self.nodes[existing.index()].up {
                    self.take_down(existing);
                }
                let node = &mut self.nodes[existing.index()];
                node.site = site_index;
                node.removed = false;
                node.published = false;
                node.join = Some(JoinPlan {
                    when_added: start,
                    wipe: Some((cluster, info.base_members.clone(), info.base_index)),
                });
                existing
            }
            None => {
                if self.nodes.len() >= crate::scenario::MAX_NODES {
                    return Err("too_many_nodes".to_string());
                }
                let id = NodeId(self.nodes.len() as u32);
                let mut raft = Raft::new(
                    id,
                    self.config,
                    cluster,
                    info.base_members.clone(),
                    self.now,
                    &mut self.rng,
                );
                raft.conf_base = info.base_index;
                raft.joining = true;
                raft.crash();
                self.nodes.push(SimNode {
                    name: name.to_string(),
                    site: site_index,
                    up: false,
                    removed: false,
                    incarnation: 0,
                    raft,
                    scheduled: None,
                    published: false,
                    join: Some(JoinPlan {
                        when_added: start,
                        wipe: None,
                    }),
                    serving: None,
                });
                self.names.insert(name.to_string(), id);
                id
            }
        };
        let change = if learner {
            ConfChange::AddLearner(id)
        } else {
            ConfChange::AddVoter(id)
        };
        self.with_node(leader, |raft, ctx| raft.propose_conf(ctx, change))
            .map(|_| ())
            .map_err(str::to_string)
    }

    /// Starts a member's process: a restart on its data, or a member added by
    /// `member_add` joining its cluster (on a wiped data directory if it was a member
    /// before). Then etcd's initial election tick advance.
    fn start_member(&mut self, id: NodeId) {
        let node = &mut self.nodes[id.index()];
        if node.up || node.removed {
            return;
        }
        let plan = node.join.take();
        node.up = true;
        node.incarnation += 1;
        node.scheduled = None;
        self.record(TraceKind::Restart { node: id });
        match plan.and_then(|plan| plan.wipe) {
            Some((cluster, members, base)) => {
                self.with_node(id, |raft, ctx| raft.wipe(ctx, cluster, members, base))
            }
            None => self.with_node(id, |raft, ctx| raft.restart(ctx)),
        }
        self.refresh_links();
        let count = self.member_count_at_start(id);
        self.begin_tick_advance(id, Some(count));
    }

    /// The cluster size a starting member sees (etcd's `len(cluster.Members())`): its own
    /// membership once it knows it is in it, else (joining) its cluster's current one as
    /// its peers report it, itself included.
    fn member_count_at_start(&self, id: NodeId) -> u64 {
        let raft = &self.nodes[id.index()].raft;
        let own = &raft.members;
        if own.is_voter(id) || own.is_learner(id) {
            return own.members().count() as u64;
        }
        let leader = self.nodes.iter().find(|node| {
            node.up && node.raft.role == RaftRole::Leader && node.raft.cluster == raft.cluster
        });
        match leader {
            Some(leader) => {
                let members = &leader.raft.members;
                let listed = members.is_voter(id) || members.is_learner(id);
                members.members().count() as u64 + u64::from(!listed)
            }
            None => own.members().count() as u64 + 1,
        }
    }

    /// Whether `leader` has been connected to every voter but itself for etcd's
    /// `HealthInterval` (`isConnectedFullySince(now − 5 s)`).
    fn connected_to_all_voters(&self, leader: NodeId) -> bool {
        let voters = &self.nodes[leader.index()].raft.members.voters;
        let Some(since) = self.now.checked_sub(self.health_interval_ms) else {
            return voters.iter().all(|&voter| voter == leader);
        };
        voters
            .iter()
            .all(|&voter| voter == leader || self.peer_active_since(leader, voter, since))
    }

    /// Voters etcd counts as started (`IsStarted`: they published their name).
    fn started_voters(&self, leader: NodeId, except: Option<NodeId>) -> (usize, usize) {
        let voters = &self.nodes[leader.index()].raft.members.voters;
        let counted: Vec<NodeId> = voters
            .iter()
            .copied()
            .filter(|&voter| Some(voter) != except)
            .collect();
        let started = counted
            .iter()
            .filter(|voter| self.nodes[voter.index()].published)
            .count();
        (counted.len(), started)
    }

    /// etcd 3.4's `mayAddMember` with `--strict-reconfig-check` (its default), asked of
    /// the leader: a voter may be added only if the started voters stay a majority of the
    /// new configuration (or it is the second member of a one-member cluster, the
    /// documented way to rebuild after a restore); and the leader must have been
    /// connected to every voter for 5 s. A learner is refused while there is one already
    /// (etcd 3.4 allows one).
    fn may_add(&self, leader: NodeId, learner: bool) -> Result<(), &'static str> {
        let members = &self.nodes[leader.index()].raft.members;
        if learner {
            if !members.learners.is_empty() {
                return Err("too_many_learners");
            }
        } else {
            let (voters, started) = self.started_voters(leader, None);
            let after = voters + 1;
            let restoring = started == 1 && after == 2;
            if !restoring && started < crate::quorum::majority(after) {
                return Err("not_enough_started_members");
            }
        }
        if !self.connected_to_all_voters(leader) {
            return Err("unhealthy_cluster");
        }
        Ok(())
    }

    /// etcd 3.4's `mayRemoveMember`: a learner may always go; a voter only if the
    /// started voters left are a majority of the rest, and, unless it is down (no peer
    /// connection), if the voters connected to the leader for 5 s, minus it, still are.
    fn may_remove(&self, leader: NodeId, target: NodeId) -> Result<(), &'static str> {
        let members = &self.nodes[leader.index()].raft.members;
        if members.is_learner(target) {
            return Ok(());
        }
        let (rest, started) = self.started_voters(leader, Some(target));
        if started < crate::quorum::majority(rest) {
            return Err("not_enough_started_members");
        }
        if target != leader && !self.peer_active_since(leader, target, self.now) {
            return Ok(());
        }
        let voters = &members.voters;
        let since = self.now.checked_sub(self.health_interval_ms);
        let active = voters
            .iter()
            .filter(|&&voter| {
                voter == leader
                    || since.is_some_and(|since| self.peer_active_since(leader, voter, since))
            })
            .count();
        if active.saturating_sub(1) < crate::quorum::majority(voters.len() - 1) {
            return Err("unhealthy_cluster");
        }
        Ok(())
    }

    /// etcd 3.4's `mayPromoteMember`: the learner must have caught up (its match index
    /// at least 90 % of the leader's, `isLearnerReady`), and the started voters plus it
    /// must be a majority of the voters plus it.
    fn may_promote(&self, leader: NodeId, target: NodeId) -> Result<(), &'static str> {
        let raft = &self.nodes[leader.index()].raft;
        if !raft.members.is_learner(target) {
            return Err("not_a_learner");
        }
        let learner_match = raft
            .progress
            .get(&target)
            .map_or(LogIndex(0), |p| p.matched);
        let leader_match = raft.log.last_index();
        if (learner_match.0 as f64) < leader_match.0 as f64 * 0.9 {
            return Err("learner_not_ready");
        }
        let (voters, started) = self.started_voters(leader, None);
        if started + 1 < crate::quorum::majority(voters + 1) {
            return Err("not_enough_started_members");
        }
        Ok(())
    }

    fn stop_removed(&mut self, member: NodeId) {
        self.nodes[member.index()].removed = true;
        if self.nodes[member.index()].up {
            self.take_down(member);
            self.refresh_links();
        }
    }

    /// The member's process stops (SIGKILL, or a removed member shutting down): volatile
    /// state, timers and its clients' connections are lost.
    fn take_down(&mut self, id: NodeId) {
        let node = &mut self.nodes[id.index()];
        node.up = false;
        node.incarnation += 1;
        node.scheduled = None;
        node.raft.crash();
        self.record(TraceKind::Crash { node: id });
        self.drop_connections(id);
    }

    /// Every node as drawn, in creation order.
    pub fn nodes(&self) -> Vec<NodeView> {
        (0..self.nodes.len() as u32)
            .map(|id| self.node_view(NodeId(id)))
            .collect()
    }

    fn name_of(&self, id: NodeId) -> String {
        self.node_name(id).to_string()
    }

    /// One node as drawn.
    pub fn node_view(&self, id: NodeId) -> NodeView {
        let node = &self.nodes[id.index()];
        let raft = &node.raft;
        let timer = if node.up {
            raft.election_deadline()
        } else {
            None
        };
        let campaigning = matches!(raft.role, RaftRole::Candidate | RaftRole::PreCandidate);
        NodeView {
            id: node.name.clone(),
            site: self
                .sites
                .get(node.site as usize)
                .cloned()
                .unwrap_or_default(),
            role: self.view_role(id),
            term: raft.term.0,
            vote: raft.vote.map(|v| self.name_of(v)),
            leader: if node.up {
                raft.leader.map(|v| self.name_of(v))
            } else {
                None
            },
            commit_index: raft.commit.0,
            log: self.log_view(id),
            election_deadline_ms: timer,
            election_started_ms: timer.and_then(|_| raft.election_started_ms()),
            votes: if campaigning && node.up {
                raft.votes_granted
                    .iter()
                    .map(|&v| self.name_of(v))
                    .collect()
            } else {
                Vec::new()
            },
            cluster: raft.cluster.0,
            voters: raft
                .members
                .voters
                .iter()
                .map(|&v| self.name_of(v))
                .collect(),
            learners: raft
                .members
                .learners
                .iter()
                .map(|&v| self.name_of(v))
                .collect(),
            removed: node.removed,
        }
    }

    fn log_view(&self, id: NodeId) -> Vec<EntryView> {
        self.nodes[id.index()]
            .raft
            .log
            .entries()
            .iter()
            .enumerate()
            .map(|(offset, entry)| EntryView::new(offset as u64 + 1, entry, |n| self.name_of(n)))
            .collect()
    }

    /// Messages on the wire, by id (send order).
    pub fn messages_in_flight(&self) -> Vec<MessageView> {
        self.in_flight
            .iter()
            .map(|(&id, flight)| {
                let message = &flight.message;
                let entries = match &message.body {
                    Body::Append { entries, .. } => entries.len() as u32,
                    _ => 0,
                };
                MessageView {
                    id,
                    from: self.name_of(message.from),
                    to: self.name_of(message.to),
                    kind: message.kind(),
                    term: message.term.0,
                    reject: message.is_reject(),
                    entries,
                    sent_at_ms: flight.sent_at_ms,
                    deliver_at_ms: flight.deliver_at_ms,
                    will_be_dropped: self.drop_cause(flight).is_some(),
                }
            })
            .collect()
    }

    /// Takes the trace recorded since the last call.
    pub fn drain_trace(&mut self) -> Vec<TraceEvent> {
        std::mem::take(&mut self.trace)
    }

    /// A trace event as one JSON line, node ids replaced by names.
    pub fn trace_line(&self, event: &TraceEvent) -> String {
        let mut value = serde_json::to_value(event).unwrap_or_default();
        if let serde_json::Value::Object(map) = &mut value {
            for key in ["from", "to", "node", "member"] {
                if let Some(serde_json::Value::Number(number)) = map.get(key) {
                    if let Some(raw) = number.as_u64() {
                        let name = self.node_name(NodeId(raw as u32)).to_string();
                        map.insert(key.to_string(), serde_json::Value::String(name));
                    }
                }
            }
        }
        value.to_string()
    }

    /// Safety violations found so far (including, at this instant, any committed client
    /// value missing from a node that committed its index).
    pub fn violations(&self) -> Vec<Violation> {
        let mut violations = self.checker.violations.clone();
        for state in &self.proposals {
            if state.outcome != Outcome::Committed {
                continue;
            }
            let Some((cluster, index, term)) = state.position else {
                continue;
            };
            for node in &self.nodes {
                let raft = &node.raft;
                if raft.cluster != cluster || raft.commit < index {
                    continue;
                }
                let kept = raft.log.entry(index).is_some_and(|entry| {
                    entry.term == term
                        && matches!(&entry.data, EntryData::Value { value, .. } if *value == state.value)
                });
                if !kept {
                    violations.push(Violation {
                        at_ms: self.now,
                        rule: "acknowledged_write_lost",
                        detail: format!(
                            "{} lost committed value {} at {}",
                            node.name, state.value, index.0
                        ),
                    });
                }
            }
        }
        violations
    }

    /// Number of client proposals so far (the next one gets this number).
    pub fn proposal_count(&self) -> u64 {
        self.proposals.len() as u64
    }

    /// Outcome and failure reason of proposal number `proposal`.
    pub fn proposal_outcome(&self, proposal: u64) -> Option<(Outcome, Option<&'static str>)> {
        self.proposals
            .get(proposal as usize)
            .map(|state| (state.outcome, state.reason))
    }

    /// Whether the incremental checker found a violation (cheap: for every-event checks).
    pub fn has_violations(&self) -> bool {
        !self.checker.violations.is_empty()
    }

    /// Brute-force pairwise log check of every node (for tests; quadratic).
    pub fn check_logs(&self) -> Vec<String> {
        let logs: Vec<_> = self
            .nodes
            .iter()
            .map(|node| {
                (
                    node.name.as_str(),
                    node.raft.cluster,
                    &node.raft.log,
                    node.raft.commit,
                )
            })
            .collect();
        invariants::check_logs(&logs)
    }

    /// Whether a node with this name is up.
    pub fn is_up(&self, name: &str) -> bool {
        self.node_id(name)
            .is_some_and(|id| self.nodes[id.index()].up)
    }

    /// Fingerprint of the committed entry at `index` of the first cluster, for tests.
    pub fn committed_fingerprint(&self, name: &str, index: u64) -> Option<u64> {
        let id = self.node_id(name)?;
        let raft = &self.nodes[id.index()].raft;
        if raft.commit.0 < index {
            return None;
        }
        raft.log
            .entry(LogIndex(index))
            .map(|entry| fingerprint(&entry.data))
    }

    /// Cuts (`up` false) or restores the link between two sites, as a click on a widget's
    /// link does. Restoring a link that a partition (`groups`) cuts removes that
    /// partition, since a partition cannot be undone for one pair of sites only. Returns
    /// false when a site is unknown.
    pub fn set_site_link(&mut self, a: &str, b: &str, up: bool) -> bool {
        let index = |name: &str| self.sites.iter().position(|s| s == name).map(|i| i as u32);
        let (Some(a), Some(b)) = (index(a), index(b)) else {
            return false;
        };
        if a == b {
            return false;
        }
        let pair = (a.min(b), a.max(b));
        if up {
            self.network.cut_links.remove(&pair);
            if !self.network.sites_connected(a, b) {
                // A scenario's partition separates them. Restoring one link must not heal
                // the others: a partition of whole sites becomes one cut per separated
                // pair first. (A partition naming single nodes cannot be split per link,
                // so it is lifted whole.)
                if self
                    .network
                    .groups
                    .iter()
                    .all(|group| group.nodes.is_empty())
                {
                    let sites = self.sites.len() as u32;
                    for x in 0..sites {
                        for y in x + 1..sites {
                            if !self.network.sites_connected(x, y) {
                                self.network.cut_links.insert((x, y));
                            }
                        }
                    }
                    self.network.cut_links.remove(&pair);
                }
                self.network.groups.clear();
            }
            self.record(TraceKind::Network { action: "link_up" });
        } else {
            self.network.cut_links.insert(pair);
            self.record(TraceKind::Network {
                action: "link_down",
            });
        }
        self.refresh_links();
        true
    }

    /// Base one-way latency between two sites (ms), for labelling links; none when a site
    /// is unknown.
    pub fn site_latency_ms(&self, a: &str, b: &str) -> Option<u64> {
        let index = |name: &str| self.sites.iter().position(|s| s == name).map(|i| i as u32);
        Some(self.network.latency(index(a)?, index(b)?))
    }

    /// Whether a client write sent now could be committed: some live leader can reach a
    /// majority of its voters that are up. The widgets measure the unavailability window
    /// with it (a leader cut from its quorum, as without CheckQuorum, does not count).
    pub fn writable(&self) -> bool {
        self.nodes.iter().enumerate().any(|(position, node)| {
            if !node.up || node.raft.role != RaftRole::Leader {
                return false;
            }
            let id = NodeId(position as u32);
            let voters = &node.raft.members.voters;
            let reachable = voters
                .iter()
                .filter(|&&voter| {
                    let other = &self.nodes[voter.index()];
                    voter == id
                        || (other.up && self.network.connected(id, node.site, voter, other.site))
                })
                .count();
            reachable * 2 > voters.len()
        })
    }

    /// Every client proposal so far, as in the result.
    pub fn proposals(&self) -> Vec<ProposalRecord> {
        self.proposals
            .iter()
            .map(|state| ProposalRecord {
                at_ms: state.at_ms,
                value: state.value.to_string(),
                node: state.node.map(|id| self.name_of(id)),
                outcome: state.outcome,
                reason: state.reason.map(str::to_string),
                index: state.position.map(|(_, index, _)| index.0),
                decided_at_ms: state.decided_at_ms,
                lost_at_ms: state.lost_at_ms,
            })
            .collect()
    }

    /// The result so far.
    pub fn result(&self) -> SimResult {
        let nodes = (0..self.nodes.len() as u32)
            .map(|raw| {
                let id = NodeId(raw);
                let node = &self.nodes[id.index()];
                NodeResult {
                    id: node.name.clone(),
                    site: self
                        .sites
                        .get(node.site as usize)
                        .cloned()
                        .unwrap_or_default(),
                    role: self.view_role(id),
                    term: node.raft.term.0,
                    commit_index: node.raft.commit.0,
                    log: self.log_view(id),
                }
            })
            .collect();
        let proposals = self.proposals();
        SimResult {
            name: self.name.clone(),
            seed: self.seed,
            until_ms: self.now,
            nodes,
            leaders: self.leaders.clone(),
            commits: self.commits.clone(),
            proposals,
            skipped: self.skipped.clone(),
            violations: self.violations(),
            events: self.events,
        }
    }
}

/// Test-only hooks that break the simulation on purpose, to prove that each invariant
/// check can fail (a check that never fires proves nothing).
#[cfg(test)]
impl Simulation {
    /// Delivers a forged message now, as if it had come over the network.
    pub(crate) fn inject_message(&mut self, message: Message) {
        let to = message.to;
        self.with_node(to, |raft, ctx| raft.step(ctx, message));
    }

    /// Changes a node's log behind Raft's back (no note, no message).
    pub(crate) fn tamper_log(&mut self, name: &str, f: impl FnOnce(&mut crate::log::RaftLog)) {
        self.tamper(name, |raft| f(&mut raft.log));
    }

    /// Changes a node's Raft state behind its back.
    pub(crate) fn tamper(&mut self, name: &str, f: impl FnOnce(&mut Raft)) {
        let id = self.node_id(name).expect("known node");
        f(&mut self.nodes[id.index()].raft);
    }

    /// Makes a node believe it leads its current term (a broken election).
    pub(crate) fn force_leader(&mut self, name: &str) {
        let id = self.node_id(name).expect("known node");
        let raft = &mut self.nodes[id.index()].raft;
        raft.role = RaftRole::Leader;
        raft.leader = Some(id);
    }

    /// Reports a pending proposal as failed to its client (a broken outcome).
    pub(crate) fn force_failed(&mut self, proposal: u64) {
        self.decide(proposal, Outcome::Failed, Some("node_down"));
    }

    /// Runs one event touching `name` (a message to itself would do; a no-op suffices).
    pub(crate) fn touch(&mut self, name: &str) {
        let id = self.node_id(name).expect("known node");
        self.with_node(id, |_, _| ());
    }
}

#[cfg(test)]
mod fault_injection {
    //! Each check of `invariants` fires on the fault it is there for.

    use super::*;
    use crate::log::Entry;

    fn cluster_with_writes() -> Simulation {
        let scenario = crate::parse_scenario(
            r#"{"name": "faults", "seed": 3,
                "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
                "steps": [{"at_ms": 1000, "do": "transfer_leader", "node": "n1"},
                          {"at_ms": 2000, "do": "propose", "value": "x=1", "node": "n1"},
                          {"at_ms": 2100, "do": "propose", "value": "y=2", "node": "n1"}],
                "until_ms": 6000}"#,
        )
        .expect("valid");
        let mut simulation = Simulation::new(&scenario);
        simulation.run_until(3000);
        assert!(simulation.violations().is_empty());
        assert_eq!(
            simulation.proposal_outcome(1).map(|o| o.0),
            Some(Outcome::Committed)
        );
        simulation
    }

    /// The rules the incremental checker caught, the ones checked after every event
    /// (`violations()` adds an end-of-run comparison that would hide a missing check).
    fn rules(simulation: &Simulation) -> Vec<&'static str> {
        simulation
            .checker
            .violations
            .iter()
            .map(|v| v.rule)
            .collect()
    }

    #[test]
    fn a_leader_whose_log_shrinks_is_caught() {
        let mut simulation = cluster_with_writes();
        simulation.tamper_log("n1", |log| {
            let kept = log.entries()[..log.entries().len() - 1].to_vec();
            *log = crate::log::RaftLog::from_entries(kept);
        });
        simulation.touch("n1");
        assert_eq!(rules(&simulation), ["leader_append_only"]);
        assert!(simulation.has_violations());
        assert_eq!(simulation.violations()[0].at_ms, 3000);
    }

    #[test]
    fn a_leader_back_in_its_old_term_with_a_shorter_log_is_caught() {
        // Across a restart: n1 led term 3, crashes, restarts, and (broken) leads term 3
        // again with a log missing its last entry.
        let mut simulation = cluster_with_writes();
        let n1 = NodeSelector::Node("n1".into());
        simulation.apply(&Action::Crash { node: n1.clone() });
        simulation.apply(&Action::Restart { node: n1 });
        simulation.tamper_log("n1", |log| log.truncate_after(LogIndex(1)));
        simulation.force_leader("n1");
        simulation.touch("n1");
        assert!(
            rules(&simulation).contains(&"leader_append_only"),
            "{:?}",
            rules(&simulation)
        );
    }

    #[test]
    fn an_acknowledged_write_overwritten_on_a_follower_is_caught_at_once() {
        let mut simulation = cluster_with_writes();
        let n2 = simulation.node_id("n2").expect("n2");
        // Where y=2 sits; n2 (broken) forgets that it committed it, then a forged leader
        // of a later term overwrites it there and commits its own entry.
        let index = simulation.proposals()[1]
            .index
            .map(LogIndex)
            .expect("appended");
        simulation.tamper("n2", |raft| raft.commit = index.prev());
        let raft = &simulation.nodes[n2.index()].raft;
        let prev = index.prev();
        let prev_term = raft.log.term_at(prev).expect("present");
        let term = raft.term.next();
        simulation.inject_message(Message {
            from: NodeId(2),
            to: n2,
            cluster: raft.cluster,
            term,
            body: Body::Append {
                prev_index: prev,
                prev_term,
                entries: vec![Entry {
                    term,
                    data: EntryData::Empty,
                }],
                commit: index,
            },
        });
        let found = rules(&simulation);
        assert!(found.contains(&"acknowledged_write_lost"), "{found:?}");
        assert!(found.contains(&"state_machine_safety"), "{found:?}");
        assert!(simulation
            .checker
            .violations
            .iter()
            .all(|v| v.at_ms == 3000));
    }

    #[test]
    fn a_write_reported_failed_that_commits_is_caught() {
        let mut simulation = cluster_with_writes();
        simulation.apply(&Action::Propose {
            value: "z=3".into(),
            node: NodeSelector::Node("n1".into()),
        });
        simulation.force_failed(2);
        simulation.run_until(4000);
        assert_eq!(rules(&simulation), ["failed_write_committed"]);
    }

    #[test]
    fn a_leader_elected_without_an_acknowledged_write_is_caught() {
        // n3 is cut off and (broken) wins an election with the log it had before y=2.
        let mut simulation = cluster_with_writes();
        simulation.tamper_log("n3", |log| {
            let kept = log.entries()[..log.entries().len() - 1].to_vec();
            *log = crate::log::RaftLog::from_entries(kept);
        });
        let n3 = simulation.node_id("n3").expect("n3");
        simulation.with_node(n3, |raft, ctx| {
            raft.term = raft.term.next();
            raft.campaign_won_for_test(ctx);
        });
        let found = rules(&simulation);
        assert!(found.contains(&"acknowledged_write_lost"), "{found:?}");
        assert!(found.contains(&"leader_completeness"), "{found:?}");
    }
}

#[cfg(test)]
mod serving {
    //! etcd answers no client before its own publish has committed.

    use super::*;

    fn run(scenario: &str) -> Simulation {
        let scenario = crate::parse_scenario(scenario).expect("valid");
        let mut simulation = Simulation::new(&scenario);
        simulation.run_until(scenario.end_ms());
        simulation
    }

    #[test]
    fn a_member_whose_cluster_never_commits_never_answers_until_the_client_gives_up() {
        // Sites 650 ms apart with the default timings: leaders step down before anything
        // commits (checked against etcd 3.4: « failed to publish local member », and no
        // answer to a put until the client's own timeout).
        let simulation = run(r#"{"name": "far", "seed": 1,
            "cluster": {"sites": {"A": ["n1"], "B": ["n2"], "C": ["n3"]},
                        "latency_ms": {"intra": 2, "inter": 650, "jitter": 100}},
            "steps": [{"at_ms": 3000, "do": "propose", "value": "x=1", "node": "n1"}],
            "until_ms": 20000}"#);
        let state = &simulation.proposals[0];
        assert_eq!(
            (state.outcome, state.reason),
            (Outcome::Unknown, Some("timeout"))
        );
        let request_timeout = 5000 + 2 * 1000;
        assert_eq!(
            state.decided_at_ms,
            Some(3000 + request_timeout + CLIENT_GRACE_MS)
        );
    }

    #[test]
    fn a_write_sent_before_the_first_commit_waits_and_then_commits() {
        let simulation = run(r#"{"name": "early", "seed": 2,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 0, "do": "propose", "value": "x=1", "node": "n1"}],
            "until_ms": 5000}"#);
        let state = &simulation.proposals[0];
        assert_eq!(state.outcome, Outcome::Committed);
        let first_leader = simulation.leaders[0].at_ms;
        assert!(
            state.decided_at_ms.is_some_and(|at| at > first_leader),
            "committed at {:?}, first leader at {first_leader}",
            state.decided_at_ms
        );
    }

    #[test]
    fn a_restarted_member_serves_again_only_once_it_hears_a_commit() {
        let scenario = crate::parse_scenario(
            r#"{"name": "restart", "seed": 2,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 2000, "do": "crash", "node": "n3"},
                      {"at_ms": 3000, "do": "restart", "node": "n3"}],
            "until_ms": 6000}"#,
        )
        .expect("valid");
        let mut simulation = Simulation::new(&scenario);
        simulation.run_until(3000);
        let n3 = simulation.node_id("n3").expect("n3");
        let node = &simulation.nodes[n3.index()];
        assert!(node.up);
        assert_ne!(
            node.serving,
            Some(node.incarnation),
            "serves before publishing"
        );
        simulation.run_until(6000);
        let node = &simulation.nodes[n3.index()];
        assert_eq!(node.serving, Some(node.incarnation));
    }
}

#[cfg(test)]
mod peer_connections {
    //! etcd's peer connections across a cut and a heal, as the proxies of `raftdeck real`
    //! show them: a cut loses what was sent, a heal costs a reconnection.

    use serde_json::Value;

    /// Sites A (n1, n2) and B (n3) 100 ms apart, no jitter; B cut off from 2 s to 4 s.
    fn cut_and_heal_trace() -> Vec<Value> {
        let scenario = crate::parse_scenario(
            r#"{"name": "heal", "seed": 5,
            "cluster": {"sites": {"A": ["n1", "n2"], "B": ["n3"]},
                        "latency_ms": {"intra": 1, "inter": 100, "jitter": 0}},
            "steps": [{"at_ms": 1000, "do": "transfer_leader", "node": "n1"},
                      {"at_ms": 2000, "do": "partition", "groups": [["A"], ["B"]]},
                      {"at_ms": 4000, "do": "heal"}],
            "until_ms": 6000}"#,
        )
        .expect("valid");
        let (_, lines) = crate::trace_json_lines(&scenario);
        lines
            .iter()
            .map(|line| serde_json::from_str(line).expect("JSON"))
            .collect()
    }

    fn across_sites(event: &Value) -> bool {
        let n3 = |key: &str| event[key] == "n3";
        event["type"] == "send" && (n3("from") != n3("to"))
    }

    fn at(event: &Value, key: &str) -> u64 {
        event[key].as_u64().expect("a time")
    }

    #[test]
    fn a_message_sent_across_a_cut_is_lost_even_if_the_cut_heals_before_it_lands() {
        let events = cut_and_heal_trace();
        let late: Vec<&Value> = events
            .iter()
            .filter(|e| across_sites(e) && (3900..4000).contains(&at(e, "at_ms")))
            .collect();
        assert!(!late.is_empty(), "n1 heartbeats n3 every 100 ms");
        for send in late {
            assert!(at(send, "deliver_at_ms") > 4000);
            let dropped = events
                .iter()
                .any(|e| e["type"] == "drop" && e["id"] == send["id"]);
            assert!(dropped, "{send} crossed a cut and arrived");
        }
    }

    #[test]
    fn after_a_heal_messages_pay_a_handshake_until_the_streams_are_back() {
        let events = cut_and_heal_trace();
        let delay = |e: &&Value| at(e, "deliver_at_ms") - at(e, "at_ms");
        let sends = |from: u64, to: u64| {
            events
                .iter()
                .filter(move |e| across_sites(e) && (from..to).contains(&at(e, "at_ms")))
        };
        // Streams are back three one-way delays after the heal; before, a message travels
        // on a fresh connection: one round trip of handshake, then the way across.
        assert!(sends(4000, 4300).count() > 0);
        assert!(sends(4000, 4300).all(|e| delay(&e) >= 300), "pipeline");
        assert!(sends(4400, 6000).count() > 0);
        assert!(sends(4400, 6000).all(|e| delay(&e) == 100), "stream");
        // Before the cut, the same link streams.
        assert!(sends(1500, 2000).all(|e| delay(&e) == 100));
    }
}
