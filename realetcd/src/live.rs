//! A real cluster for the stage: started from a scenario's cluster, acted on by clicks
//! (crash, restart, isolate, cut and heal a site link, write, transfer leadership,
//! reset), observed many times a second, and recorded so the run can be replayed later
//! as a scenario.
//!
//! What it reports is raw and language-neutral — roles, terms, indexes, links, writes
//! and the events seen — the widget tells it in French, as it tells the simulation.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sim::ids::NodeId;
use sim::scenario::{Action, NodeSelector, Scenario, Step};
use tokio::task::JoinSet;

use crate::cluster::{lock, now_epoch_ms, Cluster, RunError};
use crate::gateway::{self, b64};
use crate::observe::SeenRole;
use crate::process::EtcdBinaries;
use crate::runner::classify_put;

/// Events kept for the widget's captions.
const EVENTS_KEPT: usize = 64;

/// Events kept for the recording's observed trace: a long demo's worth (an election is
/// three events), bounded so a forgotten cluster cannot grow the server.
const HISTORY_KEPT: usize = 10_000;

/// Writes kept for the widget's panel.
const WRITES_KEPT: usize = 12;

/// A click on the live widget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum LiveAction {
    /// SIGKILL a member.
    Crash {
        /// Member name.
        node: String,
    },
    /// Start a stopped member again on its data folder.
    Restart {
        /// Member name.
        node: String,
    },
    /// Cut every link of a member.
    Isolate {
        /// Member name.
        node: String,
    },
    /// Cut the link between two sites.
    CutLink {
        /// One site.
        from: String,
        /// The other.
        to: String,
    },
    /// Restore the link between two sites.
    HealLink {
        /// One site.
        from: String,
        /// The other.
        to: String,
    },
    /// Restore every link.
    Heal,
    /// A client write through a member (default: the leader).
    Propose {
        /// The value.
        value: String,
        /// Member name.
        #[serde(default)]
        node: Option<String>,
    },
    /// Move leadership to a member.
    TransferLeader {
        /// Member name.
        node: String,
    },
    /// Back to the initial state: every member restarted on empty folders.
    Reset,
}

/// A member as the widget draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveMember {
    /// Name.
    pub name: String,
    /// Site.
    pub site: String,
    /// Its process runs.
    pub up: bool,
    /// `leader|follower|candidate|pre_candidate|down|learner`.
    pub role: String,
    /// Raft term.
    pub term: u64,
    /// Commit index.
    pub commit_index: u64,
    /// Applied index.
    pub applied_index: u64,
    /// It was started but did not come back (its process exited on its own).
    pub failed: bool,
}

/// A link between two sites.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveLink {
    /// One site.
    pub from: String,
    /// The other.
    pub to: String,
    /// Whether the sites can talk.
    pub up: bool,
    /// Bytes per second through the proxies, `from → to`, over the last period.
    pub bytes_per_s: u64,
    /// Bytes per second `to → from`.
    pub bytes_per_s_back: u64,
}

/// A client write and what the client learnt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveWrite {
    /// The value.
    pub value: String,
    /// The member it was sent to.
    pub node: Option<String>,
    /// When (ms since the cluster started).
    pub at_ms: u64,
    /// `pending|committed|failed|unknown`.
    pub outcome: String,
    /// Why, when not committed.
    pub reason: Option<String>,
    /// When the answer came.
    pub decided_at_ms: Option<u64>,
}

/// Something that happened, for the captions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveEvent {
    /// When (ms since the cluster started).
    pub at_ms: u64,
    /// `role` (with `role`, `term`), `crash`, `restart`, `isolate`, `cut`, `heal`,
    /// `write` (with `outcome`), `transfer`, `failed`.
    pub kind: String,
    /// The member (or `A-B` for a link).
    pub subject: String,
    /// Role, outcome or reason.
    pub detail: String,
    /// Term, for role changes.
    pub term: u64,
}

