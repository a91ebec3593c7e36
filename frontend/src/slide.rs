//! One slide on the canvas: its HTML, with fragments revealed up to the current step.

use std::rc::Rc;

use deck::Slide;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

/// Props of [`SlideView`].
#[derive(Properties, PartialEq)]
pub struct SlideProps {
    /// The slide to show.
    pub slide: Rc<Slide>,
    /// How many of its fragments are revealed.
    pub step: u32,
}

/// A slide root carrying the DOM hooks `data-slide-id` and `data-step`.
#[function_component(SlideView)]
pub fn slide_view(props: &SlideProps) -> Html {
    let root = use_node_ref();
    {
        let root = root.clone();
        let html = props.slide.html.clone();
        use_effect_with((html, props.step), move |(_, step)| {
            if let Some(root) = root.cast::<Element>() {
                reveal_fragments(&root, *step);
            }
        });
    }
    let slide = &props.slide;
    let mut classes = classes!("slide", format!("layout-{}", slide.layout.name()));
    if let Some(class) = &slide.class {
        classes.push(class.clone());
    }
    let body = Html::from_html_unchecked(AttrValue::from(slide.html.clone()));
    html! {
        <section
            ref={root}
            class={classes}
            data-slide-id={slide.id.clone()}
            data-step={props.step.to_string()}
            aria-label={slide.title.clone()}
        >
            <div class="slide-body">{ body }</div>
        </section>
    }
}

/// Marks `[data-fragment="k"]` elements visible for k ≤ step, hidden otherwise.
fn reveal_fragments(root: &Element, step: u32) {
    let Ok(fragments) = root.query_selector_all("[data-fragment]") else {
        return;
    };
    for index in 0..fragments.length() {
        let Some(element) = fragments
            .item(index)
            .and_then(|node| node.dyn_into::<Element>().ok())
        else {
            continue;
        };
        let number = element
            .get_attribute("data-fragment")
            .and_then(|value| value.parse::<u32>().ok())
            .unwrap_or(0);
        let visible = number <= step;
        let classes = element.class_list();
        let _ = classes.toggle_with_force("visible", visible);
        let _ = element.set_attribute("aria-hidden", if visible { "false" } else { "true" });
    }
}
