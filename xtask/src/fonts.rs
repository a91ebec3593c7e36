//! The talk's typeface, bundled: Inter (regular and bold, from the npm package
//! `@fontsource/inter`, SIL Open Font License), cut down to the characters the talk uses
//! and written as WOFF2 next to the WASM in `target/dist/assets/`, listed in the manifest
//! (`fonts`). A projector then shows the same letters as the rehearsal laptop, whatever is
//! installed on it, for a few KiB.
//!
//! The characters come from the talk's sources (slides, notes, scenarios) and from the
//! code that writes text on screen (the app, the widgets, the deck compiler, the page
//! templates), plus ASCII and French letters: a character added while `raftdeck serve` runs and
//! not among them shows in a fallback font until the next build.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

use crate::bundle::fnv1a;
use crate::{step, Workspace};

/// The npm package the font files come from, pinned.
const PACKAGE: &str = "@fontsource/inter@5.3.0";
/// The package's files for each weight we ship, and the CSS weights each one covers (the
/// browser picks the nearest face; it never fakes a bold from the regular).
const FACES: [(&str, &str); 2] = [
    ("inter-latin-400-normal.woff", "100 500"),
    ("inter-latin-700-normal.woff", "600 900"),
];
/// The OpenType layout features kept: what French text needs (ligatures, kerning, marks,
/// localized forms) and tabular figures (timers, counters). Inter's contextual
/// alternates, fractions and stylistic sets would bring hundreds of glyphs nobody sees.
const FEATURES: [&[u8; 4]; 9] = [
    b"rvrn", b"ccmp", b"liga", b"locl", b"mark", b"mkmk", b"rlig", b"kern", b"tnum",
];
/// Folders whose text files hold what the screen shows (diagrams are images: they do not
/// use the page's fonts).
const TEXT_SOURCES: [&str; 7] = [
    "slides",
    "speaker-notes",
    "frontend/src",
    "widgets/src",
    "scene/src",
    "deck/src",
    "server/templates",
];
/// Always kept: French letters and punctuation, whatever the sources hold today.
const FRENCH: &str = "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»’‘“”…–—•·€°×\u{a0}\u{202f}\u{2009}";

/// One bundled font file, as the manifest lists it.
pub struct FontFile {
    /// The file name in `assets/`.
    pub file: String,
    /// The CSS `font-weight` range it serves.
    pub weight: &'static str,
}

/// Writes the subset fonts into `assets` (skipped when the same characters were already
/// cut from the same files) and returns them; an empty list, with a warning, when npm
/// cannot provide the package (the talk then uses the system's fonts).
pub fn build_fonts(workspace: &Workspace, assets: &Path) -> anyhow::Result<Vec<FontFile>> {
    let Some(package) = ensure_package(&workspace.tools()) else {
        return Ok(Vec::new());
    };
    let characters = characters(&workspace.root)?;
    let text: String = characters.iter().collect();
    let mut fonts = Vec::new();
    for (source, weight) in FACES {
        let path = package.join("files").join(source);
        let woff =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        // The name changes with anything that changes the file (its source, the
        // characters, the features kept): browsers cache assets forever.
        let features: Vec<u8> = FEATURES
            .iter()
            .flat_map(|tag| tag.iter().copied())
            .collect();
        let key = fnv1a(&[woff.as_slice(), text.as_bytes(), &features].concat());
        let stem = source
            .trim_end_matches(".woff")
            .replace("inter-latin", "raftdeck-sans");
        let name = format!("{stem}-{key:016x}.woff2");
        let out = assets.join(&name);
        if !out.is_file() {
            let sfnt = woff_to_sfnt(&woff)
                .with_context(|| format!("{}: not a WOFF font", path.display()))?;
            let subset = subset(&sfnt, &characters)
                .map_err(|error| anyhow::anyhow!("subsetting {source}: {error}"))?;
            let woff2 = ttf2woff2::encode(&subset, ttf2woff2::BrotliQuality::default())
                .map_err(|error| anyhow::anyhow!("WOFF2 of {source}: {error:?}"))?;
            std::fs::write(&out, &woff2)?;
            step(&format!(
                "font: {name} ({} characters, {:.1} KiB, from {:.1} KiB)",
                characters.len(),
                woff2.len() as f64 / 1024.0,
                woff.len() as f64 / 1024.0
            ));
        }
        fonts.push(FontFile { file: name, weight });
    }
    Ok(fonts)
}

