//! Each part of the exported picture as SVG markup: a node, its log, a link, the panel,
//! the clock and the caption band, in the colours and shapes of `static/widgets.css`
//! written as presentation attributes (the tests check they still match the CSS).

use std::fmt::Write as _;

use scene::layout::{Geometry, ENTRY_HEIGHT, ENTRY_WIDTH, VIEW_WIDTH};
use scene::picture::{
    LinkFigure, LogFigure, MessageShape, NodeFigure, SiteFigure, CUT_LINK_TEXT, DOWN_SITE_TEXT,
    EMPTY_SITE_TEXT,
};
use sim::{MessageKind, NodeView, Role};

use super::{runs, Interval, CAPTION_HEIGHT};

/// Site box outlines, in site order (`--site-a`, `--site-b`, `--site-c`).
const SITE_COLOURS: [&str; 3] = ["#1d4ed8", "#15803d", "#b45309"];
const INK: &str = "#1b1f24";
const MUTED: &str = "#475569";
pub(super) const DANGER: &str = "#b91c1c";

pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Times as the widget writes them: `7,05 s`.
pub(super) fn seconds(ms: u64) -> String {
    format!("{},{:02} s", ms / 1000, (ms % 1000) / 10)
}

/// Fill, stroke and dash of a node's shape by role (`.role-*` in static/widgets.css).
pub(super) fn role_style(role: Role) -> (&'static str, &'static str, Option<&'static str>) {
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
pub(super) fn message_shape(kind: MessageKind, reject: bool) -> String {
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
    match MessageShape::of(kind) {
        MessageShape::Square(half) => format!(
            "<rect x=\"-{half}\" y=\"-{half}\" width=\"{side}\" height=\"{side}\" rx=\"2\" {paint}/>",
            side = 2.0 * half
        ),
        MessageShape::Diamond(half) => format!(
            "<path d=\"{}\" {paint}/>",
            MessageShape::diamond_path(half, 0.0, 0.0)
        ),
        MessageShape::Dot(radius) => format!("<circle r=\"{radius}\" {paint}/>"),
    }
}

/// A site's box and name, failed when all its members are down (`.raft-site*`).
pub(super) fn site_markup(site: &SiteFigure, position: usize) -> String {
    let (x, y, width, height) = site.frame;
    let (title, (title_x, title_y)) = &site.title;
    let (fill, stroke, dash) = match site.down_mark {
        Some(_) => ("#e2e8f0", DANGER, " stroke-dasharray=\"8 6\""),
        None => (
            "#f1f5f9",
            SITE_COLOURS.get(position).copied().unwrap_or("#cbd5e1"),
            "",
        ),
    };
    let mut out = format!(
        "<g data-site=\"{name}\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{height:.1}\" rx=\"12\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"2\"{dash}/><text x=\"{title_x:.1}\" y=\"{title_y:.1}\" font-size=\"19\" font-weight=\"700\" fill=\"{MUTED}\">{title}</text>",
        name = escape(&site.name),
        title = escape(title),
    );
    if let Some((mark_x, mark_y)) = site.down_mark {
        let _ = write!(
            out,
            "<text x=\"{mark_x:.1}\" y=\"{mark_y:.1}\" font-size=\"17\" font-weight=\"800\" fill=\"{DANGER}\" text-anchor=\"end\">{DOWN_SITE_TEXT}</text>"
        );
    }
    if let Some((empty_x, empty_y)) = site.empty_mark {
        let _ = write!(
            out,
            "<text x=\"{empty_x:.1}\" y=\"{empty_y:.1}\" font-size=\"20\" font-style=\"italic\" fill=\"{MUTED}\" text-anchor=\"middle\">{EMPTY_SITE_TEXT}</text>"
        );
    }
    out.push_str("</g>");
    out
}

/// The client panel's frame and title: drawn once.
pub(super) fn panel_frame_markup(geometry: &Geometry, stage_height: f64) -> String {
    let x = geometry.panel_x;
    format!(
        "<rect x=\"{x:.1}\" y=\"6\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"10\" fill=\"#ffffff\" stroke=\"#cbd5e1\" stroke-width=\"2\"/><text x=\"{tx:.1}\" y=\"36\" font-size=\"17\" font-weight=\"700\" fill=\"{MUTED}\">Écritures validées</text>\n",
        w = VIEW_WIDTH - x - 2.0,
        h = stage_height - 12.0,
        tx = x + 16.0,
    )
}

/// A link, up with its latency or cut with its mark (`.raft-link*`).
pub(super) fn link_markup(link: &LinkFigure) -> String {
    let line = |d: &str, colour: &str, dash: &str| {
        format!("<path d=\"{d}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"4\" stroke-linecap=\"round\"{dash}/>")
    };
    let mut out = format!(
        "<g data-link=\"{}\" data-state=\"{}\">",
        escape(&link.name),
        if link.up { "up" } else { "down" }
    );
    if let Some((latency, (x, y))) = &link.latency_label {
        out.push_str(&line(&link.path, "#64748b", ""));
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"16\" font-weight=\"600\" fill=\"{MUTED}\" text-anchor=\"middle\">{latency}</text>"
        );
    }
    if let Some((first, second)) = &link.halves {
        let dash = " stroke-dasharray=\"6 5\"";
        out.push_str(&line(first, DANGER, dash));
        out.push_str(&line(second, DANGER, dash));
    }
    if let Some(mark) = &link.cut_mark {
        let ((cx, cy), (x, y), ((wx, wy), beside)) = (mark.centre, mark.cross_at, mark.word_at);
        let _ = write!(
            out,
            "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{r}\" fill=\"#ffffff\" stroke=\"{DANGER}\" stroke-width=\"4\"/><text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"24\" font-weight=\"800\" fill=\"{DANGER}\" text-anchor=\"middle\">✕</text><text x=\"{wx:.1}\" y=\"{wy:.1}\" font-size=\"16\" font-weight=\"600\" fill=\"{DANGER}\" text-anchor=\"{anchor}\">{CUT_LINK_TEXT}</text>",
            r = mark.radius,
            anchor = if beside { "start" } else { "middle" },
        );
    }
    out.push_str("</g>");
    out
}

