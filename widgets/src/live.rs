//! The real etcd cluster as the raft widget draws it (`raftdeck serve --live-etcd`): the
//! state frames the server streams (`GET /api/etcd/<scenario>`, read leniently), the
//! French captions inferred from the events seen there, the clicks as the JSON the server
//! takes, and the short texts the drawing needs (a write's outcome and latency, a link's
//! traffic, why a click was refused).
//!
//! Plain Rust, tested natively; the component (`raft`, wasm32) only connects, fetches and
//! draws. Everything here is a function of one frame, so the presenter's window and every
//! audience window that reads the same frame draw and tell the same thing.

use serde::Deserialize;
use serde_json::json;
use sim::view::NodeView;
use sim::Role;

use crate::narration::role_text;
use crate::player::Unavailable;

/// Everything the server says about the real cluster now (realetcd's `LiveState`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LiveState {
    /// Bumped by each reset.
    pub generation: u64,
    /// Time since this generation started (ms).
    pub now_ms: u64,
    /// Members.
    pub members: Vec<LiveMember>,
    /// The leader with the highest term, if any.
    pub leader: Option<String>,
    /// Links between sites.
    pub links: Vec<LiveLink>,
    /// Last client writes.
    pub writes: Vec<LiveWrite>,
    /// Last events, oldest first.
    pub events: Vec<LiveEvent>,
}

/// A member of the real cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LiveMember {
    /// Name (`n1`).
    pub name: String,
    /// Site.
    pub site: String,
    /// Its process runs.
    pub up: bool,
    /// `leader|follower|candidate|pre_candidate|down|learner`.
    pub role: String,
    /// Raft term.
    pub term: u64,
    /// Commit index (etcd's own entries included).
    pub commit_index: u64,
    /// Applied index.
    pub applied_index: u64,
    /// Started but did not come back (its process exited on its own).
    pub failed: bool,
}

/// A link between two sites, as the proxies see it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LiveLink {
    /// One site.
    pub from: String,
    /// The other.
    pub to: String,
    /// Whether the sites can talk.
    pub up: bool,
    /// Bytes per second `from → to`.
    pub bytes_per_s: u64,
    /// Bytes per second `to → from`.
    pub bytes_per_s_back: u64,
}

/// A client write and what the client learnt.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LiveWrite {
    /// The value.
    pub value: String,
    /// The member it was sent to.
    pub node: Option<String>,
    /// When it was sent (ms into the generation).
    pub at_ms: u64,
    /// `pending|committed|failed|unknown`.
    pub outcome: String,
    /// Why, when not committed.
    pub reason: Option<String>,
    /// When the answer came.
    pub decided_at_ms: Option<u64>,
}

/// Something that happened (realetcd's `LiveEvent`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LiveEvent {
    /// When (ms into the generation).
    pub at_ms: u64,
    /// `role`, `crash`, `restart`, `isolate`, `cut`, `heal`, `write`, `transfer`,
    /// `failed`, `reset`.
    pub kind: String,
    /// The member, the write's value, or `A-B` for a link.
    pub subject: String,
    /// Role, outcome or reason.
    pub detail: String,
    /// Term, for role changes.
    pub term: u64,
}

/// What `GET /api/etcd` says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LiveSummary {
    /// Whether live clusters run.
    pub available: bool,
    /// Why not (or which failed to start).
    pub reason: Option<String>,
    /// Scenario files with a live cluster.
    pub scenarios: Vec<String>,
}

impl LiveState {
    /// Reads a frame of the event stream; `None` for anything else (a frame that cannot
    /// be read is skipped, never a panic).
    pub fn parse(text: &str) -> Option<LiveState> {
        serde_json::from_str(text).ok()
    }

    /// The member with this name.
    pub fn member(&self, name: &str) -> Option<&LiveMember> {
        self.members.iter().find(|member| member.name == name)
    }

    /// The link between two sites, either way round.
    pub fn link(&self, a: &str, b: &str) -> Option<&LiveLink> {
        self.links
            .iter()
            .find(|link| (link.from == a && link.to == b) || (link.from == b && link.to == a))
    }

