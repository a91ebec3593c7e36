//! Two clusters, active/passive (the seed chapter "Architecture HA multi-sites").
//!
//! Users → DNS/GSLB (health checks, TTL) → load balancer and ingress of the active site;
//! the database primary on the active site replicates asynchronously to the passive site
//! with a lag; Git feeds a GitOps controller on each cluster. When the active site fails,
//! the seed's runbook plays out "dans l'ordre strict": decision, traffic switch (DNS/GSLB),
//! DB replica promotion, GitOps sync, smoke tests, monitoring. The model measures when
//! users are served again, the recovery time, and the writes lost: those acknowledged on
//! the old primary inside the replication lag, never copied to the new one.
//!
//! Failback (returning to the first site) is a separate runbook and is not modelled: a
//! site that returns after the promotion stays fenced (its unreplicated writes diverge).
//!
//! Layout: `schema` (the scenario's `cluster` section, parsed and checked), `view` (the
//! result of a headless run and what a widget draws), this file (the model and its
//! [`SystemModel`] implementation).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{
    fail, header_of, push_event, read_document, Availability, Header, LinkView, ModelEvent,
    ModelScenario, SiteView, SystemAction, SystemModel, Topology, Window, WriteOutcome,
    WriteRecord, WriteTally,
};
use super::SystemKind;
use crate::scenario::ScenarioError;
use crate::schema::Document;

/// The model advances in steps of 100 ms.
pub const TICK_MS: u64 = 100;

mod schema;
mod view;

pub use schema::*;
pub use view::*;

const STEPS: [&str; 6] = [
    "decision",
    "traffic_switch",
    "promotion",
    "gitops_sync",
    "smoke_tests",
    "monitoring",
];

/// Two clusters under simulation, advanced tick by tick.
#[derive(Clone, Debug)]
pub struct MultisiteModel {
    cluster: MultisiteCluster,
    topology: Topology,
    failed_at: Option<u64>,
    failing_checks: u64,
    detected_at: Option<u64>,
    runbook: Vec<RunbookStep>,
    aborted: bool,
    /// Runbook steps already taken effect.
    applied_steps: usize,
    /// Writes before this one are replicated or were never acknowledged.
    replication_cursor: usize,
    /// Which site the DNS answers (and since when).
    dns_site: String,
    dns_changed_at: u64,
    /// Site holding the DB primary.
    primary: String,
    promoted: bool,
    gitops_synced: bool,
    /// Acknowledged writes on the original primary and whether they reached the replica.
    replicated: Vec<bool>,
    service: Availability,
    served_again: Option<u64>,
    writes: Vec<WriteRecord>,
    events: Vec<ModelEvent>,
    now: u64,
}

impl MultisiteModel {
    /// The site a user's request reaches now: clients cache the DNS answer for the TTL.
    fn user_site(&self) -> &str {
        if self.dns_site != self.cluster.active
            && self.now < self.dns_changed_at + self.cluster.dns_ttl_ms
        {
            &self.cluster.active
        } else {
            &self.dns_site
        }
    }

