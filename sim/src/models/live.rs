//! A steppable model of any non-etcd system, for the widgets: [`LiveModel`] boxes any
//! [`SystemModel`] once (apply an action, run to an instant, read the events and the
//! [`LiveView`] of the current instant) and [`scripted_steps`] lists a
//! scenario's timed actions with their French labels.
//!
//! Like every model it is pure and `Clone`, which is what lets a widget keep checkpoints
//! and seek by restoring one and replaying.

use serde::Serialize;

use super::common::{
    Header, LinkView, ModelEvent, ModelScenario, SiteView, SystemAction, SystemModel,
};
use super::elasticsearch::EsView;
use super::kafka::KafkaView;
use super::kubernetes::KubeView;
use super::multisite::MultisiteView;
use super::AnyScenario;

/// One of the four system models, with its scenario's header.
#[derive(Debug)]
pub struct LiveModel {
    header: Header,
    // Boxed behind one interface: the system is chosen once, in `new`; the models also
    // differ a lot in size and a checkpoint list holds many of them.
    system: Box<dyn AnyModel>,
}

impl Clone for LiveModel {
    fn clone(&self) -> LiveModel {
        LiveModel {
            header: self.header.clone(),
            system: self.system.clone_box(),
        }
    }
}

/// A [`SystemModel`] whose view is a [`LiveView`]: what `LiveModel` holds.
trait AnyModel: std::fmt::Debug {
    fn clone_box(&self) -> Box<dyn AnyModel>;
    fn tick_ms(&self) -> u64;
    fn now_ms(&self) -> u64;
    fn apply(&mut self, action: &SystemAction);
    fn run_until(&mut self, until_ms: u64);
    fn events(&self) -> &[ModelEvent];
    fn view(&self, header: &Header) -> LiveView;
}

impl<M> AnyModel for M
where
    M: SystemModel,
    M::View: Into<LiveView>,
{
    fn clone_box(&self) -> Box<dyn AnyModel> {
        Box::new(self.clone())
    }

    fn tick_ms(&self) -> u64 {
        M::TICK_MS
    }

    fn now_ms(&self) -> u64 {
        SystemModel::now_ms(self)
    }

    fn apply(&mut self, action: &SystemAction) {
        SystemModel::apply(self, action);
    }

    fn run_until(&mut self, until_ms: u64) {
        SystemModel::run_until(self, until_ms);
    }

    fn events(&self) -> &[ModelEvent] {
        SystemModel::events(self)
    }

    fn view(&self, header: &Header) -> LiveView {
        SystemModel::view(self, header).into()
    }
}

/// What a widget draws at one instant, per system.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "system", rename_all = "snake_case")]
pub enum LiveView {
    /// Kubernetes control plane and workloads.
    Kubernetes(KubeView),
    /// Elasticsearch coordination and shards.
    Elasticsearch(EsView),
    /// Kafka partitions and the KRaft quorum.
    Kafka(KafkaView),
    /// Two clusters active/passive.
    Multisite(MultisiteView),
}

impl LiveView {
    /// The sites and the links between them, which every system's view draws.
    pub fn topology(&self) -> (&[SiteView], &[LinkView]) {
        match self {
            LiveView::Kubernetes(view) => (&view.sites, &view.links),
            LiveView::Elasticsearch(view) => (&view.sites, &view.links),
            LiveView::Kafka(view) => (&view.sites, &view.links),
            LiveView::Multisite(view) => (&view.sites, &view.links),
        }
    }
}

impl From<KubeView> for LiveView {
    fn from(view: KubeView) -> LiveView {
        LiveView::Kubernetes(view)
    }
}

impl From<EsView> for LiveView {
    fn from(view: EsView) -> LiveView {
        LiveView::Elasticsearch(view)
    }
}

impl From<KafkaView> for LiveView {
    fn from(view: KafkaView) -> LiveView {
        LiveView::Kafka(view)
    }
}

