//! Native simulator benchmark, run by `cargo xtask bench` in release mode: prints one JSON
//! object with throughput on RaftScope's workload, seek times over a 10-minute run and
//! peak memory. (The library reads no clock; timing lives here, in the caller.)

use std::time::Instant;

use sim::workload;

fn main() {
    // Throughput: best of three 100-simulated-second runs.
    let scenario = workload::raftscope(100);
    let mut best_seconds = f64::INFINITY;
    let mut stats = workload::run(&scenario);
    for _ in 0..3 {
        let started = Instant::now();
        stats = workload::run(&scenario);
        best_seconds = best_seconds.min(started.elapsed().as_secs_f64());
    }
    let messages_per_second = stats.messages_delivered as f64 / best_seconds;
    let simulated_seconds_per_second = stats.simulated_ms as f64 / 1000.0 / best_seconds;

    // Seeking in a 10-minute run with a checkpoint every simulated second (the widgets'
    // own quarter second would hold four times the memory: 601 checkpoints of this
    // 5-node run already take most of a GiB).
    let long_run = workload::raftscope(600);
    let started = Instant::now();
    let timeline = workload::record(&long_run, 1000);
    let record_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut seek_ms: Vec<f64> = Vec::new();
    let mut instant: u64 = 12_345;
    for _ in 0..200 {
        // A fixed pseudo-random walk over the run, so every bench seeks the same instants.
        instant = (instant * 7_919 + 104_729) % 600_000;
        let started = Instant::now();
        let simulation = workload::seek(&timeline, instant);
        seek_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(simulation.now_ms(), instant);
    }
    seek_ms.sort_by(f64::total_cmp);
    let percentile = |p: f64| seek_ms[((seek_ms.len() - 1) as f64 * p).round() as usize];

    println!(
        "{{\"messages_delivered\":{},\"events\":{},\"simulated_ms\":{},\"commits\":{},\"wall_seconds\":{best_seconds:.6},\"messages_per_second\":{messages_per_second:.0},\"simulated_seconds_per_second\":{simulated_seconds_per_second:.1},\"long_run_checkpoints\":{},\"long_run_record_ms\":{record_ms:.1},\"seek_p50_ms\":{:.3},\"seek_p99_ms\":{:.3},\"seek_max_ms\":{:.3},\"peak_rss_kib\":{}}}",
        stats.messages_delivered,
        stats.events,
        stats.simulated_ms,
        stats.commits,
        timeline.len(),
        percentile(0.5),
        percentile(0.99),
        percentile(1.0),
        peak_rss_kib().unwrap_or(0),
    );
}

/// The process's peak resident set size (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
