use super::*;

fn geometry(sites: &[(&str, &[&str])], height: f64) -> Geometry {
    let sites: Vec<(String, Vec<String>)> = sites
        .iter()
        .map(|(site, nodes)| {
            (
                site.to_string(),
                nodes.iter().map(|n| n.to_string()).collect(),
            )
        })
        .collect();
    Geometry::new(&sites, height)
}

fn node(id: &str, site: &str, role: Role, term: u64) -> NodeView {
    NodeView {
        id: id.to_string(),
        site: site.to_string(),
        role,
        term,
        vote: None,
        leader: None,
        commit_index: 0,
        log: Vec::new(),
        election_deadline_ms: None,
        election_started_ms: None,
        votes: Vec::new(),
        cluster: 1,
        voters: vec!["n1".into(), "n2".into(), "n3".into()],
        learners: Vec::new(),
        removed: false,
    }
}

fn values(count: u64, term: u64) -> Vec<EntryView> {
    (1..=count)
        .map(|index| EntryView {
            index,
            term,
            value: Some(format!("x={index}")),
            kind: EntryKind::Value,
        })
        .collect()
}

#[test]
fn a_candidate_counts_votes_only_when_it_knows_them() {
    let layout = geometry(&[("A", &["n1", "n2", "n3"])], 360.0);
    let spot = layout.node("n1").expect("n1");
    let mut candidate = node("n1", "A", Role::Candidate, 4);
    let line = RoleLine::new(&candidate, spot);
    assert_eq!(line.full, "candidat · terme 4");
    candidate.votes = vec!["n1".into()];
    let line = RoleLine::new(&candidate, spot);
    assert_eq!(line.full, "candidat · terme 4 · votes 1/3");
    assert_eq!(line.shown, line.full, "a lone site has room");
    assert_eq!(line.font_size, 17.0);
}

#[test]
fn a_narrow_site_shortens_the_role_line_but_keeps_it_whole_for_tooltips() {
    let layout = geometry(&[("A", &["n1"]), ("B", &["n2"]), ("C", &["n3"])], 360.0);
    let spot = layout.node("n1").expect("n1");
    let mut candidate = node("n1", "A", Role::PreCandidate, 12);
    candidate.votes = vec!["n1".into()];
    let line = RoleLine::new(&candidate, spot);
    assert!(line.compact);
    assert_eq!(line.font_size, 15.0);
    assert!(line.full.contains("votes 1/3"));
    assert_ne!(line.shown, line.full);
    assert!(crate::layout::text_width(&line.shown, 15.0, true) <= line.room);
}

#[test]
fn a_long_log_shows_its_last_entries_after_an_ellipsis() {
    let layout = geometry(&[("A", &["n1"]), ("B", &["n2"]), ("C", &["n3"])], 360.0);
    let spot = layout.node("n1").expect("n1");
    let slots = spot.log_slots;
    let mut leader = node("n1", "A", Role::Leader, 2);
    leader.log = values(slots as u64 + 5, 2);
    leader.commit_index = slots as u64 + 3;
    let figure = NodeFigure::new(&leader, spot);
    let log = &figure.log;
    assert!(log.more_at.is_some());
    assert_eq!(log.entries.len(), slots - 1, "one slot for « … »");
    assert_eq!(log.entries.last().expect("entries").index, slots as u64 + 5);
    // The two newest are not committed yet; the bar ends under the last committed one.
    let pending: Vec<u64> = log
        .entries
        .iter()
        .filter(|entry| !entry.committed)
        .map(|entry| entry.index)
        .collect();
    assert_eq!(pending, [slots as u64 + 4, slots as u64 + 5]);
    let last_committed = &log.entries[log.entries.len() - 3];
    let (bar, _) = log.commit.as_ref().expect("a commit bar");
    assert!(
        bar.ends_with(&format!(" H{:.1}", last_committed.at.0 + ENTRY_WIDTH)),
        "{bar}"
    );
    // Boxes sit side by side, inside the site.
    for pair in log.entries.windows(2) {
        assert_eq!(pair[1].at.0 - pair[0].at.0, ENTRY_PITCH);
    }
    let site = &layout.sites[0];
    assert!(log.entries.last().expect("entries").at.0 + ENTRY_WIDTH <= site.x + site.width);
    assert!(figure.leader.is_some() && figure.down_cross.is_none());
}

#[test]
fn a_ghost_lands_on_the_box_its_entry_had() {
    let layout = geometry(&[("A", &["n1", "n2"]), ("B", &["n3"])], 360.0);
    let spot = layout.node("n2").expect("n2");
    for length in [3, spot.log_slots, spot.log_slots + 7] {
        let log = LogFigure::new(&values(length as u64, 1), 0, spot);
        for entry in &log.entries {
            assert_eq!(entry_box_at(spot, length, entry.index), entry.at);
        }
    }
}

