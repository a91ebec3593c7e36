//! `raftdeck export SCENARIO.json --svg out.svg [--png-frames DIR]`: a Raft (etcd)
//! scenario as a self-contained animated SVG that plays in any browser or slide tool,
//! and optionally as numbered PNG frames.
//!
//! The picture is the live widget's (`widgets/src/raft.rs`): the same
//! geometry (`scene::layout::Geometry`), the same French captions
//! (`scene::narration::Narrator` plus the scenario's labels), and the colours and shapes
//! of `static/widgets.css`, written as presentation attributes because a standalone SVG
//! has no stylesheet to lean on (a test checks they still match the CSS).
//!
//! How: the scenario runs once, sampled every [`SAMPLE_MS`] simulated milliseconds. Each
//! part of the picture (a node, a link, the caption, the panel) becomes a list of
//! intervals during which its markup does not change; every message becomes a flight
//! from its sender to its receiver. The animated SVG shows each interval with a discrete
//! SMIL `<animate>` of `visibility` and moves each message with `<animateTransform>`,
//! all on one looping timeline; a PNG frame is the same [`Picture`] cut at one instant
//! and rasterized by resvg (the `png` feature, on by default).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use scene::layout::{
    Geometry, ENTRY_HEIGHT, ENTRY_PITCH, ENTRY_WIDTH, MAX_FLIGHT_STRETCH_MS, MIN_FLIGHT_REAL_MS,
    TERM_COLOURS, VIEW_WIDTH,
};
use scene::narration::{role_text, Narrator};
use sim::{EntryView, MessageKind, NodeView, Role, Scenario, Simulation, TraceKind};

/// The state is sampled this often (simulated ms): finer than any visible change.
pub const SAMPLE_MS: u64 = 10;
/// The clock in the panel ticks this often (simulated ms).
const CLOCK_MS: u64 = 100;
/// Default slow motion: the widget's default speed (×4 slower than real time).
const DEFAULT_SLOWDOWN: u64 = 4;
/// The final state stays on screen this long (real ms) before the animation loops.
const HOLD_MS: u64 = 2000;
/// Height of the caption band under the cluster.
const CAPTION_HEIGHT: f64 = 56.0;
/// Site box outlines, in site order (`--site-a`, `--site-b`, `--site-c`).
const SITE_COLOURS: [&str; 3] = ["#1d4ed8", "#15803d", "#b45309"];
const INK: &str = "#1b1f24";
const MUTED: &str = "#475569";
const DANGER: &str = "#b91c1c";
const FONT: &str = "Inter, 'Segoe UI', 'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif";

/// What `raftdeck export` needs.
pub struct ExportConfig {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Where to write the animated SVG.
    pub svg: Option<PathBuf>,
    /// Where to write numbered PNG frames.
    pub png_frames: Option<PathBuf>,
    /// Frames per second of the PNG frames.
    pub fps: u32,
    /// Real duration of the animation (the whole scenario); default: 4× slower than
    /// simulated time, the widget's default speed.
    pub duration_ms: Option<u64>,
}

/// A scenario that cannot be exported: its file and why (exit code 2).
#[derive(Debug)]
pub struct BadScenario(pub String);

impl std::fmt::Display for BadScenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadScenario {}

/// What an export wrote.
#[derive(Debug)]
pub struct ExportReport {
    /// Nodes drawn.
    pub nodes: usize,
    /// Messages animated.
    pub messages: usize,
    /// PNG frames written.
    pub frames: usize,
    /// Real duration of the animation (ms), hold excluded.
    pub duration_ms: u64,
}

/// Reads and validates an etcd (Raft) scenario; the error names the file and the reason.
pub fn load_scenario(path: &Path) -> Result<Scenario, BadScenario> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| BadScenario(format!("{}: cannot read: {error}", path.display())))?;
    match sim::parse_any(&text) {
        Ok(sim::AnyScenario::Etcd(scenario)) => Ok(scenario),
        Ok(other) => Err(BadScenario(format!(
            "{}: $.system: only Raft (etcd) scenarios can be exported, not `{}`",
            path.display(),
            system_name(&other)
        ))),
        Err(error) => Err(BadScenario(format!("{}: {error}", path.display()))),
    }
}

fn system_name(scenario: &sim::AnyScenario) -> &'static str {
    match scenario {
        sim::AnyScenario::Etcd(_) => "etcd",
        sim::AnyScenario::Kubernetes(_) => "kubernetes",
        sim::AnyScenario::Elasticsearch(_) => "elasticsearch",
        sim::AnyScenario::Kafka(_) => "kafka",
        sim::AnyScenario::Multisite(_) => "multisite",
    }
}

