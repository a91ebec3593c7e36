//! The raft widget's real mode (`raftdeck serve --live-etcd`, blocks marked `live: true`):
//! the widget draws a real etcd cluster instead of the simulation, with the same drawing.
//!
//! - Availability: in the presenter view (`?presenter&token=…`), the widget asks
//!   `GET /api/etcd` whether its scenario has a real cluster; if so, a « Simulé / Réel »
//!   switch appears in its toolbar, otherwise a discreet note says why it stays simulated.
//!   Nothing is asked anywhere else (audience windows, previews, the static site).
//! - The mode is part of the synced [`crate::WidgetState`] (`real`): every window that
//!   adopts it — `?follow` windows, a shared link — opens the cluster's event stream
//!   (`GET /api/etcd/<scenario>`, a frame every 100 ms) and draws the same frames,
//!   read-only.
//! - Clicks (presenter only, with the page's token) are `POST /api/etcd/<scenario>`;
//!   every call has a timeout, and whatever goes wrong is a French sentence in the
//!   toolbar: the widget never waits on etcd.
//!
//! What a frame means (captions, write labels, traffic) is `crate::live`, plain Rust.

use std::collections::BTreeMap;

use deck::WidgetSpec;
use yew::html::Scope;
use yew::prelude::*;

use super::panel::{PanelBadge, PANEL_ROWS_TOP, PANEL_ROW_HEIGHT};
use super::stage::LinkLook;
use super::{real_now_ms, seconds, Msg, RaftWidget};
use crate::layout::{first_fitting, text_width, LinkSpot, NodeSpot, VIEW_WIDTH};
use crate::live::{self, LiveMember, LiveState, LiveSummary};
use crate::net::{self, EventStream, Interval};
use crate::player::Player;
use crate::state::WidgetState;

/// How long the widget waits for `/api/etcd`, a click's answer, a reset's, a record's
/// and the diagnostics (real ms).
const SUMMARY_TIMEOUT_MS: i32 = 4_000;
const ACTION_TIMEOUT_MS: i32 = 8_000;
/// A reset stops every member and starts a fresh cluster: seconds, not milliseconds.
const RESET_TIMEOUT_MS: i32 = 30_000;
/// Frames come every 100 ms: this long without one and the widget says so.
const STALE_MS: f64 = 2_000.0;
/// The watchdog's period (staleness, a refused stream reopened, diagnostics asked).
const TICK_MS: i32 = 500;
/// How often a stream the browser gave up on is reopened, and diagnostics asked again.
const RETRY_MS: f64 = 5_000.0;

/// What changes the real mode.
pub enum LiveMsg {
    /// `GET /api/etcd` answered (or did not).
    Summary(Result<LiveSummary, String>),
    /// The presenter chose « Réel » (true) or « Simulé ».
    Switch(bool),
    /// A frame of the cluster's event stream.
    Frame(String),
    /// The event stream failed (the browser retries by itself unless refused).
    StreamError,
    /// The watchdog's tick.
    Tick,
    /// Send a click: the JSON body, and what the toolbar says meanwhile.
    Act(String, String),
    /// The server answered a click.
    Acted(Result<(), String>),
    /// « Réinitialiser le cluster ».
    Reset,
    /// « Enregistrer » the run as a scenario.
    Record,
    /// The recording was saved (its file name) or not.
    Recorded(Result<String, String>),
    /// The last log line of each member that did not come back.
    Diagnostics(BTreeMap<String, String>),
}

/// Whether this widget's scenario has a real cluster.
#[derive(Clone, Debug, PartialEq)]
enum Availability {
    /// Not asked (not the presenter view), or asking.
    Unknown,
    /// `/api/etcd` lists the scenario.
    Available,
    /// Why not, in French.
    Unavailable(String),
}

