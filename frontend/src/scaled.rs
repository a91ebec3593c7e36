//! A slide drawn on its 1280×720 canvas and scaled to a given width: the presenter's
//! current and next slides, the overview's thumbnails.

use std::collections::BTreeMap;
use std::rc::Rc;

use deck::Slide;
use yew::prelude::*;

use crate::slide::SlideView;

/// The logical canvas width every slide is laid out on.
pub const CANVAS_WIDTH: f64 = 1280.0;
/// The logical canvas height.
pub const CANVAS_HEIGHT: f64 = 720.0;

/// Props of [`ScaledSlide`].
#[derive(Properties, PartialEq)]
pub struct ScaledProps {
    /// The slide.
    pub slide: Rc<Slide>,
    /// Its step.
    pub step: u32,
    /// Width on screen, in CSS pixels.
    pub width: f64,
    /// A static render: inert, hidden from assistive tech, widgets not animated.
    #[prop_or_default]
    pub preview: bool,
    /// Widget states (see `SlideProps`).
    #[prop_or_default]
    pub widget_states: Rc<BTreeMap<String, serde_json::Value>>,
    /// Widget actions (see `SlideProps`).
    #[prop_or_default]
    pub on_widget_state: Callback<(String, serde_json::Value)>,
    /// Step animations skipped so far (see `SlideProps`).
    #[prop_or_default]
    pub skips: u32,
    /// A title slide's byline (see `SlideProps`).
    #[prop_or_default]
    pub byline: AttrValue,
}

/// A scaled slide.
#[function_component(ScaledSlide)]
pub fn scaled_slide(props: &ScaledProps) -> Html {
    let width = props.width.max(16.0);
    let scale = width / CANVAS_WIDTH;
    let height = CANVAS_HEIGHT * scale;
    let box_style = format!("width:{width:.1}px;height:{height:.1}px");
    let canvas_style =
        format!("width:{CANVAS_WIDTH}px;height:{CANVAS_HEIGHT}px;transform:scale({scale:.5})");
    html! {
        <div
            class={classes!("scaled", props.preview.then_some("preview"))}
            style={box_style}
            inert={props.preview}
            aria-hidden={props.preview.then_some("true")}
        >
            <div class="canvas" style={canvas_style}>
                <SlideView
                    slide={props.slide.clone()}
                    step={props.step}
                    preview={props.preview}
                    widget_states={props.widget_states.clone()}
                    on_widget_state={props.on_widget_state.clone()}
                    skips={props.skips}
                    byline={props.byline.clone()}
                />
            </div>
        </div>
    }
}
