//! The real mode's drawing: the « Simulé / Réel » switch, the toolbar, caption line and
//! overlay of a real cluster, a real member's actions, the client panel with real writes,
//! and what links and members show when the drawing is etcd's rather than the
//! simulation's.

use yew::prelude::*;

use super::{Availability, LiveMsg};
use crate::layout::{first_fitting, text_width, LinkSpot, NodeSpot, VIEW_WIDTH};
use crate::live::{self, LiveMember, LiveState};
use crate::player::Player;
use crate::raft::panel::{panel_rows, PanelBadge, PANEL_ROWS_TOP, PANEL_ROW_HEIGHT};
use crate::raft::stage::LinkLook;
use crate::raft::{real_now_ms, seconds, Msg, RaftWidget};

impl RaftWidget {
    /// The « Simulé / Réel » switch (presenter view, live blocks), or the discreet note
    /// saying why the widget stays simulated.
    pub(in crate::raft) fn view_mode_switch(&self, ctx: &Context<Self>) -> Html {
        let real = &self.real;
        if !real.allowed || !real.presenter {
            return Html::default();
        }
        match &real.availability {
            Availability::Unknown => Html::default(),
            Availability::Unavailable(reason) => html! {
                <span class="raft-mode-note" data-live-unavailable="" title={format!("etcd réel indisponible : {reason}")}>
                    { "simulé · pas d'etcd réel" }
                </span>
            },
            Availability::Available => {
                let choice = |on: bool, label: &'static str| {
                    let onclick = ctx.link().callback(move |_| Msg::Live(LiveMsg::Switch(on)));
                    let pressed = real.on == on;
                    html! {
                        <button type="button" class={classes!("raft-mode-choice", pressed.then_some("raft-mode-choice-on"))}
                                data-mode-choice={if on { "real" } else { "sim" }}
                                aria-pressed={if pressed { "true" } else { "false" }} {onclick}>{ label }</button>
                    }
                };
                html! {
                    <div class="raft-mode" role="group" aria-label="Cluster simulé ou etcd réel"
                         title="Simulé : la simulation déterministe. Réel : un vrai cluster etcd local, lancé par raftdeck serve --live-etcd">
                        { choice(false, "Simulé") }
                        { choice(true, "Réel") }
                    </div>
                }
            }
        }
    }

    /// The toolbar in real mode: the switch, the stream's state, the presenter's reset and
    /// record buttons, and what the last click did.
    pub(in crate::raft) fn view_real_controls(&self, ctx: &Context<Self>) -> Html {
        let real = &self.real;
        let link = ctx.link();
        let status = match (real.status(), real.drawn()) {
            (Some("stale"), _) => format!(
                "⚠ pas de nouvelles du cluster depuis {}",
                seconds((real_now_ms() - real.last_frame_at).max(0.0) as u64)
            ),
            (_, Some(state)) => format!("● etcd réel · t = {}", seconds(state.now_ms)),
            _ => "Connexion au cluster etcd réel…".to_string(),
        };
        let (message_class, message) = match (&real.busy, &real.problem, &real.notice) {
            (Some(busy), _, _) => ("raft-live-busy", busy.clone()),
            (None, Some(problem), _) => ("raft-live-problem", format!("⚠ {problem}")),
            (None, None, Some(notice)) => ("raft-live-notice", notice.clone()),
            _ => ("", String::new()),
        };
        let acting = real.can_act();
        html! {
            <div class="raft-controls raft-controls-real" role="toolbar" aria-label="Contrôles du cluster etcd réel">
                { self.view_mode_switch(ctx) }
                <span class={classes!("raft-live-status", (real.status() == Some("stale")).then_some("raft-live-stale"))}
                      role="status">{ status }</span>
                if acting {
                    <button type="button" data-action="reset" title="Tous les membres repartent de dossiers de données vides"
                            disabled={real.busy.is_some()} onclick={link.callback(|_| Msg::Live(LiveMsg::Reset))}>
                        { "Réinitialiser le cluster" }
                    </button>
                    <button type="button" data-action="record" title="Enregistrer ce qui s'est passé comme scénario rejouable"
                            onclick={link.callback(|_| Msg::Live(LiveMsg::Record))}>
                        { "Enregistrer" }
                    </button>
                }
                if !message.is_empty() {
                    <span class={classes!("raft-live-message", message_class)} role="alert" title={message.clone()}>{ message }</span>
                }
            </div>
        }
    }

    /// The caption line in real mode: the last thing the cluster did, in French, marked
    /// as real.
    pub(in crate::raft) fn view_real_caption(&self, state: &LiveState) -> Html {
        let (text, at) = match live::caption(state) {
            Some(caption) => (caption.text, Some(caption.at_ms)),
            None => ("Le cluster etcd réel démarre".to_string(), None),
        };
        html! {
            <div class="raft-caption raft-caption-real" role="status" aria-live="polite">
                <span class="raft-live-tag">{ "etcd réel" }</span>
                if let Some(at) = at {
                    <span class="raft-caption-time">{ seconds(at) }</span>
                }
                <span class="raft-caption-text">{ text }</span>
            </div>
        }
    }

    /// Over the stage: « connexion… » while the first frame is awaited, and for the
    /// presenter only, the last log line of each member that did not come back.
    pub(in crate::raft) fn view_real_overlay(&self) -> Html {
        let real = &self.real;
        if !real.on {
            return Html::default();
        }
        html! {
            <>
                if real.state.is_none() {
                    <div class="raft-real-waiting" role="status">{ "Connexion au cluster etcd réel…" }</div>
                }
                if real.can_act() && !real.diagnostics.is_empty() {
                    <div class="raft-live-diagnostics" role="alert" data-diagnostics="">
                        { for real.diagnostics.iter().map(|(member, line)| {
                            let shown: String = line.chars().take(2000).collect();
                            html! {
                                <p>
                                    <strong>{ format!("{member} ne revient pas") }</strong>
                                    { " — dernière ligne de son journal : " }
                                    <code>{ live::log_line_text(&shown) }</code>
                                </p>
                            }
                        }) }
                    </div>
                }
            </>
        }
    }

    /// A member's actions in real mode (presenter only): what can be done to a real
    /// member by a click.
    pub(in crate::raft) fn view_real_node_menu(&self, ctx: &Context<Self>) -> Html {
        if !self.real.can_act() {
            return Html::default();
        }
        let Some(name) = &self.selected else {
            return Html::default();
        };
        let Some(member) = self.real.member(name) else {
            return Html::default();
        };
        let up = member.up;
        let leader = member.role == "leader";
        let actions: [(&'static str, &'static str, &str, bool); 5] = [
            ("crash", "crash", "Panne (SIGKILL)", up),
            ("restart", "restart", "Redémarrer", !up),
            ("isolate", "isolate", "Isoler", up),
            (
                "transfer_leader",
                "transfer_leader",
                "Devenir leader",
                up && !leader,
            ),
            ("propose_to", "propose", "Écrire ici", up),
        ];
        RaftWidget::node_menu(
            ctx,
            name,
            &format!("Actions sur {name} (etcd réel)"),
            live::member_title(member),
            &actions,
        )
    }

    /// The client panel in real mode: the leader, the writes with their real outcome and
    /// latency, and how long the cluster went without a leader.
    pub(in crate::raft) fn view_real_panel(&self, ctx: &Context<Self>, state: &LiveState) -> Html {
        let x = self.geometry.panel_x;
        let width = VIEW_WIDTH - x;
        let height = self.geometry.height;
        let can_propose = RaftWidget::allowed(&ctx.props().spec, "propose");
        let badge = match state.leader_term() {
            Some((leader, term)) => PanelBadge {
                class: "raft-safety-ok",
                text: format!("✔ Leader : {leader} · terme {term}"),
                writable: true,
                title: "Le leader que les journaux des membres etcd annoncent : il accepte les écritures.",
            },
            None => PanelBadge {
                class: "raft-safety-bad",
                text: "✘ Aucun leader".to_string(),
                writable: false,
                title: "Aucun membre etcd ne se dit leader : une écriture attend, puis échoue ou reste sans réponse.",
            },
        };
        let fit = panel_rows(height);
        let first = state.writes.len().saturating_sub(fit);
        let now = state.now_ms.max(1);
        let scale = |ms: u64| x + 12.0 + (width - 24.0) * (ms.min(now) as f64 / now as f64);
        let windows = state.leaderless();
        html! {
            <g class="raft-panel">
                // The audience's windows show the client as the presenter's does; only the
                // presenter's sends a write.
                { self.view_panel_head(ctx, badge, can_propose, can_propose && self.real.can_act()) }
                { for state.writes.iter().enumerate().skip(first).map(|(k, write)| {
                    let y = PANEL_ROWS_TOP + (k - first) as f64 * PANEL_ROW_HEIGHT;
                    let (outcome, style) = write.outcome_class();
                    let value_room = text_width(&write.value, 16.0, true) + 12.0;
                    let labels = write.labels();
                    let room = width - 30.0 - value_room;
                    let label = first_fitting(&labels, room, 16.0, false).to_string();
                    html! {
                        <g key={format!("{}-{}", write.value, write.at_ms)} class={classes!("raft-write", format!("raft-write-{style}"), format!("raft-write-{outcome}"))}
                           data-write={k.to_string()} data-outcome={outcome}
                           data-latency-ms={write.latency_ms().map(|ms| ms.to_string())}>
                            <title>{ format!("{} — {}", write.value, labels[0]) }</title>
                            <text class="raft-write-value" x={format!("{:.1}", x + 16.0)} y={format!("{:.1}", y + 16.0)}>{ write.value.clone() }</text>
                            <text class="raft-write-outcome" x={format!("{:.1}", x + width - 14.0)} y={format!("{:.1}", y + 16.0)}
                                  data-fit={format!("{room:.1}")}>{ label }</text>
                        </g>
                    }
                }) }
                <g class="raft-timeline">
                    { self.view_timeline_axis(&format!("Sans leader : {}", seconds(state.leaderless_ms())), &windows, state.now_ms, &scale) }
                    { for state.writes.iter().map(|write| {
                        let px = scale(write.at_ms);
                        let (_, style) = write.outcome_class();
                        html! { <path class={format!("raft-tick raft-tick-{style}")} d={format!("M{px:.1} {:.1} v24", height - 70.0 + 16.0)} /> }
                    }) }
                    { self.view_timeline_ends(scale(state.now_ms), now) }
                </g>
            </g>
        }
    }
}

