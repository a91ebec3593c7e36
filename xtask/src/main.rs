//! `cargo xtask`: build orchestration for raftdeck (the matklad xtask pattern).
//!
//! Tasks: `build` (WASM bundle + release server), `serve` (build, then `raftdeck serve`),
//! `test` (format, lints, unit tests, browser tests, a subset of `raftdeck verify-etcd`),
//! `bench` and `soak` (BENCHMARKS.md), `fuzz` (libFuzzer on nightly). Each task is one
//! function; no shell scripts. External tools are installed on demand from package
//! registries only: the wasm32 target (rustup), `binaryen` (npm, for wasm-opt),
//! `playwright-core` (npm), and Debian's `chromium`, `poppler-utils` and etcd (apt-get,
//! when root).
//!
//! `test` adds the libFuzzer pass only with `RAFTDECK_TEST_FUZZ=1` and a nightly
//! toolchain: building the targets with nightly the first time took up to 26 minutes on
//! 2 busy cores, past a cold CI run's budget. The stable pass always runs.

mod bench;
mod bundle;
mod fanout;
mod fonts;
mod fuzz;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{bail, Context};

const USAGE: &str = "\
usage: cargo xtask <task> [args…]

tasks:
  build            build the WASM bundle and the release `raftdeck` binary
  serve [ARGS…]    build, then run `raftdeck serve ARGS…` (http://127.0.0.1:8080);
                   with --live-etcd, installs etcd first when missing
  test             every check: fmt, clippy (native + wasm), cargo test, browser tests
  bench [--only fanout]
                   measure speed and size in release; writes BENCHMARKS.md
                   (`--only fanout`: just the sync fan-out section)
  fuzz [--seconds N] [--target T]
                   each fuzz target (or T) for N seconds (default 60) with cargo fuzz
                   on nightly; installs cargo-fuzz into .tools/ when missing
  verify-etcd [ARGS…]
                   every etcd scenario on the simulation and on a real local etcd
                   cluster (installed with apt-get when missing), side by side in
                   REAL-ETCD.md; ARGS go to `raftdeck verify-etcd` (--runs, --only…)
  soak [--schedules N] [--start S]
                   N random Raft fault schedules (default 1,000,000); records the result
";

fn main() -> ExitCode {
    let outcome = try_main();
    // Said on failure too: the step that failed is the last line.
    print_step_times();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn try_main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    let workspace = Workspace::locate()?;
    match task.as_deref() {
        Some("build") => build(&workspace).map(|_| ()),
        Some("serve") => serve(&workspace, &rest),
        Some("test") => test(&workspace),
        Some("bench") => bench::bench(&workspace, &rest),
        Some("soak") => bench::soak(&workspace, &rest),
        Some("verify-etcd") => verify_etcd(&workspace, &rest),
        Some("fuzz") => fuzz::fuzz(&workspace, &rest),
        Some("help" | "--help" | "-h") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task `{other}`\n{USAGE}"),
    }
}

/// Paths of the workspace and its build outputs.
pub struct Workspace {
    /// The workspace root (holds Cargo.toml, slides/, static/).
    pub root: PathBuf,
    /// Cargo's target directory (honours `CARGO_TARGET_DIR`).
    pub target: PathBuf,
}

impl Workspace {
    fn locate() -> anyhow::Result<Workspace> {
        let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .context("xtask is not inside the workspace")?
            .to_path_buf();
        let target = match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
            Some(dir) => root.join(dir),
            None => root.join("target"),
        };
        Ok(Workspace { root, target })
    }

    /// Where the frontend bundle goes (served by `raftdeck serve`).
    pub fn dist(&self) -> PathBuf {
        self.target.join("dist")
    }

    /// Git-ignored folder for tools installed on demand (binaryen).
    pub fn tools(&self) -> PathBuf {
        self.root.join(".tools")
    }

    /// A `cargo` command run from the workspace root.
    pub fn cargo(&self) -> Command {
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command.current_dir(&self.root);
        command
    }
}

/// Runs `command`, failing with its description when it does not succeed.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let description = format!("{command:?}");
    let status = command
        .status()
        .with_context(|| format!("cannot start {description}"))?;
    if !status.success() {
        bail!("{description} failed ({status})");
    }
    Ok(())
}

/// Prints a progress line, prefixed so it stands out from cargo's output.
pub fn step(message: &str) {
    eprintln!("\x1b[1;34mxtask:\x1b[0m {message}");
    if let Ok(mut steps) = STEPS.lock() {
        steps.push((message.to_owned(), Instant::now()));
    }
}

/// Every step said so far and when it began: the time a step took is the gap to the
/// next one, so a slow CI run says where its minutes went.
static STEPS: Mutex<Vec<(String, Instant)>> = Mutex::new(Vec::new());

/// The time each step took, longest steps easy to spot (only when there were steps).
fn print_step_times() {
    let Ok(steps) = STEPS.lock() else {
        return;
    };
    if steps.len() < 2 {
        return;
    }
    let now = Instant::now();
    eprintln!("\x1b[1;34mxtask:\x1b[0m time per step");
    for (index, (message, began)) in steps.iter().enumerate() {
        let ended = steps.get(index + 1).map_or(now, |(_, next)| *next);
        let title: String = message.chars().take(70).collect();
        eprintln!("  {:>7.1} s  {title}", (ended - *began).as_secs_f64());
    }
    eprintln!("  {:>7.1} s  in all", (now - steps[0].1).as_secs_f64());
}

