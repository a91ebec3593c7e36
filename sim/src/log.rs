//! The replicated log of one node: entries, the consistency check and conflict handling.
//!
//! Mirrors etcd-io/raft's `log.go` without compaction: the whole log stays in memory
//! (a talk-sized run has a few thousand entries), so a lagging follower is always caught
//! up by `Append` messages and no snapshot transfer is needed.

use std::sync::Arc;

use crate::ids::{LogIndex, Term};
use crate::membership::ConfChange;

/// What an entry carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryData {
    /// The empty entry a new leader appends to commit entries of earlier terms (§5.4.2).
    Empty,
    /// A client write; `proposal` identifies the client request (values may repeat).
    Value {
        /// Sequence number of the proposal in the simulation (0, 1, 2…).
        proposal: u64,
        /// The value written.
        value: Arc<str>,
    },
    /// A single-member configuration change (etcd's v1 `ConfChange`).
    Conf(ConfChange),
    /// The state restored from a backup (`etcdctl snapshot restore`): the client values
    /// the key-value store held when the snapshot was saved, as (proposal, value) in
    /// commit order. It opens a restored cluster's log (etcd's snapshot at index 1,
    /// term 1); a member joining that cluster receives it like any entry, where etcd
    /// would send the snapshot.
    Snapshot(Arc<[(u64, Arc<str>)]>),
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Term of the leader that created the entry.
    pub term: Term,
    /// Payload.
    pub data: EntryData,
}

/// A node's log. Invariant: `entries[i]` has index `i + 1`.
#[derive(Clone, Debug, Default)]
pub struct RaftLog {
    entries: Vec<Entry>,
}

impl RaftLog {
    /// A log holding `entries` (index 1 first).
    pub fn from_entries(entries: Vec<Entry>) -> RaftLog {
        RaftLog { entries }
    }

    /// Index of the last entry (0 when empty).
    pub fn last_index(&self) -> LogIndex {
        LogIndex(self.entries.len() as u64)
    }

    /// Term of the last entry (0 when empty).
    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(Term(0), |entry| entry.term)
    }

    /// Term of the entry at `index`; `Some(Term(0))` for index 0, `None` past the end.
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index.0 == 0 {
            return Some(Term(0));
        }
        self.entries
            .get(index.0 as usize - 1)
            .map(|entry| entry.term)
    }

    /// The entry at `index`, if any.
    pub fn entry(&self, index: LogIndex) -> Option<&Entry> {
        if index.0 == 0 {
            return None;
        }
        self.entries.get(index.0 as usize - 1)
    }

    /// All entries, index 1 first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Entries from `from` (inclusive) to the end.
    pub fn entries_from(&self, from: LogIndex) -> &[Entry] {
        let start = (from.0.max(1) - 1) as usize;
        self.entries.get(start..).unwrap_or(&[])
    }

    /// Whether the log has an entry at `index` with `term` (the AppendEntries
    /// consistency check, §5.3).
    pub fn matches(&self, index: LogIndex, term: Term) -> bool {
        self.term_at(index) == Some(term)
    }

    /// The Raft §5.4.1 up-to-date check: is a candidate's log at least as complete?
    pub fn is_up_to_date(&self, last_index: LogIndex, last_term: Term) -> bool {
        last_term > self.last_term()
            || (last_term == self.last_term() && last_index >= self.last_index())
    }

    /// Appends one entry at the end (a leader's own write); returns its index.
    pub fn push(&mut self, entry: Entry) -> LogIndex {
        self.entries.push(entry);
        self.last_index()
    }

    /// Follower side of AppendEntries after the consistency check passed: skips entries
    /// already present, truncates at the first conflicting one (§5.3) and appends the
    /// rest. Returns the index the truncation started at (if any) and the indexes of the
    /// newly written entries.
    pub fn merge(&mut self, prev_index: LogIndex, new: &[Entry]) -> MergeOutcome {
        let mut truncated_from = None;
        let mut first_written = None;
        for (offset, entry) in new.iter().enumerate() {
            let index = LogIndex(prev_index.0 + 1 + offset as u64);
            match self.term_at(index) {
                Some(term) if term == entry.term => continue,
                Some(_) => {
                    // A conflicting entry: it and everything after it were never
                    // committed (Log Matching), so they can go.
                    self.entries.truncate(index.0 as usize - 1);
                    truncated_from = Some(index);
                }
                None => {}
            }
            if first_written.is_none() {
                first_written = Some(index);
            }
            self.entries.push(entry.clone());
        }
        MergeOutcome {
            truncated_from,
            written: first_written.map(|first| (first, self.last_index())),
        }
    }

    /// The largest index `<= index` whose term is `<= term`: etcd's `findConflictByTerm`,
    /// used on both sides of a rejected append to skip a whole term at a time.
    pub fn find_conflict_by_term(&self, index: LogIndex, term: Term) -> (LogIndex, Term) {
        let mut probe = LogIndex(index.0.min(self.last_index().0));
        loop {
            let probe_term = self.term_at(probe).unwrap_or(Term(0));
            if probe_term <= term || probe.0 == 0 {
                return (probe, probe_term);
            }
            probe = probe.prev();
        }
    }

    /// Drops every entry after `index` (used by restore, which keeps only the committed prefix).
    pub fn truncate_after(&mut self, index: LogIndex) {
        self.entries.truncate(index.0 as usize);
    }
}

