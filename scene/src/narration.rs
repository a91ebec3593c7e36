//! The caption line: trace events told in French, at the level of the talk.
//!
//! The narrator remembers just enough (each node's last role, whether a leader was ever
//! seen, which leader's timer fired) to tell « n2 ne reçoit plus de heartbeat, il devient
//! candidat au terme 3 » from « n2 a obtenu les pré-votes ». Every event it tells is an
//! "interesting" one: the widget's « événement suivant » button stops on them.

use std::collections::BTreeMap;

use sim::raft::TimerKind;
use sim::trace::TraceKind;
use sim::{Outcome, Role, Simulation, TraceEvent};

/// Tells trace events; cloned with the simulation for checkpoints.
#[derive(Clone, Debug, Default)]
pub struct Narrator {
    /// Last role seen per node id.
    roles: BTreeMap<u32, Role>,
    /// Whether any node has been leader yet (a cold start has no leader to miss).
    seen_leader: bool,
    /// Leaders whose CheckQuorum round ran, and when: a step down at that same instant
    /// is CheckQuorum's.
    leader_timeouts: BTreeMap<u32, u64>,
}

/// French for a proposal's failure reason.
pub fn reason_text(reason: &str) -> &'static str {
    match reason {
        "no_leader" => "pas de leader",
        "not_leader" => "le nœud n'est plus leader",
        "node_down" => "le nœud est en panne",
        "transferring" => "transfert de leadership en cours",
        "lost" => "écrasée par un nouveau leader",
        "timeout" => "délai dépassé",
        "connection_lost" => "connexion perdue",
        _ => "refusée",
    }
}

/// French for a role, as shown under a node.
pub fn role_text(role: Role) -> &'static str {
    match role {
        Role::Leader => "leader",
        Role::Follower => "follower",
        Role::Candidate => "candidat",
        Role::PreCandidate => "pré-candidat",
        Role::Down => "en panne",
        Role::Learner => "learner",
    }
}

impl Narrator {
    /// A narrator for a simulation that starts with these roles.
    pub fn new(simulation: &Simulation) -> Narrator {
        let mut narrator = Narrator::default();
        for (position, node) in simulation.nodes().iter().enumerate() {
            narrator.roles.insert(position as u32, node.role);
        }
        narrator
    }

