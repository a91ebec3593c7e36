//! The raftdeck server: serves the compiled deck and the frontend bundle.
//!
//! Layout:
//! - `bundle`: the frontend bundle built by `cargo xtask build` (hashed JS glue and WASM)
//!   and where to find it;
//! - `pages`: askama templates (the HTML shell of the talk);
//! - `app`: the axum router and its handlers — `app(state)` is kept apart from any socket
//!   so tests can drive it directly;
//! - `serve`: binding, printing the URLs, graceful shutdown.
//!
//! The binary (`src/main.rs`) is only the CLI glue around these.

pub mod app;
pub mod bundle;
pub mod pages;
pub mod serve;
pub mod token;
