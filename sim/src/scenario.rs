//! Scenarios as data: the JSON contract of DESIGN.md ("Scenario JSON"), parsed and checked.
//!
//! [`parse_scenario`] never panics. It reads the text with the one schema every system
//! shares (`crate::schema`: serde's derives, every fault located by its JSON path, e.g.
//! `$.steps[3].node`), then checks etcd's cross-field rules (`validate`). The same types
//! serialize back to the same JSON, and tests check that what is written parses back to
//! the same value.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::schema::ScenarioError;
use crate::schema::{
    at_most, check_step_times, fail, parse_document, parse_json, tagged_actions, Document,
    TimedStep,
};

/// Longest run a scenario may ask for (one simulated day): keeps a typo from hanging a CLI.
pub const MAX_UNTIL_MS: u64 = 86_400_000;
/// Largest latency or timeout accepted (etcd caps the election timeout at 50 s).
pub const MAX_DURATION_MS: u64 = 3_600_000;
/// Most nodes a scenario may declare (initially or by `member_add`).
pub const MAX_NODES: usize = 64;
/// Largest election timeout accepted (etcd's upper limit).
pub const MAX_ELECTION_MS: u64 = 50_000;

/// A scenario: a cluster, timed actions, and how long to run. Read by [`parse_scenario`]
/// (the one way in, which checks it); serialized as the same JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
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

/// A timed action of an etcd scenario.
pub type Step = TimedStep<Action>;

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

