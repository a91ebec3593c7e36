//! French typography, applied by the compiler to the text of slides and notes.
//!
//! What a French typesetter does by hand, done once at build time so no author has to
//! type invisible characters:
//! - a narrow no-break space (U+202F) before `;` `:` `?` `!` and `»`, and after `«`, so a
//!   title never wraps before its « ? » and quotes never lose their guillemets;
//! - a no-break space (U+00A0) between a number and its unit (« 99,9 % », « 300 s »);
//! - a narrow no-break space between digit groups (« 1 000 ms »);
//! - typographic apostrophes (« l’API » rather than « l'API »).
//!
//! Only text is touched: callers never pass code (inline or fenced), and [`html_text`]
//! rewrites the text between tags of raw HTML, never a tag or its attributes, nor what a
//! `<code>`, `<pre>`, `<script>` or `<style>` element holds. A `:` or `?` with no space
//! before it (`https://…`, `?presenter`, `10:30`) is left alone: only an existing space is
//! made unbreakable, so URLs and times typed in text survive.

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

/// Narrow no-break space: before high punctuation, inside guillemets, between digit groups.
pub const NARROW_NBSP: char = '\u{202F}';
/// No-break space: between a number and its unit.
pub const NBSP: char = '\u{A0}';

/// Units that stay on the line of the number before them.
const UNITS: [&str; 22] = [
    "%", "ms", "s", "min", "h", "j", "jours", "jour", "heures", "heure", "minutes", "minute",
    "secondes", "seconde", "Go", "Mo", "ko", "To", "€", "km", "membres", "ans",
];

/// The text of a Markdown text run, typeset. `text` holds no code.
pub fn text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (index, &c) in chars.iter().enumerate() {
        let previous = index.checked_sub(1).map(|i| chars[i]);
        let next = chars.get(index + 1).copied();
        match c {
            ' ' | NBSP => {
                let after_digit = previous.is_some_and(|p| p.is_ascii_digit());
                let high_punctuation =
                    matches!(next, Some(';' | ':' | '?' | '!' | '»')) || previous == Some('«');
                if high_punctuation || (after_digit && starts_digit_group(&chars[index + 1..])) {
                    out.push(NARROW_NBSP);
                } else if previous.is_some_and(|p| p.is_ascii_digit())
                    && starts_unit(&chars[index + 1..])
                {
                    out.push(NBSP);
                } else {
                    out.push(c);
                }
            }
            '«' => {
                out.push(c);
                if next.is_some_and(|n| !n.is_whitespace() && n != NARROW_NBSP) {
                    out.push(NARROW_NBSP);
                }
            }
            '»' => {
                if previous.is_some_and(|p| !p.is_whitespace() && p != NARROW_NBSP) {
                    out.push(NARROW_NBSP);
                }
                out.push(c);
            }
            '\'' if previous.is_some_and(char::is_alphabetic)
                && next.is_some_and(char::is_alphabetic) =>
            {
                out.push('’')
            }
            other => out.push(other),
        }
    }
    out
}

/// Three digits then no further digit: the next group of a number like « 1 000 ».
fn starts_digit_group(rest: &[char]) -> bool {
    rest.len() >= 3
        && rest[..3].iter().all(char::is_ascii_digit)
        && rest.get(3).is_none_or(|c| !c.is_ascii_digit())
}

/// One of [`UNITS`] as a whole word.
fn starts_unit(rest: &[char]) -> bool {
    UNITS.iter().any(|unit| {
        let unit: Vec<char> = unit.chars().collect();
        rest.len() >= unit.len()
            && rest[..unit.len()] == unit[..]
            && rest
                .get(unit.len())
                .is_none_or(|c| !c.is_alphanumeric() && *c != '_')
    })
}

/// Markdown events with their prose typeset: text runs ([`text`]) and raw HTML
/// ([`html_text`]); code (inline and fenced) and image descriptions (rendered as `alt`
/// attributes) are left as written.
pub fn events(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut code_depth = 0_u32;
    let mut image_depth = 0_u32;
    events
        .into_iter()
        .map(|event| match event {
            Event::Start(Tag::CodeBlock(_)) => {
                code_depth += 1;
                event
            }
            Event::End(TagEnd::CodeBlock) => {
                code_depth = code_depth.saturating_sub(1);
                event
            }
            Event::Start(Tag::Image { .. }) => {
                image_depth += 1;
                event
            }
            Event::End(TagEnd::Image) => {
                image_depth = image_depth.saturating_sub(1);
                event
            }
            Event::Text(prose) if code_depth == 0 && image_depth == 0 => {
                Event::Text(CowStr::from(text(&prose)))
            }
            Event::Html(html) if code_depth == 0 => Event::Html(CowStr::from(html_text(&html))),
            Event::InlineHtml(html) if code_depth == 0 => {
                Event::InlineHtml(CowStr::from(html_text(&html)))
            }
            other => other,
        })
        .collect()
}