/// `font` cut down to `characters` and [`FEATURES`], without hinting (a projector
/// scales the text; hinting is for small sizes on low-resolution screens).
fn subset(font: &[u8], characters: &BTreeSet<char>) -> Result<Vec<u8>, String> {
    use fontcull_klippa::{subset_font, Plan, SubsetFlags};
    use fontcull_read_fonts::collections::IntSet;
    use fontcull_skrifa::{FontRef, GlyphId, Tag};
    use fontcull_write_fonts::types::NameId;

    let font = FontRef::new(font).map_err(|error| format!("{error:?}"))?;
    let unicodes: IntSet<u32> = characters.iter().map(|&c| u32::from(c)).collect();
    let features: IntSet<Tag> = FEATURES.iter().map(|tag| Tag::new(tag)).collect();
    let plan = Plan::new(
        &IntSet::<GlyphId>::empty(),
        &unicodes,
        &font,
        SubsetFlags::SUBSET_FLAGS_NO_HINTING,
        &IntSet::<Tag>::empty(),
        &IntSet::<Tag>::all(),
        &features,
        &IntSet::<NameId>::empty(),
        &IntSet::<u16>::empty(),
    );
    subset_font(&font, &plan).map_err(|error| format!("{error:?}"))
}

/// The package folder, installed with npm into the tools folder when missing.
fn ensure_package(tools: &Path) -> Option<PathBuf> {
    let prefix = tools.join("fonts");
    let package = prefix
        .join("node_modules")
        .join("@fontsource")
        .join("inter");
    if package.join("files").is_dir() {
        return Some(package);
    }
    step(&format!(
        "installing {PACKAGE} (npm) for the talk's typeface"
    ));
    let installed = std::fs::create_dir_all(&prefix).is_ok()
        && Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
            ])
            .arg(&prefix)
            .arg(PACKAGE)
            .status()
            .is_ok_and(|status| status.success());
    if installed && package.join("files").is_dir() {
        Some(package)
    } else {
        eprintln!("xtask: warning: could not install {PACKAGE}: the talk uses the system's fonts");
        None
    }
}

/// ASCII, French and every character of the text sources.
fn characters(root: &Path) -> anyhow::Result<BTreeSet<char>> {
    let mut set: BTreeSet<char> = (' '..='~').chain(FRENCH.chars()).collect();
    for folder in TEXT_SOURCES {
        collect(&root.join(folder), &mut set)?;
    }
    set.retain(|c| !c.is_control());
    Ok(set)
}

fn collect(dir: &Path, set: &mut BTreeSet<char>) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, set)?;
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            set.extend(text.chars());
        }
    }
    Ok(())
}

