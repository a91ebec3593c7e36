//! Where things go on the raft widget's SVG: site boxes side by side, one row per node
//! (circle, role line, log boxes), links between sites, the client panel on the right.
//!
//! Pure geometry in SVG user units (the viewBox), computed once per set of nodes.

/// Colours of terms (term `t` uses `t % 8`): each at least 4.5:1 against white, both as
/// a box with a white digit and as a digit on white; none is the leader's gold, and the
/// first terms a talk shows (1 to 4) are not told apart by red against green — every box
/// also carries its term's number. The SVG export uses them too.
pub const TERM_COLOURS: [&str; 8] = [
    "#475569", "#1d4ed8", "#7e22ce", "#0e7490", "#be185d", "#4d7c0f", "#b45309", "#b91c1c",
];
/// A message stays on screen at least this long (real ms) so the eye can follow it; the
/// simulation itself is not slowed.
pub const MIN_FLIGHT_REAL_MS: f64 = 220.0;
/// …but is never stretched by more than this much simulated time.
pub const MAX_FLIGHT_STRETCH_MS: f64 = 60.0;
/// Width of the SVG's viewBox.
pub const VIEW_WIDTH: f64 = 1160.0;
/// Width of the client panel on the right.
pub const PANEL_WIDTH: f64 = 250.0;
/// Horizontal gap between two site boxes (room for the link and its latency).
const SITE_GAP: f64 = 60.0;
/// Below this width a site is narrow (three sites side by side): smaller nodes and role
/// lines, so the role line stays inside the box.
const NARROW_SITE: f64 = 300.0;
/// Height of a site box's title band.
const SITE_HEADER: f64 = 34.0;
/// Room above the sites for links between non-adjacent sites.
const ARC_ROOM: f64 = 48.0;
/// Width of one log box and the space it takes with its gap.
pub const ENTRY_WIDTH: f64 = 24.0;
/// Horizontal pitch of log boxes.
pub const ENTRY_PITCH: f64 = 28.0;
/// Height of a log box.
pub const ENTRY_HEIGHT: f64 = 24.0;
/// Log boxes a row keeps room for before a wide site centres its column of nodes.
const WIDE_SITE_LOG_SLOTS: f64 = 12.0;

/// A site's box.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteBox {
    /// Site name.
    pub name: String,
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// Where a node is drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeSpot {
    /// Node name.
    pub name: String,
    /// Circle centre.
    pub cx: f64,
    /// Circle centre.
    pub cy: f64,
    /// Circle radius.
    pub radius: f64,
    /// Left of the role line and of the log.
    pub text_x: f64,
    /// How many log boxes fit on the row.
    pub log_slots: usize,
    /// The width the role line may take (from `text_x` to the site's inner edge).
    pub text_room: f64,
    /// In a narrow site: the role line uses the compact size.
    pub compact: bool,
    /// The node's whole row (its click target): left, top, width, height.
    pub row: (f64, f64, f64, f64),
}

/// A link between two sites.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkSpot {
    /// First site (alphabetical).
    pub first: String,
    /// Second site.
    pub second: String,
    /// SVG path of the link.
    pub path: String,
    /// The two halves drawn when the link is cut (a gap in the middle).
    pub broken: (String, String),
    /// Where the latency label and the break mark go.
    pub label: (f64, f64),
    /// An arc over the sites between (not adjacent sites): labels go beside its mark.
    pub arc: bool,
}

/// The whole picture's geometry.
#[derive(Clone, Debug, PartialEq)]
pub struct Geometry {
    /// ViewBox height.
    pub height: f64,
    /// Site boxes in order.
    pub sites: Vec<SiteBox>,
    /// Node spots, in the order given.
    pub nodes: Vec<NodeSpot>,
    /// Links, one per pair of sites.
    pub links: Vec<LinkSpot>,
    /// Left of the client panel.
    pub panel_x: f64,
}

