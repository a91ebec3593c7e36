//! External tools, installed on demand from package registries (never a binary download).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

use crate::{run, step};

/// The npm package providing a `wasm-opt` that parses current rustc output (Debian's
/// binaryen 108 cannot).
const BINARYEN_PACKAGE: &str = "binaryen@132.0.0";

/// Makes sure rustup has the wasm32 target, with self-update disabled first: a rustup
/// self-update here once replaced rustup with an older version.
pub fn ensure_wasm_target() -> anyhow::Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("cannot run rustup: install the Rust toolchain with rustup")?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    step("installing the wasm32-unknown-unknown target (rustup)");
    run(Command::new("rustup").args(["set", "auto-self-update", "disable"]))?;
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs Debian packages when running as root; otherwise explains what to install.
fn apt_install(packages: &[&str], why: &str) -> anyhow::Result<()> {
    if !is_root() || on_path("apt-get").is_none() {
        bail!(
            "{why} is missing: install the Debian package(s) `{}` (apt-get install {})",
            packages.join(" "),
            packages.join(" ")
        );
    }
    step(&format!("installing {} with apt-get", packages.join(" ")));
    run(Command::new("apt-get").arg("update").stdout(Stdio::null()))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null()))
}

/// The Chromium used by browser tests: `$CHROMIUM`, else Debian's `chromium`. The
/// browser tests that check `raftdeck pdf` also need poppler's tools, installed here so
/// every caller of the browser tests gets them.
pub fn ensure_chromium() -> anyhow::Result<PathBuf> {
    ensure_poppler()?;
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Ok(PathBuf::from(path));
    }
    if let Some(path) = on_path("chromium") {
        return Ok(path);
    }
    apt_install(&["chromium"], "Chromium (for the browser tests)")?;
    on_path("chromium").context("chromium was installed but is not on PATH")
}

/// etcd 3.4 and its client (Debian's `etcd-server` and `etcd-client`): the real cluster
/// the simulation is checked against (`raftdeck real`, `verify-etcd`).
pub fn ensure_etcd() -> anyhow::Result<()> {
    if on_path("etcd").is_some() && on_path("etcdctl").is_some() {
        return Ok(());
    }
    apt_install(
        &["etcd-server", "etcd-client"],
        "etcd (the real cluster the simulation is checked against)",
    )?;
    on_path("etcd")
        .map(drop)
        .context("etcd-server was installed but etcd is not on PATH")
}

/// poppler's `pdfinfo`, `pdftotext` and `pdftoppm` (Debian's `poppler-utils`): the
/// browser tests read the PDFs `raftdeck pdf` writes with them.
pub fn ensure_poppler() -> anyhow::Result<()> {
    if ["pdfinfo", "pdftotext", "pdftoppm"]
        .iter()
        .all(|tool| on_path(tool).is_some())
    {
        return Ok(());
    }
    apt_install(
        &["poppler-utils"],
        "poppler's pdftotext (for the PDF browser tests)",
    )?;
    on_path("pdftotext")
        .map(drop)
        .context("poppler-utils was installed but pdftotext is not on PATH")
}

/// Node.js, for the browser tests and for npm.
pub fn ensure_node() -> anyhow::Result<PathBuf> {
    if let Some(path) = on_path("node") {
        if on_path("npm").is_some() {
            return Ok(path);
        }
    }
    apt_install(&["nodejs", "npm"], "Node.js (for the browser tests)")?;
    on_path("node").context("node was installed but is not on PATH")
}

/// Installs the npm packages of `dir` from its lock file when they are missing or the
/// lock changed since the last install.
pub fn ensure_npm_packages(dir: &Path) -> anyhow::Result<()> {
    let lock = std::fs::read(dir.join("package-lock.json"))
        .with_context(|| format!("{}: package-lock.json is missing", dir.display()))?;
    let stamp_path = dir.join("node_modules").join(".raftdeck-lock-hash");
    let wanted = format!("{:016x}", crate::bundle::fnv1a(&lock));
    if std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    step(&format!("npm ci in {}", dir.display()));
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir))?;
    std::fs::write(&stamp_path, wanted).context("cannot write the npm stamp")?;
    Ok(())
}

/// `wasm-opt` from the npm package `binaryen`, installed into the tools folder; `None`
/// (with a one-line warning) when npm is not available.
pub fn wasm_opt(tools_dir: &Path) -> Option<PathBuf> {
    let prefix = tools_dir.join("binaryen");
    let binary = prefix.join("node_modules").join(".bin").join("wasm-opt");
    if binary.is_file() {
        return Some(binary);
    }
    if on_path("npm").is_none() {
        eprintln!("xtask: warning: npm not found, skipping wasm-opt (the bundle will be larger)");
        return None;
    }
    step(&format!("installing {BINARYEN_PACKAGE} (npm) for wasm-opt"));
    let installed = std::fs::create_dir_all(&prefix).is_ok()
        && Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
            ])
            .arg(&prefix)
            .arg(BINARYEN_PACKAGE)
            .status()
            .map(|status| status.success())
            .unwrap_or(false);
    if installed && binary.is_file() {
        Some(binary)
    } else {
        eprintln!("xtask: warning: could not install {BINARYEN_PACKAGE}, skipping wasm-opt");
        None
    }
}
