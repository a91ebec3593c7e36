//! What every system model shares: sites that fail and links that are cut
//! ([`Topology`]), the timed steps of a scenario ([`SystemStep`], [`SystemAction`]),
//! availability windows ([`Availability`]), and the checks of the fields every model's
//! scenario shares ([`header_of`]) on top of the one schema (`crate::schema`).
//!
//! The models advance in fixed ticks of simulated time (each model picks its tick): the
//! systems they describe react in seconds, so a tick of 10–100 ms loses nothing the talk
//! shows, and a tick loop is trivially deterministic.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

pub use crate::schema::fail;
use crate::schema::{
    check_step_times, parse_document, tagged_actions, Document, ScenarioError, TimedStep,
};

/// Longest run a system scenario may ask for (two simulated hours): the models step in
/// ticks, so this bounds the work a typo can cause.
pub const MAX_SYSTEM_UNTIL_MS: u64 = 7_200_000;
/// Most timed actions after `every_ms` expansion.
pub const MAX_EXPANDED_STEPS: u64 = 20_000;
/// Most named things (nodes, brokers, workers…) a system scenario may declare.
pub const MAX_SYSTEM_NODES: usize = 64;

tagged_actions! {
    /// A timed action of a system scenario. The same vocabulary for every system so that a
    /// widget's clicks ("fail site A", "cut A–B", "send a write") mean the same everywhere.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum SystemAction {
        /// The whole site goes dark (power, network): every node on it stops.
        FailSite {
            /// Site name.
            site: String,
        },
        /// The site comes back; its nodes restart with their disks intact.
        RestoreSite {
            /// Site name.
            site: String,
        },
        /// Cut the link between two sites (both directions).
        CutLink {
            /// One site.
            from: String,
            /// The other site.
            to: String,
        },
        /// Restore the link between two sites.
        RestoreLink {
            /// One site.
            from: String,
            /// The other site.
            to: String,
        },
        /// Cut every link between sites: each site alone.
        CutAll,
        /// Restore every link.
        Heal,
        /// Stop one node (a broker, a control-plane VM, a worker…).
        Crash {
            /// Node name.
            node: String,
        },
        /// Start a stopped node again.
        Restart {
            /// Node name.
            node: String,
        },
        /// A client write: an operator's API update (Kubernetes), a message produced (Kafka),
        /// a document indexed (Elasticsearch), a user's write (multisite).
        Write {
            /// The value written (`{n}` becomes the repetition number with `every_ms`).
            value: String,
        },
    }
}

impl SystemAction {
    /// The `do` name.
    pub fn name(&self) -> &'static str {
        match self {
            SystemAction::FailSite { .. } => "fail_site",
            SystemAction::RestoreSite { .. } => "restore_site",
            SystemAction::CutLink { .. } => "cut_link",
            SystemAction::RestoreLink { .. } => "restore_link",
            SystemAction::CutAll => "cut_all",
            SystemAction::Heal => "heal",
            SystemAction::Crash { .. } => "crash",
            SystemAction::Restart { .. } => "restart",
            SystemAction::Write { .. } => "write",
        }
    }
}

/// A step of a system scenario.
pub type SystemStep = TimedStep<SystemAction>;

/// What every system model is (Kubernetes, Elasticsearch, Kafka, two sites): built from its
/// scenario, driven by actions and time, read through its events, a view and a result.
/// The widgets' [`super::live::LiveModel`] and [`run`] use nothing else, so the system is
/// chosen once, where a scenario is parsed.
pub trait SystemModel: Clone + std::fmt::Debug + 'static {
    /// Its parsed scenario.
    type Scenario;
    /// What a widget draws at one instant.
    type View;
    /// What a headless run reports.
    type Result: Serialize;
    /// Simulated ms per step of its loop.
    const TICK_MS: u64;

    /// The model at time 0.
    fn new(scenario: &Self::Scenario) -> Self;
    /// Current simulated time (a multiple of the tick).
    fn now_ms(&self) -> u64;
    /// Applies an action now.
    fn apply(&mut self, action: &SystemAction);
    /// Advances to `until_ms` (to the last tick at or before it).
    fn run_until(&mut self, until_ms: u64);
    /// The model's timeline so far.
    fn events(&self) -> &[ModelEvent];
    /// What to draw now.
    fn view(&self, header: &Header) -> Self::View;
    /// What a headless run reports now.
    fn result(&self, header: &Header) -> Self::Result;
}