/// Runs the export: the animated SVG and/or the PNG frames.
pub fn export(config: &ExportConfig) -> anyhow::Result<ExportReport> {
    if config.svg.is_none() && config.png_frames.is_none() {
        bail!("nothing to write: give --svg FILE and/or --png-frames DIR");
    }
    if config.fps == 0 || config.fps > 120 {
        bail!("--fps must be between 1 and 120, not {}", config.fps);
    }
    // Said before the scenario runs, so nothing is half-written.
    if cfg!(not(feature = "png")) && config.png_frames.is_some() {
        bail!("this raftdeck was built without PNG support (the `png` feature of the `server` crate): --png-frames is not available, --svg is");
    }
    let scenario = load_scenario(&config.scenario)?;
    let picture = Picture::record(&scenario);
    let duration_ms = config
        .duration_ms
        .unwrap_or(picture.until_ms * DEFAULT_SLOWDOWN)
        .max(1);
    let picture = picture.with_flights(duration_ms);
    if let Some(svg) = &config.svg {
        std::fs::write(svg, picture.animated_svg(duration_ms))
            .with_context(|| format!("cannot write {}", svg.display()))?;
    }
    #[cfg(feature = "png")]
    let frames = match &config.png_frames {
        Some(dir) => write_png_frames(&picture, dir, config.fps, duration_ms)?,
        None => 0,
    };
    // Refused above: without resvg there is nothing to rasterize with.
    #[cfg(not(feature = "png"))]
    let frames = 0;
    Ok(ExportReport {
        nodes: picture.node_names.len(),
        messages: picture.flights.len(),
        frames,
        duration_ms,
    })
}

/// How many frames `fps` gives over `duration_ms`: one at 0 and one every 1/fps s,
/// the last one at the end.
pub fn frame_count(fps: u32, duration_ms: u64) -> usize {
    (duration_ms * u64::from(fps) / 1000) as usize + 1
}

/// Writes `frame-0000.png`… into `dir`: the picture cut every 1/`fps` s of the
/// animation, rasterized by resvg.
#[cfg(feature = "png")]
fn write_png_frames(
    picture: &Picture,
    dir: &Path,
    fps: u32,
    duration_ms: u64,
) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let count = frame_count(fps, duration_ms);
    let mut options = resvg::usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let digits = count.to_string().len().max(4);
    for frame in 0..count {
        let real_ms = (frame as u64 * 1000 / u64::from(fps)).min(duration_ms);
        let at_ms = real_ms as f64 * picture.until_ms as f64 / duration_ms as f64;
        let svg = picture.frame_svg(at_ms);
        let tree = resvg::usvg::Tree::from_str(&svg, &options)
            .with_context(|| format!("frame {frame}: the SVG does not parse"))?;
        let size = tree.size().to_int_size();
        let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
            .context("cannot allocate a frame")?;
        resvg::render(
            &tree,
            resvg::tiny_skia::Transform::default(),
            &mut pixmap.as_mut(),
        );
        let path = dir.join(format!("frame-{frame:0digits$}.png"));
        let png = pixmap
            .encode_png()
            .with_context(|| format!("cannot encode {}", path.display()))?;
        std::fs::write(&path, png).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(count)
}

/// A part of the picture whose markup holds over `[from_ms, to_ms)` of simulated time.
#[derive(Debug, Clone, PartialEq)]
struct Interval {
    from_ms: u64,
    to_ms: u64,
    markup: String,
}

/// A message travelling from `from` to `to` over `[sent_ms, arrive_ms]` simulated.
#[derive(Debug, Clone, PartialEq)]
struct Flight {
    from: String,
    to: String,
    kind: MessageKind,
    reject: bool,
    dropped: bool,
    sent_ms: f64,
    arrive_ms: f64,
}

/// The whole animation, in simulated time.
struct Picture {
    until_ms: u64,
    title: String,
    geometry: Geometry,
    height: f64,
    node_names: Vec<String>,
    /// Parts drawn once (site boxes, the panel's frame).
    fixed: String,
    /// Each changing part's intervals, in drawing order.
    tracks: Vec<Vec<Interval>>,
    flights: Vec<Flight>,
}

