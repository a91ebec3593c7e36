//! Checkpoints of a deterministic run, for seeking and forking: the one engine behind the
//! raft widget's player, the other systems' player and the seek benchmark.
//!
//! A run here is anything cloneable whose state at an instant depends only on its inputs
//! (a [`crate::Simulation`], or a widget's simulation with its narration). The timeline
//! keeps a clone of it every `every_ms` of simulated time, checkpoint `k` being the run
//! at `k × every_ms`, so reaching any instant costs one clone plus at most `every_ms` of
//! replay, never a replay from the start. What a checkpoint at an instant contains
//! (whether the inputs made at that very instant are applied) is the owner's convention;
//! the timeline only keeps them in order and forgets the future when an input forks it.

/// A run's checkpoints, every `every_ms` from time 0 (see the module doc).
#[derive(Clone, Debug)]
pub struct Timeline<R> {
    every_ms: u64,
    /// `saved[k]` is the run at `k * every_ms`; never empty.
    saved: Vec<R>,
}

impl<R: Clone> Timeline<R> {
    /// A timeline holding `start` as its checkpoint at time 0.
    pub fn new(start: R, every_ms: u64) -> Timeline<R> {
        Timeline {
            every_ms: every_ms.max(1),
            saved: vec![start],
        }
    }

    /// Records a whole run: `start` moved to every checkpoint instant up to `end_ms` by
    /// `run_to` and saved there.
    pub fn record(
        mut start: R,
        every_ms: u64,
        end_ms: u64,
        mut run_to: impl FnMut(&mut R, u64),
    ) -> Timeline<R> {
        let mut timeline = Timeline::new(start.clone(), every_ms);
        while timeline.next_checkpoint_ms() <= end_ms {
            let at = timeline.next_checkpoint_ms();
            run_to(&mut start, at);
            timeline.saved.push(start.clone());
        }
        timeline
    }

    /// Simulated time between two checkpoints.
    pub fn every_ms(&self) -> u64 {
        self.every_ms
    }

    /// How many checkpoints are kept.
    pub fn len(&self) -> usize {
        self.saved.len()
    }

    /// Whether no checkpoint is kept (never: time 0 always is).
    pub fn is_empty(&self) -> bool {
        self.saved.is_empty()
    }

    /// The instant of the next checkpoint to save.
    pub fn next_checkpoint_ms(&self) -> u64 {
        self.saved.len() as u64 * self.every_ms
    }

    /// Saves `run` as the checkpoint at `at_ms` if that is the next one due; anything
    /// else (a checkpoint already kept, or one that would leave a gap) is ignored.
    pub fn save(&mut self, at_ms: u64, run: &R) {
        if at_ms == self.next_checkpoint_ms() {
            self.saved.push(run.clone());
        }
    }

    /// The run at the last checkpoint at or before `at_ms`.
    pub fn restore(&self, at_ms: u64) -> R {
        self.restore_with_instant(at_ms).1
    }

    /// The last checkpoint at or before `at_ms`: its instant and the run there.
    pub fn restore_with_instant(&self, at_ms: u64) -> (u64, R) {
        let slot = usize::try_from(at_ms / self.every_ms)
            .unwrap_or(usize::MAX)
            .min(self.saved.len() - 1);
        (slot as u64 * self.every_ms, self.saved[slot].clone())
    }

    /// The run as it was at `at_ms`: the checkpoint before it, moved there by `run_to`.
    pub fn seek(&self, at_ms: u64, run_to: impl FnOnce(&mut R, u64)) -> R {
        let mut run = self.restore(at_ms);
        run_to(&mut run, at_ms);
        run
    }

    /// Forgets the checkpoints at or after `at_ms` (time 0 stays): the future an input
    /// made at `at_ms` changes, for owners whose checkpoint at an instant holds what
    /// happened at that instant.
    pub fn forget_from(&mut self, at_ms: u64) {
        let keep = usize::try_from(at_ms.div_ceil(self.every_ms)).unwrap_or(usize::MAX);
        self.saved.truncate(keep.max(1));
    }

    /// Forgets the checkpoints after `at_ms` (time 0 stays), for owners whose checkpoint
    /// at an instant is taken before what happens at that instant.
    pub fn forget_after(&mut self, at_ms: u64) {
        let keep = usize::try_from(at_ms / self.every_ms + 1).unwrap_or(usize::MAX);
        self.saved.truncate(keep.max(1));
    }

    /// The run at the latest checkpoint kept.
    pub fn latest(&self) -> R {
        self.saved[self.saved.len() - 1].clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy run: a clock and the sum of the instants it stopped at.
    #[derive(Clone, Debug, PartialEq)]
    struct Toy {
        now: u64,
        sum: u64,
    }

    fn run_to(toy: &mut Toy, at: u64) {
        toy.now = at;
        toy.sum += at;
    }

    #[test]
    fn a_recorded_run_keeps_one_checkpoint_per_interval_and_seeks_from_the_one_before() {
        let timeline = Timeline::record(Toy { now: 0, sum: 0 }, 100, 350, run_to);
        assert_eq!(timeline.len(), 4);
        assert_eq!(timeline.restore(250), Toy { now: 200, sum: 300 });
        assert_eq!(timeline.restore(10_000).now, 300);
        assert_eq!(timeline.restore_with_instant(10_000).0, 300);
        assert_eq!(timeline.seek(250, run_to), Toy { now: 250, sum: 550 });
    }

    #[test]
    fn saving_keeps_order_and_forgetting_keeps_time_zero() {
        let start = Toy { now: 0, sum: 0 };
        let mut timeline = Timeline::new(start.clone(), 100);
        let at = |now| Toy { now, sum: 0 };
        timeline.save(200, &at(200));
        assert_eq!(timeline.len(), 1, "a gap is refused");
        timeline.save(100, &at(100));
        timeline.save(100, &at(100));
        timeline.save(200, &at(200));
        timeline.save(300, &at(300));
        assert_eq!(timeline.len(), 4);
        timeline.forget_after(200);
        assert_eq!(timeline.latest().now, 200);
        timeline.forget_from(200);
        assert_eq!(timeline.latest().now, 100);
        timeline.forget_from(150);
        assert_eq!(timeline.latest().now, 100);
        timeline.forget_from(0);
        assert_eq!(timeline.latest(), start);
        assert_eq!(timeline.next_checkpoint_ms(), 100);
    }
}
