//! The `raft` widget: an etcd cluster over sites, drawn in SVG from a [`Player`], with
//! its controls, caption line, client timeline and safety badge.
//!
//! A struct component because it owns long-lived things: the player, the
//! requestAnimationFrame handle (only while playing), and the animation layer (messages
//! flying, overwritten log entries fading), which is display-only state derived from the
//! trace. Everything shareable goes through [`crate::WidgetState`]; everything the audience
//! reads is French; DOM hooks follow DESIGN.md.

use std::collections::BTreeMap;

use deck::WidgetSpec;
use sim::trace::TraceKind;
use sim::view::{EntryKind, NodeView};
use sim::{Action, MessageKind, NodeSelector, Outcome, Role};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

use crate::mount::WidgetProps;

use super::layout::{
    first_fitting, Geometry, SiteBox, ENTRY_HEIGHT, ENTRY_PITCH, ENTRY_WIDTH,
    MAX_FLIGHT_STRETCH_MS, MIN_FLIGHT_REAL_MS, TERM_COLOURS, VIEW_WIDTH,
};
use super::narration::role_text;
use super::playback::{Playback, TransportMessages};
use super::player::{Player, Unavailable};
use super::state::UserInput;

mod real;

use super::live::LiveState;
use real::{LiveMsg, RealMode};

/// Height taken by the controls and the caption line under the SVG (canvas pixels).
const CHROME_HEIGHT: f64 = 96.0;
/// Controls a slide must list explicitly (see `RaftWidget::allowed`).
const MEMBERSHIP_CONTROLS: [&str; 2] = ["member_add", "member_remove"];
/// How long an overwritten log entry takes to fade (real ms).
const GHOST_REAL_MS: f64 = 1500.0;
/// Where the client panel's write rows start, and how tall each is (SVG units).
const PANEL_ROWS_TOP: f64 = 122.0;
const PANEL_ROW_HEIGHT: f64 = 26.0;

/// How many write rows fit between the client box and the timeline of a panel `height`
/// high.
fn panel_rows(height: f64) -> usize {
    let timeline_top = height - 70.0;
    (((timeline_top - PANEL_ROWS_TOP - 8.0) / PANEL_ROW_HEIGHT)
        .floor()
        .max(1.0)) as usize
}

/// The client panel's badge: does the cluster take writes now?
struct PanelBadge {
    /// `raft-safety-ok` or `raft-safety-bad`.
    class: &'static str,
    /// What it says.
    text: String,
    /// `data-writable`.
    writable: bool,
    /// Its tooltip.
    title: &'static str,
}

/// What a link between two sites shows: from the simulation, or from the real cluster,
/// whose proxies also count its traffic.
struct LinkLook {
    /// Whether the sites can talk.
    up: bool,
    /// One-way latency (ms).
    latency_ms: u64,
    /// Bytes per second each way (`a → b`, `b → a`), real mode only.
    traffic: Option<(u64, u64)>,
}

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

fn term_colour(term: u64) -> &'static str {
    TERM_COLOURS[(term as usize) % TERM_COLOURS.len()]
}

fn message_class(kind: MessageKind, reject: bool) -> &'static str {
    match kind {
        _ if reject => "msg msg-reject",
        MessageKind::PreVote => "msg msg-prevote",
        MessageKind::Vote => "msg msg-vote",
        MessageKind::PreVoteResp | MessageKind::VoteResp => "msg msg-vote-resp",
        MessageKind::Append => "msg msg-append",
        MessageKind::Heartbeat => "msg msg-heartbeat",
        MessageKind::AppendResp | MessageKind::HeartbeatResp => "msg msg-resp",
        MessageKind::TimeoutNow => "msg msg-timeout-now",
        MessageKind::Propose => "msg msg-propose",
    }
}

fn message_label(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::PreVote => "demande de pré-vote",
        MessageKind::PreVoteResp => "réponse de pré-vote",
        MessageKind::Vote => "demande de vote",
        MessageKind::VoteResp => "réponse de vote",
        MessageKind::Append => "ajout d'entrées",
        MessageKind::AppendResp => "réponse à l'ajout",
        MessageKind::Heartbeat => "heartbeat",
        MessageKind::HeartbeatResp => "réponse au heartbeat",
        MessageKind::TimeoutNow => "« élis-toi maintenant »",
        MessageKind::Propose => "écriture relayée",
    }
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

