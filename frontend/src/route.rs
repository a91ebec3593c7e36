//! The URL contract: `#/<slide-id>` and `#/<slide-id>/<step>` for the position, and the
//! query for the view: `?presenter`, `?follow`, `?remote`, with `&token=…` when served.
//! `?print` (with `&steps`, `&notes`) asks for the print layout instead (see `print`).
//!
//! A shared moment adds the slide's widget states after the position, inside the hash:
//! `#/<slide-id>/<step>?w0=<state>&w1=…` (`k` is the widget's index on the slide, the
//! state is JSON text written by [`deck::url_state::encode_text`]). The part lives in the
//! hash, not in the page's query, so the server never sees it and static hosts serve the
//! link unchanged.
//!
//! Here a state is opaque JSON text: the app parses it (with the browser's parser) into
//! the JSON object it keeps, and what it means is the widgets module's business, which
//! ignores a state it cannot read.

use std::collections::BTreeMap;

use serde_json::Value;

/// A place in the deck as written in the URL hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The slide id.
    pub slide_id: String,
    /// The fragment step (0: no fragment shown yet).
    pub step: u32,
}

impl Route {
    /// Parses a location hash (`#/id`, `#/id/2`, with or without the `#`). Returns `None`
    /// for an empty or foreign hash, so the caller can fall back to the first slide.
    /// Anything after a `?` (shared widget states) is not part of the position.
    pub fn parse(hash: &str) -> Option<Route> {
        let path = hash.strip_prefix('#').unwrap_or(hash);
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        let path = path.strip_prefix('/')?;
        let mut parts = path.splitn(2, '/');
        let slide_id = parts.next().filter(|id| !id.is_empty())?;
        let step = match parts.next() {
            None | Some("") => 0,
            Some(step) => step.trim_end_matches('/').parse().ok()?,
        };
        Some(Route {
            slide_id: slide_id.to_owned(),
            step,
        })
    }

    /// The hash for this route; step 0 is left out so plain slide links stay short.
    pub fn to_hash(&self) -> String {
        if self.step == 0 {
            format!("#/{}", self.slide_id)
        } else {
            format!("#/{}/{}", self.slide_id, self.step)
        }
    }

    /// The hash for this route carrying these widget states (`#/id/2?w0=…&w1=…`); with
    /// no state it is [`Route::to_hash`].
    pub fn to_hash_with_widgets(&self, states: &BTreeMap<u32, String>) -> String {
        let mut hash = self.to_hash();
        for (position, (k, state)) in states.iter().enumerate() {
            hash.push(if position == 0 { '?' } else { '&' });
            hash.push_str(&format!("w{k}={}", deck::url_state::encode_text(state)));
        }
        hash
    }
}

/// The widget states a hash carries, by widget index on the slide. Pairs that are not
/// `w<k>=<state>` or whose state is not base64url of an object's JSON text are ignored: a link mangled by a chat
/// client still opens the slide, with the widgets it could read.
pub fn widget_states_in_hash(hash: &str) -> BTreeMap<u32, String> {
    let Some((_, query)) = hash.split_once('?') else {
        return BTreeMap::new();
    };
    query
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            let k = key.strip_prefix('w')?.parse::<u32>().ok()?;
            let state = deck::url_state::decode_text(value)?;
            Some((k, state))
        })
        .collect()
}

/// The states among `widgets` (keyed `"<slide-id>/<k>"`, as the app keeps them) that
/// belong to `slide_id`, by index; values that are not JSON objects are left out.
pub fn slide_widget_states(
    widgets: &BTreeMap<String, Value>,
    slide_id: &str,
) -> BTreeMap<u32, Value> {
    widgets
        .iter()
        .filter_map(|(key, value)| {
            let (id, k) = key.rsplit_once('/')?;
            if id != slide_id {
                return None;
            }
            let k = k.parse::<u32>().ok()?;
            value.is_object().then(|| (k, value.clone()))
        })
        .collect()
}

