//! The Deck: the compiled talk, as the server sends it and the frontend renders it.
//!
//! Layout:
//! - this file: the serde model shared by the server (native) and the frontend (WASM);
//! - `compiler` (feature `compiler`, native only): reads `slides/*.md` and
//!   `slides/deck.toml`, renders Markdown with pulldown-cmark and validates everything,
//!   reporting `file:line: message` errors.
//!
//! - `notes` (feature `compiler`): speaker notes, `speaker-notes/<chapter>.md`, one
//!   `## <slide-id>` section per slide, and the warnings `raftdeck check` prints;
//! - `tables` (feature `compiler`): the computed tables a ```` ```table ```` block embeds
//!   in a slide (etcd's fault tolerance, the placement × failure matrix), from `sim`;
//! - `typography` (feature `compiler`): French typography (no-break spaces, apostrophes)
//!   applied to the prose of slides and notes;
//! - `timing` (feature `compiler`): the spoken-time estimate of each slide (notes' words
//!   and widget animations) and the visible-word count `raftdeck check` warns about;
//! - `sync`: the presenter → audience sync messages (served over SSE, or over
//!   BroadcastChannel in the static site), shared by the server and the frontend;
//! - `url_state`: how a widget state is written in a shared link (base64url JSON),
//!   shared by the app and the widgets module.
//!
//! The model is deliberately plain data: slides carry their rendered HTML, so the
//! frontend ships no Markdown parser.

use serde::{Deserialize, Serialize};

#[cfg(feature = "compiler")]
pub mod compiler;
#[cfg(feature = "compiler")]
mod highlight;
#[cfg(feature = "compiler")]
pub mod notes;
#[cfg(feature = "compiler")]
mod params;
pub mod sync;
#[cfg(feature = "compiler")]
pub mod tables;
#[cfg(feature = "compiler")]
pub mod timing;
#[cfg(feature = "compiler")]
pub mod typography;
pub mod url_state;

use std::collections::BTreeMap;

/// The whole talk: metadata and slides in presentation order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deck {
    /// Title, speaker, event and timing of the talk.
    pub meta: DeckMeta,
    /// Every slide, in the order they are presented.
    pub slides: Vec<Slide>,
    /// Speaker notes as HTML, keyed by slide id. Only the presenter receives them: the
    /// server strips them from the audience's deck (see [`Deck::without_notes`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notes: BTreeMap<String, String>,
}

/// Deck-wide metadata, from `slides/deck.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeckMeta {
    /// The talk's title (also the page title).
    pub title: String,
    /// Who gives the talk.
    pub speaker: String,
    /// Where it is given.
    pub event: String,
    /// A one-sentence summary, used for the page description and link previews.
    pub description: String,
    /// The planned duration of the talk, in minutes.
    pub planned_minutes: u32,
    /// The language of the slides (BCP 47), for the page's `lang` attribute.
    pub lang: String,
    /// The slide the talk ends on (`end_slide` in `deck.toml`). The slides after it are
    /// appendices — shown, navigable, printed — left out of the talk's slide count and
    /// timing (planned and estimated minutes). None: the talk ends on its last slide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_slide: Option<String>,
}

/// How a slide is laid out on the 16:9 canvas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// The opening slide: big centred title.
    Title,
    /// A chapter divider.
    Chapter,
    /// Heading and body (the default).
    #[default]
    Content,
    /// Heading and two columns, split by a `<!-- column -->` line.
    TwoColumns,
    /// Image or widget filling the whole slide.
    Full,
}

impl Layout {
    /// Every layout with its name in slide attributes.
    pub const ALL: [(&'static str, Layout); 5] = [
        ("title", Layout::Title),
        ("chapter", Layout::Chapter),
        ("content", Layout::Content),
        ("two-columns", Layout::TwoColumns),
        ("full", Layout::Full),
    ];

    /// The layout's name, as written in slide attributes and used as a CSS class.
    pub fn name(self) -> &'static str {
        Layout::ALL
            .iter()
            .find(|(_, layout)| *layout == self)
            .map(|(name, _)| *name)
            .unwrap_or("content")
    }
}

/// Where something was written: a file relative to the deck folder, and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// Path relative to the deck folder, with `/` separators.
    pub file: String,
    /// 1-based line number.
    pub line: u32,
}

/// One slide, compiled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slide {
    /// Stable identifier, used in URLs (`#/<id>`) and to key speaker notes.
    pub id: String,
    /// The slide's title (its first heading), in plain text.
    pub title: String,
    /// The chapter (the slide file's stem, e.g. `01-contexte`).
    pub chapter: String,
    /// Layout on the canvas.
    pub layout: Layout,
    /// Extra CSS classes for the slide root.
    pub class: Option<String>,
    /// Planned speaking time, in minutes.
    pub minutes: f32,
    /// Rendered HTML body. Elements revealed step by step carry `data-fragment="k"`.
    pub html: String,
    /// How many click-steps (fragments) the slide has; step 0 shows no fragment.
    pub steps: u32,
    /// Where the slide starts in its file.
    pub source: SourceRef,
    /// Live widgets on the slide, in document order. The HTML holds a placeholder
    /// `<div class="widget-slot" data-widget-slot="k">` for widget k.
    #[serde(default)]
    pub widgets: Vec<WidgetSpec>,
    /// The estimated speaking time in seconds: the notes' spoken words at the deck's rate
    /// plus the widgets' animations (see `timing`); 0 until the compiler has read the notes.
    #[serde(default)]
    pub estimated_seconds: f32,
}

