//! A real etcd cluster on this machine: members (processes, folders, ports), their
//! proxies and links, and what their logs say — what a scenario run and a live demo
//! both drive.
//!
//! Dropping a `Cluster` kills every member and removes its folder, whatever the exit
//! path.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::BodyExt;
use serde_json::{json, Value};
use sim::scenario::ClusterSpec;
use tokio::net::TcpListener;
use tokio::process::Child;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::gateway::{self, b64};
use crate::observe::{Observer, SeenRole};
use crate::process::{self, ClusterState, EtcdBinaries, Launch, MemberAddrs};
use crate::proxy::{Links, MemberProxy};

/// How long members get to start before the cluster is declared failed.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Prefix of the keys client writes use (`rd/00007` for write 7).
pub const KEY_PREFIX: &str = "rd/";

/// Why a real cluster could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The scenario asks for something real etcd cannot express.
    #[error("{path}: {reason}")]
    Inexpressible {
        /// JSON path of the offending field.
        path: String,
        /// Why.
        reason: String,
    },
    /// The machine could not set the cluster up (ports, folders, processes).
    #[error("{0}")]
    Setup(String),
    /// A member did not start, or stopped on its own.
    #[error("member {name} {what}; its last log lines:\n{tail}")]
    MemberFailed {
        /// Member name.
        name: String,
        /// What happened.
        what: String,
        /// The end of its log.
        tail: String,
    },
}

/// Milliseconds since the Unix epoch, now.
pub fn now_epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Sort key putting `n2` before `n10`, as the simulation orders nodes.
pub fn natural_key(name: &str) -> (String, u64, String) {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (prefix, number) = name.split_at(name.len() - digits);
    (
        prefix.to_string(),
        number.parse().unwrap_or(0),
        name.to_string(),
    )
}

/// Locks a mutex, going on after a panic elsewhere (the data stays usable here).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One member.
pub struct Member {
    /// Its name (`n1`).
    pub name: String,
    /// Its site (index into the cluster's sites).
    pub site: u32,
    /// Its addresses.
    pub addrs: MemberAddrs,
    /// How it is (re)started.
    pub launch: Launch,
    log: PathBuf,
    child: Option<Child>,
    _proxy: MemberProxy,
    /// A removal was asked for: its exit is expected.
    pub removal_requested: bool,
    /// It was removed from its cluster.
    pub removed: bool,
    ever_started: bool,
    /// Token of the cluster it belongs to.
    pub token: String,
}

/// Timing flags shared by every member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timings {
    /// `--heartbeat-interval` (ms).
    pub heartbeat_ms: u64,
    /// `--election-timeout` (ms).
    pub election_ms: u64,
    /// `--pre-vote`.
    pub pre_vote: bool,
}

/// A real etcd cluster on loopback.
pub struct Cluster {
    binaries: EtcdBinaries,
    dir: tempfile::TempDir,
    /// The links between members (latency, cuts).
    pub links: Arc<Links>,
    observer: Arc<Mutex<Observer>>,
    members: Vec<Member>,
    sites: Vec<String>,
    timings: Timings,
    token_counter: u32,
    /// Key → (first seen by a watch, Unix ms; revision).
    commits: Arc<Mutex<BTreeMap<String, (u64, u64)>>>,
    /// Observer polling and watches.
    background: JoinSet<()>,
}

