//! Majority arithmetic: vote tallies and the committed index of a set of match indexes.
//!
//! Kept apart from the roles, like etcd-io/raft's `quorum` package, because this is where
//! "how many is enough" lives, and the talk is about exactly that number.

use std::collections::BTreeSet;

use crate::ids::{LogIndex, NodeId};

/// The size of a majority of `voters` members: ⌊n/2⌋ + 1 (etcd FAQ).
pub fn majority(voters: usize) -> usize {
    voters / 2 + 1
}

/// Outcome of an election as far as the votes received tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteResult {
    /// A majority granted.
    Won,
    /// A majority refused: this election cannot be won.
    Lost,
    /// Not decided yet.
    Pending,
}

/// Tallies `granted`/`refused` voters against the voters of the configuration.
pub fn vote_result(
    voters: &BTreeSet<NodeId>,
    granted: &BTreeSet<NodeId>,
    refused: &BTreeSet<NodeId>,
) -> VoteResult {
    let needed = majority(voters.len());
    let yes = voters.iter().filter(|v| granted.contains(v)).count();
    let no = voters.iter().filter(|v| refused.contains(v)).count();
    if yes >= needed {
        VoteResult::Won
    } else if voters.len() - no < needed {
        VoteResult::Lost
    } else {
        VoteResult::Pending
    }
}

/// The highest index replicated on a majority of voters, given each voter's match index
/// (a voter with no entry in `matched` counts as 0).
pub fn committed_index(
    voters: &BTreeSet<NodeId>,
    matched: impl Fn(NodeId) -> LogIndex,
) -> LogIndex {
    if voters.is_empty() {
        return LogIndex(0);
    }
    let mut indexes: Vec<LogIndex> = voters.iter().map(|&v| matched(v)).collect();
    // Sorted descending, the majority-th value is held by at least a majority.
    indexes.sort_unstable_by(|a, b| b.cmp(a));
    indexes[majority(indexes.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[u32]) -> BTreeSet<NodeId> {
        ids.iter().map(|&i| NodeId(i)).collect()
    }

    #[test]
    fn majorities_match_the_etcd_faq() {
        let expected = [
            (1, 1),
            (2, 2),
            (3, 2),
            (4, 3),
            (5, 3),
            (6, 4),
            (7, 4),
            (8, 5),
            (9, 5),
        ];
        for (size, quorum) in expected {
            assert_eq!(majority(size), quorum, "cluster of {size}");
        }
    }

    #[test]
    fn votes() {
        let voters = set(&[0, 1, 2]);
        assert_eq!(
            vote_result(&voters, &set(&[0, 1]), &set(&[])),
            VoteResult::Won
        );
        assert_eq!(
            vote_result(&voters, &set(&[0]), &set(&[1])),
            VoteResult::Pending
        );
        assert_eq!(
            vote_result(&voters, &set(&[0]), &set(&[1, 2])),
            VoteResult::Lost
        );
        // A 2+2 split of four members: two votes are not enough.
        let four = set(&[0, 1, 2, 3]);
        assert_eq!(
            vote_result(&four, &set(&[0, 1]), &set(&[2, 3])),
            VoteResult::Lost
        );
        // Votes of non-voters do not count.
        assert_eq!(
            vote_result(&voters, &set(&[0, 7, 8]), &set(&[])),
            VoteResult::Pending
        );
    }

    #[test]
    fn committed_is_the_majority_match() {
        let voters = set(&[0, 1, 2, 3, 4]);
        let matched = [5u64, 3, 9, 1, 3];
        let commit = committed_index(&voters, |v| LogIndex(matched[v.index()]));
        assert_eq!(commit, LogIndex(3));
        assert_eq!(committed_index(&set(&[]), |_| LogIndex(9)), LogIndex(0));
    }
}
