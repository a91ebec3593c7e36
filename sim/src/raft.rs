//! One Raft node as etcd runs it: roles, terms, timers and `step` (etcd-io/raft's `raft.go`).
//!
//! The node knows nothing of the network or of real time: it is called with the current
//! simulated time, a message or a timer, and it writes the messages to send and notes of
//! what changed into a [`Ctx`].
//!
//! Time reaches the node as etcd's does, in ticks of one heartbeat interval: each member
//! runs its own ticker (started at an arbitrary point of the interval when the process
//! starts), the election timeout is a number of ticks (`election_ms / heartbeat_ms`,
//! etcd's `ElectionTicks`), randomized per term to an integer in
//! `[ElectionTicks, 2 × ElectionTicks)`, and a leader heartbeats on every tick. Ticks are
//! processed lazily: [`Raft::catch_up`] runs every tick due by `ctx.now` before anything
//! else happens to the node, and [`Raft::next_event_ms`] tells the simulation when the
//! next tick that does something (campaign, heartbeat, CheckQuorum) falls.
//!
//! etcd specifics reproduced here: PreVote (`--pre-vote`, default on since 3.5),
//! CheckQuorum (always on in etcd's server) with its lease that makes a node that heard a
//! leader within an election timeout ignore vote requests, the empty entry of a new
//! leader, the reject hint of appends, proposal forwarding from followers, one pending
//! configuration change at a time, and leadership transfer with `TimeoutNow`.
//!
//! This file is over 800 lines for a reason: like etcd-io/raft's `raft.go`, it keeps the
//! roles, the ticks and the step functions (`step`, `step_follower`, `step_candidate`,
//! `step_leader`) next to the state they change, so one protocol path reads in one place.
//! The log, progress, quorum and membership already have files of their own, and the
//! tests live in `raft/tests.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use crate::ids::{ClusterId, LogIndex, NodeId, Term};
use crate::log::{Entry, EntryData, RaftLog};
use crate::membership::{ConfChange, Membership};
use crate::message::{Body, Message};
use crate::progress::{Progress, ProgressState};
use crate::quorum::{self, VoteResult};
use crate::rng::Rng;

/// Most entries sent in one append, so a far-behind follower is caught up in several
/// messages as etcd does (`MaxSizePerMsg`), not one huge one.
const MAX_ENTRIES_PER_APPEND: usize = 64;

/// Timing and protocol switches, shared by every node of a simulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RaftConfig {
    /// Heartbeat interval (etcd `--heartbeat-interval`, default 100 ms): the tick.
    pub heartbeat_ms: u64,
    /// Election timeout (etcd `--election-timeout`, default 1000 ms), counted in whole
    /// ticks ([`RaftConfig::election_ticks`]); each node waits a random whole number of
    /// ticks in `[ElectionTicks, 2 × ElectionTicks)` before campaigning.
    pub election_ms: u64,
    /// PreVote (thesis §9.6).
    pub pre_vote: bool,
    /// CheckQuorum: leader steps down without a quorum; followers honour the lease.
    pub check_quorum: bool,
}

impl RaftConfig {
    /// etcd's `ElectionTicks`: the election timeout in heartbeat ticks (integer division,
    /// as etcd computes it from its flags), at least one.
    pub fn election_ticks(&self) -> u64 {
        (self.election_ms / self.heartbeat_ms.max(1)).max(1)
    }
}

impl Default for RaftConfig {
    fn default() -> RaftConfig {
        RaftConfig {
            heartbeat_ms: 100,
            election_ms: 1000,
            pre_vote: true,
            check_quorum: true,
        }
    }
}

/// Why a node campaigns (etcd-io/raft's `CampaignType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CampaignKind {
    /// A pre-vote round first (`--pre-vote`): the term moves only if it would win.
    PreElection,
    /// A real election: the term moves at once.
    Election,
    /// An election ordered by the leader (`TimeoutNow`): voters skip their lease check.
    Transfer,
}

/// The role of a running node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RaftRole {
    /// Follows a leader (or waits for one).
    Follower,
    /// Asking for pre-votes, term unchanged.
    PreCandidate,
    /// Asking for votes in a new term.
    Candidate,
    /// The leader of its term.
    Leader,
}

/// Why a proposal was not appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// No leader known (election in progress or no quorum).
    NoLeader,
    /// The node receiving it is not (or no longer) the leader and cannot forward it.
    NotLeader,
    /// The leader is transferring leadership (etcd drops proposals meanwhile).
    Transferring,
}

/// Which timer fired (a tick that did something).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    /// Followers and candidates: start an election. Leaders: the CheckQuorum round.
    Election,
    /// Leaders: send heartbeats.
    Heartbeat,
}

/// Most ticks [`Raft::catch_up`] runs in one call. A node idle for longer (a simulated
/// day at 1 ms ticks) has nothing left to do on the skipped ticks: its counters saturate.
const MAX_CATCH_UP_TICKS: u64 = 1_000_000;