    /// Why a user write would fail now, if it would.
    fn refusal(&self) -> Option<&'static str> {
        let site = self.user_site();
        if !self.topology.site_up(site) {
            Some("site_down")
        } else if site != self.primary {
            Some("db_read_only")
        } else if site == self.cluster.passive && !self.gitops_synced {
            Some("app_not_deployed")
        } else if site == self.cluster.active && self.promoted {
            // The old primary is fenced once the replica is promoted.
            Some("fenced")
        } else {
            None
        }
    }

    fn tick(&mut self) {
        let now = self.now;
        let (active, passive) = (self.cluster.active.clone(), self.cluster.passive.clone());
        // Asynchronous replication: a write reaches the replica one lag later, if the
        // link and both sites are up then; a backlog drains when they come back.
        if !self.promoted && self.topology.reachable(&active, &passive) {
            while let Some(record) = self.writes.get(self.replication_cursor) {
                if record.at_ms + self.cluster.replication_lag_ms > now {
                    break;
                }
                self.replicated[self.replication_cursor] = true;
                self.replication_cursor += 1;
            }
        }
        // GSLB health checks from outside both sites.
        if now.is_multiple_of(self.cluster.health_check_interval_ms) && self.detected_at.is_none() {
            if self.topology.site_up(&active) {
                self.failing_checks = 0;
            } else {
                self.failing_checks += 1;
                if self.failing_checks >= self.cluster.health_check_failures {
                    self.detected_at = Some(now);
                    push_event(
                        &mut self.events,
                        now,
                        "alert",
                        &active,
                        "health checks failing",
                    );
                    self.start_runbook(now);
                }
            }
        }
        self.advance_runbook();
        let served = self.refusal().is_none();
        if self.service.observe(now, served)
            && served
            && self.failed_at.is_some()
            && self.served_again.is_none()
            && self.promoted
        {
            self.served_again = Some(now);
            push_event(&mut self.events, now, "served_again", &passive, "");
        }
    }

    fn start_runbook(&mut self, now: u64) {
        let durations = [
            self.cluster.runbook.decision_ms,
            self.cluster.runbook.traffic_switch_ms,
            self.cluster.runbook.promotion_ms,
            self.cluster.runbook.gitops_sync_ms,
            self.cluster.runbook.smoke_tests_ms,
            self.cluster.runbook.monitoring_ms,
        ];
        let mut at = now;
        for (step, duration) in STEPS.iter().zip(durations) {
            self.runbook.push(RunbookStep {
                step,
                from_ms: at,
                to_ms: at + duration,
            });
            at += duration;
        }
    }

    /// Each step takes effect when it ends; the decision is not to fail over if the
    /// site is back by then ("indisponibilité longue").
    fn advance_runbook(&mut self) {
        let now = self.now;
        while let Some(step) = self
            .runbook
            .get(self.applied_steps)
            .filter(|s| s.to_ms <= now)
        {
            let step = step.step;
            self.applied_steps += 1;
            if self.aborted {
                return;
            }
            let passive = self.cluster.passive.clone();
            match step {
                "decision" if self.topology.site_up(&self.cluster.active) => {
                    self.aborted = true;
                    self.runbook.truncate(1);
                    push_event(&mut self.events, now, "runbook_aborted", "", "site back");
                    return;
                }
                "traffic_switch" => {
                    self.dns_site = passive.clone();
                    self.dns_changed_at = now;
                }
                "promotion" => {
                    self.primary = passive.clone();
                    self.promoted = true;
                }
                "gitops_sync" => self.gitops_synced = true,
                _ => {}
            }
            push_event(&mut self.events, now, step, &passive, "");
        }
    }
}

impl ModelScenario for MultisiteScenario {
    type Model = MultisiteModel;
    const SYSTEM: SystemKind = SystemKind::Multisite;

    fn header(&self) -> &Header {
        &self.header
    }
}

impl SystemModel for MultisiteModel {
    type Scenario = MultisiteScenario;
    type View = MultisiteView;
    type Result = MultisiteResult;
    const TICK_MS: u64 = TICK_MS;

    /// Site A active and serving, B's replica in sync.
    fn new(scenario: &MultisiteScenario) -> MultisiteModel {
        let cluster = scenario.cluster.clone();
        MultisiteModel {
            topology: Topology::new([cluster.active.clone(), cluster.passive.clone()]),
            dns_site: cluster.active.clone(),
            primary: cluster.active.clone(),
            cluster,
            failed_at: None,
            failing_checks: 0,
            detected_at: None,
            runbook: Vec::new(),
            aborted: false,
            applied_steps: 0,
            replication_cursor: 0,
            dns_changed_at: 0,
            promoted: false,
            gitops_synced: false,
            replicated: Vec::new(),
            service: Availability::new(true),
            served_again: None,
            writes: Vec::new(),
            events: Vec::new(),
            now: 0,
        }
    }

    /// Current simulated time.
    fn now_ms(&self) -> u64 {
        self.now
    }