/// What a real cluster did during a live run, saved beside its recording.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObservedTrace {
    /// The cluster's generation (resets so far).
    pub generation: u64,
    /// When the trace ends (ms since the cluster started).
    pub until_ms: u64,
    /// Every event, oldest first.
    pub events: Vec<LiveEvent>,
    /// The last writes, with when they were decided.
    pub writes: Vec<LiveWrite>,
}

/// Everything the widget needs to draw the real cluster now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveState {
    /// Bumped by each reset.
    pub generation: u64,
    /// Time since this generation started (ms).
    pub now_ms: u64,
    /// Members.
    pub members: Vec<LiveMember>,
    /// The leader with the highest term, if any.
    pub leader: Option<String>,
    /// Links between sites.
    pub links: Vec<LiveLink>,
    /// Last writes.
    pub writes: Vec<LiveWrite>,
    /// Last events, oldest first.
    pub events: Vec<LiveEvent>,
}

/// A cluster on stage.
pub struct LiveCluster {
    scenario: Scenario,
    binaries: EtcdBinaries,
    cluster: Cluster,
    generation: u64,
    started_epoch_ms: u64,
    writes: Arc<Mutex<VecDeque<LiveWrite>>>,
    events: Arc<Mutex<VecDeque<LiveEvent>>>,
    /// Roles last reported, to turn the logs into events.
    last_roles: Vec<Option<(SeenRole, u64)>>,
    /// Members whose process exited on its own.
    failed: Vec<bool>,
    /// Traffic counters at the last look, and when.
    last_traffic: (u64, BTreeMap<(u32, u32), u64>),
    /// The clicks, for the recording.
    recorded: Vec<Step>,
    /// Members crashed while they led: recorded as `leader`, so their restart is recorded
    /// by site (the replay's leader need not be the same member).
    crashed_leading: Vec<bool>,
    next_write: u64,
    tasks: JoinSet<()>,
}

impl LiveCluster {
    /// Starts the scenario's cluster (its steps are not played: the speaker acts).
    pub async fn start(
        scenario: &Scenario,
        binaries: &EtcdBinaries,
    ) -> Result<LiveCluster, RunError> {
        crate::runner::check_expressible(scenario)?;
        let cluster = Cluster::new(&scenario.cluster, scenario.seed, binaries).await?;
        let mut live = LiveCluster {
            scenario: scenario.clone(),
            binaries: binaries.clone(),
            cluster,
            generation: 0,
            started_epoch_ms: now_epoch_ms(),
            writes: Arc::default(),
            events: Arc::default(),
            last_roles: Vec::new(),
            failed: Vec::new(),
            last_traffic: (now_epoch_ms(), BTreeMap::new()),
            recorded: Vec::new(),
            crashed_leading: Vec::new(),
            next_write: 0,
            tasks: JoinSet::new(),
        };
        live.boot().await?;
        Ok(live)
    }

    async fn boot(&mut self) -> Result<(), RunError> {
        let down = self.scenario.cluster.down.clone();
        let initial: Vec<u32> = (0..self.cluster.members().len() as u32)
            .filter(|&m| !down.contains(&self.cluster.members()[m as usize].name))
            .collect();
        for &member in &initial {
            self.cluster.start(member)?;
        }
        self.started_epoch_ms = self.cluster.wait_started(&initial).await?;
        let count = self.cluster.members().len();
        self.last_roles = vec![None; count];
        self.failed = vec![false; count];
        Ok(())
    }

    fn now_ms(&self) -> u64 {
        now_epoch_ms().saturating_sub(self.started_epoch_ms)
    }

    fn event(&self, kind: &str, subject: &str, detail: &str, term: u64) {
        push_event(&self.events, self.now_ms(), kind, subject, detail, term);
    }

    fn member(&self, name: &str) -> Result<u32, String> {
        self.cluster
            .member_named(name)
            .ok_or_else(|| format!("unknown member `{name}`"))
    }

    fn site(&self, name: &str) -> Result<u32, String> {
        self.cluster
            .site_index(name)
            .ok_or_else(|| format!("unknown site `{name}`"))
    }

