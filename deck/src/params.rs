//! The `key: value` parameters every deck block is written in: a slide's attribute
//! comment (`<!-- id: quorum; layout: full -->`), a widget block (```` ```raft ````) and a
//! table block (```` ```table ````), read the same way and each located by its line.

/// One parameter of a block, or a piece that is not `key: value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param<'a> {
    /// `key: value`, both trimmed.
    Pair {
        /// Line of the source file it is on.
        line: u32,
        /// The key.
        key: &'a str,
        /// The value (may be empty).
        value: &'a str,
    },
    /// A non-empty piece without a `:`, trimmed.
    Malformed {
        /// Line of the source file it is on.
        line: u32,
        /// The piece as written.
        text: &'a str,
    },
}

fn param(text: &str, line: u32) -> Param<'_> {
    match text.split_once(':') {
        Some((key, value)) => Param::Pair {
            line,
            key: key.trim(),
            value: value.trim(),
        },
        None => Param::Malformed { line, text },
    }
}

/// A fenced block's body, one parameter per line; blank lines and `#` comments are
/// skipped. `first_line` is the line number of the body's first line.
pub fn block_params(body: &str, first_line: u32) -> impl Iterator<Item = Param<'_>> {
    body.lines().enumerate().filter_map(move |(offset, raw)| {
        let text = raw.trim();
        if text.is_empty() || text.starts_with('#') {
            return None;
        }
        Some(param(
            text,
            first_line + u32::try_from(offset).unwrap_or(u32::MAX),
        ))
    })
}

/// An attribute comment's inside, parameters separated by `;` or line breaks; all are
/// reported at `line`, the comment's.
pub fn comment_params(inner: &str, line: u32) -> impl Iterator<Item = Param<'_>> {
    inner
        .split([';', '\n'])
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(move |piece| param(piece, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_has_one_parameter_per_line_and_skips_comments() {
        let params: Vec<Param<'_>> =
            block_params("scenario: a.json\n\n# note\n  height : 300 \nbroken\n", 10).collect();
        assert_eq!(
            params,
            [
                Param::Pair {
                    line: 10,
                    key: "scenario",
                    value: "a.json"
                },
                Param::Pair {
                    line: 13,
                    key: "height",
                    value: "300"
                },
                Param::Malformed {
                    line: 14,
                    text: "broken"
                },
            ]
        );
    }

    #[test]
    fn a_comment_splits_on_semicolons_and_lines_at_its_own_line() {
        let params: Vec<Param<'_>> =
            comment_params(" id: a; minutes: 1.5\nlayout:full;; x ", 4).collect();
        assert_eq!(params.len(), 4);
        assert_eq!(
            params[2],
            Param::Pair {
                line: 4,
                key: "layout",
                value: "full"
            }
        );
        assert_eq!(params[3], Param::Malformed { line: 4, text: "x" });
    }
}
