//! The phone remote's URL as a QR code: an SVG for the presenter view, and block
//! characters for the terminal at `raftdeck serve` start. Rendered here, on the server,
//! so the WASM bundle carries no QR encoder.

use anyhow::Context;
use qrcode::render::{svg, unicode};
use qrcode::QrCode;

/// The remote page's URL under `base` (which ends with `/`).
pub fn remote_url(base: &str, token: &str) -> String {
    format!("{base}?remote&token={token}")
}

/// `url` as a standalone SVG document (dark on light, with its quiet zone).
pub fn svg(url: &str) -> anyhow::Result<String> {
    let code = QrCode::new(url.as_bytes()).context("the URL does not fit in a QR code")?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#0f172a"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// `url` as text for a terminal: two modules per character cell.
pub fn terminal(url: &str) -> anyhow::Result<String> {
    let code = QrCode::new(url.as_bytes()).context("the URL does not fit in a QR code")?;
    Ok(code
        .render::<unicode::Dense1x2>()
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_svg_and_terminal_codes() {
        let url = remote_url("http://10.0.0.5:8080/", "abc");
        assert_eq!(url, "http://10.0.0.5:8080/?remote&token=abc");
        let image = svg(&url).unwrap();
        assert!(image.starts_with("<?xml") && image.contains("<svg"));
        let text = terminal(&url).unwrap();
        assert!(text.lines().count() > 10);
    }
}
