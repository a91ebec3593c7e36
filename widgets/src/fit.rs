//! Keeps SVG labels inside the room the drawing gave them. A drawing marks a label with
//! `data-fit="W"` (the most it may take, in SVG units); after each render the browser
//! measures it with the real font, and a label that would run past its box is narrowed
//! to W (`textLength`). The drawings leave enough room for their usual text; this is the
//! guard for a long name, a long countdown or another machine's font.

use wasm_bindgen::JsCast;
use web_sys::{Element, SvgTextContentElement};

/// The text a label was last fitted for, so an unchanged label costs no measurement.
const FITTED: &str = "data-fitted";

/// Fits every `text[data-fit]` under `root`.
pub fn fit_texts(root: &Element) {
    let Ok(labels) = root.query_selector_all("text[data-fit]") else {
        return;
    };
    for index in 0..labels.length() {
        let Some(label) = labels
            .item(index)
            .and_then(|node| node.dyn_into::<SvgTextContentElement>().ok())
        else {
            continue;
        };
        let text = label.text_content().unwrap_or_default();
        let room = label
            .get_attribute("data-fit")
            .and_then(|value| value.parse::<f32>().ok())
            .unwrap_or(f32::MAX);
        let key = format!("{room}|{text}");
        if label.get_attribute(FITTED).as_deref() == Some(key.as_str()) {
            continue;
        }
        let _ = label.remove_attribute("textLength");
        let _ = label.remove_attribute("lengthAdjust");
        if label.get_computed_text_length() > room {
            let _ = label.set_attribute("textLength", &format!("{room:.1}"));
            let _ = label.set_attribute("lengthAdjust", "spacingAndGlyphs");
        }
        let _ = label.set_attribute(FITTED, &key);
    }
}
