//! `raftdeck export SCENARIO.json --svg out.svg [--png-frames DIR]`: a Raft (etcd)
//! scenario as a self-contained animated SVG that plays in any browser or slide tool,
//! and optionally as numbered PNG frames.
//!
//! The picture is the live widget's (`widgets/src/raft/stage.rs`): the same scene
//! (`scene::picture::Scene`: geometry, role lines, log boxes, link marks, message
//! shapes), the same French captions (`scene::narration::Narrator` plus the scenario's
//! labels), and the colours of `static/widgets.css`, written as presentation attributes
//! because a standalone SVG has no stylesheet to lean on (a test checks they still match
//! the CSS). The client panel differs: here it lists the committed values.
//!
//! How: the scenario runs once, sampled every [`SAMPLE_MS`] simulated milliseconds. Each
//! part of the picture (a node, a link, the caption, the panel) becomes a list of
//! intervals during which its markup does not change; every message becomes a flight
//! from its sender to its receiver. The animated SVG shows each interval with a discrete
//! SMIL `<animate>` of `visibility` and moves each message with `<animateTransform>`,
//! all on one looping timeline; a PNG frame is the same [`Picture`] cut at one instant
//! and rasterized by resvg (the `png` feature, on by default). Each part's markup is
//! written by the `markup` submodule.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use scene::layout::{Geometry, MAX_FLIGHT_STRETCH_MS, MIN_FLIGHT_REAL_MS, VIEW_WIDTH};
use scene::narration::Narrator;
use sim::{MessageKind, NodeView, Scenario, Simulation, TraceKind};

use markup::{
    caption_track, clock_markup, committed_markup, escape, link_markup, message_shape, node_markup,
    panel_frame_markup, site_markup,
};
use scene::picture::{flight_ends, Scene, DROPPED_MESSAGE_OPACITY};

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
            other.system().name()
        ))),
        Err(error) => Err(BadScenario(format!("{}: {error}", path.display()))),
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
        // Like the frames' folder, the file's folder is made if missing.
        if let Some(folder) = svg.parent().filter(|folder| !folder.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("cannot create {}", folder.display()))?;
        }
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

/// The state at one sample: its time, the nodes, and for each pair of sites whether they
/// can talk and their latency (ms).
type Sample = (u64, Vec<NodeView>, Vec<(bool, u64)>);

/// The whole animation, in simulated time.
struct Picture {
    until_ms: u64,
    title: String,
    geometry: Geometry,
    height: f64,
    node_names: Vec<String>,
    /// Parts drawn once (the panel's frame).
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
        let mut snapshots: Vec<Sample> = Vec::new();
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
                .map(|(a, b)| {
                    let latency = simulation.site_latency_ms(a, b).unwrap_or(0);
                    (simulation.sites_connected(a, b), latency)
                })
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

        // The stage at every sample, as the widget would draw it.
        let scenes: Vec<(u64, Scene)> = snapshots
            .iter()
            .map(|(at, nodes, links)| {
                let link = |a: &str, b: &str| {
                    pairs
                        .iter()
                        .position(|(x, y)| (x, y) == (&a.to_owned(), &b.to_owned()))
                        .and_then(|index| links.get(index).copied())
                        .unwrap_or((true, 0))
                };
                (*at, Scene::new(&geometry, nodes, link))
            })
            .collect();
        let mut tracks = Vec::new();
        // Sites, then links (under the nodes), then nodes, then the panel and the caption.
        for (position, _) in geometry.sites.iter().enumerate() {
            tracks.push(runs(scenes.iter().map(|(at, scene)| {
                (*at, site_markup(&scene.sites[position], position))
            })));
        }
        for position in 0..geometry.links.len() {
            tracks.push(runs(
                scenes
                    .iter()
                    .map(|(at, scene)| (*at, link_markup(&scene.links[position]))),
            ));
        }
        for name in &node_names {
            tracks.push(runs(scenes.iter().map(|(at, scene)| {
                let markup = scene
                    .nodes
                    .iter()
                    .find(|node| node.id == *name)
                    .map(node_markup)
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
        let fixed = panel_frame_markup(&geometry, stage_height);
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
                opacity = dropped_opacity(flight.dropped),
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
            let Some(ends) = self.flight_ends(flight) else {
                continue;
            };
            let progress = (at_ms - flight.sent_ms) / (flight.arrive_ms - flight.sent_ms);
            let (x, y) = scene::picture::flight_position(ends, progress);
            let _ = writeln!(
                out,
                "<g transform=\"translate({x:.1} {y:.1})\"{}>{}</g>",
                dropped_opacity(flight.dropped),
                message_shape(flight.kind, flight.reject)
            );
        }
        out.push_str("</svg>\n");
        out
    }

    /// Where a message leaves and lands (`scene::picture::flight_ends`).
    fn flight_ends(&self, flight: &Flight) -> Option<((f64, f64), (f64, f64))> {
        let from = self.geometry.node(&flight.from)?;
        let to = self.geometry.node(&flight.to)?;
        Some(flight_ends(from, to))
    }
}

/// Run-length encodes (time, markup) samples into intervals.
/// The opacity attribute of a message in flight: the widget's for one the network will
/// drop, none otherwise.
fn dropped_opacity(dropped: bool) -> String {
    if dropped {
        format!(" opacity=\"{DROPPED_MESSAGE_OPACITY}\"")
    } else {
        String::new()
    }
}

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

mod markup;
#[cfg(test)]
mod tests;
