//! The frontend bundle: wasm32 build, wasm-bindgen as a library call, wasm-opt, then
//! content-hashed files and a manifest in `target/dist/`.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use crate::{run, step, tools, Workspace};

/// The Cargo profile tuned for a small WASM (see the workspace Cargo.toml).
const WASM_PROFILE: &str = "wasm-release";

/// FNV-1a, 64 bits: a content hash for cache-busting file names and build stamps (not a
/// security boundary, so no cryptographic hash crate is needed).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Builds the bundle into `workspace.dist()`, skipping bindgen and wasm-opt when the
/// compiled WASM has not changed since the last run.
pub fn build_bundle(workspace: &Workspace) -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    step("building the frontend (wasm32, profile wasm-release)");
    run(workspace.cargo().args([
        "build",
        "--profile",
        WASM_PROFILE,
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "frontend",
    ]))?;
    let compiled = workspace
        .target
        .join("wasm32-unknown-unknown")
        .join(WASM_PROFILE)
        .join("frontend.wasm");
    let compiled_bytes =
        std::fs::read(&compiled).with_context(|| format!("cannot read {}", compiled.display()))?;
    let dist = workspace.dist();
    let stamp_path = dist.join(".input-hash");
    let input_hash = format!("{:016x}", fnv1a(&compiled_bytes));
    if std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(input_hash.as_str())
        && dist.join("manifest.json").is_file()
    {
        step("bundle up to date");
        return Ok(());
    }

    step("generating the JS glue (wasm-bindgen, as a library)");
    let bindgen_out = workspace.target.join("bindgen");
    std::fs::create_dir_all(&bindgen_out)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&compiled)
        .web(true)?
        .omit_default_module_path(false)
        .generate(&bindgen_out)
        .context("wasm-bindgen failed")?;
    let glue_wasm = bindgen_out.join("frontend_bg.wasm");
    let glue_js = bindgen_out.join("frontend.js");

    let optimized = bindgen_out.join("frontend_opt.wasm");
    let wasm_path = match tools::wasm_opt(&workspace.tools()) {
        Some(wasm_opt) => {
            step("wasm-opt -Oz");
            run(Command::new(wasm_opt)
                .arg("-Oz")
                .arg("--enable-bulk-memory")
                .arg("--enable-nontrapping-float-to-int")
                .arg("--enable-sign-ext")
                .arg("--enable-mutable-globals")
                .arg(&glue_wasm)
                .arg("-o")
                .arg(&optimized))?;
            optimized
        }
        None => glue_wasm,
    };
    write_dist(&dist, &wasm_path, &glue_js)?;
    std::fs::write(&stamp_path, input_hash)?;
    Ok(())
}

/// Copies the files under content-hashed names and writes the manifest.
fn write_dist(dist: &Path, wasm_path: &Path, js_path: &Path) -> anyhow::Result<()> {
    let wasm = std::fs::read(wasm_path)?;
    let js = std::fs::read(js_path)?;
    let assets = dist.join("assets");
    if assets.exists() {
        std::fs::remove_dir_all(&assets)?;
    }
    std::fs::create_dir_all(&assets)?;
    let wasm_name = format!("raftdeck-{:016x}.wasm", fnv1a(&wasm));
    let js_name = format!("raftdeck-{:016x}.js", fnv1a(&js));
    std::fs::write(assets.join(&wasm_name), &wasm)?;
    std::fs::write(assets.join(&js_name), &js)?;
    let manifest = format!("{{\n  \"js\": \"{js_name}\",\n  \"wasm\": \"{wasm_name}\"\n}}\n");
    std::fs::write(dist.join("manifest.json"), manifest)?;
    step(&format!(
        "bundle: {} ({} KiB wasm, {} KiB js)",
        dist.display(),
        wasm.len() / 1024,
        js.len() / 1024
    ));
    Ok(())
}
