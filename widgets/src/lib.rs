//! The live widgets mounted into a slide's `.widget-slot`s: the `raft` widget and the
//! `controlplane`, `elastic`, `kafka` and `multisite` widgets of the other systems, with
//! the simulations driving them.
//!
//! This crate is a WASM module of its own, apart from the app (`frontend`): the app's
//! first load carries no simulation, and the app fetches this module when the current or
//! next slide holds a widget. The app talks to it through [`mount_widget`] and
//! [`MountedWidget`] (plain strings and numbers across the boundary), each widget being a
//! small Yew app of its own rooted in its slot.
//!
//! Layout:
//! - `state`: [`WidgetState`], the shareable state (input log, switches, instant,
//!   playback) and its JSON/URL encodings;
//! - `player`: the engine — simulation, checkpoints, seeking, forking, step binding;
//! - `narration` and `layout`: the French caption line told from the sim's trace, and
//!   where sites, nodes, logs and links go on the widget's SVG — re-exported from the
//!   Yew-free `scene` crate, which `raftdeck export` shares;
//! - `live`: the real etcd cluster of `raftdeck serve --live-etcd` as the raft widget
//!   draws and tells it (state frames, captions, clicks);
//! - `raft` (wasm32 only): the Yew component drawing it all and taking the clicks, with
//!   its real mode (`raft/real.rs`) drawing a real etcd cluster the same way;
//! - `net` (wasm32 only): the real mode's fetches (with a timeout) and event stream;
//! - `model_player`: the other systems' engine (a `sim::models::live::LiveModel`,
//!   checkpoints, seeking, forking, the same `WidgetState`);
//! - `model_narration`: their French captions (from `scene` too);
//! - `model_widget` (wasm32 only): their shared component (controls, keys, playback,
//!   caption), which draws through `controlplane`, `elastic`, `kafka` and `multisite`
//!   (wasm32 only), one SVG drawing per system;
//! - `playback` (wasm32 only): play, pause, speed, step targets and animation frames,
//!   shared by both components over either engine;
//! - `fit` (wasm32 only): narrows an SVG label that would run past its box;
//! - `icons` (wasm32 only): the transport buttons' SVG icons;
//! - `mount` (wasm32 only): the exported mount/update/destroy calls;
//! - `probe` (wasm32 only): measurement and cross-check exports for the bench and tests.
//!
//! Everything but the components and drawings is plain Rust, tested natively.
//!
//! Drawings mark their outlines (sites, cards, buttons, log entries) `data-box`, which the
//! browser layout checks read: no label may cross one.

pub mod live;
pub mod model_player;
pub mod player;
pub mod state;

/// The picture's geometry and the captions live in `scene`, which the native SVG export
/// shares without Yew; re-exported so the widgets keep reaching them as their own modules.
pub use scene::{layout, model_narration, narration};

#[cfg(target_arch = "wasm32")]
pub mod controlplane;
#[cfg(target_arch = "wasm32")]
pub mod elastic;
#[cfg(target_arch = "wasm32")]
mod fit;
#[cfg(target_arch = "wasm32")]
mod icons;
#[cfg(target_arch = "wasm32")]
pub mod kafka;
#[cfg(target_arch = "wasm32")]
pub mod model_widget;
#[cfg(target_arch = "wasm32")]
mod mount;
#[cfg(target_arch = "wasm32")]
pub mod multisite;
#[cfg(target_arch = "wasm32")]
mod net;
#[cfg(target_arch = "wasm32")]
mod playback;
#[cfg(target_arch = "wasm32")]
pub mod probe;
#[cfg(target_arch = "wasm32")]
pub mod raft;

#[cfg(target_arch = "wasm32")]
pub use mount::{mount_widget, MountedWidget, WidgetProps};

pub use state::{TimedInput, UserInput, WidgetState};
