//! etcd's peer connections between members: which pairs are connected and since when,
//! what a message pays on a connection not streaming yet, and the send/deliver path.

use super::*;

impl Simulation {
    /// Records which pairs of nodes are up and connected both ways, and since when
    /// (called after anything that may change it: an action, a crash, a start).
    pub(super) fn refresh_links(&mut self) {
        let count = self.nodes.len() as u32;
        for a in 0..count {
            for b in a + 1..count {
                let (x, y) = (&self.nodes[a as usize], &self.nodes[b as usize]);
                let linked =
                    x.up && y.up && self.network.connected(NodeId(a), x.site, NodeId(b), y.site);
                let key = (NodeId(a), NodeId(b));
                if !linked {
                    self.links_since.remove(&key);
                } else if !self.links_since.contains_key(&key) {
                    self.links_since.insert(key, self.now);
                }
            }
        }
    }

    /// Whether etcd's peer connection from `id` to `peer` was active at `at_ms` (its
    /// `ActiveSince`): both up and connected, and long enough for the streams to be set
    /// up (a TCP handshake and an HTTP request: about three one-way delays).
    pub(super) fn peer_active_since(&self, id: NodeId, peer: NodeId, at_ms: u64) -> bool {
        self.link_since(id, peer)
            .is_some_and(|since| since + 3 * self.pair_latency(id, peer) <= at_ms)
    }

    /// Since when the peer connection between two nodes is up, if it is.
    pub(super) fn link_since(&self, a: NodeId, b: NodeId) -> Option<u64> {
        self.links_since.get(&(a.min(b), a.max(b))).copied()
    }

    /// Base one-way latency between two nodes' sites.
    pub(super) fn pair_latency(&self, a: NodeId, b: NodeId) -> u64 {
        self.network
            .latency(self.nodes[a.index()].site, self.nodes[b.index()].site)
    }

    /// What a message pays on a peer connection that is not streaming yet. After a heal,
    /// a start or a restart, etcd's stream to a peer exists only once the receiving side
    /// has dialled (a TCP handshake) and its long-lived GET has arrived: three one-way
    /// delays. Until then etcd sends over its pipeline, a fresh HTTP connection whose
    /// handshake costs one round trip before the message travels.
    pub(super) fn handshake_delay(&self, from: NodeId, to: NodeId) -> u64 {
        let latency = self.pair_latency(from, to);
        match self.link_since(from, to) {
            Some(since) if self.now < since + 3 * latency => 2 * latency,
            _ => 0,
        }
    }

    /// The member `id` went down (crash, removal, restore): its clients' pending requests
    /// end with a broken connection, an unknown outcome.
    pub(super) fn drop_connections(&mut self, id: NodeId) {
        self.waiting.remove(&id);
        self.unserved.remove(&id);
        let pending: Vec<u64> = self
            .proposals
            .iter()
            .enumerate()
            .filter(|(_, state)| state.node == Some(id) && state.outcome == Outcome::Pending)
            .map(|(number, _)| number as u64)
            .collect();
        for proposal in pending {
            self.decide(proposal, Outcome::Unknown, Some("connection_lost"));
        }
    }

    pub(super) fn send(&mut self, message: Message) {
        if self.network.duplicate_rate > 0.0 && self.network.duplicate(&mut self.rng) {
            self.send_one(message.clone());
        }
        self.send_one(message);
    }

    pub(super) fn send_one(&mut self, message: Message) {
        let id = self.next_message;
        self.next_message += 1;
        let from = (message.from, self.nodes[message.from.index()].site);
        let to_node = &self.nodes[message.to.index()];
        let to = (message.to, to_node.site);
        let incarnation = to_node.incarnation;
        let reachable_at_send = self.network.reaches(from.0, from.1, to.0, to.1);
        let link_since_at_send = self.link_since(message.from, message.to);
        let mut delivery = self.network.schedule(&mut self.rng, self.now, from, to);
        delivery.at_ms += self.handshake_delay(message.from, message.to);
        self.record(TraceKind::Send {
            id,
            from: message.from,
            to: message.to,
            kind: message.kind(),
            term: message.term,
            deliver_at_ms: delivery.at_ms,
        });
        self.in_flight.insert(
            id,
            InFlight {
                message,
                sent_at_ms: self.now,
                deliver_at_ms: delivery.at_ms,
                lost: delivery.lost,
                incarnation,
                reachable_at_send,
                link_since_at_send,
            },
        );
        self.push(delivery.at_ms, EventKind::Deliver(id));
    }

