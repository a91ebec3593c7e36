//! Functions exported to JavaScript for measurement and cross-checks, not used by the UI:
//! `cargo xtask bench` times the simulator inside Chromium with them, and the browser
//! tests compare the WASM trace hash of each scenario with the native one.

use wasm_bindgen::prelude::wasm_bindgen;

/// Milliseconds from the page's time origin (sub-millisecond where the browser allows).
fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or_else(js_sys::Date::now, |performance| performance.now())
}

/// The run hash of a scenario of any system (16 hex digits), or `error: …` for a bad
/// scenario. Must equal `raftdeck sim --hash` computed natively for the same text.
#[wasm_bindgen]
pub fn probe_trace_hash(scenario_json: &str) -> String {
    match sim::parse_any(scenario_json) {
        Ok(scenario) => format!("{:016x}", sim::models::scenario_hash(&scenario)),
        Err(error) => format!("error: {error}"),
    }
}

/// Runs RaftScope's workload for `simulated_seconds` and returns JSON figures, timed with
/// `performance.now()` around the run alone.
#[wasm_bindgen]
pub fn probe_bench_throughput(simulated_seconds: u32) -> String {
    let scenario = sim::workload::raftscope(u64::from(simulated_seconds));
    let started = now_ms();
    let stats = sim::workload::run(&scenario);
    let wall_ms = now_ms() - started;
    format!(
        "{{\"messages_delivered\":{},\"events\":{},\"simulated_ms\":{},\"wall_ms\":{wall_ms:.3}}}",
        stats.messages_delivered, stats.events, stats.simulated_ms
    )
}

/// Records a `simulated_seconds` RaftScope run with a checkpoint every second, then seeks
/// to `seeks` fixed pseudo-random instants; returns each seek's time (ms) as JSON.
#[wasm_bindgen]
pub fn probe_bench_seek(simulated_seconds: u32, seeks: u32) -> String {
    let scenario = sim::workload::raftscope(u64::from(simulated_seconds));
    let started = now_ms();
    let timeline = sim::workload::record(&scenario, 1000);
    let record_ms = now_ms() - started;
    let span = u64::from(simulated_seconds).max(1) * 1000;
    let mut instant: u64 = 12_345;
    let mut times = Vec::new();
    for _ in 0..seeks {
        instant = (instant * 7_919 + 104_729) % span;
        let started = now_ms();
        let reached = Some(sim::workload::seek(&timeline, instant).now_ms());
        let elapsed = now_ms() - started;
        if reached != Some(instant) {
            return format!("{{\"error\":\"seek to {instant} reached {reached:?}\"}}");
        }
        times.push(format!("{elapsed:.3}"));
    }
    format!(
        "{{\"record_ms\":{record_ms:.1},\"checkpoints\":{},\"seek_ms\":[{}]}}",
        timeline.len(),
        times.join(",")
    )
}
