//! The app's state and how it changes: one [`Model`] changed by [`Action`]s (yew's
//! `Reducible`), with no DOM, no clock and no network, so it compiles and is tested
//! natively. The component (`app`) turns keys, the URL, the sync link and live reload
//! into actions, and the model's changes into effects.

use std::collections::BTreeMap;
use std::rc::Rc;

use deck::sync::{LiveStatus, SyncMessage, SyncState};
use deck::Deck;
use yew::Reducible;

use crate::keys::Command;
use crate::navigation::{NavAction, Navigation};
use crate::route::{widget_key, PageQuery, Route, View};

/// How this window syncs with the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    /// `raftdeck serve`: SSE and POST.
    Served,
    /// The static site: BroadcastChannel between windows of one browser.
    Static,
}

/// What arrives on a sync link.
#[derive(Debug)]
pub enum Incoming {
    /// A presenter's state.
    State(SyncMessage),
    /// Another window asks for the current state (static mode).
    Hello,
}

/// What covers the slides.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// Nothing.
    None,
    /// The overview grid, with the highlighted slide.
    Overview(usize),
    /// The list of keys.
    Help,
    /// The go-to prompt, with the last text that matched nothing.
    GoTo(Option<String>),
}

/// Everything the app shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The deck and position, once loaded.
    pub navigation: Option<Navigation>,
    /// Why the deck could not be loaded.
    pub failure: Option<String>,
    /// Speaker notes (presenter and remote only), slide id → HTML.
    pub notes: Rc<BTreeMap<String, String>>,
    /// Widget states keyed `<slide-id>/<k>`.
    pub widgets: Rc<BTreeMap<String, serde_json::Value>>,
    /// What covers the slides.
    pub overlay: Overlay,
    /// The black screen (B or .); synced: followers go black with the presenter.
    pub blackout: bool,
    /// Widget step animations skipped to their checkpoint so far (→ while one plays);
    /// synced, so followers skip with the presenter.
    pub skips: u32,
    /// A widget plays a step's animation: in this window (told by the widget), or in the
    /// window whose state this one adopted (the remote's next press then skips it).
    pub animating: bool,
    /// Errors of a broken edit (live reload); the last good deck stays under them.
    pub live_errors: Vec<String>,
    /// The deck version last loaded (live reload).
    pub deck_version: u64,
    /// The page's view (an audience window becomes a follower when it opens the
    /// presenter view).
    pub view: View,
    /// Whether this window's moves are published to the followers.
    pub publishes: bool,
    /// A follower is attached (adopts the presenter's state) until it explores alone.
    pub attached: bool,
    /// The last presenter state received, to re-attach to.
    pub latest_remote: Option<SyncMessage>,
    /// Bumped by every local change a publisher must send.
    pub local_revision: u64,
    /// Why publishing failed, shown to the presenter.
    pub sync_problem: Option<String>,
    /// This window's id in sync messages.
    pub origin: String,
    /// A publisher opened on an explicit `#/<slide>/<step>`: that position wins over the
    /// state it finds on the sync link, so the first snapshot is not adopted.
    pub url_wins: bool,
    /// The position whose URL carries its widgets' states (`?w0=…`): set when the user
    /// acts on a widget or opens a link with states, dropped as soon as the position
    /// changes (another slide's URL stays short). Never set in follower and remote
    /// views: their URL is not theirs to share.
    pub shared_route: Option<Route>,
}

impl Model {
    /// The model before the deck arrives, for a window opened on `query` whose sync
    /// id is `origin` and whose URL hash is `hash`.
    pub fn new(query: &PageQuery, mode: SyncMode, origin: String, hash: &str) -> Model {
        let publishes = match query.view {
            View::Presenter | View::Remote => true,
            View::Follow => query.token.is_some(),
            View::Audience => false,
        };
        Model {
            navigation: None,
            failure: None,
            notes: Rc::default(),
            widgets: Rc::default(),
            overlay: Overlay::None,
            blackout: false,
            skips: 0,
            animating: false,
            live_errors: Vec::new(),
            deck_version: 0,
            view: query.view,
            publishes: publishes && (mode == SyncMode::Static || query.token.is_some()),
            attached: true,
            latest_remote: None,
            local_revision: 0,
            sync_problem: None,
            origin,
            url_wins: publishes && Route::parse(hash).is_some(),
            shared_route: None,
        }
    }

