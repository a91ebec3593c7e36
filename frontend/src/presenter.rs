//! The presenter view (`?presenter`): the live current slide with the speaker notes under
//! it, a preview of what the next click shows and the slides coming up, elapsed time,
//! wall clock, pacing against the planned minutes, the slide counter, the black screen,
//! and the phone remote's QR code. Chrome in English (only the speaker sees it).

use std::collections::BTreeMap;
use std::rc::Rc;

use yew::prelude::*;

use crate::dom::{self, Interval};
use crate::icons;
use crate::navigation::{NavAction, Navigation};
use crate::scaled::ScaledSlide;
use crate::slide::byline;

/// Where the timer's start survives a reload of the presenter window.
const TIMER_KEY: &str = "raftdeck-timer-start";
/// Pacing within this many seconds of the plan counts as on time.
const ON_TIME_SECONDS: f64 = 30.0;
/// The top bar's height (CSS pixels, see `.presenter-bar`).
const BAR_HEIGHT: f64 = 64.0;
/// The gap between panes.
const GAP: f64 = 16.0;
/// How many slides the "coming up" list names.
const COMING_UP: usize = 6;

/// Where the presenter view's panes go in a window: the current slide's width (the notes
/// take the height left under it) and the side column's width (next step, coming up).
pub fn presenter_layout(width: f64, height: f64) -> (f64, f64) {
    let available = (height - BAR_HEIGHT - 2.0 * GAP).max(200.0);
    // The notes keep at least this much height under the current slide.
    let notes = (available * 0.28).max(160.0);
    let current = (width * 0.6 - 1.5 * GAP)
        .min((available - notes - GAP) * 16.0 / 9.0)
        .max(160.0);
    let side = (width - current - 3.0 * GAP).max(160.0);
    (current, side)
}

/// Props of [`PresenterView`].
#[derive(Properties, PartialEq)]
pub struct PresenterProps {
    /// Deck and position.
    pub navigation: Navigation,
    /// Speaker notes (HTML), by slide id.
    pub notes: Rc<BTreeMap<String, String>>,
    /// Widget states.
    pub widget_states: Rc<BTreeMap<String, serde_json::Value>>,
    /// Widget actions.
    pub on_widget_state: Callback<(String, serde_json::Value)>,
    /// Buttons move the deck.
    pub on_navigate: Callback<NavAction>,
    /// The window size, to lay out the panes.
    pub window: (f64, f64),
    /// The presenter token (for the remote's QR code and the handout link).
    pub token: Option<String>,
    /// Served by `raftdeck serve` (the QR code and handout need the server).
    pub served: bool,
    /// Why publishing failed.
    pub sync_problem: Option<String>,
    /// An overlay covers the view.
    pub overlay_open: bool,
    /// The audience's screen is black (B).
    pub blackout: bool,
    /// Toggles the black screen.
    pub on_blackout: Callback<()>,
    /// Step animations skipped so far (see `app::Model::skips`).
    #[prop_or_default]
    pub skips: u32,
}

