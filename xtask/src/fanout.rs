//! The sync fan-out load generator of `cargo xtask bench`: opens N Server-Sent Events
//! followers on `GET /api/sync` of a running server (loopback only), then changes slide
//! as the presenter does and times the change reaching each follower.
//!
//! Followers are plain non-blocking sockets sending what a browser's EventSource sends,
//! driven by one mio (epoll) loop per core: the generator spends a `read` and a byte
//! search per follower, and takes events in 1 ms batches, so on a small machine the figure
//! measures the server more than the generator (the previous Node generator ran a
//! JavaScript callback per socket and cost more CPU than the server's own writes). It
//! also reports the CPU time both processes spent delivering the change.
//!
//! Bounded: at most [`MAX_FOLLOWERS`] connections, gives up after [`GIVE_UP`], and every
//! socket is closed when it returns.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use serde_json::{json, Value};

/// The most followers one run may open.
pub const MAX_FOLLOWERS: usize = 20_000;
/// The whole run gives up after this long.
pub const GIVE_UP: Duration = Duration::from_secs(120);
/// How long followers may take to receive the change before the run reports what it has.
const DELIVERY_WAIT: Duration = Duration::from_secs(60);
/// Connections a loop keeps in their handshake at once: opening thousands in one burst
/// overflows the server's accept backlog and costs SYN retransmits (seconds).
const OPENING_AT_ONCE: usize = 256;
/// How much of the previous read a follower keeps, so that a marker split over two reads
/// is still found.
const TAIL: usize = 64;
/// How long a loop sleeps between batches of events once its followers are open.
const BATCH: Duration = Duration::from_millis(1);