impl Picture {
    /// Runs the scenario and samples everything the picture shows.
    fn record(scenario: &Scenario) -> Picture {
        let mut simulation = Simulation::new(scenario);
        simulation.set_tracing(true);
        let until_ms = simulation.end_ms().max(SAMPLE_MS);
        let mut narrator = Narrator::new(&simulation);

        // Sites in the simulation's order, each with its nodes (ones added later too:
        // the layout is computed once, over every node the run ever shows).
        let mut snapshots: Vec<(u64, Vec<NodeView>, Vec<bool>)> = Vec::new();
        let mut flights: BTreeMap<u64, Flight> = BTreeMap::new();
        let mut captions: Vec<(u64, String)> = Vec::new();
        let sites: Vec<String> = simulation.sites().to_vec();
        let pairs: Vec<(String, String)> = sites
            .iter()
            .enumerate()
            .flat_map(|(i, a)| sites[i + 1..].iter().map(move |b| (a.clone(), b.clone())))
            .collect();
        let mut at = 0;
        loop {
            simulation.run_until(at);
            let trace = simulation.drain_trace();
            let in_flight = simulation.messages_in_flight();
            for event in &trace {
                match &event.kind {
                    TraceKind::Send {
                        id,
                        from,
                        to,
                        kind,
                        deliver_at_ms,
                        ..
                    } => {
                        let view = in_flight.iter().find(|message| message.id == *id);
                        flights.insert(
                            *id,
                            Flight {
                                from: simulation.node_name(*from).to_owned(),
                                to: simulation.node_name(*to).to_owned(),
                                kind: *kind,
                                reject: view.is_some_and(|view| view.reject),
                                dropped: view.is_some_and(|view| view.will_be_dropped),
                                sent_ms: event.at_ms as f64,
                                arrive_ms: *deliver_at_ms as f64,
                            },
                        );
                    }
                    TraceKind::Drop { id, .. } => {
                        if let Some(flight) = flights.get_mut(id) {
                            flight.dropped = true;
                        }
                    }
                    _ => {}
                }
                if let Some(caption) = narrator.tell(&simulation, event) {
                    captions.push((event.at_ms, caption));
                }
            }
            let links = pairs
                .iter()
                .map(|(a, b)| simulation.sites_connected(a, b))
                .collect();
            snapshots.push((at, simulation.nodes(), links));
            if at >= until_ms {
                break;
            }
            at = (at + SAMPLE_MS).min(until_ms);
        }
        // The scenario's labels come after the narrator's lines of the same instant, so
        // the author's words win, as in the widget.
        captions.extend(
            scenario
                .steps
                .iter()
                .filter_map(|step| step.label.clone().map(|label| (step.at_ms, label))),
        );
        captions.sort_by_key(|(at, _)| *at);

        let mut layout: Vec<(String, Vec<String>)> = sites
            .iter()
            .map(|site| (site.clone(), Vec::new()))
            .collect();
        for (_, nodes, _) in &snapshots {
            for node in nodes {
                let Some(position) = layout.iter().position(|(site, _)| *site == node.site) else {
                    layout.push((node.site.clone(), vec![node.id.clone()]));
                    continue;
                };
                if !layout[position].1.contains(&node.id) {
                    layout[position].1.push(node.id.clone());
                }
            }
        }
        let most_nodes = layout
            .iter()
            .map(|(_, nodes)| nodes.len())
            .max()
            .unwrap_or(1);
        let stage_height = (110.0 + 95.0 * most_nodes as f64).clamp(330.0, 720.0);
        let geometry = Geometry::new(&layout, stage_height);
        let node_names: Vec<String> = layout.iter().flat_map(|(_, nodes)| nodes.clone()).collect();
        let height = stage_height + CAPTION_HEIGHT;

        let mut tracks = Vec::new();
        // Links first (under the nodes), then nodes, then the panel and the caption.
        for (index, link) in geometry.links.iter().enumerate() {
            let latency = simulation
                .site_latency_ms(&link.first, &link.second)
                .unwrap_or(0);
            tracks.push(runs(snapshots.iter().map(|(at, _, links)| {
                let up = links.get(index).copied().unwrap_or(true);
                (*at, link_markup(link, up, latency))
            })));
        }
        for name in &node_names {
            let Some(spot) = geometry.node(name) else {
                continue;
            };
            tracks.push(runs(snapshots.iter().map(|(at, nodes, _)| {
                let markup = nodes
                    .iter()
                    .find(|node| node.id == *name)
                    .map(|node| node_markup(node, spot))
                    .unwrap_or_default();
                (*at, markup)
            })));
        }
        tracks.push(runs(snapshots.iter().map(|(at, nodes, _)| {
            (*at, committed_markup(nodes, &geometry, stage_height))
        })));
        tracks.push(runs(
            snapshots
                .iter()
                .filter(|(at, _, _)| at % CLOCK_MS == 0 || *at == until_ms)
                .map(|(at, _, _)| (*at, clock_markup(*at, &geometry, stage_height))),
        ));
        tracks.push(caption_track(&captions, until_ms, stage_height));

        let title = scenario
            .title
            .clone()
            .unwrap_or_else(|| scenario.name.clone());
        let fixed = fixed_markup(&geometry, stage_height);
        Picture {
            until_ms,
            title,
            geometry,
            height,
            node_names,
            fixed,
            tracks,
            flights: flights.into_values().collect(),
        }
    }

    /// Stretches messages too quick to see, as the widget does at its default speed:
    /// `duration_ms` real for the whole scenario.
    fn with_flights(mut self, duration_ms: u64) -> Picture {
        let speed = self.until_ms as f64 / duration_ms as f64;
        let min_flight = (MIN_FLIGHT_REAL_MS * speed).min(MAX_FLIGHT_STRETCH_MS);
        let end = self.until_ms as f64;
        for flight in &mut self.flights {
            flight.arrive_ms = flight.arrive_ms.max(flight.sent_ms + min_flight).min(end);
        }
        self.flights
            .retain(|flight| flight.arrive_ms > flight.sent_ms && flight.sent_ms < end);
        self
    }