    /// The leader and its term.
    pub fn leader_term(&self) -> Option<(&str, u64)> {
        let name = self.leader.as_deref()?;
        Some((name, self.member(name)?.term))
    }

    /// The members as the simulated widget's node views, so the same drawing serves both:
    /// role, term and commit index; no log (the WAL is not read), no election timer, no
    /// votes (the logs do not say them).
    pub fn node_views(&self) -> Vec<NodeView> {
        let voters: Vec<String> = self.members.iter().map(|m| m.name.clone()).collect();
        self.members
            .iter()
            .map(|member| NodeView {
                id: member.name.clone(),
                site: member.site.clone(),
                role: member.role(),
                term: member.term,
                vote: None,
                leader: self.leader.clone(),
                commit_index: member.commit_index,
                log: Vec::new(),
                election_deadline_ms: None,
                election_started_ms: None,
                votes: Vec::new(),
                cluster: 0,
                voters: voters.clone(),
                learners: Vec::new(),
                removed: false,
            })
            .collect()
    }

    /// The next client value, `x=<n>`: one more than the highest `x=` seen, so a reloaded
    /// presenter window goes on counting.
    pub fn next_value(&self) -> String {
        let highest = self
            .writes
            .iter()
            .filter_map(|write| write.value.strip_prefix("x=")?.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        format!("x={}", highest + 1)
    }

    /// Spans without a leader, from the events: the first one (from 0, the cluster
    /// starting) like the simulation's. A leader is lost when it crashes or leaves the
    /// role, found when any member takes it. Only as far back as the events kept go.
    pub fn leaderless(&self) -> Vec<Unavailable> {
        let mut windows = vec![Unavailable {
            from_ms: 0,
            to_ms: None,
        }];
        let mut leader: Option<&str> = None;
        for event in &self.events {
            let open = windows.last().is_some_and(|w| w.to_ms.is_none());
            let lost = |windows: &mut Vec<Unavailable>| {
                windows.push(Unavailable {
                    from_ms: event.at_ms,
                    to_ms: None,
                })
            };
            match event.kind.as_str() {
                "role" if event.detail == "leader" => {
                    if open {
                        if let Some(window) = windows.last_mut() {
                            window.to_ms = Some(event.at_ms);
                        }
                    }
                    leader = Some(&event.subject);
                }
                "role" | "crash" | "failed" if leader == Some(event.subject.as_str()) => {
                    leader = None;
                    if !open {
                        lost(&mut windows);
                    }
                }
                _ => {}
            }
        }
        windows
    }

    /// How long the cluster was without a leader, the start excluded (ms).
    pub fn leaderless_ms(&self) -> u64 {
        self.leaderless()
            .iter()
            .filter(|window| window.from_ms > 0)
            .map(|w| w.to_ms.unwrap_or(self.now_ms).saturating_sub(w.from_ms))
            .sum()
    }
}

impl LiveMember {
    /// The role as the drawing knows it (an unknown word reads as follower).
    pub fn role(&self) -> Role {
        if !self.up {
            return Role::Down;
        }
        match self.role.as_str() {
            "leader" => Role::Leader,
            "candidate" => Role::Candidate,
            "pre_candidate" => Role::PreCandidate,
            "down" => Role::Down,
            "learner" => Role::Learner,
            _ => Role::Follower,
        }
    }
}

impl LiveWrite {
    /// How long the client waited for its answer (ms), once answered.
    pub fn latency_ms(&self) -> Option<u64> {
        Some(self.decided_at_ms?.saturating_sub(self.at_ms))
    }

    /// Labels for the client panel, longest first (the drawing takes the first that fits):
    /// « ✔ commitée en 12 ms », « ? issue inconnue », « ✘ pas de leader »…
    pub fn labels(&self) -> Vec<String> {
        let reason = short_reason(self.reason.as_deref().unwrap_or(""));
        match self.outcome.as_str() {
            "committed" => {
                let took = self.latency_ms().map(duration_text).unwrap_or_default();
                vec![format!("✔ commitée en {took}"), format!("✔ {took}")]
            }
            "unknown" => vec![
                format!("? issue inconnue ({reason})"),
                "? issue inconnue".to_string(),
                "? inconnue".to_string(),
            ],
            "failed" => vec![format!("✘ {reason}"), "✘ échec".to_string()],
            _ => vec!["… en attente".to_string()],
        }
    }

