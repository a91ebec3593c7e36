//! The help overlay (?) listing every key, and the go-to prompt (G). In French: both show
//! on the projector, so the room reads them.

use yew::prelude::*;

use crate::keys::HELP;

/// Props of [`Help`].
#[derive(Properties, PartialEq)]
pub struct HelpProps {
    /// Close the overlay.
    pub on_close: Callback<()>,
}

/// The list of keys.
#[function_component(Help)]
pub fn help(props: &HelpProps) -> Html {
    let close = use_node_ref();
    {
        let close = close.clone();
        use_effect_with((), move |()| {
            if let Some(button) = close.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    let on_close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="help" role="dialog" aria-modal="true" aria-labelledby="help-title" data-help="">
            <div class="help-box">
                <h2 id="help-title">{ "Raccourcis clavier" }</h2>
                <table>
                    <tbody>
                        { for HELP.iter().map(|(keys, action)| html! {
                            <tr><th scope="row"><kbd>{ *keys }</kbd></th><td>{ *action }</td></tr>
                        }) }
                    </tbody>
                </table>
                <button type="button" class="button" ref={close} onclick={on_close}>{ "Fermer (Échap)" }</button>
            </div>
        </div>
    }
}

/// Props of [`GoToPrompt`].
#[derive(Properties, PartialEq)]
pub struct GoToProps {
    /// Submitted text (a slide number or id); the parent resolves it.
    pub on_submit: Callback<String>,
    /// Cancelled (Esc).
    pub on_cancel: Callback<()>,
    /// Set when the last text matched no slide.
    #[prop_or_default]
    pub not_found: Option<String>,
}

/// The go-to prompt: a focused text field.
#[function_component(GoToPrompt)]
pub fn go_to_prompt(props: &GoToProps) -> Html {
    let input = use_node_ref();
    {
        let input = input.clone();
        use_effect_with((), move |()| {
            if let Some(input) = input.cast::<web_sys::HtmlInputElement>() {
                let _ = input.focus();
            }
        });
    }
    let onsubmit = {
        let input = input.clone();
        let on_submit = props.on_submit.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if let Some(input) = input.cast::<web_sys::HtmlInputElement>() {
                on_submit.emit(input.value());
            }
        })
    };
    let onkeydown = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                event.prevent_default();
                on_cancel.emit(());
            }
        })
    };
    html! {
        <form class="goto" role="dialog" aria-label="Aller à une diapositive" data-goto="" {onsubmit}>
            <label for="goto-input">{ "Aller à la diapositive (numéro ou identifiant)" }</label>
            <input id="goto-input" ref={input} type="text" autocomplete="off" spellcheck="false" {onkeydown} />
            if let Some(text) = &props.not_found {
                <p class="goto-error" role="alert">{ format!("Aucune diapositive ne correspond à « {text} ».") }</p>
            }
        </form>
    }
}
