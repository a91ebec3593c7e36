//! The fuzz targets on stable Rust, deterministically: every seed-corpus entry, then
//! `RAFTDECK_FUZZ_CASES` (default 4,000) seeded mutations of the corpus per target.
//! A failing case is written to `target/fuzz-failures/<target>-<case>` and its seed is
//! printed, so it replays with `cargo fuzz run <target> <file>` or this test again.

use std::panic::{catch_unwind, AssertUnwindSafe};

use raftdeck_fuzz::{corpus, mutate, run_target, workspace_root, Rng, TARGETS};

fn cases() -> usize {
    std::env::var("RAFTDECK_FUZZ_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(4_000)
}

/// Runs `target` over its corpus and `cases()` mutations; panics naming the first input
/// that broke a contract.
fn drive(target: &str) {
    let seeds: Vec<Vec<u8>> = corpus(target).into_iter().map(|(_, bytes)| bytes).collect();
    assert!(
        seeds.len() >= 3,
        "fuzz/corpus/{target}/ needs a few seed files"
    );
    // Seeded by the target's name: each target gets its own, fixed stream of cases.
    let seed = target
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    let mut rng = Rng::new(seed);
    let mut inputs: Vec<Vec<u8>> = seeds.clone();
    for _ in 0..cases() {
        let base = &seeds[rng.below(seeds.len())];
        // Mutating a previous mutation now and then reaches further from the seeds.
        let input = if rng.below(3) == 0 {
            let previous = inputs[rng.below(inputs.len())].clone();
            mutate(&mut rng, &previous, &seeds)
        } else {
            mutate(&mut rng, base, &seeds)
        };
        inputs.push(input);
    }
    for (case, input) in inputs.iter().enumerate() {
        let outcome = catch_unwind(AssertUnwindSafe(|| run_target(target, input)));
        match outcome {
            Ok(true) => {}
            Ok(false) => panic!("no fuzz target `{target}`"),
            Err(_) => {
                let dir = workspace_root().join("target/fuzz-failures");
                let file = dir.join(format!("{target}-{case}"));
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(&file, input);
                panic!(
                    "fuzz target `{target}` failed on case {case} (seed {seed:#x}); input saved to {}",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn deck_chapter() {
    drive("deck_chapter");
}

#[test]
fn notes() {
    drive("notes");
}

#[test]
fn scenario() {
    drive("scenario");
}

#[test]
fn sync_message() {
    drive("sync_message");
}

#[test]
fn widget_url() {
    drive("widget_url");
}

#[test]
fn every_target_has_a_test_and_a_corpus() {
    for target in TARGETS {
        assert!(corpus(target).len() >= 3, "fuzz/corpus/{target}/");
    }
    assert!(!run_target("no-such-target", b""));
}