impl From<MultisiteView> for LiveView {
    fn from(view: MultisiteView) -> LiveView {
        LiveView::Multisite(view)
    }
}

/// A scripted action of the scenario, `every_ms` expanded, with its label (on the first
/// repetition only, so a repeated write is told once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptedStep {
    /// When (simulated ms).
    pub at_ms: u64,
    /// What.
    pub action: SystemAction,
    /// French caption, if the scenario gives one.
    pub label: Option<String>,
}

/// The scenario's timed actions in time order (stable for equal times), as
/// [`Header::expanded`] orders them, with labels.
pub fn scripted_steps(header: &Header) -> Vec<ScriptedStep> {
    let mut steps = Vec::new();
    for step in &header.steps {
        match step.every_ms {
            Some(every) if every > 0 => {
                let mut at = step.at_ms;
                let mut repetition = 1u64;
                while at <= header.until_ms {
                    let action = match &step.action {
                        SystemAction::Write { value } => SystemAction::Write {
                            value: value.replace("{n}", &repetition.to_string()),
                        },
                        other => other.clone(),
                    };
                    steps.push(ScriptedStep {
                        at_ms: at,
                        action,
                        label: if repetition == 1 {
                            step.label.clone()
                        } else {
                            None
                        },
                    });
                    at += every;
                    repetition += 1;
                }
            }
            _ => steps.push(ScriptedStep {
                at_ms: step.at_ms,
                action: step.action.clone(),
                label: step.label.clone(),
            }),
        }
    }
    steps.sort_by_key(|step| step.at_ms);
    steps
}

impl LiveModel {
    /// The model at time 0; none for an etcd scenario (the raft widget's business).
    pub fn new(scenario: &AnyScenario) -> Option<LiveModel> {
        scenario.as_system().live_model()
    }

    /// The model of a model scenario at time 0.
    pub(crate) fn of<S>(scenario: &S) -> LiveModel
    where
        S: ModelScenario,
        <S::Model as SystemModel>::View: Into<LiveView>,
    {
        LiveModel {
            header: scenario.header().clone(),
            system: Box::new(S::Model::new(scenario)),
        }
    }

    /// The scenario's shared fields.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The model's tick (simulated ms per step of its loop).
    pub fn tick_ms(&self) -> u64 {
        self.system.tick_ms()
    }

    /// Current simulated time (a multiple of the tick).
    pub fn now_ms(&self) -> u64 {
        self.system.now_ms()
    }

    /// Applies an action now.
    pub fn apply(&mut self, action: &SystemAction) {
        self.system.apply(action);
    }

    /// Advances to `until_ms` (to the last tick at or before it).
    pub fn run_until(&mut self, until_ms: u64) {
        self.system.run_until(until_ms);
    }

    /// The model's timeline so far.
    pub fn events(&self) -> &[ModelEvent] {
        self.system.events()
    }