/// Something that changed inside a node during one call, for the simulation to trace,
/// check and account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// Role or term changed.
    Role {
        /// New role.
        role: RaftRole,
        /// Current term.
        term: Term,
    },
    /// Entries `first..=last` were written to the log.
    Appended {
        /// First index written.
        first: LogIndex,
        /// Last index written.
        last: LogIndex,
    },
    /// The log was cut from `from` on (conflict with a new leader).
    Truncated {
        /// First index removed.
        from: LogIndex,
        /// Commit index at that moment (a cut below it would break safety).
        commit: LogIndex,
    },
    /// The commit index moved from `from - 1` to `to`.
    Committed {
        /// First newly committed index.
        from: LogIndex,
        /// New commit index.
        to: LogIndex,
    },
    /// A committed configuration change was applied.
    ConfApplied {
        /// The change.
        change: ConfChange,
        /// Its log index.
        index: LogIndex,
    },
    /// A client proposal was appended by this leader at `index`.
    ProposalAppended {
        /// Proposal number.
        proposal: u64,
        /// Where.
        index: LogIndex,
    },
    /// A client proposal was dropped.
    ProposalDropped {
        /// Proposal number.
        proposal: u64,
        /// Why.
        reason: DropReason,
        /// Dropped by a node it was forwarded to: the node the client talks to never
        /// hears of it (etcd returns nothing; the client waits for its timeout).
        forwarded: bool,
    },
    /// A leader stepped down because it had not heard from a quorum (CheckQuorum).
    CheckQuorumStepDown,
    /// A tick did something: an election timeout, a heartbeat or a CheckQuorum round.
    Timer(TimerKind),
    /// The election clock was moved forward by this many ticks (etcd's initial election
    /// tick advance at process start).
    TicksAdvanced(u64),
}

/// Everything a node needs from its surroundings during one call.
pub struct Ctx<'a> {
    /// Current simulated time.
    pub now: u64,
    /// The simulation's PRNG (randomized election timeouts).
    pub rng: &'a mut Rng,
    /// Messages to send.
    pub out: &'a mut Vec<Message>,
    /// What changed.
    pub notes: &'a mut Vec<Note>,
}

/// One Raft node.
#[derive(Clone, Debug)]
pub struct Raft {
    /// This node.
    pub id: NodeId,
    /// Shared timing and switches.
    pub config: RaftConfig,

    // --- Persistent state (etcd's HardState, WAL and applied state): survives a crash.
    /// Current term.
    pub term: Term,
    /// Candidate voted for in `term`.
    pub vote: Option<NodeId>,
    /// The log.
    pub log: RaftLog,
    /// Commit index (etcd persists it in HardState). Invariant: `commit <= log.last_index()`.
    pub commit: LogIndex,
    /// Membership as of `commit` (applied configuration changes).
    pub members: Membership,
    /// Cluster this node belongs to.
    pub cluster: ClusterId,
    /// Configuration changes at or below this index are not applied: they belong to the
    /// history before a restore, whose membership was replaced by the restored one.
    pub conf_base: LogIndex,
    /// A member joining an existing cluster that has not yet applied its own addition:
    /// like etcd's new member, whose configuration is empty until the leader's log or
    /// snapshot reaches it, it never campaigns meanwhile (even when its name was a
    /// voter of the cluster's first configuration).
    pub joining: bool,

    // --- Volatile state: reset by a crash.
    /// Current role.
    pub role: RaftRole,
    /// Leader known for `term`.
    pub leader: Option<NodeId>,
    /// Ticks since the election timer was last reset (etcd's `electionElapsed`; for a
    /// leader, ticks since the last CheckQuorum round).
    pub election_elapsed: u64,
    /// Leader: ticks since the last heartbeat (etcd's `heartbeatElapsed`).
    heartbeat_elapsed: u64,
    /// This term's randomized election timeout in ticks, in
    /// `[ElectionTicks, 2 × ElectionTicks)`.
    pub randomized_election_ticks: u64,
    /// When the election timer was last reset (ms), for drawing the timer only.
    pub election_reset_at: u64,
    /// When this node's ticker fires next (ms); meaningless while not `ticking`.
    next_tick_ms: u64,
    /// The process runs and its ticker with it (false once crashed, until restarted).
    ticking: bool,
    /// Candidates: voters that granted (pre-)votes.
    pub votes_granted: BTreeSet<NodeId>,
    /// Candidates: voters that refused.
    pub votes_refused: BTreeSet<NodeId>,
    /// Leader: every other member's progress.
    pub progress: BTreeMap<NodeId, Progress>,
    /// Leader: index of the last configuration change proposed (one at a time).
    pending_conf: LogIndex,
    /// Leader: node leadership is being transferred to.
    pub transferee: Option<NodeId>,
}

impl Raft {
    /// A node at term 0 with an empty log, member of `cluster` with `members` known, its
    /// ticker started at `now` (see [`Raft::start_clock`]).
    pub fn new(
        id: NodeId,
        config: RaftConfig,
        cluster: ClusterId,
        members: Membership,
        now: u64,
        rng: &mut Rng,
    ) -> Raft {
        let mut raft = Raft {
            id,
            config,
            term: Term(0),
            vote: None,
            log: RaftLog::default(),
            commit: LogIndex(0),
            members,
            cluster,
            conf_base: LogIndex(0),
            joining: false,
            role: RaftRole::Follower,
            leader: None,
            election_elapsed: 0,
            heartbeat_elapsed: 0,
            randomized_election_ticks: config.election_ticks(),
            election_reset_at: now,
            next_tick_ms: now,
            ticking: false,
            votes_granted: BTreeSet::new(),
            votes_refused: BTreeSet::new(),
            progress: BTreeMap::new(),
            pending_conf: LogIndex(0),
            transferee: None,
        };
        raft.reset(now, rng);
        raft.start_clock(now, rng);
        raft
    }