impl Cluster {
    /// Prepares the members of `spec` (ports, proxies, folders), none started yet.
    pub async fn new(
        spec: &ClusterSpec,
        seed: u64,
        binaries: &EtcdBinaries,
    ) -> Result<Cluster, RunError> {
        let dir = tempfile::Builder::new()
            .prefix("raftdeck-real-")
            // RAFTDECK_KEEP_RUN=1 keeps the folder (members' logs, data) to look into.
            .disable_cleanup(std::env::var_os("RAFTDECK_KEEP_RUN").is_some())
            .tempdir()
            .map_err(|error| {
                RunError::Setup(format!("cannot create a temporary folder: {error}"))
            })?;
        let links = Links::new(
            spec.latency_ms.intra,
            spec.latency_ms.inter,
            spec.latency_ms.jitter,
            seed,
        );
        let mut cluster = Cluster {
            binaries: binaries.clone(),
            dir,
            links,
            observer: Arc::new(Mutex::new(Observer::default())),
            members: Vec::new(),
            sites: spec.sites.keys().cloned().collect(),
            timings: Timings {
                heartbeat_ms: spec.heartbeat_ms,
                election_ms: spec.election_ms,
                pre_vote: spec.pre_vote,
            },
            token_counter: 0,
            commits: Arc::default(),
            background: JoinSet::new(),
        };
        let mut initial: Vec<(String, String)> = spec
            .sites
            .iter()
            .flat_map(|(site, names)| names.iter().map(move |name| (name.clone(), site.clone())))
            .collect();
        initial.sort_by_key(|(name, _)| natural_key(name));
        let token = cluster.new_token();
        for (name, site) in &initial {
            let site = cluster.site_index(site).unwrap_or(0);
            cluster.add_slot(name, site, token.clone()).await?;
        }
        cluster.set_initial_cluster();
        cluster.start_observer();
        Ok(cluster)
    }

    fn set_initial_cluster(&mut self) {
        let initial_cluster = self
            .members
            .iter()
            .map(|m| format!("{}={}", m.name, m.addrs.peer_url()))
            .collect::<Vec<_>>()
            .join(",");
        for member in &mut self.members {
            member.launch.initial_cluster = initial_cluster.clone();
        }
    }

    /// A token no other cluster of this machine uses.
    pub fn new_token(&mut self) -> String {
        self.token_counter += 1;
        format!(
            "raftdeck-{}-{}-{}",
            std::process::id(),
            now_epoch_ms(),
            self.token_counter
        )
    }

    /// The folder of this cluster's data, logs and snapshots.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The etcd binaries.
    pub fn binaries(&self) -> &EtcdBinaries {
        &self.binaries
    }

    /// The sites, by index.
    pub fn sites(&self) -> &[String] {
        &self.sites
    }

    /// The index of a site by name.
    pub fn site_index(&self, site: &str) -> Option<u32> {
        self.sites.iter().position(|s| s == site).map(|i| i as u32)
    }

    /// Every member, by index.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// One member, to change how it is started.
    pub fn member_mut(&mut self, member: u32) -> &mut Member {
        &mut self.members[member as usize]
    }

    /// The index of a member by name.
    pub fn member_named(&self, name: &str) -> Option<u32> {
        self.members
            .iter()
            .position(|m| m.name == name)
            .map(|i| i as u32)
    }

    /// Ports, proxy, folder and log for a new member (not started).
    pub async fn add_slot(
        &mut self,
        name: &str,
        site: u32,
        token: String,
    ) -> Result<u32, RunError> {
        let index = self.members.len() as u32;
        let setup = |error: std::io::Error| RunError::Setup(format!("member {name}: {error}"));
        let peer = process::free_port().map_err(setup)?;
        let client = process::free_port().map_err(setup)?;
        let listener = TcpListener::bind("127.0.0.1:0").await.map_err(setup)?;
        let proxy = MemberProxy::start(listener, index, peer, self.links.clone()).map_err(setup)?;
        let addrs = MemberAddrs {
            peer,
            advertised: proxy.advertised,
            client,
        };
        self.links.set_site(index, site);
        let log = self.dir.path().join(format!("{name}.log"));
        lock(&self.observer).follow(index, log.clone());
        let launch = Launch {
            name: name.to_string(),
            data_dir: self.dir.path().join(format!("{name}.etcd")),
            addrs,
            initial_cluster: String::new(),
            token: token.clone(),
            state: ClusterState::New,
            heartbeat_ms: self.timings.heartbeat_ms,
            election_ms: self.timings.election_ms,
            pre_vote: self.timings.pre_vote,
        };
        self.members.push(Member {
            name: name.to_string(),
            site,
            addrs,
            launch,
            log,
            child: None,
            _proxy: proxy,
            removal_requested: false,
            removed: false,
            ever_started: false,
            token,
        });
        Ok(index)
    }

