//! The controls' icons as inline SVG: they draw the same on every machine, whatever its
//! fonts (a symbol like ⏸ is a missing-glyph box where no font has it).

use yew::prelude::*;

/// An icon: a 24×24 SVG path in the text colour, hidden from assistive technology (the
/// button it sits in carries the words).
fn icon(path: &'static str) -> Html {
    html! {
        <svg class="icon" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" focusable="false">
            <path d={path} fill="currentColor" />
        </svg>
    }
}

/// ◀ previous.
pub fn previous() -> Html {
    icon("M16 4.5v15L5 12z")
}

/// ▶ next.
pub fn next() -> Html {
    icon("M8 4.5v15L19 12z")
}

/// A screen going dark (the black screen).
pub fn blackout() -> Html {
    icon("M3 5h18v12H3zM5 7v8h14V7zM8 19h8v2H8z")
}
