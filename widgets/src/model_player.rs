//! The engine shared by the `controlplane`, `elastic`, `kafka` and `multisite` widgets: a
//! [`LiveModel`], the scenario's scripted steps merged with the user's inputs, checkpoints
//! and seeking.
//!
//! Pure Rust (tested natively), the same contract as the raft widget's `player`: the state
//! at simulated instant `t` is a function of the scenario and of the inputs at or before
//! `t`. The player keeps a clone of the model every few simulated seconds (sized so that a
//! run holds at most [`MAX_CHECKPOINTS`] of them) and seeks by restoring the nearest
//! earlier one and replaying. An input made in the past forks the future: later inputs and
//! checkpoints are dropped.
//!
//! Inputs travel in the raft widget's [`WidgetState`] vocabulary, so presenter sync and
//! shared URLs carry them unchanged: a failed site is a crash of `site:A`, a restored one a
//! restart of `site:A`, a cut link a link click, a write a proposal
//! ([`to_input`]/[`to_action`]).

use sim::models::common::SystemAction;
use sim::models::live::{scripted_steps, LiveModel, LiveView};
use sim::timeline::Timeline;
use sim::{Action, AnyScenario, NodeSelector};

use super::model_narration::{action_text, event_text};
use super::state::{TimedInput, UserInput, WidgetState};

/// Most checkpoints a run keeps (memory bound: the multisite run is half an hour long).
pub const MAX_CHECKPOINTS: u64 = 120;
/// Checkpoints are at least this far apart (simulated ms).
pub const MIN_CHECKPOINT_EVERY_MS: u64 = 1000;
/// How far « pas » looks for the next event before stopping anyway.
pub const STEP_HORIZON_MS: u64 = 60_000;

/// The caption line: the last thing told, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelCaption {
    /// Simulated time it happened at.
    pub at_ms: u64,
    /// French text.
    pub text: String,
}

/// A timed action of the merged timeline.
#[derive(Clone, Debug, PartialEq)]
struct Item {
    at: u64,
    action: SystemAction,
    /// The scenario's French label, or the text told for a user's click.
    label: Option<String>,
}

/// The player's state at a checkpoint instant, taken before the items of that instant.
#[derive(Clone, Debug)]
struct Checkpoint {
    /// Timeline items applied (every item before the checkpoint's instant).
    cursor: usize,
    model: LiveModel,
}

/// A user input as a system action, if it is one the model widgets make.
pub fn to_action(input: &UserInput) -> Option<SystemAction> {
    match input {
        UserInput::Act(Action::Crash {
            node: NodeSelector::Site(site),
        }) => Some(SystemAction::FailSite { site: site.clone() }),
        UserInput::Act(Action::Restart {
            node: NodeSelector::Site(site),
        }) => Some(SystemAction::RestoreSite { site: site.clone() }),
        UserInput::Act(Action::Crash {
            node: NodeSelector::Node(node),
        }) => Some(SystemAction::Crash { node: node.clone() }),
        UserInput::Act(Action::Restart {
            node: NodeSelector::Node(node),
        }) => Some(SystemAction::Restart { node: node.clone() }),
        UserInput::Act(Action::Propose { value, .. }) => Some(SystemAction::Write {
            value: value.clone(),
        }),
        UserInput::Act(Action::Heal) => Some(SystemAction::Heal),
        UserInput::Link {
            first: a,
            second: b,
            up: false,
        } => Some(SystemAction::CutLink {
            from: a.clone(),
            to: b.clone(),
        }),
        UserInput::Link {
            first: a,
            second: b,
            up: true,
        } => Some(SystemAction::RestoreLink {
            from: a.clone(),
            to: b.clone(),
        }),
        _ => None,
    }
}