/// The app's key for widget `k` of a slide (`"<slide-id>/<k>"`).
pub fn widget_key(slide_id: &str, k: u32) -> String {
    format!("{slide_id}/{k}")
}

/// Which page the URL asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// The slides, navigated on their own (the default).
    #[default]
    Audience,
    /// The slides, following the presenter (`?follow`).
    Follow,
    /// The presenter view: current slide, next, notes, timers (`?presenter`).
    Presenter,
    /// The phone remote: big previous/next buttons, title, notes, timer (`?remote`).
    Remote,
}

/// The page's query string, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageQuery {
    /// The view asked for.
    pub view: View,
    /// The presenter token, when the URL carries one.
    pub token: Option<String>,
    /// `?print`: every slide stacked for printing, with these options.
    pub print: Option<PrintOptions>,
}

/// What the print layout (`?print`) shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrintOptions {
    /// `&steps`: one page per step of every slide instead of one per slide.
    pub steps: bool,
    /// `&notes`: each slide's speaker notes under it (when the deck carries them).
    pub notes: bool,
}

impl PageQuery {
    /// Parses `location.search` (`?presenter&token=abc`); unknown keys are ignored.
    pub fn parse(search: &str) -> PageQuery {
        let mut query = PageQuery::default();
        let mut print = None;
        let mut options = PrintOptions::default();
        for pair in search.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "presenter" => query.view = View::Presenter,
                "follow" => query.view = View::Follow,
                "remote" => query.view = View::Remote,
                "token" if !value.is_empty() => query.token = Some(value.to_owned()),
                "print" => print = Some(()),
                "steps" => options.steps = true,
                "notes" => options.notes = true,
                _ => {}
            }
        }
        // `&steps` and `&notes` only mean something next to `?print`.
        query.print = print.map(|()| options);
        query
    }

    /// The query string for `view` keeping this token (`?follow&token=abc`).
    pub fn search_for(&self, view: View) -> String {
        let name = match view {
            View::Audience => "",
            View::Follow => "follow",
            View::Presenter => "presenter",
            View::Remote => "remote",
        };
        let mut parts: Vec<String> = Vec::new();
        if !name.is_empty() {
            parts.push(name.to_owned());
        }
        if let Some(token) = &self.token {
            parts.push(format!("token={token}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_views_and_tokens() {
        assert_eq!(PageQuery::parse(""), PageQuery::default());
        assert_eq!(
            PageQuery::parse("?presenter&token=abc"),
            PageQuery {
                view: View::Presenter,
                token: Some("abc".into()),
                print: None,
            }
        );
        assert_eq!(PageQuery::parse("?follow").view, View::Follow);
        assert_eq!(PageQuery::parse("?remote&token=").token, None);
        let query = PageQuery::parse("?presenter&token=abc");
        assert_eq!(query.search_for(View::Follow), "?follow&token=abc");
        assert_eq!(PageQuery::default().search_for(View::Audience), "");
    }

    #[test]
    fn parses_print_options() {
        assert_eq!(
            PageQuery::parse("?print").print,
            Some(PrintOptions::default())
        );
        assert_eq!(
            PageQuery::parse("?print&steps&notes").print,
            Some(PrintOptions {
                steps: true,
                notes: true
            })
        );
        assert_eq!(
            PageQuery::parse("?notes&print").print,
            Some(PrintOptions {
                steps: false,
                notes: true
            })
        );
        // Without `print`, the options are ignored.
        assert_eq!(PageQuery::parse("?steps&notes").print, None);
        assert_eq!(PageQuery::parse("?presenter").print, None);
    }

    #[test]
    fn parses_slide_and_step() {
        assert_eq!(
            Route::parse("#/quorum/2"),
            Some(Route {
                slide_id: "quorum".into(),
                step: 2
            })
        );
        assert_eq!(
            Route::parse("#/quorum"),
            Some(Route {
                slide_id: "quorum".into(),
                step: 0
            })
        );
        assert_eq!(
            Route::parse("/quorum/"),
            Some(Route {
                slide_id: "quorum".into(),
                step: 0
            })
        );
    }

    #[test]
    fn rejects_foreign_hashes() {
        assert_eq!(Route::parse(""), None);
        assert_eq!(Route::parse("#"), None);
        assert_eq!(Route::parse("#/"), None);
        assert_eq!(Route::parse("#section"), None);
        assert_eq!(Route::parse("#/quorum/x"), None);
    }

    #[test]
    fn round_trips() {
        for hash in ["#/titre", "#/quorum/3"] {
            assert_eq!(Route::parse(hash).unwrap().to_hash(), hash);
        }
    }

    /// A state as the widgets module writes it (its schema is not the app's concern).
    fn crashed_leader() -> String {
        r#"{"inputs":[{"at":1200,"act":{"crash":{"node":"n1"}}}],"sim_ms":2345}"#.to_owned()
    }

    #[test]
    fn widget_states_round_trip_through_the_hash() {
        let route = Route {
            slide_id: "panne-leader".into(),
            step: 2,
        };
        let paused = r#"{"sim_ms":800}"#.to_owned();
        let states = BTreeMap::from([(0, crashed_leader()), (3, paused)]);
        let hash = route.to_hash_with_widgets(&states);
        assert!(hash.starts_with("#/panne-leader/2?w0="));
        assert!(hash.contains("&w3="));
        assert_eq!(Route::parse(&hash), Some(route.clone()));
        assert_eq!(widget_states_in_hash(&hash), states);
        // No state: the plain position, exactly as before.
        assert_eq!(
            route.to_hash_with_widgets(&BTreeMap::new()),
            "#/panne-leader/2"
        );
    }

    #[test]
    fn step_zero_links_with_states_parse() {
        let route = Route {
            slide_id: "quorum".into(),
            step: 0,
        };
        let states = BTreeMap::from([(0, crashed_leader())]);
        let hash = route.to_hash_with_widgets(&states);
        assert!(hash.starts_with("#/quorum?w0="));
        assert_eq!(Route::parse(&hash), Some(route));
        assert_eq!(widget_states_in_hash(&hash), states);
    }

    #[test]
    fn foreign_or_garbled_widget_parts_are_ignored() {
        let good = deck::url_state::encode_text(&crashed_leader());
        let hash = format!(
            "#/quorum/1?utm_source=chat&w=abc&wx={good}&w1=%%%&w2=Zm9v&w-1={good}&w4&w0={good}"
        );
        assert_eq!(
            Route::parse(&hash),
            Some(Route {
                slide_id: "quorum".into(),
                step: 1
            })
        );
        assert_eq!(
            widget_states_in_hash(&hash),
            BTreeMap::from([(0, crashed_leader())])
        );
        for hash in [
            "",
            "#",
            "#/quorum",
            "#/quorum?",
            "#/quorum?&&=",
            "?w0=",
            "#/q?w0=é",
        ] {
            assert!(widget_states_in_hash(hash).is_empty(), "{hash}");
        }
        // A truncated state (a link cut by a mail client) is dropped, not a panic.
        let cut = format!("#/quorum?w0={}", &good[..good.len() / 2]);
        assert!(widget_states_in_hash(&cut).is_empty());
    }

    #[test]
    fn picks_the_slide_widget_states_from_the_app_map() {
        let widgets = BTreeMap::from([
            (
                widget_key("a", 0),
                serde_json::from_str(&crashed_leader()).unwrap(),
            ),
            (widget_key("a", 2), serde_json::json!({})),
            (widget_key("ab", 1), serde_json::json!({})),
            ("a/x".to_owned(), serde_json::json!({})),
            (widget_key("a", 5), serde_json::json!(3)),
        ]);
        let states = slide_widget_states(&widgets, "a");
        assert_eq!(
            states,
            BTreeMap::from([
                (0, serde_json::from_str(&crashed_leader()).unwrap()),
                (2, serde_json::json!({}))
            ])
        );
        assert!(slide_widget_states(&widgets, "zzz").is_empty());
    }
}