/// What [`RaftLog::merge`] changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergeOutcome {
    /// First index removed because of a conflict.
    pub truncated_from: Option<LogIndex>,
    /// First and last index written, if anything was.
    pub written: Option<(LogIndex, LogIndex)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_of(terms: &[u64]) -> RaftLog {
        RaftLog::from_entries(
            terms
                .iter()
                .map(|&term| Entry {
                    term: Term(term),
                    data: EntryData::Empty,
                })
                .collect(),
        )
    }

    fn entries(terms: &[u64]) -> Vec<Entry> {
        log_of(terms).entries
    }

    #[test]
    fn term_at_and_bounds() {
        let log = log_of(&[1, 1, 2]);
        assert_eq!(log.term_at(LogIndex(0)), Some(Term(0)));
        assert_eq!(log.term_at(LogIndex(3)), Some(Term(2)));
        assert_eq!(log.term_at(LogIndex(4)), None);
        assert_eq!(log.last_index(), LogIndex(3));
        assert_eq!(log.last_term(), Term(2));
    }

    #[test]
    fn merge_skips_existing_and_truncates_conflicts() {
        // Raft §5.3: "If an existing entry conflicts with a new one (same index but
        // different terms), delete the existing entry and all that follow it".
        let mut log = log_of(&[1, 1, 2, 2]);
        let outcome = log.merge(LogIndex(1), &entries(&[1, 3]));
        assert_eq!(outcome.truncated_from, Some(LogIndex(3)));
        assert_eq!(outcome.written, Some((LogIndex(3), LogIndex(3))));
        let terms: Vec<u64> = log.entries().iter().map(|e| e.term.0).collect();
        assert_eq!(terms, vec![1, 1, 3]);
    }

    #[test]
    fn merge_of_stale_prefix_keeps_longer_log() {
        // A delayed append carrying entries we already have must not shorten the log.
        let mut log = log_of(&[1, 1, 1]);
        let outcome = log.merge(LogIndex(0), &entries(&[1]));
        assert_eq!(outcome.truncated_from, None);
        assert_eq!(outcome.written, None);
        assert_eq!(log.last_index(), LogIndex(3));
    }

    #[test]
    fn find_conflict_by_term_skips_whole_terms() {
        let log = log_of(&[1, 1, 4, 4, 5, 5]);
        assert_eq!(
            log.find_conflict_by_term(LogIndex(6), Term(4)),
            (LogIndex(4), Term(4))
        );
        assert_eq!(
            log.find_conflict_by_term(LogIndex(6), Term(3)),
            (LogIndex(2), Term(1))
        );
        assert_eq!(
            log.find_conflict_by_term(LogIndex(10), Term(9)),
            (LogIndex(6), Term(5))
        );
        assert_eq!(
            log.find_conflict_by_term(LogIndex(6), Term(0)),
            (LogIndex(0), Term(0))
        );
    }

    #[test]
    fn up_to_date_check() {
        let log = log_of(&[1, 2]);
        assert!(log.is_up_to_date(LogIndex(1), Term(3)));
        assert!(log.is_up_to_date(LogIndex(2), Term(2)));
        assert!(!log.is_up_to_date(LogIndex(1), Term(2)));
        assert!(!log.is_up_to_date(LogIndex(5), Term(1)));
    }
}