/// A system action as a user input (see the module doc); none for `cut_all`, which no
/// widget control makes.
pub fn to_input(action: &SystemAction) -> Option<UserInput> {
    Some(match action {
        SystemAction::FailSite { site } => UserInput::Act(Action::Crash {
            node: NodeSelector::Site(site.clone()),
        }),
        SystemAction::RestoreSite { site } => UserInput::Act(Action::Restart {
            node: NodeSelector::Site(site.clone()),
        }),
        SystemAction::Crash { node } => UserInput::Act(Action::Crash {
            node: NodeSelector::Node(node.clone()),
        }),
        SystemAction::Restart { node } => UserInput::Act(Action::Restart {
            node: NodeSelector::Node(node.clone()),
        }),
        SystemAction::Write { value } => UserInput::Act(Action::Propose {
            value: value.clone(),
            node: NodeSelector::Leader,
        }),
        SystemAction::Heal => UserInput::Act(Action::Heal),
        SystemAction::CutLink { from, to } => UserInput::Link {
            first: from.clone(),
            second: to.clone(),
            up: false,
        },
        SystemAction::RestoreLink { from, to } => UserInput::Link {
            first: from.clone(),
            second: to.clone(),
            up: true,
        },
        SystemAction::CutAll => return None,
    })
}

/// The model widgets' engine (see the module doc).
#[derive(Debug)]
pub struct ModelPlayer {
    title: String,
    scripted: Vec<Item>,
    inputs: Vec<TimedInput>,
    /// Scripted steps and inputs merged, by time (scripted first at equal times).
    timeline: Vec<Item>,
    model: LiveModel,
    /// Timeline items applied: exactly those at or before `now`.
    cursor: usize,
    now: u64,
    frontier: u64,
    end: u64,
    limit: u64,
    every: u64,
    checkpoints: Timeline<Checkpoint>,
}

impl ModelPlayer {
    /// A player at time 0 of `scenario` (its steps at time 0 applied); none for an etcd
    /// scenario.
    pub fn new(scenario: &AnyScenario) -> Option<ModelPlayer> {
        let model = LiveModel::new(scenario)?;
        let header = model.header();
        let title = header.title.clone().unwrap_or_else(|| header.name.clone());
        let scripted: Vec<Item> = scripted_steps(header)
            .into_iter()
            .map(|step| Item {
                at: step.at_ms,
                action: step.action,
                label: step.label,
            })
            .collect();
        let end = scenario.end_ms();
        // Room to see what a late click does, within the models' two-hour bound.
        let limit = (end.max(60_000) * 2).min(sim::models::common::MAX_SYSTEM_UNTIL_MS);
        let tick = model.tick_ms().max(1);
        let every = (end / MAX_CHECKPOINTS)
            .max(MIN_CHECKPOINT_EVERY_MS)
            .div_ceil(tick)
            * tick;
        let mut player = ModelPlayer {
            title,
            timeline: scripted.clone(),
            scripted,
            inputs: Vec::new(),
            checkpoints: Timeline::new(
                Checkpoint {
                    cursor: 0,
                    model: model.clone(),
                },
                every,
            ),
            model,
            cursor: 0,
            now: 0,
            frontier: 0,
            end,
            limit,
            every,
        };
        player.advance_to(0);
        Some(player)
    }

    /// The scenario's title (French).
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The current simulated instant.
    pub fn now_ms(&self) -> u64 {
        self.now
    }

    /// The furthest instant simulated with the current inputs (the scrubber's end).
    pub fn frontier_ms(&self) -> u64 {
        self.frontier
    }

    /// The scenario's end.
    pub fn end_ms(&self) -> u64 {
        self.end
    }

    /// How far the widget may be played.
    pub fn limit_ms(&self) -> u64 {
        self.limit
    }

    /// The user's inputs.
    pub fn inputs(&self) -> &[TimedInput] {
        &self.inputs
    }

    /// What to draw now.
    pub fn view(&self) -> LiveView {
        self.model.view()
    }

    /// How many writes the user sent (to number the next one).
    pub fn user_writes(&self) -> usize {
        self.inputs
            .iter()
            .filter(|input| matches!(to_action(&input.input), Some(SystemAction::Write { .. })))
            .count()
    }