    /// Starts this process's ticker at `now`: the first tick falls at an arbitrary point
    /// of the next heartbeat interval (processes start independently), in
    /// `(now, now + heartbeat_ms]`.
    pub fn start_clock(&mut self, now: u64, rng: &mut Rng) {
        let interval = self.config.heartbeat_ms.max(1);
        self.next_tick_ms = now + 1 + rng.below(interval);
        self.ticking = true;
    }

    /// Runs every tick due at or before `ctx.now` (etcd's ticker firing while the node
    /// was otherwise idle). The simulation calls it before anything else happens to the
    /// node, so counters and timeouts are current.
    pub fn catch_up(&mut self, ctx: &mut Ctx<'_>) {
        if !self.ticking {
            return;
        }
        let interval = self.config.heartbeat_ms.max(1);
        let mut ran = 0;
        while self.next_tick_ms <= ctx.now {
            self.next_tick_ms += interval;
            ran += 1;
            if ran > MAX_CATCH_UP_TICKS {
                // Nothing happens on the remaining idle ticks but counting: skip them.
                let behind = (ctx.now - self.next_tick_ms) / interval + 1;
                self.next_tick_ms += behind * interval;
                self.election_elapsed = self.election_elapsed.saturating_add(behind);
                break;
            }
            self.tick(ctx);
        }
    }

    /// One tick (etcd's `tickElection` or `tickHeartbeat`).
    fn tick(&mut self, ctx: &mut Ctx<'_>) {
        if self.role == RaftRole::Leader {
            self.tick_heartbeat(ctx);
        } else {
            self.tick_election(ctx);
        }
    }

    fn tick_election(&mut self, ctx: &mut Ctx<'_>) {
        self.election_elapsed += 1;
        if self.promotable() && self.election_elapsed >= self.randomized_election_ticks {
            self.election_elapsed = 0;
            ctx.notes.push(Note::Timer(TimerKind::Election));
            let kind = if self.config.pre_vote {
                CampaignKind::PreElection
            } else {
                CampaignKind::Election
            };
            self.campaign(ctx, kind);
        }
    }

    fn tick_heartbeat(&mut self, ctx: &mut Ctx<'_>) {
        self.heartbeat_elapsed += 1;
        self.election_elapsed += 1;
        if self.election_elapsed >= self.config.election_ticks() {
            self.election_elapsed = 0;
            if self.config.check_quorum {
                ctx.notes.push(Note::Timer(TimerKind::Election));
                if !self.quorum_active() {
                    let term = self.term;
                    ctx.notes.push(Note::CheckQuorumStepDown);
                    self.become_follower(ctx, term, None);
                    return;
                }
                for (&id, progress) in self.progress.iter_mut() {
                    if id != self.id {
                        progress.recent_active = false;
                    }
                }
            }
            // A transfer that did not finish within an election timeout is abandoned.
            self.transferee = None;
        }
        // etcd's server sets HeartbeatTick to 1: a heartbeat on every tick.
        if self.heartbeat_elapsed >= 1 {
            self.heartbeat_elapsed = 0;
            ctx.notes.push(Note::Timer(TimerKind::Heartbeat));
            self.broadcast_heartbeat(ctx);
        }
    }

    /// etcd's initial election tick advance (`advanceTicks`): `ticks` extra ticks at
    /// once, as etcd does at process start so that a fresh member does not wait a whole
    /// election timeout for a leader that does not exist yet.
    pub fn advance_ticks(&mut self, ctx: &mut Ctx<'_>, ticks: u64) {
        if !self.ticking {
            return;
        }
        ctx.notes.push(Note::TicksAdvanced(ticks));
        for _ in 0..ticks {
            self.tick(ctx);
        }
    }

    /// The time of the `n`-th tick from now (`n` ≥ 1).
    fn tick_time(&self, n: u64) -> u64 {
        self.next_tick_ms + n.saturating_sub(1) * self.config.heartbeat_ms.max(1)
    }

    /// When the next tick that does something falls: every tick for a leader (it
    /// heartbeats on each), the election timeout for a voter; `None` for a node that
    /// never campaigns or is not running.
    pub fn next_event_ms(&self) -> Option<u64> {
        if !self.ticking {
            return None;
        }
        match self.role {
            RaftRole::Leader => Some(self.next_tick_ms),
            _ => self.election_deadline(),
        }
    }

    /// Whether this node may campaign (etcd's `promotable`: a voter of its own config).
    pub fn promotable(&self) -> bool {
        !self.joining && self.members.is_voter(self.id)
    }

