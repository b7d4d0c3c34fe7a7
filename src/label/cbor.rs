//! Small CBOR helpers shared by the claims and COSE layers: read exactly one item with
//! ciborium, write one item, name integer map keys and CBOR types in errors, and
//! [`Canonical`], the cursor the claims' one-pass reader is built on.

use ciborium::Value;

/// Why `bytes` are not exactly one CBOR item, as ciborium reads them into a `Value`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CborError {
    /// The input ended inside the item.
    #[error("the input ends inside the item")]
    Truncated,
    /// Not well-formed CBOR (ciborium's syntax error).
    #[error("syntax error at byte {at}")]
    Syntax {
        /// Where ciborium stopped.
        at: usize,
    },
    /// Well-formed, but not a value ciborium can hold (a reserved simple value, a break where
    /// an item belongs, a bignum out of range ...), in ciborium's words.
    #[error("{message}{}", at.map(|at| format!(" at byte {at}")).unwrap_or_default())]
    Semantic {
        /// Where the item starts, when ciborium says.
        at: Option<usize>,
        /// What ciborium said.
        message: String,
    },
    /// Nested deeper than [`RECURSION_LIMIT`].
    #[error("nested more than {RECURSION_LIMIT} levels deep")]
    TooDeep,
    /// A whole item was read and `count` bytes were left over.
    #[error("{count} byte(s) after the item")]
    Trailing {
        /// How many.
        count: usize,
    },
}

/// Nesting limit: our structures are at most 4 deep; anything deeper is not ours.
pub const RECURSION_LIMIT: usize = 16;

/// Reads exactly one CBOR item from `bytes`; bytes left after it are an error.
pub(crate) fn read_one(bytes: &[u8]) -> Result<Value, CborError> {
    use ciborium::de::Error;
    let mut rest = bytes;
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut rest, RECURSION_LIMIT)
        .map_err(|e| match e {
        Error::Io(_) => CborError::Truncated,
        Error::Syntax(at) => CborError::Syntax { at },
        Error::Semantic(at, message) => CborError::Semantic { at, message },
        Error::RecursionLimitExceeded => CborError::TooDeep,
    })?;
    if !rest.is_empty() {
        return Err(CborError::Trailing { count: rest.len() });
    }
    Ok(value)
}

/// Writes one CBOR item. ciborium always writes definite lengths and shortest-form heads, and
/// map entries in the order given.
pub(crate) fn write(value: &Value) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// A CBOR integer from an `i64`.
pub(crate) fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

/// The value of an integer item, if it is one.
pub(crate) fn as_i128(v: &Value) -> Option<i128> {
    v.as_integer().map(i128::from)
}

/// A map key as people read it: `7`, `-65537`, `"iss"`, or the CBOR type.
pub(crate) fn key_text(v: &Value) -> String {
    match v {
        Value::Integer(i) => i128::from(*i).to_string(),
        Value::Text(t) => format!("{t:?}"),
        Value::Bytes(b) => format!("h'{}'", hex::encode(b)),
        other => type_name(other).to_string(),
    }
}

/// The CBOR major type of a value, for error messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Integer(_) => "integer",
        Value::Bytes(_) => "byte string",
        Value::Float(_) => "float",
        Value::Text(_) => "text string",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Tag(..) => "tag",
        Value::Array(_) => "array",
        Value::Map(_) => "map",
        _ => "unknown item",
    }
}