    /// Acts on the cluster. `Err` says why nothing was done (shown to the presenter).
    pub async fn act(&mut self, action: LiveAction) -> Result<(), String> {
        let at_ms = self.now_ms();
        match &action {
            LiveAction::Crash { node } => {
                let member = self.member(node)?;
                if !self.cluster.running(member) {
                    return Err(format!("{node} is already down"));
                }
                // The story the room saw is « the leader crashes »: the replay's
                // simulation elects its own first leader, maybe another member, so the
                // recording names the role (a member's name in the label would point at
                // another circle in the replay).
                let leading = self.cluster.leader() == Some(member);
                self.cluster.kill(member).await;
                self.event("crash", node, "", 0);
                if self.crashed_leading.len() <= member as usize {
                    self.crashed_leading.resize(member as usize + 1, false);
                }
                self.crashed_leading[member as usize] = leading;
                let (selector, label) = if leading {
                    (NodeSelector::Leader, "Le leader tombe".to_string())
                } else {
                    (NodeSelector::Node(node.clone()), format!("{node} tombe"))
                };
                self.record_labelled(at_ms, Action::Crash { node: selector }, label);
            }
            LiveAction::Restart { node } => {
                let member = self.member(node)?;
                if self.cluster.running(member) {
                    return Err(format!("{node} is already running"));
                }
                self.failed[member as usize] = false;
                self.cluster
                    .start(member)
                    .map_err(|error| error.to_string())?;
                self.event("restart", node, "", 0);
                // A member crashed as the leader comes back as whoever is down on its
                // site in the replay.
                let was_leading = self
                    .crashed_leading
                    .get(member as usize)
                    .copied()
                    .unwrap_or(false);
                let (selector, label) = if was_leading {
                    let site_index = self.cluster.members()[member as usize].site as usize;
                    let site = self.cluster.sites()[site_index].clone();
                    (
                        NodeSelector::Site(site),
                        "L'ancien leader redémarre".to_string(),
                    )
                } else {
                    (
                        NodeSelector::Node(node.clone()),
                        format!("{node} redémarre"),
                    )
                };
                self.record_labelled(at_ms, Action::Restart { node: selector }, label);
            }
            LiveAction::Isolate { node } => {
                let member = self.member(node)?;
                self.cluster
                    .links
                    .update(|network| network.isolated.insert(NodeId(member)));
                self.event("isolate", node, "", 0);
                self.record(
                    at_ms,
                    Action::Isolate {
                        node: NodeSelector::Node(node.clone()),
                    },
                );
            }
            LiveAction::CutLink { from, to } | LiveAction::HealLink { from, to } => {
                let (a, b) = (self.site(from)?, self.site(to)?);
                let cut = matches!(action, LiveAction::CutLink { .. });
                self.cluster.links.update(|network| {
                    let key = (a.min(b), a.max(b));
                    if cut {
                        network.cut_links.insert(key);
                    } else {
                        network.cut_links.remove(&key);
                    }
                });
                let subject = format!("{from}-{to}");
                self.event(if cut { "cut" } else { "heal" }, &subject, "", 0);
                // The scenario format has no single-link cut: record it as the partition
                // that separates what stays connected.
                self.record(at_ms, self.partition_action());
            }
            LiveAction::Heal => {
                self.cluster.links.update(|network| network.heal());
                self.event("heal", "", "", 0);
                self.record(at_ms, Action::Heal);
            }
            LiveAction::Propose { value, node } => {
                let target = match node {
                    Some(node) => Some(self.member(node)?),
                    None => self.cluster.leader(),
                };
                self.propose(at_ms, value.clone(), target);
                self.record(
                    at_ms,
                    Action::Propose {
                        value: value.clone(),
                        node: node
                            .clone()
                            .map_or(NodeSelector::Leader, NodeSelector::Node),
                    },
                );
            }
            LiveAction::TransferLeader { node } => {
                let member = self.member(node)?;
                let leader = self.cluster.leader().ok_or("no leader to transfer from")?;
                let id = self
                    .cluster
                    .member_id(member)
                    .ok_or_else(|| format!("{node} has no ID yet"))?;
                let addr = self.cluster.members()[leader as usize].addrs.client;
                let events = self.events.clone();
                let started = self.started_epoch_ms;
                let name = node.clone();
                self.tasks.spawn(async move {
                    let body = json!({ "targetID": id.to_string() });
                    let answer = gateway::call(
                        addr,
                        "/v3/maintenance/transfer-leadership",
                        &body,
                        Duration::from_secs(10),
                    )
                    .await;
                    let detail = match answer {
                        Ok(_) => "ok".to_string(),
                        Err(error) => error.to_string(),
                    };
                    let at = now_epoch_ms().saturating_sub(started);
                    push_event(&events, at, "transfer", &name, &detail, 0);
                });
                self.record(
                    at_ms,
                    Action::TransferLeader {
                        node: NodeSelector::Node(node.clone()),
                    },
                );
            }
            LiveAction::Reset => self.reset().await.map_err(|error| error.to_string())?,
        }
        Ok(())
    }

