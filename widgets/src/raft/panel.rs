//! The raft widget's client panel, right of the stage: whether the cluster takes writes,
//! the client's writes with their outcomes, and the timeline of when writes were refused.

use sim::Outcome;
use yew::prelude::*;

use crate::layout::VIEW_WIDTH;
use crate::player::{Player, Unavailable};

use super::{seconds, Msg, RaftWidget};

/// Where the client panel's write rows start, and how tall each is (SVG units).
pub(super) const PANEL_ROWS_TOP: f64 = 122.0;
pub(super) const PANEL_ROW_HEIGHT: f64 = 26.0;

/// How many write rows fit between the client box and the timeline of a panel `height`
/// high.
pub(super) fn panel_rows(height: f64) -> usize {
    let timeline_top = height - 70.0;
    (((timeline_top - PANEL_ROWS_TOP - 8.0) / PANEL_ROW_HEIGHT)
        .floor()
        .max(1.0)) as usize
}

/// The client panel's badge: does the cluster take writes now?
pub(super) struct PanelBadge {
    /// `raft-safety-ok` or `raft-safety-bad`.
    pub(super) class: &'static str,
    /// What it says.
    pub(super) text: String,
    /// `data-writable`.
    pub(super) writable: bool,
    /// Its tooltip.
    pub(super) title: &'static str,
}

impl RaftWidget {
    pub(super) fn view_panel(
        &self,
        ctx: &Context<Self>,
        player: &Player,
        safe: bool,
        violations: &[sim::Violation],
    ) -> Html {
        let x = self.geometry.panel_x;
        let width = VIEW_WIDTH - x;
        let height = self.geometry.height;
        let simulation = player.simulation();
        let proposals = simulation.proposals();
        let now = player.now_ms();
        let can_propose = RaftWidget::allowed(&ctx.props().spec, "propose");
        // The badge says whether the cluster takes writes now: a lone « safety: OK »
        // read as « all is well » while the whole cluster was down. Safety (Raft's
        // invariants, checked after every event) shows only when broken.
        let writable = simulation.writable();
        let (badge_class, badge) = if !safe {
            (
                "raft-safety-bad",
                format!(
                    "⚠ Sûreté violée : {}",
                    violations.first().map_or("", |v| v.rule)
                ),
            )
        } else if writable {
            ("raft-safety-ok", "✔ Écritures acceptées".to_string())
        } else {
            ("raft-safety-bad", "✘ Écritures refusées".to_string())
        };
        let (rows_top, row_height, timeline_top) =
            (PANEL_ROWS_TOP, PANEL_ROW_HEIGHT, height - 70.0);
        let first = proposals.len().saturating_sub(panel_rows(height));
        let end_ms = player.frontier_ms().max(player.end_ms()).max(1);
        let scale = |ms: u64| x + 12.0 + (width - 24.0) * (ms.min(end_ms) as f64 / end_ms as f64);
        let unavailable_ms = self.unavailable_ms(player);
        html! {
            <g class="raft-panel">
                { self.view_panel_head(ctx, PanelBadge {
                    class: badge_class,
                    text: badge,
                    writable,
                    title: "Le cluster accepte-t-il les écritures maintenant ? La sûreté de Raft (un seul leader par terme, journaux cohérents, rien de validé perdu) est vérifiée après chaque événement ; une violation s'afficherait ici.",
                }, can_propose, !ctx.props().preview && can_propose) }
                { for proposals.iter().enumerate().skip(first).map(|(k, proposal)| {
                    let y = rows_top + (k - first) as f64 * row_height;
                    let reason = short_reason(proposal.reason.as_deref().unwrap_or(""));
                    // (data-outcome, style class, label): an unknown outcome is drawn like
                    // a pending one (it may still commit); a write lost by a restore from
                    // an older backup like the other widgets' lost writes.
                    let (outcome, style, label) = match proposal.outcome {
                        _ if proposal.lost_at_ms.is_some_and(|at| at <= now) => ("lost", "lost", "✘ perdue !".to_string()),
                        Outcome::Committed => ("committed", "committed", "✔ acquittée".to_string()),
                        Outcome::Failed => ("failed", "failed", format!("✘ {reason}")),
                        Outcome::Unknown => ("unknown", "pending", format!("? inconnue ({reason})")),
                        Outcome::Pending => ("pending", "pending", "… en attente".to_string()),
                    };
                    let tooltip = match outcome {
                        "unknown" => "Issue inconnue : le client n'a pas eu de réponse, l'écriture peut encore être validée",
                        "lost" => "Acquittée, puis perdue : la restauration repart d'une sauvegarde plus ancienne",
                        _ => "",
                    };
                    html! {
                        <g key={k.to_string()} class={classes!("raft-write", format!("raft-write-{style}"), format!("raft-write-{outcome}"))}
                           data-write={k.to_string()} data-outcome={outcome}>
                            if !tooltip.is_empty() {
                                <title>{ tooltip }</title>
                            }
                            <text class="raft-write-value" x={format!("{:.1}", x + 16.0)} y={format!("{:.1}", y + 16.0)}>{ proposal.value.clone() }</text>
                            <text class="raft-write-outcome" x={format!("{:.1}", x + width - 14.0)} y={format!("{:.1}", y + 16.0)}>{ label }</text>
                        </g>
                    }
                }) }
                <g class="raft-timeline">
                    { self.view_timeline_axis(&format!("Écritures impossibles : {}", seconds(unavailable_ms)), player.unavailable(), now, &scale) }
                    { for proposals.iter().map(|proposal| {
                        let px = scale(proposal.at_ms);
                        let class = match proposal.outcome {
                            _ if proposal.lost_at_ms.is_some_and(|at| at <= now) => "raft-tick raft-tick-failed raft-tick-lost",
                            Outcome::Committed => "raft-tick raft-tick-committed",
                            Outcome::Failed => "raft-tick raft-tick-failed",
                            Outcome::Unknown => "raft-tick raft-tick-pending raft-tick-unknown",
                            Outcome::Pending => "raft-tick raft-tick-pending",
                        };
                        html! { <path class={class} d={format!("M{px:.1} {:.1} v24", timeline_top + 16.0)} /> }
                    }) }
                    { self.view_timeline_ends(scale(now), end_ms) }
                </g>
            </g>
        }
    }

