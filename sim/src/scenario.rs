//! Scenarios as data: the JSON contract of DESIGN.md ("Scenario JSON"), parsed and checked.
//!
//! [`parse_scenario`] never panics: it reads the text into a `serde_json::Value` (so a
//! syntax error reports line and column), then walks it by hand so that every fault is
//! reported with the JSON path of the offending value (`$.steps[3].node`). The types
//! also derive serde's traits so a scenario can be written back out (and tests check that
//! what is written parses back to the same value).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest run a scenario may ask for (one simulated day): keeps a typo from hanging a CLI.
pub const MAX_UNTIL_MS: u64 = 86_400_000;
/// Largest latency or timeout accepted (etcd caps the election timeout at 50 s).
pub const MAX_DURATION_MS: u64 = 3_600_000;
/// Most nodes a scenario may declare (initially or by `member_add`).
pub const MAX_NODES: usize = 64;
/// Largest election timeout accepted (etcd's upper limit).
pub const MAX_ELECTION_MS: u64 = 50_000;

/// A scenario: a cluster, timed actions, and how long to run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Slug naming the scenario.
    #[serde(default)]
    pub name: String,
    /// Audience-visible title (French in the talk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Seed of the PRNG (election timeouts, jitter, drops).
    #[serde(default)]
    pub seed: u64,
    /// The cluster at time 0.
    pub cluster: ClusterSpec,
    /// Actions, in time order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// End of the run (default: last step + 5000 ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<u64>,
}

/// Sites, nodes and timing of the cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// Site name → node names. Sorted by site name (deterministic whatever the JSON order).
    pub sites: BTreeMap<String, Vec<String>>,
    /// Link latencies.
    #[serde(default)]
    pub latency_ms: LatencySpec,
    /// etcd `--heartbeat-interval`.
    #[serde(default = "default_heartbeat")]
    pub heartbeat_ms: u64,
    /// etcd `--election-timeout`.
    #[serde(default = "default_election")]
    pub election_ms: u64,
    /// etcd `--pre-vote`.
    #[serde(default = "default_true")]
    pub pre_vote: bool,
    /// CheckQuorum (always on in etcd's server).
    #[serde(default = "default_true")]
    pub check_quorum: bool,
    /// Nodes that fail to start (bootstrap failure); `restart` brings them up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub down: Vec<String>,
}

fn default_heartbeat() -> u64 {
    100
}
fn default_election() -> u64 {
    1000
}
fn default_true() -> bool {
    true
}

/// One-way latencies in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencySpec {
    /// Between two nodes of one site.
    #[serde(default = "default_intra")]
    pub intra: u64,
    /// Between sites.
    #[serde(default = "default_inter")]
    pub inter: u64,
    /// Each message gets a random extra delay in `0..=jitter`.
    #[serde(default)]
    pub jitter: u64,
}

fn default_intra() -> u64 {
    1
}
fn default_inter() -> u64 {
    10
}

impl Default for LatencySpec {
    fn default() -> LatencySpec {
        LatencySpec {
            intra: default_intra(),
            inter: default_inter(),
            jitter: 0,
        }
    }
}

/// A timed action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// When (simulated ms from the start).
    pub at_ms: u64,
    /// Repeat every so many ms until `until_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_ms: Option<u64>,
    /// Audience-visible caption of the step (French in the talk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What to do.
    #[serde(flatten)]
    pub action: Action,
}

/// Which node(s) an action targets.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum NodeSelector {
    /// A node by name.
    Node(String),
    /// The node in the leader role with the highest term at that instant.
    Leader,
    /// The first live follower, by name.
    Follower,
    /// Every node of a site (`site:A`).
    Site(String),
}

impl NodeSelector {
    /// Parses `leader`, `follower`, `site:A` or a node name.
    pub fn parse(text: &str) -> NodeSelector {
        match text {
            "leader" => NodeSelector::Leader,
            "follower" => NodeSelector::Follower,
            _ => match text.strip_prefix("site:") {
                Some(site) => NodeSelector::Site(site.to_string()),
                None => NodeSelector::Node(text.to_string()),
            },
        }
    }
}

impl fmt::Display for NodeSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeSelector::Node(name) => f.write_str(name),
            NodeSelector::Leader => f.write_str("leader"),
            NodeSelector::Follower => f.write_str("follower"),
            NodeSelector::Site(site) => write!(f, "site:{site}"),
        }
    }
}

