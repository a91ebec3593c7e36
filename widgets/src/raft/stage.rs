//! The raft widget's SVG stage: the sites, the links between them, the nodes with their
//! logs, the messages in flight and the overwritten entries fading out (the client panel
//! on the right is `panel`).
//!
//! What is drawn where, and what it says, is `scene::picture`'s [`Scene`], which
//! `raftdeck export` draws too; this module picks the elements, the CSS classes and the
//! clicks.

use scene::picture::{
    entry_box_at, flight_ends, flight_position, message_class, message_label, term_colour,
    LinkFigure, MessageShape, NodeFigure, Scene, SiteFigure, CUT_LINK_TEXT, DOWN_SITE_TEXT,
    DROPPED_MESSAGE_OPACITY, EMPTY_SITE_TEXT,
};
use sim::view::NodeView;
use sim::Role;
use yew::prelude::*;

use crate::layout::{ENTRY_HEIGHT, ENTRY_WIDTH, VIEW_WIDTH};
use crate::player::Player;

use super::{real, real_now_ms, Msg, RaftWidget, GHOST_REAL_MS};

/// What a link between two sites shows: from the simulation, or from the real cluster,
/// whose proxies also count its traffic.
pub(super) struct LinkLook {
    /// Whether the sites can talk.
    pub(super) up: bool,
    /// One-way latency (ms).
    pub(super) latency_ms: u64,
    /// Bytes per second each way (`a → b`, `b → a`), real mode only.
    pub(super) traffic: Option<(u64, u64)>,
}

/// An SVG coordinate as the stage writes it.
fn at(value: f64) -> String {
    format!("{value:.1}")
}

impl RaftWidget {
    pub(super) fn view_svg(
        &self,
        ctx: &Context<Self>,
        player: &Player,
        safe: bool,
        violations: &[sim::Violation],
    ) -> Html {
        let geometry = &self.geometry;
        // The real cluster's frame, when that is what the widget draws.
        let real = self.real.drawn();
        let look = |a: &str, b: &str| match real {
            Some(state) => real::link_look(state, player, a, b),
            None => LinkLook {
                up: player.simulation().sites_connected(a, b),
                latency_ms: player.simulation().site_latency_ms(a, b).unwrap_or(0),
                traffic: None,
            },
        };
        let scene = Scene::new(geometry, &self.nodes, |a, b| {
            let LinkLook { up, latency_ms, .. } = look(a, b);
            (up, latency_ms)
        });
        let view_box = format!("0 0 {VIEW_WIDTH} {:.0}", geometry.height);
        let can_add_member = !ctx.props().preview
            && real.is_none()
            && RaftWidget::allowed(&ctx.props().spec, "member_add");
        html! {
            <svg class="raft-svg" viewBox={view_box} preserveAspectRatio="xMidYMid meet"
                 role="img" aria-label="Sites, nœuds et journaux du cluster">
                <g class="raft-sites">
                    { for scene.sites.iter().map(|site| self.view_site(ctx, site, can_add_member)) }
                </g>
                <g class="raft-links">
                    { for scene.links.iter().map(|link| {
                        let traffic = look(&link.first, &link.second).traffic;
                        self.view_link(ctx, link, traffic)
                    }) }
                </g>
                <g class="raft-nodes">
                    { for scene.nodes.iter().zip(self.nodes.iter().filter(|node| geometry.node(&node.id).is_some()))
                        .map(|(figure, node)| self.view_node(ctx, figure, node)) }
                </g>
                if let Some(state) = real {
                    { self.view_real_panel(ctx, state) }
                } else {
                    { self.view_ghosts() }
                    if !self.playback.reduced_motion() { { self.view_flights(player) } }
                    { self.view_panel(ctx, player, safe, violations) }
                }
            </svg>
        }
    }

    /// A site's box, with « + membre » when members may be added.
    fn view_site(&self, ctx: &Context<Self>, site: &SiteFigure, can_add_member: bool) -> Html {
        let (x, y, width, height) = site.frame;
        let (title, (title_x, title_y)) = &site.title;
        let down = site.down_mark.is_some();
        html! {
            <g key={site.name.clone()} class={classes!("raft-site", down.then_some("raft-site-down"))}
               data-site={site.name.clone()} data-state={if down { "down" } else { "up" }}>
                <rect x={at(x)} y={at(y)} data-box="" width={at(width)} height={at(height)} rx="12" />
                <text class="raft-site-name" x={at(*title_x)} y={at(*title_y)}>{ title.clone() }</text>
                if let (Some((mark_x, mark_y)), false) = (site.down_mark, can_add_member) {
                    <text class="raft-site-down-mark" x={at(mark_x)} y={at(mark_y)}>{ DOWN_SITE_TEXT }</text>
                }
                if let Some((empty_x, empty_y)) = site.empty_mark {
                    <text class="raft-site-empty" x={at(empty_x)} y={at(empty_y)}>{ EMPTY_SITE_TEXT }</text>
                }
                if can_add_member {
                    { self.view_add_member(ctx, site) }
                }
            </g>
        }
    }

