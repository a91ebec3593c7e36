//! The simulation's own tests: its fault injection hooks, serving and peer connections.

use super::*;

/// Test-only hooks that break the simulation on purpose, to prove that each invariant
/// check can fail (a check that never fires proves nothing).
#[cfg(test)]
impl Simulation {
    /// Delivers a forged message now, as if it had come over the network.
    pub(crate) fn inject_message(&mut self, message: Message) {
        let to = message.to;
        self.with_node(to, |raft, ctx| raft.step(ctx, message));
    }

    /// Changes a node's log behind Raft's back (no note, no message).
    pub(crate) fn tamper_log(&mut self, name: &str, f: impl FnOnce(&mut crate::log::RaftLog)) {
        self.tamper(name, |raft| f(&mut raft.log));
    }

    /// Changes a node's Raft state behind its back.
    pub(crate) fn tamper(&mut self, name: &str, f: impl FnOnce(&mut Raft)) {
        let id = self.node_id(name).expect("known node");
        f(&mut self.nodes[id.index()].raft);
    }

    /// Makes a node believe it leads its current term (a broken election).
    pub(crate) fn force_leader(&mut self, name: &str) {
        let id = self.node_id(name).expect("known node");
        let raft = &mut self.nodes[id.index()].raft;
        raft.role = RaftRole::Leader;
        raft.leader = Some(id);
    }

    /// Reports a pending proposal as failed to its client (a broken outcome).
    pub(crate) fn force_failed(&mut self, proposal: u64) {
        self.decide(proposal, Outcome::Failed, Some("node_down"));
    }

    /// Runs one event touching `name` (a message to itself would do; a no-op suffices).
    pub(crate) fn touch(&mut self, name: &str) {
        let id = self.node_id(name).expect("known node");
        self.with_node(id, |_, _| ());
    }
}

#[cfg(test)]
mod fault_injection {
    //! Each check of `invariants` fires on the fault it is there for.

    use super::*;
    use crate::log::Entry;