    /// When the election timer fires (leaders: the next CheckQuorum round), on a tick;
    /// `None` when this node never campaigns (learners, nodes not yet in their
    /// configuration).
    pub fn election_deadline(&self) -> Option<u64> {
        let timeout = match self.role {
            RaftRole::Leader => self.config.election_ticks(),
            _ if self.promotable() => self.randomized_election_ticks,
            _ => return None,
        };
        Some(self.tick_time(timeout.saturating_sub(self.election_elapsed).max(1)))
    }

    /// When the election timer was (virtually) started, for drawing it: the deadline
    /// minus the whole timeout, so a timer moved forward shows as already partly run.
    pub fn election_started_ms(&self) -> Option<u64> {
        let deadline = self.election_deadline()?;
        let timeout = match self.role {
            RaftRole::Leader => self.config.election_ticks(),
            _ => self.randomized_election_ticks,
        };
        let span = timeout * self.config.heartbeat_ms.max(1);
        Some(deadline.saturating_sub(span))
    }

    /// Crash: forget every volatile field. Term, vote, log, commit and membership stay.
    pub fn crash(&mut self) {
        self.ticking = false;
        self.role = RaftRole::Follower;
        self.leader = None;
        self.votes_granted.clear();
        self.votes_refused.clear();
        self.progress.clear();
        self.transferee = None;
        self.pending_conf = LogIndex(0);
    }

    /// Restart after a crash: a follower of its persisted term, no leader known, its
    /// ticker started afresh.
    pub fn restart(&mut self, ctx: &mut Ctx<'_>) {
        self.crash();
        self.reset(ctx.now, ctx.rng);
        self.start_clock(ctx.now, ctx.rng);
        ctx.notes.push(Note::Role {
            role: self.role,
            term: self.term,
        });
    }

    /// etcd's `reset`: new randomized timeout, timers restarted, volatile leader state
    /// cleared.
    fn reset(&mut self, now: u64, rng: &mut Rng) {
        self.leader = None;
        self.election_elapsed = 0;
        self.heartbeat_elapsed = 0;
        self.election_reset_at = now;
        let ticks = self.config.election_ticks();
        self.randomized_election_ticks = ticks + rng.below(ticks);
        self.votes_granted.clear();
        self.votes_refused.clear();
        self.progress.clear();
        self.transferee = None;
    }

    fn become_follower(&mut self, ctx: &mut Ctx<'_>, term: Term, leader: Option<NodeId>) {
        let changed = term != self.term || self.role != RaftRole::Follower;
        if term != self.term {
            self.term = term;
            self.vote = None;
        }
        self.reset(ctx.now, ctx.rng);
        self.role = RaftRole::Follower;
        self.leader = leader;
        if changed {
            ctx.notes.push(Note::Role {
                role: self.role,
                term: self.term,
            });
        }
    }

    fn become_pre_candidate(&mut self, ctx: &mut Ctx<'_>) {
        // PreVote: neither the term nor the vote change, so a node that cannot win
        // (isolated, log behind) disturbs nobody.
        // Nor are the timers reset (etcd's becomePreCandidate does not call reset): the
        // tick that started the campaign has already zeroed the elapsed count.
        self.votes_granted.clear();
        self.votes_refused.clear();
        self.leader = None;
        self.role = RaftRole::PreCandidate;
        ctx.notes.push(Note::Role {
            role: self.role,
            term: self.term,
        });
    }

    fn become_candidate(&mut self, ctx: &mut Ctx<'_>) {
        self.reset(ctx.now, ctx.rng);
        self.term = self.term.next();
        self.vote = Some(self.id);
        self.role = RaftRole::Candidate;
        ctx.notes.push(Note::Role {
            role: self.role,
            term: self.term,
        });
    }

    fn become_leader(&mut self, ctx: &mut Ctx<'_>) {
        self.reset(ctx.now, ctx.rng);
        self.role = RaftRole::Leader;
        self.leader = Some(self.id);
        let last = self.log.last_index();
        for member in self.members.members() {
            self.progress.insert(member, Progress::new(last));
        }
        // Conservatively treat any uncommitted entry as a possible configuration change
        // (etcd sets pendingConfIndex to the last index on election).
        self.pending_conf = last;
        ctx.notes.push(Note::Role {
            role: self.role,
            term: self.term,
        });
        // The empty entry of a new leader: committing it commits, indirectly, every
        // entry of earlier terms (§5.4.2, §8).
        self.append_own(ctx, EntryData::Empty);
    }

    /// Test hook: becomes leader of the current term without an election.
    #[cfg(test)]
    pub(crate) fn campaign_won_for_test(&mut self, ctx: &mut Ctx<'_>) {
        self.role = RaftRole::Candidate;
        self.become_leader(ctx);
    }

    /// Leader: appends one of its own entries and starts replicating it.
    fn append_own(&mut self, ctx: &mut Ctx<'_>, data: EntryData) -> LogIndex {
        let index = self.log.push(Entry {
            term: self.term,
            data,
        });
        ctx.notes.push(Note::Appended {
            first: index,
            last: index,
        });
        if let Some(own) = self.progress.get_mut(&self.id) {
            own.update(index);
        }
        if !self.maybe_commit(ctx) {
            self.broadcast_append(ctx);
        }
        index
    }

