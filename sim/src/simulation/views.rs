//! What callers read off a run: node and log views, messages in flight, the trace,
//! invariant violations and the result JSON.

use super::*;

impl Simulation {
    /// The role views show: `down` for a stopped member, else its Raft role.
    pub(super) fn view_role(&self, id: NodeId) -> Role {
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

    /// Every node as drawn, in creation order.
    pub fn nodes(&self) -> Vec<NodeView> {
        (0..self.nodes.len() as u32)
            .map(|id| self.node_view(NodeId(id)))
            .collect()
    }

    pub(super) fn name_of(&self, id: NodeId) -> String {
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

    pub(super) fn log_view(&self, id: NodeId) -> Vec<EntryView> {
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
