//! Fonts: the TrueType files shipped in `label-templates/fonts/`, glyph lookup with fallback,
//! advance widths for line fitting and outlines for text-as-paths.
//!
//! A text is set glyph by glyph from the `cmap` of the first font in the chain that has the
//! character (e.g. Noto Sans, then IPAex Gothic for kana, kanji and ★). There is no shaping or
//! kerning: label texts are short Latin and Japanese strings, which need neither, and the
//! advance widths used to fit a line are exactly the widths written into the PDF.

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
        })
    }

    /// The parsed face. Parsing only reads table offsets, so it is cheap to repeat.
    pub fn face(&self) -> Option<Face<'_>> {
        Face::parse(&self.data, 0).ok()
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
        let faces: Vec<Option<Face<'_>>> = self.fonts.iter().map(|f| f.face()).collect();
        let mut out = Vec::with_capacity(text.len());
        let mut missing = Vec::new();
        for ch in text.chars() {
            let found = faces.iter().enumerate().find_map(|(i, face)| {
                let face = face.as_ref()?;
                let gid = face.glyph_index(ch)?;
                Some((i, face, gid))
            });
            match found {
                Some((i, face, gid)) => out.push(SetGlyph {
                    font: i,
                    gid: gid.0,
                    ch,
                    advance: f32::from(face.glyph_hor_advance(gid).unwrap_or(0))
                        / self.fonts[i].units_per_em,
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
