//! Small CBOR helpers shared by the claims and COSE layers: read exactly one item, write one
//! item, and name integer map keys in errors; and the strict readers the claims are decoded
//! with (see below).

use ciborium::Value;

/// Why one CBOR item could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// The input ended inside the item.
    Truncated,
    /// The bytes are not well-formed CBOR (or too deeply nested).
    Malformed(String),
    /// A whole item was read and `count` bytes were left over.
    Trailing(usize),
}

/// Nesting limit: our structures are at most 4 deep; anything deeper is not ours.
const RECURSION_LIMIT: usize = 16;

/// Reads exactly one CBOR item from `bytes`; bytes left after it are an error.
pub(crate) fn read_one(bytes: &[u8]) -> Result<Value, ReadError> {
    let mut rest = bytes;
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut rest, RECURSION_LIMIT)
        .map_err(|e| match e {
        ciborium::de::Error::Io(_) => ReadError::Truncated,
        ciborium::de::Error::Syntax(at) => {
            ReadError::Malformed(format!("syntax error at byte {at}"))
        }
        ciborium::de::Error::Semantic(at, msg) => match at {
            Some(at) => ReadError::Malformed(format!("{msg} at byte {at}")),
            None => ReadError::Malformed(msg),
        },
        ciborium::de::Error::RecursionLimitExceeded => {
            ReadError::Malformed("nested too deeply".to_string())
        }
    })?;
    if !rest.is_empty() {
        return Err(ReadError::Trailing(rest.len()));
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
    match v {
        Value::Integer(i) => Some(i128::from(*i)),
        _ => None,
    }
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

// ---------------------------------------------------------------------------------------------
// Small strict readers over `&[u8]`, for `LabelClaims::decode` (in place of ciborium there).
//
// Why they exist: `cargo bench --bench label` showed that decoding the claims was the largest
// avoidable cost of verifying a label: `LabelClaims::decode` took 6.2 µs of a 48.6 µs
// verification (raw `verify_strict` 36.6 µs, so verify ran at 75 % of raw against a goal of
// 85 %), of which 3.1 µs was ciborium building a `Value` tree and most of the rest cloning it
// into the struct and re-encoding it to check the bytes are canonical. Per the project rule
// (replace a field library only where a benchmark shows it is the bottleneck, and say so in
// the code), the claims are now read without a `Value` tree and without re-encoding (0.34 µs);
// ciborium stays for encoding and for the COSE layer.
//
// - [`Canonical`] reads only the deterministic encoding and gives up at the first deviation:
//   the one pass that valid claims take.
// - Anything else is diagnosed, to give the errors the ciborium-based decoder gave:
//   [`check_well_formed`] accepts exactly what [`read_one`] (ciborium into a `Value`,
//   recursion limit 16) accepts and fails with the same [`ReadError`], in the same order;
//   [`Reader`] then reads items as ciborium's `Value` would see them (bignum tags 2/3 of up to
//   16 bytes are integers, simple values 20..=23 in the two-byte form are booleans/null, ...)
//   and notes, while reading, whether every head was the one deterministic encoding (shortest
//   form, definite length, no tag, one-byte simple values); the claims layer adds the key
//   order and turns a non-canonical read into `NotCanonical`, so no re-encode is needed.
// ---------------------------------------------------------------------------------------------

use std::borrow::Cow;

/// ciborium's scratch buffer in `from_reader_with_recursion_limit`: text longer than this is
/// read and UTF-8-checked in windows of this size, which decides `Truncated` vs `Malformed`.
const CIBORIUM_SCRATCH: usize = 4096;

/// Tag numbers of positive and negative bignums (RFC 8949 §3.4.3).
const TAG_BIGPOS: u64 = 2;
const TAG_BIGNEG: u64 = 3;

/// Simple values ciborium maps to a `Value`.
const SIMPLE_FALSE: u64 = 20;
const SIMPLE_TRUE: u64 = 21;
const SIMPLE_NULL: u64 = 22;
const SIMPLE_UNDEFINED: u64 = 23;

/// One decoded head: major type, argument, whether the length is indefinite (`ai == 31`), and
/// whether the argument was written in its shortest form.
#[derive(Debug, Clone, Copy)]
struct Head {
    major: u8,
    /// The additional information (low 5 bits of the initial byte).
    ai: u8,
    arg: u64,
    shortest: bool,
}

impl Head {
    fn indefinite(self) -> bool {
        self.ai == 31
    }

    fn is_break(self) -> bool {
        self.major == 7 && self.ai == 31
    }

    /// Where ciborium says a head that ends at `next` starts, once it has pulled the head and
    /// pushed it back: it re-encodes the head in shortest form to find its size, so for a
    /// widened head it names a byte inside the head. Only error messages show it.
    fn pushed_at(self, next: usize) -> usize {
        let size = match (self.indefinite(), self.arg) {
            (true, _) | (false, 0..=23) => 0,
            (false, 24..=0xff) => 1,
            (false, 0x100..=0xffff) => 2,
            (false, 0x1_0000..=0xffff_ffff) => 4,
            _ => 8,
        };
        next - 1 - size
    }
}

fn syntax(at: usize) -> ReadError {
    ReadError::Malformed(format!("syntax error at byte {at}"))
}

/// Reads one head at `pos` as ciborium-ll's `Decoder::pull` does: reserved additional
/// information (28..=30) is a syntax error before the argument is read, a short argument is
/// truncation, and an indefinite integer or tag is a syntax error.
fn head_at(bytes: &[u8], pos: usize) -> Result<(Head, usize), ReadError> {
    let initial = *bytes.get(pos).ok_or(ReadError::Truncated)?;
    let (major, ai) = (initial >> 5, initial & 0x1f);
    let size = match ai {
        0..=23 | 31 => 0,
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        _ => return Err(syntax(pos)),
    };
    let arg_bytes = bytes
        .get(pos + 1..pos + 1 + size)
        .ok_or(ReadError::Truncated)?;
    let arg = match ai {
        0..=23 => u64::from(ai),
        31 => 0,
        _ => arg_bytes
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)),
    };
    if ai == 31 && matches!(major, 0 | 1 | 6) {
        return Err(syntax(pos));
    }
    // Lengths must fit a `usize` (they always do on 64-bit targets).
    if matches!(major, 2..=5) && ai != 31 && usize::try_from(arg).is_err() {
        return Err(syntax(pos));
    }
    let shortest = match ai {
        24 => arg >= 24,
        25 => arg > 0xff,
        26 => arg > 0xffff,
        27 => arg > 0xffff_ffff,
        _ => true,
    } && !(major == 7 && ai == 24); // simple values < 32 belong in the initial byte
    Ok((
        Head {
            major,
            ai,
            arg,
            shortest,
        },
        pos + 1 + size,
    ))
}