    fn open_svg(&self, out: &mut String) {
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {VIEW_WIDTH} {h:.0}\" width=\"{VIEW_WIDTH}\" height=\"{h:.0}\" font-family=\"{FONT}\" role=\"img\" aria-label=\"{title}\">\n<title>{title}</title>\n<rect x=\"0\" y=\"0\" width=\"{VIEW_WIDTH}\" height=\"{h:.0}\" fill=\"#ffffff\"/>\n{fixed}",
            h = self.height,
            title = escape(&self.title),
            fixed = self.fixed,
        );
    }

    /// The animated SVG: the scenario over `duration_ms`, then the end held, looping.
    fn animated_svg(&self, duration_ms: u64) -> String {
        let total = (duration_ms + HOLD_MS) as f64;
        let scale = duration_ms as f64 / self.until_ms as f64;
        let key = |sim_ms: f64| (sim_ms * scale / total).clamp(0.0, 1.0);
        let dur = format!("{:.3}s", total / 1000.0);
        let mut out = String::new();
        self.open_svg(&mut out);
        for track in &self.tracks {
            out.push_str("<g>\n");
            for interval in track {
                if interval.markup.is_empty() {
                    continue;
                }
                let start = key(interval.from_ms as f64);
                // The last interval stays through the hold.
                let end = if interval.to_ms >= self.until_ms {
                    1.0
                } else {
                    key(interval.to_ms as f64)
                };
                if end <= start {
                    continue;
                }
                let (values, times, initial) = match (start > 0.0, end < 1.0) {
                    (false, false) => {
                        let _ = writeln!(out, "<g>{}</g>", interval.markup);
                        continue;
                    }
                    (false, true) => ("visible;hidden", format!("0;{end:.5}"), "visible"),
                    (true, false) => ("hidden;visible", format!("0;{start:.5}"), "hidden"),
                    (true, true) => (
                        "hidden;visible;hidden",
                        format!("0;{start:.5};{end:.5}"),
                        "hidden",
                    ),
                };
                let _ = writeln!(
                    out,
                    "<g visibility=\"{initial}\"><animate attributeName=\"visibility\" calcMode=\"discrete\" values=\"{values}\" keyTimes=\"{times}\" dur=\"{dur}\" repeatCount=\"indefinite\"/>{}</g>",
                    interval.markup
                );
            }
            out.push_str("</g>\n");
        }
        out.push_str("<g pointer-events=\"none\">\n");
        for flight in &self.flights {
            let Some(((x0, y0), (x1, y1))) = self.flight_ends(flight) else {
                continue;
            };
            let start = key(flight.sent_ms);
            let end = key(flight.arrive_ms);
            if end <= start {
                continue;
            }
            let (visibility, visible_times, moves, move_times) = if start > 0.0 {
                (
                    "hidden;visible;hidden",
                    format!("0;{start:.5};{end:.5}"),
                    format!("{x0:.1} {y0:.1};{x0:.1} {y0:.1};{x1:.1} {y1:.1};{x1:.1} {y1:.1}"),
                    format!("0;{start:.5};{end:.5};1"),
                )
            } else {
                (
                    "visible;hidden",
                    format!("0;{end:.5}"),
                    format!("{x0:.1} {y0:.1};{x1:.1} {y1:.1};{x1:.1} {y1:.1}"),
                    format!("0;{end:.5};1"),
                )
            };
            let initial = if start > 0.0 { "hidden" } else { "visible" };
            let _ = writeln!(
                out,
                "<g visibility=\"{initial}\" transform=\"translate({x0:.1} {y0:.1})\"{opacity}><animate attributeName=\"visibility\" calcMode=\"discrete\" values=\"{visibility}\" keyTimes=\"{visible_times}\" dur=\"{dur}\" repeatCount=\"indefinite\"/><animateTransform attributeName=\"transform\" type=\"translate\" calcMode=\"linear\" values=\"{moves}\" keyTimes=\"{move_times}\" dur=\"{dur}\" repeatCount=\"indefinite\"/>{shape}</g>",
                opacity = if flight.dropped { " opacity=\"0.55\"" } else { "" },
                shape = message_shape(flight.kind, flight.reject),
            );
        }
        out.push_str("</g>\n</svg>\n");
        out
    }

    /// A still SVG of the instant `at_ms` (simulated): what the animation shows then.
    #[cfg(feature = "png")]
    fn frame_svg(&self, at_ms: f64) -> String {
        let mut out = String::new();
        self.open_svg(&mut out);
        for track in &self.tracks {
            let shown = track.iter().find(|interval| {
                (interval.from_ms as f64) <= at_ms
                    && (at_ms < interval.to_ms as f64 || interval.to_ms >= self.until_ms)
            });
            if let Some(interval) = shown {
                out.push_str(&interval.markup);
                out.push('\n');
            }
        }
        for flight in &self.flights {
            if at_ms < flight.sent_ms || at_ms > flight.arrive_ms {
                continue;
            }
            let Some(((x0, y0), (x1, y1))) = self.flight_ends(flight) else {
                continue;
            };
            let progress = (at_ms - flight.sent_ms) / (flight.arrive_ms - flight.sent_ms);
            let (x, y) = (x0 + (x1 - x0) * progress, y0 + (y1 - y0) * progress);
            let _ = writeln!(
                out,
                "<g transform=\"translate({x:.1} {y:.1})\"{}>{}</g>",
                if flight.dropped {
                    " opacity=\"0.55\""
                } else {
                    ""
                },
                message_shape(flight.kind, flight.reject)
            );
        }
        out.push_str("</svg>\n");
        out
    }

    /// From edge to edge of the two circles, so a message never hides a node's name.
    fn flight_ends(&self, flight: &Flight) -> Option<((f64, f64), (f64, f64))> {
        let from = self.geometry.node(&flight.from)?;
        let to = self.geometry.node(&flight.to)?;
        let (dx, dy) = (to.cx - from.cx, to.cy - from.cy);
        let length = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / length, dy / length);
        Some((
            (
                from.cx + ux * (from.radius + 4.0),
                from.cy + uy * (from.radius + 4.0),
            ),
            (
                to.cx - ux * (to.radius + 4.0),
                to.cy - uy * (to.radius + 4.0),
            ),
        ))
    }
}