    /// The outcome as `data-outcome` says it, and the CSS class it is drawn with (an
    /// unknown outcome looks pending: the write may still commit).
    pub fn outcome_class(&self) -> (&'static str, &'static str) {
        match self.outcome.as_str() {
            "committed" => ("committed", "committed"),
            "failed" => ("failed", "failed"),
            "unknown" => ("unknown", "pending"),
            _ => ("pending", "pending"),
        }
    }
}

/// `12 ms` under a second, `1,25 s` above (French decimal comma).
pub fn duration_text(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.2} s", ms as f64 / 1000.0).replace('.', ",")
    }
}

/// Bytes per second as the audience reads them: `0 o/s`, `850 o/s`, `3,2 ko/s`,
/// `48 ko/s`, `1,4 Mo/s`.
pub fn traffic_text(bytes_per_s: u64) -> String {
    let decimal = |value: f64, unit: &str| {
        if value < 10.0 {
            format!("{value:.1} {unit}").replace('.', ",")
        } else {
            format!("{value:.0} {unit}")
        }
    };
    match bytes_per_s {
        0..=999 => format!("{bytes_per_s} o/s"),
        1000..=999_999 => decimal(bytes_per_s as f64 / 1000.0, "ko/s"),
        _ => decimal(bytes_per_s as f64 / 1_000_000.0, "Mo/s"),
    }
}

/// The stroke width of a link carrying `bytes_per_s` (both ways together): 4 when idle,
/// two more for each doubling of ko/s, at most 14 (a busy link reads as a thick one).
pub fn traffic_stroke(bytes_per_s: u64) -> f64 {
    let kilobytes = bytes_per_s as f64 / 1000.0;
    (4.0 + 2.0 * (1.0 + kilobytes).log2()).clamp(4.0, 14.0)
}

/// A failure reason, short, for the client panel.
fn short_reason(reason: &str) -> &'static str {
    match reason {
        "node_down" => "nœud en panne",
        "no_leader" => "pas de leader",
        "timeout" => "délai dépassé",
        "connection_lost" => "connexion perdue",
        "leader_changed" => "leader changé",
        "proposal_dropped" => "abandonnée",
        _ => "refusée",
    }
}

/// A failure reason, as the caption says it.
fn reason_sentence(reason: &str) -> &'static str {
    match reason {
        "node_down" => "le nœud est en panne",
        "no_leader" => "pas de leader",
        "timeout" => "délai dépassé",
        "connection_lost" => "connexion perdue en cours de requête",
        "leader_changed" => "le leader a changé pendant la requête",
        "proposal_dropped" => "proposition abandonnée par etcd",
        _ => "refusée par etcd",
    }
}

/// The caption line of the real cluster: the last thing told, and when (ms into the
/// generation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiveCaption {
    /// When it happened.
    pub at_ms: u64,
    /// French text.
    pub text: String,
}

