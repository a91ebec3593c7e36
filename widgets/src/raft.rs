//! The `raft` widget: an etcd cluster over sites, drawn in SVG from a [`Player`], with
//! its controls, caption line, client timeline and safety badge.
//!
//! A struct component because it owns long-lived things: the player, the
//! requestAnimationFrame handle (only while playing), and the animation layer (messages
//! flying, overwritten log entries fading), which is display-only state derived from the
//! trace. Everything shareable goes through [`crate::WidgetState`]; everything the audience
//! reads is French; DOM hooks follow DESIGN.md.
//!
//! This file holds the component: its state, messages, keys and animation layer. The
//! drawing is in `stage` (the SVG: sites, links, nodes, messages in flight), `panel` (the
//! client panel and its timeline) and `controls` (node menu, caption line, toolbar, key
//! list); the real etcd cluster's mode is `real`.

use std::collections::BTreeMap;

use deck::WidgetSpec;
use sim::trace::TraceKind;
use sim::view::NodeView;
use sim::{Action, MessageKind, NodeSelector};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

use crate::mount::WidgetProps;

use super::layout::{Geometry, MAX_FLIGHT_STRETCH_MS, MIN_FLIGHT_REAL_MS};
use super::playback::Playback;
use super::player::Player;
use super::state::UserInput;

mod controls;
mod panel;
mod real;
mod stage;

use super::live::LiveState;
use controls::view_help;
use real::{LiveMsg, RealMode};

/// Height taken by the controls and the caption line under the SVG (canvas pixels).
const CHROME_HEIGHT: f64 = 96.0;
/// Controls a slide must list explicitly (see `RaftWidget::allowed`).
const MEMBERSHIP_CONTROLS: [&str; 2] = ["member_add", "member_remove"];
/// How long an overwritten log entry takes to fade (real ms).
const GHOST_REAL_MS: f64 = 1500.0;

/// What changes the widget.
pub enum Msg {
    /// An animation frame, with its timestamp (ms).
    Frame(f64),
    /// Play or pause.
    TogglePlay,
    /// Run the next instant that has events.
    Step,
    /// Run to the next told event.
    Jump,
    /// Back to the start, inputs forgotten.
    Reset,
    /// Seek to a simulated instant.
    Seek(u64),
    /// Speed slider moved (log10 of the speed).
    SpeedLog(f64),
    /// Multiply the speed.
    SpeedBy(f64),
    /// A node was clicked (or deselected).
    Select(Option<String>),
    /// A node action from the menu.
    NodeAction(String, &'static str),
    /// A site link was clicked.
    Link(String, String),
    /// Add a new member on the site (the scenario must allow `member_add`).
    AddMember(String),
    /// The client sends a write to the leader.
    Propose,
    /// Flip PreVote (`pre_vote`) or CheckQuorum (`check_quorum`).
    Toggle(&'static str),
    /// Show or hide the key list.
    Help,
    /// A key pressed while the widget has focus.
    Key(KeyboardEvent),
    /// The real mode: the real etcd cluster's stream, clicks and switch (`raft/real.rs`).
    Live(LiveMsg),
}

/// A message drawn in flight (display only).
#[derive(Clone, Debug)]
struct Flight {
    from: String,
    to: String,
    kind: MessageKind,
    reject: bool,
    sent_ms: f64,
    /// Visual arrival (at least the real arrival, see `MIN_FLIGHT_REAL_MS`).
    arrive_ms: f64,
    dropped: bool,
}

/// An entry cut from a log, fading out (display only).
#[derive(Clone, Debug)]
struct Ghost {
    node: String,
    index: u64,
    term: u64,
    born_real_ms: f64,
}

fn real_now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or_else(js_sys::Date::now, |performance| performance.now())
}

/// `3,25 s`: French decimal comma.
fn seconds(ms: u64) -> String {
    format!("{:.2} s", ms as f64 / 1000.0).replace('.', ",")
}

/// The raft widget (see the module doc).
pub struct RaftWidget {
    /// The engine and how it plays.
    playback: Playback<RaftWidget, Player>,
    /// Shown instead of the drawing when the scenario text cannot be read (in French).
    error: Option<String>,
    flights: BTreeMap<u64, Flight>,
    ghosts: Vec<Ghost>,
    /// Nodes as last drawn (also where ghosts come from).
    nodes: Vec<NodeView>,
    geometry: Geometry,
    /// Node names with their site, the key `geometry` was computed for.
    geometry_key: Vec<(String, String)>,
    selected: Option<String>,
    help: bool,
    last_external: Option<serde_json::Value>,
    /// The focusable root, to hand the keys back to the deck on Escape.
    root: NodeRef,
    /// The real etcd cluster, for `live: true` blocks under `raftdeck serve --live-etcd`.
    real: RealMode,
}

impl RaftWidget {
    fn svg_height(spec: &WidgetSpec) -> f64 {
        (f64::from(spec.height) - CHROME_HEIGHT).max(120.0)
    }

