//! The widget's engine: a simulation, the user's input log, checkpoints and seeking.
//!
//! Pure Rust (tested natively). The state at simulated instant `t` is a function of the
//! scenario, the switches and the inputs at or before `t`, so the player keeps a clone of
//! its run every [`CHECKPOINT_EVERY_MS`] and seeks by restoring the nearest earlier one and
//! replaying at most that much simulated time — never a real-time replay. An input made
//! in the past forks the future: later inputs are dropped, later checkpoints too.
//!
//! Replays and live play take the same path ([`Player::advance_to`]): events at or before
//! an instant run first, then the inputs made at that instant, then the scenario labels
//! due, then the availability sample. That order is what makes a replay exact.

use sim::timeline::Timeline;
use sim::trace::TraceKind;
use sim::{Scenario, Simulation, TraceEvent};

use super::narration::Narrator;
use super::state::{TimedInput, UserInput, WidgetState};

/// Simulated time between two saved runs.
pub const CHECKPOINT_EVERY_MS: u64 = 250;
/// How far a widget may be played (one simulated hour).
pub const MAX_SIM_MS: u64 = 3_600_000;
/// How far « événement suivant » looks ahead before giving up.
pub const JUMP_HORIZON_MS: u64 = 60_000;

/// The caption line: the last thing told, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caption {
    /// Simulated time it was told at.
    pub at_ms: u64,
    /// French text.
    pub text: String,
}

/// A span during which no client write could be committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unavailable {
    /// Start (ms).
    pub from_ms: u64,
    /// End (ms), none while it lasts.
    pub to_ms: Option<u64>,
}

/// Everything that depends on simulated time: saved whole at checkpoints.
#[derive(Clone, Debug)]
struct Run {
    simulation: Simulation,
    narrator: Narrator,
    /// How many of the player's inputs were applied.
    applied_inputs: usize,
    /// How many scenario labels were shown.
    shown_labels: usize,
    unavailable: Vec<Unavailable>,
    caption: Option<Caption>,
    /// Captions told so far (a jump stops when it grows).
    told: u64,
}

impl Run {
    fn new(scenario: &Scenario) -> Run {
        let simulation = Simulation::new(scenario);
        let narrator = Narrator::new(&simulation);
        Run {
            simulation,
            narrator,
            applied_inputs: 0,
            shown_labels: 0,
            unavailable: Vec::new(),
            caption: None,
            told: 0,
        }
    }

    fn say(&mut self, text: String) {
        self.caption = Some(Caption {
            at_ms: self.simulation.now_ms(),
            text,
        });
        self.told += 1;
    }
}

/// Whether a trace event matters to the animation layer (messages, log changes).
fn is_visual(event: &TraceEvent) -> bool {
    matches!(
        event.kind,
        TraceKind::Send { .. }
            | TraceKind::Deliver { .. }
            | TraceKind::Drop { .. }
            | TraceKind::Truncate { .. }
    )
}

/// The widget's engine (see the module doc).
#[derive(Debug)]
pub struct Player {
    /// The scenario as written in the slide.
    scenario: Scenario,
    /// Scenario labels by time: (at_ms, French text).
    labels: Vec<(u64, String)>,
    inputs: Vec<TimedInput>,
    pre_vote: Option<bool>,
    check_quorum: Option<bool>,
    run: Run,
    /// The run every [`CHECKPOINT_EVERY_MS`], each holding what happened at its instant.
    saved: Timeline<Run>,
    /// The furthest instant simulated with the current inputs (the scrubber's end).
    frontier_ms: u64,
    /// Trace events for the animation since the last [`Player::take_trace`].
    trace: Vec<TraceEvent>,
    /// Set by a seek: the animation must rebuild from the views, not from the trace.
    seeked: bool,
}