/// A model's parsed scenario: its shared fields, its system, and the model that runs it.
/// Every model scenario is a [`super::SystemScenario`] through this (see `models/mod.rs`).
pub trait ModelScenario: std::fmt::Debug + Sized + 'static {
    /// The model it drives.
    type Model: SystemModel<Scenario = Self>;
    /// Its `"system"`.
    const SYSTEM: super::SystemKind;

    /// The fields every system scenario shares.
    fn header(&self) -> &Header;
}

/// Runs a model scenario to its end: its timed actions in order, then the rest.
pub fn run<S: ModelScenario>(scenario: &S) -> <S::Model as SystemModel>::Result {
    let header = scenario.header();
    let mut model = S::Model::new(scenario);
    for (at, action) in header.expanded() {
        model.run_until(at);
        model.apply(&action);
    }
    model.run_until(header.until_ms);
    model.result(header)
}

/// The fields every system scenario shares, parsed and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Slug.
    pub name: String,
    /// Audience title.
    pub title: Option<String>,
    /// Seed of the one PRNG (only the etcd/KRaft Raft groups draw from it).
    pub seed: u64,
    /// Steps as written.
    pub steps: Vec<SystemStep>,
    /// End of the run.
    pub until_ms: u64,
}

impl Header {
    /// Steps with `every_ms` expanded, in time order (stable for equal times).
    pub fn expanded(&self) -> Vec<(u64, SystemAction)> {
        let mut timed = Vec::new();
        for step in &self.steps {
            match step.every_ms {
                Some(every) if every > 0 => {
                    let mut at = step.at_ms;
                    let mut repetition = 1u64;
                    while at <= self.until_ms {
                        let action = match &step.action {
                            SystemAction::Write { value } => SystemAction::Write {
                                value: value.replace("{n}", &repetition.to_string()),
                            },
                            other => other.clone(),
                        };
                        timed.push((at, action));
                        at += every;
                        repetition += 1;
                    }
                }
                _ => timed.push((step.at_ms, step.action.clone())),
            }
        }
        timed.sort_by_key(|(at, _)| *at);
        timed
    }
}

/// Reads a model's scenario: the shared schema with its `cluster` section `C`.
pub fn read_document<C: DeserializeOwned>(
    value: &Value,
) -> Result<Document<C, SystemAction>, ScenarioError> {
    parse_document(value)
}

/// Checks the shared fields of a model's scenario and splits it into its [`Header`] and
/// its cluster; `sites` and `nodes` are what its steps may name.
pub fn header_of<C>(
    document: Document<C, SystemAction>,
    sites: &BTreeSet<String>,
    nodes: &BTreeSet<String>,
) -> Result<(Header, C), ScenarioError> {
    let steps = document.steps;
    let until_ms = document.until_ms.unwrap_or_else(|| {
        steps
            .last()
            .map_or(0, |step| step.at_ms)
            .saturating_add(5000)
    });
    if until_ms > MAX_SYSTEM_UNTIL_MS {
        return fail(
            "$.until_ms",
            format!("at most {MAX_SYSTEM_UNTIL_MS} ms for this system"),
        );
    }
    check_step_times(&steps, until_ms)?;
    let mut expanded = 0u64;
    for (position, step) in steps.iter().enumerate() {
        let path = format!("$.steps[{position}]");
        check_action(&step.action, &path, sites, nodes)?;
        if step.every_ms.is_some() && !matches!(step.action, SystemAction::Write { .. }) {
            return fail(
                &format!("{path}.every_ms"),
                "only a write can repeat (every_ms)",
            );
        }
        expanded += match step.every_ms {
            Some(every) => (until_ms - step.at_ms) / every + 1,
            None => 1,
        };
        if expanded > MAX_EXPANDED_STEPS {
            return fail(
                &format!("{path}.every_ms"),
                format!("more than {MAX_EXPANDED_STEPS} timed actions"),
            );
        }
    }
    let header = Header {
        name: document.name,
        title: document.title,
        seed: document.seed,
        steps,
        until_ms,
    };
    Ok((header, document.cluster))
}

/// Checks that an action names known sites and nodes.
fn check_action(
    action: &SystemAction,
    path: &str,
    sites: &BTreeSet<String>,
    nodes: &BTreeSet<String>,
) -> Result<(), ScenarioError> {
    let check_site = |site: &str, key: &str| -> Result<(), ScenarioError> {
        if sites.contains(site) {
            Ok(())
        } else {
            fail(&format!("{path}.{key}"), format!("unknown site \"{site}\""))
        }
    };
    match action {
        SystemAction::FailSite { site } | SystemAction::RestoreSite { site } => {
            check_site(site, "site")
        }
        SystemAction::CutLink { from, to } | SystemAction::RestoreLink { from, to } => {
            check_site(from, "from")?;
            check_site(to, "to")?;
            if from == to {
                return fail(&format!("{path}.to"), "a link joins two different sites");
            }
            Ok(())
        }
        SystemAction::Crash { node } | SystemAction::Restart { node } => {
            if !nodes.contains(node) {
                return fail(&format!("{path}.node"), format!("unknown node \"{node}\""));
            }
            Ok(())
        }
        SystemAction::CutAll | SystemAction::Heal | SystemAction::Write { .. } => Ok(()),
    }
}

