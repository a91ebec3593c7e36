//! The deck compiler's tests: whole decks and chapters written to temporary folders.

use super::*;
use crate::WidgetKind;

fn compile(text: &str) -> Result<Vec<Slide>, DeckErrors> {
    compile_chapter_text("slides/01-test.md", text, Path::new("/nonexistent"))
}

fn messages(text: &str) -> Vec<String> {
    compile(text)
        .err()
        .map(|errors| errors.0.iter().map(ToString::to_string).collect())
        .unwrap_or_default()
}

#[test]
fn an_attribute_comment_closing_inside_its_opening_is_an_error_not_a_panic() {
    // Found by fuzzing: `<!-->` used to slice `body[4..2]`.
    let found = messages("<!-->\n# Titre\n");
    assert!(
        found
            .iter()
            .any(|message| message.contains("slides/01-test.md:1:")),
        "{found:?}"
    );
}

#[test]
fn splits_on_rule_lines_but_not_inside_code() {
    let slides = compile("# Un\n\ntexte\n\n---\n\n# Deux\n\n```\n---\n```\n").unwrap();
    assert_eq!(slides.len(), 2);
    assert_eq!(slides[0].title, "Un");
    assert_eq!(slides[1].title, "Deux");
    assert_eq!(slides[1].source.line, 6);
    assert!(slides[1].html.contains("---"));
}

#[test]
fn reads_attributes_and_derives_ids() {
    let slides = compile(
        "<!-- id: quorum; minutes: 2.5; layout: title; class: dense big -->\n# Le quorum\n---\n# Élection du leader\n",
    )
    .unwrap();
    assert_eq!(slides[0].id, "quorum");
    assert_eq!(slides[0].minutes, 2.5);
    assert_eq!(slides[0].layout, Layout::Title);
    assert_eq!(slides[0].class.as_deref(), Some("dense big"));
    assert_eq!(slides[1].id, "election-du-leader");
    assert_eq!(slides[1].minutes, 1.0);
}

#[test]
fn errors_name_the_line_of_the_fault() {
    let errors =
        messages("# Un\n---\n<!-- id: x; colour: red -->\n# Deux\n---\n\ntexte sans titre\n");
    assert_eq!(
        errors,
        vec![
            "slides/01-test.md:3: unknown slide attribute `colour` (expected id, minutes, layout, class)".to_owned(),
            "slides/01-test.md:7: slide has no heading: start it with `# Title` (or `## Title`)".to_owned(),
        ]
    );
}

#[test]
fn rejects_bad_values() {
    let errors = messages("<!-- id: Bad Id; minutes: lots; layout: diagonal -->\n# T\n");
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("slide id `Bad Id`"));
    assert!(errors[1].contains("`minutes`"));
    assert!(errors[2].contains("unknown layout `diagonal`"));
    assert!(errors
        .iter()
        .all(|e| e.starts_with("slides/01-test.md:1: ")));
}

#[test]
fn duplicate_ids_point_at_both_places() {
    let errors = messages("# Même\n---\n# Même\n");
    assert_eq!(
        errors,
        vec!["slides/01-test.md:3: duplicate slide id `meme` (first used at slides/01-test.md:1)"]
    );
}

#[test]
fn step_markers_make_fragments() {
    let slides =
        compile("# T\n\n<!-- steps -->\n- a\n- b\n\n<!-- step -->\nparagraphe\n\n- pas un pas\n")
            .unwrap();
    let slide = &slides[0];
    let html = slide.html.replace('\n', "");
    assert_eq!(slide.steps, 3);
    assert!(html.contains("<li class=\"fragment\" data-fragment=\"1\">a</li>"));
    assert!(html.contains("<li class=\"fragment\" data-fragment=\"2\">b</li>"));
    assert!(html.contains("<div class=\"fragment\" data-fragment=\"3\"><p>paragraphe</p></div>"));
    assert!(html.contains("<li>pas un pas</li>"));
    assert!(!html.contains("<!--"));
}

#[test]
fn a_dangling_step_marker_is_an_error() {
    let errors = messages("# T\n\ntexte\n\n<!-- step -->\n");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("nothing follows it"), "{errors:?}");
}

