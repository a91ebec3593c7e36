//! Cluster membership: voters and learners, and etcd's single-member changes.
//!
//! As in etcd (v1 `ConfChange`), a change is an ordinary log entry that takes effect on a
//! node when that node applies it (once committed), and a leader allows one pending change
//! at a time. Adding or removing one voter at a time keeps every old and new majority
//! overlapping, so no joint consensus is needed.

use std::collections::BTreeSet;

use crate::ids::NodeId;

/// A single-member configuration change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfChange {
    /// Add a voter, or promote a learner to voter.
    AddVoter(NodeId),
    /// Add a learner: it receives the log but neither votes nor counts for commit.
    AddLearner(NodeId),
    /// Remove a voter or learner.
    Remove(NodeId),
}

/// The members of a cluster as one node sees them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Membership {
    /// Members that vote and count towards commit.
    pub voters: BTreeSet<NodeId>,
    /// Members that only replicate.
    pub learners: BTreeSet<NodeId>,
}

impl Membership {
    /// A configuration of voters only.
    pub fn of_voters(voters: impl IntoIterator<Item = NodeId>) -> Membership {
        Membership {
            voters: voters.into_iter().collect(),
            learners: BTreeSet::new(),
        }
    }

    /// Applies one change.
    pub fn apply(&mut self, change: ConfChange) {
        match change {
            ConfChange::AddVoter(node) => {
                self.learners.remove(&node);
                self.voters.insert(node);
            }
            ConfChange::AddLearner(node) => {
                // etcd refuses to demote a voter to learner; do the same (no-op).
                if !self.voters.contains(&node) {
                    self.learners.insert(node);
                }
            }
            ConfChange::Remove(node) => {
                self.voters.remove(&node);
                self.learners.remove(&node);
            }
        }
    }

    /// Whether `node` is a voter (etcd's "promotable": only voters campaign).
    pub fn is_voter(&self, node: NodeId) -> bool {
        self.voters.contains(&node)
    }

    /// Whether `node` is a learner.
    pub fn is_learner(&self, node: NodeId) -> bool {
        self.learners.contains(&node)
    }

    /// Every member, voters and learners, in id order.
    pub fn members(&self) -> impl Iterator<Item = NodeId> + '_ {
        let mut all: Vec<NodeId> = self
            .voters
            .iter()
            .chain(self.learners.iter())
            .copied()
            .collect();
        all.sort();
        all.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learner_then_promote_then_remove() {
        let mut config = Membership::of_voters([NodeId(0), NodeId(1), NodeId(2)]);
        config.apply(ConfChange::AddLearner(NodeId(3)));
        assert!(config.is_learner(NodeId(3)) && !config.is_voter(NodeId(3)));
        config.apply(ConfChange::AddVoter(NodeId(3)));
        assert!(config.is_voter(NodeId(3)) && !config.is_learner(NodeId(3)));
        config.apply(ConfChange::Remove(NodeId(0)));
        assert_eq!(config.voters.len(), 3);
        assert!(!config.is_voter(NodeId(0)));
    }

    #[test]
    fn a_voter_is_never_demoted() {
        let mut config = Membership::of_voters([NodeId(0)]);
        config.apply(ConfChange::AddLearner(NodeId(0)));
        assert!(config.is_voter(NodeId(0)));
        assert!(!config.is_learner(NodeId(0)));
    }
}
