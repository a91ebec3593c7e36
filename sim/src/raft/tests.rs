//! The Raft node's tests on a tiny synchronous network: PreVote, CheckQuorum and its
//! lease, replication and the commit rule of figure 8.

use super::*;

/// A tiny synchronous harness: delivers every message immediately, in order.
struct Net {
    nodes: Vec<Raft>,
    rng: Rng,
    now: u64,
    cut: BTreeSet<NodeId>,
}

impl Net {
    fn new(count: u32, config: RaftConfig) -> Net {
        let mut rng = Rng::new(1);
        let members = Membership::of_voters((0..count).map(NodeId));
        let nodes = (0..count)
            .map(|i| {
                Raft::new(
                    NodeId(i),
                    config,
                    ClusterId(1),
                    members.clone(),
                    0,
                    &mut rng,
                )
            })
            .collect();
        Net {
            nodes,
            rng,
            now: 0,
            cut: BTreeSet::new(),
        }
    }

    fn run(&mut self, mut queue: Vec<Message>) {
        let mut guard = 0;
        while !queue.is_empty() {
            guard += 1;
            assert!(guard < 10_000, "message storm");
            let message = queue.remove(0);
            if self.cut.contains(&message.to) || self.cut.contains(&message.from) {
                continue;
            }
            let mut out = Vec::new();
            let mut notes = Vec::new();
            let mut ctx = Ctx {
                now: self.now,
                rng: &mut self.rng,
                out: &mut out,
                notes: &mut notes,
            };
            self.nodes[message.to.index()].step(&mut ctx, message);
            queue.extend(out);
        }
    }

    /// The node's election timer (a leader's: its CheckQuorum round) runs out now.
    fn timer(&mut self, node: u32, kind: TimerKind) {
        assert_eq!(kind, TimerKind::Election);
        let mut out = Vec::new();
        let mut notes = Vec::new();
        let mut ctx = Ctx {
            now: self.now,
            rng: &mut self.rng,
            out: &mut out,
            notes: &mut notes,
        };
        let raft = &mut self.nodes[node as usize];
        let timeout = if raft.role == RaftRole::Leader {
            raft.config.election_ticks()
        } else {
            raft.randomized_election_ticks
        };
        raft.election_elapsed = timeout - 1;
        raft.tick(&mut ctx);
        self.run(out);
    }

    fn propose(&mut self, node: u32, proposal: u64) {
        let mut out = Vec::new();
        let mut notes = Vec::new();
        let mut ctx = Ctx {
            now: self.now,
            rng: &mut self.rng,
            out: &mut out,
            notes: &mut notes,
        };
        self.nodes[node as usize].propose(&mut ctx, proposal, Arc::from("v"));
        self.run(out);
    }
}

#[test]
fn election_with_pre_vote() {
    // Raft §5.2: a follower that times out campaigns and wins with a majority.
    let mut net = Net::new(3, RaftConfig::default());
    net.now = 5000;
    net.timer(0, TimerKind::Election);
    assert_eq!(net.nodes[0].role, RaftRole::Leader);
    assert_eq!(net.nodes[0].term, Term(1));
    assert_eq!(net.nodes[1].leader, Some(NodeId(0)));
    // The empty entry of the new leader is committed everywhere.
    for node in &net.nodes {
        assert_eq!(node.commit, LogIndex(1), "node {:?}", node.id);
    }
}

#[test]
fn pre_vote_does_not_bump_terms_of_an_isolated_node() {
    // Thesis §9.6: an isolated pre-candidate cannot win pre-votes, keeps its term.
    let mut net = Net::new(3, RaftConfig::default());
    net.cut.insert(NodeId(2));
    for round in 1..5 {
        net.now = round * 5000;
        net.timer(2, TimerKind::Election);
    }
    assert_eq!(net.nodes[2].term, Term(0));
    assert_eq!(net.nodes[2].role, RaftRole::PreCandidate);
}

#[test]
fn without_pre_vote_an_isolated_node_bumps_its_term() {
    let config = RaftConfig {
        pre_vote: false,
        ..RaftConfig::default()
    };
    let mut net = Net::new(3, config);
    net.cut.insert(NodeId(2));
    for round in 1..5 {
        net.now = round * 5000;
        net.timer(2, TimerKind::Election);
    }
    assert_eq!(net.nodes[2].term, Term(4));
}