    /// Whether this window writes its widget states into its own URL.
    fn shares_widgets_in_url(&self) -> bool {
        matches!(self.view, View::Audience | View::Presenter)
    }

    /// Adopts the widget states of a link opened on `route` as external states of the
    /// current slide (when it is that slide and has those widgets); returns whether a
    /// state changed.
    fn adopt_url_widgets(
        &mut self,
        route: &Route,
        states: BTreeMap<u32, serde_json::Value>,
    ) -> bool {
        let Some(navigation) = &self.navigation else {
            return false;
        };
        let current = navigation.route();
        let count = navigation
            .deck
            .slides
            .get(navigation.position.slide)
            .map_or(0, |slide| slide.widgets.len());
        if current.slide_id != route.slide_id {
            // An unknown slide id: the states belong to no widget shown here.
            return false;
        }
        let mut widgets = (*self.widgets).clone();
        let mut changed = false;
        let mut any = false;
        for (k, value) in states {
            if usize::try_from(k).map_or(true, |k| k >= count) {
                continue;
            }
            any = true;
            let key = widget_key(&current.slide_id, k);
            if widgets.get(&key) != Some(&value) {
                widgets.insert(key, value);
                changed = true;
            }
        }
        if changed {
            self.widgets = Rc::new(widgets);
        }
        if any && self.shares_widgets_in_url() {
            self.shared_route = Some(current);
        }
        changed
    }

    /// The state a publisher sends.
    pub fn sync_state(&self) -> Option<SyncState> {
        let navigation = self.navigation.as_ref()?;
        let route = navigation.route();
        Some(SyncState {
            slide: route.slide_id,
            step: route.step,
            widgets: (*self.widgets).clone(),
            origin: self.origin.clone(),
            blackout: self.blackout,
            skips: self.skips,
            animating: self.animating,
        })
    }

    /// Whether this window follows a presenter (every view but the audience's).
    pub fn follows(&self) -> bool {
        self.view != View::Audience
    }

    /// A local change: publishers send it; a follower that cannot publish detaches.
    fn local_change(&mut self) {
        if self.publishes {
            self.local_revision += 1;
        } else if self.view == View::Follow {
            self.attached = false;
        }
    }

    fn adopt(&mut self, message: &SyncMessage) {
        if let Some(navigation) = self.navigation.as_mut() {
            navigation.apply(NavAction::GoTo(Route {
                slide_id: message.state.slide.clone(),
                step: message.state.step,
            }));
        }
        if *self.widgets != message.state.widgets {
            self.widgets = Rc::new(message.state.widgets.clone());
        }
        self.blackout = message.state.blackout;
        self.skips = message.state.skips;
        self.animating = message.state.animating;
    }

    /// A change of the shared screen (blackout, a skipped animation): publishers send
    /// it; elsewhere it stays local and does not detach a follower.
    fn screen_change(&mut self) {
        if self.publishes {
            self.local_revision += 1;
        }
    }
}

/// What changes the model.
pub enum Action {
    /// The deck arrived; open the slide named by the URL, with the widget states the
    /// URL carries.
    Loaded(Rc<Deck>, Option<Route>, BTreeMap<u32, serde_json::Value>),
    /// Loading failed.
    Failed(String),
    /// A new deck version (live reload): same slide and step.
    Reloaded(Rc<Deck>, u64),
    /// The speaker notes arrived.
    Notes(Rc<BTreeMap<String, String>>),
    /// The live-reload status changed.
    Live(LiveStatus),
    /// A navigation by this window (keys, touch, URL, buttons).
    Navigate(NavAction),
    /// The URL hash changed (back button, an edited or pasted link): go there and adopt
    /// the widget states it carries.
    FollowUrl(Route, BTreeMap<u32, serde_json::Value>),
    /// A key command other than navigation.
    Command(Command),
    /// Skip the widget step animation playing on the current slide to its checkpoint
    /// (→ while it plays): the speaker never waits on an animation.
    Skip,
    /// A widget of this window started or ended a step's animation.
    Animating(bool),
    /// Move the overview highlight by this many slides.
    OverviewMove(i64),
    /// Go to this slide (overview pick or go-to prompt) and close the overlay.
    Pick(usize),
    /// Resolve the go-to prompt's text.
    GoToTyped(String),
    /// Close the overlay.
    CloseOverlay,
    /// Something arrived on the sync link.
    Incoming(Incoming),
    /// The speaker acted on a widget.
    WidgetState(String, serde_json::Value),
    /// A detached follower goes back to the presenter's state.
    Reattach,
    /// This window opened the presenter view and now follows (and drives) it.
    BecomeFollower,
    /// Publishing failed.
    SyncProblem(String),
}

