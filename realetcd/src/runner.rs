//! Runs an `etcd` scenario on a real cluster of local etcd processes and reports it in
//! the simulation's result shape.
//!
//! Time zero is the moment the last initial member's server started (read from its log),
//! the moment the simulation's nodes all exist; every step then runs at its `at_ms` on
//! the wall clock. What the runner reports is what the outside can see: leaders from the
//! members' own log lines, writes with the answer a client got (or did not get) through
//! the member's client URL, commits from watches on every member, and each member's
//! status at the end.
//!
//! Before any etcd starts, `plan` refuses what real etcd cannot express and orders the
//! steps; `answers` reads what etcd answers a client.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use sim::ids::NodeId;
use sim::network::{End, Group};
use sim::scenario::{Action, NodeSelector, Scenario};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

pub use crate::cluster::RunError;
use crate::cluster::{lock, natural_key, now_epoch_ms, Cluster};
use crate::gateway::{self, b64};
use crate::observe::SeenRole;
use crate::process::{self, ClusterState, EtcdBinaries};
use crate::result::{CommitDoc, LeaderDoc, NodeDoc, ProposalDoc, RunResult, SkippedDoc};

pub use answers::classify_put;
use answers::{etcd_reason, key_of, proposal_of_key};
pub use plan::{check_expressible, schedule, MAX_REAL_UNTIL_MS};

/// What the run needs besides the scenario.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The etcd binaries.
    pub binaries: EtcdBinaries,
}

/// What the background tasks report to the run loop.
enum Report {
    /// `member add` was accepted: the member joins with this `--initial-cluster`,
    /// started now or, when the scenario says `"start": false`, by a later `restart`.
    Added {
        member: u32,
        initial_cluster: String,
        start: bool,
    },
    /// A removal was accepted.
    Removed { member: u32 },
    /// A step did nothing after all.
    Skipped(SkippedDoc),
}

/// Client writes, updated by their background tasks.
type Proposals = Arc<Mutex<Vec<ProposalDoc>>>;