impl Player {
    /// A player at time 0 of `scenario`, no inputs, the scenario's own switches.
    pub fn new(scenario: Scenario) -> Player {
        let mut labels: Vec<(u64, String)> = scenario
            .steps
            .iter()
            .filter_map(|step| step.label.clone().map(|label| (step.at_ms, label)))
            .collect();
        labels.sort_by_key(|(at, _)| *at);
        let run = Run::new(&scenario);
        let mut player = Player {
            scenario,
            labels,
            inputs: Vec::new(),
            pre_vote: None,
            check_quorum: None,
            saved: Timeline::new(run.clone(), CHECKPOINT_EVERY_MS),
            run,
            frontier_ms: 0,
            trace: Vec::new(),
            seeked: true,
        };
        player.sample_availability();
        player.saved = Timeline::new(player.run.clone(), CHECKPOINT_EVERY_MS);
        player
    }

    /// The scenario with the switches applied (what the simulation is built from).
    fn effective_scenario(&self) -> Scenario {
        let mut scenario = self.scenario.clone();
        if let Some(pre_vote) = self.pre_vote {
            scenario.cluster.pre_vote = pre_vote;
        }
        if let Some(check_quorum) = self.check_quorum {
            scenario.cluster.check_quorum = check_quorum;
        }
        scenario
    }

    /// Starts over from time 0 with the current inputs and switches (nothing kept).
    fn rebuild(&mut self) {
        let scenario = self.effective_scenario();
        self.run = Run::new(&scenario);
        self.sample_availability();
        self.saved = Timeline::new(self.run.clone(), CHECKPOINT_EVERY_MS);
        self.frontier_ms = 0;
        self.seeked = true;
        self.trace.clear();
    }

    /// The simulation at the current instant.
    pub fn simulation(&self) -> &Simulation {
        &self.run.simulation
    }

    /// Current simulated time.
    pub fn now_ms(&self) -> u64 {
        self.run.simulation.now_ms()
    }

    /// The furthest instant simulated (seekable without computing a new future).
    pub fn frontier_ms(&self) -> u64 {
        self.frontier_ms.max(self.now_ms())
    }

    /// The scenario's end (`until_ms`).
    pub fn end_ms(&self) -> u64 {
        self.scenario.end_ms()
    }

    /// The scenario as written.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The caption line, if anything was told yet.
    pub fn caption(&self) -> Option<&Caption> {
        self.run.caption.as_ref()
    }

    /// When the cluster could not take writes, up to now.
    pub fn unavailable(&self) -> &[Unavailable] {
        &self.run.unavailable
    }

    /// The inputs made so far (including those after now, until a fork drops them).
    pub fn inputs(&self) -> &[TimedInput] {
        &self.inputs
    }

    /// Effective PreVote and CheckQuorum switches.
    pub fn switches(&self) -> (bool, bool) {
        (
            self.pre_vote.unwrap_or(self.scenario.cluster.pre_vote),
            self.check_quorum
                .unwrap_or(self.scenario.cluster.check_quorum),
        )
    }

    /// Trace events for the animation since the last call.
    pub fn take_trace(&mut self) -> Vec<TraceEvent> {
        std::mem::take(&mut self.trace)
    }

    /// Whether a seek happened since the last call (the animation must resynchronise).
    pub fn take_seeked(&mut self) -> bool {
        std::mem::replace(&mut self.seeked, false)
    }

