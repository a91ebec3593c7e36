//! One slide on the canvas: its HTML, with fragments revealed up to the current step, and
//! its live widgets mounted into the `.widget-slot` placeholders the deck compiler left
//! (by the widgets module, see `widget_host`).

use std::collections::BTreeMap;
use std::rc::Rc;

use deck::Slide;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

use crate::widget_host::WidgetHost;

/// The speaker and the event (`deck.toml`) as a title slide shows them: `speaker · event`,
/// leaving out what is empty.
pub fn byline(meta: &deck::DeckMeta) -> AttrValue {
    let parts: Vec<&str> = [meta.speaker.as_str(), meta.event.as_str()]
        .into_iter()
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    AttrValue::from(parts.join(" · "))
}

/// Props of [`SlideView`].
#[derive(Properties, PartialEq)]
pub struct SlideProps {
    /// The slide to show.
    pub slide: Rc<Slide>,
    /// How many of its fragments are revealed.
    pub step: u32,
    /// Widget states from elsewhere (presenter sync, shared URL), keyed
    /// `"<slide-id>/<k>"`; a widget adopts its state whenever it changes.
    #[prop_or_default]
    pub widget_states: Rc<BTreeMap<String, serde_json::Value>>,
    /// Called with (`"<slide-id>/<k>"`, state) when the user acts on a widget (an input,
    /// play/pause, seek, speed), not on every animation frame.
    #[prop_or_default]
    pub on_widget_state: Callback<(String, serde_json::Value)>,
    /// A static render (presenter's next-slide preview, overview thumbnails): widgets
    /// show the state implied by the step or their state, without animation or listeners.
    #[prop_or_default]
    pub preview: bool,
    /// Step animations skipped so far (see `app::Model::skips`): a widget playing a
    /// step's animation jumps to its checkpoint when this changes.
    #[prop_or_default]
    pub skips: u32,
    /// The speaker and the event, shown under a title slide's text (see [`byline`]).
    #[prop_or_default]
    pub byline: AttrValue,
}

/// A slide root carrying the DOM hooks `data-slide-id` and `data-step`.
#[function_component(SlideView)]
pub fn slide_view(props: &SlideProps) -> Html {
    let root = use_node_ref();
    // The slots found in the rendered HTML, with the id of the slide they belong to (so a
    // render for a new slide never mounts into the previous slide's detached slots).
    let slots = use_state(|| (String::new(), Vec::<Element>::new()));
    {
        let root = root.clone();
        let slots = slots.clone();
        let id = props.slide.id.clone();
        let html = props.slide.html.clone();
        use_effect_with((id, html), move |(id, _)| {
            if let Some(root) = root.cast::<Element>() {
                slots.set((id.clone(), find_slots(&root)));
            }
        });
    }
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
    let show_byline = slide.layout == deck::Layout::Title && !props.byline.is_empty();
    let mut classes = classes!("slide", format!("layout-{}", slide.layout.name()));
    if let Some(class) = &slide.class {
        classes.push(class.clone());
    }
    let body = Html::from_html_unchecked(AttrValue::from(slide.html.clone()));
    let widgets = if slots.0 == slide.id {
        slots
            .1
            .iter()
            .enumerate()
            .filter_map(|(k, host)| {
                let spec = slide.widgets.get(k)?;
                let key = format!("{}/{k}", slide.id);
                Some(html! {
                    <WidgetHost
                        key={key.clone()}
                        host={host.clone()}
                        spec={Rc::new(spec.clone())}
                        key_name={key.clone()}
                        step={props.step}
                        external={props.widget_states.get(&key).cloned()}
                        on_state={props.on_widget_state.clone()}
                        preview={props.preview}
                        skips={props.skips}
                    />
                })
            })
            .collect::<Html>()
    } else {
        Html::default()
    };
    html! {
        <section
            ref={root}
            class={classes}
            data-slide-id={slide.id.clone()}
            data-step={props.step.to_string()}
            aria-label={slide.title.clone()}
        >
            <div class="slide-body">{ body }</div>
            if show_byline {
                <p class="slide-byline" data-byline="">{ props.byline.clone() }</p>
            }
            { widgets }
        </section>
    }
}

/// The `[data-widget-slot]` placeholders, in slot order (`k` as written by the compiler).
fn find_slots(root: &Element) -> Vec<Element> {
    let Ok(found) = root.query_selector_all("[data-widget-slot]") else {
        return Vec::new();
    };
    let mut slots: Vec<(u32, Element)> = (0..found.length())
        .filter_map(|index| found.item(index)?.dyn_into::<Element>().ok())
        .map(|element| {
            let k = element
                .get_attribute("data-widget-slot")
                .and_then(|value| value.parse::<u32>().ok())
                .unwrap_or(u32::MAX);
            (k, element)
        })
        .collect();
    slots.sort_by_key(|(k, _)| *k);
    slots.into_iter().map(|(_, element)| element).collect()
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