/// Raw HTML with the text between its tags typeset; tags, attributes, comments and the
/// content of `<code>`, `<pre>`, `<script>` and `<style>` are copied unchanged.
pub fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 8);
    let mut rest = html;
    // Depth of elements whose content is not prose.
    let mut verbatim_depth = 0_u32;
    while !rest.is_empty() {
        let Some(open) = rest.find('<') else {
            push_text(&mut out, rest, verbatim_depth);
            break;
        };
        push_text(&mut out, &rest[..open], verbatim_depth);
        rest = &rest[open..];
        let end = if rest.starts_with("<!--") {
            rest.find("-->").map_or(rest.len(), |end| end + 3)
        } else {
            rest.find('>').map_or(rest.len(), |end| end + 1)
        };
        let tag = &rest[..end];
        let name: String = tag
            .trim_start_matches('<')
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if matches!(name.as_str(), "code" | "pre" | "script" | "style") && !tag.ends_with("/>") {
            if tag.starts_with("</") {
                verbatim_depth = verbatim_depth.saturating_sub(1);
            } else {
                verbatim_depth += 1;
            }
        }
        out.push_str(tag);
        rest = &rest[end..];
    }
    out
}

fn push_text(out: &mut String, text: &str, verbatim_depth: u32) {
    if verbatim_depth > 0 {
        out.push_str(text);
    } else {
        // `&#x27;` and `&nbsp;` are how authors and generators write them in raw HTML.
        out.push_str(&self::text(
            &text.replace("&#x27;", "'").replace("&#39;", "'"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_punctuation_gets_a_narrow_no_break_space() {
        assert_eq!(
            text("Deux sites : bonne idée ? Oui ! Enfin ; presque"),
            "Deux sites\u{202F}: bonne idée\u{202F}? Oui\u{202F}! Enfin\u{202F}; presque"
        );
    }

    #[test]
    fn guillemets_hold_their_words_with_or_without_typed_spaces() {
        assert_eq!(text("« quorum »"), "«\u{202F}quorum\u{202F}»");
        assert_eq!(text("«quorum»"), "«\u{202F}quorum\u{202F}»");
    }

    #[test]
    fn numbers_keep_their_units_and_digit_groups() {
        assert_eq!(text("99,9 %"), "99,9\u{A0}%");
        assert_eq!(text("1 000 ms"), "1\u{202F}000\u{A0}ms");
        assert_eq!(text("50 s + 300 s"), "50\u{A0}s + 300\u{A0}s");
        assert_eq!(text("8 760 heures"), "8\u{202F}760\u{A0}heures");
        // Not a unit, not a digit group: ordinary spaces stay.
        assert_eq!(text("3 sites, 2 sur 3"), "3 sites, 2 sur 3");
        assert_eq!(text("en 2025 le 18"), "en 2025 le 18");
        assert_eq!(text("1 0000"), "1 0000");
        assert_eq!(text("5 secrets"), "5 secrets");
    }

    #[test]
    fn apostrophes_become_typographic_between_letters_only() {
        assert_eq!(text("l'API n'est pas"), "l’API n’est pas");
        assert_eq!(text("'quoted'"), "'quoted'");
        assert_eq!(text("aujourd'hui"), "aujourd’hui");
    }

    #[test]
    fn urls_and_times_without_a_space_are_left_alone() {
        assert_eq!(text("https://etcd.io/docs?x=1"), "https://etcd.io/docs?x=1");
        assert_eq!(text("10:30"), "10:30");
        assert_eq!(text("/?presenter"), "/?presenter");
    }

    #[test]
    fn raw_html_keeps_tags_attributes_and_code() {
        let html = r#"<p class="source" title="a : b">Source : etcd.io</p><code>a : b</code><pre>x ? y</pre> c'est « ok »"#;
        assert_eq!(
            html_text(html),
            "<p class=\"source\" title=\"a : b\">Source\u{202F}: etcd.io</p><code>a : b</code><pre>x ? y</pre> c’est «\u{202F}ok\u{202F}»"
        );
        assert_eq!(html_text("<!-- a : b -->"), "<!-- a : b -->");
        assert_eq!(html_text("L&#x27;API : oui"), "L’API\u{202F}: oui");
    }

    #[test]
    fn typesetting_twice_changes_nothing() {
        let once = text("« Le quorum : 1 000 ms, 99,9 % ? »");
        assert_eq!(text(&once), once);
        assert_eq!(html_text(&once), once);
    }
}

#[cfg(test)]
mod event_tests {
    use super::*;
    use pulldown_cmark::{html, Parser};

    fn render(markdown: &str) -> String {
        let mut out = String::new();
        html::push_html(
            &mut out,
            events(Parser::new(markdown).collect()).into_iter(),
        );
        out
    }

    #[test]
    fn code_links_and_image_descriptions_are_not_typeset() {
        let out = render(
            "Titre : `a : b` [lien ?](https://x.io/a?b=c) ![alt : x](i.svg)\n\n```\nk : v\n```\n",
        );
        assert!(out.contains("Titre\u{202F}: <code>a : b</code>"), "{out}");
        assert!(out.contains("href=\"https://x.io/a?b=c\""), "{out}");
        assert!(out.contains(">lien\u{202F}?</a>"), "{out}");
        assert!(out.contains("alt=\"alt : x\""), "{out}");
        assert!(out.contains("k : v"), "{out}");
    }
}
