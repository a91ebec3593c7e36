//! The URL contract: `#/<slide-id>` and `#/<slide-id>/<step>` for the position, and the
//! query for the view: `?presenter`, `?follow`, `?remote`, with `&token=…` when served.

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
    pub fn parse(hash: &str) -> Option<Route> {
        let path = hash.strip_prefix('#').unwrap_or(hash);
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
}

impl PageQuery {
    /// Parses `location.search` (`?presenter&token=abc`); unknown keys are ignored.
    pub fn parse(search: &str) -> PageQuery {
        let mut query = PageQuery::default();
        for pair in search.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "presenter" => query.view = View::Presenter,
                "follow" => query.view = View::Follow,
                "remote" => query.view = View::Remote,
                "token" if !value.is_empty() => query.token = Some(value.to_owned()),
                _ => {}
            }
        }
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
                token: Some("abc".into())
            }
        );
        assert_eq!(PageQuery::parse("?follow").view, View::Follow);
        assert_eq!(PageQuery::parse("?remote&token=").token, None);
        let query = PageQuery::parse("?presenter&token=abc");
        assert_eq!(query.search_for(View::Follow), "?follow&token=abc");
        assert_eq!(PageQuery::default().search_for(View::Audience), "");
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
}
