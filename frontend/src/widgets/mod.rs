//! Live widgets mounted into a slide's `.widget-slot`s: the `raft` widget and the
//! `controlplane`, `elastic`, `kafka` and `multisite` widgets of the other systems.
//!
//! Layout:
//! - `state`: [`WidgetState`], the shareable state (input log, switches, instant,
//!   playback) and its JSON/URL encodings;
//! - `player`: the engine — simulation, checkpoints, seeking, forking, step binding;
//! - `narration`: the French caption line told from the sim's trace;
//! - `layout`: where sites, nodes, logs and links go on the widget's SVG;
//! - `raft` (wasm32 only): the Yew component drawing it all and taking the clicks;
//! - `model_player`: the other systems' engine (a `sim::models::live::LiveModel`,
//!   checkpoints, seeking, forking, the same `WidgetState`);
//! - `model_narration`: their French captions;
//! - `model_widget` (wasm32 only): their shared component (controls, keys, playback,
//!   caption), which draws through `controlplane`, `elastic`, `kafka` and `multisite`
//!   (wasm32 only), one SVG drawing per system.
//!
//! Everything but the components and drawings is plain Rust, tested natively.

pub mod layout;
pub mod model_narration;
pub mod model_player;
pub mod narration;
pub mod player;
pub mod state;

#[cfg(target_arch = "wasm32")]
pub mod controlplane;
#[cfg(target_arch = "wasm32")]
pub mod elastic;
#[cfg(target_arch = "wasm32")]
pub mod kafka;
#[cfg(target_arch = "wasm32")]
pub mod model_widget;
#[cfg(target_arch = "wasm32")]
pub mod multisite;
#[cfg(target_arch = "wasm32")]
pub mod raft;

pub use state::{TimedInput, UserInput, WidgetState};
