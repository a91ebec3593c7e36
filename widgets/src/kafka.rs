//! The `kafka` widget's drawing: sites (`broker.rack`), brokers with the partition
//! replicas they hold (leader, in the ISR, out of it), the KRaft controllers with their
//! Raft roles, the producer's settings, and every acknowledged message lost.

use sim::models::kafka::KafkaView;
use yew::prelude::*;

use super::layout::VIEW_WIDTH;
use super::model_widget::{draw_client, draw_sites, draw_writes, site_geometry, svg_number, Hooks};

/// The root's data attributes: `lost` (acknowledged messages lost), `writable`.
pub fn attributes(view: &KafkaView) -> Vec<(&'static str, String)> {
    vec![
        ("lost", view.lost.len().to_string()),
        ("writable", view.writable.to_string()),
    ]
}

fn role_text(role: &str) -> &'static str {
    match role {
        "leader" => "actif",
        "follower" => "suiveur",
        "candidate" | "pre_candidate" => "candidat",
        _ => "arrêté",
    }
}

/// Draws the cluster (see the module doc).
pub fn draw(view: &KafkaView, hooks: &Hooks, height: f64) -> Html {
    let geometry = site_geometry(&view.sites, height);
    let mut cards = Vec::new();
    for spot in &geometry.sites {
        let brokers: Vec<_> = view
            .brokers
            .iter()
            .filter(|b| b.site == spot.name)
            .collect();
        let controllers: Vec<_> = view
            .controllers
            .iter()
            .filter(|c| c.site == spot.name)
            .collect();
        let top = spot.y + 40.0;
        let controller_room = if view.combined || controllers.is_empty() {
            0.0
        } else {
            84.0
        };
        let room = (spot.y + spot.height - top - 6.0 - controller_room).max(60.0);
        let row = (room / brokers.len().max(1) as f64).min(130.0);
        for (k, broker) in brokers.iter().enumerate() {
            let y = top + k as f64 * row;
            let width = spot.width - 28.0;
            let onclick = hooks.node_click(&broker.name, broker.up);
            let state = if !broker.up {
                "down"
            } else if broker.fenced {
                "fenced"
            } else {
                "up"
            };
            let status = match state {
                "down" => "✕ arrêté",
                "fenced" => "isolé (fenced)",
                _ => "en marche",
            };
            // Combined mode: the broker is also a KRaft controller.
            let controller = view
                .controllers
                .iter()
                .find(|c| view.combined && c.name == broker.name)
                .map(|c| format!("contrôleur {}", role_text(c.role)));
            let replicas: Vec<_> = view
                .partitions
                .iter()
                .filter_map(|p| {
                    let position = p.replicas.iter().position(|r| r == &broker.name)?;
                    let leader = p.leader.as_deref() == Some(broker.name.as_str());
                    let in_isr = p.isr.contains(&broker.name);
                    Some((p.partition, leader, in_isr, p.log_end_offsets[position]))
                })
                .collect();
            cards.push(html! {
                <g key={broker.name.clone()} class={classes!("model-node", "model-broker", format!("model-broker-{state}"))}
                   data-node={broker.name.clone()} data-state={state} role="button" {onclick}>
                    <title>{ format!("Broker {} : {status} — cliquer pour l'arrêter ou le redémarrer", broker.name) }</title>
                    <rect class="model-card" x={svg_number(spot.x + 14.0)} y={svg_number(y)} width={svg_number(width)} height={svg_number(row - 10.0)} rx="10" data-box="" />
                    <text class="model-card-title" x={svg_number(spot.x + 26.0)} y={svg_number(y + 23.0)}>{ broker.name.clone() }</text>
                    <text class="model-card-status" x={svg_number(spot.x + 14.0 + width - 12.0)} y={svg_number(y + 23.0)} text-anchor="end"
                          data-fit={svg_number(width - 70.0)}>{ status }</text>
                    if let Some(text) = controller {
                        <text class="model-panel-small" x={svg_number(spot.x + 26.0)} y={svg_number(y + 45.0)} data-fit={svg_number(width - 24.0)}>{ text }</text>
                    }
                    { for replicas.iter().enumerate().map(|(r, (partition, leader, in_isr, end))| {
                        // Three chips a row, always inside the card: narrow sites shrink them.
                        let pitch = ((width - 20.0) / 3.0).min(70.0);
                        let cx = spot.x + 24.0 + (r % 3) as f64 * pitch;
                        let cy = y + 54.0 + (r / 3) as f64 * 34.0;
                        let class = if *leader {
                            "model-replica model-replica-leader"
                        } else if *in_isr {
                            "model-replica model-replica-isr"
                        } else {
                            "model-replica model-replica-out"
                        };
                        html! {
                            <g class={class} data-partition={partition.to_string()}
                               data-leader={leader.to_string()} data-isr={in_isr.to_string()}>
                                <title>{ format!("Partition {partition} : {} , {end} messages",
                                    if *leader { "leader" } else if *in_isr { "dans l'ISR" } else { "hors ISR" }) }</title>
                                <rect x={svg_number(cx)} y={svg_number(cy)} width={svg_number(pitch - 6.0)} height="28" rx="6" data-box="" />
                                <text x={svg_number(cx + (pitch - 6.0) / 2.0)} y={svg_number(cy + 20.0)} data-fit={svg_number(pitch - 12.0)}>{ format!("{}P{partition}·{end}", if *leader { "★" } else { "" }) }</text>
                            </g>
                        }
                    }) }
                </g>
            });
        }
        if controller_room > 0.0 {
            let y = spot.y + spot.height - controller_room;
            for (k, controller) in controllers.iter().enumerate() {
                let cx = spot.x + 40.0 + k as f64 * 96.0;
                let class = match controller.role {
                    "leader" => "role-leader",
                    "follower" => "role-follower",
                    "candidate" | "pre_candidate" => "role-candidate",
                    _ => "role-down",
                };
                cards.push(html! {
                    <g key={controller.name.clone()} class="model-controller" data-node={controller.name.clone()}
                       data-role={controller.role}>
                        <title>{ format!("Contrôleur KRaft {} : {}", controller.name, role_text(controller.role)) }</title>
                        <circle class={classes!("raft-node-shape", class)} cx={svg_number(cx)} cy={svg_number(y + 26.0)} r="20" />
                        <text class="model-node-name" x={svg_number(cx)} y={svg_number(y + 32.0)}>{ controller.name.clone() }</text>
                        // Under its circle: beside it, « arrêté » ran into the next one.
                        <text class="model-controller-role" x={svg_number(cx)} y={svg_number(y + 66.0)} text-anchor="middle"
                              data-fit="88">{ role_text(controller.role) }</text>
                    </g>
                });
            }
        }
    }
    let x = geometry.panel_x;
    let width = VIEW_WIDTH - x;
    let lost = view.lost.len();
    // The box holds a title and three lines: up to three lost messages, or two and a
    // "… and N more" line, then the tally when there is room for it.
    let lost_rows = if lost > 3 { 2 } else { lost };
    let summary = if lost > lost_rows {
        Some(format!("… et {} de plus", lost - lost_rows))
    } else if lost_rows < 3 {
        Some(format!(
            "Acquittés {} · refusés {}",
            view.tally.acknowledged, view.tally.refused
        ))
    } else {
        None
    };
    let rows = (((height - 300.0) / 24.0).floor().max(1.0)) as usize;
    html! {
        <>
            { draw_sites(&geometry, &view.sites, &view.links, hooks, "Site") }
            <g class="model-brokers">{ for cards }</g>
            <g class="raft-panel">
                <rect class="raft-panel-box" x={svg_number(x)} y="6" width={svg_number(width)} height={svg_number(height - 12.0)} rx="12" data-box="" />
                <text class="model-panel-line model-mono" x={svg_number(x + 14.0)} y="34" data-fit={svg_number(width - 28.0)}>
                    { format!("acks={} · min.insync={}", view.acks, view.min_insync_replicas) }
                </text>
                <text class="model-panel-small model-mono" x={svg_number(x + 14.0)} y="58">
                    { format!("élection unclean : {}", if view.unclean_leader_election { "oui" } else { "non" }) }
                </text>
                <text class={classes!("model-panel-small", (!view.controller_up).then_some("model-panel-bad"))} x={svg_number(x + 14.0)} y="82">
                    { if view.controller_up { "Quorum KRaft : OK" } else { "Quorum KRaft : perdu" } }
                </text>
                { draw_client(x + 12.0, 94.0, width - 24.0, "✎ Produire un message", hooks,
                    "Cliquer : le producteur envoie un message (touche W)") }
                { draw_writes(x + 16.0, 144.0, width - 32.0, &view.writes, rows) }
                <g class={classes!("model-lost", (lost > 0).then_some("model-lost-some"))} data-lost-box={lost.to_string()}>
                    <rect x={svg_number(x + 12.0)} y={svg_number(height - 130.0)} width={svg_number(width - 24.0)} height="118" rx="10" data-box="" />
                    <text class="model-lost-title" x={svg_number(x + 24.0)} y={svg_number(height - 104.0)}>
                        { match lost {
                            0 => "✔ Aucun acquitté perdu".to_string(),
                            1 => "⚠ 1 acquitté perdu :".to_string(),
                            _ => format!("⚠ {lost} acquittés perdus :"),
                        } }
                    </text>
                    { for view.lost.iter().take(lost_rows).enumerate().map(|(k, message)| html! {
                        <text class="model-lost-item" x={svg_number(x + 24.0)} y={svg_number(height - 80.0 + k as f64 * 22.0)} data-fit={svg_number(width - 48.0)}>
                            { format!("{} (P{}, offset {})", message.value, message.partition, message.offset) }
                        </text>
                    }) }
                    if let Some(summary) = summary {
                        <text class="model-panel-small" x={svg_number(x + 24.0)} y={svg_number(height - 80.0 + lost_rows as f64 * 22.0)}>
                            { summary }
                        </text>
                    }
                </g>
            </g>
        </>
    }
}
