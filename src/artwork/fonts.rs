//! Fonts: the TrueType files shipped in `label-templates/fonts/`, glyph lookup with fallback,
//! advance widths for line fitting and outlines for text-as-paths.
//!
//! A text is set glyph by glyph from the `cmap` of the first font in the chain that has the
//! character (e.g. Noto Sans, then IPAex Gothic for kana, kanji and ★). There is no shaping or
//! kerning: label texts are short Latin and Japanese strings, which need neither, and the
//! advance widths used to fit a line are exactly the widths written into the PDF.
//!
//! Speed (issue 14): each font is parsed once per process ([`bundled`]) and builds, on first
//! use, a table of character -> (glyph id, advance) from its whole Unicode `cmap` and a table
//! of advances by glyph id ([`FontFile::glyph`], [`FontFile::advance`]), so setting text does
//! no `Face::parse` and no `cmap` walk. The tables hold exactly what `ttf-parser` answers (a
//! test compares every Unicode scalar value of the bundled fonts), are built once behind a
//! `OnceLock` and are read-only after, so documents set on several threads share them.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use ttf_parser::{Face, GlyphId, OutlineBuilder};

/// The fonts bundled in the binary (`label-templates/fonts/`, with their licences there).
const BUNDLED: &[(&str, &[u8])] = &[
    (
        "NotoSans-Regular.ttf",
        include_bytes!("../../label-templates/fonts/NotoSans-Regular.ttf"),
    ),
    (
        "NotoSans-Bold.ttf",
        include_bytes!("../../label-templates/fonts/NotoSans-Bold.ttf"),
    ),
    (
        "ipaexg.ttf",
        include_bytes!("../../label-templates/fonts/ipaexg.ttf"),
    ),
];

/// One font file.
#[derive(Debug)]
pub struct FontFile {
    /// File name, as templates refer to it.
    pub name: String,
    /// PostScript name (for the PDF `BaseFont`).
    pub postscript_name: String,
    /// The file's bytes.
    pub data: Arc<[u8]>,
    units_per_em: f32,
    /// Ascender and descender, font units.
    pub ascender: i16,
    /// Descender (negative), font units.
    pub descender: i16,
    /// Cap height, font units.
    pub cap_height: i16,
    /// Bounding box, font units: x min, y min, x max, y max.
    pub bbox: [i16; 4],
    /// Whether it is a fixed-pitch font.
    pub monospaced: bool,
    /// Character and glyph metrics, made on first use.
    metrics: OnceLock<Metrics>,
    /// Process-unique number of this font (keys the PDF writer's subset cache).
    id: u64,
}

/// Characters below this are looked up by index (Latin, punctuation, arrows, ★, kana).
const DIRECT: usize = 0x3100;

/// A direct-table entry with no glyph (glyph id 0xFFFF cannot occur: ids are below
/// `numGlyphs`, itself at most 0xFFFF).
const NO_GLYPH: u32 = u32::MAX;

/// What `ttf-parser` answers for a font, tabulated once: the glyph and advance (font units)
/// of every character its Unicode `cmap` maps, and the advance of every glyph.
#[derive(Debug)]
struct Metrics {
    /// Characters below [`DIRECT`]: `glyph id << 16 | advance`, or [`NO_GLYPH`].
    direct: Vec<u32>,
    /// The other mapped characters, sorted: (character, glyph id, advance).
    rest: Vec<(u32, u16, u16)>,
    /// Advance by glyph id.
    advances: Vec<u16>,
}

impl Metrics {
    fn of(face: &Face<'_>) -> Metrics {
        let advances: Vec<u16> = (0..face.number_of_glyphs())
            .map(|g| face.glyph_hor_advance(GlyphId(g)).unwrap_or(0))
            .collect();
        let advance = |g: GlyphId| face.glyph_hor_advance(g).unwrap_or(0);
        let mut direct = vec![NO_GLYPH; DIRECT];
        for (i, slot) in direct.iter_mut().enumerate() {
            let gid = char::from_u32(i as u32).and_then(|c| face.glyph_index(c));
            if let Some(g) = gid {
                *slot = u32::from(g.0) << 16 | u32::from(advance(g));
            }
        }
        // Every code point some Unicode subtable maps; `Face::glyph_index` then gives the
        // answer of the first subtable that has it, as it would at lookup time.
        // U+FFFF too: `codepoints` skips a format 4 subtable's closing 0xFFFF segment, which
        // `glyph_index` still maps (to glyph 0).
        let mut points = vec![0xFFFF];
        if let Some(cmap) = face.tables().cmap {
            for sub in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
                sub.codepoints(|c| {
                    if c as usize >= DIRECT {
                        points.push(c);
                    }
                });
            }
        }
        points.sort_unstable();
        points.dedup();
        let rest = points
            .into_iter()
            .filter_map(|c| {
                let g = face.glyph_index(char::from_u32(c)?)?;
                Some((c, g.0, advance(g)))
            })
            .collect();
        Metrics {
            direct,
            rest,
            advances,
        }
    }

    fn glyph(&self, ch: char) -> Option<(u16, u16)> {
        let c = ch as usize;
        if c < DIRECT {
            let e = self.direct[c];
            return (e != NO_GLYPH).then_some(((e >> 16) as u16, e as u16));
        }
        let i = self.rest.binary_search_by_key(&(c as u32), |e| e.0).ok()?;
        let (_, gid, adv) = self.rest[i];
        Some((gid, adv))
    }
}

