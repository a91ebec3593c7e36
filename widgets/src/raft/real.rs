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
//! What a frame means (captions, write labels, traffic) is `crate::live`, plain Rust; how
//! the real mode draws it is `view`. This file holds its state, stream and clicks.

use std::collections::BTreeMap;

use deck::WidgetSpec;
use yew::html::Scope;
use yew::prelude::*;

use super::{real_now_ms, Msg, RaftWidget};
use crate::live::{self, LiveMember, LiveState, LiveSummary};
use crate::net::{self, EventStream, Interval};
use crate::state::WidgetState;

mod view;

pub(super) use view::{link_look, node_title, view_indexes, view_traffic};

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
}
