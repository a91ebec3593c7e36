//! `raftdeck real`: an etcd scenario on a real local etcd cluster, with the same result
//! JSON as `raftdeck sim`; Ctrl-C stops every member before exiting.

use std::path::Path;
use std::process::ExitCode;

use realetcd::verdict::{compare, Row, OTHER_SEEDS};
use realetcd::{EtcdBinaries, RunError, RunOptions, RunResult};

/// Reads and checks an `etcd` scenario for a real run; the message names the file and
/// the JSON path.
pub fn load_scenario(path: &Path) -> Result<sim::Scenario, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("{}: cannot read: {error}", path.display()))?;
    let scenario = match sim::parse_any(&text) {
        Ok(sim::AnyScenario::Etcd(scenario)) => scenario,
        Ok(_) => {
            return Err(format!(
                "{}: $.system: `raftdeck real` runs `etcd` scenarios only",
                path.display()
            ))
        }
        Err(error) => return Err(format!("{}: {error}", path.display())),
    };
    realetcd::check_expressible(&scenario)
        .map_err(|error| format!("{}: {error}", path.display()))?;
    Ok(scenario)
}

/// Runs `scenario` `runs` times on real etcd, one after the other; stops at Ctrl-C.
pub fn run_many(
    scenario: &sim::Scenario,
    binaries: &EtcdBinaries,
    runs: u32,
) -> anyhow::Result<Vec<RunResult>> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let options = RunOptions {
        binaries: binaries.clone(),
    };
    runtime.block_on(async {
        let mut results = Vec::new();
        for _ in 0..runs {
            tokio::select! {
                outcome = realetcd::run(scenario, &options) => results.push(outcome?),
                _ = tokio::signal::ctrl_c() => {
                    // Dropping the run kills its members and removes its folders.
                    anyhow::bail!(Interrupted);
                }
            }
        }
        Ok(results)
    })
}

/// The user pressed Ctrl-C.
#[derive(Debug, thiserror::Error)]
#[error("interrupted: every etcd member was stopped")]
pub struct Interrupted;

