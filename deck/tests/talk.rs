//! The talk in this repository compiles without a single error.

use std::path::Path;

#[test]
fn the_talk_compiles() {
    let deck_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let deck = match deck::compiler::compile_deck(&deck_dir) {
        Ok(deck) => deck,
        Err(errors) => panic!("the talk does not compile:\n{errors}"),
    };
    assert!(
        deck.slides.len() >= 3,
        "the talk has {} slides",
        deck.slides.len()
    );
    // The slot is 51 minutes; the plan keeps two of them as slack.
    assert_eq!(deck.meta.planned_minutes, 49);
    assert_eq!(deck.slides[0].layout, deck::Layout::Title);
    let code_slide = deck.slides.iter().find(|slide| slide.id == "topologie");
    assert!(
        code_slide.is_some_and(|slide| slide
            .html
            .contains("<code class=\"language-bash\"><span class=\"hl-")),
        "the bash block of `topologie` is highlighted at build time"
    );
}

#[test]
fn every_slide_has_notes_and_the_minutes_add_up() {
    let deck_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let deck = match deck::compiler::compile_deck(&deck_dir) {
        Ok(deck) => deck,
        Err(errors) => panic!("the talk does not compile:\n{errors}"),
    };
    let warnings: Vec<String> = deck::notes::warnings(&deck_dir, &deck)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(warnings, Vec::<String>::new(), "raftdeck check warns");
}

#[test]
fn the_talk_fits_its_slot_spoken() {
    let deck_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let deck = match deck::compiler::compile_deck(&deck_dir) {
        Ok(deck) => deck,
        Err(errors) => panic!("the talk does not compile:\n{errors}"),
    };
    // Issue 17: a « sujet simple » of at most 52 slides that takes 48 to 51 minutes by
    // the estimate `raftdeck check` prints (notes spoken at 140 words a minute, widgets
    // played to their last checkpoint).
    // Appendices (after `end_slide`) are shown on demand, not given: they do not count.
    assert!(
        deck.talk_slide_count() <= 52,
        "{} slides",
        deck.talk_slide_count()
    );
    let estimated = deck.estimated_minutes();
    assert!(
        (48.0..=51.0).contains(&estimated),
        "the talk takes about {estimated:.1} minutes spoken"
    );
    // About 49 planned minutes, so the speaker has slack in the 51-minute slot.
    let planned = deck.planned_slide_minutes();
    assert!(
        (48.0..=50.0).contains(&planned),
        "the slides plan {planned:.1} minutes"
    );
    // The notes are what the speaker says: no leftover from the first draft's authoring.
    for (id, notes) in &deck.notes {
        for leftover in ["Widget prévu", "Timing :", "en répétition", "la répétition"] {
            assert!(
                !notes.contains(leftover),
                "notes of `{id}` still say « {leftover} »"
            );
        }
    }
}
