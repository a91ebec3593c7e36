//! etcd's answers as the runner reads them: the key each proposal writes, the outcome a
//! client sees of a put, and etcd's message for a refused request.

use crate::cluster::KEY_PREFIX;
use crate::gateway::GatewayError;

pub(super) fn key_of(proposal: usize) -> String {
    format!("{KEY_PREFIX}{proposal:05}")
}

pub(super) fn proposal_of_key(key: &str) -> Option<usize> {
    key.strip_prefix(KEY_PREFIX)?.parse().ok()
}

/// The outcome a client sees of a put: committed, failed (it is certain the write did
/// not happen) or unknown (it may still commit).
pub fn classify_put(answer: Result<(), GatewayError>) -> (&'static str, Option<String>) {
    match answer {
        Ok(()) => ("committed", None),
        Err(GatewayError::Refused) => ("failed", Some("node_down".into())),
        Err(GatewayError::Lost(_)) => ("unknown", Some("connection_lost".into())),
        Err(GatewayError::NoAnswer) => ("unknown", Some("timeout".into())),
        Err(GatewayError::Etcd(message)) => {
            let reason = |text: &str| Some(text.to_string());
            // etcd's own request timeout; through the JSON gateway it may surface as the
            // gRPC deadline.
            if message.contains("request timed out") || message.contains("deadline exceeded") {
                ("unknown", reason("timeout"))
            } else if message.contains("leader changed") {
                ("unknown", reason("leader_changed"))
            } else if message.contains("no leader") {
                ("failed", reason("no_leader"))
            } else if message.contains("proposal dropped") {
                ("failed", reason("proposal_dropped"))
            } else if message.contains("server stopped") {
                ("failed", reason("node_down"))
            } else {
                ("failed", Some(message))
            }
        }
    }
}

/// etcd's message for a refused request, as a skip reason.
pub(super) fn etcd_reason(error: &GatewayError) -> String {
    match error {
        GatewayError::Etcd(message) => message.trim_start_matches("etcdserver: ").to_string(),
        other => other.to_string(),
    }
}
