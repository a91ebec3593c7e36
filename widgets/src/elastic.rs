//! The `elastic` widget's drawing: zones, nodes with their roles (master-eligible,
//! voting-only tiebreaker, in the voting configuration or not, the elected master), the
//! shard copies on each node (primary solid, replica outlined, one colour per shard),
//! the cluster health and the documents indexed.

use sim::models::elasticsearch::{Awareness, CopyView, EsView};
use yew::prelude::*;

use super::layout::VIEW_WIDTH;
use super::model_widget::{draw_client, draw_sites, draw_writes, site_geometry, svg_number, Hooks};

/// Colours of shards (cycled), readable on white.
const SHARD_COLOURS: [&str; 6] = [
    "#2563eb", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#d97706",
];

/// The root's data attributes: `health`, `master` (empty when none).
pub fn attributes(view: &EsView) -> Vec<(&'static str, String)> {
    vec![
        ("health", view.health.to_string()),
        ("master", view.master.clone().unwrap_or_default()),
    ]
}

fn health_text(health: &str) -> &'static str {
    match health {
        "green" => "● Santé : verte",
        "yellow" => "● Santé : jaune",
        _ => "● Santé : rouge",
    }
}

fn chip(copy: &CopyView, x: f64, y: f64, height: f64) -> Html {
    let colour = SHARD_COLOURS[copy.shard as usize % SHARD_COLOURS.len()];
    let label = format!("{}{}", if copy.primary { "P" } else { "R" }, copy.shard);
    let (fill, ink) = if copy.primary {
        (colour, "#ffffff")
    } else {
        ("#ffffff", colour)
    };
    html! {
        <g class="model-shard" data-shard={copy.shard.to_string()} data-primary={copy.primary.to_string()}>
            <rect x={svg_number(x)} y={svg_number(y)} width="40" height={svg_number(height)} rx="6" fill={fill} stroke={colour} stroke-width="3" data-box="" />
            <text x={svg_number(x + 20.0)} y={svg_number(y + height / 2.0 + 6.0)} fill={ink}>{ label }</text>
        </g>
    }
}

