//! What a leader knows about each follower's log (etcd-io/raft's `tracker.Progress`).

use crate::ids::LogIndex;

/// How the leader sends entries to a follower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressState {
    /// The leader does not know where the follower's log ends: one append at a time,
    /// each answer moving `next` (backwards on a reject, with the follower's hint).
    Probe,
    /// The follower's log is known to match: entries are streamed optimistically.
    Replicate,
}

/// One follower (or learner) as tracked by the leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Highest index known to be replicated on the follower.
    pub matched: LogIndex,
    /// Next index to send. Invariant: `matched < next`.
    pub next: LogIndex,
    /// Sending mode.
    pub state: ProgressState,
    /// In probe mode, an append is outstanding: wait for its answer or the next heartbeat
    /// (avoids sending the same probe on every proposal).
    pub probe_sent: bool,
    /// Heard from the follower since the last CheckQuorum round.
    pub recent_active: bool,
}

impl Progress {
    /// A fresh progress for a follower when a leader takes office: optimistic `next`.
    pub fn new(last_index: LogIndex) -> Progress {
        Progress {
            matched: LogIndex(0),
            next: last_index.next(),
            state: ProgressState::Probe,
            probe_sent: false,
            recent_active: false,
        }
    }

    /// Records a successful append up to `index`; returns whether `matched` moved.
    pub fn update(&mut self, index: LogIndex) -> bool {
        let moved = index > self.matched;
        if moved {
            self.matched = index;
        }
        if index.next() > self.next {
            self.next = index.next();
        }
        self.probe_sent = false;
        if self.state == ProgressState::Probe {
            self.state = ProgressState::Replicate;
            self.next = self.matched.next();
        }
        moved
    }

    /// Handles a rejected append of `rejected` with the probe index worked out from the
    /// follower's hint (etcd's `MaybeDecrTo`); returns false for a stale rejection.
    pub fn decrease_to(&mut self, rejected: LogIndex, probe: LogIndex) -> bool {
        if self.state == ProgressState::Replicate {
            // A stale rejection of something already matched: ignore.
            if rejected <= self.matched {
                return false;
            }
            self.state = ProgressState::Probe;
            self.next = self.matched.next();
            self.probe_sent = false;
            return true;
        }
        // In probe mode only the answer to the last probe counts.
        if self.next.prev() != rejected {
            return false;
        }
        let candidate = LogIndex(rejected.0.min(probe.0 + 1));
        self.next = LogIndex(candidate.0.max(self.matched.0 + 1));
        self.probe_sent = false;
        true
    }

    /// After sending entries up to `last` in replicate mode, assume they will arrive.
    pub fn optimistic_update(&mut self, last: LogIndex) {
        match self.state {
            ProgressState::Replicate => self.next = last.next(),
            ProgressState::Probe => self.probe_sent = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_then_replicate() {
        let mut progress = Progress::new(LogIndex(10));
        assert_eq!(progress.next, LogIndex(11));
        // Follower rejects index 10 and hints its log ends at 4.
        assert!(progress.decrease_to(LogIndex(10), LogIndex(4)));
        assert_eq!(progress.next, LogIndex(5));
        // A stale rejection of an older probe is ignored.
        assert!(!progress.decrease_to(LogIndex(10), LogIndex(1)));
        assert!(progress.update(LogIndex(10)));
        assert_eq!(progress.state, ProgressState::Replicate);
        assert_eq!(progress.next, LogIndex(11));
        progress.optimistic_update(LogIndex(15));
        assert_eq!(progress.next, LogIndex(16));
        // A rejection in replicate mode falls back to probing from the match.
        assert!(progress.decrease_to(LogIndex(13), LogIndex(12)));
        assert_eq!(progress.state, ProgressState::Probe);
        assert_eq!(progress.next, LogIndex(11));
    }
}
