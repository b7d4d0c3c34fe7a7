//! The text a label's QR code holds: `VERIFY-URL#BASE32(COSE)`.
//!
//! The URL is upper-cased and the COSE bytes are RFC 4648 base32, upper case, without
//! padding, so both are in the QR alphanumeric set (`0-9 A-Z space $ % * + - . / :`) and any
//! phone camera opens the URL; the fragment keeps the signed payload off the server. The `#`
//! itself is not in that set: a QR encoder puts it in a one-byte byte-mode segment between two
//! alphanumeric segments (about 40 bits of overhead, measured in the size test). The same
//! text is the offline input of a verifier: [`parse_qr_text`] also takes bare base32.

use data_encoding::{BASE32_NOPAD, DecodeKind};

use super::cose::MAX_COSE;

/// The longest QR text accepted, in bytes (characters, for the ASCII a QR text must be).
pub const MAX_QR_TEXT: usize = 2048;

/// A QR text split into its parts. The URL is returned as found: the caller compares it byte
/// for byte with the verify URL in the trust list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrInput {
    /// The text before the `#`, if there was one.
    pub url: Option<String>,
    /// The decoded COSE_Sign1 bytes.
    pub cose: Vec<u8>,
}

/// Why a QR text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// Too long to be a label.
    #[error("QR text is {len} bytes, over the limit of {max}")]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// [`MAX_QR_TEXT`].
        max: usize,
    },
    /// No payload after the `#` (or empty text).
    #[error("QR text has no base32 payload")]
    EmptyPayload,
    /// Lower-case base32: we emit upper case only, and accept only what we emit.
    #[error(
        "lower-case letter {character:?} at position {position}: the base32 payload must be upper case"
    )]
    LowerCase {
        /// Byte offset in the text.
        position: usize,
        /// The letter.
        character: char,
    },
    /// A character outside the base32 alphabet (`A-Z 2-7`; no `=` padding).
    #[error("invalid character {character:?} at position {position} in the base32 payload")]
    InvalidCharacter {
        /// Byte offset in the text.
        position: usize,
        /// The character.
        character: char,
    },
    /// A payload length no base32 encoding has (1, 3 or 6 modulo 8).
    #[error("base32 payload of {len} characters has an impossible length")]
    InvalidLength {
        /// Payload length.
        len: usize,
    },
    /// The last character carries bits past the data: not the canonical encoding.
    #[error("non-zero trailing bits in the last base32 character (position {position})")]
    NonZeroTrailingBits {
        /// Byte offset in the text.
        position: usize,
    },
    /// A character no verify URL holds (a space, a control, anything not printable ASCII)
    /// before the `#`: the text is not exactly what a label's QR code holds.
    #[error(
        "{} at position {position} of the URL before the `#`: a label's verify URL is printable ASCII without spaces (give the QR text exactly as scanned, nothing around it)",
        crate::text::code_point(*character)
    )]
    UrlCharacter {
        /// Byte offset in the text.
        position: usize,
        /// The character.
        character: char,
    },
    /// The payload decodes to more than a COSE_Sign1 may hold.
    #[error("base32 payload decodes to {len} bytes, over the limit of {max}")]
    TooLarge {
        /// Decoded length.
        len: usize,
        /// [`MAX_COSE`].
        max: usize,
    },
}

/// `VERIFY-URL#PAYLOAD`: the URL upper-cased (ASCII letters only), `#`, and the COSE bytes
/// as RFC 4648 base32, upper case, no padding.
pub fn qr_text(verify_url: &str, cose: &[u8]) -> String {
    let mut out = verify_url.to_ascii_uppercase();
    out.push('#');
    out.push_str(&BASE32_NOPAD.encode(cose));
    out
}

/// True when every character of `text` is in the QR alphanumeric set, so a QR encoder can
/// use the dense alphanumeric mode for all of it.
pub fn is_qr_alphanumeric(text: &str) -> bool {
    qrcodegen::QrSegment::is_alphanumeric(text)
}

