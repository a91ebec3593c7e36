//! The component shared by the `controlplane`, `elastic`, `kafka` and `multisite`
//! widgets: a [`ModelPlayer`], playback (requestAnimationFrame only while playing,
//! reduced motion honoured), the controls, keys while focused, the French caption line,
//! and the SVG drawn by the system's module from the model's view.
//!
//! Same interaction style and DOM hooks as the raft widget (it reuses its CSS classes and
//! its `layout::Geometry` for site boxes and links): the root carries `data-widget` and
//! `data-sim-ms`, plus the state tests read (`data-api`, `data-health`, `data-master`,
//! `data-lost`, `data-traffic-site`…); sites `[data-site][data-state]` fail/restore on
//! click, links `[data-link][data-state]` cut/heal, `[data-action="propose"]` sends a
//! write.

use deck::{WidgetKind, WidgetSpec};
use sim::models::common::{LinkView, SiteView, SystemAction, WriteOutcome, WriteRecord};
use sim::models::live::LiveView;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

use crate::mount::WidgetProps;

use super::layout::{Geometry, VIEW_WIDTH};
use super::model_narration::reason_text;
use super::model_player::ModelPlayer;
use super::playback::{Playback, Scrubber, TransportMessages};

/// Height taken by the controls and the caption line under the SVG (canvas pixels).
const CHROME_HEIGHT: f64 = 96.0;

/// What changes the widget.
pub enum Msg {
    /// An animation frame, with its timestamp (ms).
    Frame(f64),
    /// Play or pause.
    TogglePlay,
    /// To the next instant where something happens.
    Step,
    /// To the next told event.
    Jump,
    /// Back to the start, inputs forgotten.
    Reset,
    /// Seek to a simulated instant.
    Seek(u64),
    /// Speed slider moved (log10 of the speed).
    SpeedLog(f64),
    /// Multiply the speed.
    SpeedBy(f64),
    /// A site was clicked: fail it, or restore it.
    Site(String),
    /// A link was clicked: cut it, or heal it.
    Link(String, String),
    /// A node was clicked: crash it, or restart it.
    Node(String, bool),
    /// The client sends a write.
    Write,
    /// Show or hide the key list.
    Help,
    /// A key pressed while the widget has focus.
    Key(KeyboardEvent),
}

/// What a drawing may call back (none in a preview or when the slide's `controls`
/// leave that click out).
#[derive(Clone, Default)]
pub struct Hooks {
    /// Fail or restore a site.
    pub site: Option<Callback<String>>,
    /// Cut or heal a link (its two sites).
    pub link: Option<Callback<(String, String)>>,
    /// Crash (`true`: it is up) or restart a node.
    pub node: Option<Callback<(String, bool)>>,
    /// Send a write.
    pub write: Option<Callback<()>>,
}

impl Hooks {
    /// The click on node `name` (`up`: it runs, so the click crashes it), if offered.
    /// The click stops there: the site box under the node must not fail the site too.
    pub fn node_click(&self, name: &str, up: bool) -> Option<Callback<MouseEvent>> {
        let callback = self.node.clone()?;
        let name = name.to_owned();
        Some(Callback::from(move |event: MouseEvent| {
            event.stop_propagation();
            callback.emit((name.clone(), up));
        }))
    }

    /// The click on site `name`, if offered.
    pub fn site_click(&self, name: &str) -> Option<Callback<MouseEvent>> {
        let callback = self.site.clone()?;
        let name = name.to_owned();
        Some(Callback::from(move |_: MouseEvent| {
            callback.emit(name.clone())
        }))
    }
}

/// The raft widget's layout for these sites, without nodes (each system places its own
/// inside the site boxes).
pub fn site_geometry(sites: &[SiteView], height: f64) -> Geometry {
    let names: Vec<(String, Vec<String>)> = sites
        .iter()
        .map(|site| (site.name.clone(), Vec::new()))
        .collect();
    Geometry::new(&names, height)
}

