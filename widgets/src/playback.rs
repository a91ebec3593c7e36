//! Playback shared by the raft widget and the other systems' widget: play and pause, the
//! speed, playing to a slide step's checkpoint, animation frames and reduced motion, over
//! either engine ([`Player`] or [`ModelPlayer`]).

use deck::WidgetSpec;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::html::Scope;
use yew::prelude::*;

use crate::icons;
use crate::model_player::ModelPlayer;
use crate::player::{checkpoint_for_step, Player, MAX_SIM_MS};
use crate::state::{WidgetState, MAX_SPEED, MIN_SPEED};

/// With reduced motion, playing jumps from one interesting event to the next at this
/// pace (real ms) instead of animating.
const REDUCED_MOTION_PACE_MS: f64 = 1200.0;

/// What playback needs from an engine: both players offer it.
pub trait Engine {
    /// The simulated instant reached.
    fn now_ms(&self) -> u64;
    /// The last instant playback may reach.
    fn limit_ms(&self) -> u64;
    /// Runs forward to `target`.
    fn advance_to(&mut self, target: u64);
    /// Goes to `target`, forward or back.
    fn seek(&mut self, target: u64);
    /// Runs to the next interesting event (before `stop_at`, when given).
    fn jump_to_interesting(&mut self, stop_at: Option<u64>) -> bool;
    /// Runs the next instant that has events.
    fn step_event(&mut self) -> bool;
    /// Back to the start, the user's inputs forgotten.
    fn reset(&mut self);
    /// The shareable state.
    fn state(&self, playing: bool, speed: f64) -> WidgetState;
    /// Takes over a shared state.
    fn adopt(&mut self, state: &WidgetState);
}

impl Engine for Player {
    fn now_ms(&self) -> u64 {
        Player::now_ms(self)
    }
    fn limit_ms(&self) -> u64 {
        MAX_SIM_MS
    }
    fn advance_to(&mut self, target: u64) {
        Player::advance_to(self, target);
    }
    fn seek(&mut self, target: u64) {
        Player::seek(self, target);
    }
    fn jump_to_interesting(&mut self, stop_at: Option<u64>) -> bool {
        Player::jump_to_interesting(self, stop_at)
    }
    fn step_event(&mut self) -> bool {
        Player::step_event(self)
    }
    fn reset(&mut self) {
        Player::reset(self);
    }
    fn state(&self, playing: bool, speed: f64) -> WidgetState {
        Player::state(self, playing, speed)
    }
    fn adopt(&mut self, state: &WidgetState) {
        Player::adopt(self, state);
    }
}

impl Engine for ModelPlayer {
    fn now_ms(&self) -> u64 {
        ModelPlayer::now_ms(self)
    }
    fn limit_ms(&self) -> u64 {
        ModelPlayer::limit_ms(self)
    }
    fn advance_to(&mut self, target: u64) {
        ModelPlayer::advance_to(self, target);
    }
    fn seek(&mut self, target: u64) {
        ModelPlayer::seek(self, target);
    }
    fn jump_to_interesting(&mut self, stop_at: Option<u64>) -> bool {
        ModelPlayer::jump_to_interesting(self, stop_at)
    }
    fn step_event(&mut self) -> bool {
        ModelPlayer::step_event(self)
    }
    fn reset(&mut self) {
        ModelPlayer::reset(self);
    }
    fn state(&self, playing: bool, speed: f64) -> WidgetState {
        ModelPlayer::state(self, playing, speed)
    }
    fn adopt(&mut self, state: &WidgetState) {
        ModelPlayer::adopt(self, state);
    }
}

/// The pending requestAnimationFrame; cancelled when dropped.
struct FrameRequest {
    id: i32,
    _closure: Closure<dyn FnMut(f64)>,
}

impl Drop for FrameRequest {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window.cancel_animation_frame(self.id);
        }
    }
}

fn request_frame<C: Component>(
    link: &Scope<C>,
    message: fn(f64) -> C::Message,
) -> Option<FrameRequest> {
    let link = link.clone();
    let closure = Closure::<dyn FnMut(f64)>::new(move |timestamp: f64| {
        link.send_message(message(timestamp));
    });
    let id = web_sys::window()?
        .request_animation_frame(closure.as_ref().unchecked_ref())
        .ok()?;
    Some(FrameRequest {
        id,
        _closure: closure,
    })
}

fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|window| {
            window
                .match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|query| query.matches())
}