    /// The caption: the latest of the labelled steps, the user's clicks and the model's
    /// told events at or before now.
    pub fn caption(&self) -> Option<ModelCaption> {
        let labelled = self.timeline[..self.cursor]
            .iter()
            .rev()
            .find_map(|item| item.label.as_ref().map(|text| (item.at, text.clone())));
        let told = self.model.events().iter().rev().find_map(|event| {
            event_text(&event.kind, &event.subject, &event.detail).map(|text| (event.at_ms, text))
        });
        let (at_ms, text) = match (labelled, told) {
            // An event at the label's instant is its consequence: the label says it better.
            (Some(label), Some(event)) if event.0 > label.0 => event,
            (Some(label), _) => label,
            (None, Some(event)) => event,
            (None, None) => return None,
        };
        Some(ModelCaption { at_ms, text })
    }

    fn rebuild_timeline(&mut self) {
        let mut timeline = self.scripted.clone();
        for input in &self.inputs {
            if let Some(action) = to_action(&input.input) {
                timeline.push(Item {
                    at: input.at,
                    label: action_text(&action),
                    action,
                });
            }
        }
        // Stable: scripted steps stay before inputs of the same instant.
        timeline.sort_by_key(|item| item.at);
        self.timeline = timeline;
    }

    /// Applies every item at or before `bound` (inclusive) or before it (exclusive).
    fn apply_items(&mut self, bound: u64, inclusive: bool) {
        while let Some(item) = self.timeline.get(self.cursor) {
            if item.at > bound || (!inclusive && item.at == bound) {
                break;
            }
            let (at, action) = (item.at, item.action.clone());
            self.model.run_until(at);
            self.model.apply(&action);
            self.cursor += 1;
        }
    }

    /// Plays forward to `target` (no-op in the past), saving checkpoints on the way.
    pub fn advance_to(&mut self, target: u64) {
        let target = target.min(self.limit);
        if target < self.now {
            return;
        }
        loop {
            let next = (self.now / self.every + 1) * self.every;
            if next > target {
                break;
            }
            self.apply_items(next, false);
            self.model.run_until(next);
            self.now = next;
            if self.checkpoints.next_checkpoint_ms() == next {
                self.checkpoints.save(
                    next,
                    &Checkpoint {
                        cursor: self.cursor,
                        model: self.model.clone(),
                    },
                );
            }
        }
        self.apply_items(target, true);
        self.model.run_until(target);
        self.now = target;
        self.frontier = self.frontier.max(target);
    }

    /// Moves to `target`, past or future: restores the nearest checkpoint at or before
    /// it and replays from there.
    pub fn seek(&mut self, target: u64) {
        let target = target.min(self.limit);
        if target < self.now {
            let (at, checkpoint) = self.checkpoints.restore_with_instant(target);
            self.model = checkpoint.model;
            self.cursor = checkpoint.cursor;
            self.now = at;
        }
        self.advance_to(target);
    }

    /// Plays tick by tick until the model tells something or a step applies (at most
    /// `horizon` ms ahead, never past `stop_at`); true if something happened. With
    /// `labelled_only`, only a labelled step or a told event counts.
    fn run_to_next(&mut self, horizon: u64, stop_at: Option<u64>, labelled_only: bool) -> bool {
        let limit = (self.now + horizon)
            .min(stop_at.unwrap_or(u64::MAX))
            .min(self.limit);
        let tick = self.model.tick_ms().max(1);
        let told = |player: &ModelPlayer| {
            player
                .model
                .events()
                .iter()
                .filter(|e| event_text(&e.kind, &e.subject, &e.detail).is_some())
                .count()
        };
        let (events, told_before, cursor) = (self.model.events().len(), told(self), self.cursor);
        while self.now < limit {
            let target = ((self.now / tick + 1) * tick).min(limit);
            self.advance_to(target);
            let applied = &self.timeline[cursor..self.cursor];
            let happened = if labelled_only {
                told(self) != told_before || applied.iter().any(|item| item.label.is_some())
            } else {
                self.model.events().len() != events || !applied.is_empty()
            };
            if happened {
                return true;
            }
        }
        false
    }