    /// The « + membre » button in a site's title band.
    fn view_add_member(&self, ctx: &Context<Self>, site: &SiteFigure) -> Html {
        let name = site.name.clone();
        let onclick = ctx.link().callback(move |_| Msg::AddMember(name.clone()));
        let (site_x, site_y, width, _) = site.frame;
        let (x, y) = (site_x + width - 104.0, site_y + 6.0);
        html! {
            <g class="raft-add-member" data-action="member_add" data-site={site.name.clone()}
               role="button" aria-label={format!("Ajouter un membre sur le site {}", site.name)} {onclick}>
                <rect x={at(x)} y={at(y)} width="96" height="24" rx="6" />
                <text x={at(x + 48.0)} y={at(y + 17.0)}>{ "+ membre" }</text>
            </g>
        }
    }

    /// A link between sites (`traffic`: the real cluster's bytes per second each way).
    /// Clicking it cuts or restores it.
    fn view_link(
        &self,
        ctx: &Context<Self>,
        link: &LinkFigure,
        traffic: Option<(u64, u64)>,
    ) -> Html {
        let onclick = (!ctx.props().preview).then(|| {
            let (a, b) = (link.first.clone(), link.second.clone());
            ctx.link()
                .callback(move |_| Msg::Link(a.clone(), b.clone()))
        });
        let carried = traffic
            .map(|(there, back)| {
                format!(
                    ", {} de {} vers {}, {} retour",
                    crate::live::traffic_text(there),
                    link.first,
                    link.second,
                    crate::live::traffic_text(back)
                )
            })
            .unwrap_or_default();
        let title = if link.up {
            format!(
                "Lien {}–{} : {} ms{carried} — cliquer pour le couper",
                link.first, link.second, link.latency_ms
            )
        } else {
            format!(
                "Lien {}–{} coupé — cliquer pour le rétablir",
                link.first, link.second
            )
        };
        // Real mode: the line widens with the bytes crossing it.
        let stroke = traffic.map(|(there, back)| {
            format!(
                "stroke-width:{:.1}",
                crate::live::traffic_stroke(there.saturating_add(back))
            )
        });
        let spot = self
            .geometry
            .links
            .iter()
            .find(|spot| spot.first == link.first && spot.second == link.second);
        html! {
            <g key={link.name.clone()} class={classes!("raft-link", (!link.up).then_some("raft-link-down"))}
               data-link={link.name.clone()} data-state={if link.up { "up" } else { "down" }}
               data-bytes-per-s={traffic.map(|(there, back)| there.saturating_add(back).to_string())}
               role="button" {onclick}>
                <title>{ title }</title>
                <path class="raft-link-hit" d={link.path.clone()} />
                if let Some((latency, (lx, ly))) = &link.latency_label {
                    <path class="raft-link-line" d={link.path.clone()} style={stroke} />
                    <text class="raft-link-label" x={at(*lx)} y={at(*ly)}>{ latency.clone() }</text>
                    if let (Some((there, back)), Some(spot)) = (traffic, spot) {
                        { real::view_traffic(spot, there.saturating_add(back)) }
                    }
                }
                if let Some((first, second)) = &link.halves {
                    <path class="raft-link-line" d={first.clone()} />
                    <path class="raft-link-line" d={second.clone()} />
                }
                if let Some(mark) = &link.cut_mark {
                    <circle class="raft-link-cut-mark" cx={at(mark.centre.0)} cy={at(mark.centre.1)} r={format!("{}", mark.radius)} />
                    <text class="raft-link-cut" x={at(mark.cross_at.0)} y={at(mark.cross_at.1)}>{ "✕" }</text>
                    <text class={classes!("raft-link-label", "raft-link-label-down", mark.word_at.1.then_some("raft-link-label-side"))}
                          x={at(mark.word_at.0 .0)} y={at(mark.word_at.0 .1)}>{ CUT_LINK_TEXT }</text>
                }
            </g>
        }
    }