#[test]
fn a_step_before_a_code_block_wraps_the_highlighted_block() {
    let slides = compile("# T\n\n<!-- step -->\n```yaml\nzone: a<b\n```\n").unwrap();
    let slide = &slides[0];
    assert_eq!(slide.steps, 1);
    assert!(
        slide.html.contains(
            "<div class=\"fragment\" data-fragment=\"1\"><pre class=\"hl\"><code class=\"language-yaml\"><span class=\"hl-"
        ),
        "{}",
        slide.html
    );
    assert!(slide.html.contains("a&lt;b"), "{}", slide.html);
    assert!(
        slide.html.trim_end().ends_with("</code></pre>\n</div>"),
        "{}",
        slide.html
    );
}

#[test]
fn two_columns_are_split_after_the_heading() {
    let slides =
        compile("<!-- layout: two-columns -->\n# T\n\ngauche\n\n<!-- column -->\n\ndroite\n")
            .unwrap();
    assert_eq!(
        slides[0].html.replace('\n', ""),
        "<h1>T</h1><div class=\"columns\"><div class=\"column\"><p>gauche</p></div><div class=\"column\"><p>droite</p></div></div>"
    );
    let errors = messages("# T\n\n<!-- column -->\n\nx\n");
    assert!(errors[0].contains("needs `layout: two-columns`"));
}

#[test]
fn images_must_exist_in_static() {
    let errors =
        messages("# T\n\n![schéma](diagrams/absent.svg)\n\n![](https://example.com/x.png)\n");
    assert_eq!(errors.len(), 2);
    assert!(errors[0].starts_with("slides/01-test.md:3: image `diagrams/absent.svg` not found"));
    assert!(
        errors[1].starts_with("slides/01-test.md:5: image `https://example.com/x.png` is remote")
    );
}

/// A deck folder with scenarios, removed when the returned guard drops (one per
/// call: tests run in parallel and would rewrite each other's files).
fn deck_with_scenario() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    std::fs::create_dir_all(dir.join("static")).unwrap();
    std::fs::create_dir_all(dir.join("slides/scenarios")).unwrap();
    std::fs::write(
        dir.join("slides/scenarios/ok.json"),
        r#"{"cluster":{"sites":{"A":["n1","n2"],"B":["n3"]}},"steps":[],"until_ms":9000}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("slides/scenarios/bad.json"),
        r#"{"cluster":{"sites":{"A":["n1"]}},"steps":[{"at_ms":1,"do":"crash","node":"n7"}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("slides/scenarios/kafka.json"),
        r#"{"system":"kafka","cluster":{"brokers":{"A":["b1"],"B":["b2"],"C":["b3"]}},"until_ms":30000}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("slides/scenarios/kafka-bad.json"),
        r#"{"system":"kafka","cluster":{"brokers":{"A":["b1"]},"replication_factor":3}}"#,
    )
    .unwrap();
    temp
}

#[test]
fn system_widget_blocks_take_their_own_scenarios() {
    let temp = deck_with_scenario();
    let dir = temp.path();
    let slides = compile_chapter_text(
        "slides/01-test.md",
        "# T

```kafka
scenario: kafka.json
height: 500
checkpoints: 10000, 30000
controls: site, propose
speed: 2
```
",
        &dir.join("static"),
    )
    .unwrap();
    let widget = &slides[0].widgets[0];
    assert_eq!(widget.kind, WidgetKind::Kafka);
    assert_eq!(widget.checkpoints, vec![10_000, 30_000]);
    assert_eq!(widget.controls, vec!["site", "propose"]);
    assert_eq!(widget.speed, 2.0);
    assert_eq!(slides[0].steps, 2);
}