    pub(super) fn drop_cause(&self, flight: &InFlight) -> Option<DropCause> {
        let message = &flight.message;
        let from = &self.nodes[message.from.index()];
        let to = &self.nodes[message.to.index()];
        if flight.lost {
            Some(DropCause::Lost)
        } else if !self
            .network
            .reaches(message.from, from.site, message.to, to.site)
        {
            Some(DropCause::Partitioned)
        } else if !to.up || to.incarnation != flight.incarnation {
            Some(DropCause::NodeDown)
        } else if !flight.reachable_at_send
            || flight
                .link_since_at_send
                .is_some_and(|since| self.link_since(message.from, message.to) != Some(since))
        {
            Some(DropCause::Partitioned)
        } else {
            None
        }
    }

    pub(super) fn deliver(&mut self, id: u64) {
        let Some(flight) = self.in_flight.remove(&id) else {
            return;
        };
        let message = flight.message.clone();
        let (from, to, kind) = (message.from, message.to, message.kind());
        match self.drop_cause(&flight) {
            Some(cause) => self.record(TraceKind::Drop {
                id,
                from,
                to,
                kind,
                cause,
            }),
            None => {
                self.delivered += 1;
                self.record(TraceKind::Deliver { id, from, to, kind });
                self.with_node(to, |raft, ctx| raft.step(ctx, message));
                // A new member publishes its name (becomes "started") once it hears
                // its leader.
                let node = &mut self.nodes[to.index()];
                if !node.published && node.up && node.raft.leader.is_some() {
                    node.published = true;
                }
            }
        }
    }

    /// Cuts (`up` false) or restores the link between two sites, as a click on a widget's
    /// link does. Restoring a link that a partition (`groups`) cuts removes that
    /// partition, since a partition cannot be undone for one pair of sites only. Returns
    /// false when a site is unknown.
    pub fn set_site_link(&mut self, a: &str, b: &str, up: bool) -> bool {
        let index = |name: &str| self.sites.iter().position(|s| s == name).map(|i| i as u32);
        let (Some(a), Some(b)) = (index(a), index(b)) else {
            return false;
        };
        if a == b {
            return false;
        }
        let pair = (a.min(b), a.max(b));
        if up {
            self.network.cut_links.remove(&pair);
            if !self.network.sites_connected(a, b) {
                // A scenario's partition separates them. Restoring one link must not heal
                // the others: a partition of whole sites becomes one cut per separated
                // pair first. (A partition naming single nodes cannot be split per link,
                // so it is lifted whole.)
                if self
                    .network
                    .groups
                    .iter()
                    .all(|group| group.nodes.is_empty())
                {
                    let sites = self.sites.len() as u32;
                    for x in 0..sites {
                        for y in x + 1..sites {
                            if !self.network.sites_connected(x, y) {
                                self.network.cut_links.insert((x, y));
                            }
                        }
                    }
                    self.network.cut_links.remove(&pair);
                }
                self.network.groups.clear();
            }
            self.record(TraceKind::Network { action: "link_up" });
        } else {
            self.network.cut_links.insert(pair);
            self.record(TraceKind::Network {
                action: "link_down",
            });
        }
        self.refresh_links();
        true
    }

    /// Base one-way latency between two sites (ms), for labelling links; none when a site
    /// is unknown.
    pub fn site_latency_ms(&self, a: &str, b: &str) -> Option<u64> {
        let index = |name: &str| self.sites.iter().position(|s| s == name).map(|i| i as u32);
        Some(self.network.latency(index(a)?, index(b)?))
    }
}