    fn view_node(&self, ctx: &Context<Self>, figure: &NodeFigure, node: &NodeView) -> Html {
        let Some(spot) = self.geometry.node(&node.id) else {
            return Html::default();
        };
        let (cx, cy) = figure.centre;
        let r = figure.radius;
        let role = figure.role;
        // Real mode: the member as the real cluster reports it.
        let live = self.real.member(&node.id);
        let selected = self.selected.as_deref() == Some(node.id.as_str());
        let onclick = (!ctx.props().preview).then(|| {
            let name = node.id.clone();
            ctx.link()
                .callback(move |_| Msg::Select(Some(name.clone())))
        });
        // The election timer as an arc that fills up (followers and candidates).
        let timer = match (node.election_started_ms, node.election_deadline_ms, role) {
            (
                Some(start),
                Some(deadline),
                Role::Follower | Role::Candidate | Role::PreCandidate,
            ) if deadline > start => {
                let clock = if self.playback.playing {
                    self.playback.clock_ms
                } else {
                    self.playback
                        .player
                        .as_ref()
                        .map_or(0.0, |p| p.now_ms() as f64)
                };
                let fraction = ((clock - start as f64) / (deadline - start) as f64).clamp(0.0, 1.0);
                // Quantized so a frame that moves it by less than a pixel changes nothing.
                Some((fraction * 200.0).round() / 2.0)
            }
            _ => None,
        };
        let shape_class = classes!("raft-node-shape", format!("role-{}", role.as_str()));
        let line = &figure.role_line;
        html! {
            <g key={node.id.clone()} class={classes!("raft-node", selected.then_some("raft-node-selected"))}
               data-node={node.id.clone()} data-role={role.as_str()} data-term={node.term.to_string()}
               data-site={node.site.clone()}
               data-failed={live.filter(|member| member.failed).map(|_| "true")}
               role="button" aria-label={format!("{} : {}", node.id, line.full)} {onclick}>
                <title>{ match live {
                    Some(member) => real::node_title(member, &line.full),
                    None => format!("{} — {} — index validé {}", node.id, line.full, node.commit_index),
                } }</title>
                <rect class="raft-node-hit" x={at(spot.row.0)} y={at(spot.row.1)}
                      width={at(spot.row.2)} height={at(spot.row.3)} rx="8" />
                if let Some(percent) = timer {
                    <circle class="raft-timer-track" cx={at(cx)} cy={at(cy)} r={at(r + 6.0)} />
                    <circle class="raft-timer" cx={at(cx)} cy={at(cy)} r={at(r + 6.0)}
                        pathLength="100" stroke-dasharray={format!("{percent:.1} 100")}
                        transform={format!("rotate(-90 {cx:.1} {cy:.1})")} />
                }
                if let Some((ring, _)) = figure.leader {
                    <circle class="raft-leader-ring" cx={at(cx)} cy={at(cy)} r={at(ring)} />
                }
                if figure.square {
                    <rect class={shape_class} x={at(cx - r)} y={at(cy - r)}
                          width={at(2.0 * r)} height={at(2.0 * r)} rx="6" />
                } else {
                    <circle class={shape_class} cx={at(cx)} cy={at(cy)} r={at(r)} />
                }
                if let Some(cross) = &figure.down_cross {
                    <path class="raft-down-cross" d={cross.clone()} />
                }
                <text class="raft-node-name" x={at(figure.name_at.0)} y={at(figure.name_at.1)}>{ node.id.clone() }</text>
                if let Some((_, (star_x, star_y))) = figure.leader {
                    <text class="raft-leader-mark" x={at(star_x)} y={at(star_y)}>{ "★" }</text>
                }
                <text class={classes!("raft-role-line", line.compact.then_some("raft-role-line-compact"), format!("role-text-{}", role.as_str()))}
                      x={at(line.at.0)} y={at(line.at.1)}
                      data-fit={at(line.room)}>{ line.shown.clone() }</text>
                if let Some(member) = live {
                    { real::view_indexes(member, spot) }
                } else {
                    { view_log(figure) }
                }
            </g>
        }
    }

