//! The QR symbol (the matrix of modules) for a QR text.
//!
//! A label's QR text is `VERIFY-URL#BASE32`: two runs in the QR alphanumeric set around a `#`,
//! which is not in that set. The symbol is built from explicit segments (alphanumeric, byte
//! `#`, alphanumeric), which is the smallest encoding of such a text; the version is the
//! smallest that holds it at the requested error-correction level, and the mask is chosen by
//! the standard's penalty rules.
//!
//! Why `qrcodegen` and not `qrcode` here (measured, `cargo bench --bench artwork`, group
//! `qr-encode`): on a 412-character label text `qrcode` 0.14's automatic segmentation picks
//! version 13 where explicit segments fit version 12, and it takes about 2.3 ms per symbol
//! against about 0.7 ms for `qrcodegen` with the same segments, which would alone break the
//! 1 ms budget of a label PDF. `qrcode` stays a dev-dependency to cross-check versions.

use qrcodegen::{QrCode, QrCodeEcc, QrSegment, Version};

/// Error-correction level of a QR symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Ecc {
    /// About 7 % of codewords can be restored.
    L,
    /// About 15 % (the default for labels).
    M,
    /// About 25 %.
    Q,
    /// About 30 %.
    H,
}

impl Ecc {
    fn level(self) -> QrCodeEcc {
        match self {
            Ecc::L => QrCodeEcc::Low,
            Ecc::M => QrCodeEcc::Medium,
            Ecc::Q => QrCodeEcc::Quartile,
            Ecc::H => QrCodeEcc::High,
        }
    }

    /// Parses `L`, `M`, `Q` or `H` (any case).
    pub fn parse(s: &str) -> Option<Ecc> {
        match s.to_ascii_uppercase().as_str() {
            "L" => Some(Ecc::L),
            "M" => Some(Ecc::M),
            "Q" => Some(Ecc::Q),
            "H" => Some(Ecc::H),
            _ => None,
        }
    }
}

/// Why a text could not be made into a QR symbol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SymbolError {
    /// More data than version 40 holds at this level.
    #[error("QR text of {len} characters does not fit any QR version at ECC {ecc:?}")]
    TooLong {
        /// Text length in bytes.
        len: usize,
        /// The level asked for.
        ecc: Ecc,
    },
}

/// A QR symbol: `size` x `size` modules, row-major, `true` = dark. No quiet zone included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrSymbol {
    version: u8,
    size: usize,
    dark: Vec<bool>,
}

impl QrSymbol {
    /// The QR version (1..=40).
    pub fn version(&self) -> u8 {
        self.version
    }