struct Run<'a> {
    scenario: &'a Scenario,
    cluster: Cluster,
    t0: Instant,
    t0_epoch_ms: u64,
    /// How long the client waits for an answer: etcd's request timeout (5 s + 2 ×
    /// election) plus the grace the simulation's client gives it too.
    client_timeout: Duration,
    proposals: Proposals,
    skipped: Vec<SkippedDoc>,
    snapshots: BTreeMap<u32, JoinHandle<Result<PathBuf, String>>>,
    /// Puts, member changes, transfers: aborted at the end of the run.
    tasks: JoinSet<()>,
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
        let cluster = Cluster::new(&scenario.cluster, scenario.seed, &options.binaries).await?;
        let (reports, inbox) = mpsc::unbounded_channel();
        Ok(Run {
            scenario,
            cluster,
            t0: Instant::now(),
            t0_epoch_ms: now_epoch_ms(),
            client_timeout: Duration::from_millis(
                5000 + 2 * scenario.cluster.election_ms + sim::simulation::CLIENT_GRACE_MS,
            ),
            proposals: Proposals::default(),
            skipped: Vec::new(),
            snapshots: BTreeMap::new(),
            tasks: JoinSet::new(),
            reports,
            inbox,
        })
    }

    async fn stop_all(&mut self) {
        self.tasks.abort_all();
        self.cluster.stop_all().await;
    }

    fn ms_since_t0(&self, epoch_ms: u64) -> u64 {
        epoch_ms.saturating_sub(self.t0_epoch_ms)
    }

    async fn execute(&mut self) -> Result<RunResult, RunError> {
        let down = &self.scenario.cluster.down;
        let initial: Vec<u32> = (0..self.cluster.members().len() as u32)
            .filter(|&m| !down.contains(&self.cluster.members()[m as usize].name))
            .collect();
        for &member in &initial {
            self.cluster.start(member)?;
        }
        let t0_epoch = if initial.is_empty() {
            now_epoch_ms()
        } else {
            self.cluster.wait_started(&initial).await?
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
            self.cluster.check_exits()?;
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
                start,
            } => {
                let entry = self.cluster.member_mut(member);
                entry.launch.initial_cluster = initial_cluster;
                entry.launch.state = ClusterState::Existing;
                if start {
                    self.cluster.start(member)?;
                }
            }
            Report::Removed { member } => self.cluster.member_mut(member).removed = true,
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
        let mut by_name: Vec<u32> = (0..self.cluster.members().len() as u32).collect();
        by_name.sort_by_key(|&m| natural_key(&self.cluster.members()[m as usize].name));
        match selector {
            NodeSelector::Leader => self.cluster.leader().into_iter().collect(),
            NodeSelector::Follower => by_name
                .into_iter()
                .filter(|&m| {
                    self.cluster.running(m)
                        && matches!(self.cluster.role(m), Some((SeenRole::Follower, _)))
                })
                .take(1)
                .collect(),
            NodeSelector::Site(site) => match self.cluster.site_index(site) {
                Some(index) => by_name
                    .into_iter()
                    .filter(|&m| {
                        let member = &self.cluster.members()[m as usize];
                        member.site == index && !member.removed
                    })
                    .collect(),
                None => Vec::new(),
            },
            NodeSelector::Node(name) => self
                .cluster
                .members()
                .iter()
                .position(|m| &m.name == name)
                .map(|i| i as u32)
                .into_iter()
                .collect(),
        }
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
                                    self.cluster.members()[target as usize].name
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
                        if let Some(site) = self.cluster.site_index(member) {
                            entry.sites.insert(site);
                        } else if let Some(index) =
                            self.cluster.members().iter().position(|m| m.name == member)
                        {
                            entry.nodes.insert(NodeId(index as u32));
                        }
                    }
                    resolved.push(entry);
                }
                self.cluster
                    .links
                    .update(|network| network.groups = resolved);
            }
            Action::Heal => self.cluster.links.update(|network| network.heal()),
            Action::Cut { from, to, .. } => {
                // Two-way only: `check_expressible` refused one-way cuts.
                let end = |name: &str| {
                    let name = name.strip_prefix("site:").unwrap_or(name);
                    self.cluster.site_index(name).map(End::Site).or_else(|| {
                        self.cluster
                            .members()
                            .iter()
                            .position(|m| m.name == name)
                            .map(|index| End::Node(NodeId(index as u32)))
                    })
                };
                let (Some(a), Some(b)) = (end(from), end(to)) else {
                    self.skip(at_ms, step_index, name, "no_match");
                    return Ok(());
                };
                self.cluster.links.update(|network| {
                    network.directed_cuts.insert((a, b));
                    network.directed_cuts.insert((b, a));
                });
            }
            Action::SetLatency {
                intra,
                inter,
                from,
                to,
                ms,
            } => {
                let pair = match (from, to, ms) {
                    (Some(from), Some(to), Some(ms)) => {
                        match (self.cluster.site_index(from), self.cluster.site_index(to)) {
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
                self.cluster.links.update(|network| {
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
                start,
            } => {
                if let Err(reason) = self
                    .member_add(node, site, *learner, *start, at_ms, step_index)
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
        // A client that wants the leader while there is none still sends its write
        // somewhere: to the first member up, where it waits for a leader (as in the
        // simulation).
        let target = self.resolve(selector).into_iter().next().or_else(|| {
            (*selector == NodeSelector::Leader)
                .then(|| {
                    let mut up: Vec<u32> = (0..self.cluster.members().len() as u32)
                        .filter(|&m| self.cluster.running(m))
                        .collect();
                    up.sort_by_key(|&m| natural_key(&self.cluster.members()[m as usize].name));
                    up.first().copied()
                })
                .flatten()
        });
        let index = {
            let mut proposals = lock(&self.proposals);
            proposals.push(ProposalDoc {
                at_ms,
                value: value.clone(),
                node: target.map(|m| self.cluster.members()[m as usize].name.clone()),
                outcome: "pending".to_string(),
                reason: None,
                index: None,
                decided_at_ms: None,
            });
            proposals.len() - 1
        };
        let Some(target) = target else {
            // No member is up at all: the client has nowhere to send it.
            let mut proposals = lock(&self.proposals);
            proposals[index].outcome = "failed".to_string();
            proposals[index].reason = Some("no_leader".to_string());
            proposals[index].decided_at_ms = Some(at_ms);
            return;
        };
        let addr = self.cluster.members()[target as usize].addrs.client;
        let proposals = self.proposals.clone();
        let guard = self.client_timeout;
        let t0_epoch = self.t0_epoch_ms;
        self.tasks.spawn(async move {
            let body = json!({ "key": b64(&key_of(index)), "value": b64(&value) });
            let answer = gateway::call(addr, "/v3/kv/put", &body, guard).await;
            let decided = now_epoch_ms().saturating_sub(t0_epoch);
            let (outcome, reason) = classify_put(answer.map(|_| ()));
            let mut proposals = lock(&proposals);
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
                if !self.cluster.running(target) {
                    return Ok(Err("already_down".into()));
                }
                self.cluster.kill(target).await;
                Ok(())
            }
            Action::Restart { .. } => {
                if self.cluster.running(target) {
                    return Ok(Err("already_up".into()));
                }
                if self.cluster.members()[index].removed {
                    return Ok(Err("removed".into()));
                }
                self.cluster.start(target)?;
                Ok(())
            }
            Action::Isolate { .. } => {
                self.cluster
                    .links
                    .update(|network| network.isolated.insert(NodeId(target)));
                Ok(())
            }
            Action::Snapshot { .. } => {
                if !self.cluster.running(target) {
                    return Ok(Err("node_down".into()));
                }
                let file = self.cluster.dir().join(format!(
                    "{}-{at_ms}.snapshot.db",
                    self.cluster.members()[index].name
                ));
                let binaries = self.cluster.binaries().clone();
                let endpoint = self.cluster.members()[index].addrs.client.to_string();
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
                let Some(leader) = self.cluster.leader() else {
                    return Ok(Err("no_leader".into()));
                };
                let Some(id) = self.cluster.member_id(target) else {
                    return Ok(Err("not_a_member".into()));
                };
                let (path, body) = match action {
                    Action::Promote { .. } => (
                        "/v3/cluster/member/promote",
                        json!({ "ID": id.to_string() }),
                    ),
                    Action::MemberRemove { .. } => {
                        self.cluster.member_mut(target).removal_requested = true;
                        ("/v3/cluster/member/remove", json!({ "ID": id.to_string() }))
                    }
                    _ => (
                        "/v3/maintenance/transfer-leadership",
                        json!({ "targetID": id.to_string() }),
                    ),
                };
                let is_removal = matches!(action, Action::MemberRemove { .. });
                let addr = self.cluster.members()[leader as usize].addrs.client;
                let reports = self.reports.clone();
                let guard = self.client_timeout;
                let action_name = action.name();
                let name = self.cluster.members()[index].name.clone();
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
        self.cluster.kill(target).await;
        let token = self.cluster.new_token();
        let name = self.cluster.members()[index].name.clone();
        let url = self.cluster.members()[index].addrs.peer_url();
        let data_dir = self
            .cluster
            .dir()
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
        if let Err(reason) = process::etcdctl(self.cluster.binaries(), &args).await {
            return Ok(Err(format!("restore failed: {reason}")));
        }
        let member = self.cluster.member_mut(index as u32);
        member.launch.data_dir = data_dir;
        member.launch.initial_cluster = format!("{name}={url}");
        member.launch.token = token.clone();
        member.launch.state = ClusterState::New;
        member.token = token;
        member.removed = false;
        member.removal_requested = false;
        self.cluster.start(target)?;
        Ok(Ok(()))
    }

    async fn member_add(
        &mut self,
        name: &str,
        site: &str,
        learner: bool,
        start: bool,
        at_ms: u64,
        step: u32,
    ) -> Result<Result<(), String>, RunError> {
        let Some(site) = self.cluster.site_index(site) else {
            return Ok(Err("unknown_site".into()));
        };
        let Some(leader) = self.cluster.leader() else {
            return Ok(Err("no_leader".into()));
        };
        let token = self.cluster.members()[leader as usize].token.clone();
        let member = match self.cluster.members().iter().position(|m| m.name == name) {
            Some(existing) if !self.cluster.members()[existing].removed => {
                return Ok(Err(format!("{name}: already_member")));
            }
            Some(existing) => {
                // A former member comes back as a new one, with an empty data folder.
                let data_dir = self.cluster.dir().join(format!("{name}-{at_ms}.etcd"));
                let entry = self.cluster.member_mut(existing as u32);
                entry.launch.data_dir = data_dir;
                entry.site = site;
                entry.token = token;
                self.cluster.links.set_site(existing as u32, site);
                existing as u32
            }
            None => self.cluster.add_slot(name, site, token).await?,
        };
        let url = self.cluster.members()[member as usize].addrs.peer_url();
        let names: BTreeMap<String, String> = self
            .cluster
            .members()
            .iter()
            .map(|m| (m.addrs.peer_url(), m.name.clone()))
            .collect();
        let addr = self.cluster.members()[leader as usize].addrs.client;
        let reports = self.reports.clone();
        let guard = self.client_timeout;
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
                        start,
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
        let statuses = self.cluster.statuses().await;
        let observer = self.cluster.observe();
        let nodes = self
            .cluster
            .members()
            .iter()
            .enumerate()
            .map(|(member, entry)| {
                let seen = observer.members.get(member).cloned().unwrap_or_default();
                let status = statuses.get(&(member as u32));
                let role = if !self.cluster.running(member as u32) || entry.removed {
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
                        .cluster
                        .sites()
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
                node: self.cluster.members()[seen.member as usize].name.clone(),
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
        let proposals = lock(&self.proposals).clone();
        let mut seen_commits: Vec<(u64, u64, String)> = self
            .cluster
            .commits_seen()
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

mod answers;
mod plan;
#[cfg(test)]
mod tests;