#[test]
fn system_widget_errors_name_the_line_and_the_reason() {
    let temp = deck_with_scenario();
    let dir = temp.path();
    let text = "# T

```elastic
scenario: kafka.json
```
---
# U

```kafka
scenario: ok.json
```
---
# V

```raft
scenario: kafka.json
```
---
# W

```multisite
scenario: kafka-bad.json
```
---
# X

```controlplane
scenario: kafka.json
controls: isolate
toggles: pre_vote
checkpoints: 40000
```
";
    let errors = compile_chapter_text("slides/01-test.md", text, &dir.join("static"))
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    assert_eq!(errors.len(), 7, "{errors:#?}");
    assert!(errors[0].starts_with("slides/01-test.md:4: widget scenario `slides/scenarios/kafka.json`: $.system: the `elastic` widget needs a `elasticsearch` scenario, not `kafka`"), "{}", errors[0]);
    assert!(errors[1].starts_with("slides/01-test.md:10: widget scenario `slides/scenarios/ok.json`: $.system: the `kafka` widget needs a `kafka` scenario, not `etcd`"), "{}", errors[1]);
    assert!(
        errors[2].starts_with(
            "slides/01-test.md:16: widget scenario `slides/scenarios/kafka.json`: $.system"
        ),
        "{}",
        errors[2]
    );
    assert!(errors[3].starts_with("slides/01-test.md:22: widget scenario `slides/scenarios/kafka-bad.json`: $.cluster.replication_factor"), "{}", errors[3]);
    assert!(errors[4].starts_with("slides/01-test.md:28: widget scenario `slides/scenarios/kafka.json`: $.system: the `controlplane` widget needs a `kubernetes` scenario"), "{}", errors[4]);
    assert!(errors[5].starts_with("slides/01-test.md:29: unknown `controlplane` widget control `isolate` (expected: site, link, propose, crash, restart)"), "{}", errors[5]);
    assert!(
        errors[6].starts_with("slides/01-test.md:30: the `controlplane` widget has no toggles"),
        "{}",
        errors[6]
    );
}

#[test]
fn widget_blocks_become_slots_with_checked_parameters() {
    let temp = deck_with_scenario();
    let dir = temp.path();
    let slides = compile_chapter_text(
        "slides/01-test.md",
        "# T\n\n<!-- steps -->\n- a\n\n```raft\nscenario: ok.json\nheight: 400\ncheckpoints: 1000, 2500ms\ncontrols: crash, restart\ntoggles: pre_vote\n```\n",
        &dir.join("static"),
    )
    .unwrap();
    let slide = &slides[0];
    assert_eq!(slide.steps, 3, "one fragment and two checkpoints");
    assert_eq!(slide.widgets.len(), 1);
    let widget = &slide.widgets[0];
    assert_eq!(widget.kind, WidgetKind::Raft);
    assert_eq!(widget.checkpoints, vec![1000, 2500]);
    assert_eq!(widget.first_step, 2);
    assert_eq!(widget.height, 400);
    assert_eq!(widget.controls, vec!["crash", "restart"]);
    assert!(widget.scenario.contains("\"n3\""));
    assert_eq!(widget.source.line, 6);
    assert!(slide.html.contains(
        "<div class=\"widget-slot\" data-widget-slot=\"0\" style=\"height:400px\"></div>"
    ));
    assert!(!slide.html.contains("scenario:"));
}

#[test]
fn widget_errors_name_the_parameter_line() {
    let temp = deck_with_scenario();
    let dir = temp.path();
    let text = "# T\n\n```raft\nscenario: bad.json\nheight: 9000\nfoo: bar\ncontrols: explode\n```\n---\n# U\n\n```raft\nscenario: absent.json\n```\n---\n# V\n\n```raft\nheight: 300\n```\n---\n# W\n\n```raft\nscenario: ok.json\ncheckpoints: 5000, 20000\n```\n";
    let errors = compile_chapter_text("slides/01-test.md", text, &dir.join("static"))
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>();
    assert_eq!(errors.len(), 7, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "slides/01-test.md:4: widget scenario `slides/scenarios/bad.json`: $.steps[0].node"
        ),
        "{}",
        errors[0]
    );
    assert!(errors[1].starts_with("slides/01-test.md:5: widget `height`"));
    assert!(errors[2].starts_with("slides/01-test.md:6: unknown widget parameter `foo`"));
    assert!(errors[3].starts_with("slides/01-test.md:7: unknown `raft` widget control `explode`"));
    assert!(errors[4].starts_with(
        "slides/01-test.md:13: widget scenario `slides/scenarios/absent.json` not found"
    ));
    assert!(errors[5].starts_with("slides/01-test.md:18: the `raft` widget needs `scenario:"));
    assert!(errors[6].starts_with("slides/01-test.md:24: widget checkpoint 20000 ms is after the scenario's end (9000 ms)"), "{}", errors[6]);
}

