//! The transport controls' icons as inline SVG: they draw the same on every machine,
//! whatever its fonts (⏸ is a missing-glyph box where no font has it).

use yew::prelude::*;

/// An icon: a 24×24 SVG path in the text colour, hidden from assistive technology (the
/// button's words or label say what it does).
fn icon(path: &'static str) -> Html {
    html! {
        <svg class="icon" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" focusable="false">
            <path d={path} fill="currentColor" />
        </svg>
    }
}

/// Play.
pub fn play() -> Html {
    icon("M7 4.5v15L19 12z")
}

/// Pause.
pub fn pause() -> Html {
    icon("M6 4.5h4.5v15H6zM13.5 4.5H18v15h-4.5z")
}

/// One step (to the next instant with events).
pub fn step() -> Html {
    icon("M5 4.5v15L15 12zM16 4.5h3v15h-3z")
}

/// To the next told event.
pub fn jump() -> Html {
    icon("M3 4.5v15L11.5 12zM12 4.5v15L20.5 12z")
}

/// Back to the start.
pub fn reset() -> Html {
    icon("M12 4a8 8 0 1 1-7.75 10h2.1A6 6 0 1 0 12 6v3L7 5l5-4z")
}