/// The real mode's state inside the widget (see the module doc).
pub struct RealMode {
    /// `live: true` in the block and not a preview: the widget may go real.
    allowed: bool,
    /// The page is the presenter view.
    presenter: bool,
    /// The presenter's token: this window may act on the cluster.
    token: Option<String>,
    scenario_file: String,
    availability: Availability,
    /// The synced mode: real.
    pub on: bool,
    stream: Option<EventStream>,
    ticker: Option<Interval>,
    /// The last frame.
    state: Option<LiveState>,
    /// When the last frame came, and when the stream was last (re)opened (real ms).
    last_frame_at: f64,
    opened_at: f64,
    /// What the toolbar says: the click in flight, the last problem, the last notice.
    busy: Option<String>,
    problem: Option<String>,
    notice: Option<String>,
    diagnostics: BTreeMap<String, String>,
    diagnostics_asked_at: f64,
    /// The highest `x=<n>` this window sent, so quick clicks never repeat a value.
    last_value: u64,
}

impl RealMode {
    /// The real mode of a widget with this spec, reading the page's URL.
    pub fn new(spec: &WidgetSpec, preview: bool) -> RealMode {
        let search = net::page_search();
        RealMode {
            allowed: spec.live && !preview,
            presenter: live::is_presenter(&search),
            token: live::presenter_token(&search),
            scenario_file: spec.scenario_file.clone(),
            availability: Availability::Unknown,
            on: false,
            stream: None,
            ticker: None,
            state: None,
            last_frame_at: 0.0,
            opened_at: 0.0,
            busy: None,
            problem: None,
            notice: None,
            diagnostics: BTreeMap::new(),
            diagnostics_asked_at: f64::NEG_INFINITY,
            last_value: 0,
        }
    }

    /// In the presenter view, asks the server whether a real cluster runs for this
    /// widget's scenario (never in the static site: it has no server to ask).
    pub fn ask_availability(&mut self, link: &Scope<RaftWidget>) {
        if !self.allowed || !self.presenter {
            return;
        }
        if static_site() {
            self.availability = Availability::Unavailable(
                "site statique : pas de serveur raftdeck pour lancer etcd".into(),
            );
            return;
        }
        let link = link.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let answer = net::fetch_text("GET", "api/etcd", None, None, SUMMARY_TIMEOUT_MS).await;
            let summary = match answer {
                Ok((200, text)) => serde_json::from_str::<LiveSummary>(&text)
                    .map_err(|_| "réponse illisible de /api/etcd".to_string()),
                Ok((status, _)) => Err(format!("/api/etcd répond {status}")),
                Err(error) => Err(error),
            };
            link.send_message(Msg::Live(LiveMsg::Summary(summary)));
        });
    }

    /// Takes the mode of a state from elsewhere (the presenter's sync, a shared link).
    pub fn adopt(&mut self, link: &Scope<RaftWidget>, external: &serde_json::Value) {
        let real = WidgetState::from_json(external).is_ok_and(|state| state.real);
        self.set_on(link, real);
    }

    /// Turns the real mode on (opening the stream) or off (closing it).
    fn set_on(&mut self, link: &Scope<RaftWidget>, on: bool) {
        let on = on && self.allowed;
        if on == self.on {
            return;
        }
        self.on = on;
        if on {
            self.open_stream(link);
            let tick_link = link.clone();
            self.ticker = Interval::every(TICK_MS, move || {
                tick_link.send_message(Msg::Live(LiveMsg::Tick));
            });
        } else {
            self.stream = None;
            self.ticker = None;
            self.state = None;
            self.busy = None;
            self.problem = None;
            self.notice = None;
            self.diagnostics.clear();
        }
    }

    fn open_stream(&mut self, link: &Scope<RaftWidget>) {
        let url = format!(
            "api/etcd/{}",
            js_sys::encode_uri_component(&self.scenario_file)
        );
        let (frames, errors) = (link.clone(), link.clone());
        self.stream = None;
        self.stream = EventStream::open(
            &url,
            "etcd",
            move |text| frames.send_message(Msg::Live(LiveMsg::Frame(text))),
            move || errors.send_message(Msg::Live(LiveMsg::StreamError)),
        );
        self.opened_at = real_now_ms();
    }

    /// The frame to draw, when the widget draws the real cluster.
    pub fn drawn(&self) -> Option<&LiveState> {
        self.state.as_ref().filter(|_| self.on)
    }

    /// A member of the drawn frame.
    pub fn member(&self, name: &str) -> Option<&LiveMember> {
        self.drawn()?.member(name)
    }

    /// Whether this window may act on the cluster (the presenter's, with its token).
    pub fn can_act(&self) -> bool {
        self.on && self.presenter && self.token.is_some()
    }

    /// `data-live` on the widget's root: `connecting`, `open`, `stale` (no frame for
    /// two seconds) or `busy` (a click in flight); none when simulated.
    pub fn status(&self) -> Option<&'static str> {
        if !self.on {
            None
        } else if self.busy.is_some() {
            Some("busy")
        } else if self.state.is_none() {
            Some("connecting")
        } else if real_now_ms() - self.last_frame_at > STALE_MS {
            Some("stale")
        } else {
            Some("open")
        }
    }
}