impl From<NodeSelector> for String {
    fn from(selector: NodeSelector) -> String {
        selector.to_string()
    }
}

impl TryFrom<String> for NodeSelector {
    type Error = String;
    fn try_from(text: String) -> Result<NodeSelector, String> {
        Ok(NodeSelector::parse(&text))
    }
}

fn is_true(value: &bool) -> bool {
    *value
}

fn leader_selector() -> NodeSelector {
    NodeSelector::Leader
}

/// The actions of DESIGN.md's table (plus `duplicate_rate` and `reorder`, for the
/// randomized tests). A user clicking in a widget produces the same values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// A client write sent to `node` (default: the leader).
    Propose {
        /// The value written.
        value: String,
        /// Where the client sends it.
        #[serde(default = "leader_selector")]
        node: NodeSelector,
    },
    /// Stop the node(s): volatile state and messages in flight to them are lost.
    Crash {
        /// Target.
        node: NodeSelector,
    },
    /// Start the node(s) again (as followers, persisted state intact).
    Restart {
        /// Target.
        node: NodeSelector,
    },
    /// Cut every link of the node(s).
    Isolate {
        /// Target.
        node: NodeSelector,
    },
    /// Only nodes in the same group can talk; unlisted nodes form one more group.
    Partition {
        /// Groups of site names or node names.
        groups: Vec<Vec<String>>,
    },
    /// Remove every partition and isolation.
    Heal,
    /// Cut the link between two nodes or sites: messages from `from` to `to` are lost,
    /// and, unless `one_way`, those from `to` to `from` too. `heal` restores it.
    Cut {
        /// A node or site name.
        from: String,
        /// A node or site name.
        to: String,
        /// Only the direction `from` → `to` (a one-way link failure).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        one_way: bool,
    },
    /// Change latencies: `intra` and/or `inter`, or `from`/`to` sites and `ms` (both
    /// directions).
    SetLatency {
        /// New intra-site latency.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        intra: Option<u64>,
        /// New inter-site latency.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        inter: Option<u64>,
        /// One site of a pair.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        /// The other site of the pair.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        /// Latency between the pair.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ms: Option<u64>,
    },
    /// Drop that share of messages (0–1).
    DropRate {
        /// Share dropped.
        rate: f64,
    },
    /// Deliver that share of messages twice (0–1).
    DuplicateRate {
        /// Share duplicated.
        rate: f64,
    },
    /// Add a random delay in `0..=max_ms` to each message, letting messages overtake.
    Reorder {
        /// Largest extra delay.
        max_ms: u64,
    },
    /// Save the node's committed state.
    Snapshot {
        /// Target.
        node: NodeSelector,
    },
    /// The node starts a new one-member cluster from its last snapshot.
    Restore {
        /// Target.
        node: NodeSelector,
    },
    /// Add a member (a new node, or a node of another cluster whose data is wiped), as
    /// an operator does: `etcdctl member add`, then, once the cluster has accepted it,
    /// start the new member's process (`--initial-cluster-state existing`).
    MemberAdd {
        /// Name of the member.
        node: String,
        /// Its site.
        site: String,
        /// Add as learner (promote later).
        #[serde(default)]
        learner: bool,
        /// Start the member once added (default true). `false`: only change the
        /// configuration, as `etcdctl member add` alone does; `restart` starts it.
        #[serde(default = "default_true", skip_serializing_if = "is_true")]
        start: bool,
    },
    /// Learner → voter (once caught up, as etcd requires).
    Promote {
        /// Target.
        node: NodeSelector,
    },
    /// Remove a member.
    MemberRemove {
        /// Target.
        node: NodeSelector,
    },
    /// Transfer leadership to the node.
    TransferLeader {
        /// Target.
        node: NodeSelector,
    },
}

impl Action {
    /// The `do` name of the action.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Propose { .. } => "propose",
            Action::Crash { .. } => "crash",
            Action::Restart { .. } => "restart",
            Action::Isolate { .. } => "isolate",
            Action::Partition { .. } => "partition",
            Action::Heal => "heal",
            Action::Cut { .. } => "cut",
            Action::SetLatency { .. } => "set_latency",
            Action::DropRate { .. } => "drop_rate",
            Action::DuplicateRate { .. } => "duplicate_rate",
            Action::Reorder { .. } => "reorder",
            Action::Snapshot { .. } => "snapshot",
            Action::Restore { .. } => "restore",
            Action::MemberAdd { .. } => "member_add",
            Action::Promote { .. } => "promote",
            Action::MemberRemove { .. } => "member_remove",
            Action::TransferLeader { .. } => "transfer_leader",
        }
    }
}

