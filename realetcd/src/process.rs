//! etcd processes: finding the binaries, picking ports, starting and killing members.
//!
//! Every member is a child process that dies with raftdeck: killed when its handle is
//! dropped (any early return, a failed test, Ctrl-C unwinding the run) and, on Linux,
//! also when raftdeck itself is killed (`PR_SET_PDEATHSIG`), so no etcd outlives the
//! command that started it.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;

use tokio::process::{Child, Command};

/// The Debian packages that provide etcd 3.4 and its client.
pub const ETCD_PACKAGES: &str = "etcd-server etcd-client";

/// etcd could not be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} not found: install Debian's `etcd-server` and `etcd-client` packages (apt-get install {ETCD_PACKAGES}) or pass --etcd PATH")]
pub struct MissingEtcd {
    /// What was looked for.
    pub what: String,
}

/// The etcd server and client binaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtcdBinaries {
    /// `etcd`.
    pub etcd: PathBuf,
    /// `etcdctl` (v3 API; snapshots).
    pub etcdctl: PathBuf,
}

impl EtcdBinaries {
    /// `explicit` (the `--etcd` path: the etcd binary, or a folder holding it), else
    /// `etcd` on PATH; `etcdctl` next to it, else on PATH.
    pub fn locate(explicit: Option<&Path>) -> Result<EtcdBinaries, MissingEtcd> {
        let etcd = match explicit {
            Some(path) if path.is_dir() => Some(path.join("etcd")).filter(|p| p.is_file()),
            Some(path) => Some(path.to_path_buf()).filter(|p| p.is_file()),
            None => on_path("etcd"),
        }
        .ok_or_else(|| MissingEtcd {
            what: match explicit {
                Some(path) => format!("etcd at {}", path.display()),
                None => "etcd (on PATH)".to_string(),
            },
        })?;
        let beside = etcd.parent().map(|dir| dir.join("etcdctl"));
        let etcdctl = beside
            .filter(|p| p.is_file())
            .or_else(|| on_path("etcdctl"))
            .ok_or_else(|| MissingEtcd {
                what: "etcdctl".to_string(),
            })?;
        Ok(EtcdBinaries { etcd, etcdctl })
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Ports handed out by this process, so two members never get the same one.
static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// A loopback port free now (the OS picks it), never handed out before by this process.
pub fn free_port() -> std::io::Result<SocketAddr> {
    loop {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let mut handed = HANDED_OUT.lock().unwrap_or_else(|p| p.into_inner());
        if handed.insert(addr.port()) {
            return Ok(addr);
        }
    }
}

/// The addresses of one member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberAddrs {
    /// Where the member really listens for peers (only its proxy dials it).
    pub peer: SocketAddr,
    /// Its proxy, the peer URL it advertises and the others dial.
    pub advertised: SocketAddr,
    /// Its client URL (the JSON gateway and gRPC).
    pub client: SocketAddr,
}

impl MemberAddrs {
    /// The advertised peer URL.
    pub fn peer_url(&self) -> String {
        format!("http://{}", self.advertised)
    }
}

/// Whether the member bootstraps a new cluster or joins a running one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterState {
    /// `--initial-cluster-state new`.
    New,
    /// `--initial-cluster-state existing` (after `member add`).
    Existing,
}

/// Everything a member is started with.
#[derive(Clone, Debug)]
pub struct Launch {
    /// `--name`.
    pub name: String,
    /// `--data-dir`.
    pub data_dir: PathBuf,
    /// Its addresses.
    pub addrs: MemberAddrs,
    /// `--initial-cluster` (`name=url,…`).
    pub initial_cluster: String,
    /// `--initial-cluster-token`, unique per run (and per restored cluster).
    pub token: String,
    /// `--initial-cluster-state`.
    pub state: ClusterState,
    /// `--heartbeat-interval` (ms).
    pub heartbeat_ms: u64,
    /// `--election-timeout` (ms).
    pub election_ms: u64,
    /// `--pre-vote`.
    pub pre_vote: bool,
}