    fn view_ghosts(&self) -> Html {
        let real_now = real_now_ms();
        html! {
            <g class="raft-ghosts">
                { for self.ghosts.iter().filter_map(|ghost| {
                    let spot = self.geometry.node(&ghost.node)?;
                    let age = ((real_now - ghost.born_real_ms) / GHOST_REAL_MS).clamp(0.0, 1.0);
                    let length = self.nodes.iter().find(|n| n.id == ghost.node).map_or(0, |n| n.log.len());
                    let (bx, y) = entry_box_at(spot, length, ghost.index);
                    // In place, over whatever replaced it, sinking as it fades.
                    let by = y + 10.0 * age;
                    let colour = term_colour(ghost.term);
                    Some(html! {
                        <g key={format!("{}-{}-{}", ghost.node, ghost.index, ghost.term)} class="raft-ghost"
                           style={format!("opacity:{:.2}", 1.0 - age)}>
                            <rect x={at(bx)} y={at(by)} width={ENTRY_WIDTH.to_string()}
                                  height={ENTRY_HEIGHT.to_string()} rx="4" style={format!("stroke:{colour}")} />
                            <path d={format!("M{:.1} {:.1} l{ENTRY_WIDTH} {ENTRY_HEIGHT} M{:.1} {:.1} l{ENTRY_WIDTH} -{ENTRY_HEIGHT}",
                                bx, by, bx, by + ENTRY_HEIGHT)} />
                        </g>
                    })
                }) }
            </g>
        }
    }

    fn view_flights(&self, player: &Player) -> Html {
        let clock = if self.playback.playing {
            self.playback.clock_ms
        } else {
            player.now_ms() as f64
        };
        html! {
            <g class="raft-messages" aria-hidden="true">
                { for self.flights.iter().filter_map(|(id, flight)| {
                    let from = self.geometry.node(&flight.from)?;
                    let to = self.geometry.node(&flight.to)?;
                    let duration = (flight.arrive_ms - flight.sent_ms).max(1.0);
                    let progress = ((clock - flight.sent_ms) / duration).clamp(0.0, 1.0);
                    let (x, y) = flight_position(flight_ends(from, to), progress);
                    let opacity = if flight.dropped && clock > flight.arrive_ms {
                        (1.0 - (clock - flight.arrive_ms) / duration.max(40.0)).clamp(0.0, 1.0)
                    } else if flight.dropped {
                        DROPPED_MESSAGE_OPACITY
                    } else {
                        1.0
                    };
                    let class = classes!(message_class(flight.kind, flight.reject), flight.dropped.then_some("msg-dropped"));
                    let shape = match MessageShape::of(flight.kind) {
                        MessageShape::Square(half) => html! {
                            <rect x={at(x - half)} y={at(y - half)} width={format!("{}", 2.0 * half)}
                                  height={format!("{}", 2.0 * half)} rx="2" />
                        },
                        MessageShape::Diamond(half) => html! {
                            <path d={MessageShape::diamond_path(half, x, y)} />
                        },
                        MessageShape::Dot(radius) => html! {
                            <circle cx={at(x)} cy={at(y)} r={format!("{radius}")} />
                        },
                    };
                    Some(html! {
                        <g key={id.to_string()} class={class} style={format!("opacity:{opacity:.2}")}
                           data-message={message_label(flight.kind)}>
                            { shape }
                            if flight.dropped && clock >= flight.arrive_ms {
                                <text class="msg-drop-mark" x={at(x)} y={at(y - 10.0)}>{ "✕" }</text>
                            }
                        </g>
                    })
                }) }
            </g>
        }
    }
}

/// A node's log: its boxes (filled when committed) and the bar under the committed
/// prefix.
fn view_log(figure: &NodeFigure) -> Html {
    let log = &figure.log;
    html! {
        <g class="raft-log">
            if let Some((x, y)) = log.more_at {
                <text class="raft-log-more" x={at(x)} y={at(y)}>{ "…" }</text>
            }
            { for log.entries.iter().map(|entry| {
                let colour = entry.colour;
                let (style, text_style) = if entry.committed {
                    (format!("fill:{colour};stroke:{colour}"), "fill:#fff".to_string())
                } else {
                    (format!("fill:#fff;stroke:{colour}"), format!("fill:{colour}"))
                };
                html! {
                    <g key={format!("{}-{}", entry.index, entry.term)}
                       class={classes!("raft-entry", if entry.committed { "raft-entry-committed" } else { "raft-entry-pending" })}
                       data-index={entry.index.to_string()} data-entry-term={entry.term.to_string()}>
                        <title>{ entry.detail.clone() }</title>
                        <rect x={at(entry.at.0)} y={at(entry.at.1)} width={ENTRY_WIDTH.to_string()}
                              height={ENTRY_HEIGHT.to_string()} rx="4" style={style} data-box="" />
                        <text x={at(entry.mark_at.0)} y={at(entry.mark_at.1)} style={text_style}>{ entry.mark.clone() }</text>
                    </g>
                }
            }) }
            if let Some((bar, mark)) = &log.commit {
                <path class="raft-commit-bar" d={bar.clone()} />
                <path class="raft-commit-mark" d={mark.clone()} />
            }
        </g>
    }
}