    /// The top of the client panel, the same in both modes: its box, the badge (does the
    /// cluster take writes?) and the client's « écrire » button (`clickable`: it sends a
    /// write; `enabled`: it is not drawn faded).
    pub(super) fn view_panel_head(
        &self,
        ctx: &Context<Self>,
        badge: PanelBadge,
        enabled: bool,
        clickable: bool,
    ) -> Html {
        let x = self.geometry.panel_x;
        let width = VIEW_WIDTH - x;
        let height = self.geometry.height;
        let onclick = clickable.then(|| ctx.link().callback(|_| Msg::Propose));
        html! {
            <>
                <rect class="raft-panel-box" x={format!("{x:.1}")} y="6" width={format!("{width:.1}")} data-box=""
                      height={format!("{:.1}", height - 12.0)} rx="12" />
                <g class={classes!("raft-safety", badge.class)} data-safety-badge="" data-writable={badge.writable.to_string()}>
                    <rect x={format!("{:.1}", x + 12.0)} y="16" width={format!("{:.1}", width - 24.0)} height="32" rx="16" data-box="" />
                    <text x={format!("{:.1}", x + width / 2.0)} y="38" data-fit={format!("{:.1}", width - 40.0)}>{ badge.text }</text>
                    <title>{ badge.title }</title>
                </g>
                <g class={classes!("raft-client", (!enabled).then_some("raft-client-disabled"))}
                   data-action="propose" role="button" {onclick}>
                    <title>{ "Cliquer : le client envoie une écriture au leader (touche W)" }</title>
                    <rect x={format!("{:.1}", x + 12.0)} y="58" width={format!("{:.1}", width - 24.0)} height="48" rx="10" data-box="" />
                    <text x={format!("{:.1}", x + width / 2.0)} y="89" data-fit={format!("{:.1}", width - 44.0)}>{ "✎ Client : écrire" }</text>
                </g>
            </>
        }
    }

    /// The timeline's title and axis, with the spans when writes could not commit (the
    /// first one, from 0, is the cluster starting: drawn apart).
    pub(super) fn view_timeline_axis(
        &self,
        title: &str,
        windows: &[Unavailable],
        now: u64,
        scale: &dyn Fn(u64) -> f64,
    ) -> Html {
        let x = self.geometry.panel_x;
        let width = VIEW_WIDTH - x;
        let timeline_top = self.geometry.height - 70.0;
        html! {
            <>
                <text class="raft-timeline-title" x={format!("{:.1}", x + 12.0)} y={format!("{:.1}", timeline_top + 8.0)}
                      data-fit={format!("{:.1}", width - 24.0)}>
                    { title }
                </text>
                <rect class="raft-timeline-axis" x={format!("{:.1}", x + 12.0)} y={format!("{:.1}", timeline_top + 20.0)}
                      width={format!("{:.1}", width - 24.0)} height="16" rx="3" />
                { for windows.iter().map(|window| {
                    let from = scale(window.from_ms);
                    let to = scale(window.to_ms.unwrap_or(now));
                    let class = if window.from_ms == 0 { "raft-timeline-startup" } else { "raft-timeline-down" };
                    html! {
                        <rect class={class} x={format!("{from:.1}")} y={format!("{:.1}", timeline_top + 20.0)}
                              width={format!("{:.1}", (to - from).max(1.5))} height="16" />
                    }
                }) }
            </>
        }
    }

    /// The timeline's « now » mark and its ends (0 s and `end_ms`).
    pub(super) fn view_timeline_ends(&self, now_x: f64, end_ms: u64) -> Html {
        let x = self.geometry.panel_x;
        let width = VIEW_WIDTH - x;
        let timeline_top = self.geometry.height - 70.0;
        html! {
            <>
                <path class="raft-timeline-now" d={format!("M{now_x:.1} {:.1} v28", timeline_top + 14.0)} />
                <text class="raft-timeline-end" x={format!("{:.1}", x + width - 12.0)} y={format!("{:.1}", timeline_top + 56.0)}>
                    { seconds(end_ms) }
                </text>
                <text class="raft-timeline-start" x={format!("{:.1}", x + 12.0)} y={format!("{:.1}", timeline_top + 56.0)}>{ "0 s" }</text>
            </>
        }
    }

    /// How long writes were refused so far. The first election (from time 0) is the
    /// cluster starting, not an outage: it is drawn apart and not counted.
    pub(super) fn unavailable_ms(&self, player: &Player) -> u64 {
        let now = player.now_ms();
        player
            .unavailable()
            .iter()
            .filter(|window| window.from_ms > 0)
            .map(|window| window.to_ms.unwrap_or(now).saturating_sub(window.from_ms))
            .sum()
    }
}

/// A failure reason short enough for the client panel (the caption has the long one).
fn short_reason(reason: &str) -> &'static str {
    match reason {
        "lost" => "perdue",
        "timeout" => "délai",
        "connection_lost" => "coupure",
        "no_leader" => "pas de leader",
        "not_leader" => "plus leader",
        "node_down" => "nœud en panne",
        "transferring" => "transfert",
        _ => "échec",
    }
}
