//! The network between nodes: sites, latencies with jitter, partitions, isolation, loss,
//! duplication and reordering.
//!
//! The network only decides *when* a message arrives and *whether* it does; the
//! simulation owns the messages in flight. Links are FIFO like etcd's TCP streams unless
//! reordering is switched on.

use std::collections::{BTreeMap, BTreeSet};

use crate::ids::NodeId;
use crate::rng::Rng;

/// A group of a partition: sites and nodes that can talk to each other.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    /// Sites (by index) in the group.
    pub sites: BTreeSet<u32>,
    /// Nodes named explicitly.
    pub nodes: BTreeSet<NodeId>,
}

/// One end of a directed cut: a node, or every node of a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum End {
    /// A node.
    Node(NodeId),
    /// A site, by index.
    Site(u32),
}

impl End {
    fn covers(self, node: NodeId, site: u32) -> bool {
        match self {
            End::Node(id) => id == node,
            End::Site(index) => index == site,
        }
    }
}

/// State of the network.
#[derive(Clone, Debug)]
pub struct Network {
    /// Latency between two nodes of one site.
    pub intra_ms: u64,
    /// Latency between sites.
    pub inter_ms: u64,
    /// Random extra delay in `0..=jitter_ms`.
    pub jitter_ms: u64,
    /// Per pair of sites (smaller index first) overrides of `inter_ms`.
    pub pair_ms: BTreeMap<(u32, u32), u64>,
    /// The current partition (empty: none). Nodes in no group form one more group.
    pub groups: Vec<Group>,
    /// Nodes with every link cut.
    pub isolated: BTreeSet<NodeId>,
    /// Links between two sites (smaller index first) cut one by one, as a widget's click
    /// does; unlike `groups` this can cut A–B while A–C and B–C stay up.
    pub cut_links: BTreeSet<(u32, u32)>,
    /// Directed cuts (the `cut` action): messages from the first end to the second are
    /// lost. A two-way cut is two entries.
    pub directed_cuts: BTreeSet<(End, End)>,
    /// Share of messages lost.
    pub drop_rate: f64,
    /// Share of messages delivered twice.
    pub duplicate_rate: f64,
    /// Random extra delay in `0..=reorder_ms` that ignores FIFO order.
    pub reorder_ms: u64,
    /// Last delivery time per directed link, for FIFO order; `[from * n + to]`.
    last_delivery: Vec<u64>,
    /// Number of nodes `last_delivery` is sized for.
    width: usize,
}

/// When and whether a sent message arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// Arrival time.
    pub at_ms: u64,
    /// Lost by the drop rate (decided at send time, shown in views).
    pub lost: bool,
}

impl Network {
    /// A network with the given latencies and no faults.
    pub fn new(intra_ms: u64, inter_ms: u64, jitter_ms: u64) -> Network {
        Network {
            intra_ms,
            inter_ms,
            jitter_ms,
            pair_ms: BTreeMap::new(),
            groups: Vec::new(),
            isolated: BTreeSet::new(),
            cut_links: BTreeSet::new(),
            directed_cuts: BTreeSet::new(),
            drop_rate: 0.0,
            duplicate_rate: 0.0,
            reorder_ms: 0,
            last_delivery: Vec::new(),
            width: 0,
        }
    }

    /// Base one-way latency between two sites.
    pub fn latency(&self, from_site: u32, to_site: u32) -> u64 {
        if from_site == to_site {
            return self.intra_ms;
        }
        let key = (from_site.min(to_site), from_site.max(to_site));
        self.pair_ms.get(&key).copied().unwrap_or(self.inter_ms)
    }

    fn group_of(&self, node: NodeId, site: u32) -> usize {
        self.groups
            .iter()
            .position(|group| group.nodes.contains(&node))
            .or_else(|| {
                self.groups
                    .iter()
                    .position(|group| group.sites.contains(&site))
            })
            .unwrap_or(self.groups.len())
    }

    /// Whether `a` (in site `a_site`) and `b` can currently exchange messages both ways.
    pub fn connected(&self, a: NodeId, a_site: u32, b: NodeId, b_site: u32) -> bool {
        self.reaches(a, a_site, b, b_site) && self.reaches(b, b_site, a, a_site)
    }

    /// Whether a message from `from` (in site `from_site`) to `to` arrives now.
    pub fn reaches(&self, from: NodeId, from_site: u32, to: NodeId, to_site: u32) -> bool {
        let cut = self
            .directed_cuts
            .iter()
            .any(|(a, b)| a.covers(from, from_site) && b.covers(to, to_site));
        !cut && self.undirected(from, from_site, to, to_site)
    }

    fn undirected(&self, a: NodeId, a_site: u32, b: NodeId, b_site: u32) -> bool {
        if self.isolated.contains(&a) || self.isolated.contains(&b) {
            return false;
        }
        if a_site != b_site
            && self
                .cut_links
                .contains(&(a_site.min(b_site), a_site.max(b_site)))
        {
            return false;
        }
        self.groups.is_empty() || self.group_of(a, a_site) == self.group_of(b, b_site)
    }