/// Run-length encodes (time, markup) samples into intervals.
fn runs(samples: impl Iterator<Item = (u64, String)>) -> Vec<Interval> {
    let mut intervals: Vec<Interval> = Vec::new();
    for (at, markup) in samples {
        match intervals.last_mut() {
            Some(last) if last.markup == markup => last.to_ms = at,
            Some(last) => {
                last.to_ms = at;
                intervals.push(Interval {
                    from_ms: at,
                    to_ms: at,
                    markup,
                });
            }
            None => intervals.push(Interval {
                from_ms: at,
                to_ms: at,
                markup,
            }),
        }
    }
    intervals
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Times as the widget writes them: `7,05 s`.
fn seconds(ms: u64) -> String {
    format!("{},{:02} s", ms / 1000, (ms % 1000) / 10)
}

fn term_colour(term: u64) -> &'static str {
    TERM_COLOURS[(term % TERM_COLOURS.len() as u64) as usize]
}

/// Fill, stroke and dash of a node's shape by role (`.role-*` in static/widgets.css).
fn role_style(role: Role) -> (&'static str, &'static str, Option<&'static str>) {
    match role {
        Role::Follower => ("#ffffff", "#475569", None),
        Role::Leader => ("#f59e0b", "#92400e", None),
        Role::Candidate => ("#fed7aa", "#c2410c", Some("7 4")),
        Role::PreCandidate => ("#fef9c3", "#a16207", Some("2 4")),
        Role::Down => ("#cbd5e1", "#64748b", Some("4 4")),
        Role::Learner => ("#dbeafe", "#1d4ed8", None),
    }
}

/// The role line's colour (`.role-text-*`).
fn role_text_colour(role: Role) -> &'static str {
    match role {
        Role::Leader => "#92400e",
        Role::Candidate | Role::PreCandidate => "#c2410c",
        Role::Down => DANGER,
        _ => INK,
    }
}

