//! The `controlplane` widget's drawing: a Kubernetes control plane over sites (stacked
//! etcd members with their Raft roles, or one VM restarted by the hypervisor), the
//! workers with their NotReady and eviction countdowns, the pods, and the API's state.

use sim::models::kubernetes::{ControlPlaneMode, KubeView};
use yew::prelude::*;

use super::layout::VIEW_WIDTH;
use super::model_widget::{
    draw_client, draw_sites, draw_writes, duration_text, site_geometry, svg_number, Hooks,
};

/// The root's data attributes: `api` (`up|down`), `pods-running`.
pub fn attributes(view: &KubeView) -> Vec<(&'static str, String)> {
    let running: usize = view
        .workers
        .iter()
        .filter(|w| w.running)
        .map(|w| w.pods.len())
        .sum();
    vec![
        ("api", if view.api_up { "up" } else { "down" }.to_string()),
        ("pods-running", running.to_string()),
    ]
}

fn member_text(state: &str) -> &'static str {
    match state {
        "leader" => "leader",
        "follower" => "follower",
        "candidate" | "pre_candidate" => "candidat",
        "up" => "en marche",
        "restarting" => "redémarrage…",
        _ => "arrêté",
    }
}

/// Draws the cluster (see the module doc).
pub fn draw(view: &KubeView, hooks: &Hooks, height: f64) -> Html {
    let geometry = site_geometry(&view.sites, height);
    let now = view.now_ms;
    let mut members = Vec::new();
    let mut workers = Vec::new();
    for spot in &geometry.sites {
        let here: Vec<_> = view
            .control_plane
            .iter()
            .filter(|m| m.site == spot.name)
            .collect();
        let cp_y = spot.y + 48.0;
        // A VM's card holds « redémarrage… »; an etcd member's only its role.
        let card_width = if view.mode == ControlPlaneMode::Single {
            120.0
        } else {
            84.0
        };
        for (k, member) in here.iter().enumerate() {
            let up = !matches!(member.state, "down" | "restarting");
            let onclick = hooks.node_click(&member.name, up);
            let x = spot.x + 14.0 + k as f64 * (card_width + 8.0);
            let role_class = match member.state {
                "leader" => "role-leader",
                "follower" | "up" => "role-follower",
                "candidate" | "pre_candidate" => "role-candidate",
                _ => "role-down",
            };
            let label = if view.mode == ControlPlaneMode::Single {
                format!("VM {}", member.name)
            } else {
                member.name.clone()
            };
            members.push(html! {
                <g key={member.name.clone()} class="model-node model-cp" data-node={member.name.clone()}
                   data-state={member.state} role="button" {onclick}>
                    <title>{ format!("{} : {} — cliquer pour l'arrêter ou le redémarrer", label, member_text(member.state)) }</title>
                    <rect class={classes!("raft-node-shape", role_class)} x={svg_number(x)} y={svg_number(cp_y)} width={svg_number(card_width)} height="52" rx="10" data-box="" />
                    if member.state == "leader" {
                        <text class="raft-leader-mark" x={svg_number(x + card_width - 10.0)} y={svg_number(cp_y + 18.0)}>{ "★" }</text>
                    }
                    <text class="model-node-name" x={svg_number(x + card_width / 2.0)} y={svg_number(cp_y + 22.0)} data-fit={svg_number(card_width - 16.0)}>{ label }</text>
                    <text class="model-node-role" x={svg_number(x + card_width / 2.0)} y={svg_number(cp_y + 43.0)} data-fit={svg_number(card_width - 12.0)}>{ member_text(member.state) }</text>
                </g>
            });
        }
        if let (Some(restart), ControlPlaneMode::Single) = (view.vm_restart_at_ms, view.mode) {
            if here.iter().any(|m| m.state == "restarting") {
                // Two lines beside the VM, inside its site.
                let x = spot.x + 14.0 + card_width + 14.0;
                let room = spot.x + spot.width - 14.0 - x;
                members.push(html! {
                    <g class="model-countdown-lines">
                        <text class="model-countdown" x={svg_number(x)} y={svg_number(cp_y + 22.0)} data-fit={svg_number(room)}>
                            { "l'hyperviseur la relance" }
                        </text>
                        <text class="model-countdown" x={svg_number(x)} y={svg_number(cp_y + 44.0)} data-fit={svg_number(room)}>
                            { format!("ailleurs dans {}", duration_text(restart.saturating_sub(now))) }
                        </text>
                    </g>
                });
            }
        }
        if here.is_empty() {
            members.push(html! {
                <text class="model-empty" x={svg_number(spot.x + 14.0)} y={svg_number(cp_y + 32.0)}>{ "pas de plan de contrôle" }</text>
            });
        }
        let here_workers: Vec<_> = view
            .workers
            .iter()
            .filter(|w| w.site == spot.name)
            .collect();
        let top = spot.y + 116.0;
        let room = (spot.y + spot.height - top - 8.0).max(40.0);
        let row = (room / here_workers.len().max(1) as f64).min(104.0);
        for (k, worker) in here_workers.iter().enumerate() {
            let y = top + k as f64 * row;
            let onclick = hooks.node_click(&worker.name, worker.running);
            let status = match (
                worker.running,
                worker.ready,
                worker.evict_at_ms,
                worker.not_ready_at_ms,
            ) {
                (_, true, _, Some(at)) => {
                    format!("NotReady dans {}", duration_text(at.saturating_sub(now)))
                }
                (_, false, Some(at), _) => format!(
                    "NotReady · éviction dans {}",
                    duration_text(at.saturating_sub(now))
                ),
                (_, false, None, _) => "NotReady · pods évincés".to_string(),
                (true, true, _, None) => "Ready".to_string(),
                (false, true, _, None) => "arrêté (pas encore vu)".to_string(),
            };
            let state = if !worker.running {
                "down"
            } else if worker.ready {
                "ready"
            } else {
                "not_ready"
            };
            let width = spot.width - 28.0;
            workers.push(html! {
                <g key={worker.name.clone()} class={classes!("model-node", "model-worker", format!("model-worker-{state}"))}
                   data-node={worker.name.clone()} data-state={state} role="button" {onclick}>
                    <title>{ format!("Nœud {} : {status}", worker.name) }</title>
                    <rect class="model-card" x={svg_number(spot.x + 14.0)} y={svg_number(y)} width={svg_number(width)} height={svg_number(row - 10.0)} rx="10" data-box="" />
                    <text class="model-card-title" x={svg_number(spot.x + 26.0)} y={svg_number(y + 22.0)}>{ worker.name.clone() }</text>
                    <text class="model-card-status" x={svg_number(spot.x + 26.0 + 44.0)} y={svg_number(y + 22.0)} data-fit={svg_number(width - 68.0)}>{ status }</text>
                    { for worker.pods.iter().enumerate().map(|(p, pod)| {
                        let px = spot.x + 26.0 + p as f64 * 86.0;
                        html! {
                            <g class="model-pod" data-pod={pod.clone()}>
                                <rect x={svg_number(px)} y={svg_number(y + 34.0)} width="80" height="30" rx="15" data-box="" />
                                <text x={svg_number(px + 40.0)} y={svg_number(y + 54.0)}>{ pod.clone() }</text>
                            </g>
                        }
                    }) }
                    { for worker.orphaned.iter().enumerate().map(|(p, pod)| {
                        // Evicted and replaced elsewhere, but its cut-off worker still runs it.
                        let px = spot.x + 26.0 + (worker.pods.len() + p) as f64 * 86.0;
                        html! {
                            <g class="model-pod model-pod-orphaned" data-pod={pod.clone()} data-orphaned="true">
                                <title>{ format!("{pod} : remplacé ailleurs, mais tourne encore ici (doublon)") }</title>
                                <rect x={svg_number(px)} y={svg_number(y + 34.0)} width="80" height="30" rx="15" style="stroke-dasharray:4 3" />
                                <text x={svg_number(px + 40.0)} y={svg_number(y + 54.0)}>{ format!("{pod} ⧉") }</text>
                            </g>
                        }
                    }) }
                </g>
            });
        }
    }
    let x = geometry.panel_x;
    let width = VIEW_WIDTH - x;
    let running: usize = view
        .workers
        .iter()
        .filter(|w| w.running)
        .map(|w| w.pods.len())
        .sum();
    let total = running
        + view.pending_pods.len()
        + view
            .workers
            .iter()
            .filter(|w| !w.running)
            .map(|w| w.pods.len())
            .sum::<usize>();
    // The first election (from time 0) is the cluster starting, not an outage.
    let outage: u64 = view
        .api_outages
        .iter()
        .filter(|w| w.from_ms > 0)
        .map(|w| w.to_ms.unwrap_or(now).saturating_sub(w.from_ms))
        .sum();
    let rows = (((height - 260.0) / 24.0).floor().max(1.0)) as usize;
    html! {
        <>
            { draw_sites(&geometry, &view.sites, &view.links, hooks, "Site") }
            <g class="model-members">{ for members }</g>
            <g class="model-workers">{ for workers }</g>
            <g class="raft-panel">
                <rect class="raft-panel-box" x={svg_number(x)} y="6" width={svg_number(width)} height={svg_number(height - 12.0)} rx="12" data-box="" />
                <g class={classes!("model-badge", if view.api_up { "model-badge-ok" } else { "model-badge-bad" })} data-api-badge="">
                    <rect x={svg_number(x + 12.0)} y="16" width={svg_number(width - 24.0)} height="40" rx="20" data-box="" />
                    <text x={svg_number(x + width / 2.0)} y="43">{ if view.api_up { "✔ API disponible" } else { "✘ API indisponible" } }</text>
                </g>
                { draw_client(x + 12.0, 66.0, width - 24.0, "✎ kubectl apply", hooks,
                    "Cliquer : un opérateur modifie un objet (touche W)") }
                { draw_writes(x + 16.0, 118.0, width - 32.0, &view.writes, rows) }
                <text class="model-panel-line" x={svg_number(x + 14.0)} y={svg_number(height - 76.0)}>
                    { format!("Pods en marche : {running}/{total}") }
                </text>
                <text class="model-panel-line" x={svg_number(x + 14.0)} y={svg_number(height - 50.0)}>
                    { format!("Pods en attente : {}", view.pending_pods.len()) }
                </text>
                <text class={classes!("model-panel-line", (outage > 0).then_some("model-panel-bad"))} x={svg_number(x + 14.0)} y={svg_number(height - 24.0)}>
                    { format!("API coupée : {}", duration_text(outage)) }
                </text>
            </g>
        </>
    }
}