impl Launch {
    /// The command-line flags.
    pub fn args(&self) -> Vec<OsString> {
        let url = |addr: SocketAddr| format!("http://{addr}");
        let mut args: Vec<OsString> = Vec::new();
        let mut flag = |name: &str, value: String| {
            args.push(format!("--{name}={value}").into());
        };
        flag("name", self.name.clone());
        flag("data-dir", self.data_dir.display().to_string());
        flag("listen-peer-urls", url(self.addrs.peer));
        flag("initial-advertise-peer-urls", self.addrs.peer_url());
        flag("listen-client-urls", url(self.addrs.client));
        flag("advertise-client-urls", url(self.addrs.client));
        flag("initial-cluster", self.initial_cluster.clone());
        flag("initial-cluster-token", self.token.clone());
        flag(
            "initial-cluster-state",
            match self.state {
                ClusterState::New => "new",
                ClusterState::Existing => "existing",
            }
            .to_string(),
        );
        flag("heartbeat-interval", self.heartbeat_ms.to_string());
        flag("election-timeout", self.election_ms.to_string());
        flag("pre-vote", self.pre_vote.to_string());
        flag("strict-reconfig-check", "true".to_string());
        flag("logger", "zap".to_string());
        flag("log-outputs", "stderr".to_string());
        flag("log-level", "info".to_string());
        args
    }
}

/// Starts `etcd` with `launch`, its log appended to `log`.
pub fn spawn_member(
    binaries: &EtcdBinaries,
    launch: &Launch,
    log: &Path,
) -> std::io::Result<Child> {
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let mut command = Command::new(&binaries.etcd);
    command
        .args(launch.args())
        // Log timestamps in UTC whatever the machine's zone.
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log_file))
        .kill_on_drop(true);
    die_with_parent(&mut command);
    command.spawn()
}

/// Runs `etcdctl` with the v3 API; returns its combined output, or why it failed.
pub async fn etcdctl(binaries: &EtcdBinaries, args: &[OsString]) -> Result<String, String> {
    let mut command = Command::new(&binaries.etcdctl);
    command
        .env("ETCDCTL_API", "3")
        .args(args)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    die_with_parent(&mut command);
    let output = command
        .output()
        .await
        .map_err(|error| format!("cannot run {}: {error}", binaries.etcdctl.display()))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(text.trim().to_string())
    }
}

#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    // SAFETY: the closure runs in the child between fork and exec and only calls
    // prctl(2), which is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_never_handed_out_twice() {
        let ports: BTreeSet<u16> = (0..50).map(|_| free_port().unwrap().port()).collect();
        assert_eq!(ports.len(), 50);
    }

    #[test]
    fn a_missing_etcd_names_the_packages() {
        let error = EtcdBinaries::locate(Some(Path::new("/nonexistent/etcd"))).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("etcd-server") && message.contains("etcd-client"));
        assert!(message.contains("/nonexistent/etcd"));
    }

    #[test]
    fn flags_advertise_the_proxy_and_listen_on_the_private_port() {
        let addrs = MemberAddrs {
            peer: "127.0.0.1:1001".parse().unwrap(),
            advertised: "127.0.0.1:1002".parse().unwrap(),
            client: "127.0.0.1:1003".parse().unwrap(),
        };
        let launch = Launch {
            name: "n1".into(),
            data_dir: "/tmp/x".into(),
            addrs,
            initial_cluster: "n1=http://127.0.0.1:1002".into(),
            token: "t".into(),
            state: ClusterState::New,
            heartbeat_ms: 100,
            election_ms: 1000,
            pre_vote: true,
        };
        let args: Vec<String> = launch
            .args()
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect();
        assert!(args.contains(&"--listen-peer-urls=http://127.0.0.1:1001".to_string()));
        assert!(args.contains(&"--initial-advertise-peer-urls=http://127.0.0.1:1002".to_string()));
        assert!(args.contains(&"--pre-vote=true".to_string()));
        assert!(args.contains(&"--election-timeout=1000".to_string()));
    }
}
