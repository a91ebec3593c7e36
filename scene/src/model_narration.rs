//! The French caption line of the model widgets, told from the models' events
//! (`sim::models::common::ModelEvent`) and the user's clicks.
//!
//! Pure functions, tested natively. An event that says nothing to the audience (there are
//! none today, but a model may add some) gives `None` and is skipped.

use sim::models::common::SystemAction;

fn partition_of(detail: &str) -> &str {
    detail
        .strip_prefix("partition ")
        .and_then(|rest| rest.split(':').next())
        .unwrap_or(detail)
}

/// The caption for a model event (`kind`, `subject`, `detail` as the models write them).
pub fn event_text(kind: &str, subject: &str, detail: &str) -> Option<String> {
    Some(match kind {
        // Shared
        "site_failed" => format!("Le site {subject} tombe"),
        "site_restored" => format!("Le site {subject} revient"),
        // Kubernetes
        "api_down" => {
            "L'API Kubernetes ne répond plus : plus aucune modification possible".to_string()
        }
        "api_up" => "L'API Kubernetes répond".to_string(),
        "vm_restarted" => format!("L'hyperviseur a redémarré la VM {subject} sur le site {detail}"),
        "node_not_ready" => format!("{subject} passe NotReady (50 s sans nouvelles)"),
        "node_ready" => format!("{subject} est de nouveau Ready"),
        "pods_evicted" => {
            let count = detail.split_whitespace().next().unwrap_or("0");
            format!("Éviction des pods de {subject} ({count}) après 300 s de tolérance")
        }
        "pod_scheduled" => {
            let worker = detail.split_whitespace().next().unwrap_or("");
            format!("{subject} est recréé sur {worker}")
        }
        "pods_orphaned" => {
            let count = detail.split_whitespace().next().unwrap_or("0");
            format!("{subject}, coupé du plan de contrôle, fait encore tourner ses {count} pod(s) déjà remplacé(s) : des doublons")
        }
        "orphans_stopped" => {
            format!("{subject} entend de nouveau l'API : il arrête ses pods en double")
        }
        "statefulset_pods_kept" => format!(
            "Les pods StatefulSet de {subject} ne sont pas recréés tant que la disparition du nœud n'est pas confirmée"
        ),
        // Elasticsearch
        "zone_failed" => format!("La zone {subject} tombe"),
        "zone_restored" => format!("La zone {subject} revient"),
        "master_elected" => format!("{subject} est élu master"),
        "master_lost" => {
            format!("La perte du master {subject} est constatée : plus de master")
        }
        "voting_config" => format!("Configuration de vote : {}", detail.replace(',', ", ")),
        "replica_promoted" => {
            format!("La réplique du shard {subject} sur {detail} devient primaire")
        }
        "copy_unassigned" => {
            format!("Une copie du shard {subject} (sur {detail}) n'est plus assignée")
        }
        "copy_allocated" => format!("Une copie du shard {subject} est reconstruite sur {detail}"),
        // Kafka
        "controller_up" => "Le quorum KRaft a un contrôleur actif".to_string(),
        "controller_down" => "Le quorum KRaft a perdu sa majorité : métadonnées figées".to_string(),
        "broker_fenced" => format!("Le contrôleur isole (fence) le broker {subject}"),
        "broker_unfenced" => format!("Le broker {subject} est de retour"),
        "isr_shrink" => format!("{subject} sort de l'ISR → ISR = {{{detail}}}"),
        "isr_expand" => format!("{subject} rentre dans l'ISR → ISR = {{{detail}}}"),
        "leader_elected" => format!(
            "{subject} devient leader de la partition {}",
            partition_of(detail)
        ),
        "unclean_election" => format!(
            "Élection « unclean » : {subject}, en retard, devient leader de la partition {}",
            partition_of(detail)
        ),
        "partition_offline" => format!("La partition {subject} n'a plus de leader : hors ligne"),
        "truncated" => format!(
            "{subject} tronque son journal (partition {}) : des messages disparaissent",
            partition_of(detail)
        ),
        // Multisite
        "alert" => {
            format!("Les health checks échouent : alerte, le site {subject} est déclaré en panne")
        }
        "runbook_aborted" => "Le site est revenu avant la décision : pas de bascule".to_string(),
        "decision" => "Décision prise : on active le PRA".to_string(),
        "traffic_switch" => {
            format!("Bascule du trafic : le DNS/GSLB pointe vers le site {subject}")
        }
        "promotion" => format!("Promotion : la base du site {subject} devient primaire"),
        "gitops_sync" => format!("GitOps a synchronisé les applications sur le cluster {subject}"),
        "smoke_tests" => "Smoke tests au vert : service déclaré rétabli".to_string(),
        "monitoring" => "Fin de la surveillance renforcée".to_string(),
        "served_again" => format!("Les utilisateurs sont de nouveau servis par le site {subject}"),
        _ => return None,
    })
}

