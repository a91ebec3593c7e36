//! What the Kafka model reports: a headless run's result and a widget's view.

use super::*;

/// A partition at the end of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionResult {
    /// Partition number.
    pub partition: u32,
    /// Replicas (the first is the preferred leader).
    pub replicas: Vec<String>,
    /// Current leader (none: offline).
    pub leader: Option<String>,
    /// Leader epoch.
    pub leader_epoch: u32,
    /// In-sync replicas.
    pub isr: Vec<String>,
    /// Log end offset of each replica, in `replicas` order.
    pub log_end_offsets: Vec<u64>,
    /// High watermark (messages committed).
    pub high_watermark: u64,
}

/// An acknowledged message that is gone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LostMessage {
    /// Value.
    pub value: String,
    /// Partition.
    pub partition: u32,
    /// Offset it had when acknowledged.
    pub offset: u64,
    /// When the producer got its acknowledgement.
    pub acknowledged_at_ms: u64,
}

/// The result of a Kafka run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KafkaResult {
    /// Always `kafka`.
    pub system: &'static str,
    /// Scenario name.
    pub name: String,
    /// Seed.
    pub seed: u64,
    /// End of the run.
    pub until_ms: u64,
    /// When the KRaft quorum had no leader able to commit.
    pub controller_outages: Vec<Window>,
    /// When a new write could not have been acknowledged (some partition offline, ISR
    /// too small, or an ISR waiting for a follower that is gone).
    pub write_outages: Vec<Window>,
    /// Partitions at the end.
    pub partitions: Vec<PartitionResult>,
    /// Every message produced and its fate.
    pub writes: Vec<WriteRecord>,
    /// Every acknowledged message lost (must be empty with safe settings).
    pub lost: Vec<LostMessage>,
    /// Timeline: `broker_fenced`, `isr_shrink`, `isr_expand`, `leader_elected`,
    /// `unclean_election`, `partition_offline`, `truncated`…
    pub events: Vec<ModelEvent>,
    /// Raft safety violations of the controllers (must be empty).
    pub violations: Vec<Violation>,
}

/// A broker as a widget draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrokerView {
    /// Name.
    pub name: String,
    /// Site (`broker.rack`).
    pub site: String,
    /// Whether it runs.
    pub up: bool,
    /// Fenced by the controller.
    pub fenced: bool,
}

/// A KRaft controller as a widget draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ControllerView {
    /// Name.
    pub name: String,
    /// Site.
    pub site: String,
    /// Raft role (`leader`, `follower`, `candidate`, `pre_candidate`, `down`).
    pub role: &'static str,
}

/// A Kafka cluster at one instant, for a widget.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KafkaView {
    /// Simulated time.
    pub now_ms: u64,
    /// Sites.
    pub sites: Vec<SiteView>,
    /// Links between sites.
    pub links: Vec<LinkView>,
    /// Producer `acks`.
    pub acks: &'static str,
    /// `min.insync.replicas`.
    pub min_insync_replicas: u32,
    /// `unclean.leader.election.enable`.
    pub unclean_leader_election: bool,
    /// Whether the KRaft quorum can commit.
    pub controller_up: bool,
    /// Whether a new write would be acknowledged.
    pub writable: bool,
    /// Brokers.
    pub brokers: Vec<BrokerView>,
    /// KRaft controllers.
    pub controllers: Vec<ControllerView>,
    /// Combined mode (the brokers are the controllers).
    pub combined: bool,
    /// Partitions.
    pub partitions: Vec<PartitionResult>,
    /// Messages so far, counted.
    pub tally: WriteTally,
    /// The last messages.
    pub writes: Vec<WriteRecord>,
    /// Every acknowledged message lost so far.
    pub lost: Vec<LostMessage>,
}