impl Reducible for Model {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = self.apply(action);
        // Moving drops the shared states: they describe the moment the user left.
        let here = next.navigation.as_ref().map(Navigation::route);
        if next.shared_route.is_some() && next.shared_route != here {
            Rc::make_mut(&mut next).shared_route = None;
        }
        next
    }
}

impl Model {
    fn apply(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut model = (*self).clone();
        match action {
            Action::Loaded(deck, route, states) => {
                if !deck.notes.is_empty() {
                    // The static site built with notes carries them in the deck.
                    model.notes = Rc::new(deck.notes.clone());
                }
                model.navigation = Some(Navigation::new(deck, route.clone()));
                if let Some(route) = &route {
                    model.adopt_url_widgets(route, states);
                }
                // Publish the position from the URL — also when the first snapshot came
                // before the deck and asked for a publish that had no state to send then.
                if model.url_wins || (model.publishes && model.local_revision > 0) {
                    model.local_revision += 1;
                }
                if let Some(message) = model.latest_remote.clone() {
                    if model.attached && model.follows() {
                        model.adopt(&message);
                    }
                }
            }
            Action::Failed(message) => model.failure = Some(message),
            Action::Reloaded(deck, version) => {
                model.deck_version = version;
                if let Some(navigation) = &model.navigation {
                    model.navigation = Some(navigation.with_deck(deck));
                }
            }
            Action::Notes(notes) => model.notes = notes,
            Action::Live(status) => model.live_errors = status.errors,
            Action::Navigate(nav_action) => {
                let changed = model
                    .navigation
                    .as_mut()
                    .is_some_and(|navigation| navigation.apply(nav_action));
                if !changed {
                    return self;
                }
                // A new position: its own animation, if any, says so when it starts.
                model.animating = false;
                model.local_change();
            }
            Action::FollowUrl(route, states) => {
                let moved = model
                    .navigation
                    .as_mut()
                    .is_some_and(|navigation| navigation.apply(NavAction::GoTo(route.clone())));
                let adopted = model.adopt_url_widgets(&route, states);
                if !moved && !adopted {
                    return self;
                }
                model.local_change();
            }
            Action::Command(command) => apply_command(&mut model, command),
            Action::Skip => {
                model.skips = model.skips.wrapping_add(1);
                model.animating = false;
                model.screen_change();
            }
            Action::Animating(animating) => {
                if model.animating == animating {
                    return self;
                }
                model.animating = animating;
                model.screen_change();
            }
            Action::OverviewMove(delta) => {
                if let (Overlay::Overview(selected), Some(navigation)) =
                    (&model.overlay, &model.navigation)
                {
                    let last = navigation.deck.slides.len().saturating_sub(1) as i64;
                    let moved = (*selected as i64 + delta).clamp(0, last);
                    model.overlay = Overlay::Overview(moved as usize);
                }
            }
            Action::Pick(index) => {
                model.overlay = Overlay::None;
                if let Some(navigation) = model.navigation.as_mut() {
                    if navigation.apply(NavAction::GoToIndex(index)) {
                        model.local_change();
                    }
                }
            }
            Action::GoToTyped(text) => {
                let found = model
                    .navigation
                    .as_ref()
                    .and_then(|navigation| navigation.resolve(&text));
                match found {
                    Some(index) => return Rc::new(model).reduce(Action::Pick(index)),
                    None => model.overlay = Overlay::GoTo(Some(text)),
                }
            }
            Action::CloseOverlay => model.overlay = Overlay::None,
            Action::Incoming(Incoming::Hello) => {
                if !model.publishes {
                    return self;
                }
                model.local_revision += 1;
            }
            Action::Incoming(Incoming::State(message)) => {
                if message.state.origin == model.origin && model.url_wins {
                    // This window's own position came back: the server has it, so a
                    // state from anyone else from now on is newer and is followed (a
                    // remote's black screen, say, must not be answered by republishing).
                    model.url_wins = false;
                    return Rc::new(model);
                }
                if message.state.origin == model.origin || !model.follows() {
                    return self;
                }
                if model.url_wins {
                    // Nobody else's position replaces the one this window was opened on.
                    model.url_wins = false;
                    model.local_revision += 1;
                    return Rc::new(model);
                }
                if message.seq == 0 && model.publishes {
                    // The server's initial state: nobody presented yet, so this window's
                    // position (from its URL) becomes the presenter's.
                    model.local_revision += 1;
                    return Rc::new(model);
                }
                if model.attached {
                    model.adopt(&message);
                }
                model.latest_remote = Some(message);
            }
            Action::WidgetState(key, value) => {
                let mut widgets = (*model.widgets).clone();
                let here = model.navigation.as_ref().map(Navigation::route);
                if let Some(here) = here.filter(|here| {
                    model.shares_widgets_in_url()
                        && key
                            .rsplit_once('/')
                            .is_some_and(|(id, _)| id == here.slide_id)
                }) {
                    model.shared_route = Some(here);
                }
                widgets.insert(key, value);
                model.widgets = Rc::new(widgets);
                model.local_change();
            }
            Action::Reattach => {
                model.attached = true;
                if let Some(message) = model.latest_remote.clone() {
                    model.adopt(&message);
                }
            }
            Action::BecomeFollower => {
                model.view = View::Follow;
                model.publishes = true;
                model.attached = true;
                model.shared_route = None;
            }
            Action::SyncProblem(problem) => model.sync_problem = Some(problem),
        }
        Rc::new(model)
    }
}