#[test]
fn replication_and_commit() {
    let mut net = Net::new(3, RaftConfig::default());
    net.now = 5000;
    net.timer(0, TimerKind::Election);
    net.propose(0, 7);
    for node in &net.nodes {
        assert_eq!(node.commit, LogIndex(2));
        assert_eq!(node.log.last_index(), LogIndex(2));
    }
    // A follower forwards proposals to its leader.
    net.propose(1, 8);
    assert_eq!(net.nodes[0].commit, LogIndex(3));
}

#[test]
fn lease_makes_followers_ignore_votes() {
    let config = RaftConfig {
        pre_vote: false,
        ..RaftConfig::default()
    };
    let mut net = Net::new(3, config);
    net.now = 5000;
    net.timer(0, TimerKind::Election);
    // Node 2 campaigns right away: node 1 heard from the leader just now.
    net.timer(2, TimerKind::Election);
    assert_eq!(net.nodes[1].term, Term(1));
    assert_eq!(net.nodes[1].vote, Some(NodeId(0)));
}

#[test]
fn check_quorum_steps_down() {
    let mut net = Net::new(3, RaftConfig::default());
    net.now = 5000;
    net.timer(0, TimerKind::Election);
    net.cut.insert(NodeId(1));
    net.cut.insert(NodeId(2));
    net.now = 6000;
    net.timer(0, TimerKind::Election);
    // First round: followers were active when it was elected.
    net.now = 7000;
    net.timer(0, TimerKind::Election);
    assert_eq!(net.nodes[0].role, RaftRole::Follower);
}

#[test]
fn only_append_and_heartbeat_answers_count_as_recent_activity() {
    // etcd-io/raft stepLeader sets RecentActive on MsgAppResp and MsgHeartbeatResp
    // only: a late vote answer (far sites, a slow link) proves nothing about the
    // follower's current reachability, and CheckQuorum must not count it.
    let mut net = Net::new(3, RaftConfig::default());
    net.now = 5000;
    net.timer(0, TimerKind::Election);
    assert_eq!(net.nodes[0].role, RaftRole::Leader);
    let term = net.nodes[0].term;
    for follower in [1, 2] {
        net.nodes[0]
            .progress
            .get_mut(&NodeId(follower))
            .unwrap()
            .recent_active = false;
    }
    let late = |from: u32, body: Body| Message {
        from: NodeId(from),
        to: NodeId(0),
        cluster: ClusterId(1),
        term,
        body,
    };
    net.run(vec![
        late(1, Body::VoteResp { reject: false }),
        late(2, Body::PreVoteResp { reject: false }),
    ]);
    let active = |net: &Net, id: u32| net.nodes[0].progress[&NodeId(id)].recent_active;
    assert!(!active(&net, 1) && !active(&net, 2));
    net.run(vec![late(1, Body::HeartbeatResp)]);
    assert!(active(&net, 1));
    net.run(vec![late(
        2,
        Body::AppendResp {
            index: LogIndex(1),
            reject: false,
            hint_index: LogIndex(0),
            hint_term: Term(0),
        },
    )]);
    assert!(active(&net, 2));
}

#[test]
fn figure_8_only_current_term_entries_are_committed_by_counting() {
    // Raft §5.4.2, figure 8: a leader of term 4 holding an entry of term 2 on a
    // majority must not commit it by counting replicas; it commits once an entry of
    // its own term is on a majority (and the term-2 entry with it, indirectly).
    let mut rng = Rng::new(5);
    let members = Membership::of_voters((0..5).map(NodeId));
    let mut leader = Raft::new(
        NodeId(0),
        RaftConfig::default(),
        ClusterId(1),
        members,
        0,
        &mut rng,
    );
    for term in [1, 2] {
        leader.log.push(Entry {
            term: Term(term),
            data: EntryData::Empty,
        });
    }
    leader.commit = LogIndex(1);
    leader.term = Term(4);
    leader.role = RaftRole::Leader;
    for id in 0..5 {
        let mut progress = Progress::new(LogIndex(2));
        if id < 3 {
            progress.update(LogIndex(2));
        }
        leader.progress.insert(NodeId(id), progress);
    }
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut ctx = Ctx {
        now: 0,
        rng: &mut rng,
        out: &mut out,
        notes: &mut notes,
    };
    assert!(!leader.maybe_commit(&mut ctx));
    assert_eq!(leader.commit, LogIndex(1));
    leader.log.push(Entry {
        term: Term(4),
        data: EntryData::Empty,
    });
    for id in 0..3 {
        leader
            .progress
            .get_mut(&NodeId(id))
            .unwrap()
            .update(LogIndex(3));
    }
    assert!(leader.maybe_commit(&mut ctx));
    assert_eq!(leader.commit, LogIndex(3));
}