/// One node as the widget draws it: shape by role, name, role line, log and commit bar
/// (the election timer, which moves every frame, is left out).
pub(super) fn node_markup(node: &NodeFigure) -> String {
    let ((cx, cy), r, role) = (node.centre, node.radius, node.role);
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
    if let Some((ring, _)) = node.leader {
        let _ = write!(
            out,
            "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{ring:.1}\" fill=\"none\" stroke=\"#b45309\" stroke-width=\"3\"/>"
        );
    }
    if node.square {
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
    if let Some(cross) = &node.down_cross {
        let _ = write!(
            out,
            "<path d=\"{cross}\" stroke=\"{DANGER}\" stroke-width=\"4\" stroke-linecap=\"round\"/>"
        );
    }
    let (name_x, name_y) = node.name_at;
    let _ = write!(
        out,
        "<text x=\"{name_x:.1}\" y=\"{name_y:.1}\" font-size=\"18\" font-weight=\"800\" text-anchor=\"middle\" fill=\"{INK}\" stroke=\"#ffffff\" stroke-opacity=\"0.85\" stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\">{}</text>",
        escape(&node.id)
    );
    if let Some((_, (star_x, star_y))) = node.leader {
        let _ = write!(
            out,
            "<text x=\"{star_x:.1}\" y=\"{star_y:.1}\" font-size=\"18\" fill=\"#b45309\" text-anchor=\"middle\">★</text>"
        );
    }
    let line = &node.role_line;
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{}\" font-weight=\"700\" fill=\"{}\">{}</text>",
        line.at.0,
        line.at.1,
        line.font_size,
        role_text_colour(role),
        escape(&line.shown)
    );
    out.push_str(&log_markup(&node.log));
    out.push_str("</g>");
    out
}

/// The log's last entries as coloured boxes (filled: committed; outlined: not yet), with
/// the bar under the committed prefix, as in the widget.
fn log_markup(log: &LogFigure) -> String {
    let mut out = String::new();
    if let Some((x, y)) = log.more_at {
        let _ = write!(
            out,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"18\" fill=\"{MUTED}\" text-anchor=\"middle\">…</text>"
        );
    }
    for entry in &log.entries {
        let colour = entry.colour;
        let (fill, text_fill, dash) = if entry.committed {
            (colour, "#ffffff", "")
        } else {
            ("#ffffff", colour, " stroke-dasharray=\"4 3\"")
        };
        let ((bx, by), (tx, ty)) = (entry.at, entry.mark_at);
        let _ = write!(
            out,
            "<rect x=\"{bx:.1}\" y=\"{by:.1}\" width=\"{ENTRY_WIDTH}\" height=\"{ENTRY_HEIGHT}\" rx=\"4\" fill=\"{fill}\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/><text x=\"{tx:.1}\" y=\"{ty:.1}\" font-size=\"14\" font-weight=\"700\" text-anchor=\"middle\" fill=\"{text_fill}\">{}</text>",
            escape(&entry.mark)
        );
    }
    if let Some((bar, mark)) = &log.commit {
        let _ = write!(
            out,
            "<path d=\"{bar}\" stroke=\"{INK}\" stroke-width=\"3\"/><path d=\"{mark}\" fill=\"{INK}\"/>"
        );
    }
    out
}

/// The committed values, read from the most advanced node, newest last.
pub(super) fn committed_markup(
    nodes: &[NodeView],
    geometry: &Geometry,
    stage_height: f64,
) -> String {
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

pub(super) fn clock_markup(at_ms: u64, geometry: &Geometry, stage_height: f64) -> String {
    format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"17\" font-weight=\"600\" fill=\"{MUTED}\">t = {}</text>",
        geometry.panel_x + 16.0,
        stage_height - 22.0,
        seconds(at_ms)
    )
}

/// The caption band: the latest told event, with its time, like the widget's line.
pub(super) fn caption_track(
    captions: &[(u64, String)],
    until_ms: u64,
    stage_height: f64,
) -> Vec<Interval> {
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