impl Scenario {
    /// The end of the run: `until_ms`, or 5 s after the last step.
    pub fn end_ms(&self) -> u64 {
        self.until_ms
            .unwrap_or_else(|| self.steps.last().map_or(0, |step| step.at_ms) + 5000)
    }

    /// Every node name declared in `cluster.sites`, sorted by site then as listed.
    pub fn initial_nodes(&self) -> Vec<(String, String)> {
        let mut nodes = Vec::new();
        for (site, names) in &self.cluster.sites {
            for name in names {
                nodes.push((name.clone(), site.clone()));
            }
        }
        nodes
    }
}

/// A fault in a scenario: where (JSON path) and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ScenarioError {
    /// JSON path of the fault, e.g. `$.steps[3].node`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn fail<T>(path: &str, message: impl Into<String>) -> Result<T, ScenarioError> {
    Err(ScenarioError {
        path: path.to_string(),
        message: message.into(),
    })
}

const ACTIONS: &[&str] = &[
    "propose",
    "crash",
    "restart",
    "isolate",
    "partition",
    "heal",
    "cut",
    "set_latency",
    "drop_rate",
    "duplicate_rate",
    "reorder",
    "snapshot",
    "restore",
    "member_add",
    "promote",
    "member_remove",
    "transfer_leader",
];

/// Parses and validates a scenario. Never panics; every error names the JSON path.
pub fn parse_scenario(text: &str) -> Result<Scenario, ScenarioError> {
    let value: Value = serde_json::from_str(text).map_err(|error| ScenarioError {
        path: "$".to_string(),
        message: format!(
            "malformed JSON at line {} column {}: {}",
            error.line(),
            error.column(),
            error
        ),
    })?;
    scenario_from_value(&value)
}