#[test]
fn table_blocks_are_computed_and_their_errors_name_the_parameter_line() {
    let slides =
        compile("# T\n\n<!-- step -->\n```table\nname: etcd-fault-tolerance\nmax: 3\n```\n")
            .unwrap();
    let html = &slides[0].html;
    assert_eq!(slides[0].steps, 1);
    assert!(
        html.contains("<div class=\"fragment\" data-fragment=\"1\"><table class=\"computed\">"),
        "{html}"
    );
    assert!(
        html.contains("<tr><td>3</td><td>2</td><td>1</td></tr>"),
        "{html}"
    );
    assert!(html.trim_end().ends_with("</p>\n</div>"), "{html}");
    assert!(!html.contains("name:"), "{html}");

    let text = "# T\n\n```table\nname: failure-matrix\nsystem: mongodb\n```\n---\n# U\n\n```table\nname: quorum\n```\n---\n# V\n\n```table\nname: failure-matrix\nsystem: kafka\nfailures: lose_a\ncolour: red\n```\n";
    let errors = messages(text);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].starts_with("slides/01-test.md:5: unknown system `mongodb`"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with("slides/01-test.md:11: unknown table `quorum`"),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].starts_with("slides/01-test.md:20: unknown table parameter `colour`"),
        "{}",
        errors[2]
    );
}

#[test]
fn coverage_rows_name_existing_slides() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    std::fs::create_dir_all(dir.join("slides")).unwrap();
    std::fs::create_dir_all(dir.join("static")).unwrap();
    std::fs::write(
        dir.join("slides/deck.toml"),
        "title = \"T\"\nspeaker = \"S\"\nevent = \"E\"\ndescription = \"D\"\nplanned_minutes = 1\n",
    )
    .unwrap();
    std::fs::write(dir.join("slides/01-a.md"), "<!-- id: un -->\n# Un\n").unwrap();
    std::fs::write(
        dir.join(COVERAGE_FILE),
        "# Carte\n\n| remarque | slide-id |\n| :-- | :-- |\n| « a » | `un` |\n| « b `code` » | `deux` |\n",
    )
    .unwrap();
    let errors = compile_deck(dir).unwrap_err().0;
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        messages.contains(
            &"slides/COVERAGE.md:6: the coverage map names slide `deux`, which does not exist"
                .to_owned()
        ),
        "{messages:?}"
    );
    assert!(!messages.iter().any(|m| m.contains("`un`")), "{messages:?}");
}

#[test]
fn the_end_slide_must_exist_and_leaves_appendices_out() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    std::fs::create_dir_all(dir.join("slides")).unwrap();
    std::fs::create_dir_all(dir.join("static")).unwrap();
    let meta = |end: &str| {
        format!("title = \"T\"\nspeaker = \"S\"\nevent = \"E\"\ndescription = \"D\"\nplanned_minutes = 1\nend_slide = \"{end}\"\n")
    };
    std::fs::write(
        dir.join("slides/01-a.md"),
        "<!-- id: un -->\n# Un\n\n---\n\n<!-- id: fin -->\n# Fin\n\n---\n\n<!-- id: annexe -->\n# Annexe\n",
    )
    .unwrap();
    std::fs::write(dir.join("slides/deck.toml"), meta("fin")).unwrap();
    let deck = compile_deck(dir).expect("compiles");
    assert_eq!(deck.meta.end_slide.as_deref(), Some("fin"));
    assert_eq!(deck.talk_slide_count(), 2);
    assert_eq!(deck.appendix_slides().len(), 1);
    std::fs::write(dir.join("slides/deck.toml"), meta("merci")).unwrap();
    let errors = compile_deck(dir).unwrap_err().0;
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        ["slides/deck.toml:6: `end_slide` names no slide: there is no slide `merci`"]
    );
}

#[test]
fn slugify_folds_french_accents() {
    assert_eq!(
        slugify("Qu'est-ce qu'un « quorum » ?"),
        "qu-est-ce-qu-un-quorum"
    );
    assert_eq!(slugify("Élection & réplication"), "election-replication");
}
