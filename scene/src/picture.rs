//! The Raft picture at one instant as a scene: what is drawn where and what it says —
//! sites, links, nodes with their role line and log, messages in flight — apart from
//! how it is drawn.
//!
//! Two renderers draw the same scene: the widget (`widgets/src/raft/stage.rs`, Yew,
//! styled by `static/widgets.css`) and `raftdeck export`
//! (`server/src/svg_export/markup.rs`, SVG strings with presentation attributes). Before
//! this module each computed its own positions and wording, and the two drifted (the
//! export wrote « votes 0/3 » the widget hid, and put « coupé » elsewhere); now a
//! renderer only picks elements and paint. Colours stay with the renderers: the widget's
//! are CSS, the export's are checked against that CSS by its tests.

use sim::view::{EntryKind, EntryView, NodeView};
use sim::{MessageKind, Role};

use crate::layout::{
    first_fitting, Geometry, LinkSpot, NodeSpot, SiteBox, ENTRY_HEIGHT, ENTRY_PITCH, ENTRY_WIDTH,
    TERM_COLOURS,
};
use crate::narration::role_text;

/// The colour of a term's log boxes.
pub fn term_colour(term: u64) -> &'static str {
    TERM_COLOURS[(term % TERM_COLOURS.len() as u64) as usize]
}

/// The whole stage at one instant, the client panel excepted (the widget's and the
/// export's panels say different things: the client's writes, the committed values).
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// Site boxes, in the layout's order.
    pub sites: Vec<SiteFigure>,
    /// Links between sites, in the layout's order.
    pub links: Vec<LinkFigure>,
    /// Nodes that have a spot in the layout, in the order given.
    pub nodes: Vec<NodeFigure>,
}

impl Scene {
    /// The scene of `nodes` laid out by `geometry`; `link` says whether two sites can
    /// talk and their one-way latency (ms).
    pub fn new(
        geometry: &Geometry,
        nodes: &[NodeView],
        link: impl Fn(&str, &str) -> (bool, u64),
    ) -> Scene {
        Scene {
            sites: geometry
                .sites
                .iter()
                .map(|site| SiteFigure::new(site, geometry, nodes))
                .collect(),
            links: geometry
                .links
                .iter()
                .map(|spot| {
                    let (up, latency_ms) = link(&spot.first, &spot.second);
                    LinkFigure::new(spot, up, latency_ms)
                })
                .collect(),
            nodes: nodes
                .iter()
                .filter_map(|node| Some(NodeFigure::new(node, geometry.node(&node.id)?)))
                .collect(),
        }
    }
}

/// A site's box and its marks.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteFigure {
    /// Site name.
    pub name: String,
    /// The box: left, top, width, height.
    pub frame: (f64, f64, f64, f64),
    /// « Site A » and where it is written (start anchored).
    pub title: (String, (f64, f64)),
    /// Every member is down: « ✕ en panne » at this spot (end anchored).
    pub down_mark: Option<(f64, f64)>,
    /// No member here (a 3/0 placement): « aucun membre etcd ici » at this spot (centred),
    /// or the empty box looks broken.
    pub empty_mark: Option<(f64, f64)>,
}

/// What a site with no member says.
pub const EMPTY_SITE_TEXT: &str = "aucun membre etcd ici";
/// What a site whose members are all down says.
pub const DOWN_SITE_TEXT: &str = "✕ en panne";

impl SiteFigure {
    fn new(site: &SiteBox, geometry: &Geometry, nodes: &[NodeView]) -> SiteFigure {
        let empty = !geometry
            .nodes
            .iter()
            .any(|spot| spot.cx > site.x && spot.cx < site.x + site.width);
        let down = !empty
            && nodes
                .iter()
                .filter(|node| node.site == site.name)
                .all(|node| node.role == Role::Down);
        SiteFigure {
            name: site.name.clone(),
            frame: (site.x, site.y, site.width, site.height),
            title: (
                format!("Site {}", site.name),
                (site.x + 14.0, site.y + 24.0),
            ),
            down_mark: down.then_some((site.x + site.width - 14.0, site.y + 24.0)),
            empty_mark: empty.then_some((site.x + site.width / 2.0, site.y + site.height / 2.0)),
        }
    }
}

