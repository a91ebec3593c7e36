//! `cargo xtask fuzz --seconds N [--target T]`: every fuzz target (or T) under libFuzzer
//! for N seconds each, with `cargo fuzz` on the nightly toolchain.
//!
//! cargo-fuzz is installed on demand with `cargo install cargo-fuzz` into `.tools/`. The
//! committed seed corpus (`fuzz/corpus/<target>/`) is only read: new inputs go to
//! `<target dir>/fuzz/corpus/<target>/`, so a run never dirties the repository. Crashes
//! land in `fuzz/artifacts/<target>/` (git-ignored) and fail the task.
//! The stable twin of this pass is `fuzz/harness`'s tests, part of `cargo test --workspace`.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

use crate::{run, step, Workspace};

/// The fuzz targets (`fuzz/fuzz_targets/<name>.rs`).
pub const TARGETS: [&str; 5] = [
    "deck_chapter",
    "notes",
    "scenario",
    "sync_message",
    "widget_url",
];

/// Parses the options and runs the targets.
pub fn fuzz(workspace: &Workspace, args: &[String]) -> anyhow::Result<()> {
    let mut seconds: u64 = 60;
    let mut only: Option<String> = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{arg} needs a value"))
                .cloned()
        };
        match arg.as_str() {
            "--seconds" => {
                let text = value()?;
                seconds = text
                    .parse()
                    .with_context(|| format!("--seconds: `{text}` is not a number"))?;
            }
            "--target" => only = Some(value()?),
            other => bail!("unknown fuzz option `{other}` (expected --seconds N, --target T)"),
        }
    }
    let targets: Vec<&str> = match &only {
        Some(target) if TARGETS.contains(&target.as_str()) => vec![target.as_str()],
        Some(target) => bail!(
            "no fuzz target `{target}` (targets: {})",
            TARGETS.join(", ")
        ),
        None => TARGETS.to_vec(),
    };
    if !nightly_available() {
        bail!(
            "`cargo xtask fuzz` needs the nightly toolchain (`rustup toolchain install nightly`); \
             the stable pass of the same targets runs in `cargo xtask test`"
        );
    }
    let tools_bin = ensure_cargo_fuzz(workspace)?;
    for target in targets {
        run_target(workspace, &tools_bin, target, seconds)?;
    }
    Ok(())
}

/// Whether `rustup run nightly` works here.
pub fn nightly_available() -> bool {
    Command::new("rustup")
        .args(["run", "nightly", "rustc", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// What `cargo xtask test` adds for the fuzz targets: their stable pass (the same target
/// functions over the seed corpus and seeded mutations of it) is `fuzz/harness`'s tests,
/// run, linted and formatted with the workspace; the libFuzzer wrappers of `fuzz/`, outside
/// the workspace, only need their formatting checked (building them takes nightly).
pub fn stable_pass(workspace: &Workspace) -> anyhow::Result<()> {
    step("cargo fmt --check in fuzz/ (the libFuzzer wrappers)");
    run(workspace
        .cargo()
        .arg("fmt")
        .arg("--manifest-path")
        .arg(workspace.root.join("fuzz").join("Cargo.toml"))
        .args(["--", "--check"]))
}

/// Installs cargo-fuzz into `.tools/cargo-fuzz` unless it is there; returns its `bin/`.
fn ensure_cargo_fuzz(workspace: &Workspace) -> anyhow::Result<PathBuf> {
    let root = workspace.tools().join("cargo-fuzz");
    let bin = root.join("bin");
    if !bin.join(crate::exe("cargo-fuzz")).is_file() {
        step("installing cargo-fuzz into .tools/ (cargo install, once)");
        run(workspace
            .cargo()
            .args(["install", "cargo-fuzz", "--root"])
            .arg(&root))?;
    }
    Ok(bin)
}

fn run_target(
    workspace: &Workspace,
    tools_bin: &std::path::Path,
    target: &str,
    seconds: u64,
) -> anyhow::Result<()> {
    step(&format!(
        "cargo fuzz run {target} for {seconds} s (nightly)"
    ));
    let fuzz_target_dir = workspace.target.join("fuzz");
    let scratch = fuzz_target_dir.join("corpus").join(target);
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    let seeds = workspace.root.join("fuzz").join("corpus").join(target);
    let path = std::env::join_paths(std::iter::once(tools_bin.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .context("cannot build PATH for cargo-fuzz")?;
    let mut command = Command::new("rustup");
    command
        .current_dir(&workspace.root)
        .env("PATH", path)
        // Nightly artifacts apart from the stable ones, which they would otherwise evict.
        .env("CARGO_TARGET_DIR", &fuzz_target_dir)
        // The rustup proxy picks the toolchain; a `CARGO` inherited from stable would not.
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .args(["run", "nightly", "cargo", "fuzz", "run"])
        // Safe Rust: the bugs hunted are panics and broken error contracts, which need no
        // sanitizer; without one the build is faster and each run does more cases.
        .args(["--sanitizer", "none", "--debug-assertions", target])
        .arg(&scratch)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg("-timeout=20")
        .arg("-max_len=16384");
    run(&mut command).with_context(|| {
        format!("fuzz target `{target}` failed: the crashing input is in fuzz/artifacts/{target}/")
    })
}
