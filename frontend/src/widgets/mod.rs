//! Live widgets mounted into a slide's `.widget-slot`s; for now the `raft` widget.
//!
//! Layout:
//! - `state`: [`WidgetState`], the shareable state (input log, switches, instant,
//!   playback) and its JSON/URL encodings;
//! - `player`: the engine — simulation, checkpoints, seeking, forking, step binding;
//! - `narration`: the French caption line told from the sim's trace;
//! - `layout`: where sites, nodes, logs and links go on the widget's SVG;
//! - `raft` (wasm32 only): the Yew component drawing it all and taking the clicks.
//!
//! Everything but the component is plain Rust, tested natively.

pub mod layout;
pub mod narration;
pub mod player;
pub mod state;

#[cfg(target_arch = "wasm32")]
pub mod raft;

pub use state::{TimedInput, UserInput, WidgetState};