/// Everything the events and writes of a frame tell, oldest first, in the simulated
/// widget's words (`narration`): « n2 est élu leader au terme 4 », « L'écriture x=1 est
/// commitée en 12 ms »…
pub fn captions(state: &LiveState) -> Vec<LiveCaption> {
    let mut told = Vec::new();
    // (member, role, term) last seen, and whether a leader was ever seen.
    let mut roles: Vec<(&str, &str, u64)> = Vec::new();
    let mut seen_leader = false;
    for event in &state.events {
        let who = event.subject.as_str();
        let text = match event.kind.as_str() {
            "role" => {
                let before = roles
                    .iter()
                    .position(|(name, _, _)| *name == who)
                    .map(|at| roles.remove(at));
                roles.push((who, event.detail.as_str(), event.term));
                let was = before.map(|(_, role, term)| (role, term));
                role_caption(who, &event.detail, event.term, was, seen_leader)
                    .inspect(|_| seen_leader |= event.detail == "leader")
            }
            "crash" => Some(format!("{who} tombe en panne : son processus etcd est tué")),
            "restart" => Some(format!(
                "{who} redémarre sur ses données et rejoint le cluster"
            )),
            "isolate" => Some(format!("{who} est isolé du réseau")),
            "cut" => Some(format!("Le lien {} est coupé", link_name(who))),
            "heal" if who.is_empty() => Some("Le réseau est rétabli".to_string()),
            "heal" => Some(format!("Le lien {} est rétabli", link_name(who))),
            "write" => write_caption(state, who, &event.detail, event.at_ms),
            "transfer" if event.detail == "ok" => {
                Some(format!("Le leadership est transféré à {who}"))
            }
            "transfer" => Some(format!("Le transfert du leadership vers {who} échoue")),
            "failed" => Some(format!(
                "{who} ne revient pas : son processus s'est arrêté tout seul"
            )),
            "reset" => Some(
                "Cluster réinitialisé : dossiers de données vides, les membres redémarrent"
                    .to_string(),
            ),
            _ => None,
        };
        if let Some(text) = text {
            told.push(LiveCaption {
                at_ms: event.at_ms,
                text,
            });
        }
    }
    // A write still waiting is told when sent (the server says nothing until it ends).
    for write in state.writes.iter().filter(|w| w.outcome == "pending") {
        let text = match &write.node {
            Some(node) => format!("Le client envoie l'écriture {} à {node}", write.value),
            None => format!("Le client envoie l'écriture {}", write.value),
        };
        told.push(LiveCaption {
            at_ms: write.at_ms,
            text,
        });
    }
    // Stable: what the server logged at the same instant keeps its order.
    told.sort_by_key(|caption| caption.at_ms);
    told
}

/// The caption now: the last thing told.
pub fn caption(state: &LiveState) -> Option<LiveCaption> {
    captions(state).pop()
}

/// `A-B` as written on the slide: `A–B`.
fn link_name(subject: &str) -> String {
    subject.replacen('-', "–", 1)
}

fn role_caption(
    who: &str,
    role: &str,
    term: u64,
    before: Option<(&str, u64)>,
    seen_leader: bool,
) -> Option<String> {
    let was = before.map(|(role, _)| role);
    match role {
        "leader" => Some(format!("{who} est élu leader au terme {term}")),
        "pre_candidate" => Some(if seen_leader {
            format!(
                "{who} ne reçoit plus de heartbeat : il demande des pré-votes pour le terme {}",
                term + 1
            )
        } else {
            format!(
                "{who} n'entend aucun leader : il demande des pré-votes pour le terme {}",
                term + 1
            )
        }),
        "candidate" => {
            Some(if was == Some("pre_candidate") {
                format!("{who} a obtenu une majorité de pré-votes : il devient candidat au terme {term}")
            } else if seen_leader {
                format!("{who} ne reçoit plus de heartbeat, il devient candidat au terme {term}")
            } else {
                format!("{who} n'entend aucun leader, il devient candidat au terme {term}")
            })
        }
        // A leader that steps down in its own term found no majority (CheckQuorum); in a
        // newer term, it saw someone else's.
        "follower" => match before {
            Some(("leader", leader_term)) if leader_term == term => Some(format!(
                "{who} ne joint plus de majorité : il cesse d'être leader (CheckQuorum)"
            )),
            Some(("leader", _)) => Some(format!(
                "{who} voit un terme plus récent ({term}) : il redevient follower"
            )),
            Some(("pre_candidate" | "candidate", _)) => Some(format!(
                "{who} entend de nouveau un leader : il redevient follower"
            )),
            _ => None,
        },
        _ => None,
    }
}

fn write_caption(state: &LiveState, value: &str, outcome: &str, at_ms: u64) -> Option<String> {
    let write = state
        .writes
        .iter()
        .rev()
        .find(|w| w.value == value && w.decided_at_ms == Some(at_ms))
        .or_else(|| state.writes.iter().rev().find(|w| w.value == value));
    let took = write
        .and_then(LiveWrite::latency_ms)
        .map(duration_text)
        .unwrap_or_default();
    let reason = write.and_then(|w| w.reason.as_deref()).unwrap_or("");
    Some(match outcome {
        "committed" => format!("L'écriture {value} est commitée en {took}"),
        "unknown" => format!(
            "L'écriture {value} : {} après {took}, issue inconnue (elle peut encore être commitée)",
            reason_sentence(reason)
        ),
        _ => format!("L'écriture {value} échoue : {}", reason_sentence(reason)),
    })
}

