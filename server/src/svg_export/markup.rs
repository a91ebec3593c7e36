//! Each part of the exported picture as SVG markup: a node, its log, a link, the panel,
//! the clock and the caption band, in the colours and shapes of `static/widgets.css`
//! written as presentation attributes (the tests check they still match the CSS).

use std::fmt::Write as _;

use scene::layout::{Geometry, ENTRY_HEIGHT, ENTRY_PITCH, ENTRY_WIDTH, TERM_COLOURS, VIEW_WIDTH};
use scene::narration::role_text;
use sim::{EntryView, MessageKind, NodeView, Role};

use super::{runs, Interval, CAPTION_HEIGHT};

/// Site box outlines, in site order (`--site-a`, `--site-b`, `--site-c`).
const SITE_COLOURS: [&str; 3] = ["#1d4ed8", "#15803d", "#b45309"];
const INK: &str = "#1b1f24";
const MUTED: &str = "#475569";
const DANGER: &str = "#b91c1c";

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

fn term_colour(term: u64) -> &'static str {
    TERM_COLOURS[(term % TERM_COLOURS.len() as u64) as usize]
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
pub(super) fn fixed_markup(geometry: &Geometry, stage_height: f64) -> String {
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

pub(super) fn link_markup(link: &scene::layout::LinkSpot, up: bool, latency: u64) -> String {
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
pub(super) fn node_markup(node: &NodeView, spot: &scene::layout::NodeSpot) -> String {
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