    /// Time of the next thing that will happen (event or input), if any.
    fn next_instant(&self) -> Option<u64> {
        let event = self.run.simulation.next_event_ms();
        let input = self
            .inputs
            .get(self.run.applied_inputs)
            .map(|input| input.at);
        match (event, input) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn drain(&mut self, keep_visual: bool) {
        let events = self.run.simulation.drain_trace();
        for event in events {
            if let Some(text) = self.run.narrator.tell(&self.run.simulation, &event) {
                self.run.say(text);
            }
            if keep_visual && is_visual(&event) {
                self.trace.push(event);
            }
        }
    }

    fn sample_availability(&mut self) {
        let now = self.now_ms();
        let writable = self.run.simulation.writable();
        let open = self
            .run
            .unavailable
            .last_mut()
            .filter(|window| window.to_ms.is_none());
        match (writable, open) {
            (true, Some(window)) => window.to_ms = Some(now),
            (false, None) => self.run.unavailable.push(Unavailable {
                from_ms: now,
                to_ms: None,
            }),
            _ => {}
        }
    }

    /// Saves the run at every checkpoint instant before `instant` it is about to pass.
    fn save_checkpoints_before(&mut self, instant: u64) {
        loop {
            let boundary = self.saved.next_checkpoint_ms();
            if boundary >= instant || boundary < self.now_ms() {
                return;
            }
            self.run.simulation.run_until(boundary);
            self.saved.save(boundary, &self.run);
        }
    }

    /// Processes one instant: its events, the inputs made then, its labels, a sample.
    fn process_instant(&mut self, instant: u64, keep_visual: bool) {
        self.save_checkpoints_before(instant);
        self.run.simulation.run_until(instant);
        self.drain(keep_visual);
        while let Some(input) = self.inputs.get(self.run.applied_inputs) {
            if input.at > instant {
                break;
            }
            let input = input.input.clone();
            self.run.applied_inputs += 1;
            self.apply_now(&input);
            self.drain(keep_visual);
        }
        while let Some((at, label)) = self.labels.get(self.run.shown_labels) {
            if *at > instant {
                break;
            }
            let label = label.clone();
            self.run.shown_labels += 1;
            self.run.say(label);
        }
        self.sample_availability();
    }

    fn apply_now(&mut self, input: &UserInput) {
        match input {
            UserInput::Act(action) => self.run.simulation.apply(action),
            UserInput::Link {
                first: a,
                second: b,
                up,
            } => {
                if self.run.simulation.set_site_link(a, b, *up) {
                    let text = if *up {
                        format!("Le lien {a}–{b} est rétabli")
                    } else {
                        format!("Le lien {a}–{b} est coupé")
                    };
                    self.run.say(text);
                }
            }
        }
    }

    fn advance(&mut self, target: u64, keep_visual: bool) {
        let target = target.min(MAX_SIM_MS);
        while let Some(instant) = self.next_instant() {
            if instant > target {
                break;
            }
            self.process_instant(instant, keep_visual);
        }
        self.save_checkpoints_before(target + 1);
        self.run.simulation.run_until(target);
        self.frontier_ms = self.frontier_ms.max(self.now_ms());
    }

    /// Plays forward to `target` (no-op if it is in the past), keeping the trace for the
    /// animation.
    pub fn advance_to(&mut self, target: u64) {
        self.advance(target, true);
    }

    /// Moves to `target`, past or future, instantly: restores the nearest checkpoint at or
    /// before it and replays from there.
    pub fn seek(&mut self, target: u64) {
        let target = target.min(MAX_SIM_MS);
        self.seeked = true;
        self.trace.clear();
        if target < self.now_ms() {
            self.run = self.saved.restore(target);
        }
        self.advance(target, false);
    }

    /// Runs every event of the next instant (event or input); false if nothing is left.
    pub fn step_event(&mut self) -> bool {
        match self.next_instant() {
            Some(instant) if instant <= MAX_SIM_MS => {
                self.advance(instant, true);
                true
            }
            _ => false,
        }
    }

    /// Runs instant by instant until something worth a caption happens (at most `limit`
    /// ms ahead, and never past `stop_at`); true if it found one.
    pub fn jump_to_interesting(&mut self, stop_at: Option<u64>) -> bool {
        let told = self.run.told;
        let limit = (self.now_ms() + JUMP_HORIZON_MS)
            .min(stop_at.unwrap_or(u64::MAX))
            .min(MAX_SIM_MS);
        while let Some(instant) = self.next_instant() {
            if instant > limit {
                break;
            }
            self.advance(instant, false);
            if self.run.told != told {
                self.seeked = true;
                return true;
            }
        }
        self.advance(limit, false);
        self.seeked = true;
        false
    }

    /// Applies a user input now. Inputs after now are dropped (the future forks) and the
    /// run is replayed from the last checkpoint before now, so a live click and a replay
    /// give the same state.
    pub fn input(&mut self, input: UserInput) {
        let now = self.now_ms();
        self.inputs.retain(|existing| existing.at <= now);
        self.inputs.push(TimedInput { at: now, input });
        self.fork_at(now);
    }

    /// Forgets everything computed at or after `at` and replays back to `at`.
    fn fork_at(&mut self, at: u64) {
        self.saved.forget_from(at);
        self.frontier_ms = 0;
        self.run = self.saved.latest();
        self.seeked = true;
        self.trace.clear();
        self.advance(at, false);
    }

    /// Changes the switches; the run is rebuilt from time 0 and replayed to now.
    pub fn set_switches(&mut self, pre_vote: Option<bool>, check_quorum: Option<bool>) {
        if (pre_vote, check_quorum) == (self.pre_vote, self.check_quorum) {
            return;
        }
        let now = self.now_ms();
        self.pre_vote = pre_vote;
        self.check_quorum = check_quorum;
        self.rebuild();
        self.advance(now, false);
    }

    /// Back to time 0, no inputs, the scenario's switches.
    pub fn reset(&mut self) {
        self.inputs.clear();
        self.pre_vote = None;
        self.check_quorum = None;
        self.rebuild();
    }

    /// The shareable state, with the playback the caller knows.
    pub fn state(&self, playing: bool, speed: f64) -> WidgetState {
        WidgetState {
            inputs: self.inputs.clone(),
            pre_vote: self.pre_vote,
            check_quorum: self.check_quorum,
            sim_ms: self.now_ms(),
            playing,
            speed,
            real: false,
        }
    }

    /// Adopts a state from elsewhere (sync, URL): same inputs and switches, same instant.
    pub fn adopt(&mut self, state: &WidgetState) {
        if state.inputs != self.inputs
            || (state.pre_vote, state.check_quorum) != (self.pre_vote, self.check_quorum)
        {
            self.inputs = state.inputs.clone();
            self.pre_vote = state.pre_vote;
            self.check_quorum = state.check_quorum;
            self.rebuild();
        }
        self.seek(state.sim_ms);
    }
}

/// The simulated instant a slide step binds the widget to: none when the widget has no
/// checkpoints; time 0 before `first_step`; else checkpoint `step - first_step` (the
/// last one for later steps).
pub fn checkpoint_for_step(checkpoints: &[u64], first_step: u32, step: u32) -> Option<u64> {
    let last = checkpoints.len().checked_sub(1)?;
    if step < first_step {
        return Some(0);
    }
    let index = ((step - first_step) as usize).min(last);
    checkpoints.get(index).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::{Action, NodeSelector, Role};

    const LEADER_FAILURE: &str = r#"{
      "seed": 4,
      "cluster": { "sites": { "A": ["n1", "n2"], "B": ["n3"] },
                   "latency_ms": { "intra": 5, "inter": 20 } },
      "steps": [ { "at_ms": 2000, "do": "propose", "value": "x=1", "label": "x=1 arrive" } ],
      "until_ms": 9000
    }"#;

