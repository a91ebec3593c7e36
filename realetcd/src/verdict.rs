//! The simulation against real etcd: one scenario's rows, each with a verdict, and the
//! REAL-ETCD.md report.
//!
//! Real etcd is not deterministic (randomized election timeouts, the OS scheduler), so a
//! scenario runs several times on it and each quantity's *spread* over those runs is the
//! reference. The tolerances are stated once, here and in the report, and are the same
//! for every row:
//! - a time agrees when the simulation's value lies in the real runs' range widened by
//!   two heartbeat intervals plus 100 ms (etcd's timers tick once per heartbeat, and a
//!   process start, a log line or a client round trip adds some milliseconds);
//! - a count (elections, highest term) agrees when it lies in the real range widened by
//!   ⌊10 %⌋ of the range's bounds (exact for small counts);
//! - an outcome (a write committed, failed or unknown; a step skipped) agrees when the
//!   simulation's outcome happened in at least one real run.
//!
//! The simulation is random too, but seeded: its single run is one draw. A row the seed's
//! draw disagrees on is a *race* rather than a disagreement when at least a quarter of
//! [`OTHER_SEEDS`] other seeds of the same scenario agree on it: real etcd's branch is
//! one the simulation takes often, and the seed took another (which five real runs may
//! simply not have shown). A modelling error shows in every seed and stays a
//! disagreement. Races are counted apart, never as agreement.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sim::scenario::{Action, Scenario};

use crate::result::RunResult;

/// A row's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Within tolerance.
    Agree,
    /// Outside tolerance for the scenario's seed, within it for at least a quarter of
    /// [`OTHER_SEEDS`] other seeds: a race the seed drew differently.
    Race,
    /// Outside tolerance.
    Disagree,
}

/// How many other seeds of a scenario decide whether a disagreeing row is a race.
pub const OTHER_SEEDS: u64 = 20;

/// Turns each disagreeing row into a [`Verdict::Race`] when at least a quarter of the
/// same rows compared for other seeds of the scenario (`others`, one row list per seed)
/// agree.
pub fn settle_races(rows: &mut [Row], others: &[Vec<Row>]) {
    if others.is_empty() {
        return;
    }
    for row in rows.iter_mut().filter(|r| r.verdict == Verdict::Disagree) {
        let agreeing = others
            .iter()
            .filter(|seed_rows| {
                seed_rows
                    .iter()
                    .any(|r| r.quantity == row.quantity && r.verdict == Verdict::Agree)
            })
            .count();
        if 4 * agreeing >= others.len() {
            row.verdict = Verdict::Race;
            row.sim = format!(
                "{} (other seeds: {agreeing} of {} agree)",
                row.sim,
                others.len()
            );
        }
    }
}

/// One compared quantity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// What is compared.
    pub quantity: String,
    /// The simulation's value.
    pub sim: String,
    /// Real etcd's values over the runs.
    pub real: String,
    /// The verdict.
    pub verdict: Verdict,
}

/// Time tolerance for a scenario: two heartbeats plus 100 ms.
pub fn time_tolerance_ms(scenario: &Scenario) -> u64 {
    2 * scenario.cluster.heartbeat_ms + 100
}

/// The tolerance of a delay to an election (ms): the time tolerance plus one election
/// timeout. etcd draws each member's timeout in [election, 2 × election), so one
/// election's delay is a draw from a window an election timeout wide: the simulation's
/// single run is one draw, five real runs a few more, and two honest samples of the same
/// window may sit an election timeout apart.
pub fn election_tolerance_ms(scenario: &Scenario) -> u64 {
    time_tolerance_ms(scenario) + scenario.cluster.election_ms
}

fn range_text(values: &[u64]) -> String {
    match (values.iter().min(), values.iter().max()) {
        (Some(min), Some(max)) if min == max => format!("{min}"),
        (Some(min), Some(max)) => format!("{min}–{max}"),
        _ => "—".to_string(),
    }
}