    /// The partition equivalent to the current site links (for the recording).
    fn partition_action(&self) -> Action {
        let sites = self.cluster.sites().to_vec();
        let groups = self.cluster.links.read(|network| {
            let mut groups: Vec<Vec<String>> = Vec::new();
            for (index, site) in sites.iter().enumerate() {
                let joined = groups.iter_mut().find(|group| {
                    group.iter().all(|other| {
                        let other = sites.iter().position(|s| s == other).unwrap_or(0) as u32;
                        network.sites_connected(index as u32, other)
                    })
                });
                match joined {
                    Some(group) => group.push(site.clone()),
                    None => groups.push(vec![site.clone()]),
                }
            }
            groups
        });
        if groups.len() <= 1 {
            Action::Heal
        } else {
            Action::Partition { groups }
        }
    }

    fn record(&mut self, at_ms: u64, action: Action) {
        self.recorded.push(Step {
            at_ms,
            every_ms: None,
            label: None,
            action,
        });
    }

    /// Records a click with the caption the replay shows for it.
    fn record_labelled(&mut self, at_ms: u64, action: Action, label: String) {
        self.recorded.push(Step {
            at_ms,
            every_ms: None,
            label: Some(label),
            action,
        });
    }

    fn propose(&mut self, at_ms: u64, value: String, target: Option<u32>) {
        let node = target.map(|m| self.cluster.members()[m as usize].name.clone());
        {
            let mut writes = lock(&self.writes);
            writes.push_back(LiveWrite {
                value: value.clone(),
                node: node.clone(),
                at_ms,
                outcome: "pending".to_string(),
                reason: None,
                decided_at_ms: None,
            });
            while writes.len() > WRITES_KEPT {
                writes.pop_front();
            }
        }
        let Some(target) = target else {
            self.settle_write(
                &value,
                at_ms,
                "failed",
                Some("no_leader".to_string()),
                at_ms,
            );
            return;
        };
        self.next_write += 1;
        let key = format!(
            "{}live-{}-{}",
            crate::cluster::KEY_PREFIX,
            self.generation,
            self.next_write
        );
        let addr = self.cluster.members()[target as usize].addrs.client;
        let guard = Duration::from_millis(5000 + 2 * self.scenario.cluster.election_ms + 3000);
        let writes = self.writes.clone();
        let events = self.events.clone();
        let started = self.started_epoch_ms;
        self.tasks.spawn(async move {
            let body = json!({ "key": b64(&key), "value": b64(&value) });
            let answer = gateway::call(addr, "/v3/kv/put", &body, guard).await;
            let (outcome, reason) = classify_put(answer.map(|_| ()));
            let decided = now_epoch_ms().saturating_sub(started);
            settle(&writes, &value, at_ms, outcome, reason.clone(), decided);
            push_event(&events, decided, "write", &value, outcome, 0);
        });
    }

    fn settle_write(
        &self,
        value: &str,
        at_ms: u64,
        outcome: &str,
        reason: Option<String>,
        decided: u64,
    ) {
        settle(&self.writes, value, at_ms, outcome, reason, decided);
        self.event("write", value, outcome, 0);
    }