/// Runs the benchmark against the server at `addr` (its pid `server_pid`, for its memory)
/// with `followers` followers; returns the figures `render_fanout` prints.
pub fn run(
    addr: SocketAddr,
    token: &str,
    server_pid: u32,
    followers: usize,
) -> anyhow::Result<Value> {
    if !addr.ip().is_loopback() {
        bail!("the fan-out generator only targets loopback, not {addr}");
    }
    let followers = followers.min(MAX_FOLLOWERS);
    let give_up = Instant::now() + GIVE_UP;
    raise_open_files_limit(followers as u64 + 64)?;

    let deck: Value = serde_json::from_slice(&http(addr, "GET", "/api/deck", None, "")?.1)
        .context("GET /api/deck: not JSON")?;
    let slide = |index: usize| {
        deck["slides"][index]["id"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("GET /api/deck: no `slides[{index}].id`"))
    };
    let (slide_a, slide_b) = (slide(0)?, slide(1)?);
    let post = |slide: &str| -> anyhow::Result<u16> {
        let body = json!({ "slide": slide, "step": 0, "widgets": {}, "origin": "fanout-bench" });
        Ok(http(addr, "POST", "/api/sync", Some(token), &body.to_string())?.0)
    };
    let status = post(&slide_a)?;
    if status != 200 {
        bail!("POST /api/sync (slide {slide_a}) answered {status}");
    }
    let rss_before = rss_kib(server_pid)?;

    let threads = std::thread::available_parallelism()
        .map_or(2, |cores| cores.get())
        .clamp(1, 8)
        .min(followers.max(1));
    let shared = Arc::new(Shared {
        ready: AtomicUsize::new(0),
        failed: AtomicBool::new(false),
        stop: AtomicBool::new(false),
    });
    let target = format!("\"slide\":\"{slide_b}\"").into_bytes();
    let opening = Instant::now();
    let loops: Vec<_> = (0..threads)
        .map(|index| {
            let share = followers / threads + usize::from(index < followers % threads);
            let (shared, target) = (Arc::clone(&shared), target.clone());
            std::thread::spawn(move || follow(addr, share, &target, &shared, give_up))
        })
        .collect();
    // Every follower has its first frame, or one failed, or time is up.
    while shared.ready.load(Ordering::Acquire) < followers {
        if shared.failed.load(Ordering::Acquire) || Instant::now() > give_up {
            shared.stop.store(true, Ordering::Release);
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let open_ms = opening.elapsed().as_secs_f64() * 1000.0;
    let rss_connected = rss_kib(server_pid)?;
    let ready = shared.ready.load(Ordering::Acquire) >= followers;
    let cpu_before = (
        cpu_ms("/proc/self/stat"),
        cpu_ms(&format!("/proc/{server_pid}/stat")),
    );
    let (sent_at, status) = if ready {
        (Instant::now(), post(&slide_b))
    } else {
        (Instant::now(), Ok(0))
    };
    if !matches!(status, Ok(200)) {
        // No follower will see a change that was refused: do not wait for it.
        shared.stop.store(true, Ordering::Release);
    }
    // The loops return once each of their followers has the change; past the wait, they
    // are told to return what they have.
    let waiting = Instant::now();
    let mut received = Vec::with_capacity(followers);
    let mut errors = Vec::new();
    let mut sockets = Vec::with_capacity(threads);
    for handle in loops {
        while !handle.is_finished() {
            if waiting.elapsed() > DELIVERY_WAIT || Instant::now() > give_up {
                shared.stop.store(true, Ordering::Release);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        match handle.join() {
            Ok(Ok((times, followers))) => {
                received.extend(times);
                sockets.push(followers);
            }
            Ok(Err(error)) => errors.push(format!("{error:#}")),
            Err(_) => errors.push("a follower loop panicked".to_owned()),
        }
    }
    // CPU spent while the change was delivered: where the time went (the generator's
    // loops return as soon as their followers have it).
    let cpu_after = (
        cpu_ms("/proc/self/stat"),
        cpu_ms(&format!("/proc/{server_pid}/stat")),
    );
    drop(sockets);
    let spent = |before: Option<f64>, after: Option<f64>| match (before, after) {
        (Some(before), Some(after)) => Value::from(after - before),
        _ => Value::Null,
    };
    if !errors.is_empty() {
        bail!("fan-out followers failed: {}", errors.join("; "));
    }
    if !ready {
        bail!(
            "only {} of {followers} followers got their first frame in time",
            shared.ready.load(Ordering::Acquire)
        );
    }
    let status = status?;
    if status != 200 {
        bail!("POST /api/sync (slide {slide_b}) answered {status}");
    }
    let mut latencies: Vec<f64> = received
        .iter()
        .map(|at| at.saturating_duration_since(sent_at).as_secs_f64() * 1000.0)
        .collect();
    latencies.sort_by(f64::total_cmp);
    let at = |quantile: f64| {
        let last = latencies.len().saturating_sub(1);
        latencies
            .get(((last as f64) * quantile).round() as usize)
            .copied()
            .map_or(Value::Null, Value::from)
    };
    Ok(json!({
        "followers": followers, "threads": threads, "post_status": status,
        "delivered": latencies.len(), "open_ms": open_ms,
        "p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": at(1.0),
        "rss_before_kib": rss_before, "rss_connected_kib": rss_connected,
        "rss_after_kib": rss_kib(server_pid)?,
        "server_cpu_ms": spent(cpu_before.1, cpu_after.1),
        "generator_cpu_ms": spent(cpu_before.0, cpu_after.0),
    }))
}

/// What the follower loops and the main thread share.
struct Shared {
    /// Followers that got their first frame.
    ready: AtomicUsize,
    /// A follower could not connect or was closed before its first frame.
    failed: AtomicBool,
    /// Return now with what was received.
    stop: AtomicBool,
}

/// Where one follower is.
enum Stage {
    /// Connecting; the request is written once the socket is writable.
    Connecting,
    /// Waiting for its first `data:` line.
    Opening,
    /// Has the current state; waiting for `target`.
    Ready,
    /// Saw `target`.
    Done,
}

struct Follower {
    stream: TcpStream,
    stage: Stage,
    /// The end of the previous read (see [`TAIL`]).
    tail: Vec<u8>,
}

/// One loop: opens `count` followers, then records when each sees `target`.
fn follow(
    addr: SocketAddr,
    count: usize,
    target: &[u8],
    shared: &Shared,
    give_up: Instant,
) -> anyhow::Result<(Vec<Instant>, Vec<Follower>)> {
    let request = format!(
        "GET /api/sync HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
    );
    let mut poll = Poll::new().context("cannot create an epoll instance")?;
    let mut events = Events::with_capacity(1024);
    let mut followers: Vec<Follower> = Vec::with_capacity(count);
    let mut opening = 0;
    let mut received = Vec::with_capacity(count);
    let mut buffer = vec![0u8; 16 * 1024];
    let mut scratch = Vec::with_capacity(16 * 1024 + TAIL);
    while received.len() < count {
        if shared.stop.load(Ordering::Acquire) || Instant::now() > give_up {
            break;
        }
        while opening < OPENING_AT_ONCE && followers.len() < count {
            let mut stream = TcpStream::connect(addr).with_context(|| {
                format!("cannot connect follower {} to {addr}", followers.len())
            })?;
            poll.registry()
                .register(
                    &mut stream,
                    Token(followers.len()),
                    Interest::READABLE | Interest::WRITABLE,
                )
                .context("cannot register a follower with epoll")?;
            followers.push(Follower {
                stream,
                stage: Stage::Connecting,
                tail: Vec::new(),
            });
            opening += 1;
        }
        poll.poll(&mut events, Some(Duration::from_millis(20)))
            .or_else(|error| match error.kind() {
                std::io::ErrorKind::Interrupted => Ok(()),
                _ => Err(error),
            })
            .context("epoll_wait failed")?;
        for event in &events {
            let Some(follower) = followers.get_mut(event.token().0) else {
                continue;
            };
            if matches!(follower.stage, Stage::Connecting) {
                if let Some(error) = follower.stream.take_error()? {
                    shared.failed.store(true, Ordering::Release);
                    bail!("a follower could not connect to {addr}: {error}");
                }
                if event.is_error() || event.is_write_closed() {
                    shared.failed.store(true, Ordering::Release);
                    bail!("a follower's connection to {addr} was refused or reset");
                }
                if !event.is_writable() {
                    continue;
                }
                // A fresh socket's buffer takes a request this small whole.
                if follower.stream.write(request.as_bytes())? != request.len() {
                    shared.failed.store(true, Ordering::Release);
                    bail!("a follower could not write its request in one go");
                }
                poll.registry()
                    .reregister(&mut follower.stream, event.token(), Interest::READABLE)
                    .context("cannot re-register a follower with epoll")?;
                follower.stage = Stage::Opening;
            }
            // Edge-triggered: read until the socket is empty.
            loop {
                let read = match follower.stream.read(&mut buffer) {
                    Ok(0) => {
                        if !matches!(follower.stage, Stage::Done) {
                            shared.failed.store(true, Ordering::Release);
                            bail!("the server closed a follower's stream");
                        }
                        break;
                    }
                    Ok(read) => read,
                    Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => break,
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(error) => {
                        shared.failed.store(true, Ordering::Release);
                        return Err(error).context("a follower's read failed");
                    }
                };
                // Taken before searching, so the search does not count as latency.
                let now = Instant::now();
                scratch.clear();
                scratch.extend_from_slice(&follower.tail);
                scratch.extend_from_slice(&buffer[..read]);
                match follower.stage {
                    Stage::Opening if contains(&scratch, b"\ndata:") => {
                        follower.stage = Stage::Ready;
                        opening -= 1;
                        shared.ready.fetch_add(1, Ordering::AcqRel);
                    }
                    Stage::Ready if contains(&scratch, target) => {
                        follower.stage = Stage::Done;
                        received.push(now);
                    }
                    _ => {}
                }
                follower.tail.clear();
                follower
                    .tail
                    .extend_from_slice(&scratch[scratch.len().saturating_sub(TAIL)..]);
                // A short read emptied the socket: anything arriving later raises a new
                // edge, so the usual extra `read` that returns `WouldBlock` is skipped.
                if read < buffer.len() {
                    break;
                }
            }
        }
        // Once every follower is open, events are taken in batches: waking up for each
        // one would cost the generator a context switch per follower, more CPU than the
        // server's write, on the same cores. Latencies are over-estimated by up to this.
        if opening == 0 && followers.len() == count && !events.is_empty() {
            std::thread::sleep(BATCH);
        }
    }
    // The sockets are closed by the caller, once it has read the CPU times: closing
    // 10,000 loopback connections costs more than delivering the change did.
    Ok((received, followers))
}

/// Whether `needle` occurs in `haystack`: a scan for its first byte, then a compare
/// (xtask runs unoptimized; `windows().any()` would cost more than the read).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, _)) = needle.split_first() else {
        return true;
    };
    let mut start = 0;
    while let Some(offset) = haystack[start..].iter().position(|&byte| byte == first) {
        let at = start + offset;
        if haystack[at..].starts_with(needle) {
            return true;
        }
        start = at + 1;
    }
    false
}

/// One HTTP/1.1 request with `Connection: close`; the status and the body.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let authorization = token.map_or(String::new(), |token| {
        format!("Authorization: Bearer {token}\r\n")
    });
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{authorization}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .with_context(|| format!("{method} {path}: cannot send the request"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .with_context(|| format!("{method} {path}: cannot read the response"))?;
    let head_end = response
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .with_context(|| format!("{method} {path}: no response head"))?;
    let head = String::from_utf8_lossy(&response[..head_end]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("{method} {path}: bad status line in {head:?}"))?;
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        bail!("{method} {path}: chunked responses are not supported here");
    }
    Ok((status, response[head_end + 4..].to_vec()))
}

