//! The links between etcd members, emulated in-process: latency, jitter, cuts.
//!
//! Every member listens for peers on a private port and *advertises* the port of its
//! proxy instead, so all peer traffic to a member goes through its proxy. etcd's peer
//! requests carry the sender's member ID (`X-Server-From`), which tells the proxy which
//! ordered pair of members a connection serves: the request bytes travel the link
//! sender → owner, the response bytes the link owner → sender (etcd streams its raft
//! messages in the responses of long-lived `GET /raft/stream/…` requests). The rules of
//! which pair is connected and how far apart two sites are come from the simulation's own
//! [`Network`], so a partition means the same thing in both.
//!
//! A cut behaves like a network that loses packets: connections of a pair that gets cut
//! are closed (whatever was in flight is lost) and new ones are refused until the pair is
//! healed. One-way cuts cannot exist over TCP (a connection needs both directions), so
//! there are none here. No root, no network namespace: this runs on a speaker's laptop.
//!
//! The sender is read from every request, not only a connection's first (Go's client
//! reuses a header-less probe's connection for raft POSTs). A new connection is held for
//! one round trip, the TCP handshake that loopback does not cost (the simulation's
//! `ActiveSince` counts it); then each chunk waits the pair's one-way latency plus
//! jitter, never reordered.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use sim::ids::NodeId;
use sim::network::Network;
use sim::rng::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// Longest request head the proxy reads before it knows who is calling.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// How long a connection from a member whose ID is not known yet waits for it: a member
/// dials its peers right after it logs its ID, and the log is read every few ms.
const UNKNOWN_SENDER_WAIT: Duration = Duration::from_secs(2);

/// The state of every link, shared by the runner (which changes it) and the proxies
/// (which obey it).
pub struct Links {
    state: Mutex<LinkState>,
    /// Bumped at every change, so open connections re-check their pair.
    changed: watch::Sender<u64>,
}

struct LinkState {
    network: Network,
    /// Site index of each member, by member index.
    sites: Vec<u32>,
    /// etcd member ID → member index (a restored member has a second ID).
    ids: BTreeMap<u64, u32>,
    rng: Rng,
    /// Bytes carried per ordered pair (from, to).
    traffic: BTreeMap<(u32, u32), u64>,
    /// Last release instant per ordered pair, so jitter never reorders bytes.
    last_release: BTreeMap<(u32, u32), Instant>,
}

impl Links {
    /// Links with the scenario's latencies (one-way, ms) and no fault.
    pub fn new(intra_ms: u64, inter_ms: u64, jitter_ms: u64, seed: u64) -> Arc<Links> {
        Arc::new(Links {
            state: Mutex::new(LinkState {
                network: Network::new(intra_ms, inter_ms, jitter_ms),
                sites: Vec::new(),
                ids: BTreeMap::new(),
                rng: Rng::new(seed),
                traffic: BTreeMap::new(),
                last_release: BTreeMap::new(),
            }),
            changed: watch::channel(0).0,
        })
    }

    fn lock(&self) -> MutexGuard<'_, LinkState> {
        // A panic while holding the lock cannot leave the tables half-written in a way
        // that matters more than stopping the run, so a poisoned lock is still used.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Places member `member` in site `site` (both indexes).
    pub fn set_site(&self, member: u32, site: u32) {
        let mut state = self.lock();
        let index = member as usize;
        if state.sites.len() <= index {
            state.sites.resize(index + 1, 0);
        }
        state.sites[index] = site;
    }

    /// Records that etcd member ID `id` is member `member`.
    pub fn learn_id(&self, id: u64, member: u32) {
        self.lock().ids.insert(id, member);
    }

    /// The member an etcd ID belongs to, when known.
    pub fn member_of(&self, id: u64) -> Option<u32> {
        self.lock().ids.get(&id).copied()
    }

    /// Changes the network (cut, heal, isolate, partition, latency) and makes every open
    /// connection re-check its pair.
    pub fn update<R>(&self, change: impl FnOnce(&mut Network) -> R) -> R {
        let result = change(&mut self.lock().network);
        self.changed.send_modify(|generation| *generation += 1);
        result
    }

    /// Reads the network.
    pub fn read<R>(&self, read: impl FnOnce(&Network) -> R) -> R {
        read(&self.lock().network)
    }

