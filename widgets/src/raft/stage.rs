//! The raft widget's SVG stage: the sites, the links between them, the nodes with their
//! logs, the messages in flight and the overwritten entries fading out (the client panel
//! on the right is `panel`).

use sim::view::{EntryKind, NodeView};
use sim::{MessageKind, Role};
use yew::prelude::*;

use crate::layout::{
    first_fitting, SiteBox, ENTRY_HEIGHT, ENTRY_PITCH, ENTRY_WIDTH, TERM_COLOURS, VIEW_WIDTH,
};
use crate::narration::role_text;
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
        let view_box = format!("0 0 {VIEW_WIDTH} {:.0}", geometry.height);
        let can_add_member = !ctx.props().preview
            && real.is_none()
            && RaftWidget::allowed(&ctx.props().spec, "member_add");
        html! {
            <svg class="raft-svg" viewBox={view_box} preserveAspectRatio="xMidYMid meet"
                 role="img" aria-label="Sites, nœuds et journaux du cluster">
                <g class="raft-sites">
                    { for geometry.sites.iter().map(|site| {
                        // A site without members (3/0) says so, or its empty box looks broken.
                        let empty = !geometry
                            .nodes
                            .iter()
                            .any(|spot| spot.cx > site.x && spot.cx < site.x + site.width);
                        // A site whose every member is down looks failed.
                        let down = !empty
                            && self
                                .nodes
                                .iter()
                                .filter(|node| node.site == site.name)
                                .all(|node| node.role == Role::Down);
                        html! {
                        <g key={site.name.clone()} class={classes!("raft-site", down.then_some("raft-site-down"))}
                           data-site={site.name.clone()} data-state={if down { "down" } else { "up" }}>
                            <rect x={format!("{:.1}", site.x)} y={format!("{:.1}", site.y)} data-box=""
                                  width={format!("{:.1}", site.width)} height={format!("{:.1}", site.height)} rx="12" />
                            <text class="raft-site-name" x={format!("{:.1}", site.x + 14.0)} y={format!("{:.1}", site.y + 24.0)}>
                                { format!("Site {}", site.name) }
                            </text>
                            if down && !can_add_member {
                                <text class="raft-site-down-mark" x={format!("{:.1}", site.x + site.width - 14.0)} y={format!("{:.1}", site.y + 24.0)}>
                                    { "✕ en panne" }
                                </text>
                            }
                            if empty {
                                <text class="raft-site-empty" x={format!("{:.1}", site.x + site.width / 2.0)}
                                      y={format!("{:.1}", site.y + site.height / 2.0)}>
                                    { "aucun membre etcd ici" }
                                </text>
                            }
                            if can_add_member {
                                { self.view_add_member(ctx, site) }
                            }
                        </g>
                        }
                    }) }
                </g>
                { match real {
                    Some(state) => self.view_links(ctx, &|a, b| real::link_look(state, player, a, b)),
                    None => self.view_links(ctx, &|a, b| LinkLook {
                        up: player.simulation().sites_connected(a, b),
                        latency_ms: player.simulation().site_latency_ms(a, b).unwrap_or(0),
                        traffic: None,
                    }),
                } }
                <g class="raft-nodes">
                    { for self.nodes.iter().map(|node| self.view_node(ctx, node)) }
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

    /// The « + membre » button in a site's title band.
    fn view_add_member(&self, ctx: &Context<Self>, site: &SiteBox) -> Html {
        let name = site.name.clone();
        let onclick = ctx.link().callback(move |_| Msg::AddMember(name.clone()));
        let (x, y) = (site.x + site.width - 104.0, site.y + 6.0);
        html! {
            <g class="raft-add-member" data-action="member_add" data-site={site.name.clone()}
               role="button" aria-label={format!("Ajouter un membre sur le site {}", site.name)} {onclick}>
                <rect x={format!("{x:.1}")} y={format!("{y:.1}")} width="96" height="24" rx="6" />
                <text x={format!("{:.1}", x + 48.0)} y={format!("{:.1}", y + 17.0)}>{ "+ membre" }</text>
            </g>
        }
    }

    /// The links between sites, as `look` says each one is (the simulation's or the real
    /// cluster's). Clicking one cuts or restores it.
    fn view_links(&self, ctx: &Context<Self>, look: &dyn Fn(&str, &str) -> LinkLook) -> Html {
        html! {
            <g class="raft-links">
                { for self.geometry.links.iter().map(|link| {
                    let LinkLook { up, latency_ms: latency, traffic } = look(&link.first, &link.second);
                    let name = format!("{}-{}", link.first, link.second);
                    let onclick = (!ctx.props().preview).then(|| {
                        let (a, b) = (link.first.clone(), link.second.clone());
                        ctx.link().callback(move |_| Msg::Link(a.clone(), b.clone()))
                    });
                    let (lx, ly) = link.label;
                    let carried = traffic.map(|(there, back)| {
                        format!(", {} de {} vers {}, {} retour", crate::live::traffic_text(there), link.first, link.second,
                            crate::live::traffic_text(back))
                    }).unwrap_or_default();
                    let title = if up {
                        format!("Lien {}–{} : {latency} ms{carried} — cliquer pour le couper", link.first, link.second)
                    } else {
                        format!("Lien {}–{} coupé — cliquer pour le rétablir", link.first, link.second)
                    };
                    // Real mode: the line widens with the bytes crossing it.
                    let stroke = traffic.map(|(there, back)| {
                        format!("stroke-width:{:.1}", crate::live::traffic_stroke(there.saturating_add(back)))
                    });
                    html! {
                        <g key={name.clone()} class={classes!("raft-link", (!up).then_some("raft-link-down"))}
                           data-link={name} data-state={if up { "up" } else { "down" }}
                           data-bytes-per-s={traffic.map(|(there, back)| there.saturating_add(back).to_string())}
                           role="button" {onclick}>
                            <title>{ title }</title>
                            <path class="raft-link-hit" d={link.path.clone()} />
                            if up {
                                <path class="raft-link-line" d={link.path.clone()} style={stroke} />
                                <text class="raft-link-label" x={format!("{lx:.1}")} y={format!("{:.1}", ly - 8.0)}>{ format!("{latency} ms") }</text>
                                if let Some((there, back)) = traffic {
                                    { real::view_traffic(link, there.saturating_add(back)) }
                                }
                            } else {
                                <path class="raft-link-line" d={link.broken.0.clone()} />
                                <path class="raft-link-line" d={link.broken.1.clone()} />
                                <circle class="raft-link-cut-mark" cx={format!("{lx:.1}")} cy={format!("{ly:.1}")} r="14" />
                                <text class="raft-link-cut" x={format!("{lx:.1}")} y={format!("{:.1}", ly + 8.0)}>{ "✕" }</text>
                                if link.arc {
                                    <text class="raft-link-label raft-link-label-down raft-link-label-side" x={format!("{:.1}", lx + 20.0)} y={format!("{:.1}", ly - 8.0)}>{ "coupé" }</text>
                                } else {
                                    <text class="raft-link-label raft-link-label-down" x={format!("{lx:.1}")} y={format!("{:.1}", ly + 34.0)}>{ "coupé" }</text>
                                }
                            }
                        </g>
                    }
                }) }
            </g>
        }
    }

    fn view_node(&self, ctx: &Context<Self>, node: &NodeView) -> Html {
        let Some(spot) = self.geometry.node(&node.id) else {
            return Html::default();
        };
        let (cx, cy, r) = (spot.cx, spot.cy, spot.radius);
        let role = node.role;
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
        let mut line = format!("{} · terme {}", role_text(role), node.term);
        let mut candidates = Vec::new();
        // The real cluster's logs do not say the votes: no count rather than a wrong one.
        if matches!(role, Role::Candidate | Role::PreCandidate) && !node.votes.is_empty() {
            line.push_str(&format!(
                " · votes {}/{}",
                node.votes.len(),
                node.voters.len().max(1)
            ));
            candidates.push(line.clone());
        }
        // The longest role line that fits the site: with the votes, with the term, the
        // term as « t. 2 », the role alone (the tooltip always has it all).
        candidates.push(format!("{} · terme {}", role_text(role), node.term));
        candidates.push(format!("{} · t. {}", role_text(role), node.term));
        candidates.push(role_text(role).to_string());
        let role_size = if spot.compact { 15.0 } else { 17.0 };
        let shown = first_fitting(&candidates, spot.text_room, role_size, true).to_string();
        let circle = |class: Classes, radius: f64| {
            html! {
                <circle class={class} cx={format!("{cx:.1}")} cy={format!("{cy:.1}")} r={format!("{radius:.1}")} />
            }
        };
        html! {
            <g key={node.id.clone()} class={classes!("raft-node", selected.then_some("raft-node-selected"))}
               data-node={node.id.clone()} data-role={role.as_str()} data-term={node.term.to_string()}
               data-site={node.site.clone()}
               data-failed={live.filter(|member| member.failed).map(|_| "true")}
               role="button" aria-label={format!("{} : {line}", node.id)} {onclick}>
                <title>{ match live {
                    Some(member) => real::node_title(member, &line),
                    None => format!("{} — {line} — index validé {}", node.id, node.commit_index),
                } }</title>
                <rect class="raft-node-hit" x={format!("{:.1}", spot.row.0)} y={format!("{:.1}", spot.row.1)}
                      width={format!("{:.1}", spot.row.2)} height={format!("{:.1}", spot.row.3)} rx="8" />
                if let Some(percent) = timer {
                    <circle class="raft-timer-track" cx={format!("{cx:.1}")} cy={format!("{cy:.1}")} r={format!("{:.1}", r + 6.0)} />
                    <circle class="raft-timer" cx={format!("{cx:.1}")} cy={format!("{cy:.1}")} r={format!("{:.1}", r + 6.0)}
                        pathLength="100" stroke-dasharray={format!("{percent:.1} 100")}
                        transform={format!("rotate(-90 {cx:.1} {cy:.1})")} />
                }
                if role == Role::Leader {
                    { circle(classes!("raft-leader-ring"), r + 6.0) }
                }
                if role == Role::Learner {
                    <rect class={shape_class.clone()} x={format!("{:.1}", cx - r)} y={format!("{:.1}", cy - r)}
                          width={format!("{:.1}", 2.0 * r)} height={format!("{:.1}", 2.0 * r)} rx="6" />
                } else {
                    { circle(shape_class, r) }
                }
                if role == Role::Down {
                    <path class="raft-down-cross" d={format!("M{:.1} {:.1} L{:.1} {:.1} M{:.1} {:.1} L{:.1} {:.1}",
                        cx - r * 0.55, cy - r * 0.55, cx + r * 0.55, cy + r * 0.55,
                        cx + r * 0.55, cy - r * 0.55, cx - r * 0.55, cy + r * 0.55)} />
                }
                <text class="raft-node-name" x={format!("{cx:.1}")} y={format!("{:.1}", cy + 6.0)}>{ node.id.clone() }</text>
                if role == Role::Leader {
                    <text class="raft-leader-mark" x={format!("{cx:.1}")} y={format!("{:.1}", cy - r - 10.0)}>{ "★" }</text>
                }
                <text class={classes!("raft-role-line", spot.compact.then_some("raft-role-line-compact"), format!("role-text-{}", role.as_str()))}
                      x={format!("{:.1}", spot.text_x)} y={format!("{:.1}", cy - 8.0)}
                      data-fit={format!("{:.1}", spot.text_room)}>{ shown }</text>
                if let Some(member) = live {
                    { real::view_indexes(member, spot) }
                } else {
                    { self.view_log(node, spot.text_x, cy, spot.log_slots) }
                }
            </g>
        }
    }

    fn view_log(&self, node: &NodeView, x: f64, cy: f64, slots: usize) -> Html {
        let y = cy + 1.0;
        let length = node.log.len();
        let (start, offset) = if length > slots {
            (length - (slots - 1).max(1), 1usize)
        } else {
            (0, 0)
        };
        let position = |index_in_view: usize| x + (index_in_view + offset) as f64 * ENTRY_PITCH;
        let committed_visible = node
            .log
            .iter()
            .skip(start)
            .filter(|entry| entry.index <= node.commit_index)
            .count();
        html! {
            <g class="raft-log">
                if offset > 0 {
                    <text class="raft-log-more" x={format!("{:.1}", x + 8.0)} y={format!("{:.1}", y + 17.0)}>{ "…" }</text>
                }
                { for node.log.iter().skip(start).enumerate().map(|(i, entry)| {
                    let committed = entry.index <= node.commit_index;
                    let colour = term_colour(entry.term);
                    let bx = position(i);
                    let style = if committed {
                        format!("fill:{colour};stroke:{colour}")
                    } else {
                        format!("fill:#fff;stroke:{colour}")
                    };
                    let label = match entry.kind {
                        EntryKind::Noop => "∅".to_string(),
                        EntryKind::Conf => "⚙".to_string(),
                        EntryKind::Snapshot => "▣".to_string(),
                        EntryKind::Value => entry.term.to_string(),
                    };
                    let what = match (entry.kind, &entry.value) {
                        (EntryKind::Snapshot, Some(values)) if values.is_empty() => "sauvegarde restaurée (vide)".to_string(),
                        (EntryKind::Snapshot, Some(values)) => format!("sauvegarde restaurée : {values}"),
                        (_, Some(value)) => value.clone(),
                        (_, None) => "entrée vide du nouveau leader".to_string(),
                    };
                    html! {
                        <g key={format!("{}-{}", entry.index, entry.term)}
                           class={classes!("raft-entry", if committed { "raft-entry-committed" } else { "raft-entry-pending" })}
                           data-index={entry.index.to_string()} data-entry-term={entry.term.to_string()}>
                            <title>{ format!("index {} · terme {} · {what} · {}", entry.index, entry.term,
                                if committed { "validée" } else { "non validée" }) }</title>
                            <rect x={format!("{bx:.1}")} y={format!("{y:.1}")} width={ENTRY_WIDTH.to_string()}
                                  height={ENTRY_HEIGHT.to_string()} rx="4" style={style} data-box="" />
                            <text x={format!("{:.1}", bx + ENTRY_WIDTH / 2.0)} y={format!("{:.1}", y + 17.0)}
                                  style={if committed { "fill:#fff".to_string() } else { format!("fill:{colour}") }}>{ label }</text>
                        </g>
                    }
                }) }
                if committed_visible > 0 {
                    <path class="raft-commit-bar"
                        d={format!("M{:.1} {:.1} H{:.1}", position(0), y + ENTRY_HEIGHT + 5.0,
                            position(committed_visible - 1) + ENTRY_WIDTH)} />
                    <path class="raft-commit-mark"
                        d={{
                            let tip = position(committed_visible - 1) + ENTRY_WIDTH / 2.0;
                            let base = y + ENTRY_HEIGHT + 5.0;
                            format!("M{:.1} {:.1} l-6 8 h12 z", tip, base)
                        }} />
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
                    let slots = spot.log_slots;
                    let first_shown = if length > slots { length - (slots - 1).max(1) } else { 0 } as u64;
                    let offset = if length > slots { 1.0 } else { 0.0 };
                    let column = ghost.index.saturating_sub(1).saturating_sub(first_shown) as f64;
                    let bx = spot.text_x + (column + offset) * ENTRY_PITCH;
                    // In place, over whatever replaced it, sinking as it fades.
                    let by = spot.cy + 1.0 + 10.0 * age;
                    let colour = term_colour(ghost.term);
                    Some(html! {
                        <g key={format!("{}-{}-{}", ghost.node, ghost.index, ghost.term)} class="raft-ghost"
                           style={format!("opacity:{:.2}", 1.0 - age)}>
                            <rect x={format!("{bx:.1}")} y={format!("{by:.1}")} width={ENTRY_WIDTH.to_string()}
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
                    // From edge to edge, so a message never hides a node's name.
                    let (dx, dy) = (to.cx - from.cx, to.cy - from.cy);
                    let length = (dx * dx + dy * dy).sqrt().max(1.0);
                    let (ux, uy) = (dx / length, dy / length);
                    let (x0, y0) = (from.cx + ux * (from.radius + 4.0), from.cy + uy * (from.radius + 4.0));
                    let (x1, y1) = (to.cx - ux * (to.radius + 4.0), to.cy - uy * (to.radius + 4.0));
                    let x = x0 + (x1 - x0) * progress;
                    let y = y0 + (y1 - y0) * progress;
                    let opacity = if flight.dropped && clock > flight.arrive_ms {
                        (1.0 - (clock - flight.arrive_ms) / duration.max(40.0)).clamp(0.0, 1.0)
                    } else if flight.dropped {
                        0.85
                    } else {
                        1.0
                    };
                    let class = classes!(message_class(flight.kind, flight.reject), flight.dropped.then_some("msg-dropped"));
                    let shape = match flight.kind {
                        MessageKind::Append => html! {
                            <rect x={format!("{:.1}", x - 7.0)} y={format!("{:.1}", y - 7.0)} width="14" height="14" rx="2" />
                        },
                        MessageKind::PreVote | MessageKind::Vote | MessageKind::TimeoutNow => html! {
                            <path d={format!("M{x:.1} {:.1} l8 8 l-8 8 l-8 -8 z", y - 8.0)} />
                        },
                        MessageKind::Heartbeat => html! {
                            <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="5" />
                        },
                        _ => html! {
                            <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="6" />
                        },
                    };
                    Some(html! {
                        <g key={id.to_string()} class={class} style={format!("opacity:{opacity:.2}")}
                           data-message={message_label(flight.kind)}>
                            { shape }
                            if flight.dropped && clock >= flight.arrive_ms {
                                <text class="msg-drop-mark" x={format!("{x:.1}")} y={format!("{:.1}", y - 10.0)}>{ "✕" }</text>
                            }
                        </g>
                    })
                }) }
            </g>
        }
    }
}

fn term_colour(term: u64) -> &'static str {
    TERM_COLOURS[(term as usize) % TERM_COLOURS.len()]
}

fn message_class(kind: MessageKind, reject: bool) -> &'static str {
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

fn message_label(kind: MessageKind) -> &'static str {
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