fn apply_command(model: &mut Model, command: Command) {
    let current = model
        .navigation
        .as_ref()
        .map_or(0, |navigation| navigation.position.slide);
    match command {
        Command::Nav(_) | Command::Fullscreen | Command::OpenPresenter => {}
        Command::ToggleOverview => {
            model.overlay = match model.overlay {
                Overlay::Overview(_) => Overlay::None,
                _ => Overlay::Overview(current),
            }
        }
        Command::Escape => {
            model.overlay = match model.overlay {
                Overlay::None => Overlay::Overview(current),
                _ => Overlay::None,
            }
        }
        Command::Blackout => {
            model.blackout = !model.blackout;
            model.screen_change();
        }
        Command::Help => {
            model.overlay = match model.overlay {
                Overlay::Help => Overlay::None,
                _ => Overlay::Help,
            }
        }
        Command::GoTo => model.overlay = Overlay::GoTo(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deck::{DeckMeta, Layout, Slide, SourceRef};

    fn deck(slides: usize) -> Rc<Deck> {
        Rc::new(Deck {
            meta: DeckMeta {
                title: "t".into(),
                speaker: "s".into(),
                event: "e".into(),
                description: "d".into(),
                planned_minutes: 51,
                lang: "fr".into(),
                end_slide: None,
            },
            slides: (0..slides)
                .map(|index| Slide {
                    id: format!("s{index}"),
                    title: format!("Slide {index}"),
                    chapter: "01".into(),
                    layout: Layout::Content,
                    class: None,
                    minutes: 1.0,
                    html: String::new(),
                    steps: 0,
                    source: SourceRef {
                        file: "f".into(),
                        line: 1,
                    },
                    widgets: Vec::new(),
                    estimated_seconds: 0.0,
                })
                .collect(),
            notes: BTreeMap::new(),
        })
    }

    fn query(view: View, token: Option<&str>) -> PageQuery {
        PageQuery {
            view,
            token: token.map(str::to_owned),
            print: None,
        }
    }

    /// A model of `view` (served, with a token), its deck loaded, opened on `hash`.
    fn loaded(view: View, hash: &str) -> Rc<Model> {
        let model = Rc::new(Model::new(
            &query(view, Some("secret")),
            SyncMode::Served,
            "me".into(),
            hash,
        ));
        model.reduce(Action::Loaded(deck(3), Route::parse(hash), BTreeMap::new()))
    }

    fn state_from(origin: &str, seq: u64, slide: &str, blackout: bool) -> Action {
        Action::Incoming(Incoming::State(SyncMessage {
            seq,
            state: SyncState {
                slide: slide.into(),
                step: 0,
                widgets: BTreeMap::new(),
                origin: origin.into(),
                blackout,
                skips: 0,
                animating: false,
            },
        }))
    }

    fn slide(model: &Model) -> Option<String> {
        model.navigation.as_ref().map(|n| n.route().slide_id)
    }

    #[test]
    fn an_audience_window_never_publishes_and_a_presenter_needs_its_token() {
        let audience = Model::new(
            &query(View::Audience, None),
            SyncMode::Served,
            "a".into(),
            "",
        );
        assert!(!audience.publishes && !audience.follows());
        let presenter = Model::new(
            &query(View::Presenter, None),
            SyncMode::Served,
            "p".into(),
            "",
        );
        assert!(!presenter.publishes, "served without a token");
        let presenter = Model::new(
            &query(View::Presenter, None),
            SyncMode::Static,
            "p".into(),
            "",
        );
        assert!(
            presenter.publishes,
            "static windows of one browser trust each other"
        );
    }

    #[test]
    fn a_follower_adopts_the_presenters_moves_until_it_explores_alone() {
        let model = Rc::new(Model::new(
            &query(View::Follow, None),
            SyncMode::Served,
            "me".into(),
            "",
        ))
        .reduce(Action::Loaded(deck(3), None, BTreeMap::new()));
        let model = model.reduce(state_from("presenter", 4, "s2", true));
        assert_eq!(slide(&model).as_deref(), Some("s2"));
        assert!(model.blackout, "the black screen follows the presenter");
        let model = model.reduce(Action::Navigate(NavAction::First));
        assert!(
            !model.attached,
            "a follower that cannot publish detaches when it moves"
        );
        let model = model.reduce(state_from("presenter", 5, "s1", false));
        assert_eq!(slide(&model).as_deref(), Some("s0"), "detached: stays");
        let model = model.reduce(Action::Reattach);
        assert_eq!(slide(&model).as_deref(), Some("s1"));
        assert!(!model.blackout);
    }

    #[test]
    fn a_presenter_opened_on_a_url_keeps_it_then_follows_once_its_state_came_back() {
        let model = loaded(View::Presenter, "#/s2/0");
        let published = model.local_revision;
        assert!(published > 0, "the URL's position is published");
        // The server's snapshot from before: the URL wins and is published again.
        let model = model.reduce(state_from("remote", 7, "s0", false));
        assert_eq!(slide(&model).as_deref(), Some("s2"));
        assert!(!model.url_wins && model.local_revision > published);
        // Once the URL no longer wins, a remote's black screen is followed, not answered.
        let revision = model.local_revision;
        let model = model.reduce(state_from("remote", 8, "s2", true));
        assert!(model.blackout);
        assert_eq!(model.local_revision, revision);
    }

    #[test]
    fn a_presenters_own_echo_ends_the_urls_priority_without_republishing() {
        let model = loaded(View::Presenter, "#/s1/0");
        let revision = model.local_revision;
        let model = model.reduce(state_from("me", 3, "s1", false));
        assert!(!model.url_wins);
        assert_eq!(model.local_revision, revision);
        let model = model.reduce(state_from("remote", 4, "s1", true));
        assert!(model.blackout, "the remote's blackout is adopted");
        assert_eq!(model.local_revision, revision);
    }

    #[test]
    fn commands_toggle_overlays_and_the_shared_black_screen() {
        let model = loaded(View::Presenter, "");
        let revision = model.local_revision;
        let model = model.reduce(Action::Command(Command::ToggleOverview));
        assert_eq!(model.overlay, Overlay::Overview(0));
        let model = model.reduce(Action::OverviewMove(5));
        assert_eq!(
            model.overlay,
            Overlay::Overview(2),
            "clamped to the last slide"
        );
        let model = model.reduce(Action::Pick(1));
        assert_eq!(model.overlay, Overlay::None);
        assert_eq!(slide(&model).as_deref(), Some("s1"));
        let model = model.reduce(Action::Command(Command::Blackout));
        assert!(model.blackout);
        assert!(
            model.local_revision > revision,
            "a presenter publishes its blackout"
        );
        let model = model.reduce(Action::GoToTyped("nowhere".into()));
        assert_eq!(model.overlay, Overlay::GoTo(Some("nowhere".into())));
    }

    #[test]
    fn a_skip_ends_the_animation_and_counts_for_the_followers() {
        let model = loaded(View::Presenter, "").reduce(Action::Animating(true));
        assert!(model.animating);
        let model = model.reduce(Action::Skip);
        assert!(!model.animating);
        assert_eq!(model.skips, 1);
        assert_eq!(model.sync_state().map(|s| s.skips), Some(1));
    }
}