/// A time row: `sim` and each run's value (None: it did not happen).
fn time_row(quantity: String, sim: Option<u64>, real: &[Option<u64>], tolerance: u64) -> Row {
    let happened: Vec<u64> = real.iter().flatten().copied().collect();
    let missing = real.len() - happened.len();
    let mut real_text = range_text(&happened);
    if missing > 0 {
        real_text = if happened.is_empty() {
            "never".to_string()
        } else {
            format!("{real_text} (never in {missing} of {})", real.len())
        };
    }
    let verdict = match sim {
        None => missing > 0,
        Some(value) => match (happened.iter().min(), happened.iter().max()) {
            (Some(&min), Some(&max)) => value + tolerance >= min && value <= max + tolerance,
            _ => false,
        },
    };
    Row {
        quantity,
        sim: sim.map_or("never".to_string(), |v| v.to_string()),
        real: real_text,
        verdict: if verdict {
            Verdict::Agree
        } else {
            Verdict::Disagree
        },
    }
}

fn count_row(quantity: String, sim: u64, real: &[u64]) -> Row {
    let (min, max) = (
        real.iter().copied().min().unwrap_or(0),
        real.iter().copied().max().unwrap_or(0),
    );
    // ⌊10 %⌋, at least one: with Raft's randomized timeouts one more or one fewer
    // election in a run is common (a split vote), even in a run of two or three.
    let (low, high) = (
        min.saturating_sub((min / 10).max(1)),
        max + (max / 10).max(1),
    );
    Row {
        quantity,
        sim: sim.to_string(),
        real: range_text(real),
        verdict: if (low..=high).contains(&sim) {
            Verdict::Agree
        } else {
            Verdict::Disagree
        },
    }
}

/// An outcome row: the verdict compares the keys (`committed`…), the text shows more
/// (the reason).
fn outcome_row(quantity: String, sim: (String, String), real: &[(String, String)]) -> Row {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, text) in real {
        *counts.entry(text.as_str()).or_default() += 1;
    }
    let real_text = counts
        .iter()
        .map(|(text, count)| format!("{text} ×{count}"))
        .collect::<Vec<_>>()
        .join(", ");
    let agrees = real.iter().any(|(key, _)| *key == sim.0);
    Row {
        verdict: if agrees {
            Verdict::Agree
        } else {
            Verdict::Disagree
        },
        quantity,
        sim: sim.1,
        real: real_text,
    }
}

/// The same text as key and as display.
fn plain(text: String) -> (String, String) {
    (text.clone(), text)
}

/// A proposal's outcome as (key, display): `failed` / `failed (no_leader)`.
fn proposal_outcome(proposal: Option<&crate::result::ProposalDoc>) -> (String, String) {
    match proposal {
        None => plain("missing".to_string()),
        Some(p) => match &p.reason {
            Some(reason) => (p.outcome.clone(), format!("{} ({reason})", p.outcome)),
            None => plain(p.outcome.clone()),
        },
    }
}

/// Steps after which a new leader is expected or may appear.
fn disruptive(action: &Action) -> bool {
    matches!(
        action,
        Action::Crash { .. }
            | Action::Isolate { .. }
            | Action::Partition { .. }
            | Action::TransferLeader { .. }
            | Action::Restart { .. }
            | Action::Restore { .. }
            | Action::Heal
            | Action::SetLatency { .. }
    )
}

