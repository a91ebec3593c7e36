//! The print layout (`?print`, `&steps`, `&notes`): every slide — or every step of every
//! slide — stacked, one per printed page, so that the browser's own print (Ctrl+P) and
//! `raftdeck pdf` produce the same 16:9 pages.
//!
//! Widgets are rendered as previews seeked to their key state: the checkpoint of the
//! page's step, that is the last bound checkpoint when a slide is printed fully revealed.
//! Nothing plays and nothing waits on a clock. Once every page's widgets are mounted and
//! every image has loaded, the root gets `data-print-ready="true"`: `raftdeck pdf` waits
//! for that attribute before printing, so readiness is a signal, never a guessed delay.

use deck::Deck;

pub use crate::route::PrintOptions;

/// One printed page: a slide at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintPage {
    /// The slide's index in the deck.
    pub slide: usize,
    /// The step shown (fragments up to it revealed, widgets at its checkpoint).
    pub step: u32,
}

/// The pages to print: one per slide, fully revealed; with `steps`, one per step of each
/// slide, from 0 (nothing revealed) to its last step.
pub fn print_pages(deck: &Deck, steps: bool) -> Vec<PrintPage> {
    deck.slides
        .iter()
        .enumerate()
        .flat_map(|(slide, spec)| {
            let first = if steps { 0 } else { spec.steps };
            (first..=spec.steps).map(move |step| PrintPage { slide, step })
        })
        .collect()
}

#[cfg(target_arch = "wasm32")]
pub use view::{PrintProps, PrintView};

#[cfg(target_arch = "wasm32")]
mod view {
    use std::rc::Rc;

    use deck::Deck;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::Element;
    use yew::prelude::*;

    use super::{print_pages, PrintOptions};
    use crate::dom::Interval;
    use crate::slide::{byline, SlideView};

    /// How often the page checks whether everything is rendered. Only the moment the
    /// ready attribute appears depends on it, never what is printed.
    const READY_CHECK_MS: i32 = 20;

    /// Props of [`PrintView`].
    #[derive(Properties, PartialEq)]
    pub struct PrintProps {
        /// Where to fetch the deck JSON (relative to the page).
        pub deck_url: AttrValue,
        /// Steps and notes.
        pub options: PrintOptions,
    }