/// `3,25 s` under a minute, `4 min 05 s` above: French, legible.
pub fn duration_text(ms: u64) -> String {
    if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0).replace('.', ",")
    } else {
        let seconds = ms / 1000;
        format!("{} min {:02} s", seconds / 60, seconds % 60)
    }
}

/// A number as an SVG attribute value (one decimal).
pub fn svg_number(value: f64) -> String {
    format!("{value:.1}")
}

/// The sites' boxes and the links between them, as the raft widget draws them; the
/// geometry comes from its layout (no nodes: each system places its own).
pub fn draw_sites(
    geometry: &Geometry,
    sites: &[SiteView],
    links: &[LinkView],
    hooks: &Hooks,
    site_word: &str,
) -> Html {
    html! {
        <>
            <g class="raft-sites">
                { for geometry.sites.iter().map(|spot| {
                    let up = sites.iter().find(|s| s.name == spot.name).is_none_or(|s| s.up);
                    let onclick = hooks.site_click(&spot.name);
                    let title = if up {
                        format!("{site_word} {} — cliquer pour le faire tomber", spot.name)
                    } else {
                        format!("{site_word} {} en panne — cliquer pour le rétablir", spot.name)
                    };
                    html! {
                        <g key={spot.name.clone()} class={classes!("raft-site", "model-site", (!up).then_some("model-site-down"))}
                           data-site={spot.name.clone()} data-state={if up { "up" } else { "down" }}
                           role="button" aria-label={title.clone()} {onclick}>
                            <title>{ title }</title>
                            <rect x={svg_number(spot.x)} y={svg_number(spot.y)} width={svg_number(spot.width)} height={svg_number(spot.height)} rx="12" data-box="" />
                            <text class="raft-site-name" x={svg_number(spot.x + 14.0)} y={svg_number(spot.y + 24.0)}>
                                { format!("{site_word} {}", spot.name) }
                            </text>
                            if !up {
                                <text class="model-site-down-mark" x={svg_number(spot.x + spot.width - 14.0)} y={svg_number(spot.y + 24.0)}>{ "✕ en panne" }</text>
                            }
                        </g>
                    }
                }) }
            </g>
            <g class="raft-links">
                { for geometry.links.iter().map(|spot| {
                    let up = links.iter().find(|l| l.first == spot.first && l.second == spot.second).is_none_or(|l| l.up);
                    let name = format!("{}-{}", spot.first, spot.second);
                    let onclick = hooks.link.clone().map(|callback| {
                        let pair = (spot.first.clone(), spot.second.clone());
                        Callback::from(move |_: MouseEvent| callback.emit(pair.clone()))
                    });
                    let (lx, ly) = spot.label;
                    let title = if up {
                        format!("Lien {}–{} — cliquer pour le couper", spot.first, spot.second)
                    } else {
                        format!("Lien {}–{} coupé — cliquer pour le rétablir", spot.first, spot.second)
                    };
                    html! {
                        <g key={name.clone()} class={classes!("raft-link", (!up).then_some("raft-link-down"))}
                           data-link={name} data-state={if up { "up" } else { "down" }}
                           role="button" aria-label={title.clone()} {onclick}>
                            <title>{ title }</title>
                            <path class="raft-link-hit" d={spot.path.clone()} />
                            if up {
                                <path class="raft-link-line" d={spot.path.clone()} />
                            } else {
                                <path class="raft-link-line" d={spot.broken.0.clone()} />
                                <path class="raft-link-line" d={spot.broken.1.clone()} />
                                <circle class="raft-link-cut-mark" cx={svg_number(lx)} cy={svg_number(ly)} r="14" />
                                <text class="raft-link-cut" x={svg_number(lx)} y={svg_number(ly + 8.0)}>{ "✕" }</text>
                            }
                        </g>
                    }
                }) }
            </g>
        </>
    }
}