    /// Recomputes the cached nodes, and the layout when the set of nodes changed.
    fn refresh(&mut self, spec: &WidgetSpec) {
        let Some(player) = &self.playback.player else {
            return;
        };
        // The same drawing for both modes: the real cluster's members become node views.
        self.nodes = match self.real.drawn() {
            Some(state) => state.node_views(),
            None => player.simulation().nodes(),
        };
        let key: Vec<(String, String)> = self
            .nodes
            .iter()
            .map(|node| (node.id.clone(), node.site.clone()))
            .collect();
        if key != self.geometry_key {
            let mut sites: Vec<(String, Vec<String>)> = player
                .simulation()
                .sites()
                .iter()
                .map(|site| (site.clone(), Vec::new()))
                .collect();
            for (node, site) in &key {
                if let Some(entry) = sites.iter_mut().find(|(name, _)| name == site) {
                    entry.1.push(node.clone());
                }
            }
            self.geometry = Geometry::new(&sites, Self::svg_height(spec));
            self.geometry_key = key;
        }
    }

    /// Feeds the animation layer from the trace, or rebuilds it after a seek.
    fn animate_from_trace(&mut self) {
        let Some(player) = &mut self.playback.player else {
            return;
        };
        let min_flight = (MIN_FLIGHT_REAL_MS * self.playback.speed).min(MAX_FLIGHT_STRETCH_MS);
        let seeked = player.take_seeked();
        let trace = player.take_trace();
        let now = player.now_ms() as f64;
        if seeked {
            self.flights.clear();
            self.ghosts.clear();
            for message in player.simulation().messages_in_flight() {
                self.flights.insert(
                    message.id,
                    Flight {
                        from: message.from,
                        to: message.to,
                        kind: message.kind,
                        reject: message.reject,
                        sent_ms: message.sent_at_ms as f64,
                        arrive_ms: message.deliver_at_ms as f64,
                        dropped: message.will_be_dropped,
                    },
                );
            }
            self.playback.clock_ms = now;
        }
        let simulation = player.simulation();
        let real_now = real_now_ms();
        // Refusals are known from the views, not the trace: look them up once per batch.
        let rejects: Vec<u64> = if trace
            .iter()
            .any(|e| matches!(e.kind, TraceKind::Send { .. }))
        {
            simulation
                .messages_in_flight()
                .into_iter()
                .filter(|message| message.reject)
                .map(|message| message.id)
                .collect()
        } else {
            Vec::new()
        };
        for event in trace {
            match event.kind {
                TraceKind::Send {
                    id,
                    from,
                    to,
                    kind,
                    deliver_at_ms,
                    ..
                } => {
                    let sent = event.at_ms as f64;
                    let reject = rejects.contains(&id);
                    self.flights.insert(
                        id,
                        Flight {
                            from: simulation.node_name(from).to_string(),
                            to: simulation.node_name(to).to_string(),
                            kind,
                            reject,
                            sent_ms: sent,
                            arrive_ms: (deliver_at_ms as f64).max(sent + min_flight),
                            dropped: false,
                        },
                    );
                }
                TraceKind::Drop { id, .. } => {
                    if let Some(flight) = self.flights.get_mut(&id) {
                        flight.dropped = true;
                    }
                }
                TraceKind::Truncate { node, from } => {
                    let name = simulation.node_name(node).to_string();
                    if let Some(view) = self.nodes.iter().find(|view| view.id == name) {
                        for entry in view.log.iter().filter(|entry| entry.index >= from.0) {
                            self.ghosts.push(Ghost {
                                node: name.clone(),
                                index: entry.index,
                                term: entry.term,
                                born_real_ms: real_now,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        let clock = self.playback.clock_ms.max(now);
        self.flights.retain(|_, flight| {
            let fade = if flight.dropped {
                (flight.arrive_ms - flight.sent_ms).max(40.0)
            } else {
                0.0
            };
            clock <= flight.arrive_ms + fade
        });
        self.ghosts
            .retain(|ghost| real_now - ghost.born_real_ms < GHOST_REAL_MS);
    }

    fn emit(&self, ctx: &Context<Self>) {
        if let Some(mut state) = self.playback.state_json() {
            // The mode travels with the state (`WidgetState::real`), so followers switch too.
            if let (true, Some(object)) = (self.real.on, state.as_object_mut()) {
                object.insert("real".into(), true.into());
            }
            ctx.props()
                .on_state
                .emit((ctx.props().key_name.to_string(), state));
        }
    }

    fn allowed(spec: &WidgetSpec, control: &str) -> bool {
        let listed = spec.controls.iter().any(|c| c == control);
        // Membership changes reshape the cluster the slide is about: only where the
        // slide asks for them, never by default.
        if MEMBERSHIP_CONTROLS.contains(&control) {
            return listed;
        }
        spec.controls.is_empty() || listed
    }

    fn node_action(&mut self, node: &str, action: &'static str) {
        let Some(player) = &mut self.playback.player else {
            return;
        };
        let target = NodeSelector::Node(node.to_string());
        let action = match action {
            "crash" => Action::Crash { node: target },
            "restart" => Action::Restart { node: target },
            "isolate" => Action::Isolate { node: target },
            "transfer_leader" => Action::TransferLeader { node: target },
            "propose_to" => Action::Propose {
                value: next_value(player),
                node: target,
            },
            "member_remove" => Action::MemberRemove { node: target },
            "member_add" => {
                // Re-adding a removed member: etcd wipes its data and it joins anew.
                let Some(site) = self
                    .nodes
                    .iter()
                    .find(|n| n.id == node)
                    .map(|n| n.site.clone())
                else {
                    return;
                };
                Action::MemberAdd {
                    node: node.to_string(),
                    site,
                    learner: false,
                    start: true,
                }
            }
            _ => return,
        };
        player.input(UserInput::Act(action));
    }

    fn key(&mut self, ctx: &Context<Self>, event: &KeyboardEvent) -> bool {
        if event.ctrl_key() || event.meta_key() || event.alt_key() {
            return false;
        }
        let in_input = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlInputElement>().ok())
            .is_some();
        let key = event.key();
        // Arrows move a focused slider; they must not also turn the slide.
        if in_input && key.starts_with("Arrow") {
            event.stop_propagation();
            return false;
        }
        let link = ctx.link();
        let message = match key.as_str() {
            " " | "k" | "K" => Some(Msg::TogglePlay),
            "s" | "S" | "." => Some(Msg::Step),
            "j" | "J" => Some(Msg::Jump),
            "r" | "R" => Some(Msg::Reset),
            "w" | "W" => Some(Msg::Propose),
            "+" | "=" => Some(Msg::SpeedBy(2.0)),
            "-" | "_" => Some(Msg::SpeedBy(0.5)),
            "[" => self
                .playback
                .player
                .as_ref()
                .map(|p| Msg::Seek(p.now_ms().saturating_sub(500))),
            "]" => self
                .playback
                .player
                .as_ref()
                .map(|p| Msg::Seek(p.now_ms() + 500)),
            "?" | "h" | "H" => Some(Msg::Help),
            "c" | "C" => self.selected_action("crash"),
            "u" | "U" => self.selected_action("restart"),
            "i" | "I" => self.selected_action("isolate"),
            "t" | "T" => self.selected_action("transfer_leader"),
            "m" | "M" => {
                let removed = self
                    .selected
                    .as_ref()
                    .and_then(|name| self.nodes.iter().find(|n| &n.id == name))
                    .map(|n| n.removed);
                match removed {
                    Some(true) => self.selected_action("member_add"),
                    Some(false) => self.selected_action("member_remove"),
                    None => None,
                }
            }
            "Escape" => {
                if self.help || self.selected.is_some() {
                    self.help = false;
                    Some(Msg::Select(None))
                } else {
                    // Yew delegates events: the current target is not the root, use its ref.
                    if let Some(element) = self.root.cast::<HtmlElement>() {
                        let _ = element.blur();
                    }
                    None
                }
            }
            digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
                let position = usize::from(digit.as_bytes()[0] - b'0');
                let mut names: Vec<&str> = self
                    .geometry
                    .nodes
                    .iter()
                    .map(|n| n.name.as_str())
                    .collect();
                names.sort_by_key(|name| (name.len(), name.to_string()));
                position
                    .checked_sub(1)
                    .and_then(|index| names.get(index))
                    .map(|name| Msg::Select(Some(name.to_string())))
            }
            _ => None,
        };
        let handled = message.is_some() || key == "Escape";
        if handled {
            event.prevent_default();
            event.stop_propagation();
        }
        if let Some(message) = message {
            link.send_message(message);
        }
        false
    }

    /// Asks for frames while overwritten entries fade, even when paused.
    fn keep_fading(&mut self) {
        if !self.playback.playing && !self.ghosts.is_empty() {
            self.playback.ask_frame();
        }
    }

    fn selected_action(&self, action: &'static str) -> Option<Msg> {
        self.selected
            .clone()
            .map(|node| Msg::NodeAction(node, action))
    }
}

/// The next client value: `x=1`, `x=2`…
fn next_value(player: &Player) -> String {
    format!("x={}", player.simulation().proposal_count() + 1)
}

impl Component for RaftWidget {
    type Message = Msg;
    type Properties = WidgetProps;

    fn create(ctx: &Context<Self>) -> Self {
        let props = ctx.props();
        let (player, error) = match sim::parse_scenario(&props.spec.scenario) {
            Ok(scenario) => (Some(Player::new(scenario)), None),
            Err(error) => (
                None,
                Some(format!(
                    "Le scénario {} est illisible : {error}",
                    props.spec.scenario_file
                )),
            ),
        };
        let mut widget = RaftWidget {
            playback: Playback::new(player, &props.spec, props.preview, ctx.link(), Msg::Frame),
            error,
            flights: BTreeMap::new(),
            ghosts: Vec::new(),
            nodes: Vec::new(),
            geometry: Geometry::new(&[], RaftWidget::svg_height(&props.spec)),
            geometry_key: Vec::new(),
            selected: None,
            help: false,
            last_external: None,
            root: NodeRef::default(),
            real: RealMode::new(&props.spec, props.preview),
        };
        widget.real.ask_availability(ctx.link());
        if let Some(external) = &props.external {
            widget.last_external = Some(external.clone());
            widget.playback.adopt(external);
            widget.real.adopt(ctx.link(), external);
        } else {
            widget.playback.follow_step(&props.spec, props.step, None);
        }
        widget.animate_from_trace();
        widget.refresh(&props.spec);
        widget
    }

    fn changed(&mut self, ctx: &Context<Self>, old_props: &Self::Properties) -> bool {
        let props = ctx.props();
        self.playback.preview = props.preview;
        if props.skips != old_props.skips {
            self.playback.skip_step();
        }
        if props.external != self.last_external {
            self.last_external = props.external.clone();
            if let Some(external) = &props.external {
                self.playback.adopt(external);
                self.real.adopt(ctx.link(), external);
            }
        } else if props.step != old_props.step && !self.real.on {
            self.playback
                .follow_step(&props.spec, props.step, Some(old_props.step));
        }
        self.animate_from_trace();
        self.refresh(&props.spec);
        self.keep_fading();
        true
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        // Real mode: the clicks go to the real cluster; the simulation's controls wait.
        if self.real.on {
            match msg {
                Msg::TogglePlay
                | Msg::Step
                | Msg::Jump
                | Msg::Reset
                | Msg::Seek(_)
                | Msg::SpeedLog(_)
                | Msg::SpeedBy(_)
                | Msg::Toggle(_)
                | Msg::AddMember(_) => return false,
                Msg::NodeAction(node, action) => return self.real_node_action(ctx, &node, action),
                Msg::Link(a, b) => return self.real_link(ctx, &a, &b),
                Msg::Propose => return self.real_propose(ctx),
                _ => {}
            }
        }
        let mut user_action = true;
        match msg {
            Msg::Frame(timestamp) => {
                user_action = false;
                if !self.playback.on_frame(timestamp) {
                    // Not playing, but overwritten entries are still fading out.
                    self.animate_from_trace();
                    self.keep_fading();
                    return true;
                }
            }
            Msg::TogglePlay => self.playback.toggle(),
            Msg::Step => self.playback.step(),
            Msg::Jump => self.playback.jump(),
            Msg::Reset => {
                self.selected = None;
                self.playback.reset();
            }
            Msg::Seek(target) => self.playback.seek(target),
            Msg::SpeedLog(value) => self.playback.set_speed_log(value),
            Msg::SpeedBy(factor) => self.playback.speed_by(factor),
            Msg::Select(node) => {
                user_action = false;
                self.selected = if self.selected == node { None } else { node };
                if self.selected.is_none() {
                    self.help = false;
                }
            }
            Msg::NodeAction(node, action) => {
                let spec = &ctx.props().spec;
                let control = if action == "propose_to" {
                    "propose"
                } else {
                    action
                };
                if !RaftWidget::allowed(spec, control) {
                    return false;
                }
                self.node_action(&node, action);
                self.selected = None;
            }
            Msg::AddMember(site) => {
                if !RaftWidget::allowed(&ctx.props().spec, "member_add") {
                    return false;
                }
                let Some(player) = &mut self.playback.player else {
                    return false;
                };
                let name = new_member_name(&self.nodes);
                player.input(UserInput::Act(Action::MemberAdd {
                    node: name,
                    site,
                    learner: false,
                    start: true,
                }));
            }
            Msg::Link(a, b) => {
                if !RaftWidget::allowed(&ctx.props().spec, "link") {
                    return false;
                }
                if let Some(player) = &mut self.playback.player {
                    let up = !player.simulation().sites_connected(&a, &b);
                    player.input(UserInput::Link {
                        first: a,
                        second: b,
                        up,
                    });
                }
            }
            Msg::Propose => {
                if !RaftWidget::allowed(&ctx.props().spec, "propose") {
                    return false;
                }
                if let Some(player) = &mut self.playback.player {
                    let value = next_value(player);
                    player.input(UserInput::Act(Action::Propose {
                        value,
                        node: NodeSelector::Leader,
                    }));
                }
            }
            Msg::Toggle(which) => {
                if let Some(player) = &mut self.playback.player {
                    let (pre_vote, check_quorum) = player.switches();
                    let state = player.state(false, 1.0);
                    let (mut new_pre, mut new_check) = (state.pre_vote, state.check_quorum);
                    match which {
                        "pre_vote" => new_pre = Some(!pre_vote),
                        _ => new_check = Some(!check_quorum),
                    }
                    player.set_switches(new_pre, new_check);
                }
            }
            Msg::Help => {
                user_action = false;
                self.help = !self.help;
            }
            Msg::Key(event) => {
                return self.key(ctx, &event);
            }
            Msg::Live(message) => return self.live_update(ctx, message),
        }
        if user_action {
            self.emit(ctx);
        }
        self.animate_from_trace();
        self.refresh(&ctx.props().spec);
        self.keep_fading();
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let props = ctx.props();
        let style = format!("height:{}px", props.spec.height);
        let Some(player) = &self.playback.player else {
            return html! {
                <div class="raft-widget raft-error" data-widget="raft" role="alert" style={style}>
                    { self.error.clone().unwrap_or_default() }
                </div>
            };
        };
        let now = player.now_ms();
        let violations = player.simulation().violations();
        let safe = violations.is_empty();
        let onkeydown = (!props.preview).then(|| ctx.link().callback(Msg::Key));
        let mut classes = classes!("raft-widget");
        if props.preview {
            classes.push("raft-preview");
        }
        if self.playback.reduced_motion() {
            classes.push("raft-reduced-motion");
        }
        let real = self.real.drawn();
        if self.real.on && real.is_none() {
            classes.push("raft-real-connecting");
        }
        let unavailable_ms =
            real.map_or_else(|| self.unavailable_ms(player), LiveState::leaderless_ms);
        let title = player
            .scenario()
            .title
            .clone()
            .unwrap_or_else(|| player.scenario().name.clone());
        html! {
            <div
                ref={self.root.clone()}
                class={classes}
                data-widget="raft"
                data-mode={if real.is_some() { "real" } else { "sim" }}
                data-live={self.real.status()}
                data-generation={real.map(|state| state.generation.to_string())}
                data-sim-ms={now.to_string()}
                data-playing={if self.playback.playing { "true" } else { "false" }}
                data-step-playing={self.playback.step_playing().then_some("true")}
                data-safety={if safe { "ok" } else { "violated" }}
                data-unavailable-ms={unavailable_ms.to_string()}
                tabindex={(!props.preview).then_some("0")}
                aria-label={if real.is_some() { format!("Cluster etcd réel : {title}") } else { format!("Simulation etcd : {title}") }}
                style={style}
                {onkeydown}
            >
                <div class="raft-stage">
                    { self.view_svg(ctx, player, safe, &violations) }
                    if self.real.on {
                        { self.view_real_node_menu(ctx) }
                    } else {
                        { self.view_node_menu(ctx) }
                    }
                    { self.view_real_overlay() }
                    if self.help { { view_help() } }
                </div>
                if let Some(state) = real {
                    { self.view_real_caption(state) }
                } else {
                    { self.view_caption(player) }
                }
                if !props.preview {
                    if self.real.on {
                        { self.view_real_controls(ctx) }
                    } else {
                        { self.view_controls(ctx, player) }
                    }
                }
            </div>
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        if let Some(root) = self.root.cast::<web_sys::Element>() {
            super::fit::fit_texts(&root);
            self.playback.announce(&root);
        }
    }
}

/// The first `n<k>` name no node has, for a member added by a click.
fn new_member_name(nodes: &[NodeView]) -> String {
    (nodes.len() + 1..)
        .map(|k| format!("n{k}"))
        .find(|name| nodes.iter().all(|node| &node.id != name))
        .unwrap_or_else(|| "n99".to_string())
}