    /// Back to the initial state: every member killed, new folders, a new cluster.
    pub async fn reset(&mut self) -> Result<(), RunError> {
        self.tasks.abort_all();
        self.cluster.stop_all().await;
        self.cluster =
            Cluster::new(&self.scenario.cluster, self.scenario.seed, &self.binaries).await?;
        self.generation += 1;
        lock(&self.writes).clear();
        lock(&self.events).clear();
        self.recorded.clear();
        self.crashed_leading.clear();
        self.boot().await?;
        self.event("reset", "", "", 0);
        Ok(())
    }

    /// Reads the logs, the members' status and the traffic: the state to draw now.
    pub async fn state(&mut self) -> LiveState {
        let exited = self.cluster.check_exits();
        if let Err(RunError::MemberFailed { name, .. }) = exited {
            if let Some(member) = self.cluster.member_named(&name) {
                self.failed[member as usize] = true;
                self.event("failed", &name, "", 0);
            }
        }
        let statuses = self.cluster.statuses().await;
        let count = self.cluster.members().len();
        if self.last_roles.len() < count {
            self.last_roles.resize(count, None);
            self.failed.resize(count, false);
        }
        for member in 0..count as u32 {
            let seen = self.cluster.role(member);
            let previous = self.last_roles[member as usize];
            if seen != previous && self.cluster.running(member) {
                if let Some((role, term)) = seen {
                    let name = self.cluster.members()[member as usize].name.clone();
                    self.event("role", &name, role_name(role), term);
                }
                self.last_roles[member as usize] = seen;
            }
        }
        let members: Vec<LiveMember> = (0..count as u32)
            .map(|member| {
                let entry = &self.cluster.members()[member as usize];
                let up = self.cluster.running(member);
                let status = statuses.get(&member);
                let (role, term) = match (up, self.cluster.role(member)) {
                    (false, seen) => ("down", seen.map_or(0, |(_, t)| t)),
                    (true, _) if status.is_some_and(|s| s.is_learner) => ("learner", 0),
                    (true, Some((role, term))) => (role_name(role), term),
                    (true, None) => ("follower", 0),
                };
                LiveMember {
                    name: entry.name.clone(),
                    site: self.cluster.sites()[entry.site as usize].clone(),
                    up,
                    role: role.to_string(),
                    term: status.map_or(term, |s| s.raft_term.max(term)),
                    commit_index: status.map_or(0, |s| s.raft_index),
                    applied_index: status.map_or(0, |s| s.applied_index),
                    failed: self.failed[member as usize],
                }
            })
            .collect();
        let leader = self
            .cluster
            .leader()
            .map(|m| self.cluster.members()[m as usize].name.clone());
        let links = self.links();
        LiveState {
            generation: self.generation,
            now_ms: self.now_ms(),
            members,
            leader,
            links,
            writes: lock(&self.writes).iter().cloned().collect(),
            events: {
                // The frame carries the last events only; the rest is the trace's.
                let events = lock(&self.events);
                let skip = events.len().saturating_sub(EVENTS_KEPT);
                events.iter().skip(skip).cloned().collect()
            },
        }
    }

    fn links(&mut self) -> Vec<LiveLink> {
        let now = now_epoch_ms();
        let traffic = self.cluster.links.traffic();
        let elapsed_ms = now.saturating_sub(self.last_traffic.0).max(1);
        let sites = self.cluster.sites().to_vec();
        let site_of: Vec<u32> = self.cluster.members().iter().map(|m| m.site).collect();
        let mut per_pair: BTreeMap<(u32, u32), u64> = BTreeMap::new();
        for (&(from, to), &bytes) in &traffic {
            let before = self.last_traffic.1.get(&(from, to)).copied().unwrap_or(0);
            let (Some(&a), Some(&b)) = (site_of.get(from as usize), site_of.get(to as usize))
            else {
                continue;
            };
            if a != b {
                *per_pair.entry((a, b)).or_default() += bytes.saturating_sub(before);
            }
        }
        self.last_traffic = (now, traffic);
        let mut links = Vec::new();
        for a in 0..sites.len() as u32 {
            for b in a + 1..sites.len() as u32 {
                let up = self
                    .cluster
                    .links
                    .read(|network| network.sites_connected(a, b));
                let rate = |bytes: u64| bytes * 1000 / elapsed_ms;
                links.push(LiveLink {
                    from: sites[a as usize].clone(),
                    to: sites[b as usize].clone(),
                    up,
                    bytes_per_s: rate(per_pair.get(&(a, b)).copied().unwrap_or(0)),
                    bytes_per_s_back: rate(per_pair.get(&(b, a)).copied().unwrap_or(0)),
                });
            }
        }
        links
    }