/// Why a font file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FontError {
    /// No bundled font by that name.
    #[error("unknown font `{name}`; bundled fonts: {known}")]
    Unknown {
        /// The name asked for.
        name: String,
        /// Bundled names.
        known: String,
    },
    /// Not a TrueType/OpenType font with glyf outlines.
    #[error("font `{name}` cannot be used: {why}")]
    Unusable {
        /// File name.
        name: String,
        /// Why.
        why: String,
    },
}

impl FontFile {
    /// Parses and checks a font: it must parse and carry TrueType (`glyf`) outlines, which
    /// `subsetter` subsets well and PDF embeds as CIDFontType2.
    pub fn new(name: &str, data: Arc<[u8]>) -> Result<FontFile, FontError> {
        let unusable = |why: &str| FontError::Unusable {
            name: name.to_string(),
            why: why.to_string(),
        };
        let face = Face::parse(&data, 0).map_err(|e| unusable(&e.to_string()))?;
        if face.tables().glyf.is_none() {
            return Err(unusable("no TrueType (glyf) outlines"));
        }
        let postscript_name = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_else(|| name.trim_end_matches(".ttf").to_string())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let b = face.global_bounding_box();
        Ok(FontFile {
            name: name.to_string(),
            postscript_name,
            units_per_em: f32::from(face.units_per_em()),
            ascender: face.ascender(),
            descender: face.descender(),
            cap_height: face.capital_height().unwrap_or(face.ascender()),
            bbox: [b.x_min, b.y_min, b.x_max, b.y_max],
            monospaced: face.is_monospaced(),
            data,
            metrics: OnceLock::new(),
            id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        })
    }

    /// The tables, made on first use (a few ms for a CJK font, once per process).
    fn metrics(&self) -> &Metrics {
        self.metrics.get_or_init(|| match self.face() {
            Some(face) => Metrics::of(&face),
            // `new` parsed the same bytes, so this does not happen; no glyphs if it did.
            None => Metrics {
                direct: vec![NO_GLYPH; DIRECT],
                rest: Vec::new(),
                advances: Vec::new(),
            },
        })
    }

    /// The glyph id and advance (font units) of `ch` from the font's Unicode `cmap`: what
    /// `Face::glyph_index` and `Face::glyph_hor_advance` answer, from a table.
    pub fn glyph(&self, ch: char) -> Option<(u16, u16)> {
        self.metrics().glyph(ch)
    }

    /// The advance of glyph `gid` in font units (0 for an id the font does not have).
    pub fn advance(&self, gid: u16) -> u16 {
        self.metrics()
            .advances
            .get(usize::from(gid))
            .copied()
            .unwrap_or(0)
    }

    /// The parsed face. Parsing only reads table offsets, so it is cheap to repeat.
    pub fn face(&self) -> Option<Face<'_>> {
        Face::parse(&self.data, 0).ok()
    }

    /// A number no other font of this process has (two fonts of one name may differ).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Font units per em.
    pub fn units_per_em(&self) -> f32 {
        self.units_per_em
    }
}

/// The bundled fonts, parsed once per process.
pub fn bundled() -> &'static [Arc<FontFile>] {
    static FONTS: OnceLock<Vec<Arc<FontFile>>> = OnceLock::new();
    FONTS.get_or_init(|| {
        BUNDLED
            .iter()
            .filter_map(|(name, data)| FontFile::new(name, Arc::from(*data)).ok().map(Arc::new))
            .collect()
    })
}

