//! The raftdeck server: serves the compiled deck and the frontend bundle.
//!
//! Layout:
//! - `bundle`: the frontend bundle built by `cargo xtask build` (hashed JS glue and WASM)
//!   and where to find it;
//! - `pages`: askama templates (the HTML shell of the talk);
//! - `app`: the axum router and its handlers — `app(state)` is kept apart from any socket
//!   so tests can drive it directly;
//! - `sync`: the presenter → audience sync hub (latest state, numbered, fanned out);
//! - `live`: watching the deck files and recompiling them for live reload;
//! - `qr`: the phone remote's URL as a QR code (SVG and terminal);
//! - `serve`: binding, printing the URLs, graceful shutdown;
//! - `export`: `raftdeck build`, the static site; `single_file`: `raftdeck build
//!   --single-file`, the talk as one offline HTML file;
//! - `pdf`: `raftdeck pdf`, the print layout printed by headless Chromium;
//! - `svg_export`: `raftdeck export`, a scenario as an animated SVG (and PNG frames).
//!
//! The binary (`src/main.rs`) is only the CLI glue around these.

/// `println!` for the CLI's output: a closed stdout (`raftdeck sim … | head`) ends the
/// output quietly instead of panicking, as for any Unix filter.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stdout(), $($arg)*);
    }};
}

pub mod app;
pub mod bundle;
pub mod export;
pub mod live;
pub mod pages;
pub mod pdf;
pub mod qr;
pub mod real;
pub mod serve;
pub mod single_file;
pub mod stage;
pub mod svg_export;
pub mod sync;
pub mod token;