    /// Whether members `a` and `b` can talk now.
    pub fn connected(&self, a: u32, b: u32) -> bool {
        let state = self.lock();
        let site = |m: u32| state.sites.get(m as usize).copied().unwrap_or(0);
        state
            .network
            .connected(NodeId(a), site(a), NodeId(b), site(b))
    }

    /// Whether `member` is isolated (every link cut).
    pub fn isolated(&self, member: u32) -> bool {
        self.lock().network.isolated.contains(&NodeId(member))
    }

    /// Bytes carried so far on each ordered pair of members.
    pub fn traffic(&self) -> BTreeMap<(u32, u32), u64> {
        self.lock().traffic.clone()
    }

    /// The round trip between two members (no jitter): what a TCP handshake costs.
    pub fn round_trip(&self, a: u32, b: u32) -> Duration {
        let state = self.lock();
        let site = |m: u32| state.sites.get(m as usize).copied().unwrap_or(0);
        let (a_site, b_site) = (site(a), site(b));
        Duration::from_millis(
            state.network.latency(a_site, b_site) + state.network.latency(b_site, a_site),
        )
    }

    /// When bytes read now on the link `from → to` may be written at the other end:
    /// one-way latency plus jitter, never before bytes read earlier on the same link.
    fn release_at(&self, from: u32, to: u32, len: usize) -> Instant {
        let mut state = self.lock();
        let site = |m: u32| state.sites.get(m as usize).copied().unwrap_or(0);
        let (from_site, to_site) = (site(from), site(to));
        let mut delay = state.network.latency(from_site, to_site);
        let jitter = state.network.jitter_ms;
        if jitter > 0 {
            delay += state.rng.below(jitter + 1);
        }
        let earliest = Instant::now() + Duration::from_millis(delay);
        let last = state.last_release.entry((from, to)).or_insert(earliest);
        let release = earliest.max(*last);
        *last = release;
        *state.traffic.entry((from, to)).or_insert(0) += len as u64;
        release
    }
}

/// One member's proxy: accepts peers on the advertised port and relays to the member's
/// private peer port. Dropping it stops it and closes every connection it carries.
pub struct MemberProxy {
    tasks: JoinSet<()>,
    /// The port other members dial (the member's advertised peer URL).
    pub advertised: SocketAddr,
}

impl MemberProxy {
    /// Starts relaying connections made to `listener` to `upstream` (member `owner`'s
    /// private peer address).
    pub fn start(
        listener: TcpListener,
        owner: u32,
        upstream: SocketAddr,
        links: Arc<Links>,
    ) -> std::io::Result<MemberProxy> {
        let advertised = listener.local_addr()?;
        let mut tasks = JoinSet::new();
        tasks.spawn(accept_loop(listener, owner, upstream, links));
        Ok(MemberProxy { tasks, advertised })
    }

    /// Stops accepting and closes every relayed connection.
    pub fn stop(&mut self) {
        self.tasks.abort_all();
    }
}

async fn accept_loop(listener: TcpListener, owner: u32, upstream: SocketAddr, links: Arc<Links>) {
    // Connection tasks live in this set: aborting the loop drops it, which aborts them.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((inbound, _)) = accepted else { continue };
                let _ = inbound.set_nodelay(true);
                connections.spawn(relay(inbound, owner, upstream, links.clone()));
            }
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Reads the request head (up to the blank line) so the sender can be known.
async fn read_head(inbound: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() > MAX_HEAD_BYTES {
            return None;
        }
        let read = inbound.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        head.extend_from_slice(&chunk[..read]);
    }
    Some(head)
}

/// The `X-Server-From` member ID of a request head, if it carries one.
pub fn sender_id(head: &[u8]) -> Option<u64> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    request.parse(head).ok()?;
    request
        .headers
        .iter()
        .find(|header| header.name.eq_ignore_ascii_case("x-server-from"))
        .and_then(|header| std::str::from_utf8(header.value).ok())
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
}

/// Who sends on a connection: known from the first request head, or learnt later, when
/// a connection opened by a request without `X-Server-From` (etcd's `/raft/probing`) is
/// reused by Go's HTTP client for raft messages.
#[derive(Default)]
struct SenderCell {
    member: Mutex<Option<u32>>,
}

