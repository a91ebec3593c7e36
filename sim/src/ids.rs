//! Newtypes for the numbers Raft juggles, so a term can never be passed as an index.
//!
//! All of them are fixed-width integers (never `usize`): the simulation must give the
//! same trace on 64-bit native targets and on 32-bit `wasm32`.

use serde::{Deserialize, Serialize};

/// Index of a node in the simulation (0, 1, 2… in order of creation).
///
/// Scenario files name nodes with strings (`"n1"`); the simulation maps each name to a
/// `NodeId` once, so the Raft core compares small integers.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct NodeId(pub u32);

/// A Raft term: a logical clock that only grows (Raft §5.1).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Term(pub u64);

/// Position of an entry in a Raft log; the first entry has index 1, 0 means "before the log".
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct LogIndex(pub u64);

/// Identity of a logical cluster. A restore from snapshot starts a new one (like
/// `etcdutl snapshot restore`); nodes ignore messages carrying another cluster's id.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct ClusterId(pub u64);

impl NodeId {
    /// The id as an index into the simulation's node table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl LogIndex {
    /// The next index.
    pub fn next(self) -> LogIndex {
        LogIndex(self.0 + 1)
    }

    /// The previous index, saturating at 0.
    pub fn prev(self) -> LogIndex {
        LogIndex(self.0.saturating_sub(1))
    }
}

impl Term {
    /// The next term.
    pub fn next(self) -> Term {
        Term(self.0 + 1)
    }
}