/// `seconds` as `m:ss` (or `h:mm:ss`).
pub fn clock(seconds: f64) -> String {
    let total = seconds.abs().round() as u64;
    let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}")
    } else {
        format!("{minutes}:{seconds:02}")
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

fn timer_start() -> f64 {
    let stored = storage()
        .and_then(|storage| storage.get_item(TIMER_KEY).ok().flatten())
        .and_then(|text| text.parse::<f64>().ok());
    stored.unwrap_or_else(|| {
        let now = dom::now_ms();
        if let Some(storage) = storage() {
            let _ = storage.set_item(TIMER_KEY, &now.to_string());
        }
        now
    })
}

/// A ticking clock: re-renders every second; returns (timer start, now).
#[hook]
pub fn use_clock() -> (UseStateHandle<f64>, f64) {
    let start = use_state(timer_start);
    let now = use_state(dom::now_ms);
    {
        let now = now.clone();
        use_effect_with((), move |()| {
            let interval = Interval::new(1000, move || now.set(dom::now_ms()));
            move || drop(interval)
        });
    }
    (start, *now)
}

/// Planned minutes as the list shows them: `1`, `1.5` (whole tenths, without the
/// float formatting machinery in the WASM).
fn minutes_text(minutes: f32) -> String {
    let tenths = (minutes.max(0.0) * 10.0).round() as u32;
    if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// The presenter view.
#[function_component(PresenterView)]
pub fn presenter_view(props: &PresenterProps) -> Html {
    let (start, now) = use_clock();
    let font_size = use_state(|| 22_u32);
    let show_qr = use_state(|| false);
    let navigation = &props.navigation;
    let deck = &navigation.deck;
    let index = navigation.position.slide;
    let Some(slide) = deck.slides.get(index) else {
        return Html::default();
    };
    let total = deck.slides.len();

    let elapsed = ((now - *start) / 1000.0).max(0.0);
    // The same estimate `raftdeck check` prints (notes spoken, widgets played).
    let planned = f64::from(deck.estimated_minutes_before(index)) * 60.0;
    let drift = elapsed - planned;
    let (pacing_class, pacing) = if drift.abs() <= ON_TIME_SECONDS {
        ("on-time", "on time".to_owned())
    } else if drift > 0.0 {
        ("behind", format!("{} behind", clock(drift)))
    } else {
        ("ahead", format!("{} ahead", clock(drift)))
    };

    // Layout: the current slide and the notes under it on the left; the next step and
    // the slides coming up on the right.
    let (width, height) = props.window;
    let (current_width, side_width) = presenter_layout(width, height);
    let coming_up: Vec<(usize, &deck::Slide)> = deck
        .slides
        .iter()
        .enumerate()
        .skip(index + 1)
        .take(COMING_UP)
        .collect();

    let next = navigation.next_position();
    let (next_label, next_view) = match next.and_then(|position| {
        deck.slides
            .get(position.slide)
            .map(|next_slide| (position, next_slide))
    }) {
        Some((position, next_slide)) => {
            let label = if position.slide == index {
                format!("Next: step {} of {}", position.step, next_slide.steps)
            } else {
                format!("Next slide: {}", next_slide.title)
            };
            let view = html! {
                <ScaledSlide slide={Rc::new(next_slide.clone())} step={position.step} byline={byline(&deck.meta)}
                    width={side_width} preview={true} widget_states={props.widget_states.clone()} />
            };
            (label, view)
        }
        None => (
            "End of the talk".to_owned(),
            html! { <div class="presenter-end">{ "End of the talk" }</div> },
        ),
    };
    let notes_html = props.notes.get(&slide.id).cloned().unwrap_or_default();
    let notes = if notes_html.is_empty() {
        html! { <p class="notes-none">{ "No notes for this slide." }</p> }
    } else {
        Html::from_html_unchecked(AttrValue::from(notes_html))
    };

    let reset = {
        let start = start.clone();
        Callback::from(move |_: MouseEvent| {
            let now = dom::now_ms();
            if let Some(storage) = storage() {
                let _ = storage.set_item(TIMER_KEY, &now.to_string());
            }
            start.set(now);
        })
    };
    let smaller = {
        let font_size = font_size.clone();
        Callback::from(move |_: MouseEvent| font_size.set((*font_size).saturating_sub(2).max(12)))
    };
    let larger = {
        let font_size = font_size.clone();
        Callback::from(move |_: MouseEvent| font_size.set((*font_size + 2).min(48)))
    };
    let toggle_qr = {
        let show_qr = show_qr.clone();
        Callback::from(move |_: MouseEvent| show_qr.set(!*show_qr))
    };
    let previous = props
        .on_navigate
        .reform(|_: MouseEvent| NavAction::Previous);
    let next_click = props.on_navigate.reform(|_: MouseEvent| NavAction::Next);
    let token = props.token.clone().unwrap_or_default();
    let covered = props.overlay_open;
    let blackout = props.on_blackout.reform(|_: MouseEvent| ());

    html! {
        <div class="presenter" data-view="presenter" inert={covered}>
            <header class="presenter-bar">
                <p class="presenter-counter" data-counter="">
                    { format!("Slide {} / {}", index + 1, total) }
                    if slide.steps > 0 {
                        <span class="presenter-step">{ format!(" · step {} / {}", navigation.position.step, slide.steps) }</span>
                    }
                </p>
                <p class="presenter-timer" data-elapsed="" title="Elapsed since the presenter view opened">
                    <span class="label">{ "Elapsed" }</span>{ clock(elapsed) }
                </p>
                <p class={classes!("presenter-pacing", pacing_class)} data-pacing="" title={format!("The plan reaches this slide at {}", clock(planned))}>
                    <span class="label">{ "Pacing" }</span>{ pacing }
                </p>
                <p class="presenter-clock" data-clock=""><span class="label">{ "Clock" }</span>{ dom::wall_clock() }</p>
                <div class="presenter-buttons">
                    <button type="button" class="button" onclick={previous} aria-label="Previous step">{ icons::previous() }</button>
                    <button type="button" class="button" onclick={next_click} aria-label="Next step">{ icons::next() }</button>
                    <button type="button" class={classes!("button", props.blackout.then_some("button-on"))} onclick={blackout}
                        aria-pressed={props.blackout.to_string()} data-blackout-toggle="" title="Black screen for the audience (B)">{ "Black screen" }</button>
                    <button type="button" class="button" onclick={reset}>{ "Reset timer" }</button>
                    <button type="button" class="button" onclick={smaller} aria-label="Smaller notes">{ "A−" }</button>
                    <button type="button" class="button" onclick={larger} aria-label="Larger notes">{ "A+" }</button>
                    if props.served && !token.is_empty() {
                        <button type="button" class="button" onclick={toggle_qr} aria-expanded={(*show_qr).to_string()}>{ "Phone remote" }</button>
                        <a class="button" href={format!("notes?token={token}")} target="_blank" rel="noopener">{ "Notes handout" }</a>
                    }
                </div>
            </header>
            if props.blackout {
                <p class="presenter-blackout" role="status" data-blackout-on="">{ "The audience sees a black screen — press B to light it again." }</p>
            }
            if let Some(problem) = &props.sync_problem {
                <p class="presenter-problem" role="alert">{ format!("Sync problem: {problem}") }</p>
            } else if props.served && token.is_empty() {
                <p class="presenter-problem" role="alert">{ "No token in the URL: this view cannot move the audience." }</p>
            }
            <div class="presenter-main">
                <div class="presenter-left" style={format!("width:{current_width:.0}px")}>
                    <section class={classes!("presenter-current", props.blackout.then_some("dimmed"))} aria-label={format!("Current slide: {}", slide.title)}>
                        <ScaledSlide slide={Rc::new(slide.clone())} step={navigation.position.step} width={current_width}
                            byline={byline(&deck.meta)}
                            skips={props.skips}
                            widget_states={props.widget_states.clone()} on_widget_state={props.on_widget_state.clone()} />
                    </section>
                    <section class="presenter-notes" data-notes="" aria-label="Speaker notes" tabindex="0"
                        style={format!("font-size:{}px", *font_size)}>
                        { notes }
                    </section>
                </div>
                <aside class="presenter-side" style={format!("width:{side_width:.0}px")}>
                    <section class="presenter-next" data-next="" aria-label="Next">
                        <h2>{ next_label }</h2>
                        { next_view }
                    </section>
                    <section class="presenter-coming" aria-label="Coming up" data-coming-up="">
                        <h2>{ "Coming up" }</h2>
                        <ol>
                            { for coming_up.iter().map(|(k, upcoming)| html! {
                                <li>
                                    <span class="coming-number">{ k + 1 }</span>
                                    <span class="coming-title">{ upcoming.title.clone() }</span>
                                    <span class="coming-minutes">{ format!("{} min", minutes_text(upcoming.minutes)) }</span>
                                </li>
                            }) }
                        </ol>
                    </section>
                </aside>
            </div>
            if *show_qr {
                <div class="presenter-qr" role="dialog" aria-label="Phone remote">
                    <img src={format!("api/remote-qr.svg?token={token}")} alt="QR code of the phone remote's address" width="240" height="240" />
                    <p>{ "Scan with a phone on the same network." }</p>
                </div>
            }
        </div>
    }
}
