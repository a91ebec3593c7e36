//! JSON in and out of the app through the browser's own `JSON.parse` and
//! `JSON.stringify`, with serde-wasm-bindgen between JS values and Rust types. The app's
//! module then carries no JSON parser or printer of its own (serde_json's were about a
//! fifth of it); the widgets module, which needs one for its scenarios, keeps serde_json.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

/// Parses `text` as a `T`; the error says what did not fit.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|error| describe(&error))?;
    serde_wasm_bindgen::from_value(value).map_err(|error| error.to_string())
}

/// `value` as compact JSON text (maps as objects, as the server and the widgets expect).
pub fn stringify<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let value = value
        .serialize(&serializer)
        .map_err(|error| error.to_string())?;
    js_sys::JSON::stringify(&value)
        .map(String::from)
        .map_err(|error| describe(&error))
}

fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .unwrap_or_else(|| "invalid JSON".to_owned())
}