/// The speed as the audience reads it: « temps réel », « ralenti ×4 », « accéléré ×2,5 ».
pub fn speed_text(speed: f64) -> String {
    let number = |value: f64| {
        if value >= 10.0 || (value - value.round()).abs() < 0.05 {
            format!("{value:.0}")
        } else {
            format!("{value:.1}").replace('.', ",")
        }
    };
    if (speed - 1.0).abs() < 0.05 {
        "temps réel".to_string()
    } else if speed < 1.0 {
        format!("ralenti ×{}", number(1.0 / speed))
    } else {
        format!("accéléré ×{}", number(speed))
    }
}

/// Which message of the component each transport control sends.
pub struct TransportMessages<C: Component> {
    /// Play or pause.
    pub toggle: fn() -> C::Message,
    /// To the next instant where something happens.
    pub step: fn() -> C::Message,
    /// To the next told event.
    pub jump: fn() -> C::Message,
    /// Back to the start.
    pub reset: fn() -> C::Message,
    /// The speed slider moved (log10 of the speed).
    pub speed_log: fn(f64) -> C::Message,
}

/// Where the time scrubber stands and how it moves.
pub struct Scrubber {
    /// The instant shown (simulated ms).
    pub now_ms: u64,
    /// The furthest instant one can go back to (simulated ms).
    pub frontier_ms: u64,
    /// How far one notch moves (simulated ms).
    pub step_ms: u64,
    /// Its tooltip.
    pub title: &'static str,
}

/// A widget's engine and how it plays. `C` is the component, which gets a `frame`
/// message on every animation frame while something moves.
pub struct Playback<C: Component, E> {
    /// None when the scenario text cannot be read (the widget shows an error instead).
    pub player: Option<E>,
    /// Whether it plays.
    pub playing: bool,
    /// Simulated ms per real ms.
    pub speed: f64,
    /// Where a step-driven play pauses.
    pub stop_at: Option<u64>,
    /// Fractional simulated clock for smooth animation (the engines run whole ms).
    pub clock_ms: f64,
    /// Static render: never plays, never asks for frames.
    pub preview: bool,
    reduced_motion: bool,
    last_frame: Option<f64>,
    /// Real time accumulated towards the next jump, with reduced motion.
    reduced_wait: f64,
    /// Whether the page was last told that a step's animation plays (see
    /// [`Playback::announce`]).
    announced: bool,
    frame: Option<FrameRequest>,
    /// The frame request that just fired: kept until the next one, because dropping a
    /// closure while it runs is an error.
    spent_frame: Option<FrameRequest>,
    link: Scope<C>,
    message: fn(f64) -> C::Message,
}

impl<C: Component, E: Engine> Playback<C, E> {
    /// Paused at the start, at the spec's speed; `message` wraps a frame's timestamp.
    pub fn new(
        player: Option<E>,
        spec: &WidgetSpec,
        preview: bool,
        link: &Scope<C>,
        message: fn(f64) -> C::Message,
    ) -> Self {
        Playback {
            player,
            playing: false,
            speed: spec.speed.clamp(MIN_SPEED, MAX_SPEED),
            stop_at: None,
            clock_ms: 0.0,
            preview,
            reduced_motion: !preview && prefers_reduced_motion(),
            last_frame: None,
            reduced_wait: 0.0,
            announced: false,
            frame: None,
            spent_frame: None,
            link: link.clone(),
            message,
        }
    }

    /// Whether the visitor asked for reduced motion (playing then jumps between events).
    pub fn reduced_motion(&self) -> bool {
        self.reduced_motion
    }

    /// The shareable state as JSON, unless this is a preview (previews never publish).
    pub fn state_json(&self) -> Option<serde_json::Value> {
        if self.preview {
            return None;
        }
        let player = self.player.as_ref()?;
        Some(player.state(self.playing, self.speed).to_json())
    }

    /// Plays (not in a preview).
    pub fn start(&mut self) {
        if self.preview {
            return;
        }
        self.playing = true;
        self.last_frame = None;
        self.reduced_wait = 0.0;
        self.ask_frame();
    }

    /// Pauses where the engine is.
    pub fn pause(&mut self) {
        self.playing = false;
        self.frame = None;
        self.last_frame = None;
        if let Some(player) = &self.player {
            self.clock_ms = player.now_ms() as f64;
        }
    }