    fn send(&self, ctx: &mut Ctx<'_>, to: NodeId, term: Term, body: Body) {
        ctx.out.push(Message {
            from: self.id,
            to,
            cluster: self.cluster,
            term,
            body,
        });
    }

    /// Starts a campaign of the given kind.
    fn campaign(&mut self, ctx: &mut Ctx<'_>, kind: CampaignKind) {
        let pre_vote = kind == CampaignKind::PreElection;
        if pre_vote {
            self.become_pre_candidate(ctx);
        } else {
            self.become_candidate(ctx);
        }
        // Pre-votes ask for the next term without taking it.
        let term = if pre_vote {
            self.term.next()
        } else {
            self.term
        };
        self.votes_granted.insert(self.id);
        if self.tally(ctx) {
            return;
        }
        let last_index = self.log.last_index();
        let last_term = self.log.last_term();
        let voters: Vec<NodeId> = self.members.voters.iter().copied().collect();
        for voter in voters {
            if voter == self.id {
                continue;
            }
            let body = if pre_vote {
                Body::PreVote {
                    last_index,
                    last_term,
                }
            } else {
                Body::Vote {
                    last_index,
                    last_term,
                    transfer: kind == CampaignKind::Transfer,
                }
            };
            self.send(ctx, voter, term, body);
        }
    }

    /// Counts (pre-)votes; acts on a decision. Returns true when the round is over.
    fn tally(&mut self, ctx: &mut Ctx<'_>) -> bool {
        match quorum::vote_result(
            &self.members.voters,
            &self.votes_granted,
            &self.votes_refused,
        ) {
            VoteResult::Won => {
                if self.role == RaftRole::PreCandidate {
                    self.campaign(ctx, CampaignKind::Election);
                } else {
                    self.become_leader(ctx);
                }
                true
            }
            VoteResult::Lost => {
                let term = self.term;
                self.become_follower(ctx, term, None);
                true
            }
            VoteResult::Pending => false,
        }
    }

    /// CheckQuorum: did a majority of voters (self included) talk to us this round?
    fn quorum_active(&self) -> bool {
        let active: BTreeSet<NodeId> = self
            .progress
            .iter()
            .filter(|(&id, progress)| id == self.id || progress.recent_active)
            .map(|(&id, _)| id)
            .collect();
        quorum::vote_result(&self.members.voters, &active, &BTreeSet::new()) == VoteResult::Won
    }

    /// A client proposal reaching this node from its client. etcd's server only hands a
    /// proposal to Raft once the node knows a leader (the simulation queues it until
    /// then), so the no-leader case is a fallback.
    pub fn propose(&mut self, ctx: &mut Ctx<'_>, proposal: u64, value: Arc<str>) {
        self.handle_proposal(ctx, proposal, value, false);
    }

    /// etcd's `MsgProp` handling, for a proposal from this node's client or forwarded by
    /// another member: a leader appends it (or drops it during a transfer), a follower
    /// forwards it to its leader, again if need be (stepFollower), a node without a
    /// leader drops it.
    fn handle_proposal(
        &mut self,
        ctx: &mut Ctx<'_>,
        proposal: u64,
        value: Arc<str>,
        forwarded: bool,
    ) {
        let dropped = |reason| Note::ProposalDropped {
            proposal,
            reason,
            forwarded,
        };
        match self.role {
            RaftRole::Leader => {
                if self.transferee.is_some() {
                    ctx.notes.push(dropped(DropReason::Transferring));
                    return;
                }
                let index = self.append_own(ctx, EntryData::Value { proposal, value });
                ctx.notes.push(Note::ProposalAppended { proposal, index });
            }
            RaftRole::Follower => match self.leader {
                Some(leader) => {
                    self.send(ctx, leader, self.term, Body::Propose { proposal, value })
                }
                None => ctx.notes.push(dropped(DropReason::NoLeader)),
            },
            RaftRole::PreCandidate | RaftRole::Candidate => {
                let reason = if forwarded {
                    DropReason::NotLeader
                } else {
                    DropReason::NoLeader
                };
                ctx.notes.push(dropped(reason));
            }
        }
    }

