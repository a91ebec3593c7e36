//! The long randomized run behind `cargo xtask soak --schedules N`: N seeded fault
//! schedules on every core, invariants after every event, a one-line reproduction on
//! failure. Prints a JSON summary on success.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let count: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let start: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let started = Instant::now();
    let chunk = count.div_ceil(threads);
    let workers: Vec<_> = (0..threads)
        .map(|thread| {
            let first = start + thread * chunk;
            let amount = chunk.min((start + count).saturating_sub(first));
            std::thread::spawn(move || sim::soak::run_schedules(first, amount))
        })
        .collect();
    let mut events = 0;
    for worker in workers {
        match worker.join() {
            Ok(Ok(worker_events)) => events += worker_events,
            Ok(Err(failure)) => {
                eprintln!("{failure}");
                std::process::exit(1);
            }
            Err(_) => {
                eprintln!("a soak worker panicked");
                std::process::exit(1);
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"schedules\":{count},\"start_seed\":{start},\"events\":{events},\"threads\":{threads},\"wall_seconds\":{seconds:.1},\"violations\":0}}"
    );
}