/// A link between two sites, up or cut.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkFigure {
    /// First site (the layout's order).
    pub first: String,
    /// Second site.
    pub second: String,
    /// `A-B`: the `data-link` both renderers write.
    pub name: String,
    /// Whether the sites can talk.
    pub up: bool,
    /// One-way latency (ms).
    pub latency_ms: u64,
    /// The whole line (up), its click target.
    pub path: String,
    /// Up: « 12 ms » and where (centred).
    pub latency_label: Option<(String, (f64, f64))>,
    /// Cut: the two halves, the gap between them.
    pub halves: Option<(String, String)>,
    /// Cut: the mark's circle centre and radius, and the « ✕ » in it (centred).
    pub cut_mark: Option<CutMark>,
}

/// The mark on a cut link.
#[derive(Clone, Debug, PartialEq)]
pub struct CutMark {
    /// Centre of the circle.
    pub centre: (f64, f64),
    /// Radius of the circle.
    pub radius: f64,
    /// Baseline of the « ✕ » (centred).
    pub cross_at: (f64, f64),
    /// Baseline of « coupé »: below the mark on a straight link, beside it on an arc
    /// (above would leave the viewBox). The bool says « beside » (start anchored).
    pub word_at: ((f64, f64), bool),
}

/// What a cut link says beside its mark.
pub const CUT_LINK_TEXT: &str = "coupé";

/// Opacity of a message in flight that the network will drop: visible, but marked as
/// not going to arrive (the widget then fades it out under a ✕ where it was lost).
pub const DROPPED_MESSAGE_OPACITY: f64 = 0.85;

impl LinkFigure {
    /// The figure of `spot` in the state given.
    pub fn new(spot: &LinkSpot, up: bool, latency_ms: u64) -> LinkFigure {
        let (lx, ly) = spot.label;
        LinkFigure {
            first: spot.first.clone(),
            second: spot.second.clone(),
            name: format!("{}-{}", spot.first, spot.second),
            up,
            latency_ms,
            path: spot.path.clone(),
            latency_label: up.then(|| (format!("{latency_ms} ms"), (lx, ly - 8.0))),
            halves: (!up).then(|| spot.broken.clone()),
            cut_mark: (!up).then_some(CutMark {
                centre: (lx, ly),
                radius: 14.0,
                cross_at: (lx, ly + 8.0),
                word_at: if spot.arc {
                    ((lx + 20.0, ly - 8.0), true)
                } else {
                    ((lx, ly + 34.0), false)
                },
            }),
        }
    }
}

/// A node: its shape by role, name, role line and log.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeFigure {
    /// Node name, written in the shape.
    pub id: String,
    /// Its site.
    pub site: String,
    /// Its role (the renderers paint by it).
    pub role: Role,
    /// Its term.
    pub term: u64,
    /// Its commit index.
    pub commit_index: u64,
    /// Centre of the shape.
    pub centre: (f64, f64),
    /// Radius of the circle, half side of the square.
    pub radius: f64,
    /// A learner is a rounded square, every voter a circle.
    pub square: bool,
    /// The leader's ring (radius) and its ★ (centred baseline).
    pub leader: Option<(f64, (f64, f64))>,
    /// A down node is crossed out (an SVG path).
    pub down_cross: Option<String>,
    /// Baseline of the name (centred).
    pub name_at: (f64, f64),
    /// The line beside the shape.
    pub role_line: RoleLine,
    /// The log's boxes.
    pub log: LogFigure,
}

/// The role line: « leader · terme 3 », shortened to what the site has room for.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleLine {
    /// Everything it says (tooltips and screen readers get it whole).
    pub full: String,
    /// What is drawn: the longest wording that fits.
    pub shown: String,
    /// Baseline, start anchored.
    pub at: (f64, f64),
    /// Font size (px): smaller in a narrow site.
    pub font_size: f64,
    /// In a narrow site (the compact size).
    pub compact: bool,
    /// The width it may take.
    pub room: f64,
}

impl NodeFigure {
    /// The figure of `node` at `spot`.
    pub fn new(node: &NodeView, spot: &NodeSpot) -> NodeFigure {
        let (cx, cy, r) = (spot.cx, spot.cy, spot.radius);
        let role = node.role;
        NodeFigure {
            id: node.id.clone(),
            site: node.site.clone(),
            role,
            term: node.term,
            commit_index: node.commit_index,
            centre: (cx, cy),
            radius: r,
            square: role == Role::Learner,
            leader: (role == Role::Leader).then_some((r + 6.0, (cx, cy - r - 10.0))),
            down_cross: (role == Role::Down).then(|| {
                let k = r * 0.55;
                format!(
                    "M{:.1} {:.1} L{:.1} {:.1} M{:.1} {:.1} L{:.1} {:.1}",
                    cx - k,
                    cy - k,
                    cx + k,
                    cy + k,
                    cx + k,
                    cy - k,
                    cx - k,
                    cy + k
                )
            }),
            name_at: (cx, cy + 6.0),
            role_line: RoleLine::new(node, spot),
            log: LogFigure::new(&node.log, node.commit_index, spot),
        }
    }
}