/// `raftdeck real SCENARIO [--etcd PATH] [--runs N]`.
pub fn run_real(path: &Path, etcd: Option<&Path>, runs: u32) -> anyhow::Result<ExitCode> {
    let scenario = match load_scenario(path) {
        Ok(scenario) => scenario,
        Err(message) => {
            eprintln!("raftdeck: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    let binaries = EtcdBinaries::locate(etcd)?;
    match run_many(&scenario, &binaries, runs) {
        Ok(results) if results.len() == 1 => say!("{}", results[0].to_json()),
        Ok(results) => say!(
            "{}",
            serde_json::to_string_pretty(&results).unwrap_or_default()
        ),
        Err(error) if error.is::<Interrupted>() => {
            eprintln!("raftdeck: {error}");
            return Ok(ExitCode::from(130));
        }
        Err(error) => {
            if let Some(RunError::MemberFailed { .. }) = error.downcast_ref::<RunError>() {
                eprintln!("raftdeck: {}: {error}", path.display());
                return Ok(ExitCode::FAILURE);
            }
            return Err(error);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `raftdeck verify-etcd` compares and where it writes.
#[derive(Clone, Debug)]
pub struct VerifyConfig {
    /// The talk's scenarios (every `etcd` one is compared).
    pub scenarios_dir: std::path::PathBuf,
    /// How many generated scenarios to add.
    pub generated: u32,
    /// Their seed.
    pub seed: u64,
    /// Real runs per scenario.
    pub runs: u32,
    /// Real clusters running at once.
    pub jobs: u32,
    /// Only these scenarios (file stems or generated names); empty: all.
    pub only: Vec<String>,
    /// The report to write.
    pub out: std::path::PathBuf,
    /// The etcd binary or its folder.
    pub etcd: Option<std::path::PathBuf>,
}

struct Candidate {
    name: String,
    source: String,
    /// A generated scenario's JSON, for the report.
    scenario_json: Option<String>,
    scenario: Result<sim::Scenario, String>,
}

fn candidates(config: &VerifyConfig) -> anyhow::Result<Vec<Candidate>> {
    let wanted = |name: &str| config.only.is_empty() || config.only.iter().any(|o| o == name);
    let mut list = Vec::new();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&config.scenarios_dir)
        .map_err(|error| anyhow::anyhow!("{}: {error}", config.scenarios_dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for path in files {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path)?;
        // Only etcd scenarios have a real counterpart here.
        if !matches!(
            sim::parse_any(&text),
            Ok(sim::AnyScenario::Etcd(_)) | Err(_)
        ) || !wanted(&stem)
        {
            continue;
        }
        list.push(Candidate {
            name: stem,
            source: format!("`{}`", path.display()),
            scenario_json: None,
            scenario: load_scenario(&path),
        });
    }
    for generated in realetcd::generate::generate(config.seed, config.generated) {
        if !wanted(&generated.name) {
            continue;
        }
        list.push(Candidate {
            name: generated.name.clone(),
            source: format!(
                "generated (seed {}, placement {}, {})",
                config.seed, generated.placement, generated.fault
            ),
            scenario_json: Some(generated.json.clone()),
            scenario: sim::parse_scenario(&generated.json)
                .map_err(|error| error.to_string())
                .and_then(|s| {
                    realetcd::check_expressible(&s).map_err(|e| e.to_string())?;
                    Ok(s)
                }),
        });
    }
    if list.is_empty() {
        anyhow::bail!("no etcd scenario matched");
    }
    Ok(list)
}

/// `raftdeck verify-etcd`: every etcd scenario on the simulation and on real etcd, side
/// by side in a Markdown report; exit 0 when every scenario agrees, 1 otherwise.
pub fn verify(config: &VerifyConfig) -> anyhow::Result<ExitCode> {
    use realetcd::verdict::{markdown, settle_races, time_tolerance_ms, ScenarioReport, Verdict};
    let binaries = EtcdBinaries::locate(config.etcd.as_deref())?;
    let list = candidates(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let started = std::time::Instant::now();
    let total = list.iter().filter(|c| c.scenario.is_ok()).count() * config.runs as usize;
    let outcome = runtime.block_on(async {
        let options = RunOptions {
            binaries: binaries.clone(),
        };
        let semaphore =
            std::sync::Arc::new(tokio::sync::Semaphore::new(config.jobs.max(1) as usize));
        let mut jobs = tokio::task::JoinSet::new();
        for (position, candidate) in list.iter().enumerate() {
            let Ok(scenario) = &candidate.scenario else {
                continue;
            };
            for run in 0..config.runs {
                let scenario = scenario.clone();
                let options = options.clone();
                let semaphore = semaphore.clone();
                jobs.spawn(async move {
                    let _permit = semaphore.acquire_owned().await;
                    // A member that fails to start (a port taken meanwhile) gets one retry.
                    let mut outcome = realetcd::run(&scenario, &options).await;
                    if outcome.is_err() {
                        outcome = realetcd::run(&scenario, &options).await;
                    }
                    (position, run, outcome.map_err(|error| error.to_string()))
                });
            }
        }
        let mut results: Vec<Vec<Result<RunResult, String>>> =
            list.iter().map(|_| Vec::new()).collect();
        let mut done = 0;
        loop {
            tokio::select! {
                next = jobs.join_next() => {
                    let Some(joined) = next else { break };
                    let (position, run, outcome) = joined?;
                    done += 1;
                    eprintln!(
                        "raftdeck: [{done}/{total}] {} run {} {} ({:.0} s elapsed)",
                        list[position].name,
                        run + 1,
                        if outcome.is_ok() { "done" } else { "FAILED" },
                        started.elapsed().as_secs_f64()
                    );
                    results[position].push(outcome);
                }
                _ = tokio::signal::ctrl_c() => anyhow::bail!(Interrupted),
            }
        }
        Ok(results)
    });
    let results = match outcome {
        Ok(results) => results,
        Err(error) if error.is::<Interrupted>() => {
            eprintln!("raftdeck: {error}");
            return Ok(ExitCode::from(130));
        }
        Err(error) => return Err(error),
    };
    let mut reports = Vec::new();
    for (candidate, runs) in list.iter().zip(results) {
        let rows = match &candidate.scenario {
            Err(reason) => Err(reason.clone()),
            Ok(scenario) => match (
                RunResult::of_simulation(scenario),
                runs.iter().find_map(|r| r.as_ref().err()),
            ) {
                (Err(error), _) => Err(format!("simulation result unreadable: {error}")),
                (_, Some(failure)) => Err(format!("a real run failed: {failure}")),
                (Ok(sim_result), None) => {
                    let real: Vec<RunResult> = runs.into_iter().filter_map(Result::ok).collect();
                    let mut rows = compare(scenario, &sim_result, &real);
                    settle_races(&mut rows, &other_seed_rows(scenario, &real));
                    Ok(rows)
                }
            },
        };
        reports.push(ScenarioReport {
            name: candidate.name.clone(),
            source: candidate.source.clone(),
            scenario_json: candidate.scenario_json.clone(),
            tolerance_ms: candidate.scenario.as_ref().map_or(0, time_tolerance_ms),
            election_tolerance_ms: candidate
                .scenario
                .as_ref()
                .map_or(0, realetcd::verdict::election_tolerance_ms),
            runs: config.runs as usize,
            rows,
        });
    }
    let how = format!(
        "Written by `cargo xtask verify-etcd` (`raftdeck verify-etcd --runs {} --jobs {} --generated {} --seed {}{}`) on {}, in {:.0} s: each scenario runs once in the simulation and {} times on a real cluster of local {} processes (Debian `etcd-server`), at most {} clusters at a time, every peer link through raftdeck's in-process proxies. Rerun it after any change to `sim/`.",
        config.runs,
        config.jobs,
        config.generated,
        config.seed,
        if config.only.is_empty() { String::new() } else { format!(" --only {}", config.only.join(",")) },
        realetcd::observe::format_utc(now_ms()),
        started.elapsed().as_secs_f64(),
        config.runs,
        etcd_version(&binaries),
        config.jobs,
    );
    std::fs::write(&config.out, markdown(&reports, &how))
        .map_err(|error| anyhow::anyhow!("{}: {error}", config.out.display()))?;
    let agreeing = reports.iter().filter(|r| r.agrees()).count();
    let racing = reports
        .iter()
        .filter(|r| r.agrees() && r.races() > 0)
        .count();
    say!(
        "raftdeck: {}: {} of {} scenarios agree with real etcd, {racing} more but for races",
        config.out.display(),
        agreeing - racing,
        reports.len()
    );
    for report in reports.iter().filter(|r| !r.agrees() || r.races() > 0) {
        match &report.rows {
            Err(reason) => say!(
                "  {}: not compared: {}",
                report.name,
                reason.lines().next().unwrap_or("")
            ),
            Ok(rows) => {
                for row in rows.iter().filter(|r| r.verdict != Verdict::Agree) {
                    let verdict = if row.verdict == Verdict::Race {
                        "race"
                    } else {
                        "disagree"
                    };
                    say!(
                        "  {}: {verdict}: {}: simulation {} / real {}",
                        report.name,
                        row.quantity,
                        row.sim,
                        row.real
                    );
                }
            }
        }
    }
    Ok(if agreeing == reports.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The rows of a scenario compared for [`OTHER_SEEDS`] other seeds (seed + 1, + 2…),
/// which tell a race from a modelling error ([`settle_races`]).
fn other_seed_rows(scenario: &sim::Scenario, real: &[RunResult]) -> Vec<Vec<Row>> {
    (1..=OTHER_SEEDS)
        .filter_map(|offset| {
            let mut other = scenario.clone();
            other.seed = scenario.seed.wrapping_add(offset);
            let result = RunResult::of_simulation(&other).ok()?;
            Some(compare(&other, &result, real))
        })
        .collect()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn etcd_version(binaries: &EtcdBinaries) -> String {
    std::process::Command::new(&binaries.etcd)
        .arg("--version")
        .output()
        .ok()
        .and_then(|output| {
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .next()
                .map(|line| line.trim().replace("etcd Version: ", "etcd "))
        })
        .unwrap_or_else(|| "etcd".to_string())
}