/// What a link shows in real mode: cut or not as the proxies apply it, the scenario's
/// latency (what the proxies add), and the bytes crossing it each way.
pub(in crate::raft) fn link_look(state: &LiveState, player: &Player, a: &str, b: &str) -> LinkLook {
    let latency_ms = player.simulation().site_latency_ms(a, b).unwrap_or(0);
    match state.link(a, b) {
        Some(link) => LinkLook {
            up: link.up,
            latency_ms,
            traffic: Some(if link.from == a {
                (link.bytes_per_s, link.bytes_per_s_back)
            } else {
                (link.bytes_per_s_back, link.bytes_per_s)
            }),
        },
        None => LinkLook {
            up: true,
            latency_ms,
            traffic: None,
        },
    }
}

/// A link's traffic label (real mode): under the line, in the gap between adjacent sites
/// (number over unit, the gap is narrow), or beside the latency on an arc.
pub(in crate::raft) fn view_traffic(link: &LinkSpot, bytes_per_s: u64) -> Html {
    let (lx, ly) = link.label;
    let text = live::traffic_text(bytes_per_s);
    let (number, unit) = text.rsplit_once(' ').unwrap_or((&text, ""));
    if link.arc {
        html! {
            <text class="raft-link-traffic raft-link-label-side" x={format!("{:.1}", lx + 28.0)} y={format!("{:.1}", ly - 8.0)}>
                { text.clone() }
            </text>
        }
    } else {
        html! {
            <g class="raft-link-traffic" data-traffic={text.clone()}>
                <text class="raft-link-traffic-number" x={format!("{lx:.1}")} y={format!("{:.1}", ly + 26.0)}>{ number.to_string() }</text>
                <text class="raft-link-traffic-unit" x={format!("{lx:.1}")} y={format!("{:.1}", ly + 42.0)}>{ unit.to_string() }</text>
            </g>
        }
    }
}