/// Builds the bundle and the release server; returns the server binary path.
fn build(workspace: &Workspace) -> anyhow::Result<PathBuf> {
    bundle::build_bundle(workspace)?;
    step("building the release `raftdeck` binary");
    run(workspace
        .cargo()
        .args(["build", "--release", "-p", "server", "--bin", "raftdeck"]))?;
    Ok(workspace.target.join("release").join(exe("raftdeck")))
}

fn serve(workspace: &Workspace, args: &[String]) -> anyhow::Result<()> {
    if args.iter().any(|arg| arg == "--live-etcd") {
        tools::ensure_etcd()?;
    }
    let binary = build(workspace)?;
    step("starting `raftdeck serve` (Ctrl-C stops it)");
    let mut command = Command::new(&binary);
    command
        .arg("serve")
        .args(args)
        .env("RAFTDECK_DIST", workspace.dist())
        .current_dir(&workspace.root);
    run(&mut command)
}

/// The talk's scenarios that `cargo xtask test` runs on real etcd (about 2 minutes):
/// a leader lost, a minority leader partitioned away, a majority lost, and a 2 + 2
/// split whose pending writes commit once healed. The sites-far-apart scenarios stay
/// in the full `cargo xtask verify-etcd` (REAL-ETCD.md), where their disagreements are
/// listed.
const VERIFY_SUBSET: &str = "leader-failure,partition-minority-leader,majority-failure,split-2-2";

fn verify_etcd(workspace: &Workspace, args: &[String]) -> anyhow::Result<()> {
    tools::ensure_etcd()?;
    step("building the `raftdeck` binary");
    run(workspace
        .cargo()
        .args(["build", "-p", "server", "--bin", "raftdeck"]))?;
    let server = workspace.target.join("debug").join(exe("raftdeck"));
    step("comparing the simulation with real etcd (Ctrl-C stops every member)");
    run(Command::new(server)
        .arg("verify-etcd")
        .args(args)
        .current_dir(&workspace.root))
}

fn test(workspace: &Workspace) -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    // The real-etcd tests (realetcd, server) start local etcd clusters.
    tools::ensure_etcd()?;
    step("cargo fmt --check");
    run(workspace.cargo().args(["fmt", "--all", "--", "--check"]))?;
    step("cargo clippy (native)");
    run(workspace.cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The server without its default `png` feature (no resvg) must still build and
    // lint clean, tests included: nothing else compiles that combination.
    step("cargo clippy (server, no default features)");
    run(workspace.cargo().args([
        "clippy",
        "-p",
        "server",
        "--no-default-features",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    step("cargo clippy (wasm32)");
    run(workspace.cargo().args([
        "clippy",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "frontend",
        "-p",
        "widgets",
        "-p",
        "scene",
        "-p",
        "sim",
        "-p",
        "deck",
        "--",
        "-D",
        "warnings",
    ]))?;
    step("cargo test --workspace");
    run(workspace.cargo().args(["test", "--workspace"]))?;
    fuzz::stable_pass(workspace)?;
    // The libFuzzer pass is opt-in: building every target with nightly and sanitizers
    // took up to 26 minutes on 2 busy cores, which would push a cold CI run past its
    // budget. The stable pass above runs the same targets on every test run.
    match std::env::var("RAFTDECK_TEST_FUZZ").ok().as_deref() {
        Some("1") if fuzz::nightly_available() => {
            fuzz::fuzz(workspace, &["--seconds".to_owned(), "10".to_owned()])?;
        }
        Some("1") => step("RAFTDECK_TEST_FUZZ=1 but no nightly toolchain: cargo-fuzz pass skipped"),
        _ => step(
            "cargo-fuzz pass skipped (set RAFTDECK_TEST_FUZZ=1 to add 10 s per target on nightly)",
        ),
    }
    bundle::build_bundle(workspace)?;
    // The binary `cargo test --workspace` built for the server's integration tests:
    // `cargo build -p server` would resolve features for the server alone and rebuild
    // tokio, axum and the server with them (46 s of a cold CI run). Asking again, with
    // nothing to rebuild, makes Cargo put that binary back at target/debug/raftdeck.
    step("the `raftdeck` binary for the browser tests (built by `cargo test --workspace`)");
    run(workspace
        .cargo()
        .args(["test", "--workspace", "--no-run", "--quiet"]))?;
    let server = workspace.target.join("debug").join(exe("raftdeck"));
    browser_tests(workspace, &server)?;
    step("the simulation against real etcd: a subset of the talk's scenarios");
    let report = workspace.target.join("REAL-ETCD-subset.md");
    run(Command::new(&server)
        .args([
            "verify-etcd",
            "--generated",
            "0",
            "--runs",
            "5",
            "--jobs",
            "4",
        ])
        .arg("--only")
        .arg(VERIFY_SUBSET)
        .arg("--out")
        .arg(&report)
        .current_dir(&workspace.root))
}

fn browser_tests(workspace: &Workspace, server: &Path) -> anyhow::Result<()> {
    let node = tools::ensure_node()?;
    let chromium = tools::ensure_chromium()?;
    let tests_dir = workspace.root.join("browser-tests");
    tools::ensure_npm_packages(&tests_dir)?;
    step("browser tests (headless Chromium)");
    // Every `tests/*.test.mjs`, `live.test.mjs` included: it serves with `--live-etcd`
    // and needs the real etcd that `test` ensured before anything else.
    let mut command = Command::new(node);
    command
        .current_dir(&tests_dir)
        .args(["--test", "--test-concurrency=1"])
        .arg("tests/")
        .env("RAFTDECK_BIN", server)
        .env("RAFTDECK_DIST", workspace.dist())
        .env("RAFTDECK_DECK", &workspace.root)
        .env("CHROMIUM", chromium);
    run(&mut command)
}

/// A binary's file name on this platform.
pub fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}