/// Checks a list of names: non-empty, unique across `seen`, within the limit.
pub fn check_names<'a>(
    names: impl IntoIterator<Item = &'a String>,
    path: &str,
    seen: &mut BTreeSet<String>,
) -> Result<(), ScenarioError> {
    for name in names {
        if name.is_empty() {
            return fail(path, "a name cannot be empty");
        }
        if !seen.insert(name.clone()) {
            return fail(path, format!("\"{name}\" is declared twice"));
        }
        if seen.len() > MAX_SYSTEM_NODES {
            return fail(path, format!("more than {MAX_SYSTEM_NODES} names"));
        }
    }
    Ok(())
}

/// Sites, which of them are down, and which links between them are cut.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Topology {
    sites: Vec<String>,
    down: BTreeSet<String>,
    cut: BTreeSet<(String, String)>,
}

fn pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

impl Topology {
    /// Every site up, every link up.
    pub fn new(sites: impl IntoIterator<Item = String>) -> Topology {
        let mut sites: Vec<String> = sites.into_iter().collect();
        sites.sort();
        sites.dedup();
        Topology {
            sites,
            ..Topology::default()
        }
    }

    /// Site names, sorted.
    pub fn sites(&self) -> &[String] {
        &self.sites
    }

    /// Whether the site is up.
    pub fn site_up(&self, site: &str) -> bool {
        !self.down.contains(site)
    }

    /// Whether the link between two sites is up (a site always reaches itself).
    pub fn linked(&self, a: &str, b: &str) -> bool {
        a == b || !self.cut.contains(&pair(a, b))
    }

    /// Whether a node on `a` can talk to a node on `b`: both sites up, link up.
    pub fn reachable(&self, a: &str, b: &str) -> bool {
        self.site_up(a) && self.site_up(b) && self.linked(a, b)
    }

    /// Every site and whether it is up (what a widget draws).
    pub fn site_views(&self) -> Vec<SiteView> {
        self.sites
            .iter()
            .map(|name| SiteView {
                name: name.clone(),
                up: self.site_up(name),
            })
            .collect()
    }

    /// Every pair of sites and whether its link is up.
    pub fn link_views(&self) -> Vec<LinkView> {
        let mut links = Vec::new();
        for (position, a) in self.sites.iter().enumerate() {
            for b in &self.sites[position + 1..] {
                links.push(LinkView {
                    first: a.clone(),
                    second: b.clone(),
                    up: self.linked(a, b),
                });
            }
        }
        links
    }

    /// Applies a site or link action; false for other actions (left to the model).
    pub fn apply(&mut self, action: &SystemAction) -> bool {
        match action {
            SystemAction::FailSite { site } => {
                self.down.insert(site.clone());
            }
            SystemAction::RestoreSite { site } => {
                self.down.remove(site);
            }
            SystemAction::CutLink { from, to } => {
                self.cut.insert(pair(from, to));
            }
            SystemAction::RestoreLink { from, to } => {
                self.cut.remove(&pair(from, to));
            }
            SystemAction::CutAll => {
                for (position, a) in self.sites.iter().enumerate() {
                    for b in &self.sites[position + 1..] {
                        self.cut.insert(pair(a, b));
                    }
                }
            }
            SystemAction::Heal => self.cut.clear(),
            _ => return false,
        }
        true
    }
}

/// A site as a widget draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SiteView {
    /// Name.
    pub name: String,
    /// Whether it is up.
    pub up: bool,
}

/// The link between two sites as a widget draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkView {
    /// First site (alphabetical).
    #[serde(rename = "a")]
    pub first: String,
    /// Second site.
    #[serde(rename = "b")]
    pub second: String,
    /// Whether it is up.
    pub up: bool,
}

/// How many client writes ended each way so far (a widget's counters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WriteTally {
    /// Acknowledged (and not lost).
    pub acknowledged: u32,
    /// Refused.
    pub refused: u32,
    /// Still waiting.
    pub pending: u32,
    /// Sent without acknowledgement (`acks=0`).
    pub unconfirmed: u32,
    /// Acknowledged, then lost.
    pub lost: u32,
}