/// A message's shape centred on (0, 0) (`.msg-*`): ◆ votes, ■ appends, ● heartbeats,
/// ○ responses.
fn message_shape(kind: MessageKind, reject: bool) -> String {
    let (fill, stroke, width) = match kind {
        _ if reject => ("#ffffff", DANGER, 3.0),
        MessageKind::PreVote => ("#ddd6fe", "#6d28d9", 2.0),
        MessageKind::Vote => ("#7c3aed", "#4c1d95", 1.5),
        MessageKind::PreVoteResp | MessageKind::VoteResp => ("#ffffff", "#7c3aed", 3.0),
        MessageKind::Append => ("#1d4ed8", "#1e3a8a", 1.5),
        MessageKind::Heartbeat => ("#60a5fa", "#1d4ed8", 1.5),
        MessageKind::AppendResp | MessageKind::HeartbeatResp => ("#ffffff", "#15803d", 3.0),
        MessageKind::TimeoutNow => ("#f97316", "#9a3412", 1.5),
        MessageKind::Propose => ("#0d9488", "#115e59", 1.5),
    };
    let paint = format!("fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"");
    match kind {
        MessageKind::Append => {
            format!("<rect x=\"-7\" y=\"-7\" width=\"14\" height=\"14\" rx=\"2\" {paint}/>")
        }
        MessageKind::PreVote | MessageKind::Vote | MessageKind::TimeoutNow => {
            format!("<path d=\"M0 -8 l8 8 l-8 8 l-8 -8 z\" {paint}/>")
        }
        MessageKind::Heartbeat => format!("<circle r=\"5\" {paint}/>"),
        _ => format!("<circle r=\"6\" {paint}/>"),
    }
}

/// Site boxes, their names and the panel's frame: drawn once.
fn fixed_markup(geometry: &Geometry, stage_height: f64) -> String {
    let mut out = String::new();
    for (index, site) in geometry.sites.iter().enumerate() {
        let stroke = SITE_COLOURS.get(index).copied().unwrap_or("#cbd5e1");
        let _ = writeln!(
            out,
            "<g data-site=\"{name}\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"12\" fill=\"#f1f5f9\" stroke=\"{stroke}\" stroke-width=\"2\"/><text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"19\" font-weight=\"700\" fill=\"{MUTED}\">Site {name}</text></g>",
            name = escape(&site.name),
            x = site.x,
            y = site.y,
            w = site.width,
            h = site.height,
            tx = site.x + 14.0,
            ty = site.y + 24.0,
        );
    }
    let x = geometry.panel_x;
    let _ = writeln!(
        out,
        "<rect x=\"{x:.1}\" y=\"6\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"10\" fill=\"#ffffff\" stroke=\"#cbd5e1\" stroke-width=\"2\"/><text x=\"{tx:.1}\" y=\"36\" font-size=\"17\" font-weight=\"700\" fill=\"{MUTED}\">Écritures validées</text>",
        w = VIEW_WIDTH - x - 2.0,
        h = stage_height - 12.0,
        tx = x + 16.0,
    );
    out
}

fn link_markup(link: &scene::layout::LinkSpot, up: bool, latency: u64) -> String {
    let (lx, ly) = link.label;
    let line = |d: &str, colour: &str, dash: &str| {
        format!("<path d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"4\" stroke-linecap=\"round\"{dash}/>")
    };
    let name = format!("{}-{}", escape(&link.first), escape(&link.second));
    if up {
        format!(
            "<g data-link=\"{name}\" data-state=\"up\">{}<text x=\"{lx:.1}\" y=\"{:.1}\" font-size=\"16\" font-weight=\"600\" fill=\"{MUTED}\" text-anchor=\"middle\">{latency} ms</text></g>",
            line(&link.path, "#64748b", ""),
            ly - 8.0
        )
    } else {
        let dash = " stroke-dasharray=\"6 5\"";
        format!(
            "<g data-link=\"{name}\" data-state=\"down\">{}{}<text x=\"{lx:.1}\" y=\"{:.1}\" font-size=\"22\" font-weight=\"700\" fill=\"{DANGER}\" text-anchor=\"middle\">✕</text><text x=\"{lx:.1}\" y=\"{:.1}\" font-size=\"16\" font-weight=\"600\" fill=\"{DANGER}\" text-anchor=\"middle\">coupé</text></g>",
            line(&link.broken.0, DANGER, dash),
            line(&link.broken.1, DANGER, dash),
            ly + 7.0,
            ly - 10.0
        )
    }
}

/// One node as the widget draws it: shape by role, name, role line, log and commit bar
/// (the election timer, which moves every frame, is left out).
fn node_markup(node: &NodeView, spot: &scene::layout::NodeSpot) -> String {
    let (cx, cy, r) = (spot.cx, spot.cy, spot.radius);
    let role = node.role;
    let (fill, stroke, dash) = role_style(role);
    let dash = dash.map_or(String::new(), |dash| {
        format!(" stroke-dasharray=\"{dash}\" stroke-linecap=\"round\"")
    });
    let mut out = format!(
        "<g data-node=\"{id}\" data-role=\"{role_name}\" data-term=\"{term}\">",
        id = escape(&node.id),
        role_name = role.as_str(),
        term = node.term
    );
    if role == Role::Leader {
        let _ = write!(
            out,
            "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{:.1}\" fill=\"none\" stroke=\"#b45309\" stroke-width=\"3\"/>",
            r + 6.0
        );
    }
    if role == Role::Learner {
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"3\"{dash}/>",
            cx - r,
            cy - r,
            2.0 * r,
            2.0 * r
        );
    } else {
        let _ = write!(
            out,
            "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{r:.1}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"3\"{dash}/>"
        );
    }
    if role == Role::Down {
        let k = r * 0.55;
        let _ = write!(
            out,
            "<path d=\"M{:.1} {:.1} L{:.1} {:.1} M{:.1} {:.1} L{:.1} {:.1}\" stroke=\"{DANGER}\" stroke-width=\"4\" stroke-linecap=\"round\"/>",
            cx - k, cy - k, cx + k, cy + k, cx + k, cy - k, cx - k, cy + k
        );
    }
    let _ = write!(
        out,
        "<text x=\"{cx:.1}\" y=\"{:.1}\" font-size=\"18\" font-weight=\"800\" text-anchor=\"middle\" fill=\"{INK}\" stroke=\"#ffffff\" stroke-opacity=\"0.85\" stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\">{}</text>",
        cy + 6.0,
        escape(&node.id)
    );
    if role == Role::Leader {
        let _ = write!(
            out,
            "<text x=\"{cx:.1}\" y=\"{:.1}\" font-size=\"18\" fill=\"#b45309\" text-anchor=\"middle\">★</text>",
            cy - r - 10.0
        );
    }
    let mut line = format!("{} · terme {}", role_text(role), node.term);
    if matches!(role, Role::Candidate | Role::PreCandidate) {
        let _ = write!(
            line,
            " · votes {}/{}",
            node.votes.len(),
            node.voters.len().max(1)
        );
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"17\" font-weight=\"700\" fill=\"{}\">{}</text>",
        spot.text_x,
        cy - 8.0,
        role_text_colour(role),
        escape(&line)
    );
    out.push_str(&log_markup(
        &node.log,
        node.commit_index,
        spot.text_x,
        cy,
        spot.log_slots,
    ));
    out.push_str("</g>");
    out
}