/// The disruptive steps (not repeated ones), by time: (at, kind). Steps at the same
/// instant count once, under the first one's kind.
fn disruptive_marks(scenario: &Scenario) -> Vec<(u64, &'static str)> {
    let mut marks: Vec<(u64, &'static str)> = Vec::new();
    for step in &scenario.steps {
        if disruptive(&step.action)
            && step.every_ms.is_none()
            && marks.last().is_none_or(|(at, _)| *at != step.at_ms)
        {
            marks.push((step.at_ms, step.action.name()));
        }
    }
    marks
}

/// Delays pooled over the real runs. Agrees when every simulated delay lies within the
/// pooled real range (widened by the tolerance) and the number of steps followed by an
/// election lies within the real runs' numbers.
fn pooled_row(quantity: String, sim: &[u64], real: &[Vec<u64>], tolerance: u64) -> Row {
    let pooled: Vec<u64> = real.iter().flatten().copied().collect();
    let counts: Vec<u64> = real.iter().map(|run| run.len() as u64).collect();
    let (count_min, count_max) = (
        counts.iter().copied().min().unwrap_or(0),
        counts.iter().copied().max().unwrap_or(0),
    );
    let count_agrees = (count_min..=count_max).contains(&(sim.len() as u64));
    let delays_agree = match (pooled.iter().min(), pooled.iter().max()) {
        (Some(&min), Some(&max)) => sim
            .iter()
            .all(|&value| value + tolerance >= min && value <= max + tolerance),
        _ => sim.is_empty(),
    };
    let sim_text = if sim.is_empty() {
        "none".to_string()
    } else {
        sim.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let counts_text = counts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("/");
    let real_text = if pooled.is_empty() {
        "none".to_string()
    } else {
        format!("{} ({counts_text} per run)", range_text(&pooled))
    };
    Row {
        quantity,
        sim: sim_text,
        real: real_text,
        verdict: if count_agrees && delays_agree {
            Verdict::Agree
        } else {
            Verdict::Disagree
        },
    }
}

/// Time of the first election at or after `from` (ms after `from`).
fn first_election_after(result: &RunResult, from: u64, before: u64) -> Option<u64> {
    result
        .leaders
        .iter()
        .filter(|l| l.at_ms >= from && l.at_ms < before)
        .map(|l| l.at_ms - from)
        .min()
}

/// Compares the simulation's result with real runs of the same scenario.
pub fn compare(scenario: &Scenario, sim: &RunResult, real: &[RunResult]) -> Vec<Row> {
    let tolerance = time_tolerance_ms(scenario);
    let election_tolerance = election_tolerance_ms(scenario);
    let mut rows = Vec::new();
    let end = scenario.end_ms();

    // The first election, then the elections that follow each kind of disruptive step.
    // Which member leads when a step strikes is a race (randomized timeouts), so a crash
    // may or may not take the leader: steps of one kind are pooled, and the simulation's
    // delays are compared with every delay real etcd showed after such a step.
    let marks = disruptive_marks(scenario);
    let first = |run: &RunResult| {
        let before = marks.first().map_or(end + 1, |(at, _)| *at);
        first_election_after(run, 0, before)
    };
    rows.push(time_row(
        "first leader elected after the start (ms)".to_string(),
        first(sim),
        &real.iter().map(first).collect::<Vec<_>>(),
        election_tolerance,
    ));
    let mut kinds: Vec<&str> = marks.iter().map(|(_, kind)| *kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let delays = |run: &RunResult| -> Vec<u64> {
            marks
                .iter()
                .enumerate()
                .filter(|(_, (_, k))| *k == kind)
                .filter_map(|(position, (at, _))| {
                    let before = marks.get(position + 1).map_or(end + 1, |(next, _)| *next);
                    first_election_after(run, *at, before)
                })
                .collect()
        };
        let steps = marks.iter().filter(|(_, k)| *k == kind).count();
        let sim_delays = delays(sim);
        let real_delays: Vec<Vec<u64>> = real.iter().map(delays).collect();
        rows.push(pooled_row(
            format!("new leader after a `{kind}` step (of {steps}; ms after it)"),
            &sim_delays,
            &real_delays,
            election_tolerance,
        ));
    }
    rows.push(count_row(
        "leaders elected".to_string(),
        sim.leaders.len() as u64,
        &real
            .iter()
            .map(|r| r.leaders.len() as u64)
            .collect::<Vec<_>>(),
    ));
    let highest = |r: &RunResult| r.leaders.iter().map(|l| l.term).max().unwrap_or(0);
    rows.push(count_row(
        "highest term of a leader".to_string(),
        highest(sim),
        &real.iter().map(highest).collect::<Vec<_>>(),
    ));
    for (position, proposal) in sim.proposals.iter().enumerate() {
        let real_outcomes: Vec<(String, String)> = real
            .iter()
            .map(|run| proposal_outcome(run.proposals.get(position)))
            .collect();
        let name = format!("write {} at {} ms: outcome", proposal.value, proposal.at_ms);
        let mut row = outcome_row(name, proposal_outcome(Some(proposal)), &real_outcomes);
        // A write the simulation decides within the time tolerance of the scenario's end
        // may still be waiting when a real run stops there: that is the same outcome,
        // seen a few milliseconds earlier.
        let decided_at_the_end = proposal
            .decided_at_ms
            .is_some_and(|decided| decided + tolerance >= end);
        if decided_at_the_end && real_outcomes.iter().any(|(key, _)| key == "pending") {
            row.verdict = Verdict::Agree;
        }
        let agreed = row.verdict == Verdict::Agree;
        rows.push(row);
        // Still waiting in every real run: no real delay to compare with.
        let pending_in_every_real_run = real_outcomes.iter().all(|(key, _)| key == "pending");
        if agreed
            && proposal.outcome != "pending"
            && !(decided_at_the_end && pending_in_every_real_run)
        {
            let latency =
                |p: &crate::result::ProposalDoc| p.decided_at_ms.map(|d| d.saturating_sub(p.at_ms));
            let real_latencies: Vec<Option<u64>> = real
                .iter()
                .map(|run| {
                    run.proposals
                        .get(position)
                        .filter(|p| p.outcome == proposal.outcome)
                        .and_then(latency)
                })
                .filter(Option::is_some)
                .collect();
            rows.push(time_row(
                format!("write {}: {} after (ms)", proposal.value, proposal.outcome),
                latency(proposal),
                &real_latencies,
                tolerance,
            ));
        }
        // For every write, whatever the seed's outcome: the rows of two seeds must line up
        // for `settle_races` to compare them.
        let committed = |run: &RunResult| run.commits.iter().any(|c| c.value == proposal.value);
        rows.push(outcome_row(
            format!("write {}: committed in the end", proposal.value),
            plain(yes_no(committed(sim))),
            &real
                .iter()
                .map(|run| plain(yes_no(committed(run))))
                .collect::<Vec<_>>(),
        ));
    }
    let skipped = |run: &RunResult| {
        let mut steps: Vec<(String, String)> = run
            .skipped
            .iter()
            .map(|s| {
                let step = format!("{} (step {})", s.action, s.step.map_or(-1, i64::from));
                let text = format!("{step}: {}", s.reason);
                (step, text)
            })
            .collect();
        steps.sort();
        steps.dedup_by(|a, b| a.0 == b.0);
        if steps.is_empty() {
            return plain("none".to_string());
        }
        let key = steps
            .iter()
            .map(|s| s.0.clone())
            .collect::<Vec<_>>()
            .join(", ");
        let text = steps
            .iter()
            .map(|s| s.1.clone())
            .collect::<Vec<_>>()
            .join(", ");
        (key, text)
    };
    rows.push(outcome_row(
        "steps that did nothing".to_string(),
        skipped(sim),
        &real.iter().map(skipped).collect::<Vec<_>>(),
    ));
    let leader_at_end = |run: &RunResult| {
        run.nodes
            .iter()
            .find(|n| n.role == "leader")
            .map_or("none".to_string(), |n| format!("site {}", n.site))
    };
    rows.push(outcome_row(
        "leader at the end".to_string(),
        plain(leader_at_end(sim)),
        &real
            .iter()
            .map(|run| plain(leader_at_end(run)))
            .collect::<Vec<_>>(),
    ));
    rows
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_string()
}

/// One scenario's comparison, for the report.
#[derive(Clone, Debug)]
pub struct ScenarioReport {
    /// Scenario name.
    pub name: String,
    /// Where it comes from (`slides/scenarios/x.json`, `generated (seed 3)`).
    pub source: String,
    /// The scenario's JSON when it is generated (not in a file to open), shown folded in
    /// its own section.
    pub scenario_json: Option<String>,
    /// Time tolerance used (ms).
    pub tolerance_ms: u64,
    /// Tolerance of a delay to an election (ms): [`election_tolerance_ms`].
    pub election_tolerance_ms: u64,
    /// Number of real runs.
    pub runs: usize,
    /// The rows, or why the scenario was not compared.
    pub rows: Result<Vec<Row>, String>,
}

impl ScenarioReport {
    /// Rows that disagree.
    pub fn disagreements(&self) -> usize {
        self.rows.as_ref().map_or(0, |rows| {
            rows.iter()
                .filter(|r| r.verdict == Verdict::Disagree)
                .count()
        })
    }

    /// Rows that are races ([`Verdict::Race`]).
    pub fn races(&self) -> usize {
        self.rows.as_ref().map_or(0, |rows| {
            rows.iter().filter(|r| r.verdict == Verdict::Race).count()
        })
    }

    /// Whether every row agrees, races aside (and the scenario ran).
    pub fn agrees(&self) -> bool {
        self.rows.is_ok() && self.disagreements() == 0
    }

    /// The summary table's verdict.
    fn verdict_text(&self) -> &'static str {
        match (&self.rows, self.disagreements(), self.races()) {
            (Err(_), _, _) => "not run",
            (Ok(_), 0, 0) => "agree",
            (Ok(_), 0, _) => "race",
            _ => "**disagree**",
        }
    }
}

/// Escapes a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// REAL-ETCD.md.
pub fn markdown(reports: &[ScenarioReport], how: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# The simulation against real etcd\n");
    let _ = writeln!(out, "{how}\n");
    let _ = writeln!(
        out,
        "Tolerances, the same for every row: a **time** agrees when the simulation's \
         value lies in the real runs' range widened by two heartbeat intervals plus \
         100 ms, and a delay to an election by one election timeout more (etcd draws \
         each timeout in [election, 2 × election): one run is one draw from a window \
         that wide); a **count** (leaders elected, highest term) when it lies in the real \
         range widened by ⌊10 %⌋ of its bounds, at least 1 (a split vote adds an \
         election); an **outcome** (a write committed, failed \
         or unknown; a step skipped) when it happened in at least one real run. Which member \
         leads when a step strikes is a race, so the delays to a new leader after steps of \
         one kind are pooled over the runs; the leader's site at the end must match only \
         when real etcd always ends on the same site. Times are ms from the start of the \
         scenario.\n"
    );
    let _ = writeln!(
        out,
        "The simulation's run is one seeded draw. A row where that draw falls outside real \
         etcd's runs but at least a quarter of {OTHER_SEEDS} other seeds of the scenario agree \
         is a **race**: the seed took another branch of a race the simulation often decides \
         as real etcd did. A modelling error shows in every seed and stays a disagreement. \
         A scenario with races and no disagreement is listed as `race`, not as agreeing.\n"
    );
    let agreeing = reports
        .iter()
        .filter(|r| r.agrees() && r.races() == 0)
        .count();
    let racing = reports
        .iter()
        .filter(|r| r.agrees() && r.races() > 0)
        .count();
    let _ = writeln!(
        out,
        "**{agreeing} of {} scenarios agree; {racing} more agree but for races.**\n",
        reports.len()
    );
    let _ = writeln!(
        out,
        "| scenario | source | rows | disagree | race | verdict |"
    );
    let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- |");
    for report in reports {
        let rows = report
            .rows
            .as_ref()
            .map_or("—".to_string(), |rows| rows.len().to_string());
        let _ = writeln!(
            out,
            "| [{}](#{}) | {} | {rows} | {} | {} | {} |",
            report.name,
            report.name,
            cell(&report.source),
            report.disagreements(),
            report.races(),
            report.verdict_text()
        );
    }
    for report in reports {
        let _ = writeln!(out, "\n## {}\n", report.name);
        let _ = writeln!(
            out,
            "{}; {} real runs; time tolerance ±{} ms (±{} ms for a delay to an election).\n",
            report.source, report.runs, report.tolerance_ms, report.election_tolerance_ms
        );
        if let Some(json) = &report.scenario_json {
            let _ = writeln!(
                out,
                "<details><summary>scenario</summary>\n\n```json\n{json}\n```\n</details>\n"
            );
        }
        match &report.rows {
            Err(reason) => {
                let _ = writeln!(out, "Not run: {}", cell(reason));
            }
            Ok(rows) => {
                let _ = writeln!(out, "| quantity | simulation | real etcd | verdict |");
                let _ = writeln!(out, "| --- | --- | --- | --- |");
                for row in rows {
                    let verdict = match row.verdict {
                        Verdict::Agree => "agree",
                        Verdict::Race => "race",
                        Verdict::Disagree => "**disagree**",
                    };
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {verdict} |",
                        cell(&row.quantity),
                        cell(&row.sim),
                        cell(&row.real)
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
