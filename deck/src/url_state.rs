//! How a widget state travels in a URL (`#/<slide>/<step>?w0=<state>`): compact JSON in
//! unpadded base64url. Shared by the app, which handles states as opaque JSON text (its
//! WASM parses JSON with the browser's `JSON.parse`), and the widgets module, which gives
//! them meaning (`widgets::WidgetState`).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url (RFC 4648 §5), hand-written to keep the WASM free of a crate.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for position in 0..symbols {
            let index = (n >> (18 - 6 * position)) & 63;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

/// Decodes unpadded (or padded) base64url; none on any other character or a bad length.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = ALPHABET.iter().position(|&symbol| symbol == byte)? as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // A lone trailing symbol carries fewer than 8 bits: not valid base64.
    if text.len() % 4 == 1 {
        return None;
    }
    Some(out)
}

/// JSON text as a URL-safe string (unpadded base64url of its UTF-8).
pub fn encode_text(json: &str) -> String {
    base64url_encode(json.as_bytes())
}

/// The JSON text behind a string written by [`encode_text`]: none unless it is base64url
/// of UTF-8 that looks like a JSON object (`{…}`), so a mangled link never reaches a
/// widget. Whether the object parses is left to whoever reads it.
pub fn decode_text(text: &str) -> Option<String> {
    let json = String::from_utf8(base64url_decode(text)?).ok()?;
    let trimmed = json.trim();
    (trimmed.starts_with('{') && trimmed.ends_with('}')).then_some(json)
}

/// A JSON value as a URL-safe string: compact JSON in unpadded base64url.
pub fn encode(value: &serde_json::Value) -> String {
    encode_text(&value.to_string())
}

/// Reads a string written by [`encode`]; none unless it is base64url of a JSON object
/// (every widget state is one).
pub fn decode(text: &str) -> Option<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&decode_text(text)?)
        .ok()
        .filter(serde_json::Value::is_object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url_encode(plain.as_bytes()), encoded);
            assert_eq!(base64url_decode(encoded).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("Zm9vYg=="), Some(b"foob".to_vec()));
        assert_eq!(base64url_decode("Zm9v!"), None);
        assert_eq!(base64url_decode("Z"), None);
    }

    #[test]
    fn only_json_objects_decode() {
        let state = serde_json::json!({ "sim_ms": 12, "inputs": [] });
        assert_eq!(decode(&encode(&state)), Some(state));
        for not_a_state in ["%%%", "Zm9v", "Z", ""] {
            assert_eq!(decode(not_a_state), None, "{not_a_state}");
        }
        assert_eq!(decode(&base64url_encode(b"[1, 2]")), None);
        assert_eq!(decode(&base64url_encode(b"{\"a\": ")), None);
        assert_eq!(decode(&base64url_encode(b"{\"a\": }")), None);
    }

    #[test]
    fn text_level_keeps_object_shaped_text_only() {
        let text = r#"{"sim_ms":12}"#;
        assert_eq!(decode_text(&encode_text(text)).as_deref(), Some(text));
        assert_eq!(decode_text(&base64url_encode(b"[1]")), None);
        assert_eq!(decode_text(&base64url_encode(&[0xff, 0xfe])), None);
        assert_eq!(decode_text("%%%"), None);
    }
}
