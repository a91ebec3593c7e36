//! Seeded scenarios beyond the talk's, for the differential verdict: every placement the
//! talk discusses (3/0, 2/1, 1/1/1, 2/2, five members), a fault each (a follower or the
//! leader crashes, a site is cut off, the leader is isolated, a majority is lost),
//! latencies from 1 to 1000 ms, and writes through the leader and through followers.
//!
//! Each scenario is JSON text in the talk's format, so `raftdeck sim` and `raftdeck real`
//! read it like any other; the same seed always gives the same set.

use serde_json::{json, Value};
use sim::rng::Rng;

/// Members per site: (site, members).
type Sites = &'static [(&'static str, &'static [&'static str])];

/// Placements: name and members per site.
const PLACEMENTS: [(&str, Sites); 5] = [
    ("3-0", &[("A", &["n1", "n2", "n3"])]),
    ("2-1", &[("A", &["n1", "n2"]), ("B", &["n3"])]),
    ("1-1-1", &[("A", &["n1"]), ("B", &["n2"]), ("C", &["n3"])]),
    ("2-2", &[("A", &["n1", "n2"]), ("B", &["n3", "n4"])]),
    ("3-2", &[("A", &["n1", "n2", "n3"]), ("B", &["n4", "n5"])]),
];

/// The faults.
const FAULTS: [&str; 5] = [
    "crash-follower",
    "crash-leader",
    "cut-site-a",
    "isolate-leader",
    "lose-site-a",
];

/// One-way latencies between sites, ms.
const LATENCIES: [u64; 6] = [1, 10, 40, 150, 400, 1000];

/// A generated scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// Its name (`gen-07-2-1-crash-leader-40ms`).
    pub name: String,
    /// Its seed.
    pub seed: u64,
    /// Its placement (`2-1`…).
    pub placement: &'static str,
    /// Its fault (`crash-leader`…).
    pub fault: &'static str,
    /// The scenario JSON.
    pub json: String,
}

/// `count` scenarios from `seed`: placements and faults taken in turn (so every pair is
/// covered as the count grows), the latency and the write target drawn from the seed.
pub fn generate(seed: u64, count: u32) -> Vec<Generated> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|index| {
            let (placement, sites) = PLACEMENTS[index as usize % PLACEMENTS.len()];
            let fault = FAULTS[(index as usize / PLACEMENTS.len() + index as usize) % FAULTS.len()];
            let inter = LATENCIES[rng.below(LATENCIES.len() as u64) as usize];
            let intra = 1 + rng.below(2);
            let scenario_seed = seed * 1000 + u64::from(index);
            let name = format!("gen-{index:02}-{placement}-{fault}-{inter}ms");
            let json = scenario_json(&name, scenario_seed, sites, fault, intra, inter, &mut rng);
            Generated {
                name,
                seed: scenario_seed,
                placement,
                fault,
                json,
            }
        })
        .collect()
}

fn scenario_json(
    name: &str,
    seed: u64,
    sites: &[(&str, &[&str])],
    fault: &str,
    intra: u64,
    inter: u64,
    rng: &mut Rng,
) -> String {
    let site_map: serde_json::Map<String, Value> = sites
        .iter()
        .map(|(site, members)| (site.to_string(), json!(members)))
        .collect();
    // etcd's tuning guide: heartbeat about the round trip, election at least 10 × it.
    // Half the far scenarios keep the defaults on purpose, to show what they do.
    let round_trip = 2 * inter;
    let tuned = round_trip > 100 && round_trip <= 800 && rng.below(2) == 0;
    let (heartbeat, election) = if tuned {
        (round_trip, 10 * round_trip)
    } else {
        (100, 1000)
    };
    // Enough time to elect, write, fail, recover and write again.
    let settle = (3 * election / 2).max(3000);
    let fault_at = settle;
    let recover = fault_at + 2 * election + 4 * round_trip + 2000;
    let through_follower = rng.below(2) == 0;
    let writer = if through_follower {
        "follower"
    } else {
        "leader"
    };
    let mut steps = vec![
        json!({ "at_ms": settle - 1000, "do": "propose", "value": "avant=1", "node": writer }),
    ];
    match fault {
        "crash-follower" => {
            steps.push(json!({ "at_ms": fault_at, "do": "crash", "node": "follower" }))
        }
        "crash-leader" => steps.push(json!({ "at_ms": fault_at, "do": "crash", "node": "leader" })),
        "isolate-leader" => {
            steps.push(json!({ "at_ms": fault_at, "do": "isolate", "node": "leader" }))
        }
        "cut-site-a" => {
            let others: Vec<&str> = sites.iter().skip(1).map(|(site, _)| *site).collect();
            if others.is_empty() {
                // One site only: cutting it off means isolating a member.
                steps.push(json!({ "at_ms": fault_at, "do": "isolate", "node": "n1" }));
            } else {
                steps.push(
                    json!({ "at_ms": fault_at, "do": "partition", "groups": [["A"], others] }),
                );
            }
        }
        _ => steps.push(json!({ "at_ms": fault_at, "do": "crash", "node": "site:A" })),
    }
    steps.push(json!({ "at_ms": recover, "do": "propose", "value": "pendant=2", "node": writer }));
    let heal_at = recover + election + 1000;
    match fault {
        "crash-follower" | "crash-leader" | "lose-site-a" => {
            steps.push(json!({ "at_ms": heal_at, "do": "restart", "node": "site:A" }));
        }
        _ => steps.push(json!({ "at_ms": heal_at, "do": "heal" })),
    }
    let after = heal_at + 2 * election + 4 * round_trip + 2000;
    steps.push(json!({ "at_ms": after, "do": "propose", "value": "apres=3" }));
    let scenario = json!({
        "name": name,
        "seed": seed,
        "cluster": {
            "sites": site_map,
            "latency_ms": { "intra": intra, "inter": inter, "jitter": inter / 10 },
            "heartbeat_ms": heartbeat,
            "election_ms": election,
        },
        "steps": steps,
        "until_ms": after + 2000 + 2 * round_trip,
    });
    serde_json::to_string_pretty(&scenario).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_scenario_is_valid_and_runs_on_real_etcd() {
        let set = generate(1, 25);
        assert_eq!(set.len(), 25);
        for generated in &set {
            let scenario = sim::parse_scenario(&generated.json)
                .unwrap_or_else(|error| panic!("{}: {error}", generated.name));
            crate::runner::check_expressible(&scenario).unwrap();
            assert!(
                scenario.end_ms() < 120_000,
                "{} is too long",
                generated.name
            );
        }
        // Every placement meets every fault in 25.
        let pairs: std::collections::BTreeSet<(&str, &str)> =
            set.iter().map(|g| (g.placement, g.fault)).collect();
        assert_eq!(pairs.len(), 25, "{pairs:?}");
    }

    #[test]
    fn the_same_seed_gives_the_same_set() {
        assert_eq!(generate(4, 6), generate(4, 6));
        assert_ne!(generate(4, 6), generate(5, 6));
    }
}
