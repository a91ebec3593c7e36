//! The `multisite` widget's drawing: the seed chapter's active/passive architecture made
//! live. Users → DNS/GSLB → load balancer and ingress of site A or B; the database
//! primary replicating asynchronously to the other site; a Git repository feeding the
//! GitOps controller of each cluster; the runbook step in progress; the recovery time and
//! the data lost, measured.

use sim::models::multisite::MultisiteView;
use yew::prelude::*;

use super::layout::VIEW_WIDTH;
use super::model_narration::reason_text;
use super::model_widget::{draw_client, duration_text, svg_number, Hooks};

/// Width of the runbook panel on the right.
const PANEL_WIDTH: f64 = 300.0;

/// The root's data attributes: `traffic-site`, `primary`, `lost`, `runbook-step`,
/// `rto-ms`.
pub fn attributes(view: &MultisiteView) -> Vec<(&'static str, String)> {
    let mut attributes = vec![
        ("traffic-site", view.traffic_site.clone()),
        ("primary", view.primary.clone()),
        ("lost", view.lost.len().to_string()),
        ("writable", view.serving.to_string()),
        ("runbook-step", view.runbook_step.unwrap_or("").to_string()),
    ];
    if let Some(rto) = view.rto_ms {
        attributes.push(("rto-ms", rto.to_string()));
    }
    attributes
}

fn step_text(step: &str) -> &'static str {
    match step {
        "decision" => "Décision (PRA)",
        "traffic_switch" => "Bascule DNS/GSLB",
        "promotion" => "Promotion de la base",
        "gitops_sync" => "Sync GitOps",
        "smoke_tests" => "Smoke tests",
        "monitoring" => "Surveillance",
        _ => "Étape",
    }
}

/// `5 min`, `2 min 30`: a runbook step's planned duration.
fn minutes(ms: u64) -> String {
    let seconds = ms / 1000;
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s:02}"),
    }
}

fn boxed(class: &str, x: f64, y: f64, width: f64, height: f64, lines: &[String]) -> Html {
    html! {
        <g class={classes!("model-box", class.to_string())}>
            <rect x={svg_number(x)} y={svg_number(y)} width={svg_number(width)} height={svg_number(height)} rx="8" data-box="" />
            { for lines.iter().enumerate().map(|(k, line)| html! {
                <text x={svg_number(x + width / 2.0)} y={svg_number(y + 22.0 + k as f64 * 21.0)} data-fit={svg_number(width - 16.0)}>{ line.clone() }</text>
            }) }
        </g>
    }
}