/// Splits and decodes a QR text: `URL#BASE32` (url returned) or bare `BASE32` (url None).
/// The payload must be upper-case RFC 4648 base32 without padding and with zero trailing
/// bits, decoding to at most [`MAX_COSE`] bytes.
pub fn parse_qr_text(text: &str) -> Result<QrInput, QrError> {
    if text.len() > MAX_QR_TEXT {
        return Err(QrError::TooLong {
            len: text.len(),
            max: MAX_QR_TEXT,
        });
    }
    let (url, payload, offset) = match text.split_once('#') {
        Some((url, payload)) => (Some(url.to_string()), payload, url.len() + 1),
        None => (None, text, 0),
    };
    // Taken as given, never trimmed: whatever surrounds the canonical text (spaces, U+00A0,
    // U+3000, U+0085, tabs, newlines) is refused here or, after the `#`, as a payload character.
    if let Some((position, character)) = url
        .as_deref()
        .and_then(|u| u.char_indices().find(|(_, c)| !c.is_ascii_graphic()))
    {
        return Err(QrError::UrlCharacter {
            position,
            character,
        });
    }
    if payload.is_empty() {
        return Err(QrError::EmptyPayload);
    }
    for (i, c) in payload.char_indices() {
        if c.is_ascii_lowercase() {
            return Err(QrError::LowerCase {
                position: offset + i,
                character: c,
            });
        }
        if !(c.is_ascii_uppercase() || ('2'..='7').contains(&c)) {
            return Err(QrError::InvalidCharacter {
                position: offset + i,
                character: c,
            });
        }
    }
    // All ASCII from here: one byte per character.
    let decoded_len = payload.len() * 5 / 8;
    if decoded_len > MAX_COSE {
        return Err(QrError::TooLarge {
            len: decoded_len,
            max: MAX_COSE,
        });
    }
    let cose = BASE32_NOPAD
        .decode(payload.as_bytes())
        .map_err(|e| match e.kind {
            DecodeKind::Length => QrError::InvalidLength { len: payload.len() },
            DecodeKind::Trailing => QrError::NonZeroTrailingBits {
                position: offset + e.position,
            },
            DecodeKind::Symbol | DecodeKind::Padding => {
                let position = offset + e.position;
                QrError::InvalidCharacter {
                    position,
                    character: text[position..].chars().next().unwrap_or('?'),
                }
            }
        })?;
    Ok(QrInput { url, cose })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        for (plain, enc) in [
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(qr_text("x", plain.as_bytes()), format!("X#{enc}"));
            let back = parse_qr_text(enc).unwrap();
            assert_eq!(back.cose, plain.as_bytes());
            assert_eq!(back.url, None);
        }
    }

    #[test]
    fn url_is_split_and_upper_cased() {
        let text = qr_text("https://verify.example.org/l", b"foo");
        assert_eq!(text, "HTTPS://VERIFY.EXAMPLE.ORG/L#MZXW6");
        let (url, payload) = text.split_once('#').unwrap();
        assert!(is_qr_alphanumeric(url) && is_qr_alphanumeric(payload));
        assert!(!is_qr_alphanumeric("#") && !is_qr_alphanumeric("a"));
        let back = parse_qr_text(&text).unwrap();
        assert_eq!(back.url.as_deref(), Some("HTTPS://VERIFY.EXAMPLE.ORG/L"));
    }

    /// Mutation testing (issue 12) found the length limit's boundary and the error positions
    /// untested: `>` as `>=`, and `offset + i` as `offset - i`, both passed.
    #[test]
    fn the_length_limit_is_inclusive_and_positions_count_from_the_start_of_the_text() {
        let at_limit = "A".repeat(MAX_QR_TEXT);
        assert!(
            !matches!(parse_qr_text(&at_limit), Err(QrError::TooLong { .. })),
            "{MAX_QR_TEXT} characters is within the limit"
        );
        let over = "A".repeat(MAX_QR_TEXT + 1);
        assert!(matches!(
            parse_qr_text(&over),
            Err(QrError::TooLong { len, max }) if len == MAX_QR_TEXT + 1 && max == MAX_QR_TEXT
        ));
        // "HTTPS://X.ORG/V#" is 16 characters: payload index 3 is text position 19.
        for (text, want) in [
            ("HTTPS://X.ORG/V#ABCdEF", (19, 'd')),
            ("HTTPS://X.ORG/V#ABC1EF", (19, '1')),
            ("ABCdEF", (3, 'd')),
        ] {
            match parse_qr_text(text) {
                Err(QrError::LowerCase {
                    position,
                    character,
                })
                | Err(QrError::InvalidCharacter {
                    position,
                    character,
                }) => assert_eq!((position, character), want, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    /// Mutation testing (issue 12): the decoded-size limit's boundary and the position of
    /// non-zero trailing bits after a URL were untested. (The `Symbol`/`Padding` arm of the
    /// decoder's error cannot be reached: every payload character was checked before, so its
    /// position arithmetic has equivalent mutants.)
    #[test]
    fn the_decoded_size_limit_is_inclusive_and_trailing_bits_are_placed_after_the_url() {
        let at_limit = (0..).find(|l| l * 5 / 8 == MAX_COSE).unwrap();
        assert!(!matches!(
            parse_qr_text(&"A".repeat(at_limit)),
            Err(QrError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_qr_text(&"A".repeat(at_limit + 2)),
            Err(QrError::TooLarge { len, .. }) if len == MAX_COSE + 1
        ));
        // "AB": 10 bits, one byte and two trailing bits, set by the `B` at index 1.
        for (text, want) in [("AB", 1), ("HTTPS://X.ORG/V#AB", 17)] {
            match parse_qr_text(text) {
                Err(QrError::NonZeroTrailingBits { position }) => assert_eq!(position, want),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn rejections() {
        assert!(matches!(
            parse_qr_text("U#mzxw6"),
            Err(QrError::LowerCase { position: 2, .. })
        ));
        assert!(matches!(
            parse_qr_text("MZXW1"),
            Err(QrError::InvalidCharacter {
                position: 4,
                character: '1'
            })
        ));
        assert!(matches!(
            parse_qr_text("MY======"),
            Err(QrError::InvalidCharacter { character: '=', .. })
        ));
        // "MZ": the second character's low two bits must be zero ("MY" is canonical).
        assert!(matches!(
            parse_qr_text("MZ"),
            Err(QrError::NonZeroTrailingBits { .. })
        ));
        assert!(matches!(
            parse_qr_text("MZX"),
            Err(QrError::InvalidLength { len: 3 })
        ));
        assert!(matches!(parse_qr_text("U#"), Err(QrError::EmptyPayload)));
        assert!(matches!(parse_qr_text(""), Err(QrError::EmptyPayload)));
        let long = "A".repeat(MAX_QR_TEXT + 1);
        assert!(matches!(parse_qr_text(&long), Err(QrError::TooLong { .. })));
        assert!(matches!(
            parse_qr_text(" U#MY"),
            Err(QrError::UrlCharacter {
                position: 0,
                character: ' '
            })
        ));
        assert!(matches!(
            parse_qr_text("U\u{3000}#MY"),
            Err(QrError::UrlCharacter {
                position: 1,
                character: '\u{3000}'
            })
        ));
        let big = "A".repeat(1640);
        assert!(matches!(
            parse_qr_text(&big),
            Err(QrError::TooLarge { len: 1025, .. })
        ));
    }
}