/// A bundled font by file name.
pub fn bundled_font(name: &str) -> Result<Arc<FontFile>, FontError> {
    bundled()
        .iter()
        .find(|f| f.name == name)
        .cloned()
        .ok_or_else(|| FontError::Unknown {
            name: name.to_string(),
            known: BUNDLED
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// One glyph set in a line: which font of the chain, its glyph id, the character(s) it shows
/// and its advance in em.
#[derive(Debug, Clone, PartialEq)]
pub struct SetGlyph {
    /// Index into the chain's fonts.
    pub font: usize,
    /// Glyph id in that font.
    pub gid: u16,
    /// The character it shows (for the PDF ToUnicode map and text extraction).
    pub ch: char,
    /// Advance width in em.
    pub advance: f32,
}

/// A fallback chain of fonts: each character comes from the first font that has it.
#[derive(Debug, Clone)]
pub struct FontChain {
    /// The fonts, in fallback order.
    pub fonts: Vec<Arc<FontFile>>,
}

impl FontChain {
    /// Sets `text` as glyphs. A character no font has becomes the first font's `.notdef` glyph
    /// and is reported in the second value, so callers can refuse it instead of printing a box.
    pub fn set(&self, text: &str) -> (Vec<SetGlyph>, Vec<char>) {
        let mut out = Vec::with_capacity(text.len());
        let mut missing = Vec::new();
        for ch in text.chars() {
            let found = self
                .fonts
                .iter()
                .enumerate()
                .find_map(|(i, f)| f.glyph(ch).map(|(gid, adv)| (i, gid, adv)));
            match found {
                Some((i, gid, adv)) => out.push(SetGlyph {
                    font: i,
                    gid,
                    ch,
                    advance: f32::from(adv) / self.fonts[i].units_per_em,
                }),
                None => {
                    missing.push(ch);
                    out.push(SetGlyph {
                        font: 0,
                        gid: 0,
                        ch,
                        advance: 0.5,
                    });
                }
            }
        }
        (out, missing)
    }
}

/// Width of a set line in em.
pub fn width_em(glyphs: &[SetGlyph]) -> f32 {
    glyphs.iter().map(|g| g.advance).sum()
}

/// SVG path data of a glyph outline, in font units with y up (the caller flips and scales).
pub fn outline_path(font: &FontFile, gid: u16) -> Option<String> {
    struct Svg(String);
    impl OutlineBuilder for Svg {
        fn move_to(&mut self, x: f32, y: f32) {
            self.0.push_str(&format!("M{x} {y}"));
        }
        fn line_to(&mut self, x: f32, y: f32) {
            self.0.push_str(&format!("L{x} {y}"));
        }
        fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
            self.0.push_str(&format!("Q{x1} {y1} {x} {y}"));
        }
        fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
            self.0.push_str(&format!("C{x1} {y1} {x2} {y2} {x} {y}"));
        }
        fn close(&mut self) {
            self.0.push('Z');
        }
    }
    let face = font.face()?;
    let mut b = Svg(String::new());
    face.outline_glyph(GlyphId(gid), &mut b)?;
    Some(b.0)
}

/// Glyphs used per font, for subsetting: font index -> glyph id -> the character it shows.
pub type GlyphUse = BTreeMap<usize, BTreeMap<u16, char>>;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// The tables answer what `ttf-parser` answers, for every Unicode scalar value (mapped or
    /// not: Latin, kana, kanji, ★, the supplementary planes) and every glyph id.
    #[test]
    fn tables_equal_ttf_parser_for_every_character_and_glyph() {
        let mut mapped = 0;
        for font in bundled() {
            let face = font.face().unwrap();
            for ch in (0..=0x10FFFFu32).filter_map(char::from_u32) {
                let theirs = face
                    .glyph_index(ch)
                    .map(|g| (g.0, face.glyph_hor_advance(g).unwrap_or(0)));
                assert_eq!(font.glyph(ch), theirs, "{} {ch:?}", font.name);
                mapped += usize::from(theirs.is_some());
            }
            for g in 0..=face.number_of_glyphs() {
                let theirs = face.glyph_hor_advance(GlyphId(g)).unwrap_or(0);
                assert_eq!(font.advance(g), theirs, "{} glyph {g}", font.name);
            }
        }
        // Noto Sans (two weights) and IPAex Gothic map thousands of characters each.
        assert!(mapped > 15_000, "{mapped}");
        let ipa = bundled_font("ipaexg.ttf").unwrap();
        for ch in ['★', 'サ', '試', '験', '済'] {
            assert!(ipa.glyph(ch).is_some(), "{ch}");
        }
    }

    /// Fonts set text on several threads at once (a batch draws documents in parallel): the
    /// tables are made once and every thread gets the same glyphs.
    #[test]
    fn setting_text_on_threads_gives_the_same_glyphs() {
        let chain = FontChain {
            fonts: vec![
                bundled_font("NotoSans-Bold.ttf").unwrap(),
                bundled_font("ipaexg.ttf").unwrap(),
            ],
        };
        let text = "Level 3 ★ 試験済み — Acme Thermostat T-1000 (ÄÖÜ ß é)";
        let one = chain.set(text);
        let all: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4).map(|_| s.spawn(|| chain.set(text))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for other in all {
            assert_eq!(other, one);
        }
    }

    #[test]
    fn bundled_fonts_parse_and_fall_back() {
        assert_eq!(bundled().len(), BUNDLED.len());
        let chain = FontChain {
            fonts: vec![
                bundled_font("NotoSans-Regular.ttf").unwrap(),
                bundled_font("ipaexg.ttf").unwrap(),
            ],
        };
        let (glyphs, missing) = chain.set("Lab ★ 試験済み");
        assert!(missing.is_empty());
        assert_eq!(glyphs[0].font, 0);
        assert_eq!(glyphs[4].font, 1, "★ comes from IPAex Gothic");
        assert_eq!(glyphs.last().unwrap().font, 1);
        assert!(width_em(&glyphs) > 5.0);
        let (_, missing) = chain.set("\u{10FFFD}");
        assert_eq!(missing, vec!['\u{10FFFD}']);
        assert!(
            outline_path(&chain.fonts[0], glyphs[0].gid)
                .unwrap()
                .starts_with('M')
        );
        assert!(matches!(
            bundled_font("Comic.ttf"),
            Err(FontError::Unknown { .. })
        ));
    }
}
