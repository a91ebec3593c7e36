//! What the raft widget shows around its SVG: the selected node's action menu, the
//! caption line, the toolbar (transport, scrubber, switches) and the key list.

use sim::Role;
use yew::prelude::*;

use crate::narration::role_text;
use crate::playback::{Scrubber, TransportMessages};
use crate::player::Player;

use super::{seconds, Msg, RaftWidget};

impl RaftWidget {
    /// A node's menu: its title and the actions the slide allows, each `(action, control,
    /// label, enabled)`; the same in the simulation and on real etcd.
    pub(super) fn node_menu(
        ctx: &Context<Self>,
        name: &str,
        label: &str,
        title: String,
        actions: &[(&'static str, &'static str, &str, bool)],
    ) -> Html {
        let spec = &ctx.props().spec;
        let close = ctx.link().callback(|_| Msg::Select(None));
        html! {
            <div class="raft-node-menu" role="group" aria-label={label.to_owned()}>
                <span class="raft-node-menu-title">{ title }</span>
                { for actions.iter().filter(|(_, control, _, _)| RaftWidget::allowed(spec, control)).map(|&(action, _, label, enabled)| {
                    let node_name = name.to_owned();
                    let onclick = ctx.link().callback(move |_| Msg::NodeAction(node_name.clone(), action));
                    html! {
                        <button type="button" data-action={action} disabled={!enabled} {onclick}>{ label }</button>
                    }
                }) }
                <button type="button" class="raft-node-menu-close" aria-label="Fermer" onclick={close}>{ "✕" }</button>
            </div>
        }
    }

    pub(super) fn view_node_menu(&self, ctx: &Context<Self>) -> Html {
        if ctx.props().preview {
            return Html::default();
        }
        let Some(name) = &self.selected else {
            return Html::default();
        };
        let Some(node) = self.nodes.iter().find(|node| &node.id == name) else {
            return Html::default();
        };
        let down = node.role == Role::Down;
        let actions: [(&'static str, &'static str, &str, bool); 7] = [
            ("crash", "crash", "Panne", !down),
            ("restart", "restart", "Redémarrer", down && !node.removed),
            ("isolate", "isolate", "Isoler", !down),
            (
                "transfer_leader",
                "transfer_leader",
                "Devenir leader",
                !down && node.role != Role::Leader,
            ),
            ("propose_to", "propose", "Écrire ici", true),
            (
                "member_remove",
                "member_remove",
                "Retirer du cluster",
                !node.removed,
            ),
            ("member_add", "member_add", "Réintégrer", node.removed),
        ];
        let title = format!("{name} · {} · terme {}", role_text(node.role), node.term);
        Self::node_menu(ctx, name, &format!("Actions sur {name}"), title, &actions)
    }

    pub(super) fn view_caption(&self, player: &Player) -> Html {
        let (text, at) = match player.caption() {
            Some(caption) => (caption.text.clone(), Some(caption.at_ms)),
            // Before anything happened: what the simulation shows (the audience has no
            // play button to press, the presenter drives).
            None => (
                player
                    .scenario()
                    .title
                    .clone()
                    .unwrap_or_else(|| "Simulation etcd".to_string()),
                None,
            ),
        };
        html! {
            <div class="raft-caption" role="status" aria-live="polite">
                if let Some(at) = at {
                    <span class="raft-caption-time">{ seconds(at) }</span>
                }
                <span class="raft-caption-text">{ text }</span>
            </div>
        }
    }

    pub(super) fn view_controls(&self, ctx: &Context<Self>, player: &Player) -> Html {
        let link = ctx.link();
        let spec = &ctx.props().spec;
        let now = player.now_ms();
        let frontier = player.frontier_ms().max(now);
        let (pre_vote, check_quorum) = player.switches();
        let toggle = |which: &'static str, label: &'static str, on: bool| {
            let onclick = link.callback(move |_| Msg::Toggle(which));
            html! {
                <button type="button" class={classes!("raft-toggle", on.then_some("raft-toggle-on"))}
                        data-toggle={which} aria-pressed={if on { "true" } else { "false" }} {onclick}>
                    { format!("{label} {}", if on { "activé" } else { "désactivé" }) }
                </button>
            }
        };
        html! {
            <div class="raft-controls" role="toolbar" aria-label="Contrôles de la simulation">
                { self.view_mode_switch(ctx) }
                { self.playback.transport(TransportMessages {
                    toggle: || Msg::TogglePlay,
                    step: || Msg::Step,
                    jump: || Msg::Jump,
                    reset: || Msg::Reset,
                    speed_log: Msg::SpeedLog,
                }) }
                { self.playback.scrubber(
                    Scrubber {
                        now_ms: now,
                        frontier_ms: frontier,
                        step_ms: 1,
                        title: "Revenir à un instant déjà simulé ([ et ])",
                    },
                    seconds,
                    Msg::Seek,
                ) }
                if spec.toggles.iter().any(|t| t == "pre_vote") { { toggle("pre_vote", "PreVote", pre_vote) } }
                if spec.toggles.iter().any(|t| t == "check_quorum") { { toggle("check_quorum", "CheckQuorum", check_quorum) } }
                <button type="button" data-action="help" title="Raccourcis clavier (?)" aria-expanded={if self.help { "true" } else { "false" }}
                        onclick={link.callback(|_| Msg::Help)}>{ "?" }</button>
            </div>
        }
    }
}

pub(super) fn view_help() -> Html {
    let keys = [
        ("Espace / K", "lecture, pause"),
        ("S ou .", "instant suivant"),
        ("J", "événement marquant suivant"),
        ("[ et ]", "reculer, avancer de 0,5 s"),
        ("+ et −", "plus vite, moins vite"),
        ("1 à 9", "choisir un nœud"),
        ("C U I T", "panne, redémarrage, isolement, transfert"),
        (
            "M",
            "retirer du cluster, réintégrer (si la diapo le permet)",
        ),
        ("W", "le client écrit"),
        ("R", "recommencer"),
        ("Échap", "fermer ; rendre le clavier aux diapositives"),
    ];
    html! {
        <div class="raft-help" role="dialog" aria-label="Raccourcis clavier">
            <p class="raft-help-title">{ "Raccourcis (quand la simulation a le focus)" }</p>
            <dl>
                { for keys.iter().map(|(key, what)| html! {
                    <><dt>{ *key }</dt><dd>{ *what }</dd></>
                }) }
            </dl>
            <p class="raft-help-legend">
                <span class="legend-vote">{ "◆ demande de vote" }</span>
                <span class="legend-append">{ "■ ajout d'entrées" }</span>
                <span class="legend-heartbeat">{ "● heartbeat" }</span>
                <span class="legend-resp">{ "○ réponse" }</span>
            </p>
        </div>
    }
}