    /// Play or pause, forgetting any step target.
    pub fn toggle(&mut self) {
        self.stop_at = None;
        if self.playing {
            self.pause();
        } else {
            self.start();
        }
    }

    /// Pauses, forgets any step target, lets `act` move the engine, and puts the smooth
    /// clock where the engine now is (so playing resumes from there, not from before).
    fn paused_move(&mut self, act: impl FnOnce(&mut E)) {
        self.pause();
        self.stop_at = None;
        if let Some(player) = &mut self.player {
            act(player);
            self.clock_ms = player.now_ms() as f64;
        }
    }

    /// Paused, to the next instant that has events.
    pub fn step(&mut self) {
        self.paused_move(|player| {
            player.step_event();
        });
    }

    /// Paused, to the next told event.
    pub fn jump(&mut self) {
        self.paused_move(|player| {
            player.jump_to_interesting(None);
        });
    }

    /// Paused, back to the start with the user's inputs forgotten.
    pub fn reset(&mut self) {
        self.paused_move(Engine::reset);
    }

    /// To `target`, forward or back, playing on if it was playing.
    pub fn seek(&mut self, target: u64) {
        self.stop_at = None;
        if let Some(player) = &mut self.player {
            player.seek(target);
            self.clock_ms = player.now_ms() as f64;
        }
    }

    /// The speed slider's value (log10 of the speed).
    pub fn set_speed_log(&mut self, value: f64) {
        self.speed = 10f64.powf(value).clamp(MIN_SPEED, MAX_SPEED);
    }

    /// Multiplies the speed (the + and − keys).
    pub fn speed_by(&mut self, factor: f64) {
        self.speed = (self.speed * factor).clamp(MIN_SPEED, MAX_SPEED);
    }

    /// Asks for one more frame (a paused widget still fading something out), unless one
    /// is pending or this is a preview.
    pub fn ask_frame(&mut self) {
        if self.frame.is_none() && !self.preview {
            self.frame = request_frame(&self.link, self.message);
        }
    }

    /// Whether a slide step's animation is playing (the root says `data-step-playing`:
    /// the app's → then skips it instead of moving on).
    pub fn step_playing(&self) -> bool {
        self.playing && self.stop_at.is_some()
    }

    /// Tells the page, with a bubbling `raftdeck-step-playing` event from the widget's
    /// root, when a step's animation starts or ends: the app then tells its followers, so
    /// the phone remote's next press skips the animation as → does.
    pub fn announce(&mut self, root: &web_sys::Element) {
        let playing = self.step_playing();
        if playing == self.announced || self.preview {
            return;
        }
        self.announced = playing;
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        if let Ok(event) = web_sys::Event::new_with_event_init_dict("raftdeck-step-playing", &init)
        {
            let _ = root.dispatch_event(&event);
        }
    }

    /// Skips the step animation playing to its checkpoint at once (→ pressed while it
    /// plays); nothing otherwise.
    pub fn skip_step(&mut self) {
        if !self.step_playing() {
            return;
        }
        if let (Some(stop), Some(player)) = (self.stop_at.take(), &mut self.player) {
            player.seek(stop);
        }
        self.pause();
    }

    /// Applies the slide step: forward plays to its checkpoint, backward seeks there.
    /// A step that comes while the previous one still plays first lands that one on its
    /// checkpoint: the new step's animation starts from there, never replays the rest.
    pub fn follow_step(&mut self, spec: &WidgetSpec, step: u32, old_step: Option<u32>) {
        let Some(target) = checkpoint_for_step(&spec.checkpoints, spec.first_step, step) else {
            return;
        };
        self.skip_step();
        let Some(player) = &mut self.player else {
            return;
        };
        let forward = old_step.is_some_and(|old| step > old);
        if forward && target > player.now_ms() && !self.preview {
            self.stop_at = Some(target);
            if self.reduced_motion {
                player.seek(target);
                self.pause();
            } else {
                self.start();
            }
        } else {
            self.stop_at = None;
            player.seek(target);
            self.pause();
        }
    }

    /// Takes over a state from elsewhere (sync, a shared link); an unreadable one is
    /// ignored.
    pub fn adopt(&mut self, value: &serde_json::Value) {
        let Ok(state) = WidgetState::from_json(value) else {
            return;
        };
        if let Some(player) = &mut self.player {
            player.adopt(&state);
        }
        self.speed = state.speed;
        self.stop_at = None;
        self.pause();
        if state.playing {
            self.start();
        }
    }