/// A member as its node's menu title says it: « n2 · leader · terme 4 ».
pub fn member_title(member: &LiveMember) -> String {
    format!(
        "{} · {} · terme {}",
        member.name,
        role_text(member.role()),
        member.term
    )
}

/// A member's log line as the presenter reads it: etcd logs JSON (zap), so its level,
/// message and error (« fatal · discovery failed · wal: max entry size limit exceeded »);
/// any other line as it is. At most 240 characters.
pub fn log_line_text(line: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(line.trim()).ok();
    let text = match parsed.as_ref().and_then(|value| value.as_object()) {
        Some(fields) => ["level", "msg", "error"]
            .iter()
            .filter_map(|key| fields.get(*key)?.as_str())
            .collect::<Vec<&str>>()
            .join(" · "),
        None => line.trim().to_string(),
    };
    let mut shown: String = text.chars().take(240).collect();
    if text.chars().count() > 240 {
        shown.push('…');
    }
    shown
}

/// A click as the JSON `POST /api/etcd/<scenario>` takes (realetcd's `LiveAction`):
/// `crash`, `restart`, `isolate`, `transfer_leader` on `node`; `propose` with a value
/// (to `node` when given, else the leader); `cut_link`/`heal_link` between two sites;
/// `reset`. `None` for anything else.
pub fn action_json(action: &str, node: Option<&str>, value: Option<&str>) -> Option<String> {
    let body = match (action, node, value) {
        ("crash" | "restart" | "isolate" | "transfer_leader", Some(node), _) => {
            json!({ "do": action, "node": node })
        }
        ("propose", node, Some(value)) => match node {
            Some(node) => json!({ "do": "propose", "value": value, "node": node }),
            None => json!({ "do": "propose", "value": value }),
        },
        ("reset" | "heal", _, _) => json!({ "do": action }),
        _ => return None,
    };
    Some(body.to_string())
}

/// Cutting or healing the link between sites `a` and `b`.
pub fn link_action_json(a: &str, b: &str, cut: bool) -> String {
    let action = if cut { "cut_link" } else { "heal_link" };
    json!({ "do": action, "from": a, "to": b }).to_string()
}

/// Why the server refused a click (its 409 text, in English), for the presenter.
pub fn refusal_text(reason: &str) -> String {
    let reason = reason.trim();
    let subject = reason.split_whitespace().next().unwrap_or("");
    if reason.ends_with("is already down") {
        format!("{subject} est déjà arrêté")
    } else if reason.ends_with("is already running") {
        format!("{subject} tourne déjà")
    } else if reason.starts_with("no leader to transfer") {
        "Pas de leader : aucun leadership à transférer".to_string()
    } else if reason.ends_with("has no ID yet") {
        format!("{subject} n'a pas encore d'identifiant etcd : réessayer dans un instant")
    } else if reason.starts_with("unknown member") || reason.starts_with("unknown site") {
        format!("Inconnu du cluster réel : {reason}")
    } else if reason.is_empty() {
        "etcd a refusé l'action".to_string()
    } else {
        format!("etcd a refusé l'action : {reason}")
    }
}

/// Whether the page is the presenter's, and its token: `?presenter&token=T` in
/// `location.search`. Only then may a widget act on the real cluster.
pub fn presenter_token(search: &str) -> Option<String> {
    let query = search.strip_prefix('?').unwrap_or(search);
    let mut presenter = false;
    let mut token = None;
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "presenter" => presenter = true,
            "token" if !value.is_empty() => token = Some(value.to_string()),
            _ => {}
        }
    }
    token.filter(|_| presenter)
}

/// Whether the page is the presenter view (`?presenter`, token or not).
pub fn is_presenter(search: &str) -> bool {
    let query = search.strip_prefix('?').unwrap_or(search);
    query
        .split('&')
        .any(|pair| pair.split('=').next() == Some("presenter"))
}

#[cfg(test)]
mod tests;