    fn start_observer(&mut self) {
        let observer = self.observer.clone();
        let links = self.links.clone();
        self.background.spawn(async move {
            loop {
                {
                    let mut observer = lock(&observer);
                    observer.poll();
                    for (id, member) in observer.ids() {
                        links.learn_id(id, member);
                    }
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }

    /// Reads what the logs said since the last look (the observer also does it every
    /// few milliseconds).
    pub fn observe(&self) -> MutexGuard<'_, Observer> {
        let mut observer = lock(&self.observer);
        observer.poll();
        observer
    }

    /// Starts (or restarts) a member with its current launch settings.
    pub fn start(&mut self, member: u32) -> Result<(), RunError> {
        let index = member as usize;
        let spawned = process::spawn_member(
            &self.binaries,
            &self.members[index].launch,
            &self.members[index].log,
        );
        let child = spawned.map_err(|error| RunError::MemberFailed {
            name: self.members[index].name.clone(),
            what: format!("could not start: {error}"),
            tail: String::new(),
        })?;
        let entry = &mut self.members[index];
        entry.child = Some(child);
        if !entry.ever_started {
            entry.ever_started = true;
            let client = entry.addrs.client;
            self.background
                .spawn(watch_commits(client, self.commits.clone()));
        }
        Ok(())
    }

    /// SIGKILL, and waits until the process is gone.
    pub async fn kill(&mut self, member: u32) {
        if let Some(mut child) = self.members[member as usize].child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Kills every member and stops the background tasks.
    pub async fn stop_all(&mut self) {
        self.background.abort_all();
        for member in 0..self.members.len() as u32 {
            self.kill(member).await;
        }
    }

    /// Whether the member's process runs.
    pub fn running(&self, member: u32) -> bool {
        self.members[member as usize].child.is_some()
    }

    /// The member's last logged role and term.
    pub fn role(&self, member: u32) -> Option<(SeenRole, u64)> {
        let observer = lock(&self.observer);
        let seen = observer.members.get(member as usize)?;
        Some((seen.role?, seen.term))
    }

    /// The running member in the leader role with the highest term.
    pub fn leader(&self) -> Option<u32> {
        let mut best: Option<(u64, u32)> = None;
        for member in 0..self.members.len() as u32 {
            if !self.running(member) {
                continue;
            }
            if let Some((SeenRole::Leader, term)) = self.role(member) {
                if best.is_none_or(|(best_term, _)| term > best_term) {
                    best = Some((term, member));
                }
            }
        }
        best.map(|(_, member)| member)
    }

    /// The member's current raft ID, once it has logged it.
    pub fn member_id(&self, member: u32) -> Option<u64> {
        lock(&self.observer)
            .members
            .get(member as usize)
            .and_then(|s| s.id)
    }

    /// Waits until every member in `members` logged that its server started; returns
    /// the latest of those instants (Unix ms).
    pub async fn wait_started(&mut self, members: &[u32]) -> Result<u64, RunError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            self.check_exits()?;
            let started: Vec<Option<u64>> = {
                let observer = self.observe();
                members
                    .iter()
                    .map(|&m| observer.members.get(m as usize).and_then(|s| s.started_at))
                    .collect()
            };
            if started.iter().all(Option::is_some) {
                return Ok(started
                    .into_iter()
                    .flatten()
                    .max()
                    .unwrap_or_else(now_epoch_ms));
            }
            if Instant::now() >= deadline {
                let late = members
                    .iter()
                    .zip(&started)
                    .find(|(_, s)| s.is_none())
                    .map_or(0, |(&m, _)| m);
                return Err(self.member_failed(late, "did not start within 60 s"));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// An error for a member, with the end of its log.
    pub fn member_failed(&self, member: u32, what: &str) -> RunError {
        RunError::MemberFailed {
            name: self.members[member as usize].name.clone(),
            what: what.to_string(),
            tail: lock(&self.observer).tail_of(member, 12),
        }
    }

    /// The last line of a member's log.
    pub fn last_log_line(&self, member: u32) -> String {
        lock(&self.observer).tail_of(member, 1)
    }

    /// A member that stopped on its own is an error, unless it was being removed.
    pub fn check_exits(&mut self) -> Result<(), RunError> {
        for member in 0..self.members.len() as u32 {
            let entry = &mut self.members[member as usize];
            let Some(child) = entry.child.as_mut() else {
                continue;
            };
            if let Ok(Some(status)) = child.try_wait() {
                entry.child = None;
                let removed = lock(&self.observer)
                    .members
                    .get(member as usize)
                    .is_some_and(|s| s.removed);
                if entry.removal_requested || removed {
                    entry.removed = true;
                    continue;
                }
                return Err(self.member_failed(member, &format!("stopped on its own ({status})")));
            }
        }
        Ok(())
    }

    /// Keys written under [`KEY_PREFIX`] and when a watch first saw each (Unix ms, revision).
    pub fn commits_seen(&self) -> BTreeMap<String, (u64, u64)> {
        lock(&self.commits).clone()
    }

    /// Every member's status (only those that answer within a second).
    pub async fn statuses(&self) -> BTreeMap<u32, gateway::Status> {
        let mut statuses = BTreeMap::new();
        for member in 0..self.members.len() as u32 {
            if self.running(member) {
                let addr = self.members[member as usize].addrs.client;
                if let Ok(status) = gateway::status(addr, Duration::from_secs(1)).await {
                    statuses.insert(member, status);
                }
            }
        }
        statuses
    }
}

impl Drop for Cluster {
    /// On every exit path (an error, a dropped future at Ctrl-C), the members die before
    /// their folder is removed.
    fn drop(&mut self) {
        for member in &mut self.members {
            if let Some(mut child) = member.child.take() {
                let _ = child.start_kill();
                if let Some(pid) = child.id() {
                    // SAFETY: waitpid on our own child's pid, just sent SIGKILL; it
                    // returns as soon as the kernel has reaped it.
                    unsafe {
                        libc::waitpid(pid as libc::pid_t, std::ptr::null_mut(), 0);
                    }
                }
            }
        }
    }
}

/// Watches every key written under [`KEY_PREFIX`] on one member and notes when each is
/// first seen; reconnects while the member is down or restarting.
async fn watch_commits(addr: SocketAddr, commits: Arc<Mutex<BTreeMap<String, (u64, u64)>>>) {
    let request = json!({
        "create_request": {
            "key": b64(KEY_PREFIX),
            "range_end": b64(&gateway::prefix_end(KEY_PREFIX)),
            "start_revision": "1",
        }
    });
    loop {
        if let Ok(response) = gateway::send(addr, "/v3/watch", &request).await {
            let mut body = response.into_body();
            let mut buffer: Vec<u8> = Vec::new();
            while let Some(Ok(frame)) = body.frame().await {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                buffer.extend_from_slice(&data);
                let mut stream = serde_json::Deserializer::from_slice(&buffer).into_iter::<Value>();
                let mut consumed = 0;
                while let Some(Ok(message)) = stream.next() {
                    consumed = stream.byte_offset();
                    record_watch_events(&message, &commits);
                }
                buffer.drain(..consumed);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn record_watch_events(message: &Value, commits: &Mutex<BTreeMap<String, (u64, u64)>>) {
    let seen_at = now_epoch_ms();
    let events = message
        .pointer("/result/events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    let mut commits = lock(commits);
    for event in events {
        let Some(kv) = event.get("kv") else { continue };
        if event.get("type").and_then(Value::as_str) == Some("DELETE") {
            continue;
        }
        let Some(key) = kv
            .get("key")
            .and_then(Value::as_str)
            .and_then(gateway::unb64)
        else {
            continue;
        };
        let revision = gateway::u64_field(kv, "mod_revision").unwrap_or(0);
        commits.entry(key).or_insert((seen_at, revision));
    }
}