/// The log's last entries as coloured boxes (filled: committed; outlined: not yet), with
/// the bar under the committed prefix, as in the widget.
fn log_markup(log: &[EntryView], commit_index: u64, x: f64, cy: f64, slots: usize) -> String {
    let y = cy + 1.0;
    let (start, offset) = if log.len() > slots {
        (log.len() - (slots - 1).max(1), 1usize)
    } else {
        (0, 0)
    };
    let position = |index_in_view: usize| x + (index_in_view + offset) as f64 * ENTRY_PITCH;
    let mut out = String::new();
    if offset > 0 {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"18\" fill=\"{MUTED}\" text-anchor=\"middle\">…</text>",
            x + 8.0,
            y + 17.0
        );
    }
    let mut committed_visible = 0;
    for (i, entry) in log.iter().skip(start).enumerate() {
        let committed = entry.index <= commit_index;
        if committed {
            committed_visible += 1;
        }
        let colour = term_colour(entry.term);
        let bx = position(i);
        let (fill, text_fill) = if committed {
            (colour, "#ffffff")
        } else {
            ("#ffffff", colour)
        };
        let dash = if committed {
            ""
        } else {
            " stroke-dasharray=\"4 3\""
        };
        let label = match entry.kind {
            sim::view::EntryKind::Noop => "∅".to_owned(),
            sim::view::EntryKind::Conf => "⚙".to_owned(),
            sim::view::EntryKind::Snapshot => "▣".to_owned(),
            sim::view::EntryKind::Value => entry.term.to_string(),
        };
        let _ = write!(
            out,
            "<rect x=\"{bx:.1}\" y=\"{y:.1}\" width=\"{ENTRY_WIDTH}\" height=\"{ENTRY_HEIGHT}\" rx=\"4\" fill=\"{fill}\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"14\" font-weight=\"700\" text-anchor=\"middle\" fill=\"{text_fill}\">{label}</text>",
            bx + ENTRY_WIDTH / 2.0,
            y + 17.0
        );
    }
    if committed_visible > 0 {
        let base = y + ENTRY_HEIGHT + 5.0;
        let tip = position(committed_visible - 1) + ENTRY_WIDTH / 2.0;
        let _ = write!(
            out,
            "<path d=\"M{:.1} {base:.1} H{:.1}\" stroke=\"{INK}\" stroke-width=\"3\"/><path d=\"M{tip:.1} {base:.1} l-6 8 h12 z\" fill=\"{INK}\"/>",
            position(0),
            position(committed_visible - 1) + ENTRY_WIDTH
        );
    }
    out
}

/// The committed values, read from the most advanced node, newest last.
fn committed_markup(nodes: &[NodeView], geometry: &Geometry, stage_height: f64) -> String {
    let Some(best) = nodes.iter().max_by_key(|node| node.commit_index) else {
        return String::new();
    };
    // A restored snapshot holds several values: list them one by one.
    let values: Vec<&str> = best
        .log
        .iter()
        .filter(|entry| entry.index <= best.commit_index)
        .filter_map(|entry| match entry.kind {
            sim::view::EntryKind::Value => entry.value.as_deref().map(|value| vec![value]),
            sim::view::EntryKind::Snapshot => entry
                .value
                .as_deref()
                .map(|values| values.split(", ").filter(|v| !v.is_empty()).collect()),
            _ => None,
        })
        .flatten()
        .collect();
    let room = ((stage_height - 110.0) / 26.0).floor().max(1.0) as usize;
    let shown = &values[values.len().saturating_sub(room)..];
    let x = geometry.panel_x + 16.0;
    let mut out = String::new();
    if shown.is_empty() {
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"66\" font-size=\"16\" fill=\"{MUTED}\" font-style=\"italic\">aucune pour l’instant</text>"
        );
    }
    for (row, value) in shown.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"17\" font-family=\"'DejaVu Sans Mono', Menlo, Consolas, monospace\" font-weight=\"700\" fill=\"{INK}\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"17\" font-weight=\"600\" fill=\"#15803d\" text-anchor=\"end\">✔ validée</text>",
            66.0 + row as f64 * 26.0,
            escape(value),
            VIEW_WIDTH - 18.0,
            66.0 + row as f64 * 26.0
        );
    }
    out
}

fn clock_markup(at_ms: u64, geometry: &Geometry, stage_height: f64) -> String {
    format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"17\" font-weight=\"600\" fill=\"{MUTED}\">t = {}</text>",
        geometry.panel_x + 16.0,
        stage_height - 22.0,
        seconds(at_ms)
    )
}

