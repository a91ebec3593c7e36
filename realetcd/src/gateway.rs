//! A client of etcd's JSON gateway (`/v3/...` on the client port), what a program
//! without gRPC uses: keys and values in base64, 64-bit integers as strings.
//!
//! Each call opens its own connection, like a fresh client: a member that was killed
//! answers with a refused connection, not with a stale pooled socket.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

/// Why a gateway call did not return a successful answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// Nothing listens there (the member is down).
    #[error("connection refused")]
    Refused,
    /// The connection broke before an answer (the member died meanwhile).
    #[error("connection lost: {0}")]
    Lost(String),
    /// No answer within the caller's guard time.
    #[error("no answer in time")]
    NoAnswer,
    /// etcd answered with an error (`error` field of the gateway's JSON).
    #[error("{0}")]
    Etcd(String),
}

/// Base64 of a text, as the gateway wants keys and values.
pub fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Decodes a base64 field of a gateway answer.
pub fn unb64(text: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// POSTs `body` to `path` on the member's client address; returns the answer's JSON.
pub async fn call(
    addr: SocketAddr,
    path: &str,
    body: &Value,
    guard: Duration,
) -> Result<Value, GatewayError> {
    match tokio::time::timeout(guard, call_unguarded(addr, path, body)).await {
        Ok(result) => result,
        Err(_) => Err(GatewayError::NoAnswer),
    }
}

async fn call_unguarded(addr: SocketAddr, path: &str, body: &Value) -> Result<Value, GatewayError> {
    let response = send(addr, path, body).await?;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|error| GatewayError::Lost(error.to_string()))?
        .to_bytes();
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status.is_success() && value.get("error").is_none() {
        return Ok(value);
    }
    let message = value
        .get("error")
        .or_else(|| value.get("message"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {status}: {}", String::from_utf8_lossy(&bytes)));
    Err(GatewayError::Etcd(message))
}

/// Sends one request and returns the response head with its body still streaming.
pub async fn send(
    addr: SocketAddr,
    path: &str,
    body: &Value,
) -> Result<hyper::Response<Incoming>, GatewayError> {
    let stream = TcpStream::connect(addr).await.map_err(|error| {
        if error.kind() == std::io::ErrorKind::ConnectionRefused {
            GatewayError::Refused
        } else {
            GatewayError::Lost(error.to_string())
        }
    })?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|error| GatewayError::Lost(error.to_string()))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let request = hyper::Request::post(path)
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|error| GatewayError::Lost(error.to_string()))?;
    sender
        .send_request(request)
        .await
        .map_err(|error| GatewayError::Lost(error.to_string()))
}

/// A 64-bit field of a gateway answer (sent as a decimal string).
pub fn u64_field(value: &Value, field: &str) -> Option<u64> {
    match value.get(field)? {
        Value::String(text) => text.parse().ok(),
        Value::Number(number) => number.as_u64(),
        _ => None,
    }
}

/// What `/v3/maintenance/status` says of a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// The member's own ID.
    pub member_id: u64,
    /// The leader it knows (0: none).
    pub leader: u64,
    /// Its raft term.
    pub raft_term: u64,
    /// Its raft commit index.
    pub raft_index: u64,
    /// Its applied index.
    pub applied_index: u64,
    /// Whether it is a learner.
    pub is_learner: bool,
}

/// Asks a member for its status.
pub async fn status(addr: SocketAddr, guard: Duration) -> Result<Status, GatewayError> {
    let value = call(
        addr,
        "/v3/maintenance/status",
        &serde_json::json!({}),
        guard,
    )
    .await?;
    let header = value.get("header").cloned().unwrap_or(Value::Null);
    Ok(Status {
        member_id: u64_field(&header, "member_id").unwrap_or(0),
        leader: u64_field(&value, "leader").unwrap_or(0),
        raft_term: u64_field(&value, "raftTerm").unwrap_or(0),
        raft_index: u64_field(&value, "raftIndex").unwrap_or(0),
        applied_index: u64_field(&value, "raftAppliedIndex").unwrap_or(0),
        is_learner: value
            .get("isLearner")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// Every key under `prefix` with its value, in key order (a linearizable range read).
pub async fn range_prefix(
    addr: SocketAddr,
    prefix: &str,
    guard: Duration,
) -> Result<Vec<(String, String)>, GatewayError> {
    let body = serde_json::json!({ "key": b64(prefix), "range_end": b64(&prefix_end(prefix)) });
    let value = call(addr, "/v3/kv/range", &body, guard).await?;
    let mut pairs = Vec::new();
    for kv in value
        .get("kvs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = kv.get("key").and_then(Value::as_str).and_then(unb64);
        let value = kv
            .get("value")
            .and_then(Value::as_str)
            .and_then(unb64)
            .unwrap_or_default();
        if let Some(key) = key {
            pairs.push((key, value));
        }
    }
    Ok(pairs)
}

/// The smallest key after every key that starts with `prefix`.
pub fn prefix_end(prefix: &str) -> String {
    let mut bytes = prefix.as_bytes().to_vec();
    if let Some(last) = bytes.last_mut() {
        *last += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_and_prefix_end() {
        assert_eq!(b64("x=1"), "eD0x");
        assert_eq!(unb64("eD0x").as_deref(), Some("x=1"));
        assert_eq!(prefix_end("rd/"), "rd0");
    }

    #[test]
    fn integers_come_as_strings() {
        let value = serde_json::json!({"leader": "12845195084880325352", "raftTerm": "2"});
        assert_eq!(u64_field(&value, "leader"), Some(12845195084880325352));
        assert_eq!(u64_field(&value, "raftTerm"), Some(2));
        assert_eq!(u64_field(&value, "missing"), None);
    }

    #[tokio::test]
    async fn a_closed_port_is_refused() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let error = call(
            addr,
            "/v3/kv/put",
            &serde_json::json!({}),
            Duration::from_secs(2),
        )
        .await
        .unwrap_err();
        assert_eq!(error, GatewayError::Refused);
    }
}