    /// What to draw now.
    pub fn view(&self) -> LiveView {
        self.system.view(&self.header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(file: &str) -> AnyScenario {
        let path = format!("{}/../slides/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("scenario file");
        super::super::parse_any(&text).expect("valid scenario")
    }

    /// Drives a model through its scripted steps, like `run` does.
    fn play(file: &str, until: u64) -> LiveModel {
        let scenario = scenario(file);
        let mut model = LiveModel::new(&scenario).expect("not etcd");
        for step in scripted_steps(model.header()) {
            if step.at_ms > until {
                break;
            }
            model.run_until(step.at_ms);
            model.apply(&step.action);
        }
        model.run_until(until);
        model
    }

    #[test]
    fn scripted_steps_match_the_runner_order() {
        let scenario = scenario("kafka-unclean-election.json");
        let model = LiveModel::new(&scenario).expect("kafka");
        let steps = scripted_steps(model.header());
        let expanded = model.header().expanded();
        assert_eq!(steps.len(), expanded.len());
        for (step, (at, action)) in steps.iter().zip(&expanded) {
            assert_eq!((step.at_ms, &step.action), (*at, action));
        }
        // The repeated write is labelled once.
        assert_eq!(steps.iter().filter(|s| s.label.is_some()).count(), 4);
    }

    #[test]
    fn etcd_scenarios_have_no_live_model() {
        assert!(LiveModel::new(&scenario("election.json")).is_none());
    }

    #[test]
    fn kubernetes_view_shows_the_api_down_with_site_a() {
        // domain-facts.md §2: the API needs etcd's quorum; 2/1 loses it with site A.
        let view = match play("k8s-stacked-2-1-lose-a.json", 30_000).view() {
            LiveView::Kubernetes(view) => view,
            other => panic!("not kubernetes: {other:?}"),
        };
        assert!(!view.api_up);
        assert!(view.sites.iter().any(|s| s.name == "A" && !s.up));
        assert_eq!(view.control_plane.len(), 3);
        assert!(view.control_plane.iter().all(|m| m.state != "leader"));
        // The API server stays up on B, but its write waits on an etcd without leader
        // until etcd's request timeout: no answer the client can trust.
        assert_eq!(view.tally.unconfirmed, 1);
    }

    #[test]
    fn kubernetes_view_counts_down_to_eviction() {
        // domain-facts.md §2: NotReady after 50 s, eviction 300 s later.
        let view = match play("k8s-eviction.json", 20_000).view() {
            LiveView::Kubernetes(view) => view,
            other => panic!("not kubernetes: {other:?}"),
        };
        let w2 = view.workers.iter().find(|w| w.name == "w2").expect("w2");
        assert!(!w2.running);
        assert_eq!(w2.not_ready_at_ms, Some(10_000 + 50_000));
        assert_eq!(w2.evict_at_ms, Some(10_000 + 350_000));
    }

    #[test]
    fn elasticsearch_views_health_and_master() {
        // domain-facts.md §4: two equal zones lose the master with either zone, once the
        // silent loss of z1 (at 10 s) is noticed, 33 s later.
        let view = |at| match play("elastic-two-zones.json", at).view() {
            LiveView::Elasticsearch(view) => view,
            other => panic!("not elasticsearch: {other:?}"),
        };
        assert_eq!(view(30_000).master.as_deref(), Some("es1"));
        let two = view(50_000);
        assert_eq!(two.master, None);
        assert_eq!(two.health, "red");
        let tie = match play("elastic-tiebreaker-forced.json", 30_000).view() {
            LiveView::Elasticsearch(view) => view,
            other => panic!("not elasticsearch: {other:?}"),
        };
        assert!(tie.master.is_some());
        assert_ne!(tie.health, "red");
    }

    #[test]
    fn kafka_views_list_lost_messages() {
        // domain-facts.md §5: unclean election may lose acknowledged messages.
        let unclean = match play("kafka-unclean-election.json", 90_000).view() {
            LiveView::Kafka(view) => view,
            other => panic!("not kafka: {other:?}"),
        };
        assert!(!unclean.lost.is_empty());
        assert_eq!(unclean.tally.lost as usize, unclean.lost.len());
        let safe = match play("kafka-acks-all-lose-site.json", 90_000).view() {
            LiveView::Kafka(view) => view,
            other => panic!("not kafka: {other:?}"),
        };
        assert!(safe.lost.is_empty());
        assert_eq!(safe.acks, "all");
    }

    #[test]
    fn multisite_view_measures_recovery_and_loss() {
        // Seed chapter: data lost is bounded by the replication lag.
        let view = match play("multisite-failover.json", 1_800_000).view() {
            LiveView::Multisite(view) => view,
            other => panic!("not multisite: {other:?}"),
        };
        assert_eq!(view.traffic_site, "B");
        assert_eq!(view.primary, "B");
        assert!(view.rto_ms.is_some() && view.recovery_ms.is_some());
        assert!(!view.lost.is_empty() && view.lost.len() <= 6);
    }
}