/// Checks that `bytes` hold exactly one CBOR item that [`read_one`] would accept, without
/// building it; on failure returns the error [`read_one`] returns.
pub(crate) fn check_well_formed(bytes: &[u8]) -> Result<(), ReadError> {
    let mut check = WellFormed { bytes, pos: 0 };
    check.any(RECURSION_LIMIT)?;
    match bytes.len() - check.pos {
        0 => Ok(()),
        rest => Err(ReadError::Trailing(rest)),
    }
}

/// The walk of [`check_well_formed`]; mirrors ciborium's `deserialize_any` into a `Value`.
struct WellFormed<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl WellFormed<'_> {
    fn take(&mut self, n: usize) -> Result<usize, ReadError> {
        let start = self.pos;
        let end = start.checked_add(n).ok_or(ReadError::Truncated)?;
        if end > self.bytes.len() {
            return Err(ReadError::Truncated);
        }
        self.pos = end;
        Ok(start)
    }

    fn any(&mut self, recurse: usize) -> Result<(), ReadError> {
        let (h, next) = head_at(self.bytes, self.pos)?;
        self.pos = next;
        let start = h.pushed_at(next);
        match h.major {
            0 | 1 => Ok(()),
            2 | 3 if h.indefinite() => self.segments(h.major, start, None),
            2 => {
                let len = h.arg as usize;
                if len <= CIBORIUM_SCRATCH {
                    self.take(len).map(|_| ())
                } else {
                    self.segments(2, start, Some(len))
                }
            }
            3 => {
                let len = h.arg as usize;
                if len <= CIBORIUM_SCRATCH {
                    let at = self.take(len)?;
                    match self.bytes.get(at..at + len).map(std::str::from_utf8) {
                        Some(Ok(_)) => Ok(()),
                        _ => Err(syntax(start)),
                    }
                } else {
                    self.segments(3, start, Some(len))
                }
            }
            4 | 5 => {
                if recurse == 0 {
                    return Err(ReadError::Malformed("nested too deeply".to_string()));
                }
                let per_entry = if h.major == 5 { 2 } else { 1 };
                if h.indefinite() {
                    loop {
                        if self.bytes.get(self.pos) == Some(&0xff) {
                            self.pos += 1;
                            return Ok(());
                        }
                        self.any(recurse - 1)?;
                        if per_entry == 2 {
                            self.any(recurse - 1)?;
                        }
                    }
                } else {
                    // Every item takes at least one byte: a count beyond the input ends in
                    // `Truncated` long before the loop gets far.
                    for _ in 0..h.arg {
                        for _ in 0..per_entry {
                            self.any(recurse - 1)?;
                        }
                    }
                    Ok(())
                }
            }
            6 => {
                // ciborium peeks at the next head before deciding how to read the tag.
                let (inner, inner_next) = head_at(self.bytes, self.pos)?;
                if matches!(h.arg, TAG_BIGPOS | TAG_BIGNEG)
                    && inner.major == 2
                    && !inner.indefinite()
                    && inner.arg <= 16
                {
                    self.pos = inner_next;
                    let at = self.take(inner.arg as usize)?;
                    let raw = self.bytes.get(at..self.pos).unwrap_or_default();
                    if h.arg == TAG_BIGNEG && i128::try_from(bignum(raw)).is_err() {
                        return Err(ReadError::Malformed("integer too large".to_string()));
                    }
                    return Ok(());
                }
                if recurse == 0 {
                    return Err(ReadError::Malformed("nested too deeply".to_string()));
                }
                self.any(recurse - 1)
            }
            _ => match h.ai {
                31 => Err(ReadError::Malformed(
                    "invalid type: break, expected non-break".to_string(),
                )),
                25..=27 => Ok(()), // half, single and double floats
                _ => match h.arg {
                    SIMPLE_FALSE | SIMPLE_TRUE | SIMPLE_NULL | SIMPLE_UNDEFINED => Ok(()),
                    _ => Err(ReadError::Malformed(
                        "invalid type: simple, expected known simple value".to_string(),
                    )),
                },
            },
        }
    }

    /// ciborium-ll's `Segments` for a byte or text string whose head is at `start`: chunks of
    /// the same major type (nested indefinite chunks are tolerated, as ciborium does), each read
    /// through the scratch buffer; text chunks must each be UTF-8.
    fn segments(&mut self, major: u8, start: usize, len: Option<usize>) -> Result<(), ReadError> {
        let mut nested = 0usize;
        // The first head is the one already read; ciborium pushes it back and pulls it again.
        let mut pending = Some(len);
        loop {
            let offset = if pending.is_some() { start } else { self.pos };
            let chunk_len = match pending.take() {
                Some(len) => len,
                None => {
                    let (h, next) = head_at(self.bytes, self.pos)?;
                    self.pos = next;
                    if h.is_break() {
                        match nested {
                            0 => return Err(syntax(offset)),
                            1 => return Ok(()),
                            _ => {
                                nested -= 1;
                                continue;
                            }
                        }
                    }
                    if h.major != major {
                        return Err(syntax(offset));
                    }
                    (!h.indefinite()).then_some(h.arg as usize)
                }
            };
            match chunk_len {
                None => nested += 1,
                Some(n) => {
                    if major == 2 {
                        self.take(n)?;
                    } else {
                        self.text_segment(offset, n)?;
                    }
                    if nested == 0 {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// ciborium-ll's `Segment::pull` with its `Text` parser: windows of up to 4096 bytes, an
    /// incomplete or invalid tail of at most 3 bytes carried into the next window.
    fn text_segment(&mut self, offset: usize, len: usize) -> Result<(), ReadError> {
        let mut unread = len;
        let mut stored = 0usize;
        loop {
            if unread == 0 {
                return if stored == 0 {
                    Ok(())
                } else {
                    Err(syntax(offset))
                };
            }
            let size = CIBORIUM_SCRATCH.min(stored + unread);
            let fresh = size - stored;
            self.take(fresh)?;
            unread -= fresh;
            // The carried bytes are the ones just before the fresh ones, in the same chunk.
            let window = self
                .bytes
                .get(self.pos - size..self.pos)
                .ok_or(ReadError::Truncated)?;
            match std::str::from_utf8(window) {
                Ok(_) => stored = 0,
                Err(e) => {
                    let invalid = size - e.valid_up_to();
                    if invalid > 3 {
                        return Err(syntax(offset));
                    }
                    stored = invalid;
                }
            }
        }
    }
}

/// The magnitude of a bignum's bytes (at most 16), as ciborium computes it.
fn bignum(raw: &[u8]) -> u128 {
    raw.iter().fold(0u128, |acc, b| (acc << 8) | u128::from(*b))
}

/// A cursor that reads only the deterministic encoding (RFC 8949 §4.2.1): shortest-form heads,
/// definite lengths, no tags, no floats, the one-byte `true`. Every read returns `None` on
/// anything else (including the end of the input), so a caller that needs a specific structure
/// reads it in one pass and gives up at the first byte that does not fit it; it never says
/// why: [`check_well_formed`] and [`Reader`] find the error.
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

/// One item as ciborium's `Value` would hold it, borrowed where possible. Arrays and maps are
/// returned as their head: the reader stands on their first element.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item<'a> {
    /// An integer, including a bignum that fits ciborium's integer range.
    Int(i128),
    /// A byte string (chunks joined).
    Bytes(Cow<'a, [u8]>),
    /// A text string (chunks joined).
    Text(Cow<'a, str>),
    /// An array of `len` elements (counted for an indefinite array).
    Array {
        /// Element count.
        len: usize,
        /// Written with an indefinite length (closed by a break).
        indefinite: bool,
    },
    /// A map of `len` entries (counted for an indefinite map).
    Map {
        /// Entry count.
        len: usize,
        /// Written with an indefinite length (closed by a break).
        indefinite: bool,
    },
    /// `true` or `false`.
    Bool(bool),
    /// `null` or `undefined`.
    Null,
    /// A float of any width.
    Float,
    /// Any other tagged item (read and dropped).
    Tag,
}

impl Item<'_> {
    /// The CBOR type of the item, named as [`type_name`] names it.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Item::Int(_) => "integer",
            Item::Bytes(_) => "byte string",
            Item::Text(_) => "text string",
            Item::Array { .. } => "array",
            Item::Map { .. } => "map",
            Item::Bool(_) => "boolean",
            Item::Null => "null",
            Item::Float => "float",
            Item::Tag => "tag",
        }
    }

    /// A map key as people read it, as [`key_text`] writes it.
    pub(crate) fn key_text(&self) -> String {
        match self {
            Item::Int(i) => i.to_string(),
            Item::Text(t) => format!("{t:?}"),
            Item::Bytes(b) => format!("h'{}'", hex::encode(b)),
            other => other.type_name().to_string(),
        }
    }
}

/// Reads items from bytes that [`check_well_formed`] accepted, and notes whether each head it
/// read was in deterministic form. On bytes it did not accept, it fails (never panics), but
/// the error is not meaningful.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    canonical: bool,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader {
            bytes,
            pos: 0,
            canonical: true,
        }
    }

    /// The current offset.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Moves to `pos` (an offset this reader returned).
    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos;
    }

    /// True while every head read so far was in deterministic form.
    pub(crate) fn canonical(&self) -> bool {
        self.canonical
    }

    /// Marks the input as not in deterministic form (e.g. map keys out of order).
    pub(crate) fn not_canonical(&mut self) {
        self.canonical = false;
    }

    fn head(&mut self) -> Result<Head, ReadError> {
        let (h, next) = head_at(self.bytes, self.pos)?;
        self.pos = next;
        if !h.shortest || h.indefinite() {
            self.canonical = false;
        }
        Ok(h)
    }

    fn slice(&mut self, len: u64) -> Result<&'a [u8], ReadError> {
        let len = usize::try_from(len).map_err(|_| ReadError::Truncated)?;
        let end = self.pos.checked_add(len).ok_or(ReadError::Truncated)?;
        let s = self.bytes.get(self.pos..end).ok_or(ReadError::Truncated)?;
        self.pos = end;
        Ok(s)
    }

    /// True (and consumed) when the next byte is a break.
    fn at_break(&mut self) -> bool {
        if self.bytes.get(self.pos) == Some(&0xff) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// The chunks of an indefinite string, joined; nested indefinite chunks are flattened as
    /// ciborium does.
    fn chunks(&mut self, major: u8) -> Result<Vec<u8>, ReadError> {
        let mut out = Vec::new();
        let mut nested = 1usize;
        while nested > 0 {
            let h = self.head()?;
            if h.is_break() {
                nested -= 1;
            } else if h.major != major {
                return Err(ReadError::Malformed("bad chunk".to_string()));
            } else if h.indefinite() {
                nested += 1;
            } else {
                out.extend_from_slice(self.slice(h.arg)?);
            }
        }
        Ok(out)
    }

    /// Reads one item. For an array or a map, reads only the head (and counts an indefinite
    /// one): the reader then stands on the first element; [`Reader::skip_body`] skips them.
    pub(crate) fn item(&mut self) -> Result<Item<'a>, ReadError> {
        let h = self.head()?;
        Ok(match h.major {
            0 => Item::Int(i128::from(h.arg)),
            1 => Item::Int(-1 - i128::from(h.arg)),
            2 if h.indefinite() => Item::Bytes(Cow::Owned(self.chunks(2)?)),
            2 => Item::Bytes(Cow::Borrowed(self.slice(h.arg)?)),
            3 => {
                let raw = if h.indefinite() {
                    Cow::Owned(self.chunks(3)?)
                } else {
                    Cow::Borrowed(self.slice(h.arg)?)
                };
                Item::Text(match raw {
                    Cow::Borrowed(b) => Cow::Borrowed(
                        std::str::from_utf8(b)
                            .map_err(|_| ReadError::Malformed("bad UTF-8".to_string()))?,
                    ),
                    Cow::Owned(b) => Cow::Owned(
                        String::from_utf8(b)
                            .map_err(|_| ReadError::Malformed("bad UTF-8".to_string()))?,
                    ),
                })
            }
            4 | 5 => {
                let len = if h.indefinite() {
                    let mut probe = self.clone();
                    let mut n = 0usize;
                    while !probe.at_break() {
                        probe.skip()?;
                        if h.major == 5 {
                            probe.skip()?;
                        }
                        n += 1;
                    }
                    n
                } else {
                    usize::try_from(h.arg).map_err(|_| ReadError::Truncated)?
                };
                let indefinite = h.indefinite();
                if h.major == 4 {
                    Item::Array { len, indefinite }
                } else {
                    Item::Map { len, indefinite }
                }
            }
            6 => {
                let (inner, _) = head_at(self.bytes, self.pos)?;
                if matches!(h.arg, TAG_BIGPOS | TAG_BIGNEG)
                    && inner.major == 2
                    && !inner.indefinite()
                    && inner.arg <= 16
                {
                    // Not the deterministic encoding of an integer (nor of anything we write).
                    self.canonical = false;
                    self.head()?;
                    let raw = bignum(self.slice(inner.arg)?);
                    let value = if h.arg == TAG_BIGPOS {
                        i128::try_from(raw).ok()
                    } else {
                        i128::try_from(raw).ok().map(|r| -1 - r)
                    };
                    // ciborium's integers span -2^64 ..= 2^64 - 1; larger bignums stay tags.
                    match value {
                        Some(v) if (-(1i128 << 64)..(1i128 << 64)).contains(&v) => Item::Int(v),
                        _ => Item::Tag,
                    }
                } else {
                    self.skip()?;
                    Item::Tag
                }
            }
            _ => match h.ai {
                25..=27 => Item::Float,
                _ => match h.arg {
                    SIMPLE_FALSE => Item::Bool(false),
                    SIMPLE_TRUE => Item::Bool(true),
                    SIMPLE_NULL | SIMPLE_UNDEFINED => Item::Null,
                    _ => return Err(ReadError::Malformed("bad simple value".to_string())),
                },
            },
        })
    }

    /// Skips the elements of an array or the entries of a map whose head [`Reader::item`] just
    /// read (and the closing break of an indefinite one); does nothing for other items.
    pub(crate) fn skip_body(&mut self, item: &Item<'_>) -> Result<(), ReadError> {
        let (count, indefinite) = match item {
            Item::Array { len, indefinite } => (*len, *indefinite),
            Item::Map { len, indefinite } => (len.saturating_mul(2), *indefinite),
            _ => return Ok(()),
        };
        for _ in 0..count {
            self.skip()?;
        }
        self.end(indefinite)
    }

    /// After the last element or entry of a container: consumes the break that closes an
    /// indefinite one.
    pub(crate) fn end(&mut self, indefinite: bool) -> Result<(), ReadError> {
        if indefinite && !self.at_break() {
            return Err(ReadError::Malformed("expected a break".to_string()));
        }
        Ok(())
    }

    /// Reads one whole item: [`Reader::item`], then the body of an array or a map.
    pub(crate) fn whole(&mut self) -> Result<Item<'a>, ReadError> {
        let item = self.item()?;
        self.skip_body(&item)?;
        Ok(item)
    }

    /// Skips one whole item, reading only its heads (the strings were checked by
    /// [`check_well_formed`]). Any tag counts as not canonical: none belongs in what we read,
    /// and a bignum standing for an integer is not its deterministic encoding.
    pub(crate) fn skip(&mut self) -> Result<(), ReadError> {
        let h = self.head()?;
        match h.major {
            2 | 3 if h.indefinite() => {
                let mut nested = 1usize;
                while nested > 0 {
                    let c = self.head()?;
                    if c.is_break() {
                        nested -= 1;
                    } else if c.indefinite() {
                        nested += 1;
                    } else {
                        self.slice(c.arg)?;
                    }
                }
            }
            2 | 3 => {
                self.slice(h.arg)?;
            }
            4 | 5 => {
                let per_entry = if h.major == 5 { 2 } else { 1 };
                if h.indefinite() {
                    while !self.at_break() {
                        for _ in 0..per_entry {
                            self.skip()?;
                        }
                    }
                } else {
                    for _ in 0..h.arg {
                        for _ in 0..per_entry {
                            self.skip()?;
                        }
                    }
                }
            }
            6 => {
                self.canonical = false;
                self.skip()?;
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn agree(bytes: &[u8]) {
        assert_eq!(
            check_well_formed(bytes),
            read_one(bytes).map(|_| ()),
            "input {}",
            hex::encode(bytes)
        );
    }

    #[test]
    fn nesting_limit_is_ciboriums() {
        for n in 0..20 {
            for open in [0x81u8, 0x9f, 0xa1, 0xc6, 0xd8] {
                let mut b = Vec::new();
                for _ in 0..n {
                    b.push(open);
                    match open {
                        0xa1 => b.push(0x01),
                        0xd8 => b.push(0x40),
                        _ => {}
                    }
                }
                b.push(0x00);
                if open == 0x9f {
                    b.extend(std::iter::repeat_n(0xff, n));
                }
                agree(&b);
                agree(&b[..b.len() - 1]);
            }
        }
    }

    #[test]
    fn long_text_windows_are_ciboriums() {
        // Text over 4096 bytes is read in windows: invalid UTF-8 early and a missing tail
        // late is `Malformed`, a split character at a window edge is fine.
        for len in [4095usize, 4096, 4097, 4100, 8193] {
            for bad_at in [None, Some(0), Some(10), Some(4094), Some(4095), Some(4096)] {
                for short in [0usize, 1, 3000] {
                    let mut body = "é".repeat(len / 2).into_bytes();
                    if len % 2 == 1 {
                        body.insert(1, b'a'); // shift characters across window edges
                    }
                    body.truncate(len);
                    if let Some(i) = bad_at.filter(|i| *i < body.len()) {
                        body[i] = 0xff;
                    }
                    let mut b = vec![0x79];
                    b.extend((len as u16).to_be_bytes());
                    b.extend(&body[..len.saturating_sub(short)]);
                    agree(&b);
                    // The same as a chunk of an indefinite text.
                    let mut c = vec![0x7f];
                    c.extend(&b);
                    c.push(0xff);
                    agree(&c);
                }
            }
        }
    }

    #[test]
    fn bignums_are_ciboriums() {
        for tag in [0xc2u8, 0xc3] {
            for len in [0usize, 1, 8, 9, 15, 16, 17] {
                for fill in [0x00u8, 0x01, 0x7f, 0x80, 0xff] {
                    let mut b = vec![tag, 0x40 | len as u8];
                    b.extend(std::iter::repeat_n(fill, len));
                    agree(&b);
                    agree(&b[..b.len() - 1]);
                }
            }
        }
    }

    /// Pieces that make CBOR-like soup: heads of every kind and width, breaks, strings, and
    /// long strings near the window size.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            any::<u8>().prop_map(|b| vec![b]),
            (
                0u8..8,
                prop::sample::select(vec![0u8, 1, 20, 21, 22, 23, 24, 25, 26, 27, 31]),
                any::<u64>()
            )
                .prop_map(|(major, ai, arg)| {
                    let mut v = vec![(major << 5) | ai];
                    let size = match ai {
                        24 => 1,
                        25 => 2,
                        26 => 4,
                        27 => 8,
                        _ => 0,
                    };
                    // Small arguments mostly, so that lengths fit the input.
                    let arg = if arg % 4 == 0 { arg } else { arg % 40 };
                    v.extend(&arg.to_be_bytes()[8 - size..]);
                    v
                }),
            Just(vec![0xff]),
            "\\PC{0,6}".prop_map(|s: String| {
                let mut v = vec![0x60 | s.len() as u8];
                v.extend(s.as_bytes());
                v
            }),
            (4090usize..4110, any::<bool>(), 0usize..6).prop_map(|(len, bad, short)| {
                let mut v = vec![0x79];
                v.extend((len as u16).to_be_bytes());
                let mut body = "€".repeat(len / 3 + 1).into_bytes();
                body.truncate(len - short);
                if bad && !body.is_empty() {
                    let i = body.len() / 2;
                    body[i] = 0xc0;
                }
                v.extend(body);
                v
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn well_formedness_is_ciboriums(pieces in prop::collection::vec(piece(), 1..12)) {
            let bytes = pieces.concat();
            prop_assert_eq!(check_well_formed(&bytes), read_one(&bytes).map(|_| ()));
        }

        #[test]
        fn well_formedness_is_ciboriums_on_random_bytes(
            bytes in prop::collection::vec(any::<u8>(), 0..64)
        ) {
            prop_assert_eq!(check_well_formed(&bytes), read_one(&bytes).map(|_| ()));
        }
    }
}