/// Whether the page is the static site (`#app[data-sync="static"]`).
fn static_site() -> bool {
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("app"))
        .and_then(|app| app.get_attribute("data-sync"))
        .is_some_and(|mode| mode == "static")
}

/// Why the server runs no real cluster, in French.
fn unavailable_reason(summary: &LiveSummary) -> String {
    match summary.reason.as_deref() {
        Some(reason) if reason.contains("--live-etcd") => {
            "le serveur tourne sans --live-etcd".to_string()
        }
        Some(reason) if !reason.is_empty() => format!("etcd n'a pas démarré : {reason}"),
        _ => "aucun cluster etcd réel pour ce scénario".to_string(),
    }
}

/// A call's answer as the toolbar says it: `Ok` for a 2xx.
fn answer_text(answer: Result<(u16, String), String>) -> Result<String, String> {
    match answer {
        Ok((status, body)) if (200..300).contains(&status) => Ok(body),
        Ok((401, _)) => Err("jeton refusé : cette fenêtre ne peut pas agir sur le cluster".into()),
        Ok((404, _)) => Err("pas de cluster etcd réel pour ce scénario".into()),
        Ok((409, body)) => Err(live::refusal_text(&body)),
        Ok((status, body)) => Err(format!("le serveur répond {status} : {}", body.trim())),
        Err(error) => Err(error),
    }
}

