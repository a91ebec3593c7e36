//! The verdict's tests: tolerances, pooled delays, races against other seeds, and the
//! REAL-ETCD.md report.

use super::*;
use crate::result::{LeaderDoc, ProposalDoc};

fn scenario() -> Scenario {
    sim::parse_scenario(
        r#"{"cluster":{"sites":{"A":["n1","n2","n3"]}},
                "steps":[{"at_ms":2000,"do":"propose","value":"x=1"},
                         {"at_ms":3000,"do":"crash","node":"leader"}],
                "until_ms":8000}"#,
    )
    .unwrap()
}

fn result(first: u64, second: u64, outcome: &str) -> RunResult {
    RunResult {
        name: "t".into(),
        seed: 0,
        until_ms: 8000,
        nodes: Vec::new(),
        leaders: vec![
            LeaderDoc {
                at_ms: first,
                node: "n1".into(),
                term: 2,
            },
            LeaderDoc {
                at_ms: second,
                node: "n2".into(),
                term: 3,
            },
        ],
        commits: Vec::new(),
        proposals: vec![ProposalDoc {
            at_ms: 2000,
            value: "x=1".into(),
            node: Some("n1".into()),
            outcome: outcome.into(),
            reason: None,
            index: None,
            decided_at_ms: Some(2010),
        }],
        skipped: Vec::new(),
        violations: Vec::new(),
        events: 0,
    }
}

#[test]
fn agreement_within_the_stated_tolerance() {
    let real = vec![
        result(400, 4200, "committed"),
        result(900, 4500, "committed"),
    ];
    let rows = compare(&scenario(), &result(1150, 4400, "committed"), &real);
    assert!(
        rows.iter().all(|r| r.verdict == Verdict::Agree),
        "{rows:#?}"
    );
}

#[test]
fn a_late_election_and_a_wrong_outcome_disagree() {
    let real = vec![
        result(400, 4200, "committed"),
        result(900, 4500, "committed"),
    ];
    // 900 + 300 ms of tolerance + one election timeout (1000 ms) is the latest
    // first election that agrees.
    let agreeing = compare(&scenario(), &result(2200, 4400, "committed"), &real);
    assert!(
        agreeing.iter().all(|r| r.verdict == Verdict::Agree),
        "{agreeing:#?}"
    );
    let rows = compare(&scenario(), &result(2201, 4400, "failed"), &real);
    let disagreeing: Vec<&str> = rows
        .iter()
        .filter(|r| r.verdict == Verdict::Disagree)
        .map(|r| r.quantity.as_str())
        .collect();
    assert_eq!(
        disagreeing,
        vec![
            "first leader elected after the start (ms)",
            "write x=1 at 2000 ms: outcome",
        ]
    );
}

#[test]
fn delays_after_a_kind_of_step_are_pooled_over_the_runs() {
    // Real etcd elected after one of two crashes in one run, after both in another.
    let real = vec![vec![1200], vec![1300, 2800]];
    assert_eq!(
        pooled_row("x".into(), &[1100], &real, 300).verdict,
        Verdict::Agree
    );
    assert_eq!(
        pooled_row("x".into(), &[1100, 2900], &real, 300).verdict,
        Verdict::Agree
    );
    // Never after a crash, where real etcd always elected: disagree.
    assert_eq!(
        pooled_row("x".into(), &[], &real, 300).verdict,
        Verdict::Disagree
    );
    // Far outside the pooled range: disagree.
    assert_eq!(
        pooled_row("x".into(), &[26_900], &real, 300).verdict,
        Verdict::Disagree
    );
    // Real etcd never elected after such a step: neither may the simulation.
    assert_eq!(
        pooled_row("x".into(), &[500], &[vec![], vec![]], 300).verdict,
        Verdict::Disagree
    );
    assert_eq!(
        pooled_row("x".into(), &[], &[vec![], vec![]], 300).verdict,
        Verdict::Agree
    );
}