/// Where a simulated node shows its log, a real member shows its indexes (the WAL is not
/// read): « index commité 12 · appliqué 12 »; one that did not come back says so.
pub(in crate::raft) fn view_indexes(member: &LiveMember, spot: &NodeSpot) -> Html {
    let size = if spot.compact { 14.0 } else { 15.0 };
    let candidates: Vec<String> = if member.failed {
        vec![
            "✕ ne redémarre pas (voir son journal)".to_string(),
            "✕ ne redémarre pas".to_string(),
            "✕ échec".to_string(),
        ]
    } else if !member.up {
        // A stopped process answers no status: no index to show.
        vec!["processus etcd arrêté".to_string(), "arrêté".to_string()]
    } else {
        vec![
            format!(
                "index commité {} · appliqué {}",
                member.commit_index, member.applied_index
            ),
            format!(
                "commité {} · appliqué {}",
                member.commit_index, member.applied_index
            ),
            format!("c. {} · a. {}", member.commit_index, member.applied_index),
        ]
    };
    let shown = first_fitting(&candidates, spot.text_room, size, false).to_string();
    html! {
        <text class={classes!("raft-live-indexes", member.failed.then_some("raft-live-failed"))}
              x={format!("{:.1}", spot.text_x)} y={format!("{:.1}", spot.cy + 18.0)}
              data-commit-index={member.commit_index.to_string()} data-applied-index={member.applied_index.to_string()}
              data-fit={format!("{:.1}", spot.text_room)}>{ shown }</text>
    }
}

/// A real member's tooltip.
pub(in crate::raft) fn node_title(member: &LiveMember, line: &str) -> String {
    let state = if member.failed {
        " — ne redémarre pas"
    } else {
        ""
    };
    format!(
        "{} — {line} — index commité {}, appliqué {} (etcd réel){state}",
        member.name, member.commit_index, member.applied_index
    )
}
