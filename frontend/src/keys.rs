//! Which key does what while presenting (reveal.js conventions), as plain data so the
//! mapping is tested natively and the help overlay lists exactly what is handled.

use crate::navigation::NavAction;

/// What a key asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Move in the deck.
    Nav(NavAction),
    /// Open or close the overview grid (O).
    ToggleOverview,
    /// Esc: close whatever is open, else open the overview.
    Escape,
    /// Toggle fullscreen (F).
    Fullscreen,
    /// Toggle the black screen (B or .).
    Blackout,
    /// Open the presenter view in a new window (S).
    OpenPresenter,
    /// Show or hide the list of keys (?).
    Help,
    /// Ask for a slide number or id to jump to (G).
    GoTo,
}

/// A key press, as the browser reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPress<'a> {
    /// `KeyboardEvent.key`.
    pub key: &'a str,
    /// Shift held.
    pub shift: bool,
    /// Ctrl, Alt or Meta held: such chords belong to the browser.
    pub modifier: bool,
}

/// The command for a key press, if any.
pub fn command_for(press: KeyPress<'_>) -> Option<Command> {
    if press.modifier {
        return None;
    }
    let command = match press.key {
        "ArrowRight" if press.shift => Command::Nav(NavAction::NextSlide),
        "ArrowLeft" if press.shift => Command::Nav(NavAction::PreviousSlide),
        "ArrowRight" | " " | "PageDown" | "n" | "N" => Command::Nav(NavAction::Next),
        "ArrowLeft" | "PageUp" | "p" | "P" => Command::Nav(NavAction::Previous),
        "Home" => Command::Nav(NavAction::First),
        "End" => Command::Nav(NavAction::Last),
        "o" | "O" => Command::ToggleOverview,
        "Escape" => Command::Escape,
        "f" | "F" => Command::Fullscreen,
        "b" | "B" | "." => Command::Blackout,
        "s" | "S" => Command::OpenPresenter,
        "?" => Command::Help,
        "g" | "G" => Command::GoTo,
        _ => return None,
    };
    Some(command)
}

/// The keys as the help overlay lists them: (keys, what they do). In French: the help
/// shows on the projector, so the room reads it too.
pub const HELP: [(&str, &str); 12] = [
    (
        "→  Espace  PageDown  N",
        "étape suivante, puis diapositive suivante",
    ),
    ("←  PageUp  P", "étape précédente"),
    (
        "Shift+→  Shift+←",
        "diapositive suivante / précédente, sans les étapes",
    ),
    ("Home  End", "première / dernière diapositive"),
    (
        "O  Esc",
        "vue d’ensemble : flèches pour choisir, Entrée ou clic pour y aller",
    ),
    (
        "G",
        "aller à une diapositive par son numéro ou son identifiant",
    ),
    ("F", "plein écran"),
    ("B  .", "écran noir"),
    ("S", "ouvrir la vue orateur dans une nouvelle fenêtre"),
    ("?", "cette aide"),
    (
        "Glisser à gauche / à droite",
        "suivant / précédent (écrans tactiles)",
    ),
    (
        "Tab",
        "atteindre chaque commande ; une animation prend le clavier quand elle a le focus",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn press(key: &str) -> Option<Command> {
        command_for(KeyPress {
            key,
            shift: false,
            modifier: false,
        })
    }

    #[test]
    fn maps_reveal_keys() {
        for key in ["ArrowRight", " ", "PageDown", "n", "N"] {
            assert_eq!(press(key), Some(Command::Nav(NavAction::Next)), "{key}");
        }
        for key in ["ArrowLeft", "PageUp", "p"] {
            assert_eq!(press(key), Some(Command::Nav(NavAction::Previous)), "{key}");
        }
        assert_eq!(press("o"), Some(Command::ToggleOverview));
        assert_eq!(press("Escape"), Some(Command::Escape));
        assert_eq!(press("."), Some(Command::Blackout));
        assert_eq!(press("B"), Some(Command::Blackout));
        assert_eq!(press("?"), Some(Command::Help));
        assert_eq!(press("g"), Some(Command::GoTo));
        assert_eq!(press("s"), Some(Command::OpenPresenter));
        assert_eq!(press("F"), Some(Command::Fullscreen));
        assert_eq!(press("x"), None);
    }

    #[test]
    fn shift_skips_steps_and_chords_are_left_alone() {
        let shifted = |key| {
            command_for(KeyPress {
                key,
                shift: true,
                modifier: false,
            })
        };
        assert_eq!(
            shifted("ArrowRight"),
            Some(Command::Nav(NavAction::NextSlide))
        );
        assert_eq!(
            shifted("ArrowLeft"),
            Some(Command::Nav(NavAction::PreviousSlide))
        );
        let chord = command_for(KeyPress {
            key: "f",
            shift: false,
            modifier: true,
        });
        assert_eq!(chord, None);
    }
}