#[test]
fn a_write_decided_at_the_very_end_may_still_be_pending_in_a_real_run() {
    let scenario = scenario();
    let end = scenario.end_ms();
    let mut sim = result(1000, 5000, "committed");
    sim.proposals[0].outcome = "unknown".to_string();
    sim.proposals[0].reason = Some("timeout".to_string());
    let mut real = result(1000, 5000, "committed");
    real.proposals[0].outcome = "pending".to_string();
    real.proposals[0].decided_at_ms = None;
    let outcome = |rows: &[Row]| {
        rows.iter()
            .find(|row| row.quantity.ends_with(": outcome"))
            .map(|row| row.verdict)
            .unwrap()
    };
    sim.proposals[0].decided_at_ms = Some(end);
    let rows = compare(&scenario, &sim, &[real.clone()]);
    assert_eq!(outcome(&rows), Verdict::Agree);
    // Nor is its delay held against the real runs, which have none.
    assert!(
        !rows
            .iter()
            .any(|row| row.quantity.contains("unknown after")),
        "{rows:?}"
    );
    // Decided well before the end, the same difference is a disagreement.
    sim.proposals[0].decided_at_ms = Some(sim.proposals[0].at_ms + 100);
    assert_eq!(
        outcome(&compare(&scenario, &sim, &[real])),
        Verdict::Disagree
    );
}

#[test]
fn a_row_other_seeds_agree_on_is_a_race_and_one_no_seed_agrees_on_stays_a_disagreement() {
    let real = vec![
        result(400, 4200, "committed"),
        result(900, 4500, "committed"),
    ];
    // The seed's first election is late; a third of the other seeds are on time,
    // every seed's write fails where real etcd commits.
    let mut rows = compare(&scenario(), &result(4000, 4400, "failed"), &real);
    let others: Vec<Vec<Row>> = (0..12)
        .map(|seed| {
            let first = if seed % 3 == 0 { 800 } else { 4000 };
            compare(&scenario(), &result(first, 4400, "failed"), &real)
        })
        .collect();
    settle_races(&mut rows, &others);
    let verdict = |quantity: &str| {
        rows.iter()
            .find(|r| r.quantity.starts_with(quantity))
            .map(|r| r.verdict)
    };
    assert_eq!(verdict("first leader"), Some(Verdict::Race), "{rows:#?}");
    assert_eq!(
        verdict("write x=1 at"),
        Some(Verdict::Disagree),
        "{rows:#?}"
    );
    // Under a quarter of the seeds agreeing is no race.
    let mut rows = compare(&scenario(), &result(4000, 4400, "committed"), &real);
    let few: Vec<Vec<Row>> = (0..12)
        .map(|seed| {
            let first = if seed < 2 { 800 } else { 4000 };
            compare(&scenario(), &result(first, 4400, "committed"), &real)
        })
        .collect();
    settle_races(&mut rows, &few);
    assert_eq!(
        rows.iter()
            .find(|r| r.quantity.starts_with("first leader"))
            .map(|r| r.verdict),
        Some(Verdict::Disagree)
    );
}

#[test]
fn a_write_left_pending_by_the_seed_is_a_race_when_other_seeds_commit_it() {
    let with_commit = |outcome: &str| {
        let mut run = result(400, 4200, outcome);
        if outcome == "committed" {
            run.commits.push(crate::result::CommitDoc {
                at_ms: 2010,
                index: 2,
                value: "x=1".into(),
                term: 2,
            });
        }
        run
    };
    let real = vec![with_commit("committed"), with_commit("committed")];
    let mut rows = compare(&scenario(), &with_commit("pending"), &real);
    let others: Vec<Vec<Row>> = (0..4)
        .map(|_| compare(&scenario(), &with_commit("committed"), &real))
        .collect();
    settle_races(&mut rows, &others);
    let in_the_end = rows
        .iter()
        .find(|r| r.quantity == "write x=1: committed in the end")
        .expect("a row for every write");
    assert_eq!(in_the_end.verdict, Verdict::Race, "{rows:#?}");
}

