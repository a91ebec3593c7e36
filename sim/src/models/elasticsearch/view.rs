//! What the Elasticsearch model reports: a headless run's result and a widget's view.

use super::*;

/// A shard at the end of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShardResult {
    /// Shard number.
    pub shard: u32,
    /// Node holding the primary (none: unassigned, red).
    pub primary: Option<String>,
    /// Nodes holding the replicas (none: unassigned, yellow).
    pub replicas: Vec<Option<String>>,
}

/// Shard copies on a data node at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeLoad {
    /// Node.
    pub node: String,
    /// Zone.
    pub zone: String,
    /// Copies it holds at the end.
    pub copies: u32,
    /// Most copies it held at any time.
    pub peak_copies: u32,
}

/// A health change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HealthChange {
    /// When.
    pub at_ms: u64,
    /// `green`, `yellow` or `red`.
    pub health: &'static str,
}

/// The result of an Elasticsearch run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EsResult {
    /// Always `elasticsearch`.
    pub system: &'static str,
    /// Scenario name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// End of the run.
    pub until_ms: u64,
    /// Elected master at the end.
    pub master: Option<String>,
    /// Voting configuration at the end.
    pub voting_configuration: Vec<String>,
    /// When there was no master.
    pub master_outages: Vec<Window>,
    /// Health at the end.
    pub health: &'static str,
    /// Each health change.
    pub health_timeline: Vec<HealthChange>,
    /// Shards at the end.
    pub shards: Vec<ShardResult>,
    /// Copies per data node.
    pub load: Vec<NodeLoad>,
    /// Documents indexed.
    pub writes: Vec<WriteRecord>,
    /// Timeline: `master_elected`, `master_lost`, `voting_config`, `replica_promoted`,
    /// `copy_unassigned`, `copy_allocated`…
    pub events: Vec<ModelEvent>,
}

/// A shard copy as a widget draws it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CopyView {
    /// Shard number.
    pub shard: u32,
    /// Primary (else replica).
    pub primary: bool,
}

/// A node as a widget draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EsNodeView {
    /// Name.
    pub name: String,
    /// Zone.
    pub zone: String,
    /// Whether it runs.
    pub up: bool,
    /// Master-eligible and electable.
    pub master_eligible: bool,
    /// A voting-only node (tiebreaker).
    pub voting_only: bool,
    /// Holds data.
    pub data: bool,
    /// In the voting configuration now.
    pub in_voting_configuration: bool,
    /// The elected master.
    pub master: bool,
    /// Copies it holds.
    pub copies: Vec<CopyView>,
}

/// An Elasticsearch cluster at one instant, for a widget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EsView {
    /// Simulated time.
    pub now_ms: u64,
    /// Zones.
    pub sites: Vec<SiteView>,
    /// Links between zones.
    pub links: Vec<LinkView>,
    /// Elected master.
    pub master: Option<String>,
    /// Voting configuration.
    pub voting_configuration: Vec<String>,
    /// `green`, `yellow` or `red`.
    pub health: &'static str,
    /// Allocation awareness.
    pub awareness: Awareness,
    /// Nodes.
    pub nodes: Vec<EsNodeView>,
    /// Unassigned copies.
    pub unassigned: Vec<CopyView>,
    /// Documents indexed so far, counted.
    pub tally: WriteTally,
    /// The last documents.
    pub writes: Vec<WriteRecord>,
}