impl RoleLine {
    fn new(node: &NodeView, spot: &NodeSpot) -> RoleLine {
        let role = node.role;
        let with_term = format!("{} · terme {}", role_text(role), node.term);
        let mut candidates = Vec::new();
        // A real cluster's logs do not say the votes: no count rather than a wrong one.
        if matches!(role, Role::Candidate | Role::PreCandidate) && !node.votes.is_empty() {
            candidates.push(format!(
                "{with_term} · votes {}/{}",
                node.votes.len(),
                node.voters.len().max(1)
            ));
        }
        candidates.push(with_term);
        candidates.push(format!("{} · t. {}", role_text(role), node.term));
        candidates.push(role_text(role).to_string());
        let font_size = if spot.compact { 15.0 } else { 17.0 };
        let shown = first_fitting(&candidates, spot.text_room, font_size, true).to_string();
        RoleLine {
            full: candidates.swap_remove(0),
            shown,
            at: (spot.text_x, spot.cy - 8.0),
            font_size,
            compact: spot.compact,
            room: spot.text_room,
        }
    }
}

/// Which part of a log a row shows: the last entries, after a « … » when they do not
/// all fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogWindow {
    /// Position in the log of the first entry shown.
    pub first: usize,
    /// Columns taken before it (1 for the « … »).
    pub offset: usize,
}

impl LogWindow {
    /// The window on a log of `length` entries in a row of `slots` boxes.
    pub fn new(length: usize, slots: usize) -> LogWindow {
        if length > slots {
            LogWindow {
                first: length - (slots - 1).max(1),
                offset: 1,
            }
        } else {
            LogWindow {
                first: 0,
                offset: 0,
            }
        }
    }

    /// Left of the box in column `shown` (0 = the first entry shown) of a row starting
    /// at `x`.
    pub fn box_x(&self, x: f64, shown: usize) -> f64 {
        x + (shown + self.offset) as f64 * ENTRY_PITCH
    }
}

/// Where the box of log entry `index` (1-based) of a log `length` long is drawn at
/// `spot`: an overwritten entry's ghost fades out there.
pub fn entry_box_at(spot: &NodeSpot, length: usize, index: u64) -> (f64, f64) {
    let window = LogWindow::new(length, spot.log_slots);
    let column = index.saturating_sub(1).saturating_sub(window.first as u64) as usize;
    (window.box_x(spot.text_x, column), spot.cy + 1.0)
}

/// A node's log as boxes, with the bar under the committed prefix.
#[derive(Clone, Debug, PartialEq)]
pub struct LogFigure {
    /// « … » (centred baseline) when older entries are left out.
    pub more_at: Option<(f64, f64)>,
    /// The entries shown, oldest first.
    pub entries: Vec<EntryFigure>,
    /// The committed prefix: the bar's path and the arrow's path under its last entry.
    pub commit: Option<(String, String)>,
}

/// One log entry's box.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryFigure {
    /// Log index.
    pub index: u64,
    /// Term that wrote it.
    pub term: u64,
    /// Top left of the box (`ENTRY_WIDTH` × `ENTRY_HEIGHT`).
    pub at: (f64, f64),
    /// Committed (filled) or not yet (outlined).
    pub committed: bool,
    /// Its term's colour.
    pub colour: &'static str,
    /// What the box says: the term, or ∅ (the leader's empty entry), ⚙ (a membership
    /// change), ▣ (a restored snapshot).
    pub mark: String,
    /// Baseline of the mark (centred).
    pub mark_at: (f64, f64),
    /// The whole story, for a tooltip.
    pub detail: String,
}