/// A cursor that reads only the deterministic encoding (RFC 8949 §4.2.1): shortest-form heads,
/// definite lengths, no tags, no floats, the one-byte `true`. Every read returns `None` on
/// anything else (including the end of the input), so a caller that needs a specific structure
/// reads it in one pass and gives up at the first byte that does not fit it; it never says
/// why: the caller decodes with ciborium ([`read_one`]) to find the error.
#[derive(Debug, Clone)]
pub(crate) struct Canonical<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Canonical<'a> {
    /// A cursor at the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Canonical { bytes, pos: 0 }
    }

    /// True when every byte was read.
    pub(crate) fn at_end(&self) -> bool {
        self.pos == self.bytes.len()
    }

    /// A definite head in shortest form: (major type, argument).
    #[inline]
    fn head(&mut self) -> Option<(u8, u64)> {
        let initial = *self.bytes.get(self.pos)?;
        let (major, ai) = (initial >> 5, initial & 0x1f);
        let (size, min) = match ai {
            0..=23 => {
                self.pos += 1;
                return Some((major, u64::from(ai)));
            }
            24 => (1, 24),
            25 => (2, 0x100),
            26 => (4, 0x1_0000),
            27 => (8, 0x1_0000_0000),
            _ => return None,
        };
        let arg = self
            .bytes
            .get(self.pos + 1..self.pos + 1 + size)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        // Major 7 with a one-byte argument is a simple value, which never takes two bytes in
        // the deterministic encoding; with more, a float, which we never read.
        if arg < min || major == 7 {
            return None;
        }
        self.pos += 1 + size;
        Some((major, arg))
    }

    /// Consumes `expected` if the next bytes are exactly it (e.g. an encoded map key).
    pub(crate) fn eat(&mut self, expected: &[u8]) -> bool {
        let end = self.pos + expected.len();
        if self.bytes.get(self.pos..end) == Some(expected) {
            self.pos = end;
            true
        } else {
            false
        }
    }

    /// An integer (major type 0 or 1).
    pub(crate) fn int(&mut self) -> Option<i128> {
        match self.head()? {
            (0, n) => Some(i128::from(n)),
            (1, n) => Some(-1 - i128::from(n)),
            _ => None,
        }
    }

    /// A non-negative integer that fits a `u32`.
    pub(crate) fn u32(&mut self) -> Option<u32> {
        match self.head()? {
            (0, n) => u32::try_from(n).ok(),
            _ => None,
        }
    }

    fn string(&mut self, major: u8) -> Option<&'a [u8]> {
        let (m, len) = self.head()?;
        if m != major {
            return None;
        }
        let end = self.pos.checked_add(usize::try_from(len).ok()?)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    /// A byte string.
    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        self.string(2)
    }

    /// A text string (valid UTF-8).
    pub(crate) fn text(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.string(3)?).ok()
    }

    /// The head of an array: its length.
    pub(crate) fn array(&mut self) -> Option<u64> {
        match self.head()? {
            (4, n) => Some(n),
            _ => None,
        }
    }

    /// The head of a map: its number of entries.
    pub(crate) fn map(&mut self) -> Option<u64> {
        match self.head()? {
            (5, n) => Some(n),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    #[test]
    fn every_cbor_type_has_its_own_name_in_errors() {
        let names: Vec<&str> = [
            Value::Integer(1.into()),
            Value::Bytes(vec![]),
            Value::Float(0.5),
            Value::Text(String::new()),
            Value::Bool(true),
            Value::Null,
            Value::Tag(1, Box::new(Value::Null)),
            Value::Array(vec![]),
            Value::Map(vec![]),
        ]
        .iter()
        .map(type_name)
        .collect();
        assert_eq!(
            names,
            [
                "integer",
                "byte string",
                "float",
                "text string",
                "boolean",
                "null",
                "tag",
                "array",
                "map"
            ]
        );
    }

    use super::*;

    /// Each way ciborium refuses, and ours on top (trailing bytes), carried as values.
    #[test]
    fn read_one_names_each_cbor_error() {
        assert_eq!(read_one(&[0x82, 0x01]), Err(CborError::Truncated));
        assert_eq!(read_one(&[0x1c]), Err(CborError::Syntax { at: 0 }));
        assert_eq!(
            read_one(&[0x01, 0x02, 0x03]),
            Err(CborError::Trailing { count: 2 })
        );
        assert!(matches!(read_one(&[0xff]), Err(CborError::Semantic { .. })));
        let deep = [vec![0x81; RECURSION_LIMIT + 1], vec![0x00]].concat();
        assert_eq!(read_one(&deep), Err(CborError::TooDeep));
        let fits = [vec![0x81; RECURSION_LIMIT - 1], vec![0x00]].concat();
        assert!(read_one(&fits).is_ok());
    }

    /// The cursor takes only shortest-form heads and gives up on anything else.
    #[test]
    fn canonical_cursor_takes_only_shortest_heads() {
        assert_eq!(Canonical::new(&[0x18, 0x18]).int(), Some(24));
        assert_eq!(Canonical::new(&[0x18, 0x17]).int(), None);
        assert_eq!(Canonical::new(&[0x39, 0x00, 0xff]).int(), None);
        assert_eq!(Canonical::new(&[0x39, 0x01, 0x00]).int(), Some(-257));
        assert_eq!(Canonical::new(&[0x5f, 0x41, 0x00, 0xff]).bytes(), None);
        assert_eq!(Canonical::new(&[0xf8, 0x15]).u32(), None);
        assert_eq!(Canonical::new(&[0x62, 0xc3, 0xa9]).text(), Some("é"));
        assert_eq!(Canonical::new(&[0x62, 0xc3, 0x28]).text(), None);
    }
}
