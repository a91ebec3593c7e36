//! The scenario as the runner plans it, before any etcd starts: what real etcd cannot
//! express, refused with the JSON path and the reason (no CheckQuorum; lost, duplicated
//! or reordered messages, which TCP never shows; one-way cuts; runs longer than
//! [`MAX_REAL_UNTIL_MS`]), and the order the steps run in.

use sim::scenario::{Action, Scenario};

use crate::cluster::RunError;

/// Longest scenario run on real etcd: it runs in real time.
pub const MAX_REAL_UNTIL_MS: u64 = 30 * 60 * 1000;

fn inexpressible(path: impl Into<String>, reason: impl Into<String>) -> RunError {
    RunError::Inexpressible {
        path: path.into(),
        reason: reason.into(),
    }
}

/// Refuses, with the JSON path and the reason, what real etcd cannot express.
pub fn check_expressible(scenario: &Scenario) -> Result<(), RunError> {
    let cluster = &scenario.cluster;
    if !cluster.check_quorum {
        return Err(inexpressible(
            "$.cluster.check_quorum",
            "etcd's server always runs CheckQuorum; `false` cannot be run on real etcd",
        ));
    }
    if cluster.election_ms < 5 * cluster.heartbeat_ms {
        return Err(inexpressible(
            "$.cluster.election_ms",
            format!(
                "etcd refuses an election timeout under 5 × the heartbeat ({} < 5 × {})",
                cluster.election_ms, cluster.heartbeat_ms
            ),
        ));
    }
    if scenario.end_ms() > MAX_REAL_UNTIL_MS {
        return Err(inexpressible(
            "$.until_ms",
            format!(
                "a real run lasts as long as the scenario; {} ms is over the {} ms allowed",
                scenario.end_ms(),
                MAX_REAL_UNTIL_MS
            ),
        ));
    }
    for (position, step) in scenario.steps.iter().enumerate() {
        let path = format!("$.steps[{position}].do");
        match &step.action {
            Action::DropRate { .. } => {
                return Err(inexpressible(
                    path,
                    "`drop_rate` loses single messages; etcd's peers talk over TCP, which \
                     retransmits lost packets, so real etcd cannot lose one message",
                ))
            }
            Action::DuplicateRate { .. } => {
                return Err(inexpressible(
                    path,
                    "`duplicate_rate` delivers messages twice; TCP never does, so real etcd \
                     cannot see it",
                ))
            }
            Action::Reorder { .. } => {
                return Err(inexpressible(
                    path,
                    "`reorder` lets messages overtake each other; etcd's peer streams are \
                     TCP, which keeps them in order",
                ))
            }
            Action::Cut { one_way: true, .. } => {
                return Err(inexpressible(
                    format!("$.steps[{position}].one_way"),
                    "a one-way cut loses messages in one direction only; raftdeck's proxies \
                     carry TCP connections, and etcd sends over connections opened from \
                     either end (streams are opened by the receiver), so one direction \
                     cannot be cut alone",
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The scenario's steps in the order the simulation runs them: by time, first
/// occurrences before repetitions, then by position.
pub fn schedule(scenario: &Scenario) -> Vec<(u64, usize, u32)> {
    let end = scenario.end_ms();
    let mut list = Vec::new();
    for (position, step) in scenario.steps.iter().enumerate() {
        list.push((step.at_ms, position, 0));
        if let Some(every) = step.every_ms.filter(|&every| every > 0) {
            let mut at = step.at_ms + every;
            let mut repetition = 1;
            while at <= end {
                list.push((at, position, repetition));
                at += every;
                repetition += 1;
            }
        }
    }
    list.sort_by_key(|&(at, position, repetition)| (at, repetition.min(1), position, repetition));
    list
}