/// The caption band: the latest told event, with its time, like the widget's line.
fn caption_track(captions: &[(u64, String)], until_ms: u64, stage_height: f64) -> Vec<Interval> {
    let y = stage_height + 34.0;
    let band = |text: String| {
        format!(
            "<rect x=\"0\" y=\"{:.1}\" width=\"{VIEW_WIDTH}\" height=\"{:.1}\" fill=\"#fefce8\"/><rect x=\"0\" y=\"{:.1}\" width=\"5\" height=\"{:.1}\" fill=\"#f59e0b\"/>{text}",
            stage_height + 8.0,
            CAPTION_HEIGHT - 12.0,
            stage_height + 8.0,
            CAPTION_HEIGHT - 12.0
        )
    };
    let mut samples = vec![(0, band(String::new()))];
    for (at, text) in captions {
        let at = (*at).min(until_ms);
        let markup = band(format!(
            "<text x=\"18\" y=\"{y:.1}\" font-size=\"15\" fill=\"{MUTED}\">{}</text><text x=\"84\" y=\"{y:.1}\" font-size=\"20\" fill=\"{INK}\">{}</text>",
            seconds(at),
            escape(text)
        ));
        samples.push((at, markup));
    }
    samples.push((
        until_ms,
        samples.last().map(|(_, m)| m.clone()).unwrap_or_default(),
    ));
    // Two captions at the same instant: the later one wins.
    let mut deduplicated: Vec<(u64, String)> = Vec::new();
    for (at, markup) in samples {
        match deduplicated.last_mut() {
            Some(last) if last.0 == at => last.1 = markup,
            _ => deduplicated.push((at, markup)),
        }
    }
    runs(deduplicated.into_iter())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIDGETS_CSS: &str = include_str!("../../static/widgets.css");
    const DECK_CSS: &str = include_str!("../../static/raftdeck.css");

    /// widgets.css with the custom properties of raftdeck.css's `:root` resolved.
    fn resolved_widgets_css() -> String {
        let mut css = WIDGETS_CSS.to_owned();
        for line in DECK_CSS.lines() {
            let Some((name, value)) = line.trim().split_once(':') else {
                continue;
            };
            if let (Some(name), Some(value)) =
                (name.strip_prefix("--"), value.trim().strip_suffix(';'))
            {
                css = css.replace(&format!("var(--{name})"), value.trim());
            }
        }
        css
    }

    #[test]
    fn role_colours_are_the_widget_stylesheet_s() {
        let css = resolved_widgets_css();
        for role in [
            Role::Follower,
            Role::Leader,
            Role::Candidate,
            Role::PreCandidate,
            Role::Down,
            Role::Learner,
        ] {
            let (fill, stroke, dash) = role_style(role);
            let mut rule = format!(".role-{} {{ fill: {fill}; stroke: {stroke};", role.as_str());
            if let Some(dash) = dash {
                rule.push_str(&format!(" stroke-dasharray: {dash};"));
            }
            assert!(css.contains(&rule), "widgets.css lacks `{rule}`");
        }
    }

    #[test]
    fn message_colours_are_the_widget_stylesheet_s() {
        let css = resolved_widgets_css();
        let attribute = |markup: &str, name: &str| {
            let start = markup.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
            let length = markup[start..].find('"').expect("a closing quote");
            markup[start..start + length].to_owned()
        };
        for (kind, selector) in [
            (MessageKind::PreVote, ".msg-prevote path"),
            (MessageKind::Vote, ".msg-vote path"),
            (MessageKind::VoteResp, ".msg-vote-resp circle"),
            (MessageKind::Append, ".msg-append rect"),
            (MessageKind::Heartbeat, ".msg-heartbeat circle"),
            (MessageKind::AppendResp, ".msg-resp circle"),
            (MessageKind::TimeoutNow, ".msg-timeout-now path"),
            (MessageKind::Propose, ".msg-propose circle"),
        ] {
            let markup = message_shape(kind, false);
            let rule = format!(
                "{selector} {{ fill: {}; stroke: {}; stroke-width: {}; }}",
                attribute(&markup, "fill").replace("#ffffff", "#fff"),
                attribute(&markup, "stroke"),
                attribute(&markup, "stroke-width")
            );
            assert!(css.contains(&rule), "widgets.css lacks `{rule}`");
        }
    }

    #[test]
    fn runs_merge_equal_neighbours() {
        let samples = [(0, "a"), (10, "a"), (20, "b"), (30, "b"), (40, "a")]
            .into_iter()
            .map(|(at, markup)| (at, markup.to_owned()));
        let intervals = runs(samples);
        let spans: Vec<(u64, u64, &str)> = intervals
            .iter()
            .map(|interval| (interval.from_ms, interval.to_ms, interval.markup.as_str()))
            .collect();
        assert_eq!(spans, vec![(0, 20, "a"), (20, 40, "b"), (40, 40, "a")]);
    }

    #[test]
    fn frame_counts_include_both_ends() {
        assert_eq!(frame_count(10, 1000), 11);
        assert_eq!(frame_count(4, 2000), 9);
        assert_eq!(frame_count(1, 500), 1);
    }

    #[test]
    fn seconds_are_written_the_french_way() {
        assert_eq!(seconds(7050), "7,05 s");
        assert_eq!(seconds(0), "0,00 s");
    }
}