impl Geometry {
    /// Lays out `sites` (name and its nodes, in order) in a viewBox `height` high.
    pub fn new(sites: &[(String, Vec<String>)], height: f64) -> Geometry {
        let panel_x = VIEW_WIDTH - PANEL_WIDTH;
        let area_width = panel_x - 24.0;
        let count = sites.len().max(1) as f64;
        let top = if sites.len() >= 3 {
            ARC_ROOM + 6.0
        } else {
            6.0
        };
        let site_width = (area_width - SITE_GAP * (count - 1.0)) / count;
        let site_height = (height - top - 6.0).max(80.0);
        let most_nodes = sites.iter().map(|(_, n)| n.len()).max().unwrap_or(1).max(1) as f64;
        let room = site_height - SITE_HEADER - 6.0;
        let row_height = (room / most_nodes).min(110.0);
        // Rows are centred in the room left under the site's title.
        let rows_top = top + SITE_HEADER + (room - row_height * most_nodes) / 2.0;
        let narrow = site_width < NARROW_SITE;
        let r = if narrow {
            (row_height * 0.30).clamp(12.0, 22.0)
        } else {
            (row_height * 0.30).clamp(12.0, 28.0)
        };
        let mut boxes = Vec::new();
        let mut nodes = Vec::new();
        for (position, (name, members)) in sites.iter().enumerate() {
            let x = position as f64 * (site_width + SITE_GAP);
            boxes.push(SiteBox {
                name: name.clone(),
                x,
                y: top,
                width: site_width,
                height: site_height,
            });
            // A wide site (a lone site takes the whole stage) would leave its nodes hugging
            // the left edge and two thirds of the box empty: the column is centred on a
            // row as wide as a node, its role line and a long log.
            let row_content = 2.0 * r + 20.0 + ENTRY_PITCH * WIDE_SITE_LOG_SLOTS;
            let indent = ((site_width - row_content) / 2.0).max(14.0);
            for (row, member) in members.iter().enumerate() {
                let cx = x + indent + r + 6.0;
                let cy = rows_top + row_height * (row as f64 + 0.5);
                let text_x = cx + r + 14.0;
                let log_width = x + site_width - 10.0 - text_x;
                let log_slots = ((log_width + ENTRY_PITCH - ENTRY_WIDTH) / ENTRY_PITCH)
                    .floor()
                    .max(1.0) as usize;
                nodes.push(NodeSpot {
                    name: member.clone(),
                    cx,
                    cy,
                    radius: r,
                    text_x,
                    log_slots,
                    text_room: log_width,
                    compact: narrow,
                    row: (x + 4.0, cy - row_height / 2.0, site_width - 8.0, row_height),
                });
            }
        }
        let mut links = Vec::new();
        for i in 0..boxes.len() {
            for j in i + 1..boxes.len() {
                links.push(link_between(&boxes[i], &boxes[j], j == i + 1));
            }
        }
        Geometry {
            height,
            sites: boxes,
            nodes,
            links,
            panel_x,
        }
    }

    /// The spot of a node by name.
    pub fn node(&self, name: &str) -> Option<&NodeSpot> {
        self.nodes.iter().find(|spot| spot.name == name)
    }
}

/// Roughly how wide `text` is at `size` px in the deck's font (bold when `bold`): what a
/// drawing uses to pick a label that fits before the browser measures it (the browser then
/// narrows what still runs over, see the widgets' `fit`). Errs on the wide side.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let per_char = if bold { 0.6 } else { 0.55 };
    text.chars().count() as f64 * size * per_char
}

/// The first of `candidates` that fits in `room` at `size` px (bold when `bold`), else
/// the last (the shortest, by convention).
pub fn first_fitting(candidates: &[String], room: f64, size: f64, bold: bool) -> &str {
    candidates
        .iter()
        .find(|text| text_width(text, size, bold) <= room)
        .or(candidates.last())
        .map_or("", String::as_str)
}