    fn player() -> Player {
        Player::new(sim::parse_scenario(LEADER_FAILURE).expect("valid"))
    }

    /// Everything the widget draws at this instant, as comparable text.
    fn picture(player: &Player) -> String {
        let simulation = player.simulation();
        format!(
            "{} {:?} {:?} {:?} {:?} {:?}",
            simulation.now_ms(),
            simulation.nodes(),
            simulation.messages_in_flight(),
            simulation.proposals(),
            player.unavailable(),
            player.caption(),
        )
    }

    fn crash_leader() -> UserInput {
        UserInput::Act(Action::Crash {
            node: NodeSelector::Leader,
        })
    }

    #[test]
    fn seeking_back_gives_the_exact_earlier_state() {
        let mut player = player();
        player.advance_to(1200);
        let early = picture(&player);
        player.advance_to(1500);
        player.input(crash_leader());
        let mut linear = player.state(false, 1.0);
        player.advance_to(3333);
        player.advance_to(6100);
        let late = picture(&player);
        player.seek(1200);
        assert_eq!(picture(&player), early);
        player.seek(6100);
        assert_eq!(picture(&player), late);
        // A fresh player adopting the state reaches the same picture.
        linear.sim_ms = 6100;
        let mut other = super::Player::new(sim::parse_scenario(LEADER_FAILURE).expect("valid"));
        other.adopt(&linear);
        assert_eq!(picture(&other), late);
    }

