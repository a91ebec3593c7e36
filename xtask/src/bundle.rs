//! The frontend bundle: wasm32 build of the app and of the widgets module, wasm-bindgen
//! as a library call, wasm-opt, then content-hashed files and a manifest in `target/dist/`.
//!
//! Both modules build with the `wasm-release` profile, unstripped (wasm-bindgen reads the
//! `target_features` section), then `wasm-opt -Oz` strips them. `manifest.json` names the
//! four files (`js`, `wasm`, `widgets_js`, `widgets_wasm`) and the fonts. Bindgen and
//! wasm-opt are skipped when neither compiled WASM changed.

use std::path::{Path, PathBuf};
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

/// The two WASM modules: the app, and the widgets with the simulations (loaded by the app
/// when a slide needs them). Each is `(cargo package, name prefix in assets/)`.
const MODULES: [(&str, &str); 2] = [("frontend", "raftdeck"), ("widgets", "raftdeck-widgets")];

/// Builds the bundle into `workspace.dist()`, skipping bindgen and wasm-opt when the
/// compiled WASM has not changed since the last run.
pub fn build_bundle(workspace: &Workspace) -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    step("building the frontend and the widgets (wasm32, profile wasm-release)");
    let mut cargo = workspace.cargo();
    cargo.args([
        "build",
        "--profile",
        WASM_PROFILE,
        "--target",
        "wasm32-unknown-unknown",
    ]);
    for (package, _) in MODULES {
        cargo.args(["-p", package]);
    }
    run(&mut cargo)?;
    let compiled_dir = workspace
        .target
        .join("wasm32-unknown-unknown")
        .join(WASM_PROFILE);
    let mut input_hash = String::new();
    for (package, _) in MODULES {
        let compiled = compiled_dir.join(format!("{package}.wasm"));
        let bytes = std::fs::read(&compiled)
            .with_context(|| format!("cannot read {}", compiled.display()))?;
        input_hash.push_str(&format!("{:016x}", fnv1a(&bytes)));
    }
    let dist = workspace.dist();
    let stamp_path = dist.join(".input-hash");
    if std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(input_hash.as_str())
        && dist.join("manifest.json").is_file()
    {
        step("bundle up to date");
        return write_fonts(workspace, &dist);
    }

    let bindgen_out = workspace.target.join("bindgen");
    std::fs::create_dir_all(&bindgen_out)?;
    let wasm_opt = tools::wasm_opt(&workspace.tools());
    let mut outputs = Vec::new();
    for (package, _) in MODULES {
        step(&format!(
            "generating the JS glue of `{package}` (wasm-bindgen, as a library)"
        ));
        wasm_bindgen_cli_support::Bindgen::new()
            .input_path(compiled_dir.join(format!("{package}.wasm")))
            .web(true)?
            .omit_default_module_path(false)
            .generate(&bindgen_out)
            .with_context(|| format!("wasm-bindgen failed on `{package}`"))?;
        let glue_wasm = bindgen_out.join(format!("{package}_bg.wasm"));
        let glue_js = bindgen_out.join(format!("{package}.js"));
        let wasm_path = match &wasm_opt {
            Some(wasm_opt) => {
                step(&format!("wasm-opt -Oz `{package}`"));
                let optimized = bindgen_out.join(format!("{package}_opt.wasm"));
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
        outputs.push((wasm_path, glue_js));
    }
    write_dist(&dist, &outputs)?;
    std::fs::write(&stamp_path, input_hash)?;
    write_fonts(workspace, &dist)
}

/// Cuts the talk's fonts into `dist/assets/` (see `fonts`), drops older cuts, and lists
/// them in the manifest's `fonts`.
fn write_fonts(workspace: &Workspace, dist: &Path) -> anyhow::Result<()> {
    let assets = dist.join("assets");
    let fonts = crate::fonts::build_fonts(workspace, &assets)?;
    for entry in std::fs::read_dir(&assets)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with("raftdeck-sans-") && !fonts.iter().any(|font| font.file == name) {
            std::fs::remove_file(assets.join(&name))?;
        }
    }
    let manifest_path = dist.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path)?)
            .context("the bundle manifest is not JSON")?;
    manifest["fonts"] = fonts
        .iter()
        .map(|font| serde_json::json!({ "file": font.file, "weight": font.weight }))
        .collect();
    let text = format!("{}\n", serde_json::to_string_pretty(&manifest)?);
    if std::fs::read_to_string(&manifest_path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(&manifest_path, text)?;
    }
    Ok(())
}

/// Copies each module's files (`outputs`, in [`MODULES`] order: optimized wasm, JS glue)
/// under content-hashed names and writes the manifest.
fn write_dist(dist: &Path, outputs: &[(PathBuf, PathBuf)]) -> anyhow::Result<()> {
    let assets = dist.join("assets");
    if assets.exists() {
        std::fs::remove_dir_all(&assets)?;
    }
    std::fs::create_dir_all(&assets)?;
    let mut names = Vec::new();
    for ((_, prefix), (wasm_path, js_path)) in MODULES.iter().zip(outputs) {
        let wasm = std::fs::read(wasm_path)?;
        let js = std::fs::read(js_path)?;
        let wasm_name = format!("{prefix}-{:016x}.wasm", fnv1a(&wasm));
        let js_name = format!("{prefix}-{:016x}.js", fnv1a(&js));
        std::fs::write(assets.join(&wasm_name), &wasm)?;
        std::fs::write(assets.join(&js_name), &js)?;
        step(&format!(
            "bundle: {wasm_name} ({} KiB), {js_name} ({} KiB)",
            wasm.len() / 1024,
            js.len() / 1024
        ));
        names.push((js_name, wasm_name));
    }
    let manifest = serde_json::json!({
        "js": names[0].0,
        "wasm": names[0].1,
        "widgets_js": names[1].0,
        "widgets_wasm": names[1].1,
    });
    let manifest = format!("{}\n", serde_json::to_string_pretty(&manifest)?);
    std::fs::write(dist.join("manifest.json"), manifest)?;
    step(&format!("bundle: {}", dist.display()));
    Ok(())
}
