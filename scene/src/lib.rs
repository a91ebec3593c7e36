//! What the widgets show, apart from how they are drawn: the Raft picture's geometry and
//! the French captions told from the simulations.
//!
//! Two renderers share it: the Yew widgets (`widgets`, compiled to WASM) and the native
//! `raftdeck export` (`server/src/svg_export.rs`, SVG strings and PNG frames). It is a
//! crate of its own so the server reuses the same layout and wording without linking
//! Yew, web-sys or js-sys; it depends on `sim` only.
//!
//! Layout:
//! - `layout`: where sites, nodes, logs and links go on the raft widget's SVG, and
//!   `first_fitting`, the longest wording of a label its box has room for;
//! - `picture`: the Raft picture at one instant as a scene (sites, links, nodes, role
//!   lines, log boxes, messages in flight) that both renderers draw;
//! - `narration`: the raft widget's French caption line, told from the sim's trace;
//! - `model_narration`: the other systems' widgets' French captions, told from the
//!   models' events.
//!
//! Plain Rust, tested natively.

pub mod layout;
pub mod model_narration;
pub mod narration;
pub mod picture;
