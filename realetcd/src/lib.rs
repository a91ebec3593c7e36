//! Real etcd as the referee: runs an `etcd` scenario on a cluster of local etcd
//! processes and reports it in the simulation's result shape, so `raftdeck sim` and
//! `raftdeck real` compare field by field (`verdict`).
//!
//! Layout:
//! - `process`: finding `etcd`/`etcdctl`, free ports, starting and killing members
//!   (children die with raftdeck, whatever the exit path).
//! - `proxy`: every member's peer traffic goes through an in-process proxy that applies
//!   the scenario's latency and jitter and obeys cuts, isolation and partitions — the
//!   simulation's own `sim::network::Network` decides, so both mean the same thing.
//! - `observe`: the members' JSON logs, read as they are written (roles, terms, IDs).
//! - `gateway`: a small client of etcd's JSON gateway (puts, watches, status, cluster
//!   API).
//! - `cluster`: a real cluster on loopback — members, proxies, logs, commit watches —
//!   which a scenario run and a live demo both drive.
//! - `runner`: the scenario's steps on the wall clock; the result.
//! - `result`: the result JSON shared with the simulation.
//! - `live`: a cluster on stage — clicks in, state out many times a second, a
//!   recording out at the end.
//! - `generate`: seeded scenarios beyond the talk's, for the differential verdict.
//! - `verdict`: simulation against real runs, with stated tolerances; REAL-ETCD.md.
//!
//! Nothing here is used by the simulation: `sim` stays pure and knows nothing of it.

pub mod cluster;
pub mod gateway;
pub mod generate;
pub mod live;
pub mod observe;
pub mod process;
pub mod proxy;
pub mod result;
pub mod runner;
pub mod verdict;

pub use process::{EtcdBinaries, MissingEtcd, ETCD_PACKAGES};
pub use result::RunResult;
pub use runner::{check_expressible, run, RunError, RunOptions};
