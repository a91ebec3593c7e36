//! `raftdeck serve --live-etcd`: a real etcd cluster beside the server for each `raft`
//! widget that opts in (`live: true`), one per scenario, driven from the presenter view
//! and watched by every audience window.
//!
//! Each cluster's state is read ten times a second and kept as the latest JSON frame in a
//! watch channel (a slow reader skips to the newest, nobody waits); the presenter's
//! clicks lock the cluster briefly. Every member is stopped when the server stops.
//!
//! A recording is written as a scenario into `slides/scenarios/`, and the observed trace
//! beside it into `slides/recordings/`, since every file of `scenarios/` must be a
//! scenario.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use deck::{Deck, WidgetKind};
use realetcd::live::{LiveAction, LiveCluster};
use realetcd::EtcdBinaries;
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How often a cluster's state is read and published.
pub const STATE_PERIOD: Duration = Duration::from_millis(100);

/// One live cluster.
pub struct StageCluster {
    live: tokio::sync::Mutex<LiveCluster>,
    frames: watch::Sender<Bytes>,
    diagnostics: Mutex<BTreeMap<String, String>>,
}

impl StageCluster {
    /// The latest state frame (JSON), and every newer one.
    pub fn subscribe(&self) -> watch::Receiver<Bytes> {
        self.frames.subscribe()
    }

    /// Acts on the cluster; `Err` says why nothing was done.
    pub async fn act(&self, action: LiveAction) -> Result<(), String> {
        self.live.lock().await.act(action).await
    }

    /// The last log line of each member that did not come back.
    pub fn diagnostics(&self) -> BTreeMap<String, String> {
        self.diagnostics
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The run so far: as a scenario, and as the trace observed (both JSON text).
    pub async fn recording(&self, name: &str) -> (String, String) {
        let live = self.live.lock().await;
        let scenario = live.recording(name, "Ce qui s'est passé en direct");
        (
            serde_json::to_string_pretty(&scenario).unwrap_or_default(),
            serde_json::to_string_pretty(&live.observed()).unwrap_or_default(),
        )
    }
}

/// What `/api/etcd` says.
#[derive(Clone, Debug, Serialize)]
pub struct StageSummary {
    /// Whether live clusters run.
    pub available: bool,
    /// Why not, when they do not.
    pub reason: Option<String>,
    /// The scenarios with a live cluster.
    pub scenarios: Vec<String>,
}

/// The live clusters of a served deck.
pub struct Stage {
    reason: Option<String>,
    clusters: BTreeMap<String, Arc<StageCluster>>,
    pollers: Mutex<JoinSet<()>>,
    recordings_dir: PathBuf,
}

impl Stage {
    /// No live cluster, and why (shown by the widgets as « simulé »).
    pub fn off(reason: impl Into<String>) -> Stage {
        Stage {
            reason: Some(reason.into()),
            clusters: BTreeMap::new(),
            pollers: Mutex::new(JoinSet::new()),
            recordings_dir: PathBuf::new(),
        }
    }

    /// Starts one cluster per scenario of the deck's live `raft` widgets. A cluster that
    /// cannot start is left out, with the reason; the server runs regardless.
    pub async fn start(deck: &Deck, deck_dir: &Path, binaries: &EtcdBinaries) -> Stage {
        let mut wanted: BTreeMap<String, String> = BTreeMap::new();
        for slide in &deck.slides {
            for widget in &slide.widgets {
                if widget.kind == WidgetKind::Raft && widget.live {
                    wanted
                        .entry(widget.scenario_file.clone())
                        .or_insert_with(|| widget.scenario.clone());
                }
            }
        }
        let mut clusters = BTreeMap::new();
        let mut failures = Vec::new();
        let mut pollers = JoinSet::new();
        for (file, text) in wanted {
            let started = match sim::parse_scenario(&text) {
                Ok(scenario) => LiveCluster::start(&scenario, binaries)
                    .await
                    .map_err(|error| error.to_string()),
                Err(error) => Err(error.to_string()),
            };
            match started {
                Ok(live) => {
                    let cluster = Arc::new(StageCluster {
                        live: tokio::sync::Mutex::new(live),
                        frames: watch::Sender::new(Bytes::from_static(b"{}")),
                        diagnostics: Mutex::new(BTreeMap::new()),
                    });
                    pollers.spawn(poll(cluster.clone()));
                    clusters.insert(file, cluster);
                }
                Err(error) => failures.push(format!("{file}: {error}")),
            }
        }
        Stage {
            reason: (!failures.is_empty()).then(|| failures.join("; ")),
            clusters,
            pollers: Mutex::new(pollers),
            recordings_dir: deck_dir.join("slides").join("scenarios"),
        }
    }

    /// The cluster of a scenario file.
    pub fn cluster(&self, scenario_file: &str) -> Option<Arc<StageCluster>> {
        self.clusters.get(scenario_file).cloned()
    }

    /// For `/api/etcd`.
    pub fn summary(&self) -> StageSummary {
        StageSummary {
            available: !self.clusters.is_empty(),
            reason: self.reason.clone(),
            scenarios: self.clusters.keys().cloned().collect(),
        }
    }

    /// Saves a cluster's run as `slides/scenarios/live-<scenario>` (a scenario the
    /// simulated widget replays) and what real etcd did as
    /// `slides/recordings/live-<scenario>` (the observed trace: outside `scenarios/`,
    /// whose every file is a scenario); returns the scenario's path.
    pub async fn save_recording(&self, scenario_file: &str) -> anyhow::Result<PathBuf> {
        let cluster = self
            .cluster(scenario_file)
            .ok_or_else(|| anyhow::anyhow!("no live cluster for {scenario_file}"))?;
        let stem = scenario_file.trim_end_matches(".json");
        let name = format!("live-{stem}");
        let (scenario, observed) = cluster.recording(&name).await;
        let path = self.recordings_dir.join(format!("{name}.json"));
        std::fs::write(&path, scenario + "\n")?;
        let traces = self.traces_dir();
        std::fs::create_dir_all(&traces)?;
        std::fs::write(traces.join(format!("{name}.json")), observed + "\n")?;
        Ok(path)
    }

    /// Where observed traces go: `slides/recordings/`, beside `slides/scenarios/`.
    fn traces_dir(&self) -> PathBuf {
        self.recordings_dir.parent().map_or_else(
            || self.recordings_dir.join("recordings"),
            |slides| slides.join("recordings"),
        )
    }

    /// Stops every member of every cluster.
    pub async fn stop(&self) {
        self.pollers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .abort_all();
        for cluster in self.clusters.values() {
            cluster.live.lock().await.stop().await;
        }
    }
}

async fn poll(cluster: Arc<StageCluster>) {
    let mut tick = tokio::time::interval(STATE_PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let (state, diagnostics) = {
            let mut live = cluster.live.lock().await;
            (live.state().await, live.diagnostics())
        };
        let frame = Bytes::from(serde_json::to_vec(&state).unwrap_or_default());
        cluster.frames.send_if_modified(|current| {
            if *current == frame {
                false
            } else {
                *current = frame;
                true
            }
        });
        *cluster
            .diagnostics
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = diagnostics;
    }
}
