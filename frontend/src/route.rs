//! The URL contract: `#/<slide-id>` and `#/<slide-id>/<step>`.

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

#[cfg(test)]
mod tests {
    use super::*;

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