    /// The last log line of each member that did not come back, for the presenter.
    pub fn diagnostics(&self) -> BTreeMap<String, String> {
        self.failed
            .iter()
            .enumerate()
            .filter(|(_, &failed)| failed)
            .map(|(member, _)| {
                (
                    self.cluster.members()[member].name.clone(),
                    self.cluster.last_log_line(member as u32),
                )
            })
            .collect()
    }

    /// The run so far as a scenario: the cluster and every click at its time, to be
    /// replayed as a simulated widget.
    pub fn recording(&self, name: &str, title: &str) -> Scenario {
        let mut scenario = self.scenario.clone();
        scenario.name = name.to_string();
        scenario.title = Some(title.to_string());
        scenario.steps = self.recorded.clone();
        scenario.until_ms = Some(self.now_ms().max(1000));
        scenario
    }

    /// What was observed since the cluster (re)started, for the recording: every event
    /// (role changes with their terms, crashes, restarts, cuts, writes with their
    /// outcome…), oldest first, and the last writes with their latency.
    pub fn observed(&self) -> ObservedTrace {
        ObservedTrace {
            generation: self.generation,
            until_ms: self.now_ms(),
            events: lock(&self.events).iter().cloned().collect(),
            writes: lock(&self.writes).iter().cloned().collect(),
        }
    }

    /// Stops every member.
    pub async fn stop(&mut self) {
        self.tasks.abort_all();
        self.cluster.stop_all().await;
    }
}

fn role_name(role: SeenRole) -> &'static str {
    match role {
        SeenRole::Leader => "leader",
        SeenRole::Follower => "follower",
        SeenRole::Candidate => "candidate",
        SeenRole::PreCandidate => "pre_candidate",
    }
}

fn push_event(
    events: &Mutex<VecDeque<LiveEvent>>,
    at_ms: u64,
    kind: &str,
    subject: &str,
    detail: &str,
    term: u64,
) {
    let mut events = lock(events);
    events.push_back(LiveEvent {
        at_ms,
        kind: kind.to_string(),
        subject: subject.to_string(),
        detail: detail.to_string(),
        term,
    });
    while events.len() > HISTORY_KEPT {
        events.pop_front();
    }
}

fn settle(
    writes: &Mutex<VecDeque<LiveWrite>>,
    value: &str,
    at_ms: u64,
    outcome: &str,
    reason: Option<String>,
    decided: u64,
) {
    let mut writes = lock(writes);
    if let Some(write) = writes
        .iter_mut()
        .find(|w| w.value == value && w.at_ms == at_ms && w.outcome == "pending")
    {
        write.outcome = outcome.to_string();
        write.reason = reason;
        write.decided_at_ms = Some(decided);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clicks_are_json_the_presenter_posts() {
        let action: LiveAction = serde_json::from_str(r#"{"do":"crash","node":"n2"}"#).unwrap();
        assert_eq!(action, LiveAction::Crash { node: "n2".into() });
        let action: LiveAction =
            serde_json::from_str(r#"{"do":"cut_link","from":"A","to":"B"}"#).unwrap();
        assert_eq!(
            action,
            LiveAction::CutLink {
                from: "A".into(),
                to: "B".into()
            }
        );
        assert!(serde_json::from_str::<LiveAction>(r#"{"do":"crash"}"#).is_err());
        assert!(serde_json::from_str::<LiveAction>(r#"{"do":"format_disk","node":"n1"}"#).is_err());
    }
}