    /// Applies an action now.
    fn apply(&mut self, action: &SystemAction) {
        let now = self.now;
        self.topology.apply(action);
        match action {
            SystemAction::FailSite { site } => {
                push_event(&mut self.events, now, "site_failed", site, "");
                if site == &self.cluster.active && self.failed_at.is_none() {
                    self.failed_at = Some(now);
                }
            }
            SystemAction::RestoreSite { site } => {
                push_event(&mut self.events, now, "site_restored", site, "")
            }
            SystemAction::Write { value } => {
                let mut record = WriteRecord::pending(now, value);
                match self.refusal() {
                    Some(reason) => record.decide(now, WriteOutcome::Refused, Some(reason)),
                    None => record.decide(now, WriteOutcome::Acknowledged, None),
                }
                self.writes.push(record);
                self.replicated.push(self.primary == self.cluster.passive);
            }
            _ => {}
        }
    }

    /// Advances to `until_ms`, one tick at a time.
    fn run_until(&mut self, until_ms: u64) {
        while self.now + TICK_MS <= until_ms {
            self.now += TICK_MS;
            self.tick();
        }
    }

    /// Timeline so far.
    fn events(&self) -> &[ModelEvent] {
        &self.events
    }

    /// What a widget draws at the current instant: where DNS points and where users
    /// land, the database primary and the replication backlog, the runbook step in
    /// progress, the recovery time and the data lost.
    fn view(&self, header: &Header) -> MultisiteView {
        let result = self.result(header);
        let backlog = self
            .writes
            .iter()
            .zip(&self.replicated)
            .filter(|(record, replicated)| {
                record.outcome == WriteOutcome::Acknowledged && !**replicated
            })
            .count() as u32;
        let step_now = self
            .runbook
            .iter()
            .find(|step| step.from_ms <= self.now && self.now < step.to_ms)
            .map(|step| step.step);
        let failed = self.failed_at.is_some();
        MultisiteView {
            now_ms: self.now,
            sites: self.topology.site_views(),
            links: self.topology.link_views(),
            active: self.cluster.active.clone(),
            passive: self.cluster.passive.clone(),
            dns_site: self.dns_site.clone(),
            traffic_site: self.user_site().to_string(),
            primary: self.primary.clone(),
            gitops_synced_passive: self.gitops_synced,
            serving: self.refusal().is_none(),
            refusal: self.refusal(),
            replication_lag_ms: self.cluster.replication_lag_ms,
            unreplicated: backlog,
            runbook: result.runbook,
            runbook_step: step_now,
            runbook_aborted: self.aborted,
            failed_at_ms: self.failed_at,
            detected_at_ms: self.detected_at,
            outage_ms: failed.then(|| {
                result
                    .service_outages
                    .iter()
                    .map(|w| w.to_ms.unwrap_or(self.now).saturating_sub(w.from_ms))
                    .sum()
            }),
            recovery_ms: result.recovery_ms,
            rto_ms: result.rto_ms,
            tally: WriteTally::of(&result.writes),
            lost: result.lost,
        }
    }

    /// The result so far.
    fn result(&self, header: &Header) -> MultisiteResult {
        let mut writes = self.writes.clone();
        let mut lost = Vec::new();
        if self.promoted {
            for (w, record) in writes.iter_mut().enumerate() {
                if record.outcome == WriteOutcome::Acknowledged && !self.replicated[w] {
                    record.lost = true;
                    lost.push(record.value.clone());
                }
            }
        }
        let smoke_end = self
            .runbook
            .iter()
            .find(|step| step.step == "smoke_tests" && step.to_ms <= self.now)
            .map(|step| step.to_ms);
        MultisiteResult {
            system: "multisite",
            name: header.name.clone(),
            seed: header.seed,
            until_ms: self.now,
            failed_at_ms: self.failed_at,
            detected_at_ms: self.detected_at,
            runbook: self.runbook.clone(),
            served_again_at_ms: self.served_again,
            recovery_ms: self
                .served_again
                .zip(self.failed_at)
                .map(|(served, failed)| served - failed),
            rto_ms: smoke_end
                .zip(self.failed_at)
                .map(|(end, failed)| end - failed),
            service_outages: self.service.outages().to_vec(),
            primary: self.primary.clone(),
            replication_lag_ms: self.cluster.replication_lag_ms,
            writes,
            lost,
            events: self.events.clone(),
        }
    }
}