/// Draws the two sites (see the module doc).
pub fn draw(view: &MultisiteView, hooks: &Hooks, height: f64) -> Html {
    let area = VIEW_WIDTH - PANEL_WIDTH - 12.0;
    // Wide enough for the replication's three lines between the sites.
    let gap = 160.0;
    let site_width = (area - gap) / 2.0;
    let site_top = 150.0;
    let site_height = height - site_top - 6.0;
    let now = view.now_ms;
    let site_x = |name: &str| {
        if name == view.passive {
            site_width + gap
        } else {
            0.0
        }
    };
    let mut site_boxes = Vec::new();
    for site in &view.sites {
        let x = site_x(&site.name);
        let active = site.name == view.active;
        let primary = site.name == view.primary;
        let onclick = hooks.site_click(&site.name);
        let gitops = if active || view.gitops_synced_passive {
            "Kubernetes · GitOps à jour"
        } else {
            "Kubernetes · GitOps en attente"
        };
        let database = if primary {
            "Base : PRIMAIRE"
        } else {
            "Base : réplica (lecture seule)"
        };
        let title = if site.up {
            format!("Site {} — cliquer pour le faire tomber", site.name)
        } else {
            format!("Site {} en panne — cliquer pour le rétablir", site.name)
        };
        let inner = x + 16.0;
        let inner_width = site_width - 32.0;
        let serving_here = view.traffic_site == site.name;
        site_boxes.push(html! {
            <g key={site.name.clone()} class={classes!("raft-site", "model-site", (!site.up).then_some("model-site-down"),
                    if active { "model-site-active" } else { "model-site-passive" })}
               data-site={site.name.clone()} data-state={if site.up { "up" } else { "down" }}
               role="button" aria-label={title.clone()} {onclick}>
                <title>{ title }</title>
                <rect x={svg_number(x)} y={svg_number(site_top)} width={svg_number(site_width)} height={svg_number(site_height)} rx="12" data-box="" />
                <text class="raft-site-name" x={svg_number(x + 14.0)} y={svg_number(site_top + 26.0)}>
                    { format!("Site {} · {}", site.name, if active { "actif" } else { "passif" }) }
                </text>
                if !site.up {
                    <text class="model-site-down-mark" x={svg_number(x + site_width - 14.0)} y={svg_number(site_top + 26.0)}>{ "✕ en panne" }</text>
                }
                { boxed(if serving_here { "model-box-live" } else { "model-box-idle" }, inner, site_top + 40.0, inner_width, 34.0,
                    &["LB / Ingress".to_string()]) }
                { boxed(if active || view.gitops_synced_passive { "model-box-live" } else { "model-box-idle" },
                    inner, site_top + 84.0, inner_width, 34.0, &[gitops.to_string()]) }
                { boxed(if primary { "model-box-primary" } else { "model-box-idle" }, inner, site_top + 128.0, inner_width, 34.0,
                    &[database.to_string()]) }
            </g>
        });
    }
    // Users and the GSLB above the sites; the arrow goes to the site users reach.
    let users_x = area / 2.0 - 110.0;
    let target_x = site_x(&view.traffic_site) + site_width / 2.0;
    let dns_x = site_x(&view.dns_site) + site_width / 2.0;
    let link = view.links.first();
    let link_up = link.is_none_or(|l| l.up);
    let link_name = link.map_or_else(
        || "A-B".to_string(),
        |l| format!("{}-{}", l.first, l.second),
    );
    let link_click = hooks.link.clone().zip(link.cloned()).map(|(callback, l)| {
        Callback::from(move |_: MouseEvent| callback.emit((l.first.clone(), l.second.clone())))
    });
    let db_y = site_top + 145.0;
    let replication = [
        "réplication".to_string(),
        format!("asynchrone ({})", duration_text(view.replication_lag_ms)),
        if view.primary == view.passive {
            match view.lost.len() {
                1 => "1 jamais arrivée".to_string(),
                lost => format!("{lost} jamais arrivées"),
            }
        } else {
            format!("{} en transit", view.unreplicated)
        },
    ];
    let panel_x = VIEW_WIDTH - PANEL_WIDTH;
    let outage = view.outage_ms.unwrap_or(0);
    html! {
        <>
            <g class="model-flow">
                { boxed("model-box-users", users_x, 6.0, 220.0, 34.0, &["Utilisateurs".to_string()]) }
                { boxed("model-box-dns", users_x - 40.0, 66.0, 300.0, 54.0,
                    &["DNS / GSLB (health checks)".to_string(), format!("répond : site {}", view.dns_site)]) }
                <path class="model-arrow" d={format!("M{} 40 L{} 66", svg_number(users_x + 110.0), svg_number(users_x + 110.0))} />
                <path class={classes!("model-arrow", "model-arrow-traffic")} data-traffic-arrow={view.traffic_site.clone()}
                      d={format!("M{} 120 L{} {}", svg_number(users_x + 110.0), svg_number(target_x), svg_number(site_top + 40.0))} />
                if dns_x != target_x {
                    <path class="model-arrow model-arrow-dns" d={format!("M{} 120 L{} {}", svg_number(users_x + 110.0), svg_number(dns_x), svg_number(site_top + 40.0))} />
                }
                { boxed("model-box-git", area - 170.0, 6.0, 170.0, 54.0, &["Dépôt Git".to_string(), "→ GitOps A et B".to_string()]) }
            </g>
            <g class="raft-sites">{ for site_boxes }</g>
            <g class={classes!("raft-link", (!link_up).then_some("raft-link-down"))} data-link={link_name}
               data-state={if link_up { "up" } else { "down" }} role="button" onclick={link_click}>
                <title>{ if link_up { "Lien entre les sites — cliquer pour le couper" } else { "Lien coupé — cliquer pour le rétablir" } }</title>
                <path class="raft-link-hit" d={format!("M{} {} L{} {}", svg_number(site_width), svg_number(db_y), svg_number(site_width + gap), svg_number(db_y))} />
                <path class="raft-link-line" d={format!("M{} {} L{} {}", svg_number(site_width - 16.0), svg_number(db_y), svg_number(site_width + gap + 16.0), svg_number(db_y))} />
                if !link_up {
                    <text class="raft-link-cut" x={svg_number(site_width + gap / 2.0)} y={svg_number(db_y + 7.0)}>{ "✕" }</text>
                }
            </g>
            { for replication.iter().enumerate().map(|(k, line)| html! {
                <text class={classes!("model-replication", (k == 2 && view.unreplicated > 0).then_some("model-replication-pending"))}
                      x={svg_number(site_width + gap / 2.0)} y={svg_number(db_y + 34.0 + k as f64 * 20.0)} data-fit={svg_number(gap - 12.0)}>{ line.clone() }</text>
            }) }
            <g class="raft-panel">
                <rect class="raft-panel-box" x={svg_number(panel_x)} y="6" width={svg_number(PANEL_WIDTH)} height={svg_number(height - 12.0)} rx="12" data-box="" />
                <text class="model-panel-line" x={svg_number(panel_x + 14.0)} y="32">{ "Runbook de bascule" }</text>
                { for ["decision", "traffic_switch", "promotion", "gitops_sync", "smoke_tests", "monitoring"].iter().enumerate().map(|(k, step)| {
                    let planned = view.runbook.iter().find(|s| s.step == *step);
                    let state = match planned {
                        Some(s) if s.to_ms <= now => "done",
                        Some(s) if s.from_ms <= now => "running",
                        _ if view.runbook_aborted => "skipped",
                        _ => "todo",
                    };
                    let mark = match state { "done" => "✔", "running" => "▶", _ => "·" };
                    let when = planned.map_or(String::new(), |s| minutes(s.to_ms - s.from_ms));
                    let y = 58.0 + k as f64 * 24.0;
                    html! {
                        <g class={classes!("model-runbook", format!("model-runbook-{state}"))} data-step={*step} data-state={state}>
                            <text x={svg_number(panel_x + 14.0)} y={svg_number(y)}>{ format!("{mark} {}", step_text(step)) }</text>
                            <text class="model-runbook-time" x={svg_number(panel_x + PANEL_WIDTH - 14.0)} y={svg_number(y)}>{ when }</text>
                        </g>
                    }
                }) }
                <text class={classes!("model-panel-small", (!view.serving).then_some("model-panel-bad"))} x={svg_number(panel_x + 14.0)} y="214">
                    { if view.serving { "Service : écritures acceptées".to_string() }
                      else { format!("Service : {}", reason_text(view.refusal.unwrap_or(""))) } }
                </text>
                <text class="model-panel-small" x={svg_number(panel_x + 14.0)} y="238">
                    { format!("Interruption : {}", duration_text(outage)) }
                </text>
                <text class="model-panel-line" x={svg_number(panel_x + 14.0)} y="266" data-measure="rto">
                    { format!("RTO mesuré : {}", view.rto_ms.map_or_else(|| "—".to_string(), duration_text)) }
                </text>
                <text class={classes!("model-panel-line", (!view.lost.is_empty()).then_some("model-panel-bad"))} x={svg_number(panel_x + 14.0)} y="292" data-measure="rpo">
                    { format!("Écritures perdues : {}", view.lost.len()) }
                </text>
                { draw_client(panel_x + 12.0, height - 58.0, PANEL_WIDTH - 24.0, "✎ Écriture utilisateur", hooks,
                    "Cliquer : un utilisateur écrit (touche W)") }
            </g>
        </>
    }
}
