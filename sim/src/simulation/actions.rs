//! The scenario's and the widgets' actions: resolving node selectors, crashes and
//! restarts, member changes with etcd's strict reconfiguration checks, snapshots.

use super::*;

impl Simulation {
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

    pub(super) fn ids_by_name(&self) -> Vec<NodeId> {
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

    pub(super) fn skip(
        &mut self,
        step: Option<u32>,
        action: &'static str,
        reason: impl Into<String>,
    ) {
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

    pub(super) fn apply_action(&mut self, action: &Action, step: Option<u32>) {
        self.apply_action_inner(action, step);
        // Crashes, starts and network changes move etcd's peer connections.
        self.refresh_links();
    }

    pub(super) fn apply_action_inner(&mut self, action: &Action, step: Option<u32>) {
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

    /// A restore from a backup brings back the state as it was when saved: writes the
    /// old cluster acknowledged after that are gone. Not a Raft violation (an operator
    /// chose to go back in time), but reported: `lost_at_ms`.
    pub(super) fn mark_lost_by_restore(&mut self, saved: &SavedSnapshot) {
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
    pub(super) fn leader_for_change(&self) -> Result<NodeId, &'static str> {
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

    pub(super) fn apply_to(&mut self, action: &Action, target: NodeId) -> Result<(), &'static str> {
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

    pub(super) fn member_add(
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
    pub(super) fn start_member(&mut self, id: NodeId) {
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
    pub(super) fn member_count_at_start(&self, id: NodeId) -> u64 {
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
    pub(super) fn connected_to_all_voters(&self, leader: NodeId) -> bool {
        let voters = &self.nodes[leader.index()].raft.members.voters;
        let Some(since) = self.now.checked_sub(self.health_interval_ms) else {
            return voters.iter().all(|&voter| voter == leader);
        };
        voters
            .iter()
            .all(|&voter| voter == leader || self.peer_active_since(leader, voter, since))
    }

    /// Voters etcd counts as started (`IsStarted`: they published their name).
    pub(super) fn started_voters(&self, leader: NodeId, except: Option<NodeId>) -> (usize, usize) {
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
    pub(super) fn may_add(&self, leader: NodeId, learner: bool) -> Result<(), &'static str> {
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
    pub(super) fn may_remove(&self, leader: NodeId, target: NodeId) -> Result<(), &'static str> {
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
    pub(super) fn may_promote(&self, leader: NodeId, target: NodeId) -> Result<(), &'static str> {
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

    pub(super) fn stop_removed(&mut self, member: NodeId) {
        self.nodes[member.index()].removed = true;
        if self.nodes[member.index()].up {
            self.take_down(member);
            self.refresh_links();
        }
    }

    /// The member's process stops (SIGKILL, or a removed member shutting down): volatile
    /// state, timers and its clients' connections are lost.
    pub(super) fn take_down(&mut self, id: NodeId) {
        let node = &mut self.nodes[id.index()];
        node.up = false;
        node.incarnation += 1;
        node.scheduled = None;
        node.raft.crash();
        self.record(TraceKind::Crash { node: id });
        self.drop_connections(id);
    }
}
