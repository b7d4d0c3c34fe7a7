//! Which characters a text that people read may hold: one rule for every text that is signed
//! (label claims, trust lists), loaded (profiles, criteria, templates, trust lists) or shown.
//!
//! Decided by Unicode general category (from the `unicode-general-category` crate, not a
//! hand-written table), so a character the rule never thought of is judged by what it is:
//!
//! - allowed: letters (L*), marks (M*), numbers (N*), punctuation (P*), symbols (S*), the ASCII
//!   space U+0020 and the ideographic space U+3000 (Japanese names use it);
//! - refused: controls (Cc, so tabs and newlines too), format characters (Cf: the bidi
//!   overrides and isolates U+202A..U+202E and U+2066..U+2069, zero-width spaces and joiners,
//!   U+FEFF), line and paragraph separators (Zl, Zp), private use (Co), surrogates (Cs),
//!   unassigned code points (Cn), every other space (Zs: U+00A0, U+2003 ...) and the 66
//!   non-characters (U+FDD0..U+FDEF and the last two code points of every plane).
//!
//! Why: a signed model name holding U+202E, or a line separator followed by "VALID", renders
//! as something other than what was signed, on the label, the verify page and the registry.
//! Invisible or look-alike spaces make two names that look the same differ, and vice versa.

use unicode_general_category::{GeneralCategory, get_general_category};

/// The first character a text may not hold, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} ({}) at character {}", code_point(*character), kind(*character), position + 1)]
pub struct TextError {
    /// The character.
    pub character: char,
    /// Its index in the text, in characters, from 0 (shown from 1).
    pub position: usize,
    /// Its byte offset in the text.
    pub byte: usize,
}

impl TextError {
    /// `U+202E`.
    pub fn code_point(&self) -> String {
        code_point(self.character)
    }

    /// The general category's two-letter abbreviation (`Cf`), `Cn` for a non-character.
    pub fn category(&self) -> &'static str {
        category(self.character)
    }
}

/// `U+XXXX` (at least four hex digits).
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// True for the 66 non-characters (U+FDD0..=U+FDEF, U+xxFFFE, U+xxFFFF): a property defined
/// by these ranges, not by a table.
pub fn is_noncharacter(c: char) -> bool {
    let n = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
}

fn category(c: char) -> &'static str {
    get_general_category(c).abbreviation()
}

/// The category and what it means, for messages: `Cf, a format character`.
fn kind(c: char) -> String {
    use GeneralCategory as G;
    if is_noncharacter(c) {
        return format!("{}, a non-character", category(c));
    }
    let what = match get_general_category(c) {
        G::Control => "a control character",
        G::Format => "an invisible format character (bidi control, zero-width ...)",
        G::LineSeparator => "a line separator",
        G::ParagraphSeparator => "a paragraph separator",
        G::PrivateUse => "a private-use character",
        G::Surrogate => "a surrogate",
        G::Unassigned => "an unassigned code point",
        G::SpaceSeparator => "a space other than U+0020 and U+3000",
        _ => "a character",
    };
    format!("{}, {what}", category(c))
}

/// Whether one character may appear in a text people read (see the module doc).
pub fn is_allowed(c: char) -> bool {
    use GeneralCategory as G;
    if c == ' ' || c == '\u{3000}' {
        return true;
    }
    if is_noncharacter(c) {
        return false;
    }
    matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
            | G::NonspacingMark
            | G::SpacingMark
            | G::EnclosingMark
            | G::DecimalNumber
            | G::LetterNumber
            | G::OtherNumber
            | G::ConnectorPunctuation
            | G::DashPunctuation
            | G::OpenPunctuation
            | G::ClosePunctuation
            | G::InitialPunctuation
            | G::FinalPunctuation
            | G::OtherPunctuation
            | G::MathSymbol
            | G::CurrencySymbol
            | G::ModifierSymbol
            | G::OtherSymbol
    )
}

/// Checks a text: the first character it may not hold, with its position, or `Ok`.
pub fn check(s: &str) -> Result<(), TextError> {
    match s
        .char_indices()
        .enumerate()
        .find(|(_, (_, c))| !is_allowed(*c))
    {
        None => Ok(()),
        Some((position, (byte, character))) => Err(TextError {
            character,
            position,
            byte,
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Several members of every refused class.
    const REFUSED: &[(char, &str)] = &[
        ('\u{202E}', "Cf"), // right-to-left override
        ('\u{202A}', "Cf"), // left-to-right embedding
        ('\u{2066}', "Cf"), // left-to-right isolate
        ('\u{2069}', "Cf"), // pop directional isolate
        ('\u{200B}', "Cf"), // zero width space
        ('\u{200D}', "Cf"), // zero width joiner
        ('\u{FEFF}', "Cf"), // byte order mark
        ('\u{00AD}', "Cf"), // soft hyphen
        ('\u{2028}', "Zl"),
        ('\u{2029}', "Zp"),
        ('\u{0007}', "Cc"),
        ('\u{0000}', "Cc"),
        ('\t', "Cc"),
        ('\n', "Cc"),
        ('\u{0085}', "Cc"),
        ('\u{00A0}', "Zs"),
        ('\u{2003}', "Zs"),
        ('\u{2009}', "Zs"),
        ('\u{E000}', "Co"),
        ('\u{F8FF}', "Co"),
        ('\u{10FFFD}', "Co"),
        ('\u{FFFF}', "Cn"),
        ('\u{FFFE}', "Cn"),
        ('\u{FDD0}', "Cn"),
        ('\u{1FFFF}', "Cn"),
        ('\u{0378}', "Cn"),  // unassigned
        ('\u{E0080}', "Cn"), // unassigned
    ];

    #[test]
    fn refuses_every_class_by_category() {
        for (c, cat) in REFUSED {
            let text = format!("Model{c}X");
            let e = check(&text).unwrap_err();
            assert_eq!(e.character, *c);
            assert_eq!(e.position, 5, "{}", e.code_point());
            assert_eq!(e.byte, 5);
            assert_eq!(e.category(), *cat, "{}", e.code_point());
            let msg = e.to_string();
            assert!(msg.starts_with(&code_point(*c)), "{msg}");
            assert!(msg.contains(cat) && msg.contains("character 6"), "{msg}");
        }
    }

    #[test]
    fn allows_letters_marks_numbers_punctuation_symbols_and_two_spaces() {
        for ok in [
            "Acme Widgets Ltd.",
            "Thermo-Stat 3000 (rev C)",
            "株式会社\u{3000}サンプル電機",
            "e\u{301}", // a combining mark (NFC is checked elsewhere)
            "4.2.17-β",
            "Smart Plug ★ €9 ½ ©",
            "Ωmega_7/x:y;z!?\"'#%&*+<=>@[\\]^`{|}~$",
            "हिन्दी",
            "Ⅻ",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn position_counts_characters_and_byte_counts_bytes() {
        let e = check("株式\u{202E}").unwrap_err();
        assert_eq!((e.position, e.byte), (2, 6));
    }
}