#[test]
fn entries_say_what_they_hold() {
    let layout = geometry(&[("A", &["n1"])], 360.0);
    let spot = layout.node("n1").expect("n1");
    let log = vec![
        EntryView {
            index: 1,
            term: 1,
            value: Some(String::new()),
            kind: EntryKind::Snapshot,
        },
        EntryView {
            index: 2,
            term: 2,
            value: None,
            kind: EntryKind::Noop,
        },
        EntryView {
            index: 3,
            term: 2,
            value: Some("x=1".into()),
            kind: EntryKind::Value,
        },
    ];
    let figure = LogFigure::new(&log, 2, spot);
    let marks: Vec<&str> = figure.entries.iter().map(|e| e.mark.as_str()).collect();
    assert_eq!(marks, ["▣", "∅", "2"]);
    assert_eq!(
        figure.entries[0].detail,
        "index 1 · terme 1 · sauvegarde restaurée (vide) · validée"
    );
    assert_eq!(
        figure.entries[2].detail,
        "index 3 · terme 2 · x=1 · non validée"
    );
    assert_eq!(figure.entries[2].colour, term_colour(2));
    assert!(figure.more_at.is_none());
}

#[test]
fn sites_say_when_they_are_empty_or_all_down() {
    let layout = geometry(&[("A", &["n1", "n2"]), ("B", &["n3"]), ("C", &[])], 360.0);
    let nodes = vec![
        node("n1", "A", Role::Leader, 2),
        node("n2", "A", Role::Follower, 2),
        node("n3", "B", Role::Down, 2),
    ];
    let scene = Scene::new(&layout, &nodes, |_, _| (true, 10));
    let marks: Vec<(bool, bool)> = scene
        .sites
        .iter()
        .map(|site| (site.down_mark.is_some(), site.empty_mark.is_some()))
        .collect();
    assert_eq!(marks, [(false, false), (true, false), (false, true)]);
    assert_eq!(scene.sites[1].title.0, "Site B");
    assert_eq!(scene.nodes.len(), 3);
    assert!(scene.nodes[2].down_cross.is_some());
}

#[test]
fn a_cut_link_marks_its_gap_and_says_so_where_there_is_room() {
    let layout = geometry(&[("A", &["n1"]), ("B", &["n2"]), ("C", &["n3"])], 360.0);
    let scene = Scene::new(&layout, &[], |a, b| (!(a == "A" && b == "C"), 7));
    let straight = &scene.links[0];
    assert_eq!(straight.name, "A-B");
    assert_eq!(
        straight
            .latency_label
            .as_ref()
            .map(|(text, _)| text.as_str()),
        Some("7 ms")
    );
    assert!(straight.cut_mark.is_none() && straight.halves.is_none());
    let arc = scene
        .links
        .iter()
        .find(|link| link.name == "A-C")
        .expect("A-C");
    assert!(!arc.up && arc.latency_label.is_none());
    let mark = arc.cut_mark.as_ref().expect("a cut mark");
    // Over an arc the word goes beside the mark: above it would leave the viewBox.
    assert!(mark.word_at.1);
    assert!(mark.word_at.0 .1 >= 0.0);
    let cut_straight = LinkFigure::new(&layout.links[0], false, 7);
    let word = cut_straight.cut_mark.expect("a cut mark").word_at;
    assert!(!word.1 && word.0 .1 > layout.links[0].label.1);
}

#[test]
fn messages_fly_from_edge_to_edge() {
    let layout = geometry(&[("A", &["n1"]), ("B", &["n2"])], 360.0);
    let (from, to) = (
        layout.node("n1").expect("n1"),
        layout.node("n2").expect("n2"),
    );
    let ends = flight_ends(from, to);
    let distance = |(x, y): (f64, f64), spot: &NodeSpot| {
        ((x - spot.cx).powi(2) + (y - spot.cy).powi(2)).sqrt()
    };
    assert!((distance(ends.0, from) - (from.radius + 4.0)).abs() < 1e-9);
    assert!((distance(ends.1, to) - (to.radius + 4.0)).abs() < 1e-9);
    assert_eq!(flight_position(ends, 0.0), ends.0);
    assert_eq!(flight_position(ends, 1.0), ends.1);
    assert_eq!(
        MessageShape::of(MessageKind::Vote),
        MessageShape::Diamond(8.0)
    );
    assert_eq!(
        MessageShape::diamond_path(8.0, 10.0, 20.0),
        "M10.0 12.0 l8 8 l-8 8 l-8 -8 z"
    );
    assert_eq!(message_class(MessageKind::Append, true), "msg msg-reject");
}