impl SenderCell {
    fn get(&self) -> Option<u32> {
        *self.member.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(&self, member: u32) {
        *self.member.lock().unwrap_or_else(|p| p.into_inner()) = Some(member);
    }
}

/// Whether the connection may carry traffic now.
fn allowed(links: &Links, sender: Option<u32>, owner: u32) -> bool {
    match sender {
        Some(sender) => links.connected(sender, owner),
        // Requests without a sender (version checks, probes) only reach members that
        // are not isolated.
        None => !links.isolated(owner),
    }
}

/// Finds an `X-Server-From` header in request bytes (a head may arrive in pieces, so the
/// caller keeps the tail of what it saw).
fn find_sender_header(bytes: &[u8]) -> Option<u64> {
    const NAME: &[u8] = b"\r\nx-server-from:";
    let position = bytes
        .windows(NAME.len())
        .rposition(|window| window.eq_ignore_ascii_case(NAME))?;
    let value = &bytes[position + NAME.len()..];
    let end = value.windows(2).position(|w| w == b"\r\n")?;
    let text = std::str::from_utf8(&value[..end]).ok()?;
    u64::from_str_radix(text.trim(), 16).ok()
}

async fn relay(mut inbound: TcpStream, owner: u32, upstream: SocketAddr, links: Arc<Links>) {
    let mut changes = links.changed.subscribe();
    let Some(head) = tokio::time::timeout(Duration::from_secs(5), read_head(&mut inbound))
        .await
        .ok()
        .flatten()
    else {
        return;
    };
    let sender = Arc::new(SenderCell::default());
    if let Some(id) = sender_id(&head) {
        let deadline = Instant::now() + UNKNOWN_SENDER_WAIT;
        loop {
            if let Some(member) = links.member_of(id) {
                sender.set(member);
                break;
            }
            if Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    if !allowed(&links, sender.get(), owner) {
        return;
    }
    // The proxy accepts on loopback at once, but over a real link the sender could send
    // its first byte only after a TCP handshake, a round trip: wait for it here, so that
    // setting up a peer stream costs about three one-way delays, as in the simulation
    // (`ActiveSince`).
    if let Some(sender) = sender.get() {
        tokio::time::sleep(links.round_trip(sender, owner)).await;
    }
    let Ok(outbound) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = outbound.set_nodelay(true);
    let (inbound_read, inbound_write) = inbound.into_split();
    let (outbound_read, outbound_write) = outbound.into_split();
    let refused = Arc::new(tokio::sync::Notify::new());
    let mut pumps = JoinSet::new();
    pumps.spawn(pump(
        inbound_read,
        outbound_write,
        Direction::ToOwner {
            sender: sender.clone(),
            owner,
            refused: refused.clone(),
        },
        Some(Bytes::from(head)),
        links.clone(),
    ));
    pumps.spawn(pump(
        outbound_read,
        inbound_write,
        Direction::FromOwner {
            sender: sender.clone(),
            owner,
        },
        None,
        links.clone(),
    ));
    loop {
        tokio::select! {
            done = pumps.join_next() => {
                if done.is_none() {
                    return;
                }
            }
            // A later request revealed a sender across a cut.
            () = refused.notified() => return,
            changed = changes.changed() => {
                if changed.is_err() || !allowed(&links, sender.get(), owner) {
                    // Dropping `pumps` aborts both directions: bytes in flight are lost.
                    return;
                }
            }
        }
    }
}

/// Which way a pump copies, and so which link its bytes travel.
enum Direction {
    /// Requests, from the caller to the proxy's owner; they may reveal the caller.
    ToOwner {
        sender: Arc<SenderCell>,
        owner: u32,
        refused: Arc<tokio::sync::Notify>,
    },
    /// Responses (etcd's raft streams), from the owner back to the caller.
    FromOwner { sender: Arc<SenderCell>, owner: u32 },
}

impl Direction {
    /// The link (from, to) the bytes travel now.
    fn link(&self) -> (u32, u32) {
        match self {
            Direction::ToOwner { sender, owner, .. } => (sender.get().unwrap_or(*owner), *owner),
            Direction::FromOwner { sender, owner } => (*owner, sender.get().unwrap_or(*owner)),
        }
    }

    /// Looks for the caller in request bytes; false when it may not reach the owner.
    fn learn(&self, seen: &[u8], links: &Links) -> bool {
        let Direction::ToOwner {
            sender,
            owner,
            refused,
        } = self
        else {
            return true;
        };
        let Some(member) = find_sender_header(seen).and_then(|id| links.member_of(id)) else {
            return true;
        };
        sender.set(member);
        if allowed(links, Some(member), *owner) {
            return true;
        }
        refused.notify_one();
        false
    }
}

/// Copies one direction of a connection, holding each chunk until its release instant.
async fn pump(
    mut source: tokio::net::tcp::OwnedReadHalf,
    mut sink: tokio::net::tcp::OwnedWriteHalf,
    direction: Direction,
    first: Option<Bytes>,
    links: Arc<Links>,
) {
    let (queue, mut delayed) = mpsc::unbounded_channel::<(Instant, Bytes)>();
    let reader = {
        let links = links.clone();
        async move {
            if let Some(first) = first {
                let (from, to) = direction.link();
                let at = links.release_at(from, to, first.len());
                if queue.send((at, first)).is_err() {
                    return;
                }
            }
            let mut buffer = vec![0u8; 64 * 1024];
            // The end of the previous chunk, so a header cut in two is still found.
            let mut tail: Vec<u8> = Vec::new();
            loop {
                match source.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(read) => {
                        let chunk = &buffer[..read];
                        if matches!(direction, Direction::ToOwner { .. }) {
                            tail.extend_from_slice(chunk);
                            if !direction.learn(&tail, &links) {
                                return;
                            }
                            let keep = tail.len().saturating_sub(256);
                            tail.drain(..keep);
                        }
                        let (from, to) = direction.link();
                        let at = links.release_at(from, to, read);
                        if queue.send((at, Bytes::copy_from_slice(chunk))).is_err() {
                            return;
                        }
                    }
                }
            }
        }
    };
    let writer = async move {
        while let Some((at, bytes)) = delayed.recv().await {
            tokio::time::sleep_until(at).await;
            if sink.write_all(&bytes).await.is_err() {
                return;
            }
        }
        // The source closed and everything it sent was delivered: pass the close on.
        let _ = sink.shutdown().await;
    };
    tokio::join!(reader, writer);
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::network::Group;

    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let mut buffer = [0u8; 4096];
                    loop {
                        match socket.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => {
                                if socket.write_all(&buffer[..n]).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                });
            }
        });
        addr
    }

    async fn proxy_to(links: &Arc<Links>, owner: u32, upstream: SocketAddr) -> MemberProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        MemberProxy::start(listener, owner, upstream, links.clone()).unwrap()
    }

    const HEAD_FROM_7: &[u8] =
        b"GET /raft/stream/message/7 HTTP/1.1\r\nHost: x\r\nX-Server-From: 7\r\n\r\n";

    #[test]
    fn the_sender_is_read_from_x_server_from() {
        assert_eq!(sender_id(HEAD_FROM_7), Some(7));
        assert_eq!(
            sender_id(b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n"),
            None,
            "a request without the header has no sender"
        );
        assert_eq!(
            sender_id(b"POST /raft HTTP/1.1\r\nx-server-from: 8e9e05c52164694d\r\n\r\n"),
            Some(0x8e9e05c52164694d)
        );
    }

    #[tokio::test]
    async fn latency_applies_each_way_and_bytes_stay_in_order() {
        let links = Links::new(1, 120, 40, 3);
        links.set_site(0, 0);
        links.set_site(1, 1);
        links.learn_id(7, 1);
        let upstream = echo_server().await;
        let proxy = proxy_to(&links, 0, upstream).await;
        let mut client = TcpStream::connect(proxy.advertised).await.unwrap();
        let started = Instant::now();
        client.write_all(HEAD_FROM_7).await.unwrap();
        let mut echoed = vec![0u8; HEAD_FROM_7.len()];
        client.read_exact(&mut echoed).await.unwrap();
        let round_trip = started.elapsed();
        assert_eq!(echoed, HEAD_FROM_7);
        assert!(
            round_trip >= Duration::from_millis(240),
            "two crossings of 120 ms, got {round_trip:?}"
        );
        // Many small writes with jitter come back whole and in order.
        let mut expected = Vec::new();
        for i in 0..200u32 {
            let piece = format!("{i},");
            expected.extend_from_slice(piece.as_bytes());
            client.write_all(piece.as_bytes()).await.unwrap();
        }
        let mut back = vec![0u8; expected.len()];
        client.read_exact(&mut back).await.unwrap();
        assert_eq!(back, expected);
        assert!(links.traffic()[&(1, 0)] >= expected.len() as u64);
    }

    #[tokio::test]
    async fn a_cut_closes_open_connections_and_refuses_new_ones_until_healed() {
        let links = Links::new(1, 5, 0, 1);
        links.set_site(0, 0);
        links.set_site(1, 1);
        links.learn_id(7, 1);
        let upstream = echo_server().await;
        let proxy = proxy_to(&links, 0, upstream).await;
        let mut open = TcpStream::connect(proxy.advertised).await.unwrap();
        open.write_all(HEAD_FROM_7).await.unwrap();
        let mut echoed = vec![0u8; HEAD_FROM_7.len()];
        open.read_exact(&mut echoed).await.unwrap();

        links.update(|network| {
            network.groups = vec![Group {
                sites: [0].into_iter().collect(),
                nodes: Default::default(),
            }]
        });
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(Duration::from_secs(2), open.read_to_end(&mut rest))
            .await
            .expect("the open connection is closed at once");
        assert!(closed.is_err() || rest.is_empty());

        let mut refused = TcpStream::connect(proxy.advertised).await.unwrap();
        refused.write_all(HEAD_FROM_7).await.unwrap();
        let mut nothing = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(2), refused.read_to_end(&mut nothing))
            .await
            .expect("a new connection across the cut is closed");
        assert!(nothing.is_empty());

        links.update(|network| network.heal());
        let mut healed = TcpStream::connect(proxy.advertised).await.unwrap();
        healed.write_all(HEAD_FROM_7).await.unwrap();
        let mut again = vec![0u8; HEAD_FROM_7.len()];
        healed.read_exact(&mut again).await.unwrap();
        assert_eq!(again, HEAD_FROM_7);
    }

    #[test]
    fn a_sender_header_is_found_in_any_later_request() {
        let bytes = b"GET /raft/probing HTTP/1.1\r\nHost: x\r\n\r\nPOST /raft HTTP/1.1\r\nX-Server-From: 7\r\nContent-Length: 3\r\n\r\nabc";
        assert_eq!(find_sender_header(bytes), Some(7));
        assert_eq!(
            find_sender_header(b"GET /raft/probing HTTP/1.1\r\n\r\n"),
            None
        );
    }

    #[tokio::test]
    async fn a_connection_reused_by_a_member_across_a_cut_is_closed() {
        // Go's HTTP client reuses the connection of a header-less probe for raft POSTs.
        let links = Links::new(1, 5, 0, 1);
        links.set_site(0, 0);
        links.set_site(1, 1);
        links.learn_id(7, 1);
        let upstream = echo_server().await;
        let proxy = proxy_to(&links, 0, upstream).await;
        links.update(|network| {
            network.groups = vec![Group {
                sites: [0].into_iter().collect(),
                nodes: Default::default(),
            }]
        });
        let mut stream = TcpStream::connect(proxy.advertised).await.unwrap();
        let probe = b"GET /raft/probing HTTP/1.1\r\nHost: x\r\n\r\n";
        stream.write_all(probe).await.unwrap();
        let mut echoed = vec![0u8; probe.len()];
        stream.read_exact(&mut echoed).await.unwrap();
        stream
            .write_all(b"POST /raft HTTP/1.1\r\nX-Server-From: 7\r\nContent-Length: 4\r\n\r\nbeat")
            .await
            .unwrap();
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut rest))
            .await
            .expect("closed");
        assert!(rest.is_empty(), "the raft request did not get through");
    }

    #[tokio::test]
    async fn an_isolated_member_gets_no_traffic_at_all() {
        let links = Links::new(1, 5, 0, 1);
        links.set_site(0, 0);
        links.set_site(1, 0);
        links.learn_id(7, 1);
        let upstream = echo_server().await;
        let proxy = proxy_to(&links, 0, upstream).await;
        links.update(|network| network.isolated.insert(NodeId(0)));
        for head in [
            HEAD_FROM_7,
            b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n".as_slice(),
        ] {
            let mut stream = TcpStream::connect(proxy.advertised).await.unwrap();
            stream.write_all(head).await.unwrap();
            let mut nothing = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut nothing))
                .await
                .expect("closed");
            assert!(nothing.is_empty());
        }
    }
}
