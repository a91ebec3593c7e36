//! Clients: when a member serves them, their writes waiting for a leader, and each
//! write's outcome.

use super::*;

impl Simulation {
    /// Marks `id` as serving clients once its publish would have committed — it knows a
    /// leader whose term has an entry committed (the leader's first entry; the publish
    /// follows it) — and hands it the requests it accepted meanwhile, each with etcd's
    /// request timeout from now.
    pub(super) fn start_serving(&mut self, id: NodeId) {
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
    pub(super) fn release_waiting(&mut self, id: NodeId) {
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

    pub(super) fn decide(&mut self, proposal: u64, outcome: Outcome, reason: Option<&'static str>) {
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

    pub(super) fn propose(&mut self, value: &str, selector: &NodeSelector) {
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
}
