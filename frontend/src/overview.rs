//! The overview (O or Esc): every slide as a thumbnail in a grid; arrows choose, Enter or
//! a click goes there. Thumbnails are static renders (`preview`), inert to assistive tech.

use std::rc::Rc;

use deck::Deck;
use yew::prelude::*;

use crate::scaled::ScaledSlide;
use crate::slide::byline;

/// Columns of the grid (the arrow keys move by this much vertically).
pub const COLUMNS: usize = 5;

/// Props of [`Overview`].
#[derive(Properties, PartialEq)]
pub struct OverviewProps {
    /// The deck.
    pub deck: Rc<Deck>,
    /// The highlighted thumbnail.
    pub selected: usize,
    /// The slide being presented.
    pub current: usize,
    /// A thumbnail was chosen.
    pub on_pick: Callback<usize>,
}

/// The overview grid.
#[function_component(Overview)]
pub fn overview(props: &OverviewProps) -> Html {
    let grid = use_node_ref();
    // Keep the highlighted thumbnail focused (visible focus, and in view).
    {
        let grid = grid.clone();
        use_effect_with(props.selected, move |selected| {
            if let Some(grid) = grid.cast::<web_sys::Element>() {
                if let Ok(Some(button)) =
                    grid.query_selector(&format!("[data-overview-index=\"{selected}\"]"))
                {
                    if let Ok(button) =
                        wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(button)
                    {
                        let _ = button.focus();
                    }
                }
            }
        });
    }
    let byline = byline(&props.deck.meta);
    html! {
        <div class="overview" role="dialog" aria-modal="true" aria-label="Vue d’ensemble" data-overview="">
            <div class="overview-grid" ref={grid}>
                { for props.deck.slides.iter().enumerate().map(|(index, slide)| {
                    let on_pick = props.on_pick.clone();
                    let mut class = classes!("overview-thumb");
                    if index == props.selected { class.push("selected"); }
                    if index == props.current { class.push("current"); }
                    html! {
                        <button
                            type="button"
                            {class}
                            data-overview-index={index.to_string()}
                            aria-label={format!("{}. {}", index + 1, slide.title)}
                            aria-current={(index == props.current).then_some("true")}
                            onclick={Callback::from(move |_| on_pick.emit(index))}
                        >
                            <ScaledSlide slide={Rc::new(slide.clone())} step={slide.steps} width={224.0} preview={true}
                                byline={byline.clone()} />
                            <span class="overview-label">{ format!("{}. {}", index + 1, slide.title) }</span>
                        </button>
                    }
                }) }
            </div>
        </div>
    }
}
