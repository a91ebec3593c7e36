//! Build-time syntax highlighting of fenced code blocks.
//!
//! Ordinary fenced blocks (widget blocks never reach here: the compiler intercepts them) are
//! turned into `<pre class="hl"><code class="language-…">` with `<span class="hl-…">` spans
//! named after Sublime Text scopes (`hl-string`, `hl-comment`, …), styled by a dark theme in
//! `static/raftdeck.css`. Nothing highlights in the browser.
//!
//! syntect's bundled syntaxes are loaded once, lazily, from its compressed dump (pure-Rust
//! regex engine, no syntax files read at runtime). A language syntect does not know, `text`
//! and `plain` are left to pulldown-cmark's plain, escaped rendering: never an error.

use std::sync::OnceLock;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd};
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

/// The prefix of every highlighting class, so scopes cannot clash with the deck's classes.
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

fn syntax_set() -> &'static SyntaxSet {
    static SYNTAXES: OnceLock<SyntaxSet> = OnceLock::new();
    SYNTAXES.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// The language of a fenced block's info string (`yaml`, `rust title="x"` → `rust`).
fn language(info: &str) -> Option<&str> {
    info.split_whitespace()
        .next()
        .filter(|lang| !lang.is_empty())
}

fn find_syntax(language: &str) -> Option<&'static SyntaxReference> {
    let token = match language.to_ascii_lowercase().as_str() {
        "text" | "plain" | "plaintext" | "txt" => return None,
        "shell" | "console" | "zsh" => "bash".to_owned(),
        "yml" => "yaml".to_owned(),
        other => other.to_owned(),
    };
    syntax_set().find_syntax_by_token(&token)
}

/// Highlighted HTML for `code`, or `None` when the language is unknown.
pub fn highlight(language: &str, code: &str) -> Option<String> {
    let syntax = find_syntax(language)?;
    let mut generator =
        ClassedHTMLGenerator::new_with_class_style(syntax, syntax_set(), CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .ok()?;
    }
    let class = escape_attribute(language);
    Some(format!(
        "<pre class=\"hl\"><code class=\"language-{class}\">{}</code></pre>\n",
        generator.finalize()
    ))
}

fn escape_attribute(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Replaces each fenced code block of a known language in `events` with its highlighted
/// HTML; every other event (and block) passes through unchanged.
pub fn code_blocks<'a>(events: impl IntoIterator<Item = Event<'a>>) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    // The block being read: its language, the events seen so far and its text.
    let mut block: Option<(String, Vec<Event<'a>>, String)> = None;
    for event in events {
        if let Some((language, held, code)) = block.as_mut() {
            match event {
                Event::Text(ref text) => {
                    code.push_str(text);
                    held.push(event);
                }
                Event::End(TagEnd::CodeBlock) => {
                    match highlight(language, code) {
                        Some(html) => out.push(Event::Html(CowStr::from(html))),
                        None => {
                            out.append(held);
                            out.push(event);
                        }
                    }
                    block = None;
                }
                other => held.push(other),
            }
            continue;
        }
        if let Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) = &event {
            if let Some(language) = language(info) {
                block = Some((language.to_owned(), vec![event], String::new()));
                continue;
            }
        }
        out.push(event);
    }
    if let Some((_, held, _)) = block {
        out.extend(held);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(markdown: &str) -> String {
        let mut html = String::new();
        pulldown_cmark::html::push_html(
            &mut html,
            code_blocks(pulldown_cmark::Parser::new(markdown)).into_iter(),
        );
        html
    }

    #[test]
    fn known_languages_get_classed_spans() {
        let html = render("```yaml\nimage: \"a<b\" # note\nreplicas: 3\n```\n");
        assert!(
            html.starts_with("<pre class=\"hl\"><code class=\"language-yaml\">"),
            "{html}"
        );
        assert!(html.contains("<span class=\"hl-"), "{html}");
        assert!(html.contains("hl-comment"), "{html}");
        assert!(html.contains("a&lt;b"), "{html}");
        assert!(!html.contains("a<b"), "{html}");
        for language in ["json", "bash", "sh", "shell", "rust"] {
            assert!(find_syntax(language).is_some(), "{language}");
        }
    }

    #[test]
    fn unknown_and_plain_languages_stay_plain_escaped_text() {
        for language in ["klingon", "text", "plain", ""] {
            let html = render(&format!("```{language}\nif a < b {{}}\n```\n"));
            assert!(!html.contains("<span"), "{html}");
            assert!(html.contains("if a &lt; b {}"), "{html}");
        }
        let html = render("    indented < code\n");
        assert_eq!(html, "<pre><code>indented &lt; code\n</code></pre>\n");
    }

    #[test]
    fn speaker_notes_are_highlighted_too() {
        let html = crate::compiler::render_markdown("Note\n\n```rust\nfn main() {}\n```\n");
        assert!(
            html.contains("<code class=\"language-rust\"><span class=\"hl-"),
            "{html}"
        );
    }
}