    #[test]
    fn live_play_in_small_frames_equals_one_jump() {
        let mut framed = player();
        let mut time = 0;
        while time < 5000 {
            time += 7;
            framed.advance_to(time);
            if time == 2401 {
                framed.input(crash_leader());
            }
        }
        let mut direct = player();
        direct.advance_to(2401);
        direct.input(crash_leader());
        direct.advance_to(time);
        assert_eq!(picture(&framed), picture(&direct));
    }

    #[test]
    fn crashing_the_leader_elects_another_with_a_higher_term() {
        let mut player = player();
        player.advance_to(2500);
        let before = player.simulation().current_leader().expect("a leader");
        let term = player.simulation().node_view(before).term;
        player.input(crash_leader());
        player.advance_to(2500 + 3000);
        let nodes = player.simulation().nodes();
        let leader = nodes
            .iter()
            .find(|node| node.role == Role::Leader)
            .expect("a new leader");
        assert!(leader.term > term);
        let window = player.unavailable().last().copied().expect("a window");
        assert_eq!(window.from_ms, 2500);
        assert!(window.to_ms.is_some_and(|end| end > 3000 && end < 5500));
    }

    #[test]
    fn acting_in_the_past_forks_the_future() {
        let mut player = player();
        player.advance_to(3000);
        player.input(crash_leader());
        player.advance_to(4000);
        player.seek(1000);
        assert_eq!(player.inputs().len(), 1, "seeking keeps the future");
        player.input(UserInput::Link {
            first: "A".into(),
            second: "B".into(),
            up: false,
        });
        assert_eq!(player.inputs().len(), 1, "acting drops it");
        assert_eq!(player.frontier_ms(), 1000);
        assert!(!player.simulation().sites_connected("A", "B"));
        assert_eq!(
            player.caption().map(|c| c.text.as_str()),
            Some("Le lien A–B est coupé")
        );
    }

    #[test]
    fn jumps_stop_on_told_events_and_labels_are_told() {
        let mut player = player();
        assert!(player.jump_to_interesting(None));
        let caption = player.caption().expect("told").clone();
        assert_eq!(caption.at_ms, player.now_ms());
        player.seek(1999);
        player.step_event();
        assert_eq!(player.now_ms(), 2000);
        player.advance_to(2000);
        let text = player.caption().map(|c| c.text.clone()).unwrap_or_default();
        assert_eq!(text, "x=1 arrive");
        assert!(!player.jump_to_interesting(Some(2000)));
    }

    #[test]
    fn switches_rebuild_and_keep_the_instant() {
        let mut player = player();
        player.advance_to(3000);
        player.set_switches(Some(false), None);
        assert_eq!(player.now_ms(), 3000);
        assert_eq!(player.switches(), (false, true));
        player.reset();
        assert_eq!(player.now_ms(), 0);
        assert_eq!(player.switches(), (true, true));
    }

    #[test]
    fn steps_bind_to_checkpoints() {
        assert_eq!(checkpoint_for_step(&[], 1, 3), None);
        assert_eq!(checkpoint_for_step(&[1000, 3000], 2, 0), Some(0));
        assert_eq!(checkpoint_for_step(&[1000, 3000], 2, 2), Some(1000));
        assert_eq!(checkpoint_for_step(&[1000, 3000], 2, 3), Some(3000));
        assert_eq!(checkpoint_for_step(&[1000, 3000], 2, 9), Some(3000));
    }
}