/// The caption for a user's click (writes are not told: the panel shows them).
pub fn action_text(action: &SystemAction) -> Option<String> {
    Some(match action {
        SystemAction::FailSite { site } => format!("Vous faites tomber le site {site}"),
        SystemAction::RestoreSite { site } => format!("Le site {site} revient"),
        SystemAction::CutLink { from, to } => format!("Le lien {from}–{to} est coupé"),
        SystemAction::RestoreLink { from, to } => format!("Le lien {from}–{to} est rétabli"),
        SystemAction::CutAll => "Tous les liens sont coupés".to_string(),
        SystemAction::Heal => "Tous les liens sont rétablis".to_string(),
        SystemAction::Crash { node } => format!("{node} tombe en panne"),
        SystemAction::Restart { node } => format!("{node} redémarre"),
        SystemAction::Write { .. } => return None,
    })
}

/// A refusal reason in French, short enough for a panel row.
pub fn reason_text(reason: &str) -> &'static str {
    match reason {
        "NotEnoughReplicas" | "NotEnoughReplicasAfterAppend" => "ISR trop petit",
        "NotLeaderOrFollower" => "pas de leader",
        "timeout" => "délai dépassé",
        "no_master" => "pas de master",
        "primary_unassigned" => "primaire absent",
        "site_down" => "site en panne",
        "db_read_only" => "base en lecture seule",
        "app_not_deployed" => "appli absente",
        "fenced" => "ancien primaire isolé",
        "api_unavailable" | "no_leader" | "not_leader" => "API indisponible",
        "connection_lost" => "connexion perdue",
        "node_down" => "nœud en panne",
        "lost" => "perdue",
        _ => "refusée",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_the_models_emit_is_told_in_french() {
        // Every event of every scenario of the talk has a caption.
        let dir = format!("{}/../slides/scenarios", env!("CARGO_MANIFEST_DIR"));
        let mut kinds = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).expect("scenarios") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("file");
            let result = sim::run_any(&text).expect("valid");
            let value: serde_json::Value = serde_json::from_str(&result.to_json()).expect("json");
            if value.get("system").is_none() {
                continue;
            }
            for event in value["events"].as_array().expect("events") {
                let kind = event["kind"].as_str().unwrap_or_default().to_string();
                let subject = event["subject"].as_str().unwrap_or_default();
                let detail = event["detail"].as_str().unwrap_or_default();
                assert!(
                    event_text(&kind, subject, detail).is_some(),
                    "no caption for {kind}"
                );
                kinds.insert(kind);
            }
        }
        assert!(kinds.contains("api_down") && kinds.contains("unclean_election"));
    }

    #[test]
    fn captions_read_well() {
        assert_eq!(
            event_text("isr_shrink", "b1", "b2,b3").as_deref(),
            Some("b1 sort de l'ISR → ISR = {b2,b3}")
        );
        assert_eq!(
            event_text("truncated", "b2", "partition 0: 3 message(s) dropped").as_deref(),
            Some("b2 tronque son journal (partition 0) : des messages disparaissent")
        );
        assert_eq!(event_text("mystery", "", ""), None);
        assert_eq!(
            action_text(&SystemAction::Write { value: "m".into() }),
            None
        );
        assert_eq!(reason_text("NotEnoughReplicas"), "ISR trop petit");
    }
}