    fn cluster_with_writes() -> Simulation {
        let scenario = crate::parse_scenario(
            r#"{"name": "faults", "seed": 3,
                "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
                "steps": [{"at_ms": 1000, "do": "transfer_leader", "node": "n1"},
                          {"at_ms": 2000, "do": "propose", "value": "x=1", "node": "n1"},
                          {"at_ms": 2100, "do": "propose", "value": "y=2", "node": "n1"}],
                "until_ms": 6000}"#,
        )
        .expect("valid");
        let mut simulation = Simulation::new(&scenario);
        simulation.run_until(3000);
        assert!(simulation.violations().is_empty());
        assert_eq!(
            simulation.proposal_outcome(1).map(|o| o.0),
            Some(Outcome::Committed)
        );
        simulation
    }

    /// The rules the incremental checker caught, the ones checked after every event
    /// (`violations()` adds an end-of-run comparison that would hide a missing check).
    fn rules(simulation: &Simulation) -> Vec<&'static str> {
        simulation
            .checker
            .violations
            .iter()
            .map(|v| v.rule)
            .collect()
    }

    #[test]
    fn a_leader_whose_log_shrinks_is_caught() {
        let mut simulation = cluster_with_writes();
        simulation.tamper_log("n1", |log| {
            let kept = log.entries()[..log.entries().len() - 1].to_vec();
            *log = crate::log::RaftLog::from_entries(kept);
        });
        simulation.touch("n1");
        assert_eq!(rules(&simulation), ["leader_append_only"]);
        assert!(simulation.has_violations());
        assert_eq!(simulation.violations()[0].at_ms, 3000);
    }

    #[test]
    fn a_leader_back_in_its_old_term_with_a_shorter_log_is_caught() {
        // Across a restart: n1 led term 3, crashes, restarts, and (broken) leads term 3
        // again with a log missing its last entry.
        let mut simulation = cluster_with_writes();
        let n1 = NodeSelector::Node("n1".into());
        simulation.apply(&Action::Crash { node: n1.clone() });
        simulation.apply(&Action::Restart { node: n1 });
        simulation.tamper_log("n1", |log| log.truncate_after(LogIndex(1)));
        simulation.force_leader("n1");
        simulation.touch("n1");
        assert!(
            rules(&simulation).contains(&"leader_append_only"),
            "{:?}",
            rules(&simulation)
        );
    }

    #[test]
    fn an_acknowledged_write_overwritten_on_a_follower_is_caught_at_once() {
        let mut simulation = cluster_with_writes();
        let n2 = simulation.node_id("n2").expect("n2");
        // Where y=2 sits; n2 (broken) forgets that it committed it, then a forged leader
        // of a later term overwrites it there and commits its own entry.
        let index = simulation.proposals()[1]
            .index
            .map(LogIndex)
            .expect("appended");
        simulation.tamper("n2", |raft| raft.commit = index.prev());
        let raft = &simulation.nodes[n2.index()].raft;
        let prev = index.prev();
        let prev_term = raft.log.term_at(prev).expect("present");
        let term = raft.term.next();
        simulation.inject_message(Message {
            from: NodeId(2),
            to: n2,
            cluster: raft.cluster,
            term,
            body: Body::Append {
                prev_index: prev,
                prev_term,
                entries: vec![Entry {
                    term,
                    data: EntryData::Empty,
                }],
                commit: index,
            },
        });
        let found = rules(&simulation);
        assert!(found.contains(&"acknowledged_write_lost"), "{found:?}");
        assert!(found.contains(&"state_machine_safety"), "{found:?}");
        assert!(simulation
            .checker
            .violations
            .iter()
            .all(|v| v.at_ms == 3000));
    }

    #[test]
    fn a_write_reported_failed_that_commits_is_caught() {
        let mut simulation = cluster_with_writes();
        simulation.apply(&Action::Propose {
            value: "z=3".into(),
            node: NodeSelector::Node("n1".into()),
        });
        simulation.force_failed(2);
        simulation.run_until(4000);
        assert_eq!(rules(&simulation), ["failed_write_committed"]);
    }

    #[test]
    fn a_leader_elected_without_an_acknowledged_write_is_caught() {
        // n3 is cut off and (broken) wins an election with the log it had before y=2.
        let mut simulation = cluster_with_writes();
        simulation.tamper_log("n3", |log| {
            let kept = log.entries()[..log.entries().len() - 1].to_vec();
            *log = crate::log::RaftLog::from_entries(kept);
        });
        let n3 = simulation.node_id("n3").expect("n3");
        simulation.with_node(n3, |raft, ctx| {
            raft.term = raft.term.next();
            raft.campaign_won_for_test(ctx);
        });
        let found = rules(&simulation);
        assert!(found.contains(&"acknowledged_write_lost"), "{found:?}");
        assert!(found.contains(&"leader_completeness"), "{found:?}");
    }
}

#[cfg(test)]
mod serving {
    //! etcd answers no client before its own publish has committed.

    use super::*;

    fn run(scenario: &str) -> Simulation {
        let scenario = crate::parse_scenario(scenario).expect("valid");
        let mut simulation = Simulation::new(&scenario);
        simulation.run_until(scenario.end_ms());
        simulation
    }

    #[test]
    fn a_member_whose_cluster_never_commits_never_answers_until_the_client_gives_up() {
        // Sites 650 ms apart with the default timings: leaders step down before anything
        // commits (checked against etcd 3.4: « failed to publish local member », and no
        // answer to a put until the client's own timeout).
        let simulation = run(r#"{"name": "far", "seed": 1,
            "cluster": {"sites": {"A": ["n1"], "B": ["n2"], "C": ["n3"]},
                        "latency_ms": {"intra": 2, "inter": 650, "jitter": 100}},
            "steps": [{"at_ms": 3000, "do": "propose", "value": "x=1", "node": "n1"}],
            "until_ms": 20000}"#);
        let state = &simulation.proposals[0];
        assert_eq!(
            (state.outcome, state.reason),
            (Outcome::Unknown, Some("timeout"))
        );
        let request_timeout = 5000 + 2 * 1000;
        assert_eq!(
            state.decided_at_ms,
            Some(3000 + request_timeout + CLIENT_GRACE_MS)
        );
    }

    #[test]
    fn a_write_sent_before_the_first_commit_waits_and_then_commits() {
        let simulation = run(r#"{"name": "early", "seed": 2,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 0, "do": "propose", "value": "x=1", "node": "n1"}],
            "until_ms": 5000}"#);
        let state = &simulation.proposals[0];
        assert_eq!(state.outcome, Outcome::Committed);
        let first_leader = simulation.leaders[0].at_ms;
        assert!(
            state.decided_at_ms.is_some_and(|at| at > first_leader),
            "committed at {:?}, first leader at {first_leader}",
            state.decided_at_ms
        );
    }