/// Which live widget a fenced block asks for (its info string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WidgetKind {
    /// An etcd/Raft cluster over sites, driven by the `sim` crate.
    Raft,
    /// A Kubernetes control plane over sites (`"system": "kubernetes"`).
    Controlplane,
    /// An Elasticsearch cluster over zones (`"system": "elasticsearch"`).
    Elastic,
    /// Kafka brokers, partitions and the KRaft quorum (`"system": "kafka"`).
    Kafka,
    /// Two clusters active/passive with DNS/GSLB and the runbook (`"system": "multisite"`).
    Multisite,
}

impl WidgetKind {
    /// The widget's name, as in the fenced block's info string and `data-widget`.
    pub fn name(self) -> &'static str {
        match self {
            WidgetKind::Raft => "raft",
            WidgetKind::Controlplane => "controlplane",
            WidgetKind::Elastic => "elastic",
            WidgetKind::Kafka => "kafka",
            WidgetKind::Multisite => "multisite",
        }
    }

    /// The scenario `"system"` this widget draws.
    pub fn system(self) -> &'static str {
        match self {
            WidgetKind::Raft => "etcd",
            WidgetKind::Controlplane => "kubernetes",
            WidgetKind::Elastic => "elasticsearch",
            WidgetKind::Kafka => "kafka",
            WidgetKind::Multisite => "multisite",
        }
    }
}

/// A live widget declared by a fenced block, validated by the compiler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetSpec {
    /// Which widget.
    pub kind: WidgetKind,
    /// The scenario file name under `slides/scenarios/`.
    pub scenario_file: String,
    /// The scenario's JSON text (already validated by `sim::parse_scenario`, or
    /// `sim::models::parse_any` for the other systems' widgets), so the
    /// browser needs no second request.
    pub scenario: String,
    /// Height on the 1280×720 canvas, in pixels.
    pub height: u32,
    /// Simulated instants (ms) the slide's steps play to, in increasing order.
    pub checkpoints: Vec<u64>,
    /// The slide step at which the first checkpoint is reached (steps before it belong to
    /// fragments written earlier on the slide).
    pub first_step: u32,
    /// Actions the speaker may trigger by clicking (`crash`, `restart`, `isolate`,
    /// `transfer_leader`, `propose`, `link`); empty means all of those. Membership changes
    /// (`member_add`, `member_remove`) are offered only when listed explicitly.
    pub controls: Vec<String>,
    /// Switches shown on the slide (`pre_vote`, `check_quorum`).
    pub toggles: Vec<String>,
    /// Playback speed (simulated ms per real ms) at start.
    pub speed: f64,
    /// `raft` only: under `raftdeck serve --live-etcd`, the presenter may switch this
    /// widget to a real etcd cluster started from its scenario.
    #[serde(default)]
    pub live: bool,
    /// Where the block starts.
    pub source: SourceRef,
}

impl Deck {
    /// The index of the slide with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.slides.iter().position(|slide| slide.id == id)
    }

    /// The deck as the audience gets it: everything but the speaker notes.
    pub fn without_notes(&self) -> Deck {
        Deck {
            meta: self.meta.clone(),
            slides: self.slides.clone(),
            notes: BTreeMap::new(),
        }
    }

    /// Planned minutes of the slides before `index` (where the speaker should be, in
    /// time, when arriving on slide `index`).
    pub fn planned_minutes_before(&self, index: usize) -> f32 {
        self.slides
            .iter()
            .take(index)
            .map(|slide| slide.minutes)
            .sum()
    }

    /// Estimated minutes of the slides before `index` (the same figures `raftdeck check`
    /// prints): where a speaker at the notes' pace is, in time, arriving on slide `index`.
    pub fn estimated_minutes_before(&self, index: usize) -> f32 {
        self.slides
            .iter()
            .take(index)
            .map(|slide| slide.estimated_seconds / 60.0)
            .sum()
    }

    /// The whole talk's estimated minutes (notes spoken and widgets played), appendices
    /// left out.
    pub fn estimated_minutes(&self) -> f32 {
        self.estimated_minutes_before(self.talk_slide_count())
    }

    /// The sum of the talk's planned minutes, appendices left out.
    pub fn planned_slide_minutes(&self) -> f32 {
        self.talk_slides().iter().map(|slide| slide.minutes).sum()
    }

    /// How many slides the talk has: up to and including its end slide (see
    /// [`DeckMeta::end_slide`]); every slide when it names none or one not in the deck.
    pub fn talk_slide_count(&self) -> usize {
        self.meta
            .end_slide
            .as_deref()
            .and_then(|id| self.position(id))
            .map_or(self.slides.len(), |end| end + 1)
    }

    /// The talk's slides, appendices left out.
    pub fn talk_slides(&self) -> &[Slide] {
        &self.slides[..self.talk_slide_count()]
    }

    /// The appendices: the slides after the end slide.
    pub fn appendix_slides(&self) -> &[Slide] {
        &self.slides[self.talk_slide_count()..]
    }
}