    /// « Pas » : to the next instant where anything happens (a step, an event).
    pub fn step_event(&mut self) -> bool {
        self.run_to_next(STEP_HORIZON_MS, None, false)
    }

    /// « Événement » : to the next labelled step or told event (within ten simulated
    /// minutes, never past `stop_at`).
    pub fn jump_to_interesting(&mut self, stop_at: Option<u64>) -> bool {
        self.run_to_next(600_000, stop_at, true)
    }

    /// Applies a user action now. Inputs after now are dropped (the future forks), and
    /// so are checkpoints after now.
    pub fn act(&mut self, action: &SystemAction) {
        let Some(input) = to_input(action) else {
            return;
        };
        let now = self.now;
        self.inputs.retain(|existing| existing.at <= now);
        self.inputs.push(TimedInput { at: now, input });
        self.checkpoints.forget_after(now);
        self.rebuild_timeline();
        self.frontier = now;
        // Every item at or before now was applied; the new one is the next.
        self.apply_items(now, true);
    }

    /// Back to time 0, no inputs.
    pub fn reset(&mut self) {
        self.inputs.clear();
        self.rebuild_timeline();
        self.restart();
    }

    fn restart(&mut self) {
        self.checkpoints.forget_from(0);
        self.model = self.checkpoints.latest().model;
        self.cursor = 0;
        self.now = 0;
        self.frontier = 0;
        self.advance_to(0);
    }

    /// The shareable state, with the playback the caller knows.
    pub fn state(&self, playing: bool, speed: f64) -> WidgetState {
        WidgetState {
            inputs: self.inputs.clone(),
            sim_ms: self.now,
            playing,
            speed,
            real: false,
            ..WidgetState::default()
        }
    }

