//! Acting on what a member's Raft reports after each step (its notes): role changes,
//! commits and applied entries, membership changes, dropped proposals.

use super::*;

impl Simulation {
    pub(super) fn handle_note(&mut self, id: NodeId, note: Note, removed: &mut Vec<NodeId>) {
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
    pub(super) fn on_committed_entry(&mut self, id: NodeId, cluster: ClusterId, index: LogIndex) {
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
}