#[test]
fn a_scenario_with_races_is_listed_as_such_not_as_agreeing() {
    let real = vec![result(400, 4200, "committed")];
    let mut rows = compare(&scenario(), &result(4000, 4400, "committed"), &real);
    let others = vec![compare(&scenario(), &result(450, 4400, "committed"), &real)];
    settle_races(&mut rows, &others);
    let report = ScenarioReport {
        name: "racy".into(),
        source: "generated".into(),
        scenario_json: None,
        tolerance_ms: 300,
        election_tolerance_ms: 1300,
        runs: 1,
        rows: Ok(rows),
    };
    assert_eq!((report.disagreements(), report.races()), (0, 1));
    let text = markdown(&[report], "test");
    assert!(text.contains("**0 of 1 scenarios agree; 1 more agree but for races.**"));
    assert!(text.contains("| 0 | 1 | race |"), "{text}");
    assert!(text.contains("(other seeds: 1 of 1 agree) |"), "{text}");
}

#[test]
fn counts_get_ten_percent_or_at_least_one() {
    assert_eq!(count_row("c".into(), 3, &[2, 2]).verdict, Verdict::Agree);
    assert_eq!(count_row("c".into(), 4, &[2, 2]).verdict, Verdict::Disagree);
    assert_eq!(count_row("c".into(), 0, &[2, 2]).verdict, Verdict::Disagree);
    assert_eq!(count_row("c".into(), 33, &[28, 30]).verdict, Verdict::Agree);
    assert_eq!(
        count_row("c".into(), 34, &[28, 30]).verdict,
        Verdict::Disagree
    );
}

#[test]
fn something_that_never_happens_agrees_only_with_never() {
    let row = time_row("x".into(), None, &[None, Some(5)], 10);
    assert_eq!(row.verdict, Verdict::Agree);
    let row = time_row("x".into(), None, &[Some(5), Some(6)], 10);
    assert_eq!(row.verdict, Verdict::Disagree);
    let row = time_row("x".into(), Some(5), &[None, None], 10);
    assert_eq!(row.verdict, Verdict::Disagree);
}

#[test]
fn the_report_names_every_scenario_and_its_verdict() {
    let rows = compare(
        &scenario(),
        &result(500, 4300, "committed"),
        &[result(400, 4200, "committed")],
    );
    let report = ScenarioReport {
        name: "leader-failure".into(),
        source: "slides/scenarios/leader-failure.json".into(),
        scenario_json: None,
        tolerance_ms: 300,
        election_tolerance_ms: 1300,
        runs: 1,
        rows: Ok(rows),
    };
    let text = markdown(&[report], "How: test.");
    assert!(text.contains("**1 of 1 scenarios agree; 0 more agree but for races.**"));
    assert!(text.contains("## leader-failure"));
    assert!(text.contains("| leaders elected | 2 | 2 | agree |"));
}

#[test]
fn a_generated_scenario_keeps_its_json_out_of_the_summary_table() {
    let report = ScenarioReport {
        name: "gen-00".into(),
        source: "generated (seed 1, placement 3-0, crash-leader)".into(),
        scenario_json: Some("{}".into()),
        tolerance_ms: 300,
        election_tolerance_ms: 1300,
        runs: 1,
        rows: Ok(Vec::new()),
    };
    let text = markdown(&[report], "How: test.");
    let table_row = text
        .lines()
        .find(|line| line.starts_with("| [gen-00]"))
        .expect("a summary row");
    assert!(table_row.contains("generated (seed 1, placement 3-0, crash-leader) |"));
    assert!(!table_row.contains("details"), "{table_row}");
    assert!(text.contains("<details><summary>scenario</summary>"));
}