/// Adjacent sites: a straight link across the gap; others: an arc over the boxes.
fn link_between(a: &SiteBox, b: &SiteBox, adjacent: bool) -> LinkSpot {
    if adjacent {
        let y = a.y + SITE_HEADER / 2.0 + 4.0;
        let (x1, x2) = (a.x + a.width, b.x);
        let mid = (x1 + x2) / 2.0;
        LinkSpot {
            first: a.name.clone(),
            second: b.name.clone(),
            path: format!("M{x1:.1} {y:.1} H{x2:.1}"),
            broken: (
                format!("M{x1:.1} {y:.1} H{:.1}", mid - 16.0),
                format!("M{:.1} {y:.1} H{x2:.1}", mid + 16.0),
            ),
            label: (mid, y),
            arc: false,
        }
    } else {
        let (x1, x2) = (a.x + a.width / 2.0, b.x + b.width / 2.0);
        let y = a.y;
        // Low enough that the latency label above the line stays inside the viewBox.
        let peak = y - ARC_ROOM + 24.0;
        let mid = (x1 + x2) / 2.0;
        LinkSpot {
            first: a.name.clone(),
            second: b.name.clone(),
            path: format!("M{x1:.1} {y:.1} V{peak:.1} H{x2:.1} V{y:.1}"),
            broken: (
                format!("M{x1:.1} {y:.1} V{peak:.1} H{:.1}", mid - 16.0),
                format!("M{:.1} {peak:.1} H{x2:.1} V{y:.1}", mid + 16.0),
            ),
            label: (mid, peak),
            arc: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites(spec: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        spec.iter()
            .map(|(site, nodes)| {
                (
                    site.to_string(),
                    nodes.iter().map(|n| n.to_string()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn nodes_sit_inside_their_site_and_rows_do_not_overlap() {
        let geometry = Geometry::new(
            &sites(&[
                ("A", &["n1", "n2", "n3"]),
                ("B", &["n4", "n5"]),
                ("C", &["n6", "n7"]),
            ]),
            360.0,
        );
        assert_eq!(geometry.links.len(), 3);
        for spot in &geometry.nodes {
            let site = geometry
                .sites
                .iter()
                .find(|s| spot.cx > s.x && spot.cx < s.x + s.width)
                .expect("inside a site");
            assert!(spot.cy - spot.radius > site.y && spot.cy + spot.radius < site.y + site.height);
            assert!(spot.log_slots >= 3, "{spot:?}");
        }
        let (n1, n2) = (&geometry.nodes[0], &geometry.nodes[1]);
        assert!(n2.cy - n1.cy >= 2.0 * n1.radius + ENTRY_HEIGHT / 2.0);
        assert!(geometry.sites[2].x + geometry.sites[2].width < geometry.panel_x);
    }

    #[test]
    fn one_site_has_no_links() {
        let geometry = Geometry::new(&sites(&[("A", &["n1", "n2", "n3"])]), 360.0);
        assert!(geometry.links.is_empty());
        assert!(geometry.node("n3").is_some());
        // The lone site is wide: its column is centred, not stuck to the left edge.
        let n1 = geometry.node("n1").expect("n1");
        let site = &geometry.sites[0];
        assert!(n1.cx - site.x > site.width / 5.0, "{n1:?} in {site:?}");
        assert!(n1.log_slots >= 12, "{n1:?}");
        assert!(geometry.node("n9").is_none());
    }

    #[test]
    fn three_narrow_sites_leave_room_for_a_role_line() {
        let geometry = Geometry::new(
            &sites(&[("A", &["n1"]), ("B", &["n2"]), ("C", &["n3"])]),
            480.0,
        );
        for spot in &geometry.nodes {
            assert!(spot.compact, "{spot:?}");
            // « follower · terme 2 » at the compact 15 px.
            assert!(
                text_width("follower · terme 2", 15.0, true) <= spot.text_room,
                "{spot:?}"
            );
        }
        let wide = Geometry::new(&sites(&[("A", &["n1"]), ("B", &["n2"])]), 480.0);
        assert!(wide.nodes.iter().all(|spot| !spot.compact));
    }

    #[test]
    fn the_first_fitting_label_is_picked() {
        let labels = ["un libellé bien trop long".to_string(), "court".to_string()];
        assert_eq!(first_fitting(&labels, 60.0, 15.0, true), "court");
        assert_eq!(first_fitting(&labels, 1000.0, 15.0, true), labels[0]);
        assert_eq!(first_fitting(&labels, 1.0, 15.0, true), "court");
        assert_eq!(first_fitting(&[], 10.0, 15.0, true), "");
    }
}