impl LogFigure {
    fn new(log: &[EntryView], commit_index: u64, spot: &NodeSpot) -> LogFigure {
        let (x, y) = (spot.text_x, spot.cy + 1.0);
        let window = LogWindow::new(log.len(), spot.log_slots);
        let entries: Vec<EntryFigure> = log
            .iter()
            .skip(window.first)
            .enumerate()
            .map(|(shown, entry)| {
                let bx = window.box_x(x, shown);
                EntryFigure::new(entry, entry.index <= commit_index, (bx, y))
            })
            .collect();
        let committed = entries.iter().filter(|entry| entry.committed).count();
        let commit = (committed > 0).then(|| {
            let base = y + ENTRY_HEIGHT + 5.0;
            let last = window.box_x(x, committed - 1);
            (
                format!(
                    "M{:.1} {base:.1} H{:.1}",
                    window.box_x(x, 0),
                    last + ENTRY_WIDTH
                ),
                format!("M{:.1} {base:.1} l-6 8 h12 z", last + ENTRY_WIDTH / 2.0),
            )
        });
        LogFigure {
            more_at: (window.offset > 0).then_some((x + 8.0, y + 17.0)),
            entries,
            commit,
        }
    }
}

impl EntryFigure {
    fn new(entry: &EntryView, committed: bool, at: (f64, f64)) -> EntryFigure {
        let mark = match entry.kind {
            EntryKind::Noop => "∅".to_string(),
            EntryKind::Conf => "⚙".to_string(),
            EntryKind::Snapshot => "▣".to_string(),
            EntryKind::Value => entry.term.to_string(),
        };
        let what = match (entry.kind, &entry.value) {
            (EntryKind::Snapshot, Some(values)) if values.is_empty() => {
                "sauvegarde restaurée (vide)".to_string()
            }
            (EntryKind::Snapshot, Some(values)) => format!("sauvegarde restaurée : {values}"),
            (_, Some(value)) => value.clone(),
            (_, None) => "entrée vide du nouveau leader".to_string(),
        };
        EntryFigure {
            index: entry.index,
            term: entry.term,
            at,
            committed,
            colour: term_colour(entry.term),
            mark,
            mark_at: (at.0 + ENTRY_WIDTH / 2.0, at.1 + 17.0),
            detail: format!(
                "index {} · terme {} · {what} · {}",
                entry.index,
                entry.term,
                if committed {
                    "validée"
                } else {
                    "non validée"
                }
            ),
        }
    }
}

/// A message's shape, centred on its position: ◆ vote requests, ■ appends,
/// ● heartbeats (smaller), ● responses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MessageShape {
    /// A rounded square this half side long.
    Square(f64),
    /// A diamond this half diagonal long.
    Diamond(f64),
    /// A dot of this radius.
    Dot(f64),
}

impl MessageShape {
    /// The shape of a message of `kind`.
    pub fn of(kind: MessageKind) -> MessageShape {
        match kind {
            MessageKind::Append => MessageShape::Square(7.0),
            MessageKind::PreVote | MessageKind::Vote | MessageKind::TimeoutNow => {
                MessageShape::Diamond(8.0)
            }
            MessageKind::Heartbeat => MessageShape::Dot(5.0),
            _ => MessageShape::Dot(6.0),
        }
    }

    /// The diamond's outline centred on (`x`, `y`) (an SVG path).
    pub fn diamond_path(half: f64, x: f64, y: f64) -> String {
        format!(
            "M{x:.1} {:.1} l{half} {half} l-{half} {half} l-{half} -{half} z",
            y - half
        )
    }
}

/// The CSS classes of a message (`.msg-*` in static/widgets.css); a refusal has its own.
pub fn message_class(kind: MessageKind, reject: bool) -> &'static str {
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

/// What a message is, in French.
pub fn message_label(kind: MessageKind) -> &'static str {
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

/// Where a message from `from` to `to` leaves and lands: edge to edge of the two
/// shapes, so a message never hides a node's name.
pub fn flight_ends(from: &NodeSpot, to: &NodeSpot) -> ((f64, f64), (f64, f64)) {
    let (dx, dy) = (to.cx - from.cx, to.cy - from.cy);
    let length = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / length, dy / length);
    (
        (
            from.cx + ux * (from.radius + 4.0),
            from.cy + uy * (from.radius + 4.0),
        ),
        (
            to.cx - ux * (to.radius + 4.0),
            to.cy - uy * (to.radius + 4.0),
        ),
    )
}

/// Where a message is once `progress` (0 to 1) of its flight is done.
pub fn flight_position(ends: ((f64, f64), (f64, f64)), progress: f64) -> (f64, f64) {
    let ((x0, y0), (x1, y1)) = ends;
    (x0 + (x1 - x0) * progress, y0 + (y1 - y0) * progress)
}

#[cfg(test)]
mod tests;