fn u16_at(bytes: &[u8], at: usize) -> anyhow::Result<u16> {
    let slice = bytes.get(at..at + 2).context("truncated")?;
    Ok(u16::from_be_bytes([slice[0], slice[1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> anyhow::Result<u32> {
    let slice = bytes.get(at..at + 4).context("truncated")?;
    Ok(u32::from_be_bytes([slice[0], slice[1], slice[2], slice[3]]))
}

/// Unpacks a WOFF (1.0) file into the OpenType font it wraps: each table is stored
/// zlib-compressed unless that did not make it smaller.
fn woff_to_sfnt(woff: &[u8]) -> anyhow::Result<Vec<u8>> {
    if woff.get(0..4) != Some(b"wOFF") {
        bail!("no WOFF signature");
    }
    let flavor = u32_at(woff, 4)?;
    let count = usize::from(u16_at(woff, 12)?);
    let mut tables = Vec::with_capacity(count);
    for k in 0..count {
        let at = 44 + 20 * k;
        let (tag, offset, compressed, length, checksum) = (
            u32_at(woff, at)?,
            u32_at(woff, at + 4)? as usize,
            u32_at(woff, at + 8)? as usize,
            u32_at(woff, at + 12)? as usize,
            u32_at(woff, at + 16)?,
        );
        let stored = woff
            .get(offset..offset + compressed)
            .context("table out of the file")?;
        let data = if compressed < length {
            let mut data = Vec::with_capacity(length);
            flate2::read::ZlibDecoder::new(stored).read_to_end(&mut data)?;
            data
        } else {
            stored.to_vec()
        };
        if data.len() != length {
            bail!("table {tag:08x}: {} bytes, {length} expected", data.len());
        }
        tables.push((tag, checksum, data));
    }
    let power = (count.max(1) as u32).ilog2();
    let search_range = (1u32 << power) * 16;
    let mut sfnt = Vec::new();
    sfnt.extend(flavor.to_be_bytes());
    sfnt.extend((count as u16).to_be_bytes());
    sfnt.extend((search_range as u16).to_be_bytes());
    sfnt.extend((power as u16).to_be_bytes());
    sfnt.extend(((count as u32 * 16 - search_range) as u16).to_be_bytes());
    let mut offset = 12 + 16 * count;
    for (tag, checksum, data) in &tables {
        sfnt.extend(tag.to_be_bytes());
        sfnt.extend(checksum.to_be_bytes());
        sfnt.extend((offset as u32).to_be_bytes());
        sfnt.extend((data.len() as u32).to_be_bytes());
        offset += data.len().div_ceil(4) * 4;
    }
    for (_, _, data) in &tables {
        sfnt.extend(data);
        sfnt.resize(sfnt.len().div_ceil(4) * 4, 0);
    }
    Ok(sfnt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacks_a_woff_file_into_its_tables() {
        // One stored table and one compressed table.
        let plain = b"ABCDEFGH".to_vec();
        let long = vec![7u8; 64];
        let mut compressed = Vec::new();
        {
            use std::io::Write;
            let mut encoder =
                flate2::write::ZlibEncoder::new(&mut compressed, flate2::Compression::best());
            encoder.write_all(&long).unwrap();
        }
        let mut woff = Vec::new();
        woff.extend(b"wOFF");
        woff.extend(0x0001_0000u32.to_be_bytes());
        woff.extend(0u32.to_be_bytes());
        woff.extend(2u16.to_be_bytes());
        woff.resize(44, 0);
        let data_at = 44 + 40;
        let entries = [
            (*b"aaaa", data_at, plain.len(), plain.len()),
            (*b"bbbb", data_at + 8, compressed.len(), long.len()),
        ];
        for (tag, offset, stored, length) in entries {
            woff.extend(tag);
            woff.extend((offset as u32).to_be_bytes());
            woff.extend((stored as u32).to_be_bytes());
            woff.extend((length as u32).to_be_bytes());
            woff.extend(0u32.to_be_bytes());
        }
        woff.extend(&plain);
        woff.extend(&compressed);
        let sfnt = woff_to_sfnt(&woff).unwrap();
        assert_eq!(u16_at(&sfnt, 4).unwrap(), 2);
        let first = u32_at(&sfnt, 12 + 8).unwrap() as usize;
        let second = u32_at(&sfnt, 12 + 16 + 8).unwrap() as usize;
        assert_eq!(&sfnt[first..first + 8], plain.as_slice());
        assert_eq!(&sfnt[second..second + 64], long.as_slice());
        assert!(woff_to_sfnt(b"nope").is_err());
    }
}
