//! Runs an `etcd` scenario on a real cluster of local etcd processes and reports it in
//! the simulation's result shape.
//!
//! Time zero is the moment the last initial member's server started (read from its log),
//! the moment the simulation's nodes all exist; every step then runs at its `at_ms` on
//! the wall clock. What the runner reports is what the outside can see: leaders from the
//! members' own log lines, writes with the answer a client got (or did not get) through
//! the member's client URL, commits from watches on every member, and each member's
//! status at the end.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::BodyExt;
use serde_json::{json, Value};
use sim::ids::NodeId;
use sim::network::Group;
use sim::scenario::{Action, NodeSelector, Scenario};
use tokio::net::TcpListener;
use tokio::process::Child;
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

use crate::gateway::{self, b64, GatewayError};
use crate::observe::{Observer, SeenRole};
use crate::process::{self, ClusterState, EtcdBinaries, Launch, MemberAddrs};
use crate::proxy::{Links, MemberProxy};
use crate::result::{CommitDoc, LeaderDoc, NodeDoc, ProposalDoc, RunResult, SkippedDoc};

/// Longest scenario run on real etcd: it runs in real time.
pub const MAX_REAL_UNTIL_MS: u64 = 30 * 60 * 1000;

/// How long members get to start before the run is declared failed.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Prefix of the keys the runner writes (`rd/00007` for proposal 7).
const KEY_PREFIX: &str = "rd/";

/// Why a scenario could not be run on real etcd.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The scenario asks for something real etcd cannot express.
    #[error("{path}: {reason}")]
    Inexpressible {
        /// JSON path of the offending field.
        path: String,
        /// Why.
        reason: String,
    },
    /// The machine could not set the run up (ports, folders, processes).
    #[error("{0}")]
    Setup(String),
    /// A member did not start, or stopped on its own.
    #[error("member {name} {what}; its last log lines:\n{tail}")]
    MemberFailed {
        /// Member name.
        name: String,
        /// What happened.
        what: String,
        /// The end of its log.
        tail: String,
    },
}

fn inexpressible(path: impl Into<String>, reason: impl Into<String>) -> RunError {
    RunError::Inexpressible {
        path: path.into(),
        reason: reason.into(),
    }
}

