//! The export's tests: its colours and shapes against `static/widgets.css`, intervals,
//! frame counts and times.

use sim::Role;

use super::markup::{role_style, seconds};
use super::*;

const WIDGETS_CSS: &str = include_str!("../../../static/widgets.css");
const DECK_CSS: &str = include_str!("../../../static/raftdeck.css");

/// widgets.css with the custom properties of raftdeck.css's `:root` resolved.
fn resolved_widgets_css() -> String {
    let mut css = WIDGETS_CSS.to_owned();
    for line in DECK_CSS.lines() {
        let Some((name, value)) = line.trim().split_once(':') else {
            continue;
        };
        if let (Some(name), Some(value)) = (name.strip_prefix("--"), value.trim().strip_suffix(';'))
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

#[test]
fn cut_links_and_failed_sites_are_painted_as_the_widget_s() {
    let css = resolved_widgets_css();
    let danger = super::markup::DANGER;
    for rule in [
        format!(".raft-link-cut-mark {{ fill: #fff; stroke: {danger}; stroke-width: 4; }}"),
        format!(".raft-link-cut {{ font-size: 24px; font-weight: 800; fill: {danger};"),
        format!(".raft-site-down rect {{ fill: #e2e8f0; stroke: {danger} !important; stroke-dasharray: 8 6; }}"),
        format!(".raft-site-down-mark {{ font-size: 17px; font-weight: 800; fill: {danger}; text-anchor: end; }}"),
    ] {
        assert!(css.contains(&rule), "widgets.css lacks `{rule}`");
    }
}