/// The resident memory of process `pid`, in KiB (`VmRSS` in /proc).
fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("{path}: no `VmRSS` line"))
}

/// The user + system CPU time of the process whose `/proc/<pid>/stat` is at `path`, in ms
/// (clock ticks: 10 ms steps on most kernels).
fn cpu_ms(path: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name may hold spaces: fields are counted after its closing parenthesis
    // (utime and stime are fields 14 and 15, the 12th and 13th after it).
    let mut fields = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (ticks > 0).then(|| (user + system) * 1000.0 / ticks as f64)
}

/// Raises this process's open-files limit to `wanted` (up to its hard limit): 10,000
/// sockets exceed the usual 1,024.
fn raise_open_files_limit(wanted: u64) -> anyhow::Result<()> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read or fill the struct passed by reference.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            bail!(
                "getrlimit(RLIMIT_NOFILE): {}",
                std::io::Error::last_os_error()
            );
        }
        if limit.rlim_cur >= wanted as libc::rlim_t {
            return Ok(());
        }
        if limit.rlim_max < wanted as libc::rlim_t {
            bail!(
                "{wanted} open files are needed but the hard limit is {} (raise it with `ulimit -Hn`)",
                limit.rlim_max
            );
        }
        limit.rlim_cur = wanted as libc::rlim_t;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
            bail!(
                "setrlimit(RLIMIT_NOFILE, {wanted}): {}",
                std::io::Error::last_os_error()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_markers_anywhere_and_only_where_they_are() {
        let frame = b"event: state\nid: 2\ndata: {\"seq\":2,\"state\":{\"slide\":\"b\"}}\n\n";
        assert!(contains(frame, b"\ndata:"));
        assert!(contains(frame, b"\"slide\":\"b\""));
        assert!(!contains(frame, b"\"slide\":\"a\""));
        assert!(!contains(b"\"slide\":\"", b"\"slide\":\"b\""));
        assert!(contains(b"ssslide", b"sslide"));
    }

    #[test]
    fn refuses_any_host_but_loopback() {
        let error = run("192.0.2.1:80".parse().unwrap(), "token", 0, 1).unwrap_err();
        assert!(
            error.to_string().contains("only targets loopback"),
            "{error}"
        );
    }
}