tagged_actions! {
    /// The actions of DESIGN.md's table (plus `duplicate_rate` and `reorder`, for the
    /// randomized tests). A user clicking in a widget produces the same values.
    #[derive(Clone, Debug, PartialEq)]
    pub enum Action {
        /// A client write sent to `node` (default: the leader).
        Propose {
            /// The value written.
            #[serde(deserialize_with = "value_text")]
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

/// Parses and validates a scenario. Never panics; every error names the JSON path.
pub fn parse_scenario(text: &str) -> Result<Scenario, ScenarioError> {
    scenario_from_value(&parse_json(text)?)
}

/// Validates an already parsed JSON value (e.g. a scenario embedded in a deck).
pub fn scenario_from_value(value: &Value) -> Result<Scenario, ScenarioError> {
    // `system` selects the model (`sim::models::run_any`); this reader is etcd's, so the
    // field may only say so, and is checked first: another system's cluster is no fault
    // of its own. It is not stored: an etcd scenario without it is the same.
    if let Some(system) = value.get("system").and_then(Value::as_str) {
        if system != "etcd" {
            return fail(
                "$.system",
                format!("\"{system}\" is not an etcd scenario (run it with sim::models::run_any)"),
            );
        }
    }
    let document: Document<ClusterSpec, Action> = parse_document(value)?;
    let mut scenario = Scenario {
        name: document.name,
        title: document.title,
        seed: document.seed,
        cluster: document.cluster,
        steps: document.steps,
        until_ms: document.until_ms,
    };
    scenario.validate()?;
    Ok(scenario)
}

impl Scenario {
    /// The rules that span fields: names that steps use exist by then, bounds, time
    /// order. Site prefixes (`site:A`) in partitions and cuts are dropped on the way.
    fn validate(&mut self) -> Result<(), ScenarioError> {
        let (sites, mut known) = self.cluster.validate()?;
        if let Some(until) = self.until_ms {
            at_most(until, MAX_UNTIL_MS, "$.until_ms")?;
        }
        for (position, step) in self.steps.iter_mut().enumerate() {
            let path = format!("$.steps[{position}]");
            at_most(step.at_ms, MAX_UNTIL_MS, &format!("{path}.at_ms"))?;
            if let Some(every) = step.every_ms {
                at_most(every, MAX_UNTIL_MS, &format!("{path}.every_ms"))?;
            }
            step.action.validate(&path, &sites, &mut known)?;
            if known.len() > MAX_NODES {
                return fail(&path, format!("more than {MAX_NODES} nodes"));
            }
        }
        check_step_times(&self.steps, self.until_ms.unwrap_or(u64::MAX))?;
        if self.end_ms() > MAX_UNTIL_MS {
            return fail("$.until_ms", format!("runs longer than {MAX_UNTIL_MS} ms"));
        }
        Ok(())
    }
}

impl ClusterSpec {
    /// Checks names, counts and timings; gives the site names and node names steps may use.
    fn validate(&self) -> Result<(BTreeSet<String>, BTreeSet<String>), ScenarioError> {
        let sites_path = "$.cluster.sites";
        let mut nodes = BTreeSet::new();
        for (site, names) in &self.sites {
            let site_path = format!("{sites_path}.{site}");
            if site.is_empty() {
                return fail(&site_path, "a site name cannot be empty");
            }
            for (position, name) in names.iter().enumerate() {
                let item_path = format!("{site_path}[{position}]");
                check_node_name(name, &item_path)?;
                if !nodes.insert(name.clone()) {
                    return fail(&item_path, format!("node \"{name}\" is declared twice"));
                }
            }
        }
        if nodes.is_empty() {
            return fail(sites_path, "the cluster needs at least one node");
        }
        if nodes.len() > MAX_NODES {
            return fail(sites_path, format!("more than {MAX_NODES} nodes"));
        }
        let latency = &self.latency_ms;
        for (key, value) in [
            ("intra", latency.intra),
            ("inter", latency.inter),
            ("jitter", latency.jitter),
        ] {
            at_most(
                value,
                MAX_DURATION_MS,
                &format!("$.cluster.latency_ms.{key}"),
            )?;
        }
        at_most(self.heartbeat_ms, MAX_ELECTION_MS, "$.cluster.heartbeat_ms")?;
        at_most(self.election_ms, MAX_ELECTION_MS, "$.cluster.election_ms")?;
        if self.heartbeat_ms == 0 {
            return fail("$.cluster.heartbeat_ms", "must be at least 1 ms");
        }
        if self.election_ms < self.heartbeat_ms {
            return fail(
                "$.cluster.election_ms",
                format!(
                    "election timeout ({} ms) shorter than the heartbeat ({} ms)",
                    self.election_ms, self.heartbeat_ms
                ),
            );
        }
        for (position, name) in self.down.iter().enumerate() {
            if !nodes.contains(name) {
                return fail(
                    &format!("$.cluster.down[{position}]"),
                    format!("unknown node \"{name}\""),
                );
            }
        }
        let sites = self.sites.keys().cloned().collect();
        Ok((sites, nodes))
    }
}

impl Action {
    /// Checks the names and values of a step's action at `path` against the sites and the
    /// nodes `known` so far (a `member_add` adds its node for the steps after it).
    fn validate(
        &mut self,
        path: &str,
        sites: &BTreeSet<String>,
        known: &mut BTreeSet<String>,
    ) -> Result<(), ScenarioError> {
        let at = |key: &str| format!("{path}.{key}");
        match self {
            Action::Propose { node, .. }
            | Action::Crash { node }
            | Action::Restart { node }
            | Action::Isolate { node }
            | Action::Snapshot { node }
            | Action::Restore { node }
            | Action::Promote { node }
            | Action::MemberRemove { node }
            | Action::TransferLeader { node } => match node {
                NodeSelector::Site(site) if !sites.contains(site) => {
                    fail(&at("node"), format!("unknown site \"{site}\""))
                }
                NodeSelector::Node(name) if !known.contains(name) => {
                    fail(&at("node"), format!("unknown node \"{name}\""))
                }
                _ => Ok(()),
            },
            Action::Partition { groups } => {
                for (group_position, group) in groups.iter_mut().enumerate() {
                    for (member_position, member) in group.iter_mut().enumerate() {
                        let member_path =
                            format!("{path}.groups[{group_position}][{member_position}]");
                        site_or_node(member, &member_path, sites, known)?;
                    }
                }
                Ok(())
            }
            Action::Heal => Ok(()),
            Action::Cut { from, to, .. } => {
                site_or_node(from, &at("from"), sites, known)?;
                site_or_node(to, &at("to"), sites, known)?;
                if from == to {
                    return fail(&at("to"), "a link needs two different ends");
                }
                Ok(())
            }
            Action::SetLatency {
                intra,
                inter,
                from,
                to,
                ms,
            } => {
                for (key, value) in [("intra", &*intra), ("inter", &*inter), ("ms", &*ms)] {
                    if let Some(value) = value {
                        at_most(*value, MAX_DURATION_MS, &at(key))?;
                    }
                }
                for (key, site) in [("from", &*from), ("to", &*to)] {
                    if let Some(site) = site {
                        if !sites.contains(site) {
                            return fail(&at(key), format!("unknown site \"{site}\""));
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
                Ok(())
            }
            Action::DropRate { rate } | Action::DuplicateRate { rate } => {
                if !(0.0..=1.0).contains(rate) {
                    return fail(
                        &at("rate"),
                        format!("rate must be between 0 and 1, found {rate}"),
                    );
                }
                Ok(())
            }
            Action::Reorder { max_ms } => at_most(*max_ms, MAX_DURATION_MS, &at("max_ms")),
            Action::MemberAdd { node, site, .. } => {
                check_node_name(node, &at("node"))?;
                if !sites.contains(site.as_str()) {
                    return fail(&at("site"), format!("unknown site \"{site}\""));
                }
                known.insert(node.clone());
                Ok(())
            }
        }
    }
}

/// Checks that `name` (with or without its `site:` prefix, which is dropped) is a site or
/// a known node.
fn site_or_node(
    name: &mut String,
    path: &str,
    sites: &BTreeSet<String>,
    known: &BTreeSet<String>,
) -> Result<(), ScenarioError> {
    if let Some(site) = name.strip_prefix("site:") {
        *name = site.to_string();
    }
    if !sites.contains(name.as_str()) && !known.contains(name.as_str()) {
        return fail(path, format!("unknown site or node \"{name}\""));
    }
    Ok(())
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

/// Reads a written value: a string, or a number or boolean taken as its JSON text
/// (`"value": 1`).
fn value_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(text) => Ok(text),
        Value::Number(number) => Ok(number.to_string()),
        Value::Bool(flag) => Ok(flag.to_string()),
        _ => Err(serde::de::Error::custom("expected a string")),
    }
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
    }

    #[test]
    fn malformed_json_gives_line_and_column() {
        let error = error_of("{\n  \"cluster\": ,\n}");
        assert_eq!(error.path, "$");
        assert!(error.message.contains("line 2 column"), "{error}");
    }

    #[test]
    #[cfg(feature = "json-paths")]
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
            (r#"[]"#, "$", "expected a scenario object"),
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