    /// Whether the link between two sites is fully up (no partition separates them), for
    /// the `[data-link]` view.
    pub fn sites_connected(&self, a: u32, b: u32) -> bool {
        if a != b && self.cut_links.contains(&(a.min(b), a.max(b))) {
            return false;
        }
        let site_cut = |x: u32, y: u32| self.directed_cuts.contains(&(End::Site(x), End::Site(y)));
        if a != b && (site_cut(a, b) || site_cut(b, a)) {
            return false;
        }
        if self.groups.is_empty() {
            return true;
        }
        let group = |site: u32| {
            self.groups
                .iter()
                .position(|g| g.sites.contains(&site))
                .unwrap_or(self.groups.len())
        };
        group(a) == group(b)
    }

    /// Removes every partition, isolation and cut.
    pub fn heal(&mut self) {
        self.groups.clear();
        self.isolated.clear();
        self.cut_links.clear();
        self.directed_cuts.clear();
    }

    /// Decides when a message sent now from `from` to `to` arrives and whether it is
    /// lost. Consumes random numbers in a fixed order.
    pub fn schedule(
        &mut self,
        rng: &mut Rng,
        now: u64,
        from: (NodeId, u32),
        to: (NodeId, u32),
    ) -> Delivery {
        let mut at_ms = now + self.latency(from.1, to.1);
        if self.jitter_ms > 0 {
            at_ms += rng.below(self.jitter_ms + 1);
        }
        let lost = self.drop_rate > 0.0 && rng.chance(self.drop_rate);
        if self.reorder_ms > 0 {
            at_ms += rng.below(self.reorder_ms + 1);
        } else {
            let needed = (from.0.index().max(to.0.index())) + 1;
            if needed > self.width {
                self.grow(needed);
            }
            let slot = from.0.index() * self.width + to.0.index();
            // FIFO per link: never overtake an earlier message on the same link.
            at_ms = at_ms.max(self.last_delivery[slot]);
            self.last_delivery[slot] = at_ms;
        }
        Delivery { at_ms, lost }
    }

    /// Whether a message should be delivered twice (the duplication fault).
    pub fn duplicate(&self, rng: &mut Rng) -> bool {
        self.duplicate_rate > 0.0 && rng.chance(self.duplicate_rate)
    }

    fn grow(&mut self, width: usize) {
        let mut table = vec![0; width * width];
        for from in 0..self.width {
            for to in 0..self.width {
                table[from * width + to] = self.last_delivery[from * self.width + to];
            }
        }
        self.last_delivery = table;
        self.width = width;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_per_site_pair() {
        let mut network = Network::new(1, 10, 0);
        network.pair_ms.insert((0, 2), 40);
        assert_eq!(network.latency(0, 0), 1);
        assert_eq!(network.latency(0, 1), 10);
        assert_eq!(network.latency(2, 0), 40);
    }

    #[test]
    fn partitions_and_isolation() {
        let mut network = Network::new(1, 10, 0);
        let (a, b, c) = ((NodeId(0), 0), (NodeId(1), 0), (NodeId(2), 1));
        assert!(network.connected(a.0, a.1, c.0, c.1));
        network.groups = vec![Group {
            sites: [0].into_iter().collect(),
            nodes: BTreeSet::new(),
        }];
        assert!(network.connected(a.0, a.1, b.0, b.1));
        assert!(!network.connected(a.0, a.1, c.0, c.1));
        assert!(!network.sites_connected(0, 1));
        network.heal();
        network.isolated.insert(NodeId(1));
        assert!(!network.connected(a.0, a.1, b.0, b.1));
        assert!(network.connected(a.0, a.1, c.0, c.1));
    }

    #[test]
    fn links_are_fifo_despite_jitter() {
        let mut network = Network::new(5, 5, 50);
        let mut rng = Rng::new(3);
        let mut last = 0;
        for now in 0..200 {
            let delivery = network.schedule(&mut rng, now, (NodeId(0), 0), (NodeId(1), 0));
            assert!(delivery.at_ms >= last);
            assert!(delivery.at_ms >= now + 5);
            last = delivery.at_ms;
        }
    }

    #[test]
    fn a_one_way_cut_drops_one_direction_only() {
        let mut network = Network::new(1, 10, 0);
        let (a, b, c) = ((NodeId(0), 0), (NodeId(1), 1), (NodeId(2), 1));
        network.directed_cuts.insert((End::Node(a.0), End::Site(1)));
        assert!(!network.reaches(a.0, a.1, b.0, b.1));
        assert!(!network.reaches(a.0, a.1, c.0, c.1));
        assert!(network.reaches(b.0, b.1, a.0, a.1));
        assert!(!network.connected(a.0, a.1, b.0, b.1));
        assert!(network.connected(b.0, b.1, c.0, c.1));
        network.heal();
        assert!(network.connected(a.0, a.1, b.0, b.1));
    }

    #[test]
    fn one_site_link_can_be_cut_alone() {
        let mut network = Network::new(1, 10, 0);
        let (a, b, c) = ((NodeId(0), 0), (NodeId(1), 1), (NodeId(2), 2));
        network.cut_links.insert((0, 1));
        assert!(!network.connected(a.0, a.1, b.0, b.1));
        assert!(network.connected(a.0, a.1, c.0, c.1));
        assert!(network.connected(b.0, b.1, c.0, c.1));
        assert!(!network.sites_connected(1, 0));
        assert!(network.sites_connected(0, 2));
        network.heal();
        assert!(network.connected(a.0, a.1, b.0, b.1));
    }
}