impl RaftWidget {
    /// Handles a real-mode message; returns whether to draw again.
    pub(super) fn live_update(&mut self, ctx: &Context<Self>, message: LiveMsg) -> bool {
        let link = ctx.link();
        match message {
            LiveMsg::Summary(summary) => {
                self.real.availability = match summary {
                    Ok(summary) if summary.scenarios.contains(&self.real.scenario_file) => {
                        Availability::Available
                    }
                    Ok(summary) => Availability::Unavailable(unavailable_reason(&summary)),
                    Err(error) => Availability::Unavailable(error),
                };
            }
            LiveMsg::Switch(on) => {
                if on && self.real.availability != Availability::Available {
                    return false;
                }
                // The simulation waits where it is, paused, for the way back.
                self.playback.pause();
                self.selected = None;
                self.real.set_on(link, on);
                self.emit(ctx);
                self.refresh(&ctx.props().spec);
            }
            LiveMsg::Frame(text) => {
                let Some(state) = live::LiveState::parse(&text) else {
                    return false;
                };
                let reset = self
                    .real
                    .state
                    .as_ref()
                    .is_some_and(|old| old.generation != state.generation);
                if reset {
                    self.real.last_value = 0;
                    self.real.diagnostics.clear();
                }
                self.real.state = Some(state);
                self.real.last_frame_at = real_now_ms();
                self.refresh(&ctx.props().spec);
            }
            LiveMsg::StreamError => {}
            LiveMsg::Tick => {
                let now = real_now_ms();
                // The browser retries a dropped stream itself, but not a refused one.
                let closed = self.real.stream.as_ref().is_none_or(EventStream::closed);
                if closed && now - self.real.opened_at > RETRY_MS {
                    self.real.open_stream(link);
                }
                let failed = self
                    .real
                    .state
                    .as_ref()
                    .is_some_and(|state| state.members.iter().any(|m| m.failed));
                if failed && self.real.can_act() && now - self.real.diagnostics_asked_at > RETRY_MS
                {
                    self.real.diagnostics_asked_at = now;
                    self.ask_diagnostics(link);
                }
            }
            LiveMsg::Act(body, doing) => return self.send_action(link, body, doing, false),
            LiveMsg::Acted(result) => {
                self.real.busy = None;
                match result {
                    Ok(()) => self.real.problem = None,
                    Err(problem) => self.real.problem = Some(problem),
                }
            }
            LiveMsg::Reset => {
                let body = live::action_json("reset", None, None).unwrap_or_default();
                self.real.notice = None;
                return self.send_action(
                    link,
                    body,
                    "Réinitialisation du cluster…".to_string(),
                    true,
                );
            }
            LiveMsg::Record => {
                let Some(token) = self.real.token.clone().filter(|_| self.real.can_act()) else {
                    return false;
                };
                let url = format!(
                    "api/etcd/{}/record",
                    js_sys::encode_uri_component(&self.real.scenario_file)
                );
                let link = link.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let answer =
                        net::fetch_text("POST", &url, Some(&token), None, ACTION_TIMEOUT_MS).await;
                    let saved = answer_text(answer).map(|body| {
                        serde_json::from_str::<serde_json::Value>(&body)
                            .ok()
                            .and_then(|value| value["scenario"].as_str().map(str::to_string))
                            .unwrap_or_default()
                    });
                    link.send_message(Msg::Live(LiveMsg::Recorded(saved)));
                });
            }
            LiveMsg::Recorded(saved) => match saved {
                Ok(file) => {
                    self.real.problem = None;
                    self.real.notice = Some(format!("Enregistré : slides/scenarios/{file}"));
                }
                Err(problem) => {
                    self.real.problem = Some(format!("Enregistrement impossible : {problem}"))
                }
            },
            LiveMsg::Diagnostics(lines) => self.real.diagnostics = lines,
        }
        true
    }

    /// Posts a click to the cluster, one at a time; the answer comes back as `Acted`.
    fn send_action(
        &mut self,
        link: &Scope<RaftWidget>,
        body: String,
        doing: String,
        long: bool,
    ) -> bool {
        let Some(token) = self.real.token.clone().filter(|_| self.real.can_act()) else {
            return false;
        };
        if let Some(busy) = &self.real.busy {
            self.real.problem = Some(format!("Patienter : {busy}"));
            return true;
        }
        self.real.busy = Some(doing);
        self.real.notice = None;
        let url = format!(
            "api/etcd/{}",
            js_sys::encode_uri_component(&self.real.scenario_file)
        );
        let timeout = if long {
            RESET_TIMEOUT_MS
        } else {
            ACTION_TIMEOUT_MS
        };
        let link = link.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let answer = net::fetch_text("POST", &url, Some(&token), Some(&body), timeout).await;
            let result = answer_text(answer).map(|_| ());
            link.send_message(Msg::Live(LiveMsg::Acted(result)));
        });
        true
    }

    fn ask_diagnostics(&self, link: &Scope<RaftWidget>) {
        let Some(token) = self.real.token.clone() else {
            return;
        };
        let url = format!(
            "api/etcd/{}/diagnostics",
            js_sys::encode_uri_component(&self.real.scenario_file)
        );
        let link = link.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let answer = net::fetch_text("GET", &url, Some(&token), None, ACTION_TIMEOUT_MS).await;
            if let Ok(body) = answer_text(answer) {
                let lines = serde_json::from_str(&body).unwrap_or_default();
                link.send_message(Msg::Live(LiveMsg::Diagnostics(lines)));
            }
        });
    }

    /// A node's action in real mode (menu or key): crash, restart, isolate, transfer, or a
    /// write sent to that member.
    pub(super) fn real_node_action(
        &mut self,
        ctx: &Context<Self>,
        node: &str,
        action: &str,
    ) -> bool {
        let control = if action == "propose_to" {
            "propose"
        } else {
            action
        };
        if !RaftWidget::allowed(&ctx.props().spec, control) {
            return false;
        }
        self.selected = None;
        let (body, doing) = if action == "propose_to" {
            let value = self.next_real_value();
            (
                live::action_json("propose", Some(node), Some(&value)),
                format!("Écriture {value} envoyée à {node}…"),
            )
        } else {
            let doing = match action {
                "crash" => format!("Panne de {node}…"),
                "restart" => format!("Redémarrage de {node}…"),
                "isolate" => format!("Isolement de {node}…"),
                _ => format!("Transfert du leadership à {node}…"),
            };
            (live::action_json(action, Some(node), None), doing)
        };
        match body {
            Some(body) => self.send_action(ctx.link(), body, doing, false),
            None => false,
        }
    }

    /// A click on a site link in real mode: cut it, or heal it.
    pub(super) fn real_link(&mut self, ctx: &Context<Self>, a: &str, b: &str) -> bool {
        if !RaftWidget::allowed(&ctx.props().spec, "link") {
            return false;
        }
        let up = self
            .real
            .drawn()
            .and_then(|state| state.link(a, b))
            .is_none_or(|link| link.up);
        let doing = if up {
            format!("Coupure du lien {a}–{b}…")
        } else {
            format!("Rétablissement du lien {a}–{b}…")
        };
        self.send_action(ctx.link(), live::link_action_json(a, b, up), doing, false)
    }

    /// The client box in real mode: a write through the leader.
    pub(super) fn real_propose(&mut self, ctx: &Context<Self>) -> bool {
        if !RaftWidget::allowed(&ctx.props().spec, "propose") {
            return false;
        }
        let value = self.next_real_value();
        let body = live::action_json("propose", None, Some(&value)).unwrap_or_default();
        self.send_action(
            ctx.link(),
            body,
            format!("Écriture {value} envoyée au leader…"),
            false,
        )
    }

    fn next_real_value(&mut self) -> String {
        let seen = self
            .real
            .drawn()
            .map(LiveState::next_value)
            .and_then(|value| value.strip_prefix("x=")?.parse::<u64>().ok())
            .unwrap_or(1);
        let next = seen.max(self.real.last_value + 1);
        self.real.last_value = next;
        format!("x={next}")
    }

    /// The « Simulé / Réel » switch (presenter view, live blocks), or the discreet note
    /// saying why the widget stays simulated.
    pub(super) fn view_mode_switch(&self, ctx: &Context<Self>) -> Html {
        let real = &self.real;
        if !real.allowed || !real.presenter {
            return Html::default();
        }
        match &real.availability {
            Availability::Unknown => Html::default(),
            Availability::Unavailable(reason) => html! {
                <span class="raft-mode-note" data-live-unavailable="" title={format!("etcd réel indisponible : {reason}")}>
                    { "simulé · pas d'etcd réel" }
                </span>
            },
            Availability::Available => {
                let choice = |on: bool, label: &'static str| {
                    let onclick = ctx.link().callback(move |_| Msg::Live(LiveMsg::Switch(on)));
                    let pressed = real.on == on;
                    html! {
                        <button type="button" class={classes!("raft-mode-choice", pressed.then_some("raft-mode-choice-on"))}
                                data-mode-choice={if on { "real" } else { "sim" }}
                                aria-pressed={if pressed { "true" } else { "false" }} {onclick}>{ label }</button>
                    }
                };
                html! {
                    <div class="raft-mode" role="group" aria-label="Cluster simulé ou etcd réel"
                         title="Simulé : la simulation déterministe. Réel : un vrai cluster etcd local, lancé par raftdeck serve --live-etcd">
                        { choice(false, "Simulé") }
                        { choice(true, "Réel") }
                    </div>
                }
            }
        }
    }

    /// The toolbar in real mode: the switch, the stream's state, the presenter's reset and
    /// record buttons, and what the last click did.
    pub(super) fn view_real_controls(&self, ctx: &Context<Self>) -> Html {
        let real = &self.real;
        let link = ctx.link();
        let status = match (real.status(), real.drawn()) {
            (Some("stale"), _) => format!(
                "⚠ pas de nouvelles du cluster depuis {}",
                seconds((real_now_ms() - real.last_frame_at).max(0.0) as u64)
            ),
            (_, Some(state)) => format!("● etcd réel · t = {}", seconds(state.now_ms)),
            _ => "Connexion au cluster etcd réel…".to_string(),
        };
        let (message_class, message) = match (&real.busy, &real.problem, &real.notice) {
            (Some(busy), _, _) => ("raft-live-busy", busy.clone()),
            (None, Some(problem), _) => ("raft-live-problem", format!("⚠ {problem}")),
            (None, None, Some(notice)) => ("raft-live-notice", notice.clone()),
            _ => ("", String::new()),
        };
        let acting = real.can_act();
        html! {
            <div class="raft-controls raft-controls-real" role="toolbar" aria-label="Contrôles du cluster etcd réel">
                { self.view_mode_switch(ctx) }
                <span class={classes!("raft-live-status", (real.status() == Some("stale")).then_some("raft-live-stale"))}
                      role="status">{ status }</span>
                if acting {
                    <button type="button" data-action="reset" title="Tous les membres repartent de dossiers de données vides"
                            disabled={real.busy.is_some()} onclick={link.callback(|_| Msg::Live(LiveMsg::Reset))}>
                        { "Réinitialiser le cluster" }
                    </button>
                    <button type="button" data-action="record" title="Enregistrer ce qui s'est passé comme scénario rejouable"
                            onclick={link.callback(|_| Msg::Live(LiveMsg::Record))}>
                        { "Enregistrer" }
                    </button>
                }
                if !message.is_empty() {
                    <span class={classes!("raft-live-message", message_class)} role="alert" title={message.clone()}>{ message }</span>
                }
            </div>
        }
    }

    /// The caption line in real mode: the last thing the cluster did, in French, marked
    /// as real.
    pub(super) fn view_real_caption(&self, state: &LiveState) -> Html {
        let (text, at) = match live::caption(state) {
            Some(caption) => (caption.text, Some(caption.at_ms)),
            None => ("Le cluster etcd réel démarre".to_string(), None),
        };
        html! {
            <div class="raft-caption raft-caption-real" role="status" aria-live="polite">
                <span class="raft-live-tag">{ "etcd réel" }</span>
                if let Some(at) = at {
                    <span class="raft-caption-time">{ seconds(at) }</span>
                }
                <span class="raft-caption-text">{ text }</span>
            </div>
        }
    }

    /// Over the stage: « connexion… » while the first frame is awaited, and for the
    /// presenter only, the last log line of each member that did not come back.
    pub(super) fn view_real_overlay(&self) -> Html {
        let real = &self.real;
        if !real.on {
            return Html::default();
        }
        html! {
            <>
                if real.state.is_none() {
                    <div class="raft-real-waiting" role="status">{ "Connexion au cluster etcd réel…" }</div>
                }
                if real.can_act() && !real.diagnostics.is_empty() {
                    <div class="raft-live-diagnostics" role="alert" data-diagnostics="">
                        { for real.diagnostics.iter().map(|(member, line)| {
                            let shown: String = line.chars().take(2000).collect();
                            html! {
                                <p>
                                    <strong>{ format!("{member} ne revient pas") }</strong>
                                    { " — dernière ligne de son journal : " }
                                    <code>{ live::log_line_text(&shown) }</code>
                                </p>
                            }
                        }) }
                    </div>
                }
            </>
        }
    }

    /// A member's actions in real mode (presenter only): what can be done to a real
    /// member by a click.
    pub(super) fn view_real_node_menu(&self, ctx: &Context<Self>) -> Html {
        if !self.real.can_act() {
            return Html::default();
        }
        let Some(name) = &self.selected else {
            return Html::default();
        };
        let Some(member) = self.real.member(name) else {
            return Html::default();
        };
        let spec = &ctx.props().spec;
        let up = member.up;
        let leader = member.role == "leader";
        let actions: [(&'static str, &'static str, &str, bool); 5] = [
            ("crash", "crash", "Panne (SIGKILL)", up),
            ("restart", "restart", "Redémarrer", !up),
            ("isolate", "isolate", "Isoler", up),
            (
                "transfer_leader",
                "transfer_leader",
                "Devenir leader",
                up && !leader,
            ),
            ("propose_to", "propose", "Écrire ici", up),
        ];
        let close = ctx.link().callback(|_| Msg::Select(None));
        html! {
            <div class="raft-node-menu" role="group" aria-label={format!("Actions sur {name} (etcd réel)")}>
                <span class="raft-node-menu-title">{ live::member_title(member) }</span>
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

    /// The client panel in real mode: the leader, the writes with their real outcome and
    /// latency, and how long the cluster went without a leader.
    pub(super) fn view_real_panel(&self, ctx: &Context<Self>, state: &LiveState) -> Html {
        let x = self.geometry.panel_x;
        let width = VIEW_WIDTH - x;
        let height = self.geometry.height;
        let can_propose = RaftWidget::allowed(&ctx.props().spec, "propose");
        let badge = match state.leader_term() {
            Some((leader, term)) => PanelBadge {
                class: "raft-safety-ok",
                text: format!("✔ Leader : {leader} · terme {term}"),
                writable: true,
                title: "Le leader que les journaux des membres etcd annoncent : il accepte les écritures.",
            },
            None => PanelBadge {
                class: "raft-safety-bad",
                text: "✘ Aucun leader".to_string(),
                writable: false,
                title: "Aucun membre etcd ne se dit leader : une écriture attend, puis échoue ou reste sans réponse.",
            },
        };
        let fit = super::panel::panel_rows(height);
        let first = state.writes.len().saturating_sub(fit);
        let now = state.now_ms.max(1);
        let scale = |ms: u64| x + 12.0 + (width - 24.0) * (ms.min(now) as f64 / now as f64);
        let windows = state.leaderless();
        html! {
            <g class="raft-panel">
                // The audience's windows show the client as the presenter's does; only the
                // presenter's sends a write.
                { self.view_panel_head(ctx, badge, can_propose, can_propose && self.real.can_act()) }
                { for state.writes.iter().enumerate().skip(first).map(|(k, write)| {
                    let y = PANEL_ROWS_TOP + (k - first) as f64 * PANEL_ROW_HEIGHT;
                    let (outcome, style) = write.outcome_class();
                    let value_room = text_width(&write.value, 16.0, true) + 12.0;
                    let labels = write.labels();
                    let room = width - 30.0 - value_room;
                    let label = first_fitting(&labels, room, 16.0, false).to_string();
                    html! {
                        <g key={format!("{}-{}", write.value, write.at_ms)} class={classes!("raft-write", format!("raft-write-{style}"), format!("raft-write-{outcome}"))}
                           data-write={k.to_string()} data-outcome={outcome}
                           data-latency-ms={write.latency_ms().map(|ms| ms.to_string())}>
                            <title>{ format!("{} — {}", write.value, labels[0]) }</title>
                            <text class="raft-write-value" x={format!("{:.1}", x + 16.0)} y={format!("{:.1}", y + 16.0)}>{ write.value.clone() }</text>
                            <text class="raft-write-outcome" x={format!("{:.1}", x + width - 14.0)} y={format!("{:.1}", y + 16.0)}
                                  data-fit={format!("{room:.1}")}>{ label }</text>
                        </g>
                    }
                }) }
                <g class="raft-timeline">
                    { self.view_timeline_axis(&format!("Sans leader : {}", seconds(state.leaderless_ms())), &windows, state.now_ms, &scale) }
                    { for state.writes.iter().map(|write| {
                        let px = scale(write.at_ms);
                        let (_, style) = write.outcome_class();
                        html! { <path class={format!("raft-tick raft-tick-{style}")} d={format!("M{px:.1} {:.1} v24", height - 70.0 + 16.0)} /> }
                    }) }
                    { self.view_timeline_ends(scale(state.now_ms), now) }
                </g>
            </g>
        }
    }
}

/// What a link shows in real mode: cut or not as the proxies apply it, the scenario's
/// latency (what the proxies add), and the bytes crossing it each way.
pub(super) fn link_look(state: &LiveState, player: &Player, a: &str, b: &str) -> LinkLook {
    let latency_ms = player.simulation().site_latency_ms(a, b).unwrap_or(0);
    match state.link(a, b) {
        Some(link) => LinkLook {
            up: link.up,
            latency_ms,
            traffic: Some(if link.from == a {
                (link.bytes_per_s, link.bytes_per_s_back)
            } else {
                (link.bytes_per_s_back, link.bytes_per_s)
            }),
        },
        None => LinkLook {
            up: true,
            latency_ms,
            traffic: None,
        },
    }
}

/// A link's traffic label (real mode): under the line, in the gap between adjacent sites
/// (number over unit, the gap is narrow), or beside the latency on an arc.
pub(super) fn view_traffic(link: &LinkSpot, bytes_per_s: u64) -> Html {
    let (lx, ly) = link.label;
    let text = live::traffic_text(bytes_per_s);
    let (number, unit) = text.rsplit_once(' ').unwrap_or((&text, ""));
    if link.arc {
        html! {
            <text class="raft-link-traffic raft-link-label-side" x={format!("{:.1}", lx + 28.0)} y={format!("{:.1}", ly - 8.0)}>
                { text.clone() }
            </text>
        }
    } else {
        html! {
            <g class="raft-link-traffic" data-traffic={text.clone()}>
                <text class="raft-link-traffic-number" x={format!("{lx:.1}")} y={format!("{:.1}", ly + 26.0)}>{ number.to_string() }</text>
                <text class="raft-link-traffic-unit" x={format!("{lx:.1}")} y={format!("{:.1}", ly + 42.0)}>{ unit.to_string() }</text>
            </g>
        }
    }
}

/// Where a simulated node shows its log, a real member shows its indexes (the WAL is not
/// read): « index commité 12 · appliqué 12 »; one that did not come back says so.
pub(super) fn view_indexes(member: &LiveMember, spot: &NodeSpot) -> Html {
    let size = if spot.compact { 14.0 } else { 15.0 };
    let candidates: Vec<String> = if member.failed {
        vec![
            "✕ ne redémarre pas (voir son journal)".to_string(),
            "✕ ne redémarre pas".to_string(),
            "✕ échec".to_string(),
        ]
    } else if !member.up {
        // A stopped process answers no status: no index to show.
        vec!["processus etcd arrêté".to_string(), "arrêté".to_string()]
    } else {
        vec![
            format!(
                "index commité {} · appliqué {}",
                member.commit_index, member.applied_index
            ),
            format!(
                "commité {} · appliqué {}",
                member.commit_index, member.applied_index
            ),
            format!("c. {} · a. {}", member.commit_index, member.applied_index),
        ]
    };
    let shown = first_fitting(&candidates, spot.text_room, size, false).to_string();
    html! {
        <text class={classes!("raft-live-indexes", member.failed.then_some("raft-live-failed"))}
              x={format!("{:.1}", spot.text_x)} y={format!("{:.1}", spot.cy + 18.0)}
              data-commit-index={member.commit_index.to_string()} data-applied-index={member.applied_index.to_string()}
              data-fit={format!("{:.1}", spot.text_room)}>{ shown }</text>
    }
}

/// A real member's tooltip.
pub(super) fn node_title(member: &LiveMember, line: &str) -> String {
    let state = if member.failed {
        " — ne redémarre pas"
    } else {
        ""
    };
    format!(
        "{} — {line} — index commité {}, appliqué {} (etcd réel){state}",
        member.name, member.commit_index, member.applied_index
    )
}