/// Draws the cluster (see the module doc).
pub fn draw(view: &EsView, hooks: &Hooks, height: f64) -> Html {
    let geometry = site_geometry(&view.sites, height);
    let mut cards = Vec::new();
    for spot in &geometry.sites {
        let here: Vec<_> = view
            .nodes
            .iter()
            .filter(|node| node.zone == spot.name)
            .collect();
        let top = spot.y + 40.0;
        let room = (spot.y + spot.height - top - 6.0).max(60.0);
        let row = (room / here.len().max(1) as f64).min(120.0);
        for (k, node) in here.iter().enumerate() {
            let y = top + k as f64 * row;
            let onclick = hooks.node_click(&node.name, node.up);
            let role = if node.master {
                "★ master élu"
            } else if node.voting_only {
                "arbitre (voting-only)"
            } else if node.master_eligible {
                "éligible master"
            } else {
                "données"
            };
            let state = if !node.up {
                "down"
            } else if node.master {
                "master"
            } else {
                "up"
            };
            let vote = if node.in_voting_configuration {
                "vote ✔"
            } else if node.master_eligible || node.voting_only {
                "hors vote"
            } else {
                ""
            };
            let width = spot.width - 28.0;
            // Shard chips sit under the role line; in a short card they shrink and move up
            // so they stay inside it.
            let card_height = row - 10.0;
            let chip_height = if card_height >= 88.0 { 26.0 } else { 22.0 };
            let chip_y = (y + card_height - chip_height - 4.0).min(y + 56.0);
            cards.push(html! {
                <g key={node.name.clone()} class={classes!("model-node", "model-es-node", format!("model-es-{state}"))}
                   data-node={node.name.clone()} data-state={state}
                   data-voter={node.in_voting_configuration.to_string()} role="button" {onclick}>
                    <title>{ format!("{} : {role}, {vote}", node.name) }</title>
                    <rect class="model-card" x={svg_number(spot.x + 14.0)} y={svg_number(y)} width={svg_number(width)} height={svg_number(card_height)} rx="10" data-box="" />
                    <text class="model-card-title" x={svg_number(spot.x + 26.0)} y={svg_number(y + 23.0)}>{ node.name.clone() }</text>
                    // A stopped node says so where its role was (the role is in its tooltip):
                    // side by side they ran into each other in a narrow zone.
                    if node.up {
                        <text class="model-card-status" x={svg_number(spot.x + 26.0)} y={svg_number(y + 46.0)} data-fit={svg_number(width - 24.0)}>{ role }</text>
                    } else {
                        <text class="model-down-mark model-down-line" x={svg_number(spot.x + 26.0)} y={svg_number(y + 46.0)} data-fit={svg_number(width - 24.0)}>{ "✕ arrêté" }</text>
                    }
                    <text class={classes!("model-vote", node.in_voting_configuration.then_some("model-vote-in"))}
                          x={svg_number(spot.x + 14.0 + width - 12.0)} y={svg_number(y + 23.0)}>{ vote }</text>
                    { for node.copies.iter().enumerate().map(|(c, copy)| chip(copy, spot.x + 26.0 + c as f64 * 46.0, chip_y, chip_height)) }
                </g>
            });
        }
    }
    let x = geometry.panel_x;
    let width = VIEW_WIDTH - x;
    let health_class = format!("model-health-{}", view.health);
    let awareness = match view.awareness {
        Awareness::None => "répartition : sans zones",
        Awareness::Zone => "répartition : par zone",
        Awareness::Forced => "répartition : zones forcées",
    };
    let voters = view.voting_configuration.len();
    // The rows between the client box and the tally line; a short widget drops the
    // tally for the last document.
    let show_tally = height >= 330.0;
    let bottom = if show_tally {
        height - 40.0
    } else {
        height - 8.0
    };
    let rows = (((bottom - 240.0) / 24.0).floor().max(0.0)) as usize;
    html! {
        <>
            { draw_sites(&geometry, &view.sites, &view.links, hooks, "Zone") }
            <g class="model-es-nodes">{ for cards }</g>
            <g class="raft-panel">
                <rect class="raft-panel-box" x={svg_number(x)} y="6" width={svg_number(width)} height={svg_number(height - 12.0)} rx="12" data-box="" />
                <g class={classes!("model-badge", health_class)} data-health-badge={view.health}>
                    <rect x={svg_number(x + 12.0)} y="16" width={svg_number(width - 24.0)} height="40" rx="20" data-box="" />
                    <text x={svg_number(x + width / 2.0)} y="43">{ health_text(view.health) }</text>
                </g>
                <text class="model-panel-line" x={svg_number(x + 14.0)} y="82">
                    { format!("Master : {}", view.master.clone().unwrap_or_else(|| "aucun !".to_string())) }
                </text>
                <text class="model-panel-small" x={svg_number(x + 14.0)} y="106">
                    { format!("Votants ({voters}, majorité {}) :", voters / 2 + 1) }
                </text>
                <text class="model-panel-small model-mono" x={svg_number(x + 14.0)} y="128" data-fit={svg_number(width - 28.0)}>
                    { view.voting_configuration.join(", ") }
                </text>
                <text class="model-panel-small" x={svg_number(x + 14.0)} y="152">{ awareness }</text>
                <text class="model-panel-small" x={svg_number(x + 14.0)} y="176" data-fit={svg_number(width - 28.0)}>
                    { if view.unassigned.is_empty() {
                        "Toutes les copies sont assignées".to_string()
                    } else {
                        format!("Non assignées : {}", view.unassigned.iter()
                            .map(|c| format!("{}{}", if c.primary { "P" } else { "R" }, c.shard))
                            .collect::<Vec<_>>().join(" "))
                    } }
                </text>
                { draw_client(x + 12.0, 190.0, width - 24.0, "✎ Indexer un document", hooks,
                    "Cliquer : un client indexe un document (touche W)") }
                { draw_writes(x + 16.0, 240.0, width - 32.0, &view.writes, rows) }
                if show_tally {
                    <text class="model-panel-line" x={svg_number(x + 14.0)} y={svg_number(height - 22.0)}>
                        { format!("Indexés {} · refusés {}", view.tally.acknowledged, view.tally.refused) }
                    </text>
                }
            </g>
        </>
    }
}