    /// Adopts a state from elsewhere (sync, URL): same inputs, same instant. Inputs
    /// these widgets do not make are ignored.
    pub fn adopt(&mut self, state: &WidgetState) {
        let inputs: Vec<TimedInput> = state
            .inputs
            .iter()
            .filter(|input| to_action(&input.input).is_some())
            .cloned()
            .collect();
        if inputs != self.inputs {
            self.inputs = inputs;
            self.rebuild_timeline();
            self.restart();
        }
        self.seek(state.sim_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::models::live::LiveView;

    fn player(file: &str) -> ModelPlayer {
        let path = format!("{}/../slides/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("scenario file");
        ModelPlayer::new(&sim::parse_any(&text).expect("valid")).expect("not etcd")
    }

    fn kafka(view: LiveView) -> sim::models::kafka::KafkaView {
        match view {
            LiveView::Kafka(view) => view,
            other => panic!("not kafka: {other:?}"),
        }
    }

    #[test]
    fn inputs_map_both_ways() {
        for action in [
            SystemAction::FailSite { site: "A".into() },
            SystemAction::RestoreSite { site: "A".into() },
            SystemAction::CutLink {
                from: "A".into(),
                to: "B".into(),
            },
            SystemAction::RestoreLink {
                from: "A".into(),
                to: "B".into(),
            },
            SystemAction::Crash { node: "b1".into() },
            SystemAction::Restart { node: "b1".into() },
            SystemAction::Write { value: "m1".into() },
            SystemAction::Heal,
        ] {
            let input = to_input(&action).expect("mapped");
            assert_eq!(to_action(&input), Some(action));
        }
        assert_eq!(to_input(&SystemAction::CutAll), None);
    }

    #[test]
    fn the_player_replays_the_runner_exactly() {
        // Played in uneven chunks, the model ends where `run` ends.
        let mut player = player("kafka-unclean-election.json");
        let mut t = 0;
        while t < 90_000 {
            t += 777;
            player.advance_to(t.min(90_000));
        }
        let path = format!(
            "{}/../slides/scenarios/kafka-unclean-election.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).expect("scenario");
        let result = match sim::run_any(&text).expect("runs") {
            sim::AnyResult::Kafka(result) => result,
            _ => panic!("not kafka"),
        };
        let view = kafka(player.view());
        assert_eq!(view.lost, result.lost);
        assert_eq!(view.partitions, result.partitions);
    }

    #[test]
    fn seeking_back_and_forth_gives_the_exact_state() {
        let mut player = player("kafka-acks-all-lose-site.json");
        player.advance_to(25_000);
        let at_25 = player.view();
        player.advance_to(60_000);
        let at_60 = player.view();
        player.seek(25_000);
        assert_eq!(player.view(), at_25);
        player.seek(60_000);
        assert_eq!(player.view(), at_60);
        assert_eq!(player.frontier_ms(), 60_000);
    }

    #[test]
    fn a_click_in_the_past_forks_the_future() {
        let mut player = player("kafka-acks-all-lose-site.json");
        player.advance_to(30_000);
        player.act(&SystemAction::FailSite { site: "B".into() });
        player.advance_to(50_000);
        let forked = player.view();
        assert_eq!(player.inputs().len(), 1);
        // Back before the first click, click something else: the first click is gone.
        player.seek(10_000);
        player.act(&SystemAction::CutLink {
            from: "B".into(),
            to: "C".into(),
        });
        assert_eq!(player.inputs().len(), 1);
        assert_eq!(player.frontier_ms(), 10_000);
        player.advance_to(50_000);
        assert_ne!(player.view(), forked);
        let view = kafka(player.view());
        assert!(view
            .links
            .iter()
            .any(|l| l.first == "B" && l.second == "C" && !l.up));
    }

    #[test]
    fn a_state_reproduces_the_same_view_in_another_player() {
        let mut first = player("elastic-two-zones.json");
        first.advance_to(5_000);
        first.act(&SystemAction::FailSite { site: "z2".into() });
        first.advance_to(12_345);
        first.act(&SystemAction::Write {
            value: "doc-x".into(),
        });
        first.advance_to(20_000);
        let state = WidgetState::from_json(&first.state(false, 1.0).to_json()).expect("json");
        let mut second = player("elastic-two-zones.json");
        second.adopt(&state);
        assert_eq!(second.now_ms(), 20_000);
        assert_eq!(second.view(), first.view());
        assert_eq!(second.caption(), first.caption());
    }

    #[test]
    fn reset_forgets_inputs_and_returns_to_zero() {
        let mut player = player("multisite-failover.json");
        let initial = player.view();
        player.advance_to(100_000);
        player.act(&SystemAction::FailSite { site: "B".into() });
        player.reset();
        assert_eq!(player.now_ms(), 0);
        assert!(player.inputs().is_empty());
        assert_eq!(player.view(), initial);
    }

    #[test]
    fn steps_stop_at_the_next_event_and_captions_tell_it() {
        let mut player = player("k8s-stacked-2-1-lose-a.json");
        assert!(player.jump_to_interesting(None));
        // The first thing told: etcd elects a leader and the API comes up, or the
        // first labelled step.
        let caption = player.caption().expect("a caption");
        assert!(caption.at_ms <= player.now_ms());
        let mut guard = 0;
        while player.now_ms() < 10_000 && guard < 50 {
            player.jump_to_interesting(None);
            guard += 1;
        }
        assert_eq!(player.now_ms(), 10_000);
        assert_eq!(
            player.caption().map(|c| c.text),
            Some("Le site A tombe : 1 membre etcd sur 3".to_string())
        );
    }

    #[test]
    fn long_runs_keep_a_bounded_number_of_checkpoints() {
        let mut player = player("multisite-failover.json");
        player.advance_to(player.end_ms());
        assert!(player.checkpoints.len() as u64 <= MAX_CHECKPOINTS + 1);
        let end_view = player.view();
        player.seek(700_000);
        player.seek(player.end_ms());
        assert_eq!(player.view(), end_view);
    }
}