    /// Leader: whether a configuration change would be accepted now (`Err`: why not).
    pub fn can_propose_conf(&self) -> Result<(), &'static str> {
        if self.role != RaftRole::Leader {
            return Err("not_leader");
        }
        if self.transferee.is_some() {
            return Err("transferring");
        }
        if self.pending_conf > self.commit {
            // etcd: "possible unapplied conf change", one change at a time.
            return Err("conf_change_pending");
        }
        Ok(())
    }

    /// Leader: proposes a configuration change. `Err` carries why it was refused.
    pub fn propose_conf(
        &mut self,
        ctx: &mut Ctx<'_>,
        change: ConfChange,
    ) -> Result<LogIndex, &'static str> {
        self.can_propose_conf()?;
        let index = self.append_own(ctx, EntryData::Conf(change));
        self.pending_conf = index;
        Ok(index)
    }

    /// Leader: starts transferring leadership to `target` (etcd's `MsgTransferLeader`).
    pub fn transfer_leadership(
        &mut self,
        ctx: &mut Ctx<'_>,
        target: NodeId,
    ) -> Result<(), &'static str> {
        if self.role != RaftRole::Leader {
            return Err("not_leader");
        }
        if target == self.id {
            // Nothing to move, and not refused: etcd's `MoveLeader` returns at once when
            // the transferee already leads (checked against etcd 3.4: `etcdctl
            // move-leader` to the leader succeeds).
            return Ok(());
        }
        if !self.members.is_voter(target) {
            return Err("not_a_voter");
        }
        self.transferee = Some(target);
        // The transfer must finish within an election timeout (etcd resets the count).
        self.election_elapsed = 0;
        self.election_reset_at = ctx.now;
        let caught_up =
            self.progress.get(&target).map(|p| p.matched) == Some(self.log.last_index());
        if caught_up {
            self.send(ctx, target, self.term, Body::TimeoutNow);
        } else {
            self.send_append(ctx, target);
        }
        Ok(())
    }

    /// Handles one message (etcd's `Step`).
    pub fn step(&mut self, ctx: &mut Ctx<'_>, message: Message) {
        if message.cluster != self.cluster {
            return;
        }
        if let Body::Propose { proposal, value } = message.body {
            // A forwarded proposal carries no term (etcd's MsgProp is a local message):
            // the receiver appends it, forwards it again or drops it, by its own role.
            self.handle_proposal(ctx, proposal, value, true);
            return;
        }
        if message.term > self.term {
            if let Body::PreVote { .. } | Body::Vote { .. } = message.body {
                let transfer = matches!(message.body, Body::Vote { transfer: true, .. });
                // The CheckQuorum lease: a node that heard from a leader within the
                // election timeout ignores (pre-)votes: that leader is probably alive,
                // and a rejoining node must not depose it.
                let in_lease = self.config.check_quorum
                    && self.leader.is_some()
                    && self.election_elapsed < self.config.election_ticks();
                if in_lease && !transfer {
                    return;
                }
            }
            match message.body {
                // Never change our term in response to a pre-vote, and a granted
                // pre-vote response carries the future term: not ours to take yet.
                Body::PreVote { .. } | Body::PreVoteResp { reject: false } => {}
                Body::Append { .. } | Body::Heartbeat { .. } => {
                    self.become_follower(ctx, message.term, Some(message.from));
                }
                _ => self.become_follower(ctx, message.term, None),
            }
        } else if message.term < self.term {
            match message.body {
                Body::Append { .. } | Body::Heartbeat { .. }
                    if self.config.check_quorum || self.config.pre_vote =>
                {
                    // A stale leader (e.g. back from a partition) would otherwise never
                    // learn the new term: nodes that ignore its higher-term votes (lease,
                    // pre-vote) answer its appends with our term so it steps down.
                    self.send(
                        ctx,
                        message.from,
                        self.term,
                        Body::AppendResp {
                            index: LogIndex(0),
                            reject: false,
                            hint_index: LogIndex(0),
                            hint_term: Term(0),
                        },
                    );
                }
                Body::PreVote { .. } => {
                    self.send(
                        ctx,
                        message.from,
                        self.term,
                        Body::PreVoteResp { reject: true },
                    );
                }
                _ => {}
            }
            return;
        }

        match message.body {
            Body::PreVote {
                last_index,
                last_term,
            }
            | Body::Vote {
                last_index,
                last_term,
                ..
            } => {
                let pre_vote = matches!(message.body, Body::PreVote { .. });
                let can_vote = self.vote == Some(message.from)
                    || (self.vote.is_none() && self.leader.is_none())
                    || (pre_vote && message.term > self.term);
                if can_vote && self.log.is_up_to_date(last_index, last_term) {
                    let body = if pre_vote {
                        Body::PreVoteResp { reject: false }
                    } else {
                        Body::VoteResp { reject: false }
                    };
                    self.send(ctx, message.from, message.term, body);
                    if !pre_vote {
                        self.election_elapsed = 0;
                        self.election_reset_at = ctx.now;
                        self.vote = Some(message.from);
                    }
                } else {
                    let body = if pre_vote {
                        Body::PreVoteResp { reject: true }
                    } else {
                        Body::VoteResp { reject: true }
                    };
                    self.send(ctx, message.from, self.term, body);
                }
            }
            _ => match self.role {
                RaftRole::Leader => self.step_leader(ctx, message),
                RaftRole::PreCandidate | RaftRole::Candidate => self.step_candidate(ctx, message),
                RaftRole::Follower => self.step_follower(ctx, message),
            },
        }
    }

    fn step_follower(&mut self, ctx: &mut Ctx<'_>, message: Message) {
        match message.body {
            Body::Append { .. } => {
                self.election_elapsed = 0;
                self.election_reset_at = ctx.now;
                self.leader = Some(message.from);
                self.handle_append(ctx, message);
            }
            Body::Heartbeat { commit } => {
                self.election_elapsed = 0;
                self.election_reset_at = ctx.now;
                self.leader = Some(message.from);
                self.commit_to(ctx, commit);
                self.send(ctx, message.from, self.term, Body::HeartbeatResp);
            }
            Body::TimeoutNow if self.promotable() => self.campaign(ctx, CampaignKind::Transfer),
            _ => {}
        }
    }

    fn step_candidate(&mut self, ctx: &mut Ctx<'_>, message: Message) {
        match message.body {
            Body::Append { .. } => {
                let term = message.term;
                self.become_follower(ctx, term, Some(message.from));
                self.handle_append(ctx, message);
            }
            Body::Heartbeat { commit } => {
                let term = message.term;
                self.become_follower(ctx, term, Some(message.from));
                self.commit_to(ctx, commit);
                self.send(ctx, message.from, self.term, Body::HeartbeatResp);
            }
            Body::PreVoteResp { reject } if self.role == RaftRole::PreCandidate => {
                self.record_vote(ctx, message.from, reject);
            }
            Body::VoteResp { reject } if self.role == RaftRole::Candidate => {
                self.record_vote(ctx, message.from, reject);
            }
            _ => {}
        }
    }

    fn record_vote(&mut self, ctx: &mut Ctx<'_>, from: NodeId, reject: bool) {
        if reject {
            self.votes_refused.insert(from);
        } else {
            self.votes_granted.insert(from);
        }
        self.tally(ctx);
    }

    fn step_leader(&mut self, ctx: &mut Ctx<'_>, message: Message) {
        let from = message.from;
        let Some(progress) = self.progress.get_mut(&from) else {
            return;
        };
        match message.body {
            Body::AppendResp {
                index,
                reject,
                hint_index,
                hint_term,
            } => {
                // Only answers to appends and heartbeats prove the follower hears us now
                // (etcd's RecentActive); a late vote answer does not.
                progress.recent_active = true;
                if reject {
                    let probe = if hint_term.0 > 0 {
                        self.log.find_conflict_by_term(hint_index, hint_term).0
                    } else {
                        hint_index
                    };
                    if progress.decrease_to(index, probe) {
                        self.send_append(ctx, from);
                    }
                    return;
                }
                let was_probe = progress.state == ProgressState::Probe;
                if progress.update(index) {
                    if !self.maybe_commit(ctx) && (was_probe || self.needs_append(from)) {
                        self.send_append(ctx, from);
                    }
                    if self.transferee == Some(from)
                        && self.progress.get(&from).map(|p| p.matched)
                            == Some(self.log.last_index())
                    {
                        self.send(ctx, from, self.term, Body::TimeoutNow);
                    }
                } else if was_probe {
                    self.send_append(ctx, from);
                }
            }
            Body::HeartbeatResp => {
                progress.recent_active = true;
                progress.probe_sent = false;
                if progress.matched < self.log.last_index() {
                    self.send_append(ctx, from);
                }
            }
            _ => {}
        }
    }

    fn needs_append(&self, to: NodeId) -> bool {
        self.progress
            .get(&to)
            .is_some_and(|p| p.next <= self.log.last_index())
    }

    /// Leader: sends `to` the entries from its `next` (or a probe), unless paused.
    fn send_append(&mut self, ctx: &mut Ctx<'_>, to: NodeId) {
        if to == self.id {
            return;
        }
        let Some(progress) = self.progress.get_mut(&to) else {
            return;
        };
        if progress.state == ProgressState::Probe && progress.probe_sent {
            return;
        }
        let prev_index = progress.next.prev();
        let prev_term = self.log.term_at(prev_index).unwrap_or(Term(0));
        let entries: Vec<Entry> = self
            .log
            .entries_from(progress.next)
            .iter()
            .take(MAX_ENTRIES_PER_APPEND)
            .cloned()
            .collect();
        let last = LogIndex(prev_index.0 + entries.len() as u64);
        progress.optimistic_update(last);
        let commit = self.commit;
        self.send(
            ctx,
            to,
            self.term,
            Body::Append {
                prev_index,
                prev_term,
                entries,
                commit,
            },
        );
    }

    fn broadcast_append(&mut self, ctx: &mut Ctx<'_>) {
        let targets: Vec<NodeId> = self.progress.keys().copied().collect();
        for to in targets {
            self.send_append(ctx, to);
        }
    }

    fn broadcast_heartbeat(&mut self, ctx: &mut Ctx<'_>) {
        let targets: Vec<(NodeId, LogIndex)> = self
            .progress
            .iter()
            .filter(|(&id, _)| id != self.id)
            .map(|(&id, p)| (id, p.matched))
            .collect();
        for (to, matched) in targets {
            // Never tell a follower to commit past what it is known to hold.
            let commit = LogIndex(matched.0.min(self.commit.0));
            self.send(ctx, to, self.term, Body::Heartbeat { commit });
        }
    }

    /// Leader: advances the commit index to what a majority holds, but only through an
    /// entry of the current term (§5.4.2, figure 8). Returns whether it moved (in which
    /// case the new commit index has been broadcast).
    fn maybe_commit(&mut self, ctx: &mut Ctx<'_>) -> bool {
        let progress = &self.progress;
        let candidate = quorum::committed_index(&self.members.voters, |voter| {
            progress.get(&voter).map_or(LogIndex(0), |p| p.matched)
        });
        if candidate > self.commit && self.log.term_at(candidate) == Some(self.term) {
            self.commit_to(ctx, candidate);
            if self.role == RaftRole::Leader {
                self.broadcast_append(ctx);
            }
            return true;
        }
        false
    }

    /// Follower side of AppendEntries.
    fn handle_append(&mut self, ctx: &mut Ctx<'_>, message: Message) {
        let Body::Append {
            prev_index,
            prev_term,
            entries,
            commit,
        } = message.body
        else {
            return;
        };
        let from = message.from;
        if prev_index < self.commit {
            // Everything up to our commit index is settled: tell the leader where we are.
            self.send(
                ctx,
                from,
                self.term,
                Body::AppendResp {
                    index: self.commit,
                    reject: false,
                    hint_index: LogIndex(0),
                    hint_term: Term(0),
                },
            );
            return;
        }
        if self.log.matches(prev_index, prev_term) {
            let outcome = self.log.merge(prev_index, &entries);
            if let Some(from_index) = outcome.truncated_from {
                ctx.notes.push(Note::Truncated {
                    from: from_index,
                    commit: self.commit,
                });
            }
            if let Some((first, last)) = outcome.written {
                ctx.notes.push(Note::Appended { first, last });
            }
            let last_new = LogIndex(prev_index.0 + entries.len() as u64);
            self.commit_to(ctx, LogIndex(commit.0.min(last_new.0)));
            self.send(
                ctx,
                from,
                self.term,
                Body::AppendResp {
                    index: last_new,
                    reject: false,
                    hint_index: LogIndex(0),
                    hint_term: Term(0),
                },
            );
        } else {
            // The fast back-off of etcd: point the leader at the last entry of ours
            // whose term is at most the one it probed with.
            let hint = LogIndex(prev_index.0.min(self.log.last_index().0));
            let (hint_index, hint_term) = self.log.find_conflict_by_term(hint, prev_term);
            self.send(
                ctx,
                from,
                self.term,
                Body::AppendResp {
                    index: prev_index,
                    reject: true,
                    hint_index,
                    hint_term,
                },
            );
        }
    }

    /// Moves the commit index forward (never back) and applies configuration changes.
    fn commit_to(&mut self, ctx: &mut Ctx<'_>, index: LogIndex) {
        let index = LogIndex(index.0.min(self.log.last_index().0));
        if index <= self.commit {
            return;
        }
        let from = self.commit.next();
        self.commit = index;
        ctx.notes.push(Note::Committed { from, to: index });
        for raw in from.0..=index.0 {
            let at = LogIndex(raw);
            if at <= self.conf_base {
                continue;
            }
            if let Some(Entry {
                data: EntryData::Conf(change),
                ..
            }) = self.log.entry(at)
            {
                let change = *change;
                self.apply_conf(ctx, change, at);
            }
        }
    }

    fn apply_conf(&mut self, ctx: &mut Ctx<'_>, change: ConfChange, index: LogIndex) {
        self.members.apply(change);
        if let ConfChange::AddVoter(node) | ConfChange::AddLearner(node) = change {
            if node == self.id {
                self.joining = false;
            }
        }
        ctx.notes.push(Note::ConfApplied { change, index });
        if self.role != RaftRole::Leader {
            return;
        }
        match change {
            ConfChange::AddVoter(node) | ConfChange::AddLearner(node) => {
                if !self.progress.contains_key(&node) {
                    let mut progress = Progress::new(self.log.last_index());
                    progress.recent_active = true;
                    self.progress.insert(node, progress);
                    self.send_append(ctx, node);
                }
            }
            ConfChange::Remove(node) => {
                self.progress.remove(&node);
                if self.transferee == Some(node) {
                    self.transferee = None;
                }
                // Fewer voters may mean a smaller majority: entries may now be committed.
                if node != self.id {
                    self.maybe_commit(ctx);
                }
            }
        }
    }

    /// Restore from a backup (`etcdctl snapshot restore`): a new logical cluster with
    /// this node as its only member, whose Raft state starts over as etcd writes it (a
    /// snapshot at index 1 and term 1 holding the restored values, committed; the node's
    /// own vote; term 1, so the first leader is of term 2). Unlike `--force-new-cluster`,
    /// nothing of the old log or term is kept.
    pub fn restore(
        &mut self,
        ctx: &mut Ctx<'_>,
        cluster: ClusterId,
        values: Arc<[(u64, Arc<str>)]>,
    ) {
        self.log = RaftLog::from_entries(vec![Entry {
            term: Term(1),
            data: EntryData::Snapshot(values),
        }]);
        self.commit = LogIndex(1);
        self.conf_base = self.commit;
        self.term = Term(1);
        self.vote = Some(self.id);
        self.cluster = cluster;
        self.members = Membership::of_voters([self.id]);
        self.joining = false;
        self.restart(ctx);
    }

    /// Wipe the data directory and join `cluster` as a fresh node (member add of a name
    /// that was a member of another cluster).
    pub fn wipe(
        &mut self,
        ctx: &mut Ctx<'_>,
        cluster: ClusterId,
        members: Membership,
        conf_base: LogIndex,
    ) {
        self.log = RaftLog::default();
        self.commit = LogIndex(0);
        self.term = Term(0);
        self.vote = None;
        self.cluster = cluster;
        self.members = members;
        self.conf_base = conf_base;
        self.joining = true;
        self.restart(ctx);
    }
}

#[cfg(test)]
mod tests;