impl WriteTally {
    /// Counts a list of writes.
    pub fn of(writes: &[WriteRecord]) -> WriteTally {
        let mut tally = WriteTally::default();
        for write in writes {
            match write.outcome {
                _ if write.lost && write.outcome == WriteOutcome::Acknowledged => tally.lost += 1,
                WriteOutcome::Acknowledged => tally.acknowledged += 1,
                WriteOutcome::Refused => tally.refused += 1,
                WriteOutcome::Pending => tally.pending += 1,
                WriteOutcome::Unconfirmed => tally.unconfirmed += 1,
            }
        }
        tally
    }
}

/// The last `count` writes (what fits in a widget's panel).
pub fn last_writes(writes: &[WriteRecord], count: usize) -> Vec<WriteRecord> {
    writes[writes.len().saturating_sub(count)..].to_vec()
}

/// A time window `[from_ms, to_ms)`; `to_ms` null when still open at the end of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Start.
    pub from_ms: u64,
    /// End (exclusive), none when it lasts to the end of the run.
    pub to_ms: Option<u64>,
}

/// Records the outages of something observed once per tick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Availability {
    up: bool,
    outages: Vec<Window>,
}

impl Availability {
    /// Starts in the given state at time 0.
    pub fn new(up: bool) -> Availability {
        let outages = if up {
            Vec::new()
        } else {
            vec![Window {
                from_ms: 0,
                to_ms: None,
            }]
        };
        Availability { up, outages }
    }

    /// Records the state at `now_ms`; true when it changed.
    pub fn observe(&mut self, now_ms: u64, up: bool) -> bool {
        if up == self.up {
            return false;
        }
        self.up = up;
        if up {
            if let Some(last) = self.outages.last_mut() {
                last.to_ms = Some(now_ms);
            }
        } else {
            self.outages.push(Window {
                from_ms: now_ms,
                to_ms: None,
            });
        }
        true
    }

    /// The current state.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// Outage windows so far.
    pub fn outages(&self) -> &[Window] {
        &self.outages
    }

    /// After a failure at `since_ms`: `Some(0)` if no outage started since, the time from
    /// `since_ms` to the end of the last outage if it ended, `None` if down at the end.
    pub fn recovery_after(&self, since_ms: u64) -> Option<u64> {
        if !self.up {
            return None;
        }
        let last_end = self
            .outages
            .iter()
            .filter(|window| window.to_ms.is_some_and(|end| end > since_ms))
            .filter_map(|window| window.to_ms)
            .max();
        Some(last_end.map_or(0, |end| end - since_ms))
    }
}

/// What became of a client write in a system model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOutcome {
    /// Acknowledged to the client: losing it later is data loss.
    Acknowledged,
    /// Refused (see the reason): the client knows it failed.
    Refused,
    /// No answer the client can trust: sent without waiting for one (Kafka `acks=0`),
    /// or the request timed out (the write may still take effect).
    Unconfirmed,
    /// Still waiting at the end of the run.
    Pending,
}

/// A client write and its fate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WriteRecord {
    /// When the client sent it.
    pub at_ms: u64,
    /// Value.
    pub value: String,
    /// Outcome.
    pub outcome: WriteOutcome,
    /// Why it was refused (`no_quorum`, `NotEnoughReplicas`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the outcome became known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_at_ms: Option<u64>,
    /// Acknowledged, then lost (overwritten, truncated, never replicated).
    pub lost: bool,
}

impl WriteRecord {
    /// A write just sent.
    pub fn pending(at_ms: u64, value: &str) -> WriteRecord {
        WriteRecord {
            at_ms,
            value: value.to_string(),
            outcome: WriteOutcome::Pending,
            reason: None,
            decided_at_ms: None,
            lost: false,
        }
    }

    /// Marks it decided.
    pub fn decide(&mut self, at_ms: u64, outcome: WriteOutcome, reason: Option<&str>) {
        self.outcome = outcome;
        self.reason = reason.map(str::to_string);
        self.decided_at_ms = Some(at_ms);
    }
}

/// A timestamped event of a model's timeline (what the widgets caption).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModelEvent {
    /// When.
    pub at_ms: u64,
    /// What (`api_down`, `node_not_ready`, `isr_shrink`, …).
    pub kind: String,
    /// What it concerns (a node, a site, a partition…), empty when global.
    pub subject: String,
    /// Details for the caption.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// Appends an event.
pub fn push_event(
    events: &mut Vec<ModelEvent>,
    at_ms: u64,
    kind: &str,
    subject: &str,
    detail: impl Into<String>,
) {
    events.push(ModelEvent {
        at_ms,
        kind: kind.to_string(),
        subject: subject.to_string(),
        detail: detail.into(),
    });
}
