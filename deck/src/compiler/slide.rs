//! One slide's Markdown to a [`Slide`]: a builder fed pulldown-cmark's events one by one,
//! which turns step markers into fragments, widget and table blocks into their HTML, and
//! the first heading into the title, collecting every problem with its line.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

use super::{
    check_image, line_of_offset, parse_attributes, parse_widget, rewrite_image, slugify,
    widget_kind, Attributes, ChapterContext, DeckError, SlideSource, COLUMN_MARKER, STEPS_MARKER,
    STEP_MARKER,
};
use crate::{Layout, Slide, SourceRef, WidgetKind, WidgetSpec};

/// What a marker comment asks of the blocks after it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    /// Reveal the next top-level block as one step.
    Block,
    /// Reveal each item of the next list as its own step.
    ListItems,
}

/// A fenced block read whole before it turns into HTML.
enum FencedBlock {
    /// A widget: its kind, fence line and body.
    Widget(WidgetKind, u32, String),
    /// A computed table (```` ```table ````): its fence line and body.
    Table(u32, String),
}

/// Compiles one slide; `None` when it has an error (every error is in `errors`).
pub(super) fn compile_slide(
    context: &ChapterContext<'_>,
    source: &SlideSource<'_>,
    errors: &mut Vec<DeckError>,
) -> Option<Slide> {
    let errors_before = errors.len();
    let (attributes, markdown, attribute_lines) = parse_attributes(context, source, errors);
    let mut builder = SlideBuilder {
        context,
        errors,
        markdown,
        markdown_first_line: source.first_line + attribute_lines,
        attributes,
        events: Vec::new(),
        title: None,
        in_first_heading: false,
        heading_text: String::new(),
        pending: Pending::None,
        steps: 0,
        depth: 0,
        wrapped_block_depth: None,
        list_items_depth: None,
        column_open: false,
        html_block: None,
        widgets: Vec::new(),
        fenced: None,
    };
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        builder.event(event, range);
    }
    builder.finish(source, errors_before)
}

/// The state of a slide being compiled (see [`compile_slide`]).
struct SlideBuilder<'a, 'c> {
    context: &'c ChapterContext<'c>,
    errors: &'c mut Vec<DeckError>,
    /// The slide's Markdown after its attribute comment, and the line it starts on.
    markdown: &'a str,
    markdown_first_line: u32,
    attributes: Attributes,
    /// The HTML events so far.
    events: Vec<Event<'a>>,
    title: Option<String>,
    in_first_heading: bool,
    heading_text: String,
    pending: Pending,
    steps: u32,
    /// Nesting depth of Markdown blocks.
    depth: u32,
    /// Depth of the block currently wrapped as a fragment, if any.
    wrapped_block_depth: Option<u32>,
    /// Depth of the items of the list revealed item by item, if any.
    list_items_depth: Option<u32>,
    column_open: bool,
    /// The HTML block being read, if any.
    html_block: Option<String>,
    widgets: Vec<WidgetSpec>,
    fenced: Option<FencedBlock>,
}

