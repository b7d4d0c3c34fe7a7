//! Identifiers as types: a key id ([`Kid`]) and a label id ([`LabelId`]), 8 bytes each.
//!
//! Both are written as 16 lower-case hex digits wherever they are text (trust lists, ledgers,
//! status state, JSON reports, URLs) and read back in either case. Inside the library they stay
//! bytes: hex is made and parsed only at a text boundary, by `Display`, `FromStr` and serde.
//! A `Kid` compares equal to its hex text (`kid == "0011…"`), so callers holding text need no
//! round trip either.

use std::fmt;
use std::str::FromStr;

/// Text that is not 16 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not {what}: 16 hex digits expected")]
pub struct IdError {
    /// What was expected ("a key id", "a label id").
    pub what: &'static str,
    /// The text given (at most 40 characters).
    pub text: String,
}

macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub [u8; 8]);

        impl $name {
            /// The raw bytes.
            pub fn bytes(&self) -> &[u8; 8] {
                &self.0
            }
        }

        impl From<[u8; 8]> for $name {
            fn from(b: [u8; 8]) -> Self {
                $name(b)
            }
        }

        impl From<&[u8; 8]> for $name {
            fn from(b: &[u8; 8]) -> Self {
                $name(*b)
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                *id
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut buf = [0u8; 16];
                // 16 hex digits into a fixed buffer: no allocation on the verify path.
                let _ = hex::encode_to_slice(self.0, &mut buf);
                f.write_str(std::str::from_utf8(&buf).unwrap_or_default())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            /// 16 hex digits, either case.
            fn from_str(s: &str) -> Result<Self, IdError> {
                let mut b = [0u8; 8];
                if s.len() == 16 && hex::decode_to_slice(s, &mut b).is_ok() {
                    Ok($name(b))
                } else {
                    Err(IdError {
                        what: $what,
                        text: s.chars().take(40).collect(),
                    })
                }
            }
        }

        /// Equal to its hex text, in either case (a caller holding text compares directly).
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                other.parse::<$name>().is_ok_and(|o| o == *self)
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                *self == **other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                *self == *other.as_str()
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

hex_id!(
    /// A key id: the first 8 bytes of SHA-256 over a raw Ed25519 public key
    /// ([`crate::keys::kid_of`]).
    Kid,
    "a key id"
);

hex_id!(
    /// A label id (CWT `cti`), derived from the signing key's kid and the status index
    /// ([`crate::label::label_id`]).
    LabelId,
    "a label id"
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn hex_text_round_trips_and_reads_either_case() {
        let k: Kid = "00112233AABBCCDD".parse().unwrap();
        assert_eq!(k.0, [0x00, 0x11, 0x22, 0x33, 0xaa, 0xbb, 0xcc, 0xdd]);
        assert_eq!(k.to_string(), "00112233aabbccdd");
        assert_eq!(k, "00112233aabbccdd");
        assert_eq!(k, "00112233AABBCCDD".to_string());
        assert_ne!(k, "00112233aabbccde");
        for bad in [
            "",
            "0011",
            "00112233aabbccdd0",
            "g0112233aabbccdd",
            "+0112233aabbccdd",
        ] {
            assert!(bad.parse::<LabelId>().is_err(), "{bad}");
            assert_ne!(k, bad);
        }
    }

    #[test]
    fn serde_writes_the_same_text_as_before() {
        let id = LabelId([0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10]);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"fedcba9876543210\"");
        assert_eq!(serde_json::from_str::<LabelId>(&json).unwrap(), id);
        let mut cbor = Vec::new();
        ciborium::ser::into_writer(&id, &mut cbor).unwrap();
        let mut text = Vec::new();
        ciborium::ser::into_writer("fedcba9876543210", &mut text).unwrap();
        assert_eq!(cbor, text);
        assert!(serde_json::from_str::<LabelId>("\"fedcba98765432\"").is_err());
    }
}