    /// The caption for one event, if it deserves one; updates what the narrator knows.
    pub fn tell(&mut self, simulation: &Simulation, event: &TraceEvent) -> Option<String> {
        let name = |id: sim::NodeId| simulation.node_name(id).to_string();
        match &event.kind {
            TraceKind::Timeout { node, timer } => {
                if *timer == TimerKind::Election
                    && self.roles.get(&node.0).copied() == Some(Role::Leader)
                {
                    self.leader_timeouts.insert(node.0, event.at_ms);
                }
                None
            }
            TraceKind::Role { node, role, term } => {
                let before = self.roles.insert(node.0, *role);
                let checked_quorum = self.leader_timeouts.remove(&node.0) == Some(event.at_ms);
                let who = name(*node);
                let term = term.0;
                match role {
                    Role::PreCandidate => Some(if self.seen_leader {
                        format!("{who} ne reçoit plus de heartbeat : il demande des pré-votes pour le terme {}", term + 1)
                    } else {
                        format!("{who} n'entend aucun leader : il demande des pré-votes pour le terme {}", term + 1)
                    }),
                    Role::Candidate => Some(if before == Some(Role::PreCandidate) {
                        format!("{who} a obtenu une majorité de pré-votes : il devient candidat au terme {term}")
                    } else if self.seen_leader {
                        format!("{who} ne reçoit plus de heartbeat, il devient candidat au terme {term}")
                    } else {
                        format!("{who} n'entend aucun leader, il devient candidat au terme {term}")
                    }),
                    Role::Leader => {
                        self.seen_leader = true;
                        Some(format!(
                            "{who} obtient une majorité de votes : il est leader au terme {term}"
                        ))
                    }
                    Role::Follower if before == Some(Role::Leader) => Some(if checked_quorum {
                        format!("{who} ne joint plus de majorité : il cesse d'être leader (CheckQuorum)")
                    } else {
                        format!("{who} voit un terme plus récent ({term}) : il redevient follower")
                    }),
                    _ => None,
                }
            }
            TraceKind::Crash { node } => {
                self.roles.insert(node.0, Role::Down);
                Some(format!("{} tombe en panne", name(*node)))
            }
            TraceKind::Restart { node } => Some(format!(
                "{} redémarre et rejoint le cluster comme follower",
                name(*node)
            )),
            TraceKind::Truncate { node, from } => Some(format!(
                "{} efface ses entrées non commitées à partir de l'index {} : le nouveau leader les écrase",
                name(*node),
                from.0
            )),
            TraceKind::Commit { node, index } => {
                if self.roles.get(&node.0).copied() == Some(Role::Leader) {
                    Some(format!(
                        "Le leader {} commite l'entrée {} : elle est sur une majorité",
                        name(*node),
                        index.0
                    ))
                } else {
                    None
                }
            }
            TraceKind::Proposal {
                proposal,
                outcome,
                reason,
            } => {
                let record = simulation.proposals().into_iter().nth(*proposal as usize)?;
                let value = record.value;
                match outcome {
                    Outcome::Pending => Some(match record.node {
                        Some(node) => format!("Le client envoie l'écriture {value} à {node}"),
                        None => format!("Le client envoie l'écriture {value}"),
                    }),
                    Outcome::Committed => {
                        Some(format!("L'écriture {value} est acquittée au client"))
                    }
                    Outcome::Failed => Some(format!(
                        "L'écriture {value} échoue : {}",
                        reason_text(reason.unwrap_or(""))
                    )),
                    Outcome::Unknown => Some(format!(
                        "L'écriture {value} : issue inconnue ({}), elle peut encore être validée",
                        reason_text(reason.unwrap_or(""))
                    )),
                }
            }
            TraceKind::Network { action } => match *action {
                "partition" => Some("Le réseau est partitionné".to_string()),
                "heal" => Some("Le réseau est rétabli".to_string()),
                "isolate" => Some("Un nœud est isolé du réseau".to_string()),
                "cut" => Some("Un lien est coupé".to_string()),
                "set_latency" => Some("La latence change".to_string()),
                _ => None,
            },
            TraceKind::Membership {
                node,
                change,
                member,
            } => {
                let what = match *change {
                    "add" => "ajout du membre",
                    "add_learner" => "ajout du learner",
                    _ => "retrait du membre",
                };
                Some(format!("{} applique : {what} {}", name(*node), name(*member)))
            }
            TraceKind::Restore { node, .. } => {
                // Acknowledged writes newer than the backup are gone with the old cluster.
                let lost: Vec<String> = simulation
                    .proposals()
                    .into_iter()
                    .filter(|p| p.lost_at_ms == Some(event.at_ms))
                    .map(|p| p.value)
                    .collect();
                let mut text = format!(
                    "{} est restauré depuis la sauvegarde (etcdctl snapshot restore) : nouveau cluster à un membre, nouveau journal",
                    name(*node),
                );
                if !lost.is_empty() {
                    text.push_str(&format!(
                        " ; perdu, car acquitté après la sauvegarde : {}",
                        lost.join(", ")
                    ));
                }
                Some(text)
            }
            TraceKind::Snapshot { node, index } => Some(format!(
                "Snapshot de {} jusqu'à l'index {}",
                name(*node),
                index.0
            )),
            TraceKind::Send { .. }
            | TraceKind::Deliver { .. }
            | TraceKind::Drop { .. }
            | TraceKind::Append { .. }
            | TraceKind::TickAdvance { .. }
            | TraceKind::Skip { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(text: &str) -> sim::Scenario {
        sim::parse_scenario(text).expect("valid scenario")
    }

    fn captions(text: &str) -> Vec<String> {
        let scenario = scenario(text);
        let mut simulation = Simulation::new(&scenario);
        let mut narrator = Narrator::new(&simulation);
        let mut captions = Vec::new();
        while simulation.step_until(scenario.end_ms()) {
            for event in simulation.drain_trace() {
                captions.extend(narrator.tell(&simulation, &event));
            }
        }
        captions
    }

    #[test]
    fn a_cold_start_is_told_without_missing_heartbeats() {
        let captions = captions(
            r#"{ "cluster": { "sites": { "A": ["n1", "n2", "n3"] } }, "until_ms": 4000 }"#,
        );
        assert!(
            captions[0].contains("n'entend aucun leader"),
            "{captions:?}"
        );
        assert!(
            captions
                .iter()
                .any(|c| c.contains("il est leader au terme 2")),
            "{captions:?}"
        );
    }

    #[test]
    fn a_leader_crash_is_told_then_the_next_election() {
        let captions = captions(
            r#"{ "cluster": { "sites": { "A": ["n1", "n2", "n3"] } },
                 "steps": [ { "at_ms": 3000, "do": "propose", "value": "x=1" },
                            { "at_ms": 4000, "do": "crash", "node": "leader" } ],
                 "until_ms": 8000 }"#,
        );
        let text = captions.join("\n");
        assert!(text.contains("Le client envoie l'écriture x=1"), "{text}");
        assert!(
            text.contains("L'écriture x=1 est acquittée au client"),
            "{text}"
        );
        assert!(text.contains("tombe en panne"), "{text}");
        assert!(text.contains("ne reçoit plus de heartbeat"), "{text}");
        assert!(text.contains("il est leader au terme 3"), "{text}");
    }

    #[test]
    fn an_unanswered_write_and_a_write_lost_by_a_restore_are_told() {
        let text = captions(
            r#"{ "cluster": { "sites": { "A": ["n1", "n2", "n3"] } },
                 "steps": [ { "at_ms": 2000, "do": "propose", "value": "x=1" },
                            { "at_ms": 2500, "do": "snapshot", "node": "n1" },
                            { "at_ms": 3000, "do": "propose", "value": "y=2" },
                            { "at_ms": 4000, "do": "crash", "node": "n2" },
                            { "at_ms": 4000, "do": "crash", "node": "n3" },
                            { "at_ms": 4500, "do": "propose", "value": "z=3", "node": "n1" },
                            { "at_ms": 12000, "do": "restore", "node": "n1" } ],
                 "until_ms": 13000 }"#,
        )
        .join("\n");
        assert!(
            text.contains("L'écriture z=3 : issue inconnue (délai dépassé)"),
            "{text}"
        );
        assert!(
            text.contains("perdu, car acquitté après la sauvegarde : y=2"),
            "{text}"
        );
    }

    #[test]
    fn reasons_and_roles_are_french() {
        assert_eq!(reason_text("no_leader"), "pas de leader");
        assert_eq!(reason_text("whatever"), "refusée");
        assert_eq!(role_text(Role::PreCandidate), "pré-candidat");
    }
}