    /// Modules per side (17 + 4 x version).
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether the module at column `x`, row `y` is dark; false outside the symbol.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// Horizontal runs of dark modules per row: `(row, first column, length)`, in reading
    /// order. Renderers draw one rectangle per run instead of one per module.
    pub fn dark_runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.size {
            let row = &self.dark[y * self.size..(y + 1) * self.size];
            let mut x = 0;
            while x < self.size {
                if row[x] {
                    let start = x;
                    while x < self.size && row[x] {
                        x += 1;
                    }
                    runs.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }
}

fn in_alphanumeric_set(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b" $%*+-./:".contains(&b)
}

/// An alphanumeric run shorter than this between byte runs costs more as its own segment
/// (4-bit mode + up to 13-bit count) than it saves (2.5 bits a character), so it joins the
/// byte segment.
const MIN_ALNUM_RUN: usize = 8;

/// Splits `text` into alphanumeric and byte segments: maximal runs of the alphanumeric set,
/// except short runs inside byte text. Label texts give exactly three segments.
fn segments(text: &str) -> Vec<QrSegment> {
    let bytes = text.as_bytes();
    // (start, end, alphanumeric) runs.
    let mut runs: Vec<(usize, usize, bool)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let alnum = in_alphanumeric_set(bytes[i]);
        let start = i;
        while i < bytes.len() && in_alphanumeric_set(bytes[i]) == alnum {
            i += 1;
        }
        runs.push((start, i, alnum));
    }
    // Demote short alphanumeric runs to byte mode, then merge neighbours of the same mode.
    if runs.len() > 1 {
        for r in &mut runs {
            if r.2 && r.1 - r.0 < MIN_ALNUM_RUN {
                r.2 = false;
            }
        }
    }
    let mut merged: Vec<(usize, usize, bool)> = Vec::new();
    for r in runs {
        match merged.last_mut() {
            Some(last) if last.2 == r.2 => last.1 = r.1,
            _ => merged.push(r),
        }
    }
    merged
        .into_iter()
        .map(|(s, e, alnum)| {
            if alnum {
                QrSegment::make_alphanumeric(&text[s..e])
            } else {
                QrSegment::make_bytes(&bytes[s..e])
            }
        })
        .collect()
}

/// Encodes `text` as the smallest QR symbol at `ecc` (mixed segments, standard mask choice).
/// Deterministic: the same text and level always give the same modules.
pub fn encode(text: &str, ecc: Ecc) -> Result<QrSymbol, SymbolError> {
    let segs = segments(text);
    let code = QrCode::encode_segments_advanced(
        &segs,
        ecc.level(),
        Version::MIN,
        Version::MAX,
        None,
        false,
    )
    .map_err(|_| SymbolError::TooLong {
        len: text.len(),
        ecc,
    })?;
    let size = usize::try_from(code.size()).unwrap_or(0);
    let mut dark = Vec::with_capacity(size * size);
    for y in 0..code.size() {
        for x in 0..code.size() {
            dark.push(code.get_module(x, y));
        }
    }
    Ok(QrSymbol {
        version: code.version().value(),
        size,
        dark,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn label_text(payload_chars: usize) -> String {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let payload: String = (0..payload_chars)
            .map(|i| alphabet[(i * 7 + 3) % 32] as char)
            .collect();
        format!("HTTPS://LBL.EXAMPLE.ORG/V#{payload}")
    }

    #[test]
    fn label_text_is_three_segments() {
        let segs = segments(&label_text(10));
        assert_eq!(segs.len(), 3);
        // All alphanumeric: one segment; lower-case text: byte mode throughout.
        assert_eq!(segments("HTTPS://X.ORG/L/ABC").len(), 1);
        assert_eq!(segments("https://x.org/l/abc").len(), 1);
        // A short alphanumeric run inside byte text joins it.
        assert_eq!(segments("ab12cd").len(), 1);
    }

    #[test]
    fn version_12_m_holds_386_base32_characters_after_a_25_character_url() {
        // 25 + 1 + 386 = 412 characters: 15 + 138 + 28 + 2122 = 2303 bits of 2320.
        assert_eq!(encode(&label_text(386), Ecc::M).unwrap().version(), 12);
        assert_eq!(encode(&label_text(390), Ecc::M).unwrap().version(), 13);
    }

    #[test]
    fn module_access_and_runs() {
        let s = encode("HTTPS://LBL.EXAMPLE.ORG/L/0123456789ABCDEF", Ecc::M).unwrap();
        assert_eq!(s.size(), 17 + 4 * usize::from(s.version()));
        // Finder pattern corners are dark; outside is light.
        assert!(s.is_dark(0, 0) && s.is_dark(s.size() - 1, 0) && s.is_dark(0, s.size() - 1));
        assert!(!s.is_dark(s.size(), 0));
        let dark: usize = s.dark_runs().iter().map(|r| r.2).sum();
        let count = (0..s.size())
            .flat_map(|y| (0..s.size()).map(move |x| (x, y)))
            .filter(|&(x, y)| s.is_dark(x, y))
            .count();
        assert_eq!(dark, count);
    }

    #[test]
    fn too_long_is_an_error() {
        let text = "A".repeat(5000);
        assert!(matches!(
            encode(&text, Ecc::H),
            Err(SymbolError::TooLong { len: 5000, .. })
        ));
    }
}