    #[test]
    fn a_restarted_member_serves_again_only_once_it_hears_a_commit() {
        let scenario = crate::parse_scenario(
            r#"{"name": "restart", "seed": 2,
            "cluster": {"sites": {"A": ["n1", "n2", "n3"]}},
            "steps": [{"at_ms": 2000, "do": "crash", "node": "n3"},
                      {"at_ms": 3000, "do": "restart", "node": "n3"}],
            "until_ms": 6000}"#,
        )
        .expect("valid");
        let mut simulation = Simulation::new(&scenario);
        simulation.run_until(3000);
        let n3 = simulation.node_id("n3").expect("n3");
        let node = &simulation.nodes[n3.index()];
        assert!(node.up);
        assert_ne!(
            node.serving,
            Some(node.incarnation),
            "serves before publishing"
        );
        simulation.run_until(6000);
        let node = &simulation.nodes[n3.index()];
        assert_eq!(node.serving, Some(node.incarnation));
    }
}

#[cfg(test)]
mod peer_connections {
    //! etcd's peer connections across a cut and a heal, as the proxies of `raftdeck real`
    //! show them: a cut loses what was sent, a heal costs a reconnection.

    use serde_json::Value;

    /// Sites A (n1, n2) and B (n3) 100 ms apart, no jitter; B cut off from 2 s to 4 s.
    fn cut_and_heal_trace() -> Vec<Value> {
        let scenario = crate::parse_scenario(
            r#"{"name": "heal", "seed": 5,
            "cluster": {"sites": {"A": ["n1", "n2"], "B": ["n3"]},
                        "latency_ms": {"intra": 1, "inter": 100, "jitter": 0}},
            "steps": [{"at_ms": 1000, "do": "transfer_leader", "node": "n1"},
                      {"at_ms": 2000, "do": "partition", "groups": [["A"], ["B"]]},
                      {"at_ms": 4000, "do": "heal"}],
            "until_ms": 6000}"#,
        )
        .expect("valid");
        let (_, lines) = crate::trace_json_lines(&scenario);
        lines
            .iter()
            .map(|line| serde_json::from_str(line).expect("JSON"))
            .collect()
    }

    fn across_sites(event: &Value) -> bool {
        let n3 = |key: &str| event[key] == "n3";
        event["type"] == "send" && (n3("from") != n3("to"))
    }

    fn at(event: &Value, key: &str) -> u64 {
        event[key].as_u64().expect("a time")
    }

    #[test]
    fn a_message_sent_across_a_cut_is_lost_even_if_the_cut_heals_before_it_lands() {
        let events = cut_and_heal_trace();
        let late: Vec<&Value> = events
            .iter()
            .filter(|e| across_sites(e) && (3900..4000).contains(&at(e, "at_ms")))
            .collect();
        assert!(!late.is_empty(), "n1 heartbeats n3 every 100 ms");
        for send in late {
            assert!(at(send, "deliver_at_ms") > 4000);
            let dropped = events
                .iter()
                .any(|e| e["type"] == "drop" && e["id"] == send["id"]);
            assert!(dropped, "{send} crossed a cut and arrived");
        }
    }

    #[test]
    fn after_a_heal_messages_pay_a_handshake_until_the_streams_are_back() {
        let events = cut_and_heal_trace();
        let delay = |e: &&Value| at(e, "deliver_at_ms") - at(e, "at_ms");
        let sends = |from: u64, to: u64| {
            events
                .iter()
                .filter(move |e| across_sites(e) && (from..to).contains(&at(e, "at_ms")))
        };
        // Streams are back three one-way delays after the heal; before, a message travels
        // on a fresh connection: one round trip of handshake, then the way across.
        assert!(sends(4000, 4300).count() > 0);
        assert!(sends(4000, 4300).all(|e| delay(&e) >= 300), "pipeline");
        assert!(sends(4400, 6000).count() > 0);
        assert!(sends(4400, 6000).all(|e| delay(&e) == 100), "stream");
        // Before the cut, the same link streams.
        assert!(sends(1500, 2000).all(|e| delay(&e) == 100));
    }
}