    /// The transport part of the widget's toolbar, the same in every widget: play or
    /// pause, step, next event, restart, and the speed slider with its text.
    pub fn transport(&self, messages: TransportMessages<C>) -> Html {
        let TransportMessages {
            toggle,
            step,
            jump,
            reset,
            speed_log,
        } = messages;
        let link = &self.link;
        let current = self.speed.log10();
        let speed = link.callback(move |event: InputEvent| {
            let value = event
                .target_dyn_into::<HtmlInputElement>()
                .and_then(|input| input.value().parse::<f64>().ok())
                .unwrap_or(current);
            speed_log(value)
        });
        html! {
            <>
                if self.playing {
                    <button type="button" data-action="pause" title="Pause (espace)" onclick={link.callback(move |_| toggle())}>{ icons::pause() }{ "Pause" }</button>
                } else {
                    <button type="button" data-action="play" title="Lecture (espace)" onclick={link.callback(move |_| toggle())}>{ icons::play() }{ "Lecture" }</button>
                }
                <button type="button" data-action="step" title="Instant suivant (S)" onclick={link.callback(move |_| step())}>{ icons::step() }{ "Pas" }</button>
                <button type="button" data-action="next" title="Événement marquant suivant (J)" onclick={link.callback(move |_| jump())}>{ icons::jump() }{ "Événement" }</button>
                <button type="button" data-action="reset" title="Recommencer (R)" aria-label="Recommencer" onclick={link.callback(move |_| reset())}>{ icons::reset() }</button>
                <label class="raft-speed" title="Vitesse (+ / −)">
                    <input type="range" min="-3" max="2" step="0.05" data-action="speed"
                           aria-label="Vitesse de la simulation"
                           value={format!("{current:.2}")} oninput={speed} />
                    <span>{ speed_text(self.speed) }</span>
                </label>
            </>
        }
    }

    /// The time scrubber: a range over what has been simulated so far
    /// (`0..=frontier_ms`) at `now_ms`, moving by `step_ms`, with the instant written by
    /// `time_text`; `seek` turns the chosen instant into the widget's message.
    pub fn scrubber(
        &self,
        scrub: Scrubber,
        time_text: fn(u64) -> String,
        seek: fn(u64) -> C::Message,
    ) -> Html {
        let oninput = self.link.callback(move |event: InputEvent| {
            let value = event
                .target_dyn_into::<HtmlInputElement>()
                .and_then(|input| input.value().parse::<u64>().ok())
                .unwrap_or(0);
            seek(value)
        });
        html! {
            <label class="raft-scrubber" title={scrub.title}>
                <input type="range" min="0" max={scrub.frontier_ms.max(1).to_string()} step={scrub.step_ms.to_string()}
                       data-action="seek" aria-label="Instant simulé" value={scrub.now_ms.to_string()} {oninput} />
                <span class="raft-time">{ format!("t = {}", time_text(scrub.now_ms)) }</span>
            </label>
        }
    }

    /// An animation frame at `timestamp` (ms): moves the engine on while playing, up to
    /// the step target or the engine's limit. Returns false when not playing (the frame
    /// only served a fade).
    pub fn on_frame(&mut self, timestamp: f64) -> bool {
        self.spent_frame = self.frame.take();
        if !self.playing {
            return false;
        }
        let elapsed = self
            .last_frame
            .map_or(0.0, |last| (timestamp - last).clamp(0.0, 100.0));
        self.last_frame = Some(timestamp);
        let Some(player) = &mut self.player else {
            return true;
        };
        if self.reduced_motion {
            self.reduced_wait += elapsed;
            if self.reduced_wait >= REDUCED_MOTION_PACE_MS {
                self.reduced_wait = 0.0;
                player.jump_to_interesting(self.stop_at);
            }
        } else {
            self.clock_ms = self.clock_ms.max(player.now_ms() as f64) + elapsed * self.speed;
            if let Some(stop) = self.stop_at {
                self.clock_ms = self.clock_ms.min(stop as f64);
            }
            player.advance_to(self.clock_ms.floor() as u64);
        }
        let reached = self.stop_at.is_some_and(|stop| player.now_ms() >= stop);
        let at_limit = player.now_ms() >= player.limit_ms();
        if reached || at_limit {
            self.stop_at = None;
            self.pause();
        } else {
            self.ask_frame();
        }
        true
    }
}