/// A failure reason short enough for the client panel (the caption has the long one).
fn short_reason(reason: &str) -> &'static str {
    match reason {
        "lost" => "perdue",
        "timeout" => "délai",
        "connection_lost" => "coupure",
        "no_leader" => "pas de leader",
        "not_leader" => "plus leader",
        "node_down" => "nœud en panne",
        "transferring" => "transfert",
        _ => "échec",
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

impl RaftWidget {
    fn view_svg(
        &self,
        ctx: &Context<Self>,
        player: &Player,
        safe: bool,
        violations: &[sim::Violation],
    ) -> Html {
        let geometry = &self.geometry;
        // The real cluster's frame, when that is what the widget draws.
        let real = self.real.drawn();
        let view_box = format!("0 0 {VIEW_WIDTH} {:.0}", geometry.height);
        let can_add_member = !ctx.props().preview
            && real.is_none()
            && RaftWidget::allowed(&ctx.props().spec, "member_add");
        html! {
            <svg class="raft-svg" viewBox={view_box} preserveAspectRatio="xMidYMid meet"
                 role="img" aria-label="Sites, nœuds et journaux du cluster">
                <g class="raft-sites">
                    { for geometry.sites.iter().map(|site| {
                        // A site without members (3/0) says so, or its empty box looks broken.
                        let empty = !geometry
                            .nodes
                            .iter()
                            .any(|spot| spot.cx > site.x && spot.cx < site.x + site.width);
                        // A site whose every member is down looks failed.
                        let down = !empty
                            && self
                                .nodes
                                .iter()
                                .filter(|node| node.site == site.name)
                                .all(|node| node.role == Role::Down);
                        html! {
                        <g key={site.name.clone()} class={classes!("raft-site", down.then_some("raft-site-down"))}
                           data-site={site.name.clone()} data-state={if down { "down" } else { "up" }}>
                            <rect x={format!("{:.1}", site.x)} y={format!("{:.1}", site.y)} data-box=""
                                  width={format!("{:.1}", site.width)} height={format!("{:.1}", site.height)} rx="12" />
                            <text class="raft-site-name" x={format!("{:.1}", site.x + 14.0)} y={format!("{:.1}", site.y + 24.0)}>
                                { format!("Site {}", site.name) }
                            </text>
                            if down && !can_add_member {
                                <text class="raft-site-down-mark" x={format!("{:.1}", site.x + site.width - 14.0)} y={format!("{:.1}", site.y + 24.0)}>
                                    { "✕ en panne" }
                                </text>
                            }
                            if empty {
                                <text class="raft-site-empty" x={format!("{:.1}", site.x + site.width / 2.0)}
                                      y={format!("{:.1}", site.y + site.height / 2.0)}>
                                    { "aucun membre etcd ici" }
                                </text>
                            }
                            if can_add_member {
                                { self.view_add_member(ctx, site) }
                            }
                        </g>
                        }
                    }) }
                </g>
                { match real {
                    Some(state) => self.view_links(ctx, &|a, b| real::link_look(state, player, a, b)),
                    None => self.view_links(ctx, &|a, b| LinkLook {
                        up: player.simulation().sites_connected(a, b),
                        latency_ms: player.simulation().site_latency_ms(a, b).unwrap_or(0),
                        traffic: None,
                    }),
                } }
                <g class="raft-nodes">
                    { for self.nodes.iter().map(|node| self.view_node(ctx, node)) }
                </g>
                if let Some(state) = real {
                    { self.view_real_panel(ctx, state) }
                } else {
                    { self.view_ghosts() }
                    if !self.playback.reduced_motion() { { self.view_flights(player) } }
                    { self.view_panel(ctx, player, safe, violations) }
                }
            </svg>
        }
    }

    /// The « + membre » button in a site's title band.
    fn view_add_member(&self, ctx: &Context<Self>, site: &SiteBox) -> Html {
        let name = site.name.clone();
        let onclick = ctx.link().callback(move |_| Msg::AddMember(name.clone()));
        let (x, y) = (site.x + site.width - 104.0, site.y + 6.0);
        html! {
            <g class="raft-add-member" data-action="member_add" data-site={site.name.clone()}
               role="button" aria-label={format!("Ajouter un membre sur le site {}", site.name)} {onclick}>
                <rect x={format!("{x:.1}")} y={format!("{y:.1}")} width="96" height="24" rx="6" />
                <text x={format!("{:.1}", x + 48.0)} y={format!("{:.1}", y + 17.0)}>{ "+ membre" }</text>
            </g>
        }
    }

    /// The links between sites, as `look` says each one is (the simulation's or the real
    /// cluster's). Clicking one cuts or restores it.
    fn view_links(&self, ctx: &Context<Self>, look: &dyn Fn(&str, &str) -> LinkLook) -> Html {
        html! {
            <g class="raft-links">
                { for self.geometry.links.iter().map(|link| {
                    let LinkLook { up, latency_ms: latency, traffic } = look(&link.first, &link.second);
                    let name = format!("{}-{}", link.first, link.second);
                    let onclick = (!ctx.props().preview).then(|| {
                        let (a, b) = (link.first.clone(), link.second.clone());
                        ctx.link().callback(move |_| Msg::Link(a.clone(), b.clone()))
                    });
                    let (lx, ly) = link.label;
                    let carried = traffic.map(|(there, back)| {
                        format!(", {} de {} vers {}, {} retour", super::live::traffic_text(there), link.first, link.second,
                            super::live::traffic_text(back))
                    }).unwrap_or_default();
                    let title = if up {
                        format!("Lien {}–{} : {latency} ms{carried} — cliquer pour le couper", link.first, link.second)
                    } else {
                        format!("Lien {}–{} coupé — cliquer pour le rétablir", link.first, link.second)
                    };
                    // Real mode: the line widens with the bytes crossing it.
                    let stroke = traffic.map(|(there, back)| {
                        format!("stroke-width:{:.1}", super::live::traffic_stroke(there.saturating_add(back)))
                    });
                    html! {
                        <g key={name.clone()} class={classes!("raft-link", (!up).then_some("raft-link-down"))}
                           data-link={name} data-state={if up { "up" } else { "down" }}
                           data-bytes-per-s={traffic.map(|(there, back)| there.saturating_add(back).to_string())}
                           role="button" {onclick}>
                            <title>{ title }</title>
                            <path class="raft-link-hit" d={link.path.clone()} />
                            if up {
                                <path class="raft-link-line" d={link.path.clone()} style={stroke} />
                                <text class="raft-link-label" x={format!("{lx:.1}")} y={format!("{:.1}", ly - 8.0)}>{ format!("{latency} ms") }</text>
                                if let Some((there, back)) = traffic {
                                    { real::view_traffic(link, there.saturating_add(back)) }
                                }
                            } else {
                                <path class="raft-link-line" d={link.broken.0.clone()} />
                                <path class="raft-link-line" d={link.broken.1.clone()} />
                                <circle class="raft-link-cut-mark" cx={format!("{lx:.1}")} cy={format!("{ly:.1}")} r="14" />
                                <text class="raft-link-cut" x={format!("{lx:.1}")} y={format!("{:.1}", ly + 8.0)}>{ "✕" }</text>
                                if link.arc {
                                    <text class="raft-link-label raft-link-label-down raft-link-label-side" x={format!("{:.1}", lx + 20.0)} y={format!("{:.1}", ly - 8.0)}>{ "coupé" }</text>
                                } else {
                                    <text class="raft-link-label raft-link-label-down" x={format!("{lx:.1}")} y={format!("{:.1}", ly + 34.0)}>{ "coupé" }</text>
                                }
                            }
                        </g>
                    }
                }) }
            </g>
        }
    }

    fn view_node(&self, ctx: &Context<Self>, node: &NodeView) -> Html {
        let Some(spot) = self.geometry.node(&node.id) else {
            return Html::default();
        };
        let (cx, cy, r) = (spot.cx, spot.cy, spot.radius);
        let role = node.role;
        // Real mode: the member as the real cluster reports it.
        let live = self.real.member(&node.id);
        let selected = self.selected.as_deref() == Some(node.id.as_str());
        let onclick = (!ctx.props().preview).then(|| {
            let name = node.id.clone();
            ctx.link()
                .callback(move |_| Msg::Select(Some(name.clone())))
        });
        // The election timer as an arc that fills up (followers and candidates).
        let timer = match (node.election_started_ms, node.election_deadline_ms, role) {
            (
                Some(start),
                Some(deadline),
                Role::Follower | Role::Candidate | Role::PreCandidate,
            ) if deadline > start => {
                let clock = if self.playback.playing {
                    self.playback.clock_ms
                } else {
                    self.playback
                        .player
                        .as_ref()
                        .map_or(0.0, |p| p.now_ms() as f64)
                };
                let fraction = ((clock - start as f64) / (deadline - start) as f64).clamp(0.0, 1.0);
                // Quantized so a frame that moves it by less than a pixel changes nothing.
                Some((fraction * 200.0).round() / 2.0)
            }
            _ => None,
        };
        let shape_class = classes!("raft-node-shape", format!("role-{}", role.as_str()));
        let mut line = format!("{} · terme {}", role_text(role), node.term);
        let mut candidates = Vec::new();
        // The real cluster's logs do not say the votes: no count rather than a wrong one.
        if matches!(role, Role::Candidate | Role::PreCandidate) && !node.votes.is_empty() {
            line.push_str(&format!(
                " · votes {}/{}",
                node.votes.len(),
                node.voters.len().max(1)
            ));
            candidates.push(line.clone());
        }
        // The longest role line that fits the site: with the votes, with the term, the
        // term as « t. 2 », the role alone (the tooltip always has it all).
        candidates.push(format!("{} · terme {}", role_text(role), node.term));
        candidates.push(format!("{} · t. {}", role_text(role), node.term));
        candidates.push(role_text(role).to_string());
        let role_size = if spot.compact { 15.0 } else { 17.0 };
        let shown = first_fitting(&candidates, spot.text_room, role_size, true).to_string();
        let circle = |class: Classes, radius: f64| {
            html! {
                <circle class={class} cx={format!("{cx:.1}")} cy={format!("{cy:.1}")} r={format!("{radius:.1}")} />
            }
        };
        html! {
            <g key={node.id.clone()} class={classes!("raft-node", selected.then_some("raft-node-selected"))}
               data-node={node.id.clone()} data-role={role.as_str()} data-term={node.term.to_string()}
               data-site={node.site.clone()}
               data-failed={live.filter(|member| member.failed).map(|_| "true")}
               role="button" aria-label={format!("{} : {line}", node.id)} {onclick}>
                <title>{ match live {
                    Some(member) => real::node_title(member, &line),
                    None => format!("{} — {line} — index validé {}", node.id, node.commit_index),
                } }</title>
                <rect class="raft-node-hit" x={format!("{:.1}", spot.row.0)} y={format!("{:.1}", spot.row.1)}
                      width={format!("{:.1}", spot.row.2)} height={format!("{:.1}", spot.row.3)} rx="8" />
                if let Some(percent) = timer {
                    <circle class="raft-timer-track" cx={format!("{cx:.1}")} cy={format!("{cy:.1}")} r={format!("{:.1}", r + 6.0)} />
                    <circle class="raft-timer" cx={format!("{cx:.1}")} cy={format!("{cy:.1}")} r={format!("{:.1}", r + 6.0)}
                        pathLength="100" stroke-dasharray={format!("{percent:.1} 100")}
                        transform={format!("rotate(-90 {cx:.1} {cy:.1})")} />
                }
                if role == Role::Leader {
                    { circle(classes!("raft-leader-ring"), r + 6.0) }
                }
                if role == Role::Learner {
                    <rect class={shape_class.clone()} x={format!("{:.1}", cx - r)} y={format!("{:.1}", cy - r)}
                          width={format!("{:.1}", 2.0 * r)} height={format!("{:.1}", 2.0 * r)} rx="6" />
                } else {
                    { circle(shape_class, r) }
                }
                if role == Role::Down {
                    <path class="raft-down-cross" d={format!("M{:.1} {:.1} L{:.1} {:.1} M{:.1} {:.1} L{:.1} {:.1}",
                        cx - r * 0.55, cy - r * 0.55, cx + r * 0.55, cy + r * 0.55,
                        cx + r * 0.55, cy - r * 0.55, cx - r * 0.55, cy + r * 0.55)} />
                }
                <text class="raft-node-name" x={format!("{cx:.1}")} y={format!("{:.1}", cy + 6.0)}>{ node.id.clone() }</text>
                if role == Role::Leader {
                    <text class="raft-leader-mark" x={format!("{cx:.1}")} y={format!("{:.1}", cy - r - 10.0)}>{ "★" }</text>
                }
                <text class={classes!("raft-role-line", spot.compact.then_some("raft-role-line-compact"), format!("role-text-{}", role.as_str()))}
                      x={format!("{:.1}", spot.text_x)} y={format!("{:.1}", cy - 8.0)}
                      data-fit={format!("{:.1}", spot.text_room)}>{ shown }</text>
                if let Some(member) = live {
                    { real::view_indexes(member, spot) }
                } else {
                    { self.view_log(node, spot.text_x, cy, spot.log_slots) }
                }
            </g>
        }
    }

    fn view_log(&self, node: &NodeView, x: f64, cy: f64, slots: usize) -> Html {
        let y = cy + 1.0;
        let length = node.log.len();
        let (start, offset) = if length > slots {
            (length - (slots - 1).max(1), 1usize)
        } else {
            (0, 0)
        };
        let position = |index_in_view: usize| x + (index_in_view + offset) as f64 * ENTRY_PITCH;
        let committed_visible = node
            .log
            .iter()
            .skip(start)
            .filter(|entry| entry.index <= node.commit_index)
            .count();
        html! {
            <g class="raft-log">
                if offset > 0 {
                    <text class="raft-log-more" x={format!("{:.1}", x + 8.0)} y={format!("{:.1}", y + 17.0)}>{ "…" }</text>
                }
                { for node.log.iter().skip(start).enumerate().map(|(i, entry)| {
                    let committed = entry.index <= node.commit_index;
                    let colour = term_colour(entry.term);
                    let bx = position(i);
                    let style = if committed {
                        format!("fill:{colour};stroke:{colour}")
                    } else {
                        format!("fill:#fff;stroke:{colour}")
                    };
                    let label = match entry.kind {
                        EntryKind::Noop => "∅".to_string(),
                        EntryKind::Conf => "⚙".to_string(),
                        EntryKind::Snapshot => "▣".to_string(),
                        EntryKind::Value => entry.term.to_string(),
                    };
                    let what = match (entry.kind, &entry.value) {
                        (EntryKind::Snapshot, Some(values)) if values.is_empty() => "sauvegarde restaurée (vide)".to_string(),
                        (EntryKind::Snapshot, Some(values)) => format!("sauvegarde restaurée : {values}"),
                        (_, Some(value)) => value.clone(),
                        (_, None) => "entrée vide du nouveau leader".to_string(),
                    };
                    html! {
                        <g key={format!("{}-{}", entry.index, entry.term)}
                           class={classes!("raft-entry", if committed { "raft-entry-committed" } else { "raft-entry-pending" })}
                           data-index={entry.index.to_string()} data-entry-term={entry.term.to_string()}>
                            <title>{ format!("index {} · terme {} · {what} · {}", entry.index, entry.term,
                                if committed { "validée" } else { "non validée" }) }</title>
                            <rect x={format!("{bx:.1}")} y={format!("{y:.1}")} width={ENTRY_WIDTH.to_string()}
                                  height={ENTRY_HEIGHT.to_string()} rx="4" style={style} data-box="" />
                            <text x={format!("{:.1}", bx + ENTRY_WIDTH / 2.0)} y={format!("{:.1}", y + 17.0)}
                                  style={if committed { "fill:#fff".to_string() } else { format!("fill:{colour}") }}>{ label }</text>
                        </g>
                    }
                }) }
                if committed_visible > 0 {
                    <path class="raft-commit-bar"
                        d={format!("M{:.1} {:.1} H{:.1}", position(0), y + ENTRY_HEIGHT + 5.0,
                            position(committed_visible - 1) + ENTRY_WIDTH)} />
                    <path class="raft-commit-mark"
                        d={{
                            let tip = position(committed_visible - 1) + ENTRY_WIDTH / 2.0;
                            let base = y + ENTRY_HEIGHT + 5.0;
                            format!("M{:.1} {:.1} l-6 8 h12 z", tip, base)
                        }} />
                }
            </g>
        }
    }

    fn view_ghosts(&self) -> Html {
        let real_now = real_now_ms();
        html! {
            <g class="raft-ghosts">
                { for self.ghosts.iter().filter_map(|ghost| {
                    let spot = self.geometry.node(&ghost.node)?;
                    let age = ((real_now - ghost.born_real_ms) / GHOST_REAL_MS).clamp(0.0, 1.0);
                    let length = self.nodes.iter().find(|n| n.id == ghost.node).map_or(0, |n| n.log.len());
                    let slots = spot.log_slots;
                    let first_shown = if length > slots { length - (slots - 1).max(1) } else { 0 } as u64;
                    let offset = if length > slots { 1.0 } else { 0.0 };
                    let column = ghost.index.saturating_sub(1).saturating_sub(first_shown) as f64;
                    let bx = spot.text_x + (column + offset) * ENTRY_PITCH;
                    // In place, over whatever replaced it, sinking as it fades.
                    let by = spot.cy + 1.0 + 10.0 * age;
                    let colour = term_colour(ghost.term);
                    Some(html! {
                        <g key={format!("{}-{}-{}", ghost.node, ghost.index, ghost.term)} class="raft-ghost"
                           style={format!("opacity:{:.2}", 1.0 - age)}>
                            <rect x={format!("{bx:.1}")} y={format!("{by:.1}")} width={ENTRY_WIDTH.to_string()}
                                  height={ENTRY_HEIGHT.to_string()} rx="4" style={format!("stroke:{colour}")} />
                            <path d={format!("M{:.1} {:.1} l{ENTRY_WIDTH} {ENTRY_HEIGHT} M{:.1} {:.1} l{ENTRY_WIDTH} -{ENTRY_HEIGHT}",
                                bx, by, bx, by + ENTRY_HEIGHT)} />
                        </g>
                    })
                }) }
            </g>
        }
    }

    fn view_flights(&self, player: &Player) -> Html {
        let clock = if self.playback.playing {
            self.playback.clock_ms
        } else {
            player.now_ms() as f64
        };
        html! {
            <g class="raft-messages" aria-hidden="true">
                { for self.flights.iter().filter_map(|(id, flight)| {
                    let from = self.geometry.node(&flight.from)?;
                    let to = self.geometry.node(&flight.to)?;
                    let duration = (flight.arrive_ms - flight.sent_ms).max(1.0);
                    let progress = ((clock - flight.sent_ms) / duration).clamp(0.0, 1.0);
                    // From edge to edge, so a message never hides a node's name.
                    let (dx, dy) = (to.cx - from.cx, to.cy - from.cy);
                    let length = (dx * dx + dy * dy).sqrt().max(1.0);
                    let (ux, uy) = (dx / length, dy / length);
                    let (x0, y0) = (from.cx + ux * (from.radius + 4.0), from.cy + uy * (from.radius + 4.0));
                    let (x1, y1) = (to.cx - ux * (to.radius + 4.0), to.cy - uy * (to.radius + 4.0));
                    let x = x0 + (x1 - x0) * progress;
                    let y = y0 + (y1 - y0) * progress;
                    let opacity = if flight.dropped && clock > flight.arrive_ms {
                        (1.0 - (clock - flight.arrive_ms) / duration.max(40.0)).clamp(0.0, 1.0)
                    } else if flight.dropped {
                        0.85
                    } else {
                        1.0
                    };
                    let class = classes!(message_class(flight.kind, flight.reject), flight.dropped.then_some("msg-dropped"));
                    let shape = match flight.kind {
                        MessageKind::Append => html! {
                            <rect x={format!("{:.1}", x - 7.0)} y={format!("{:.1}", y - 7.0)} width="14" height="14" rx="2" />
                        },
                        MessageKind::PreVote | MessageKind::Vote | MessageKind::TimeoutNow => html! {
                            <path d={format!("M{x:.1} {:.1} l8 8 l-8 8 l-8 -8 z", y - 8.0)} />
                        },
                        MessageKind::Heartbeat => html! {
                            <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="5" />
                        },
                        _ => html! {
                            <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="6" />
                        },
                    };
                    Some(html! {
                        <g key={id.to_string()} class={class} style={format!("opacity:{opacity:.2}")}
                           data-message={message_label(flight.kind)}>
                            { shape }
                            if flight.dropped && clock >= flight.arrive_ms {
                                <text class="msg-drop-mark" x={format!("{x:.1}")} y={format!("{:.1}", y - 10.0)}>{ "✕" }</text>
                            }
                        </g>
                    })
                }) }
            </g>
        }
    }

    fn view_panel(
        &self,
        ctx: &Context<Self>,
        player: &Player,
        safe: bool,
        violations: &[sim::Violation],
    ) -> Html {
        let x = self.geometry.panel_x;
        let width = VIEW_WIDTH - x;
        let height = self.geometry.height;
        let simulation = player.simulation();
        let proposals = simulation.proposals();
        let now = player.now_ms();
        let can_propose = RaftWidget::allowed(&ctx.props().spec, "propose");
        // The badge says whether the cluster takes writes now: a lone « safety: OK »
        // read as « all is well » while the whole cluster was down. Safety (Raft's
        // invariants, checked after every event) shows only when broken.
        let writable = simulation.writable();
        let (badge_class, badge) = if !safe {
            (
                "raft-safety-bad",
                format!(
                    "⚠ Sûreté violée : {}",
                    violations.first().map_or("", |v| v.rule)
                ),
            )
        } else if writable {
            ("raft-safety-ok", "✔ Écritures acceptées".to_string())
        } else {
            ("raft-safety-bad", "✘ Écritures refusées".to_string())
        };
        let (rows_top, row_height, timeline_top) =
            (PANEL_ROWS_TOP, PANEL_ROW_HEIGHT, height - 70.0);
        let first = proposals.len().saturating_sub(panel_rows(height));
        let end_ms = player.frontier_ms().max(player.end_ms()).max(1);
        let scale = |ms: u64| x + 12.0 + (width - 24.0) * (ms.min(end_ms) as f64 / end_ms as f64);
        let unavailable_ms = self.unavailable_ms(player);
        html! {
            <g class="raft-panel">
                { self.view_panel_head(ctx, PanelBadge {
                    class: badge_class,
                    text: badge,
                    writable,
                    title: "Le cluster accepte-t-il les écritures maintenant ? La sûreté de Raft (un seul leader par terme, journaux cohérents, rien de validé perdu) est vérifiée après chaque événement ; une violation s'afficherait ici.",
                }, can_propose, !ctx.props().preview && can_propose) }
                { for proposals.iter().enumerate().skip(first).map(|(k, proposal)| {
                    let y = rows_top + (k - first) as f64 * row_height;
                    let reason = short_reason(proposal.reason.as_deref().unwrap_or(""));
                    // (data-outcome, style class, label): an unknown outcome is drawn like
                    // a pending one (it may still commit); a write lost by a restore from
                    // an older backup like the other widgets' lost writes.
                    let (outcome, style, label) = match proposal.outcome {
                        _ if proposal.lost_at_ms.is_some_and(|at| at <= now) => ("lost", "lost", "✘ perdue !".to_string()),
                        Outcome::Committed => ("committed", "committed", "✔ acquittée".to_string()),
                        Outcome::Failed => ("failed", "failed", format!("✘ {reason}")),
                        Outcome::Unknown => ("unknown", "pending", format!("? inconnue ({reason})")),
                        Outcome::Pending => ("pending", "pending", "… en attente".to_string()),
                    };
                    let tooltip = match outcome {
                        "unknown" => "Issue inconnue : le client n'a pas eu de réponse, l'écriture peut encore être validée",
                        "lost" => "Acquittée, puis perdue : la restauration repart d'une sauvegarde plus ancienne",
                        _ => "",
                    };
                    html! {
                        <g key={k.to_string()} class={classes!("raft-write", format!("raft-write-{style}"), format!("raft-write-{outcome}"))}
                           data-write={k.to_string()} data-outcome={outcome}>
                            if !tooltip.is_empty() {
                                <title>{ tooltip }</title>
                            }
                            <text class="raft-write-value" x={format!("{:.1}", x + 16.0)} y={format!("{:.1}", y + 16.0)}>{ proposal.value.clone() }</text>
                            <text class="raft-write-outcome" x={format!("{:.1}", x + width - 14.0)} y={format!("{:.1}", y + 16.0)}>{ label }</text>
                        </g>
                    }
                }) }
                <g class="raft-timeline">
                    { self.view_timeline_axis(&format!("Écritures impossibles : {}", seconds(unavailable_ms)), player.unavailable(), now, &scale) }
                    { for proposals.iter().map(|proposal| {
                        let px = scale(proposal.at_ms);
                        let class = match proposal.outcome {
                            _ if proposal.lost_at_ms.is_some_and(|at| at <= now) => "raft-tick raft-tick-failed raft-tick-lost",
                            Outcome::Committed => "raft-tick raft-tick-committed",
                            Outcome::Failed => "raft-tick raft-tick-failed",
                            Outcome::Unknown => "raft-tick raft-tick-pending raft-tick-unknown",
                            Outcome::Pending => "raft-tick raft-tick-pending",
                        };
                        html! { <path class={class} d={format!("M{px:.1} {:.1} v24", timeline_top + 16.0)} /> }
                    }) }
                    { self.view_timeline_ends(scale(now), end_ms) }
                </g>
            </g>
        }
    }

    /// The top of the client panel, the same in both modes: its box, the badge (does the
    /// cluster take writes?) and the client's « écrire » button (`clickable`: it sends a
    /// write; `enabled`: it is not drawn faded).
    fn view_panel_head(
        &self,
        ctx: &Context<Self>,
        badge: PanelBadge,
        enabled: bool,
        clickable: bool,
    ) -> Html {
        let x = self.geometry.panel_x;
        let width = VIEW_WIDTH - x;
        let height = self.geometry.height;
        let onclick = clickable.then(|| ctx.link().callback(|_| Msg::Propose));
        html! {
            <>
                <rect class="raft-panel-box" x={format!("{x:.1}")} y="6" width={format!("{width:.1}")} data-box=""
                      height={format!("{:.1}", height - 12.0)} rx="12" />
                <g class={classes!("raft-safety", badge.class)} data-safety-badge="" data-writable={badge.writable.to_string()}>
                    <rect x={format!("{:.1}", x + 12.0)} y="16" width={format!("{:.1}", width - 24.0)} height="32" rx="16" data-box="" />
                    <text x={format!("{:.1}", x + width / 2.0)} y="38" data-fit={format!("{:.1}", width - 40.0)}>{ badge.text }</text>
                    <title>{ badge.title }</title>
                </g>
                <g class={classes!("raft-client", (!enabled).then_some("raft-client-disabled"))}
                   data-action="propose" role="button" {onclick}>
                    <title>{ "Cliquer : le client envoie une écriture au leader (touche W)" }</title>
                    <rect x={format!("{:.1}", x + 12.0)} y="58" width={format!("{:.1}", width - 24.0)} height="48" rx="10" data-box="" />
                    <text x={format!("{:.1}", x + width / 2.0)} y="89" data-fit={format!("{:.1}", width - 44.0)}>{ "✎ Client : écrire" }</text>
                </g>
            </>
        }
    }

    /// The timeline's title and axis, with the spans when writes could not commit (the
    /// first one, from 0, is the cluster starting: drawn apart).
    fn view_timeline_axis(
        &self,
        title: &str,
        windows: &[Unavailable],
        now: u64,
        scale: &dyn Fn(u64) -> f64,
    ) -> Html {
        let x = self.geometry.panel_x;
        let width = VIEW_WIDTH - x;
        let timeline_top = self.geometry.height - 70.0;
        html! {
            <>
                <text class="raft-timeline-title" x={format!("{:.1}", x + 12.0)} y={format!("{:.1}", timeline_top + 8.0)}
                      data-fit={format!("{:.1}", width - 24.0)}>
                    { title }
                </text>
                <rect class="raft-timeline-axis" x={format!("{:.1}", x + 12.0)} y={format!("{:.1}", timeline_top + 20.0)}
                      width={format!("{:.1}", width - 24.0)} height="16" rx="3" />
                { for windows.iter().map(|window| {
                    let from = scale(window.from_ms);
                    let to = scale(window.to_ms.unwrap_or(now));
                    let class = if window.from_ms == 0 { "raft-timeline-startup" } else { "raft-timeline-down" };
                    html! {
                        <rect class={class} x={format!("{from:.1}")} y={format!("{:.1}", timeline_top + 20.0)}
                              width={format!("{:.1}", (to - from).max(1.5))} height="16" />
                    }
                }) }
            </>
        }
    }

    /// The timeline's « now » mark and its ends (0 s and `end_ms`).
    fn view_timeline_ends(&self, now_x: f64, end_ms: u64) -> Html {
        let x = self.geometry.panel_x;
        let width = VIEW_WIDTH - x;
        let timeline_top = self.geometry.height - 70.0;
        html! {
            <>
                <path class="raft-timeline-now" d={format!("M{now_x:.1} {:.1} v28", timeline_top + 14.0)} />
                <text class="raft-timeline-end" x={format!("{:.1}", x + width - 12.0)} y={format!("{:.1}", timeline_top + 56.0)}>
                    { seconds(end_ms) }
                </text>
                <text class="raft-timeline-start" x={format!("{:.1}", x + 12.0)} y={format!("{:.1}", timeline_top + 56.0)}>{ "0 s" }</text>
            </>
        }
    }

    /// How long writes were refused so far. The first election (from time 0) is the
    /// cluster starting, not an outage: it is drawn apart and not counted.
    fn unavailable_ms(&self, player: &Player) -> u64 {
        let now = player.now_ms();
        player
            .unavailable()
            .iter()
            .filter(|window| window.from_ms > 0)
            .map(|window| window.to_ms.unwrap_or(now).saturating_sub(window.from_ms))
            .sum()
    }

    fn view_node_menu(&self, ctx: &Context<Self>) -> Html {
        if ctx.props().preview {
            return Html::default();
        }
        let Some(name) = &self.selected else {
            return Html::default();
        };
        let Some(node) = self.nodes.iter().find(|node| &node.id == name) else {
            return Html::default();
        };
        let spec = &ctx.props().spec;
        let down = node.role == Role::Down;
        let actions: [(&'static str, &'static str, &str, bool); 7] = [
            ("crash", "crash", "Panne", !down),
            ("restart", "restart", "Redémarrer", down && !node.removed),
            ("isolate", "isolate", "Isoler", !down),
            (
                "transfer_leader",
                "transfer_leader",
                "Devenir leader",
                !down && node.role != Role::Leader,
            ),
            ("propose_to", "propose", "Écrire ici", true),
            (
                "member_remove",
                "member_remove",
                "Retirer du cluster",
                !node.removed,
            ),
            ("member_add", "member_add", "Réintégrer", node.removed),
        ];
        let close = ctx.link().callback(|_| Msg::Select(None));
        html! {
            <div class="raft-node-menu" role="group" aria-label={format!("Actions sur {name}")}>
                <span class="raft-node-menu-title">{ format!("{name} · {} · terme {}", role_text(node.role), node.term) }</span>
                { for actions.iter().filter(|(_, control, _, _)| RaftWidget::allowed(spec, control)).map(|(action, _, label, enabled)| {
                    let action: &'static str = action;
                    let node_name = name.clone();
                    let onclick = ctx.link().callback(move |_| Msg::NodeAction(node_name.clone(), action));
                    html! {
                        <button type="button" data-action={action} disabled={!enabled} {onclick}>{ *label }</button>
                    }
                }) }
                <button type="button" class="raft-node-menu-close" aria-label="Fermer" onclick={close}>{ "✕" }</button>
            </div>
        }
    }

    fn view_caption(&self, player: &Player) -> Html {
        let (text, at) = match player.caption() {
            Some(caption) => (caption.text.clone(), Some(caption.at_ms)),
            // Before anything happened: what the simulation shows (the audience has no
            // play button to press, the presenter drives).
            None => (
                player
                    .scenario()
                    .title
                    .clone()
                    .unwrap_or_else(|| "Simulation etcd".to_string()),
                None,
            ),
        };
        html! {
            <div class="raft-caption" role="status" aria-live="polite">
                if let Some(at) = at {
                    <span class="raft-caption-time">{ seconds(at) }</span>
                }
                <span class="raft-caption-text">{ text }</span>
            </div>
        }
    }

    fn view_controls(&self, ctx: &Context<Self>, player: &Player) -> Html {
        let link = ctx.link();
        let spec = &ctx.props().spec;
        let now = player.now_ms();
        let frontier = player.frontier_ms().max(now);
        let (pre_vote, check_quorum) = player.switches();
        let seek = link.callback(|event: InputEvent| {
            let value = event
                .target_dyn_into::<HtmlInputElement>()
                .and_then(|input| input.value().parse::<u64>().ok())
                .unwrap_or(0);
            Msg::Seek(value)
        });
        let toggle = |which: &'static str, label: &'static str, on: bool| {
            let onclick = link.callback(move |_| Msg::Toggle(which));
            html! {
                <button type="button" class={classes!("raft-toggle", on.then_some("raft-toggle-on"))}
                        data-toggle={which} aria-pressed={if on { "true" } else { "false" }} {onclick}>
                    { format!("{label} {}", if on { "activé" } else { "désactivé" }) }
                </button>
            }
        };
        html! {
            <div class="raft-controls" role="toolbar" aria-label="Contrôles de la simulation">
                { self.view_mode_switch(ctx) }
                { self.playback.transport(TransportMessages {
                    toggle: || Msg::TogglePlay,
                    step: || Msg::Step,
                    jump: || Msg::Jump,
                    reset: || Msg::Reset,
                    speed_log: Msg::SpeedLog,
                }) }
                <label class="raft-scrubber" title="Revenir à un instant déjà simulé ([ et ])">
                    <input type="range" min="0" max={frontier.max(1).to_string()} step="1" data-action="seek"
                           aria-label="Instant simulé" value={now.to_string()} oninput={seek} />
                    <span class="raft-time">{ format!("t = {}", seconds(now)) }</span>
                </label>
                if spec.toggles.iter().any(|t| t == "pre_vote") { { toggle("pre_vote", "PreVote", pre_vote) } }
                if spec.toggles.iter().any(|t| t == "check_quorum") { { toggle("check_quorum", "CheckQuorum", check_quorum) } }
                <button type="button" data-action="help" title="Raccourcis clavier (?)" aria-expanded={if self.help { "true" } else { "false" }}
                        onclick={link.callback(|_| Msg::Help)}>{ "?" }</button>
            </div>
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

fn view_help() -> Html {
    let keys = [
        ("Espace / K", "lecture, pause"),
        ("S ou .", "instant suivant"),
        ("J", "événement marquant suivant"),
        ("[ et ]", "reculer, avancer de 0,5 s"),
        ("+ et −", "plus vite, moins vite"),
        ("1 à 9", "choisir un nœud"),
        ("C U I T", "panne, redémarrage, isolement, transfert"),
        (
            "M",
            "retirer du cluster, réintégrer (si la diapo le permet)",
        ),
        ("W", "le client écrit"),
        ("R", "recommencer"),
        ("Échap", "fermer ; rendre le clavier aux diapositives"),
    ];
    html! {
        <div class="raft-help" role="dialog" aria-label="Raccourcis clavier">
            <p class="raft-help-title">{ "Raccourcis (quand la simulation a le focus)" }</p>
            <dl>
                { for keys.iter().map(|(key, what)| html! {
                    <><dt>{ *key }</dt><dd>{ *what }</dd></>
                }) }
            </dl>
            <p class="raft-help-legend">
                <span class="legend-vote">{ "◆ demande de vote" }</span>
                <span class="legend-append">{ "■ ajout d'entrées" }</span>
                <span class="legend-heartbeat">{ "● heartbeat" }</span>
                <span class="legend-resp">{ "○ réponse" }</span>
            </p>
        </div>
    }
}