impl<'a> SlideBuilder<'a, '_> {
    fn line_at(&self, offset: usize) -> u32 {
        self.markdown_first_line + line_of_offset(self.markdown, offset) - 1
    }

    fn html(&mut self, html: String) {
        self.events.push(Event::Html(CowStr::from(html)));
    }

    fn error(&mut self, line: u32, message: impl Into<String>) {
        self.errors.push(self.context.error(line, message));
    }

    /// Closes the fragment wrapping the block that just ended at the current depth.
    fn close_wrapped_block(&mut self) {
        if self.wrapped_block_depth == Some(self.depth) {
            self.html("</div>".to_owned());
            self.wrapped_block_depth = None;
        }
    }

    fn event(&mut self, event: Event<'a>, range: Range<usize>) {
        if self.fenced.is_some() {
            self.fenced_event(event);
            return;
        }
        match event {
            Event::Start(Tag::HtmlBlock) => self.html_block = Some(String::new()),
            Event::Html(ref html) if self.html_block.is_some() => {
                if let Some(block) = self.html_block.as_mut() {
                    block.push_str(html);
                }
            }
            Event::End(TagEnd::HtmlBlock) => {
                let block = self.html_block.take().unwrap_or_default();
                self.html_block_end(block, range);
            }
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag_end) => self.end(tag_end),
            Event::Text(ref text) | Event::Code(ref text) if self.in_first_heading => {
                self.heading_text.push_str(text);
                self.events.push(event);
            }
            other => self.events.push(other),
        }
    }

    /// Inside a widget or table block: collects its text until the fence closes.
    fn fenced_event(&mut self, event: Event<'a>) {
        match event {
            Event::Text(text) => match self.fenced.as_mut() {
                Some(FencedBlock::Widget(_, _, body) | FencedBlock::Table(_, body)) => {
                    body.push_str(&text);
                }
                None => {}
            },
            Event::End(TagEnd::CodeBlock) => {
                self.depth = self.depth.saturating_sub(1);
                match self.fenced.take() {
                    Some(FencedBlock::Widget(kind, line, body)) => self.widget(kind, line, &body),
                    Some(FencedBlock::Table(line, body)) => {
                        match crate::tables::render_table(line, &body) {
                            Ok(html) => self.html(html),
                            Err(problems) => {
                                for problem in problems {
                                    self.error(problem.line, problem.message);
                                }
                            }
                        }
                    }
                    None => {}
                }
                self.close_wrapped_block();
            }
            _ => {}
        }
    }

    /// A widget block read whole: its slot in the HTML, its steps after the slide's.
    fn widget(&mut self, kind: WidgetKind, line: u32, body: &str) {
        let widget = parse_widget(self.context, kind, line, body, self.steps + 1, self.errors);
        if let Some(widget) = widget {
            self.steps += u32::try_from(widget.checkpoints.len()).unwrap_or(0);
            self.html(format!(
                "<div class=\"widget-slot\" data-widget-slot=\"{}\" style=\"height:{}px\"></div>",
                self.widgets.len(),
                widget.height
            ));
            self.widgets.push(widget);
        }
    }

    /// An HTML block: a step, steps or column marker, or HTML kept as written.
    fn html_block_end(&mut self, block: String, range: Range<usize>) {
        match block.trim() {
            STEP_MARKER => self.pending = Pending::Block,
            STEPS_MARKER => self.pending = Pending::ListItems,
            COLUMN_MARKER => {
                let line = self.line_at(range.start);
                if self.attributes.layout != Layout::TwoColumns {
                    self.error(line, "`<!-- column -->` needs `layout: two-columns`");
                } else if self.column_open {
                    self.html("</div><div class=\"column\">".to_owned());
                } else {
                    self.error(line, "`<!-- column -->` must come after the slide heading");
                }
            }
            other if other.starts_with("<!--") && other.contains("step") => {
                let line = self.line_at(range.start);
                let message = format!(
                    "unknown marker `{other}` (expected `{STEP_MARKER}`, `{STEPS_MARKER}` or `{COLUMN_MARKER}`)"
                );
                self.error(line, message);
            }
            _ => self.events.push(Event::Html(CowStr::from(block))),
        }
    }

    fn start(&mut self, tag: Tag<'a>, range: Range<usize>) {
        if self.depth == 0 && self.pending != Pending::None {
            match (self.pending, &tag) {
                (Pending::Block, _) => {
                    self.steps += 1;
                    self.html(format!(
                        "<div class=\"fragment\" data-fragment=\"{}\">",
                        self.steps
                    ));
                    self.wrapped_block_depth = Some(self.depth);
                }
                (Pending::ListItems, Tag::List(_)) => self.list_items_depth = Some(self.depth + 1),
                (Pending::ListItems, _) => {
                    let line = self.line_at(range.start);
                    self.error(line, "`<!-- steps -->` must be followed by a list");
                }
                (Pending::None, _) => {}
            }
            self.pending = Pending::None;
        }
        if let Tag::Image { dest_url, .. } = &tag {
            check_image(
                self.context,
                dest_url,
                self.line_at(range.start),
                self.errors,
            );
        }
        if let Tag::CodeBlock(CodeBlockKind::Fenced(info)) = &tag {
            let line = self.line_at(range.start);
            if let Some(kind) = widget_kind(info) {
                self.depth += 1;
                self.fenced = Some(FencedBlock::Widget(kind, line, String::new()));
                return;
            }
            if crate::tables::is_table_fence(info) {
                self.depth += 1;
                self.fenced = Some(FencedBlock::Table(line, String::new()));
                return;
            }
        }
        let is_item_step = matches!(tag, Tag::Item) && self.list_items_depth == Some(self.depth);
        if matches!(tag, Tag::Heading { .. }) && self.title.is_none() && self.depth == 0 {
            self.in_first_heading = true;
            self.heading_text.clear();
        }
        self.depth += 1;
        if is_item_step {
            self.steps += 1;
            self.html(format!(
                "<li class=\"fragment\" data-fragment=\"{}\">",
                self.steps
            ));
        } else {
            self.events.push(Event::Start(rewrite_image(tag)));
        }
    }

    fn end(&mut self, tag_end: TagEnd) {
        self.depth = self.depth.saturating_sub(1);
        if matches!(tag_end, TagEnd::Item) && self.list_items_depth == Some(self.depth) {
            self.html("</li>".to_owned());
        } else {
            self.events.push(Event::End(tag_end));
        }
        if matches!(tag_end, TagEnd::List(_)) && self.list_items_depth == Some(self.depth + 1) {
            self.list_items_depth = None;
        }
        self.close_wrapped_block();
        if matches!(tag_end, TagEnd::Heading(_)) && self.in_first_heading {
            self.in_first_heading = false;
            self.title = Some(self.heading_text.trim().to_owned());
            if self.attributes.layout == Layout::TwoColumns {
                self.html("<div class=\"columns\"><div class=\"column\">".to_owned());
                self.column_open = true;
            }
        }
    }

    /// The slide, once every event is in; `None` if this slide added an error.
    fn finish(mut self, source: &SlideSource<'_>, errors_before: usize) -> Option<Slide> {
        if self.column_open {
            self.html("</div></div>".to_owned());
        }
        if self.pending != Pending::None {
            let line = self.line_at(self.markdown.len());
            self.error(
                line,
                "a step marker ends the slide: nothing follows it to reveal",
            );
        }
        let Some(title) = self.title.take().filter(|title| !title.is_empty()) else {
            let leading_blank_lines = source.text.len() - source.text.trim_start().len();
            let first_text_line = source.first_line
                + u32::try_from(source.text[..leading_blank_lines].matches('\n').count())
                    .unwrap_or(0);
            self.error(
                first_text_line,
                "slide has no heading: start it with `# Title` (or `## Title`)",
            );
            return None;
        };
        let id = self.attributes.id.take().unwrap_or_else(|| slugify(&title));
        if id.is_empty() {
            self.error(
                source.first_line,
                "cannot derive an id from the heading: add `<!-- id: … -->`",
            );
        }
        if self.errors.len() > errors_before {
            return None;
        }
        let mut html = String::new();
        let events = crate::highlight::code_blocks(crate::typography::events(self.events));
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
        Some(Slide {
            id,
            title: crate::typography::text(&title),
            chapter: self.context.chapter.to_owned(),
            layout: self.attributes.layout,
            class: self.attributes.class,
            minutes: self.attributes.minutes.unwrap_or(1.0),
            html,
            steps: self.steps,
            source: SourceRef {
                file: self.context.file.to_owned(),
                line: source.first_line,
            },
            widgets: self.widgets,
            estimated_seconds: 0.0,
        })
    }
}