    /// Every page of the deck, stacked for printing.
    #[function_component(PrintView)]
    pub fn print_view(props: &PrintProps) -> Html {
        let loaded = use_state(|| None::<Result<Rc<Deck>, String>>);
        {
            let loaded = loaded.clone();
            let url = props.deck_url.to_string();
            use_effect_with((), move |()| {
                // The app's screen styles pin the page to the window; the print layout
                // scrolls and flows across pages.
                if let Some(html) = web_sys::window()
                    .and_then(|window| window.document())
                    .and_then(|document| document.document_element())
                {
                    let _ = html.class_list().add_1("print-mode");
                }
                wasm_bindgen_futures::spawn_local(async move {
                    loaded.set(Some(crate::hooks::load_deck(&url).await));
                });
            });
        }
        let root = use_node_ref();
        // Hooks come before any early return, so every render calls them in one order.
        let widgets: Option<u32> = match &*loaded {
            Some(Ok(deck)) => Some(
                print_pages(deck, props.options.steps)
                    .iter()
                    .filter_map(|page| deck.slides.get(page.slide))
                    .map(|slide| slide.widgets.len() as u32)
                    .sum(),
            ),
            _ => None,
        };
        let checker = use_mut_ref(|| None::<Interval>);
        {
            let root = root.clone();
            use_effect_with(widgets, move |widgets| {
                if let Some(widgets) = *widgets {
                    *checker.borrow_mut() = Interval::new(READY_CHECK_MS, move || {
                        if let Some(element) = root.cast::<Element>() {
                            if !element.has_attribute("data-print-ready")
                                && everything_rendered(&element, widgets)
                            {
                                let _ = element.set_attribute("data-print-ready", "true");
                            }
                        }
                    });
                }
                move || drop(checker.borrow_mut().take())
            });
        }
        let deck = match &*loaded {
            None => {
                return html! {
                    <div class="boot" role="status"><p class="boot-message">{ "Chargement de la présentation…" }</p></div>
                }
            }
            Some(Err(message)) => {
                return html! {
                    <div class="boot boot-failed" role="alert">
                        <p class="boot-title">{ "La présentation n’a pas pu être chargée." }</p>
                        <p class="boot-message">{ message.clone() }</p>
                    </div>
                }
            }
            Some(Ok(deck)) => deck.clone(),
        };
        let pages = print_pages(&deck, props.options.steps);
        let total = deck.slides.len();
        let notes = props.options.notes;
        let byline = byline(&deck.meta);
        html! {
            <div ref={root} class={classes!("print", notes.then_some("print-with-notes"))}
                data-print-pages={pages.len().to_string()}>
                { for pages.iter().filter_map(|page| {
                    let slide = Rc::new(deck.slides.get(page.slide)?.clone());
                    let slide_notes = notes
                        .then(|| deck.notes.get(&slide.id))
                        .flatten()
                        .map(|html| Html::from_html_unchecked(AttrValue::from(html.clone())));
                    Some(html! {
                        <article class="print-page" key={format!("{}/{}", slide.id, page.step)}>
                            <div class="print-slide">
                                <div class="canvas">
                                    <SlideView slide={slide} step={page.step} preview={true} byline={byline.clone()} />
                                    <div class="slide-number" aria-hidden="true">
                                        { format!("{} / {}", page.slide + 1, total) }
                                    </div>
                                </div>
                            </div>
                            if let Some(slide_notes) = slide_notes {
                                <div class="print-notes" data-notes="">{ slide_notes }</div>
                            }
                        </article>
                    })
                }) }
            </div>
        }
    }

    /// Every widget the pages hold is mounted with its nodes drawn, and every image has
    /// finished loading.
    fn everything_rendered(root: &Element, widgets: u32) -> bool {
        let mounted = root
            .query_selector_all("[data-widget]")
            .map_or(0, |found| found.length());
        if mounted < widgets {
            return false;
        }
        let Ok(images) = root.query_selector_all("img") else {
            return false;
        };
        (0..images.length()).all(|index| {
            images.item(index).is_some_and(|image| {
                js_sys::Reflect::get(image.unchecked_ref(), &JsValue::from_str("complete"))
                    .ok()
                    .and_then(|complete| complete.as_bool())
                    .unwrap_or(true)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deck_with_steps(steps: &[u32]) -> Deck {
        let slides: Vec<serde_json::Value> = steps
            .iter()
            .enumerate()
            .map(|(index, steps)| {
                serde_json::json!({
                    "id": format!("s{index}"), "title": "T", "chapter": "c", "html": "", "steps": steps,
                    "layout": "content", "minutes": 1.0,
                    "source": { "file": "slides/01.md", "line": 1 }
                })
            })
            .collect();
        let value = serde_json::json!({
            "meta": { "title": "T", "speaker": "", "event": "", "description": "",
                      "planned_minutes": 1, "lang": "fr" },
            "slides": slides,
        });
        serde_json::from_value(value).expect("a deck")
    }

    #[test]
    fn one_page_per_slide_fully_revealed() {
        let deck = deck_with_steps(&[0, 3, 1]);
        assert_eq!(
            print_pages(&deck, false),
            vec![
                PrintPage { slide: 0, step: 0 },
                PrintPage { slide: 1, step: 3 },
                PrintPage { slide: 2, step: 1 },
            ]
        );
    }

    #[test]
    fn one_page_per_step_with_steps() {
        let deck = deck_with_steps(&[0, 2]);
        let pages = print_pages(&deck, true);
        assert_eq!(pages.len(), 4);
        assert_eq!(pages[1], PrintPage { slide: 1, step: 0 });
        assert_eq!(pages[3], PrintPage { slide: 1, step: 2 });
    }
}