/// Refuses, with the JSON path and the reason, what real etcd cannot express.
pub fn check_expressible(scenario: &Scenario) -> Result<(), RunError> {
    let cluster = &scenario.cluster;
    if !cluster.check_quorum {
        return Err(inexpressible(
            "$.cluster.check_quorum",
            "etcd's server always runs CheckQuorum; `false` cannot be run on real etcd",
        ));
    }
    if cluster.election_ms < 5 * cluster.heartbeat_ms {
        return Err(inexpressible(
            "$.cluster.election_ms",
            format!(
                "etcd refuses an election timeout under 5 × the heartbeat ({} < 5 × {})",
                cluster.election_ms, cluster.heartbeat_ms
            ),
        ));
    }
    if scenario.end_ms() > MAX_REAL_UNTIL_MS {
        return Err(inexpressible(
            "$.until_ms",
            format!(
                "a real run lasts as long as the scenario; {} ms is over the {} ms allowed",
                scenario.end_ms(),
                MAX_REAL_UNTIL_MS
            ),
        ));
    }
    for (position, step) in scenario.steps.iter().enumerate() {
        let path = format!("$.steps[{position}].do");
        match &step.action {
            Action::DropRate { .. } => {
                return Err(inexpressible(
                    path,
                    "`drop_rate` loses single messages; etcd's peers talk over TCP, which \
                     retransmits lost packets, so real etcd cannot lose one message",
                ))
            }
            Action::DuplicateRate { .. } => {
                return Err(inexpressible(
                    path,
                    "`duplicate_rate` delivers messages twice; TCP never does, so real etcd \
                     cannot see it",
                ))
            }
            Action::Reorder { .. } => {
                return Err(inexpressible(
                    path,
                    "`reorder` lets messages overtake each other; etcd's peer streams are \
                     TCP, which keeps them in order",
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// What the run needs besides the scenario.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The etcd binaries.
    pub binaries: EtcdBinaries,
}

fn now_epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Sort key putting `n2` before `n10`, as the simulation orders nodes.
fn natural_key(name: &str) -> (String, u64, String) {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (prefix, number) = name.split_at(name.len() - digits);
    (
        prefix.to_string(),
        number.parse().unwrap_or(0),
        name.to_string(),
    )
}

struct Member {
    name: String,
    site: u32,
    addrs: MemberAddrs,
    launch: Launch,
    log: PathBuf,
    child: Option<Child>,
    _proxy: MemberProxy,
    /// A removal was asked for: its exit is expected.
    removal_requested: bool,
    /// It was removed from its cluster.
    removed: bool,
    /// It has run at least once.
    ever_started: bool,
    /// Token of the cluster it belongs to.
    token: String,
}

/// What the background tasks report to the run loop.
enum Report {
    /// `member add` was accepted: start the member with this `--initial-cluster`.
    Added {
        member: u32,
        initial_cluster: String,
    },
    /// A removal was accepted.
    Removed { member: u32 },
    /// A step did nothing after all.
    Skipped(SkippedDoc),
}

/// State the background tasks write.
#[derive(Default)]
struct Shared {
    proposals: Mutex<Vec<ProposalDoc>>,
    /// Key → (first seen, Unix ms; revision).
    commits: Mutex<BTreeMap<String, (u64, u64)>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Run<'a> {
    scenario: &'a Scenario,
    binaries: EtcdBinaries,
    dir: tempfile::TempDir,
    links: Arc<Links>,
    observer: Arc<Mutex<Observer>>,
    members: Vec<Member>,
    sites: Vec<String>,
    token_counter: u32,
    t0: Instant,
    t0_epoch_ms: u64,
    request_timeout: Duration,
    shared: Arc<Shared>,
    skipped: Vec<SkippedDoc>,
    snapshots: BTreeMap<u32, JoinHandle<Result<PathBuf, String>>>,
    /// Puts, member changes, transfers: aborted at the end of the run.
    tasks: JoinSet<()>,
    /// Observer polling and watches.
    background: JoinSet<()>,
    reports: mpsc::UnboundedSender<Report>,
    inbox: mpsc::UnboundedReceiver<Report>,
}

/// Runs `scenario` on real etcd; every process and folder it made is gone when it
/// returns, whatever the outcome.
pub async fn run(scenario: &Scenario, options: &RunOptions) -> Result<RunResult, RunError> {
    check_expressible(scenario)?;
    let mut run = Run::prepare(scenario, options).await?;
    let outcome = run.execute().await;
    run.stop_all().await;
    outcome
}

impl<'a> Run<'a> {
    async fn prepare(scenario: &'a Scenario, options: &RunOptions) -> Result<Run<'a>, RunError> {
        let dir = tempfile::Builder::new()
            .prefix("raftdeck-real-")
            // RAFTDECK_KEEP_RUN=1 keeps the folder (members' logs, data) to look into.
            .disable_cleanup(std::env::var_os("RAFTDECK_KEEP_RUN").is_some())
            .tempdir()
            .map_err(|error| {
                RunError::Setup(format!("cannot create a temporary folder: {error}"))
            })?;
        let cluster = &scenario.cluster;
        let links = Links::new(
            cluster.latency_ms.intra,
            cluster.latency_ms.inter,
            cluster.latency_ms.jitter,
            scenario.seed,
        );
        let (reports, inbox) = mpsc::unbounded_channel();
        let mut run = Run {
            scenario,
            binaries: options.binaries.clone(),
            dir,
            links,
            observer: Arc::new(Mutex::new(Observer::default())),
            members: Vec::new(),
            sites: cluster.sites.keys().cloned().collect(),
            token_counter: 0,
            t0: Instant::now(),
            t0_epoch_ms: now_epoch_ms(),
            request_timeout: Duration::from_millis(5000 + 2 * cluster.election_ms),
            shared: Arc::new(Shared::default()),
            skipped: Vec::new(),
            snapshots: BTreeMap::new(),
            tasks: JoinSet::new(),
            background: JoinSet::new(),
            reports,
            inbox,
        };
        let mut initial = scenario.initial_nodes();
        initial.sort_by_key(|(name, _)| natural_key(name));
        let token = run.new_token();
        for (name, site) in &initial {
            let site = run.site_index(site).unwrap_or(0);
            run.add_member_slot(name, site, token.clone()).await?;
        }
        let initial_cluster = run
            .members
            .iter()
            .map(|m| format!("{}={}", m.name, m.addrs.peer_url()))
            .collect::<Vec<_>>()
            .join(",");
        for member in &mut run.members {
            member.launch.initial_cluster = initial_cluster.clone();
        }
        run.start_background();
        Ok(run)
    }

    fn new_token(&mut self) -> String {
        self.token_counter += 1;
        format!(
            "raftdeck-{}-{}-{}",
            std::process::id(),
            now_epoch_ms(),
            self.token_counter
        )
    }

    fn site_index(&self, site: &str) -> Option<u32> {
        self.sites.iter().position(|s| s == site).map(|i| i as u32)
    }

    /// Ports, proxy, folder and log for a new member (not started).
    async fn add_member_slot(
        &mut self,
        name: &str,
        site: u32,
        token: String,
    ) -> Result<u32, RunError> {
        let index = self.members.len() as u32;
        let setup = |error: std::io::Error| RunError::Setup(format!("member {name}: {error}"));
        let peer = process::free_port().map_err(setup)?;
        let client = process::free_port().map_err(setup)?;
        let listener = TcpListener::bind("127.0.0.1:0").await.map_err(setup)?;
        let proxy = MemberProxy::start(listener, index, peer, self.links.clone()).map_err(setup)?;
        let addrs = MemberAddrs {
            peer,
            advertised: proxy.advertised,
            client,
        };
        self.links.set_site(index, site);
        let log = self.dir.path().join(format!("{name}.log"));
        lock(&self.observer).follow(index, log.clone());
        let cluster = &self.scenario.cluster;
        let launch = Launch {
            name: name.to_string(),
            data_dir: self.dir.path().join(format!("{name}.etcd")),
            addrs,
            initial_cluster: String::new(),
            token: token.clone(),
            state: ClusterState::New,
            heartbeat_ms: cluster.heartbeat_ms,
            election_ms: cluster.election_ms,
            pre_vote: cluster.pre_vote,
        };
        self.members.push(Member {
            name: name.to_string(),
            site,
            addrs,
            launch,
            log,
            child: None,
            _proxy: proxy,
            removal_requested: false,
            removed: false,
            ever_started: false,
            token,
        });
        Ok(index)
    }

    fn start_background(&mut self) {
        let observer = self.observer.clone();
        let links = self.links.clone();
        self.background.spawn(async move {
            loop {
                {
                    let mut observer = lock(&observer);
                    observer.poll();
                    for (id, member) in observer.ids() {
                        links.learn_id(id, member);
                    }
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }

    fn start_member(&mut self, member: u32) -> Result<(), RunError> {
        let index = member as usize;
        let spawned = process::spawn_member(
            &self.binaries,
            &self.members[index].launch,
            &self.members[index].log,
        );
        let child = spawned.map_err(|error| RunError::MemberFailed {
            name: self.members[index].name.clone(),
            what: format!("could not start: {error}"),
            tail: String::new(),
        })?;
        let was_started = self.members[index].ever_started;
        let entry = &mut self.members[index];
        entry.child = Some(child);
        entry.ever_started = true;
        if !was_started {
            let client = entry.addrs.client;
            let shared = self.shared.clone();
            self.background.spawn(watch_commits(client, shared));
        }
        Ok(())
    }

    async fn kill_member(&mut self, member: u32) {
        if let Some(mut child) = self.members[member as usize].child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    async fn stop_all(&mut self) {
        self.tasks.abort_all();
        self.background.abort_all();
        for member in 0..self.members.len() as u32 {
            self.kill_member(member).await;
        }
    }

    fn running(&self, member: u32) -> bool {
        self.members[member as usize].child.is_some()
    }

    fn seen_role(&self, member: u32) -> Option<(SeenRole, u64)> {
        let observer = lock(&self.observer);
        let seen = observer.members.get(member as usize)?;
        Some((seen.role?, seen.term))
    }

    fn ms_since_t0(&self, epoch_ms: u64) -> u64 {
        epoch_ms.saturating_sub(self.t0_epoch_ms)
    }

    /// Waits until every member in `members` logged that its server started.
    async fn wait_started(&mut self, members: &[u32]) -> Result<u64, RunError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            self.check_exits()?;
            let started: Vec<Option<u64>> = {
                let observer = lock(&self.observer);
                members
                    .iter()
                    .map(|&m| observer.members.get(m as usize).and_then(|s| s.started_at))
                    .collect()
            };
            if started.iter().all(Option::is_some) {
                return Ok(started
                    .into_iter()
                    .flatten()
                    .max()
                    .unwrap_or_else(now_epoch_ms));
            }
            if Instant::now() >= deadline {
                let late = members
                    .iter()
                    .zip(&started)
                    .find(|(_, s)| s.is_none())
                    .map_or(0, |(&m, _)| m);
                return Err(self.member_failed(late, "did not start within 60 s"));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn member_failed(&self, member: u32, what: &str) -> RunError {
        RunError::MemberFailed {
            name: self.members[member as usize].name.clone(),
            what: what.to_string(),
            tail: lock(&self.observer).tail_of(member, 12),
        }
    }

    /// A member that stopped on its own is an error, unless it was being removed.
    fn check_exits(&mut self) -> Result<(), RunError> {
        for member in 0..self.members.len() as u32 {
            let entry = &mut self.members[member as usize];
            let Some(child) = entry.child.as_mut() else {
                continue;
            };
            if let Ok(Some(status)) = child.try_wait() {
                entry.child = None;
                let removed = lock(&self.observer)
                    .members
                    .get(member as usize)
                    .is_some_and(|s| s.removed);
                if entry.removal_requested || removed {
                    entry.removed = true;
                    continue;
                }
                return Err(self.member_failed(member, &format!("stopped on its own ({status})")));
            }
        }
        Ok(())
    }

    async fn execute(&mut self) -> Result<RunResult, RunError> {
        let down = &self.scenario.cluster.down;
        let initial: Vec<u32> = (0..self.members.len() as u32)
            .filter(|&m| !down.contains(&self.members[m as usize].name))
            .collect();
        for &member in &initial {
            self.start_member(member)?;
        }
        let t0_epoch = if initial.is_empty() {
            now_epoch_ms()
        } else {
            self.wait_started(&initial).await?
        };
        let behind = Duration::from_millis(now_epoch_ms().saturating_sub(t0_epoch));
        self.t0 = Instant::now()
            .checked_sub(behind)
            .unwrap_or_else(Instant::now);
        self.t0_epoch_ms = t0_epoch;

        let end_ms = self.scenario.end_ms();
        for (at_ms, position, repetition) in schedule(self.scenario) {
            self.wait_until(at_ms).await?;
            self.apply_step(position, repetition, at_ms).await?;
        }
        self.wait_until(end_ms).await?;
        Ok(self.collect(end_ms).await)
    }

    /// Lets time pass until `at_ms`, handling reports and watching for dead members.
    async fn wait_until(&mut self, at_ms: u64) -> Result<(), RunError> {
        let deadline = self.t0 + Duration::from_millis(at_ms);
        loop {
            self.check_exits()?;
            let now = Instant::now();
            if now >= deadline {
                return Ok(());
            }
            let tick = deadline.min(now + Duration::from_millis(50));
            tokio::select! {
                _ = tokio::time::sleep_until(tick) => {}
                Some(report) = self.inbox.recv() => self.handle_report(report)?,
            }
        }
    }

    fn handle_report(&mut self, report: Report) -> Result<(), RunError> {
        match report {
            Report::Added {
                member,
                initial_cluster,
            } => {
                let entry = &mut self.members[member as usize];
                entry.launch.initial_cluster = initial_cluster;
                entry.launch.state = ClusterState::Existing;
                self.start_member(member)?;
            }
            Report::Removed { member } => self.members[member as usize].removed = true,
            Report::Skipped(skip) => self.skipped.push(skip),
        }
        Ok(())
    }

    fn skip(&mut self, at_ms: u64, step: u32, action: &str, reason: impl Into<String>) {
        self.skipped.push(SkippedDoc {
            at_ms,
            step: Some(step),
            action: action.to_string(),
            reason: reason.into(),
        });
    }

    /// Members a selector designates now (as the simulation resolves it).
    fn resolve(&self, selector: &NodeSelector) -> Vec<u32> {
        let mut by_name: Vec<u32> = (0..self.members.len() as u32).collect();
        by_name.sort_by_key(|&m| natural_key(&self.members[m as usize].name));
        match selector {
            NodeSelector::Leader => self.current_leader().into_iter().collect(),
            NodeSelector::Follower => by_name
                .into_iter()
                .filter(|&m| {
                    self.running(m) && matches!(self.seen_role(m), Some((SeenRole::Follower, _)))
                })
                .take(1)
                .collect(),
            NodeSelector::Site(site) => match self.site_index(site) {
                Some(index) => by_name
                    .into_iter()
                    .filter(|&m| {
                        let member = &self.members[m as usize];
                        member.site == index && !member.removed
                    })
                    .collect(),
                None => Vec::new(),
            },
            NodeSelector::Node(name) => self
                .members
                .iter()
                .position(|m| &m.name == name)
                .map(|i| i as u32)
                .into_iter()
                .collect(),
        }
    }

    /// The running member in the leader role with the highest term.
    fn current_leader(&self) -> Option<u32> {
        let mut best: Option<(u64, u32)> = None;
        for member in 0..self.members.len() as u32 {
            if !self.running(member) {
                continue;
            }
            if let Some((SeenRole::Leader, term)) = self.seen_role(member) {
                if best.is_none_or(|(best_term, _)| term > best_term) {
                    best = Some((term, member));
                }
            }
        }
        best.map(|(_, member)| member)
    }

    fn member_id(&self, member: u32) -> Option<u64> {
        lock(&self.observer)
            .members
            .get(member as usize)
            .and_then(|s| s.id)
    }

    async fn apply_step(
        &mut self,
        position: usize,
        repetition: u32,
        at_ms: u64,
    ) -> Result<(), RunError> {
        let step = &self.scenario.steps[position];
        let action = step.action.clone();
        let name = action.name();
        let step_index = position as u32;
        match &action {
            Action::Propose { value, node } => {
                let value = if value.contains("{n}") {
                    value.replace("{n}", &(repetition + 1).to_string())
                } else {
                    value.clone()
                };
                self.propose(at_ms, value, node);
            }
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
                    self.skip(at_ms, step_index, name, "no_match");
                }
                let mut first_failure = None;
                let mut any_done = false;
                for target in targets {
                    match self.apply_to(&action, target, at_ms, step_index).await? {
                        Ok(()) => any_done = true,
                        Err(reason) => {
                            if first_failure.is_none() {
                                first_failure = Some(format!(
                                    "{}: {reason}",
                                    self.members[target as usize].name
                                ));
                            }
                        }
                    }
                }
                if let (false, Some(reason)) = (any_done, first_failure) {
                    self.skip(at_ms, step_index, name, reason);
                }
            }
            Action::Partition { groups } => {
                let mut resolved = Vec::new();
                for group in groups {
                    let mut entry = Group::default();
                    for member in group {
                        let member = member.strip_prefix("site:").unwrap_or(member);
                        if let Some(site) = self.site_index(member) {
                            entry.sites.insert(site);
                        } else if let Some(index) =
                            self.members.iter().position(|m| m.name == member)
                        {
                            entry.nodes.insert(NodeId(index as u32));
                        }
                    }
                    resolved.push(entry);
                }
                self.links.update(|network| network.groups = resolved);
            }
            Action::Heal => self.links.update(|network| network.heal()),
            Action::SetLatency {
                intra,
                inter,
                from,
                to,
                ms,
            } => {
                let pair = match (from, to, ms) {
                    (Some(from), Some(to), Some(ms)) => {
                        match (self.site_index(from), self.site_index(to)) {
                            (Some(a), Some(b)) => Some(((a.min(b), a.max(b)), *ms)),
                            _ => {
                                self.skip(at_ms, step_index, name, "unknown_site");
                                return Ok(());
                            }
                        }
                    }
                    _ => None,
                };
                let (intra, inter) = (*intra, *inter);
                self.links.update(|network| {
                    if let Some(intra) = intra {
                        network.intra_ms = intra;
                    }
                    if let Some(inter) = inter {
                        network.inter_ms = inter;
                    }
                    if let Some((key, ms)) = pair {
                        network.pair_ms.insert(key, ms);
                    }
                });
            }
            Action::MemberAdd {
                node,
                site,
                learner,
            } => {
                if let Err(reason) = self
                    .member_add(node, site, *learner, at_ms, step_index)
                    .await?
                {
                    self.skip(at_ms, step_index, name, reason);
                }
            }
            Action::DropRate { .. } | Action::DuplicateRate { .. } | Action::Reorder { .. } => {
                // Refused by `check_expressible` before the run started.
            }
        }
        Ok(())
    }

    fn propose(&mut self, at_ms: u64, value: String, selector: &NodeSelector) {
        let target = self.resolve(selector).into_iter().next();
        let index = {
            let mut proposals = lock(&self.shared.proposals);
            proposals.push(ProposalDoc {
                at_ms,
                value: value.clone(),
                node: target.map(|m| self.members[m as usize].name.clone()),
                outcome: "pending".to_string(),
                reason: None,
                index: None,
                decided_at_ms: None,
            });
            proposals.len() - 1
        };
        let Some(target) = target else {
            // The selector found no member (`leader` with no leader): the client has
            // nowhere to send it, as in the simulation.
            let mut proposals = lock(&self.shared.proposals);
            proposals[index].outcome = "failed".to_string();
            proposals[index].reason = Some("no_leader".to_string());
            proposals[index].decided_at_ms = Some(at_ms);
            return;
        };
        let addr = self.members[target as usize].addrs.client;
        let shared = self.shared.clone();
        let guard = self.request_timeout + Duration::from_secs(3);
        let t0_epoch = self.t0_epoch_ms;
        self.tasks.spawn(async move {
            let body = json!({ "key": b64(&key_of(index)), "value": b64(&value) });
            let answer = gateway::call(addr, "/v3/kv/put", &body, guard).await;
            let decided = now_epoch_ms().saturating_sub(t0_epoch);
            let (outcome, reason) = classify_put(answer.map(|_| ()));
            let mut proposals = lock(&shared.proposals);
            proposals[index].outcome = outcome.to_string();
            proposals[index].reason = reason;
            proposals[index].decided_at_ms = Some(decided);
        });
    }

    /// One target of a node action. The outer error stops the run; the inner one is a
    /// skip reason.
    async fn apply_to(
        &mut self,
        action: &Action,
        target: u32,
        at_ms: u64,
        step: u32,
    ) -> Result<Result<(), String>, RunError> {
        let index = target as usize;
        let outcome = match action {
            Action::Crash { .. } => {
                if !self.running(target) {
                    return Ok(Err("already_down".into()));
                }
                self.kill_member(target).await;
                Ok(())
            }
            Action::Restart { .. } => {
                if self.running(target) {
                    return Ok(Err("already_up".into()));
                }
                if self.members[index].removed {
                    return Ok(Err("removed".into()));
                }
                self.start_member(target)?;
                Ok(())
            }
            Action::Isolate { .. } => {
                self.links
                    .update(|network| network.isolated.insert(NodeId(target)));
                Ok(())
            }
            Action::Snapshot { .. } => {
                if !self.running(target) {
                    return Ok(Err("node_down".into()));
                }
                let file = self
                    .dir
                    .path()
                    .join(format!("{}-{at_ms}.snapshot.db", self.members[index].name));
                let binaries = self.binaries.clone();
                let endpoint = self.members[index].addrs.client.to_string();
                self.snapshots.insert(
                    target,
                    tokio::spawn(async move {
                        let args: Vec<OsString> = vec![
                            format!("--endpoints={endpoint}").into(),
                            "snapshot".into(),
                            "save".into(),
                            file.clone().into(),
                        ];
                        process::etcdctl(&binaries, &args).await.map(|_| file)
                    }),
                );
                Ok(())
            }
            Action::Restore { .. } => return self.restore(target, at_ms).await,
            Action::Promote { .. }
            | Action::MemberRemove { .. }
            | Action::TransferLeader { .. } => {
                let Some(leader) = self.current_leader() else {
                    return Ok(Err("no_leader".into()));
                };
                let Some(id) = self.member_id(target) else {
                    return Ok(Err("not_a_member".into()));
                };
                let (path, body) = match action {
                    Action::Promote { .. } => (
                        "/v3/cluster/member/promote",
                        json!({ "ID": id.to_string() }),
                    ),
                    Action::MemberRemove { .. } => {
                        self.members[index].removal_requested = true;
                        ("/v3/cluster/member/remove", json!({ "ID": id.to_string() }))
                    }
                    _ => (
                        "/v3/maintenance/transfer-leadership",
                        json!({ "targetID": id.to_string() }),
                    ),
                };
                let is_removal = matches!(action, Action::MemberRemove { .. });
                let addr = self.members[leader as usize].addrs.client;
                let reports = self.reports.clone();
                let guard = self.request_timeout + Duration::from_secs(3);
                let action_name = action.name();
                let name = self.members[index].name.clone();
                self.tasks.spawn(async move {
                    match gateway::call(addr, path, &body, guard).await {
                        Ok(_) if is_removal => {
                            let _ = reports.send(Report::Removed { member: target });
                        }
                        Ok(_) => {}
                        Err(error) => {
                            let _ = reports.send(Report::Skipped(SkippedDoc {
                                at_ms,
                                step: Some(step),
                                action: action_name.to_string(),
                                reason: format!("{name}: {}", etcd_reason(&error)),
                            }));
                        }
                    }
                });
                Ok(())
            }
            _ => Ok(()),
        };
        Ok(outcome)
    }

    /// `etcdctl snapshot restore` of the member's last snapshot into a new data folder,
    /// then the member starts alone as a new cluster (new token, new IDs).
    async fn restore(&mut self, target: u32, at_ms: u64) -> Result<Result<(), String>, RunError> {
        let index = target as usize;
        let Some(snapshot) = self.snapshots.remove(&target) else {
            return Ok(Err("no_snapshot".into()));
        };
        let file = match snapshot.await {
            Ok(Ok(file)) => file,
            Ok(Err(reason)) => return Ok(Err(format!("snapshot failed: {reason}"))),
            Err(_) => return Ok(Err("snapshot failed".into())),
        };
        self.kill_member(target).await;
        let token = self.new_token();
        let name = self.members[index].name.clone();
        let url = self.members[index].addrs.peer_url();
        let data_dir = self
            .dir
            .path()
            .join(format!("{name}-restored-{at_ms}.etcd"));
        let args: Vec<OsString> = vec![
            "snapshot".into(),
            "restore".into(),
            file.into(),
            format!("--name={name}").into(),
            format!("--data-dir={}", data_dir.display()).into(),
            format!("--initial-cluster={name}={url}").into(),
            format!("--initial-cluster-token={token}").into(),
            format!("--initial-advertise-peer-urls={url}").into(),
        ];
        if let Err(reason) = process::etcdctl(&self.binaries, &args).await {
            return Ok(Err(format!("restore failed: {reason}")));
        }
        let member = &mut self.members[index];
        member.launch.data_dir = data_dir;
        member.launch.initial_cluster = format!("{name}={url}");
        member.launch.token = token.clone();
        member.launch.state = ClusterState::New;
        member.token = token;
        member.removed = false;
        member.removal_requested = false;
        self.start_member(target)?;
        Ok(Ok(()))
    }

    async fn member_add(
        &mut self,
        name: &str,
        site: &str,
        learner: bool,
        at_ms: u64,
        step: u32,
    ) -> Result<Result<(), String>, RunError> {
        let Some(site) = self.site_index(site) else {
            return Ok(Err("unknown_site".into()));
        };
        let Some(leader) = self.current_leader() else {
            return Ok(Err("no_leader".into()));
        };
        let token = self.members[leader as usize].token.clone();
        let member = match self.members.iter().position(|m| m.name == name) {
            Some(existing) if !self.members[existing].removed => {
                return Ok(Err(format!("{name}: already_member")));
            }
            Some(existing) => {
                // A former member comes back as a new one, with an empty data folder.
                let entry = &mut self.members[existing];
                entry.launch.data_dir = self.dir.path().join(format!("{name}-{at_ms}.etcd"));
                entry.site = site;
                entry.token = token;
                self.links.set_site(existing as u32, site);
                existing as u32
            }
            None => self.add_member_slot(name, site, token).await?,
        };
        let url = self.members[member as usize].addrs.peer_url();
        let names: BTreeMap<String, String> = self
            .members
            .iter()
            .map(|m| (m.addrs.peer_url(), m.name.clone()))
            .collect();
        let addr = self.members[leader as usize].addrs.client;
        let reports = self.reports.clone();
        let guard = self.request_timeout + Duration::from_secs(3);
        let name = name.to_string();
        self.tasks.spawn(async move {
            let body = json!({ "peerURLs": [url], "isLearner": learner });
            match gateway::call(addr, "/v3/cluster/member/add", &body, guard).await {
                Ok(answer) => {
                    let mut cluster = Vec::new();
                    for entry in answer
                        .get("members")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        for peer in entry
                            .get("peerURLs")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                        {
                            let member_name = names.get(peer).cloned().unwrap_or_default();
                            cluster.push(format!("{member_name}={peer}"));
                        }
                    }
                    let _ = reports.send(Report::Added {
                        member,
                        initial_cluster: cluster.join(","),
                    });
                }
                Err(error) => {
                    let _ = reports.send(Report::Skipped(SkippedDoc {
                        at_ms,
                        step: Some(step),
                        action: "member_add".to_string(),
                        reason: format!("{name}: {}", etcd_reason(&error)),
                    }));
                }
            }
        });
        Ok(Ok(()))
    }

    /// The result, read from what the cluster showed.
    async fn collect(&mut self, end_ms: u64) -> RunResult {
        // Writes still waiting for an answer stay `pending`, as at the end of a simulation.
        self.tasks.abort_all();
        let mut statuses = BTreeMap::new();
        for member in 0..self.members.len() as u32 {
            if self.running(member) {
                let addr = self.members[member as usize].addrs.client;
                if let Ok(status) = gateway::status(addr, Duration::from_secs(1)).await {
                    statuses.insert(member, status);
                }
            }
        }
        lock(&self.observer).poll();
        let observer = lock(&self.observer);
        let nodes = self
            .members
            .iter()
            .enumerate()
            .map(|(member, entry)| {
                let seen = observer.members.get(member).cloned().unwrap_or_default();
                let status = statuses.get(&(member as u32));
                let role = if entry.child.is_none() || entry.removed {
                    "down"
                } else if status.is_some_and(|s| s.is_learner) {
                    "learner"
                } else {
                    match seen.role {
                        Some(SeenRole::Leader) => "leader",
                        Some(SeenRole::Candidate) => "candidate",
                        Some(SeenRole::PreCandidate) => "pre_candidate",
                        _ => "follower",
                    }
                };
                NodeDoc {
                    id: entry.name.clone(),
                    site: self
                        .sites
                        .get(entry.site as usize)
                        .cloned()
                        .unwrap_or_default(),
                    role: role.to_string(),
                    term: status.map_or(seen.term, |s| s.raft_term.max(seen.term)),
                    commit_index: status.map_or(0, |s| s.raft_index),
                    log: Vec::new(),
                }
            })
            .collect();
        let leaders: Vec<LeaderDoc> = observer
            .leaders
            .iter()
            .map(|seen| LeaderDoc {
                at_ms: self.ms_since_t0(seen.at_epoch_ms),
                node: self.members[seen.member as usize].name.clone(),
                term: seen.term,
            })
            .collect();
        let term_at = |epoch: u64| {
            observer
                .leaders
                .iter()
                .filter(|l| l.at_epoch_ms <= epoch)
                .map(|l| l.term)
                .max()
                .unwrap_or(0)
        };
        let proposals = lock(&self.shared.proposals).clone();
        let mut seen_commits: Vec<(u64, u64, String)> = lock(&self.shared.commits)
            .iter()
            .map(|(key, &(epoch, revision))| (epoch, revision, key.clone()))
            .collect();
        seen_commits.sort();
        let commits: Vec<CommitDoc> = seen_commits
            .into_iter()
            .filter_map(|(epoch, revision, key)| {
                let proposal = proposal_of_key(&key)?;
                let value = proposals.get(proposal)?.value.clone();
                Some(CommitDoc {
                    at_ms: self.ms_since_t0(epoch).min(end_ms),
                    index: revision,
                    value,
                    term: term_at(epoch),
                })
            })
            .collect();
        let restores = self
            .scenario
            .steps
            .iter()
            .any(|s| matches!(s.action, Action::Restore { .. }));
        let mut violations = Vec::new();
        if !restores {
            for proposal in proposals.iter().filter(|p| p.outcome == "committed") {
                if !commits.iter().any(|c| c.value == proposal.value) {
                    violations.push(json!({
                        "kind": "acknowledged_write_not_seen",
                        "value": proposal.value,
                    }));
                }
            }
        }
        let mut skipped = self.skipped.clone();
        skipped.sort_by_key(|s| (s.at_ms, s.step));
        RunResult {
            name: self.scenario.name.clone(),
            seed: self.scenario.seed,
            until_ms: end_ms,
            nodes,
            leaders,
            commits,
            proposals,
            skipped,
            violations,
            events: observer.role_changes,
        }
    }
}

impl Drop for Run<'_> {
    /// On every exit path (an error, a dropped future at Ctrl-C), the members die before
    /// their folders are removed.
    fn drop(&mut self) {
        for member in &mut self.members {
            if let Some(mut child) = member.child.take() {
                let _ = child.start_kill();
                if let Some(pid) = child.id() {
                    // SAFETY: waitpid on our own child's pid, just sent SIGKILL; it
                    // returns as soon as the kernel has reaped it.
                    unsafe {
                        libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), 0);
                    }
                }
            }
        }
    }
}

/// The scenario's steps in the order the simulation runs them: by time, first
/// occurrences before repetitions, then by position.
pub fn schedule(scenario: &Scenario) -> Vec<(u64, usize, u32)> {
    let end = scenario.end_ms();
    let mut list = Vec::new();
    for (position, step) in scenario.steps.iter().enumerate() {
        list.push((step.at_ms, position, 0));
        if let Some(every) = step.every_ms.filter(|&every| every > 0) {
            let mut at = step.at_ms + every;
            let mut repetition = 1;
            while at <= end {
                list.push((at, position, repetition));
                at += every;
                repetition += 1;
            }
        }
    }
    list.sort_by_key(|&(at, position, repetition)| (at, repetition.min(1), position, repetition));
    list
}

fn key_of(proposal: usize) -> String {
    format!("{KEY_PREFIX}{proposal:05}")
}

fn proposal_of_key(key: &str) -> Option<usize> {
    key.strip_prefix(KEY_PREFIX)?.parse().ok()
}

/// The outcome a client sees of a put: committed, failed (it is certain the write did
/// not happen) or unknown (it may still commit).
pub fn classify_put(answer: Result<(), GatewayError>) -> (&'static str, Option<String>) {
    match answer {
        Ok(()) => ("committed", None),
        Err(GatewayError::Refused) => ("failed", Some("node_down".into())),
        Err(GatewayError::Lost(_)) => ("unknown", Some("connection_lost".into())),
        Err(GatewayError::NoAnswer) => ("unknown", Some("timeout".into())),
        Err(GatewayError::Etcd(message)) => {
            let reason = |text: &str| Some(text.to_string());
            // etcd's own request timeout; through the JSON gateway it may surface as the
            // gRPC deadline.
            if message.contains("request timed out") || message.contains("deadline exceeded") {
                ("unknown", reason("timeout"))
            } else if message.contains("leader changed") {
                ("unknown", reason("leader_changed"))
            } else if message.contains("no leader") {
                ("failed", reason("no_leader"))
            } else if message.contains("proposal dropped") {
                ("failed", reason("proposal_dropped"))
            } else if message.contains("server stopped") {
                ("failed", reason("node_down"))
            } else {
                ("failed", Some(message))
            }
        }
    }
}

/// etcd's message for a refused request, as a skip reason.
fn etcd_reason(error: &GatewayError) -> String {
    match error {
        GatewayError::Etcd(message) => message.trim_start_matches("etcdserver: ").to_string(),
        other => other.to_string(),
    }
}

/// Watches every key the run writes on one member and notes when each is first seen;
/// reconnects while the member is down or restarting.
async fn watch_commits(addr: SocketAddr, shared: Arc<Shared>) {
    let request = json!({
        "create_request": {
            "key": b64(KEY_PREFIX),
            "range_end": b64(&gateway::prefix_end(KEY_PREFIX)),
            "start_revision": "1",
        }
    });
    loop {
        if let Ok(response) = gateway::send(addr, "/v3/watch", &request).await {
            let mut body = response.into_body();
            let mut buffer: Vec<u8> = Vec::new();
            while let Some(Ok(frame)) = body.frame().await {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                buffer.extend_from_slice(&data);
                let mut stream = serde_json::Deserializer::from_slice(&buffer).into_iter::<Value>();
                let mut consumed = 0;
                while let Some(Ok(message)) = stream.next() {
                    consumed = stream.byte_offset();
                    record_watch_events(&message, &shared);
                }
                buffer.drain(..consumed);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn record_watch_events(message: &Value, shared: &Shared) {
    let seen_at = now_epoch_ms();
    let events = message
        .pointer("/result/events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    let mut commits = lock(&shared.commits);
    for event in events {
        let Some(kv) = event.get("kv") else { continue };
        if event.get("type").and_then(Value::as_str) == Some("DELETE") {
            continue;
        }
        let Some(key) = kv
            .get("key")
            .and_then(Value::as_str)
            .and_then(gateway::unb64)
        else {
            continue;
        };
        let revision = gateway::u64_field(kv, "mod_revision").unwrap_or(0);
        commits.entry(key).or_insert((seen_at, revision));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(text: &str) -> Scenario {
        sim::parse_scenario(text).unwrap()
    }

    #[test]
    fn what_tcp_cannot_do_is_refused_with_its_path() {
        let lossy = scenario(
            r#"{"cluster":{"sites":{"A":["n1","n2","n3"]}},
                "steps":[{"at_ms":10,"do":"propose","value":"x"},{"at_ms":20,"do":"drop_rate","rate":0.1}]}"#,
        );
        let error = check_expressible(&lossy).unwrap_err().to_string();
        assert!(error.starts_with("$.steps[1].do: `drop_rate`"), "{error}");
        let no_check_quorum =
            scenario(r#"{"cluster":{"sites":{"A":["n1"]},"check_quorum":false}}"#);
        assert!(check_expressible(&no_check_quorum)
            .unwrap_err()
            .to_string()
            .starts_with("$.cluster.check_quorum"));
        let fine = scenario(r#"{"cluster":{"sites":{"A":["n1","n2","n3"]}}}"#);
        assert!(check_expressible(&fine).is_ok());
    }

    #[test]
    fn steps_run_in_the_simulation_order_with_repetitions() {
        let repeated = scenario(
            r#"{"cluster":{"sites":{"A":["n1"]}},
                "steps":[{"at_ms":0,"do":"propose","value":"x={n}","every_ms":1000},
                         {"at_ms":1000,"do":"crash","node":"n1"}],
                "until_ms":2500}"#,
        );
        assert_eq!(
            schedule(&repeated),
            vec![(0, 0, 0), (1000, 1, 0), (1000, 0, 1), (2000, 0, 2)]
        );
    }

    #[test]
    fn a_client_timeout_is_unknown_not_failed() {
        let timeout = GatewayError::Etcd("etcdserver: request timed out".into());
        assert_eq!(classify_put(Err(timeout)).0, "unknown");
        let lost_leader = GatewayError::Etcd(
            "etcdserver: request timed out, possibly due to previous leader failure".into(),
        );
        assert_eq!(classify_put(Err(lost_leader)).0, "unknown");
        let deadline = GatewayError::Etcd("context deadline exceeded".into());
        assert_eq!(
            classify_put(Err(deadline)),
            ("unknown", Some("timeout".into()))
        );
        assert_eq!(
            classify_put(Err(GatewayError::Refused)),
            ("failed", Some("node_down".into()))
        );
        assert_eq!(classify_put(Ok(())), ("committed", None));
    }

    #[test]
    fn keys_name_their_proposal() {
        assert_eq!(key_of(7), "rd/00007");
        assert_eq!(proposal_of_key("rd/00007"), Some(7));
        assert_eq!(proposal_of_key("other"), None);
    }
}