/// The client button of a panel (`[data-action="propose"]`).
pub fn draw_client(x: f64, y: f64, width: f64, label: &str, hooks: &Hooks, hint: &str) -> Html {
    let enabled = hooks.write.is_some();
    let onclick = hooks
        .write
        .clone()
        .map(|callback| Callback::from(move |_: MouseEvent| callback.emit(())));
    html! {
        <g class={classes!("raft-client", (!enabled).then_some("raft-client-disabled"))}
           data-action="propose" role="button" aria-label={label.to_string()} {onclick}>
            <title>{ hint.to_string() }</title>
            <rect x={svg_number(x)} y={svg_number(y)} width={svg_number(width)} height="42" rx="10" data-box="" />
            <text x={svg_number(x + width / 2.0)} y={svg_number(y + 28.0)} data-fit={svg_number(width - 20.0)}>{ label.to_string() }</text>
        </g>
    }
}

/// Average advance of the panel's 16 px outcome text (sans, semi-bold) and of its value
/// (monospace), in canvas pixels per character.
const OUTCOME_CHAR_PX: f64 = 8.6;
const VALUE_CHAR_PX: f64 = 9.6;

/// A write's value cut to `max_chars` (an ellipsis included) so it fits beside its
/// outcome in a panel row.
fn short_value(value: &str, max_chars: usize) -> String {
    if value.chars().count() <= max_chars {
        value.to_string()
    } else {
        let mut short: String = value.chars().take(max_chars.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

/// How many characters of a value fit in a row `width` wide beside `label`.
fn value_room(width: f64, label: &str) -> usize {
    let room = width - label.chars().count() as f64 * OUTCOME_CHAR_PX - 14.0;
    ((room / VALUE_CHAR_PX).floor().max(0.0) as usize).clamp(4, 9)
}

/// The last writes as rows of a panel: value and outcome.
pub fn draw_writes(x: f64, y: f64, width: f64, writes: &[WriteRecord], rows: usize) -> Html {
    let first = writes.len().saturating_sub(rows);
    html! {
        <g class="model-writes">
            { for writes.iter().skip(first).enumerate().map(|(k, write)| {
                let row_y = y + k as f64 * 24.0;
                let (outcome, label) = match write.outcome {
                    _ if write.lost => ("lost", "✘ perdue !".to_string()),
                    WriteOutcome::Acknowledged => ("committed", "✔ acquittée".to_string()),
                    WriteOutcome::Refused => ("failed", format!("✘ {}", reason_text(write.reason.as_deref().unwrap_or("")))),
                    WriteOutcome::Pending => ("pending", "… en attente".to_string()),
                    WriteOutcome::Unconfirmed => ("pending", "? sans accusé".to_string()),
                };
                html! {
                    <g class={classes!("raft-write", format!("raft-write-{outcome}"))} data-write={k.to_string()} data-outcome={outcome}>
                        <text class="raft-write-value" x={svg_number(x)} y={svg_number(row_y + 16.0)}>{ short_value(&write.value, value_room(width, &label)) }</text>
                        <text class="raft-write-outcome" x={svg_number(x + width)} y={svg_number(row_y + 16.0)}>{ label }</text>
                    </g>
                }
            }) }
        </g>
    }
}

/// The shared component (see the module doc).
pub struct ModelWidget {
    /// The engine and how it plays.
    playback: Playback<ModelWidget, ModelPlayer>,
    error: Option<String>,
    help: bool,
    last_external: Option<serde_json::Value>,
    root: NodeRef,
}

impl ModelWidget {
    fn svg_height(spec: &WidgetSpec) -> f64 {
        (f64::from(spec.height) - CHROME_HEIGHT).max(120.0)
    }

    fn emit(&self, ctx: &Context<Self>) {
        if let Some(state) = self.playback.state_json() {
            ctx.props()
                .on_state
                .emit((ctx.props().key_name.to_string(), state));
        }
    }

    fn allowed(spec: &WidgetSpec, control: &str) -> bool {
        spec.controls.is_empty() || spec.controls.iter().any(|c| c == control)
    }

    fn hooks(&self, ctx: &Context<Self>) -> Hooks {
        let props = ctx.props();
        if props.preview {
            return Hooks::default();
        }
        let link = ctx.link();
        let spec = &props.spec;
        Hooks {
            site: ModelWidget::allowed(spec, "site").then(|| link.callback(Msg::Site)),
            link: ModelWidget::allowed(spec, "link")
                .then(|| link.callback(|(a, b): (String, String)| Msg::Link(a, b))),
            node: (ModelWidget::allowed(spec, "crash") || ModelWidget::allowed(spec, "restart"))
                .then(|| link.callback(|(name, up): (String, bool)| Msg::Node(name, up))),
            write: ModelWidget::allowed(spec, "propose").then(|| link.callback(|_| Msg::Write)),
        }
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
        let now = self.playback.player.as_ref().map_or(0, ModelPlayer::now_ms);
        // « [ » and « ] » move by a twentieth of the run: half a second means nothing
        // on a half-hour failover.
        let nudge = self
            .playback
            .player
            .as_ref()
            .map_or(500, |p| (p.end_ms() / 20).max(500));
        let message = match key.as_str() {
            " " | "k" | "K" => Some(Msg::TogglePlay),
            "s" | "S" | "." => Some(Msg::Step),
            "j" | "J" => Some(Msg::Jump),
            "r" | "R" => Some(Msg::Reset),
            "w" | "W" => Some(Msg::Write),
            "+" | "=" => Some(Msg::SpeedBy(2.0)),
            "-" | "_" => Some(Msg::SpeedBy(0.5)),
            "[" => Some(Msg::Seek(now.saturating_sub(nudge))),
            "]" => Some(Msg::Seek(now + nudge)),
            "?" | "h" | "H" => Some(Msg::Help),
            digit if digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit() => {
                // 1 to 9: fail or restore the site in that position.
                let position = usize::from(digit.as_bytes()[0] - b'0');
                self.playback.player.as_ref().and_then(|player| {
                    let view = player.view();
                    position
                        .checked_sub(1)
                        .and_then(|index| view.topology().0.get(index))
                        .map(|site| Msg::Site(site.name.clone()))
                })
            }
            "Escape" => {
                if self.help {
                    Some(Msg::Help)
                } else {
                    if let Some(element) = self.root.cast::<HtmlElement>() {
                        let _ = element.blur();
                    }
                    None
                }
            }
            _ => None,
        };
        let handled = message.is_some() || key == "Escape";
        if handled {
            event.prevent_default();
            event.stop_propagation();
        }
        if let Some(message) = message {
            ctx.link().send_message(message);
        }
        false
    }
}

impl Component for ModelWidget {
    type Message = Msg;
    type Properties = WidgetProps;

    fn create(ctx: &Context<Self>) -> Self {
        let props = ctx.props();
        let (player, error) = match sim::parse_any(&props.spec.scenario) {
            Ok(scenario) => match ModelPlayer::new(&scenario) {
                Some(player) => (Some(player), None),
                None => (
                    None,
                    Some(format!(
                        "Le scénario {} décrit etcd : utiliser le widget raft",
                        props.spec.scenario_file
                    )),
                ),
            },
            Err(error) => (
                None,
                Some(format!(
                    "Le scénario {} est illisible : {error}",
                    props.spec.scenario_file
                )),
            ),
        };
        let mut widget = ModelWidget {
            playback: Playback::new(player, &props.spec, props.preview, ctx.link(), Msg::Frame),
            error,
            help: false,
            last_external: None,
            root: NodeRef::default(),
        };
        if let Some(external) = &props.external {
            widget.last_external = Some(external.clone());
            widget.playback.adopt(external);
        } else {
            widget.playback.follow_step(&props.spec, props.step, None);
        }
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
            }
        } else if props.step != old_props.step {
            self.playback
                .follow_step(&props.spec, props.step, Some(old_props.step));
        }
        true
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        let mut user_action = true;
        match msg {
            Msg::Frame(timestamp) => {
                user_action = false;
                if !self.playback.on_frame(timestamp) {
                    return false;
                }
            }
            Msg::TogglePlay => self.playback.toggle(),
            Msg::Step => self.playback.step(),
            Msg::Jump => self.playback.jump(),
            Msg::Reset => self.playback.reset(),
            Msg::Seek(target) => self.playback.seek(target),
            Msg::SpeedLog(value) => self.playback.set_speed_log(value),
            Msg::SpeedBy(factor) => self.playback.speed_by(factor),
            Msg::Site(site) => {
                if !ModelWidget::allowed(&ctx.props().spec, "site") {
                    return false;
                }
                if let Some(player) = &mut self.playback.player {
                    let up = player
                        .view()
                        .topology()
                        .0
                        .iter()
                        .any(|s| s.name == site && s.up);
                    let action = if up {
                        SystemAction::FailSite { site }
                    } else {
                        SystemAction::RestoreSite { site }
                    };
                    player.act(&action);
                }
            }
            Msg::Link(a, b) => {
                if !ModelWidget::allowed(&ctx.props().spec, "link") {
                    return false;
                }
                if let Some(player) = &mut self.playback.player {
                    let up = player
                        .view()
                        .topology()
                        .1
                        .iter()
                        .any(|l| l.first == a && l.second == b && l.up);
                    let action = if up {
                        SystemAction::CutLink { from: a, to: b }
                    } else {
                        SystemAction::RestoreLink { from: a, to: b }
                    };
                    player.act(&action);
                }
            }
            Msg::Node(node, up) => {
                let control = if up { "crash" } else { "restart" };
                if !ModelWidget::allowed(&ctx.props().spec, control) {
                    return false;
                }
                if let Some(player) = &mut self.playback.player {
                    let action = if up {
                        SystemAction::Crash { node }
                    } else {
                        SystemAction::Restart { node }
                    };
                    player.act(&action);
                }
            }
            Msg::Write => {
                if !ModelWidget::allowed(&ctx.props().spec, "propose") {
                    return false;
                }
                if let Some(player) = &mut self.playback.player {
                    let number = player.user_writes() + 1;
                    let value = match ctx.props().spec.kind {
                        WidgetKind::Controlplane => format!("kubectl-{number}"),
                        WidgetKind::Elastic => format!("doc-u{number}"),
                        WidgetKind::Kafka => format!("msg-u{number}"),
                        _ => format!("ecriture-u{number}"),
                    };
                    player.act(&SystemAction::Write { value });
                }
            }
            Msg::Help => {
                user_action = false;
                self.help = !self.help;
            }
            Msg::Key(event) => {
                return self.key(ctx, &event);
            }
        }
        if user_action {
            self.emit(ctx);
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let props = ctx.props();
        let kind = props.spec.kind.name();
        let style = format!("height:{}px", props.spec.height);
        let Some(player) = &self.playback.player else {
            return html! {
                <div class="raft-widget raft-error" data-widget={kind} role="alert" style={style}>
                    { self.error.clone().unwrap_or_default() }
                </div>
            };
        };
        let view = player.view();
        let height = ModelWidget::svg_height(&props.spec);
        let hooks = self.hooks(ctx);
        let (drawing, attrs) = match &view {
            LiveView::Kubernetes(v) => (
                super::controlplane::draw(v, &hooks, height),
                super::controlplane::attributes(v),
            ),
            LiveView::Elasticsearch(v) => (
                super::elastic::draw(v, &hooks, height),
                super::elastic::attributes(v),
            ),
            LiveView::Kafka(v) => (
                super::kafka::draw(v, &hooks, height),
                super::kafka::attributes(v),
            ),
            LiveView::Multisite(v) => (
                super::multisite::draw(v, &hooks, height),
                super::multisite::attributes(v),
            ),
        };
        let attr = |name: &str| {
            attrs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        };
        let onkeydown = (!props.preview).then(|| ctx.link().callback(Msg::Key));
        let mut classes = classes!("raft-widget", "model-widget", format!("model-{kind}"));
        if props.preview {
            classes.push("raft-preview");
        }
        if self.playback.reduced_motion() {
            classes.push("raft-reduced-motion");
        }
        let view_box = format!("0 0 {VIEW_WIDTH} {height:.0}");
        html! {
            <div
                ref={self.root.clone()}
                class={classes}
                data-widget={kind}
                data-sim-ms={player.now_ms().to_string()}
                data-playing={if self.playback.playing { "true" } else { "false" }}
                data-step-playing={self.playback.step_playing().then_some("true")}
                data-api={attr("api")}
                data-health={attr("health")}
                data-master={attr("master")}
                data-lost={attr("lost")}
                data-traffic-site={attr("traffic-site")}
                data-primary={attr("primary")}
                data-writable={attr("writable")}
                data-runbook-step={attr("runbook-step")}
                data-rto-ms={attr("rto-ms")}
                data-pods-running={attr("pods-running")}
                tabindex={(!props.preview).then_some("0")}
                aria-label={format!("Simulation : {}", player.title())}
                style={style}
                {onkeydown}
            >
                <div class="raft-stage">
                    <svg class="raft-svg" viewBox={view_box} preserveAspectRatio="xMidYMid meet"
                         role="img" aria-label={player.title().to_string()}>
                        { drawing }
                    </svg>
                    if self.help { { view_help() } }
                </div>
                { self.view_caption(player) }
                if !props.preview { { self.view_controls(ctx, player) } }
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

impl ModelWidget {
    fn view_caption(&self, player: &ModelPlayer) -> Html {
        let (text, at) = match player.caption() {
            Some(caption) => (caption.text, Some(caption.at_ms)),
            // Before anything happened: what the simulation shows (the audience has no
            // play button to press, the presenter drives).
            None => (player.title().to_string(), None),
        };
        html! {
            <div class="raft-caption" role="status" aria-live="polite">
                if let Some(at) = at {
                    <span class="raft-caption-time">{ duration_text(at) }</span>
                }
                <span class="raft-caption-text">{ text }</span>
            </div>
        }
    }

    fn view_controls(&self, ctx: &Context<Self>, player: &ModelPlayer) -> Html {
        let link = ctx.link();
        let now = player.now_ms();
        let frontier = player.frontier_ms().max(now).max(player.end_ms());
        html! {
            <div class="raft-controls" role="toolbar" aria-label="Contrôles de la simulation">
                { self.playback.transport(TransportMessages {
                    toggle: || Msg::TogglePlay,
                    step: || Msg::Step,
                    jump: || Msg::Jump,
                    reset: || Msg::Reset,
                    speed_log: Msg::SpeedLog,
                }) }
                { self.playback.scrubber(
                    Scrubber {
                        now_ms: now,
                        frontier_ms: frontier,
                        step_ms: 100,
                        title: "Revenir à un instant ([ et ])",
                    },
                    duration_text,
                    Msg::Seek,
                ) }
                <button type="button" data-action="help" title="Raccourcis clavier (?)" aria-expanded={if self.help { "true" } else { "false" }}
                        onclick={link.callback(|_| Msg::Help)}>{ "?" }</button>
            </div>
        }
    }
}

fn view_help() -> Html {
    let keys = [
        ("Espace / K", "lecture, pause"),
        ("S ou .", "instant suivant"),
        ("J", "événement marquant suivant"),
        ("[ et ]", "reculer, avancer d'un vingtième"),
        ("+ et −", "plus vite, moins vite"),
        ("1 à 9", "faire tomber ou rétablir un site"),
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
            <p class="raft-help-legend">{ "Cliquer sur un site le fait tomber ou le rétablit ; sur un lien, le coupe ou le rétablit." }</p>
        </div>
    }
}