/// Validates an already parsed JSON value (e.g. a scenario embedded in a deck).
pub fn scenario_from_value(value: &Value) -> Result<Scenario, ScenarioError> {
    let root = object(value, "$")?;
    only_fields(
        root,
        "$",
        &[
            "system", "name", "title", "seed", "cluster", "steps", "until_ms",
        ],
    )?;
    // `system` selects the model (`sim::models::run_any`); this parser is etcd's, so the
    // field may only say so. It is not stored: an etcd scenario without it is the same.
    if let Some(system) = optional_string(root, "$", "system")? {
        if system != "etcd" {
            return fail(
                "$.system",
                format!("\"{system}\" is not an etcd scenario (run it with sim::models::run_any)"),
            );
        }
    }
    let name = optional_string(root, "$", "name")?.unwrap_or_default();
    let title = optional_string(root, "$", "title")?;
    let seed = optional_u64(root, "$", "seed", u64::MAX)?.unwrap_or(0);
    let cluster = match root.get("cluster") {
        Some(cluster) => cluster_from_value(cluster, "$.cluster")?,
        None => return fail("$", "missing field \"cluster\""),
    };
    let until_ms = optional_u64(root, "$", "until_ms", MAX_UNTIL_MS)?;

    let sites: BTreeSet<String> = cluster.sites.keys().cloned().collect();
    let mut known: BTreeSet<String> = cluster
        .sites
        .values()
        .flat_map(|names| names.iter().cloned())
        .collect();
    let mut steps = Vec::new();
    if let Some(list) = root.get("steps") {
        let Value::Array(items) = list else {
            return fail("$.steps", "expected an array of steps");
        };
        let mut last_at = 0;
        for (position, item) in items.iter().enumerate() {
            let path = format!("$.steps[{position}]");
            let step = step_from_value(item, &path, &sites, &mut known)?;
            if step.at_ms < last_at {
                return fail(
                    &format!("{path}.at_ms"),
                    format!(
                        "time goes backwards: {} ms after a step at {} ms",
                        step.at_ms, last_at
                    ),
                );
            }
            if let Some(until) = until_ms {
                if step.at_ms > until {
                    return fail(
                        &format!("{path}.at_ms"),
                        format!("{} ms is after until_ms ({until} ms)", step.at_ms),
                    );
                }
            }
            if known.len() > MAX_NODES {
                return fail(&path, format!("more than {MAX_NODES} nodes"));
            }
            last_at = step.at_ms;
            steps.push(step);
        }
    }
    let scenario = Scenario {
        name,
        title,
        seed,
        cluster,
        steps,
        until_ms,
    };
    if scenario.end_ms() > MAX_UNTIL_MS {
        return fail("$.until_ms", format!("runs longer than {MAX_UNTIL_MS} ms"));
    }
    Ok(scenario)
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ScenarioError> {
    match value {
        Value::Object(map) => Ok(map),
        other => fail(
            path,
            format!("expected an object, found {}", kind_of(other)),
        ),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn only_fields(
    map: &Map<String, Value>,
    path: &str,
    allowed: &[&str],
) -> Result<(), ScenarioError> {
    // Sorted so that the first unknown field reported does not depend on serde_json's
    // map ordering feature.
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for key in keys {
        if !allowed.contains(&key.as_str()) {
            return fail(
                &join(path, key),
                format!(
                    "unknown field \"{key}\" (expected one of: {})",
                    allowed.join(", ")
                ),
            );
        }
    }
    Ok(())
}

fn join(path: &str, key: &str) -> String {
    format!("{path}.{key}")
}

fn as_u64(value: &Value, path: &str, max: u64) -> Result<u64, ScenarioError> {
    match value {
        Value::Number(number) => match number.as_u64() {
            Some(n) if n <= max => Ok(n),
            Some(n) => fail(path, format!("{n} is too large (at most {max})")),
            None => fail(
                path,
                format!("expected a non-negative integer, found {number}"),
            ),
        },
        other => fail(
            path,
            format!("expected a non-negative integer, found {}", kind_of(other)),
        ),
    }
}

fn optional_u64(
    map: &Map<String, Value>,
    path: &str,
    key: &str,
    max: u64,
) -> Result<Option<u64>, ScenarioError> {
    match map.get(key) {
        None => Ok(None),
        Some(value) => as_u64(value, &join(path, key), max).map(Some),
    }
}

fn optional_string(
    map: &Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<Option<String>, ScenarioError> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => fail(
            &join(path, key),
            format!("expected a string, found {}", kind_of(other)),
        ),
    }
}

fn required_string(
    map: &Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<String, ScenarioError> {
    match optional_string(map, path, key)? {
        Some(text) => Ok(text),
        None => fail(path, format!("missing field \"{key}\"")),
    }
}

fn optional_bool(
    map: &Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<Option<bool>, ScenarioError> {
    match map.get(key) {
        None => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(other) => fail(
            &join(path, key),
            format!("expected true or false, found {}", kind_of(other)),
        ),
    }
}

fn rate(map: &Map<String, Value>, path: &str) -> Result<f64, ScenarioError> {
    let at = join(path, "rate");
    match map.get("rate") {
        None => fail(path, "missing field \"rate\""),
        Some(Value::Number(number)) => match number.as_f64() {
            Some(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
            _ => fail(&at, format!("rate must be between 0 and 1, found {number}")),
        },
        Some(other) => fail(
            &at,
            format!(
                "expected a number between 0 and 1, found {}",
                kind_of(other)
            ),
        ),
    }
}

fn check_node_name(name: &str, path: &str) -> Result<(), ScenarioError> {
    if name.is_empty() {
        return fail(path, "a node name cannot be empty");
    }
    if name == "leader" || name == "follower" || name.starts_with("site:") {
        return fail(
            path,
            format!("\"{name}\" is reserved for node selectors and cannot name a node"),
        );
    }
    Ok(())
}

fn cluster_from_value(value: &Value, path: &str) -> Result<ClusterSpec, ScenarioError> {
    let map = object(value, path)?;
    only_fields(
        map,
        path,
        &[
            "sites",
            "latency_ms",
            "heartbeat_ms",
            "election_ms",
            "pre_vote",
            "check_quorum",
            "down",
        ],
    )?;
    let sites_path = join(path, "sites");
    let Some(sites_value) = map.get("sites") else {
        return fail(path, "missing field \"sites\"");
    };
    let sites_map = object(sites_value, &sites_path)?;
    let mut sites = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut site_names: Vec<&String> = sites_map.keys().collect();
    site_names.sort();
    for site in site_names {
        let site_path = format!("{sites_path}.{site}");
        if site.is_empty() {
            return fail(&site_path, "a site name cannot be empty");
        }
        let Value::Array(items) = &sites_map[site] else {
            return fail(&site_path, "expected an array of node names");
        };
        let mut names = Vec::new();
        for (position, item) in items.iter().enumerate() {
            let item_path = format!("{site_path}[{position}]");
            let Value::String(name) = item else {
                return fail(
                    &item_path,
                    format!("expected a node name, found {}", kind_of(item)),
                );
            };
            check_node_name(name, &item_path)?;
            if !seen.insert(name.clone()) {
                return fail(&item_path, format!("node \"{name}\" is declared twice"));
            }
            names.push(name.clone());
        }
        sites.insert(site.clone(), names);
    }
    if seen.is_empty() {
        return fail(&sites_path, "the cluster needs at least one node");
    }
    if seen.len() > MAX_NODES {
        return fail(&sites_path, format!("more than {MAX_NODES} nodes"));
    }

    let mut latency = LatencySpec::default();
    if let Some(latency_value) = map.get("latency_ms") {
        let latency_path = join(path, "latency_ms");
        let latency_map = object(latency_value, &latency_path)?;
        only_fields(latency_map, &latency_path, &["intra", "inter", "jitter"])?;
        if let Some(intra) = optional_u64(latency_map, &latency_path, "intra", MAX_DURATION_MS)? {
            latency.intra = intra;
        }
        if let Some(inter) = optional_u64(latency_map, &latency_path, "inter", MAX_DURATION_MS)? {
            latency.inter = inter;
        }
        if let Some(jitter) = optional_u64(latency_map, &latency_path, "jitter", MAX_DURATION_MS)? {
            latency.jitter = jitter;
        }
    }
    let heartbeat_ms = optional_u64(map, path, "heartbeat_ms", MAX_ELECTION_MS)?.unwrap_or(100);
    let election_ms = optional_u64(map, path, "election_ms", MAX_ELECTION_MS)?.unwrap_or(1000);
    if heartbeat_ms == 0 {
        return fail(&join(path, "heartbeat_ms"), "must be at least 1 ms");
    }
    if election_ms < heartbeat_ms {
        return fail(
            &join(path, "election_ms"),
            format!("election timeout ({election_ms} ms) shorter than the heartbeat ({heartbeat_ms} ms)"),
        );
    }
    let pre_vote = optional_bool(map, path, "pre_vote")?.unwrap_or(true);
    let check_quorum = optional_bool(map, path, "check_quorum")?.unwrap_or(true);
    let mut down = Vec::new();
    if let Some(down_value) = map.get("down") {
        let down_path = join(path, "down");
        let Value::Array(items) = down_value else {
            return fail(&down_path, "expected an array of node names");
        };
        for (position, item) in items.iter().enumerate() {
            let item_path = format!("{down_path}[{position}]");
            let Value::String(name) = item else {
                return fail(
                    &item_path,
                    format!("expected a node name, found {}", kind_of(item)),
                );
            };
            if !seen.contains(name) {
                return fail(&item_path, format!("unknown node \"{name}\""));
            }
            down.push(name.clone());
        }
    }
    Ok(ClusterSpec {
        sites,
        latency_ms: latency,
        heartbeat_ms,
        election_ms,
        pre_vote,
        check_quorum,
        down,
    })
}

fn selector(
    map: &Map<String, Value>,
    path: &str,
    key: &str,
    sites: &BTreeSet<String>,
    known: &BTreeSet<String>,
    default: Option<NodeSelector>,
) -> Result<NodeSelector, ScenarioError> {
    let text = match (optional_string(map, path, key)?, default) {
        (Some(text), _) => text,
        (None, Some(default)) => return Ok(default),
        (None, None) => return fail(path, format!("missing field \"{key}\"")),
    };
    let at = join(path, key);
    let parsed = NodeSelector::parse(&text);
    match &parsed {
        NodeSelector::Site(site) if !sites.contains(site) => {
            fail(&at, format!("unknown site \"{site}\""))
        }
        NodeSelector::Node(name) if !known.contains(name) => {
            fail(&at, format!("unknown node \"{name}\""))
        }
        _ => Ok(parsed),
    }
}

fn step_from_value(
    value: &Value,
    path: &str,
    sites: &BTreeSet<String>,
    known: &mut BTreeSet<String>,
) -> Result<Step, ScenarioError> {
    let map = object(value, path)?;
    let Some(at_value) = map.get("at_ms") else {
        return fail(path, "missing field \"at_ms\"");
    };
    let at_ms = as_u64(at_value, &join(path, "at_ms"), MAX_UNTIL_MS)?;
    let every_ms = optional_u64(map, path, "every_ms", MAX_UNTIL_MS)?;
    if every_ms == Some(0) {
        return fail(&join(path, "every_ms"), "must be at least 1 ms");
    }
    let label = optional_string(map, path, "label")?;
    let action_name = match map.get("do") {
        Some(Value::String(name)) => name.clone(),
        Some(other) => {
            return fail(
                &join(path, "do"),
                format!("expected an action name, found {}", kind_of(other)),
            )
        }
        None => return fail(path, "missing field \"do\""),
    };
    let common = ["at_ms", "every_ms", "label", "do"];
    let allowed = |extra: &[&'static str]| -> Vec<&'static str> {
        common.iter().chain(extra.iter()).copied().collect()
    };
    let node = |default: Option<NodeSelector>, known: &BTreeSet<String>| {
        selector(map, path, "node", sites, known, default)
    };
    let action = match action_name.as_str() {
        "propose" => {
            only_fields(map, path, &allowed(&["value", "node"]))?;
            let value = match map.get("value") {
                Some(Value::String(text)) => text.clone(),
                // Numbers and booleans are accepted as their JSON text: `"value": 1`.
                Some(Value::Number(number)) => number.to_string(),
                Some(Value::Bool(flag)) => flag.to_string(),
                Some(other) => {
                    return fail(
                        &join(path, "value"),
                        format!("expected a string, found {}", kind_of(other)),
                    )
                }
                None => return fail(path, "missing field \"value\""),
            };
            Action::Propose {
                value,
                node: node(Some(NodeSelector::Leader), known)?,
            }
        }
        "crash" | "restart" | "isolate" | "snapshot" | "restore" | "promote" | "member_remove"
        | "transfer_leader" => {
            only_fields(map, path, &allowed(&["node"]))?;
            let target = node(None, known)?;
            match action_name.as_str() {
                "crash" => Action::Crash { node: target },
                "restart" => Action::Restart { node: target },
                "isolate" => Action::Isolate { node: target },
                "snapshot" => Action::Snapshot { node: target },
                "restore" => Action::Restore { node: target },
                "promote" => Action::Promote { node: target },
                "member_remove" => Action::MemberRemove { node: target },
                _ => Action::TransferLeader { node: target },
            }
        }
        "partition" => {
            only_fields(map, path, &allowed(&["groups"]))?;
            let groups_path = join(path, "groups");
            let Some(Value::Array(groups_value)) = map.get("groups") else {
                return match map.get("groups") {
                    None => fail(path, "missing field \"groups\""),
                    Some(other) => fail(
                        &groups_path,
                        format!("expected an array of groups, found {}", kind_of(other)),
                    ),
                };
            };
            let mut groups = Vec::new();
            for (group_position, group_value) in groups_value.iter().enumerate() {
                let group_path = format!("{groups_path}[{group_position}]");
                let Value::Array(members) = group_value else {
                    return fail(
                        &group_path,
                        format!(
                            "expected an array of site or node names, found {}",
                            kind_of(group_value)
                        ),
                    );
                };
                let mut group = Vec::new();
                for (member_position, member) in members.iter().enumerate() {
                    let member_path = format!("{group_path}[{member_position}]");
                    let Value::String(name) = member else {
                        return fail(
                            &member_path,
                            format!("expected a site or node name, found {}", kind_of(member)),
                        );
                    };
                    let name = name.strip_prefix("site:").unwrap_or(name);
                    if !sites.contains(name) && !known.contains(name) {
                        return fail(&member_path, format!("unknown site or node \"{name}\""));
                    }
                    group.push(name.to_string());
                }
                groups.push(group);
            }
            Action::Partition { groups }
        }
        "heal" => {
            only_fields(map, path, &allowed(&[]))?;
            Action::Heal
        }
        "cut" => {
            only_fields(map, path, &allowed(&["from", "to", "one_way"]))?;
            let mut ends = Vec::new();
            for key in ["from", "to"] {
                let name = required_string(map, path, key)?;
                let name = name.strip_prefix("site:").unwrap_or(&name).to_string();
                if !sites.contains(&name) && !known.contains(&name) {
                    return fail(&join(path, key), format!("unknown site or node \"{name}\""));
                }
                ends.push(name);
            }
            let one_way = optional_bool(map, path, "one_way")?.unwrap_or(false);
            let to = ends.pop().unwrap_or_default();
            let from = ends.pop().unwrap_or_default();
            if from == to {
                return fail(&join(path, "to"), "a link needs two different ends");
            }
            Action::Cut { from, to, one_way }
        }
        "set_latency" => {
            only_fields(map, path, &allowed(&["intra", "inter", "from", "to", "ms"]))?;
            let intra = optional_u64(map, path, "intra", MAX_DURATION_MS)?;
            let inter = optional_u64(map, path, "inter", MAX_DURATION_MS)?;
            let from = optional_string(map, path, "from")?;
            let to = optional_string(map, path, "to")?;
            let ms = optional_u64(map, path, "ms", MAX_DURATION_MS)?;
            for (key, site) in [("from", &from), ("to", &to)] {
                if let Some(site) = site {
                    if !sites.contains(site) {
                        return fail(&join(path, key), format!("unknown site \"{site}\""));
                    }
                }
            }
            let pair_given = [from.is_some(), to.is_some(), ms.is_some()];
            if pair_given.iter().any(|&given| given) && !pair_given.iter().all(|&given| given) {
                return fail(path, "\"from\", \"to\" and \"ms\" go together");
            }
            if intra.is_none() && inter.is_none() && ms.is_none() {
                return fail(
                    path,
                    "set_latency needs \"intra\", \"inter\" or \"from\"/\"to\"/\"ms\"",
                );
            }
            Action::SetLatency {
                intra,
                inter,
                from,
                to,
                ms,
            }
        }
        "drop_rate" => {
            only_fields(map, path, &allowed(&["rate"]))?;
            Action::DropRate {
                rate: rate(map, path)?,
            }
        }
        "duplicate_rate" => {
            only_fields(map, path, &allowed(&["rate"]))?;
            Action::DuplicateRate {
                rate: rate(map, path)?,
            }
        }
        "reorder" => {
            only_fields(map, path, &allowed(&["max_ms"]))?;
            let Some(max_value) = map.get("max_ms") else {
                return fail(path, "missing field \"max_ms\"");
            };
            Action::Reorder {
                max_ms: as_u64(max_value, &join(path, "max_ms"), MAX_DURATION_MS)?,
            }
        }
        "member_add" => {
            only_fields(map, path, &allowed(&["node", "site", "learner", "start"]))?;
            let name = required_string(map, path, "node")?;
            check_node_name(&name, &join(path, "node"))?;
            let site = required_string(map, path, "site")?;
            if !sites.contains(&site) {
                return fail(&join(path, "site"), format!("unknown site \"{site}\""));
            }
            let learner = optional_bool(map, path, "learner")?.unwrap_or(false);
            let start = optional_bool(map, path, "start")?.unwrap_or(true);
            known.insert(name.clone());
            Action::MemberAdd {
                node: name,
                site,
                learner,
                start,
            }
        }
        other => {
            return fail(
                &join(path, "do"),
                format!(
                    "unknown action \"{other}\" (expected one of: {})",
                    ACTIONS.join(", ")
                ),
            )
        }
    };
    Ok(Step {
        at_ms,
        every_ms,
        label,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{
      "name": "leader-failure",
      "seed": 7,
      "cluster": {
        "sites": { "A": ["n1", "n2"], "B": ["n3"] },
        "latency_ms": { "intra": 1, "inter": 10 },
        "heartbeat_ms": 100, "election_ms": 1000,
        "pre_vote": true, "check_quorum": true
      },
      "steps": [
        { "at_ms": 1500, "do": "propose", "value": "x=1" },
        { "at_ms": 3000, "do": "crash", "node": "leader" },
        { "at_ms": 3000, "do": "partition", "groups": [["A"], ["B"]] },
        { "at_ms": 8000, "do": "heal" },
        { "at_ms": 8000, "do": "restart", "node": "n1" }
      ],
      "until_ms": 12000
    }"#;

    fn error_of(text: &str) -> ScenarioError {
        parse_scenario(text).expect_err("should be rejected")
    }

    #[test]
    fn the_design_example_parses() {
        let scenario = parse_scenario(EXAMPLE).expect("valid");
        assert_eq!(scenario.seed, 7);
        assert_eq!(scenario.steps.len(), 5);
        assert_eq!(scenario.cluster.latency_ms.jitter, 0);
        assert!(scenario.cluster.pre_vote && scenario.cluster.check_quorum);
        assert_eq!(
            scenario.steps[1].action,
            Action::Crash {
                node: NodeSelector::Leader
            }
        );
    }

    #[test]
    fn defaults_follow_etcd() {
        let scenario = parse_scenario(r#"{"cluster":{"sites":{"A":["n1"]}}}"#).expect("valid");
        assert_eq!(scenario.cluster.heartbeat_ms, 100);
        assert_eq!(scenario.cluster.election_ms, 1000);
        assert!(scenario.cluster.pre_vote);
        assert!(scenario.cluster.check_quorum);
        assert_eq!(scenario.end_ms(), 5000);
    }

    #[test]
    fn serialized_scenario_parses_back() {
        let scenario = parse_scenario(EXAMPLE).expect("valid");
        let text = serde_json::to_string(&scenario).expect("serializes");
        assert_eq!(parse_scenario(&text).expect("parses back"), scenario);
        let derived: Scenario = serde_json::from_str(&text).expect("serde derive agrees");
        assert_eq!(derived, scenario);
    }

    #[test]
    fn malformed_json_gives_line_and_column() {
        let error = error_of("{\n  \"cluster\": ,\n}");
        assert_eq!(error.path, "$");
        assert!(error.message.contains("line 2 column"), "{error}");
    }

    #[test]
    fn errors_name_the_json_path() {
        let cases = [
            (
                r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":1,"do":"crash","node":"n9"}]}"#,
                "$.steps[0].node",
                "unknown node",
            ),
            (
                r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":1,"do":"explode"}]}"#,
                "$.steps[0].do",
                "unknown action",
            ),
            (
                r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":5,"do":"heal"},{"at_ms":4,"do":"heal"}]}"#,
                "$.steps[1].at_ms",
                "backwards",
            ),
            (
                r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":-1,"do":"heal"}]}"#,
                "$.steps[0].at_ms",
                "non-negative",
            ),
            (
                r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":1,"do":"drop_rate","rate":1.5}]}"#,
                "$.steps[0].rate",
                "between 0 and 1",
            ),
            (
                r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":1,"do":"heal","node":"n1"}]}"#,
                "$.steps[0].node",
                "unknown field",
            ),
            (
                r#"{"cluster":{"sites":{"A":["n1"]},"colour":1}}"#,
                "$.cluster.colour",
                "unknown field",
            ),
            (
                r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":1,"do":"crash","node":"site:Z"}]}"#,
                "$.steps[0].node",
                "unknown site",
            ),
            (
                r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":1,"do":"partition","groups":[["A"],["Q"]]}]}"#,
                "$.steps[0].groups[1][0]",
                "unknown site or node",
            ),
            (
                r#"{"cluster":{"sites":{"A":["n1"],"B":["n1"]}}}"#,
                "$.cluster.sites.B[0]",
                "declared twice",
            ),
            (
                r#"{"cluster":{"sites":{"A":["n1"]},"down":["n2"]}}"#,
                "$.cluster.down[0]",
                "unknown node",
            ),
            (
                r#"{"cluster":{"sites":{"A":["n1"]},"election_ms":50}}"#,
                "$.cluster.election_ms",
                "shorter",
            ),
            (
                r#"{"cluster":{"sites":{"A":["n1"]}},"until_ms":10,"steps":[{"at_ms":20,"do":"heal"}]}"#,
                "$.steps[0].at_ms",
                "after until_ms",
            ),
            (r#"[]"#, "$", "expected an object"),
        ];
        for (text, path, fragment) in cases {
            let error = error_of(text);
            assert_eq!(error.path, path, "{text}: {error}");
            assert!(error.message.contains(fragment), "{text}: {error}");
            assert!(error.to_string().starts_with(&format!("{path}: ")));
        }
    }

    #[test]
    fn member_add_introduces_a_name_for_later_steps() {
        let text = r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[
            {"at_ms":1,"do":"member_add","node":"n4","site":"A","learner":true},
            {"at_ms":2,"do":"promote","node":"n4"}]}"#;
        let scenario = parse_scenario(text).expect("valid");
        assert_eq!(
            scenario.steps[0].action,
            Action::MemberAdd {
                node: "n4".into(),
                site: "A".into(),
                learner: true,
                start: true,
            }
        );
        let unstarted = r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[
            {"at_ms":1,"do":"member_add","node":"n4","site":"A","start":false}]}"#;
        let scenario = parse_scenario(unstarted).expect("valid");
        assert!(matches!(
            scenario.steps[0].action,
            Action::MemberAdd { start: false, .. }
        ));
        let before = r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[
            {"at_ms":1,"do":"promote","node":"n4"},
            {"at_ms":2,"do":"member_add","node":"n4","site":"A"}]}"#;
        assert_eq!(error_of(before).path, "$.steps[0].node");
    }
}
