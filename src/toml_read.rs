//! The raw stage of parsing: TOML with a span on every key and value, read through small helpers
//! that record every problem and carry on.
//!
//! Why not `#[derive(Deserialize)]` with `deny_unknown_fields`: serde stops at the first error,
//! and criteria authors must see every problem in a file at once (the cargo-deny approach). The
//! TOML parser is still `toml`'s own; only the walk over its spanned tree is ours.

use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Code, Diagnostic, Diagnostics, SourceFile, suggest};

/// A spanned TOML value.
pub type Val<'i> = Spanned<DeValue<'i>>;

/// Where diagnostics go while reading one file.
pub struct Ctx<'f> {
    /// The file being read.
    pub file: &'f Arc<SourceFile>,
    /// Collected problems.
    pub diags: &'f mut Diagnostics,
}

impl Ctx<'_> {
    /// Records an error with a help line.
    pub fn error(
        &mut self,
        code: Code,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::error(code, self.file, span, message).with_help(help));
    }
}

/// Parses a whole document. A syntax error is reported (with its span) and gives `None`.
pub fn parse_document<'i>(
    file: &'i Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<Spanned<DeTable<'i>>> {
    match DeTable::parse(&file.text) {
        Ok(t) => {
            check_texts(file, t.get_ref(), diags);
            Some(t)
        }
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            diags.push(
                Diagnostic::error(
                    Code::Syntax,
                    file,
                    span,
                    format!("TOML syntax error: {}", e.message().trim()),
                )
                .with_help("fix the TOML syntax; nothing else in this file was checked"),
            );
            None
        }
    }
}

/// The name of a TOML value's type, for messages.
pub fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Reads the keys of one table; keys never asked for are reported by [`Table::finish`].
pub struct Table<'a, 'i> {
    entries: &'a DeTable<'i>,
    /// Span of the whole table (for "missing key" errors).
    pub span: Range<usize>,
    used: Vec<bool>,
    asked: Vec<&'static str>,
    what: String,
}

impl<'a, 'i> Table<'a, 'i> {
    /// Wraps a value that must be a table; reports and gives `None` otherwise.
    pub fn new(v: &'a Val<'i>, what: &str, ctx: &mut Ctx<'_>) -> Option<Self> {
        match v.get_ref() {
            DeValue::Table(t) => Some(Self::from_table(t, v.span(), what)),
            other => {
                ctx.error(
                    Code::NotATable,
                    v.span(),
                    format!("{what} must be a table, found {}", type_name(other)),
                    format!("write {what} as a TOML table"),
                );
                None
            }
        }
    }

    /// Wraps a table directly.
    pub fn from_table(entries: &'a DeTable<'i>, span: Range<usize>, what: &str) -> Self {
        Table {
            entries,
            span,
            used: vec![false; entries.len()],
            asked: Vec::new(),
            what: what.to_string(),
        }
    }

    /// The value of a key, if present (marks the key as known).
    pub fn get(&mut self, key: &'static str) -> Option<&'a Val<'i>> {
        self.asked.push(key);
        for (i, (k, v)) in self.entries.iter().enumerate() {
            if k.get_ref().as_ref() == key {
                self.used[i] = true;
                return Some(v);
            }
        }
        None
    }

    /// A key that must be present.
    pub fn required(&mut self, key: &'static str, ctx: &mut Ctx<'_>) -> Option<&'a Val<'i>> {
        let v = self.get(key);
        if v.is_none() {
            ctx.error(
                Code::MissingKey,
                self.span.clone(),
                format!("{} is missing the key `{key}`", self.what),
                format!("add `{key} = ...` to {}", self.what),
            );
        }
        v
    }

    /// A required string.
    pub fn req_str(&mut self, key: &'static str, ctx: &mut Ctx<'_>) -> Option<Spanned<String>> {
        let v = self.required(key, ctx)?;
        as_string(v, key, ctx)
    }

    /// An optional string.
    pub fn opt_str(&mut self, key: &'static str, ctx: &mut Ctx<'_>) -> Option<Spanned<String>> {
        let v = self.get(key)?;
        as_string(v, key, ctx)
    }

    /// An optional boolean.
    pub fn opt_bool(&mut self, key: &'static str, ctx: &mut Ctx<'_>) -> Option<Spanned<bool>> {
        let v = self.get(key)?;
        as_bool(v, key, ctx)
    }

    /// An optional integer.
    pub fn opt_int(&mut self, key: &'static str, ctx: &mut Ctx<'_>) -> Option<Spanned<i64>> {
        let v = self.get(key)?;
        as_int(v, key, ctx)
    }

    /// An optional array of strings.
    pub fn opt_str_array(
        &mut self,
        key: &'static str,
        ctx: &mut Ctx<'_>,
    ) -> Option<Vec<Spanned<String>>> {
        let v = self.get(key)?;
        let arr = as_array(v, key, ctx)?;
        Some(arr.iter().filter_map(|e| as_string(e, key, ctx)).collect())
    }

    /// All entries, in file order, marking every key as known (for maps keyed by name).
    pub fn entries(
        &mut self,
    ) -> impl Iterator<Item = (&'a Spanned<std::borrow::Cow<'i, str>>, &'a Val<'i>)> {
        self.used.iter_mut().for_each(|u| *u = true);
        self.entries.iter()
    }

    /// Reports every key that was never asked for, with the closest known key.
    pub fn finish(&mut self, ctx: &mut Ctx<'_>) {
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if !self.used[i] {
                let name = k.get_ref().as_ref();
                ctx.error(
                    Code::UnknownKey,
                    k.span(),
                    format!("unknown key `{name}` in {}", self.what),
                    suggest(name, "keys", self.asked.iter().copied()),
                );
            }
        }
    }
}

/// A string value, or an error naming the key.
pub fn as_string(v: &Val<'_>, key: &str, ctx: &mut Ctx<'_>) -> Option<Spanned<String>> {
    match v.get_ref() {
        DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
        other => {
            ctx.error(
                Code::WrongType,
                v.span(),
                format!("`{key}` must be a string, found {}", type_name(other)),
                format!("write `{key} = \"...\"`"),
            );
            None
        }
    }
}

/// A boolean value, or an error naming the key.
pub fn as_bool(v: &Val<'_>, key: &str, ctx: &mut Ctx<'_>) -> Option<Spanned<bool>> {
    match v.get_ref() {
        DeValue::Boolean(b) => Some(Spanned::new(v.span(), *b)),
        other => {
            ctx.error(
                Code::WrongType,
                v.span(),
                format!("`{key}` must be true or false, found {}", type_name(other)),
                format!("write `{key} = true` or `{key} = false`"),
            );
            None
        }
    }
}

/// An integer value, or an error naming the key.
pub fn as_int(v: &Val<'_>, key: &str, ctx: &mut Ctx<'_>) -> Option<Spanned<i64>> {
    match v.get_ref() {
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Some(Spanned::new(v.span(), n)),
            Err(_) => {
                ctx.error(
                    Code::BadNumber,
                    v.span(),
                    format!("`{key}` is out of range"),
                    "use a 64-bit integer",
                );
                None
            }
        },
        other => {
            ctx.error(
                Code::WrongType,
                v.span(),
                format!("`{key}` must be an integer, found {}", type_name(other)),
                format!("write `{key} = 3`"),
            );
            None
        }
    }
}

/// A number (integer or float, finite), or an error naming the key.
pub fn as_number(v: &Val<'_>, key: &str, ctx: &mut Ctx<'_>) -> Option<Spanned<f64>> {
    let parsed = match v.get_ref() {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|n| n as f64),
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
        other => {
            ctx.error(
                Code::WrongType,
                v.span(),
                format!("`{key}` must be a number, found {}", type_name(other)),
                format!("write `{key} = 2.5`"),
            );
            return None;
        }
    };
    match parsed {
        Some(n) if n.is_finite() => Some(Spanned::new(v.span(), n)),
        _ => {
            ctx.error(
                Code::BadNumber,
                v.span(),
                format!("`{key}` is not a finite number"),
                "write a plain decimal number",
            );
            None
        }
    }
}

/// An array value, or an error naming the key.
pub fn as_array<'a, 'i>(v: &'a Val<'i>, key: &str, ctx: &mut Ctx<'_>) -> Option<&'a [Val<'i>]> {
    match v.get_ref() {
        DeValue::Array(a) => Some(a.as_ref()),
        other => {
            ctx.error(
                Code::WrongType,
                v.span(),
                format!("`{key}` must be an array, found {}", type_name(other)),
                format!("write `{key} = [ ... ]`"),
            );
            None
        }
    }
}

/// Every key and string in a document holds allowed characters only ([`crate::text`]): one
/// check for every file loaded through here (profiles, criteria, templates), whatever reads
/// the value later. Each problem is reported at the offending character where it is written
/// literally or as a `\u` escape, else at the value.
fn check_texts(file: &Arc<SourceFile>, table: &DeTable<'_>, diags: &mut Diagnostics) {
    for (k, v) in table.iter() {
        let key = k.get_ref().as_ref();
        check_one(file, key, key, k.span(), diags);
        check_value(file, key, v, diags);
    }
}

fn check_value(file: &Arc<SourceFile>, key: &str, v: &Val<'_>, diags: &mut Diagnostics) {
    match v.get_ref() {
        DeValue::String(s) => check_one(file, key, s, v.span(), diags),
        DeValue::Array(a) => {
            for item in a.iter() {
                check_value(file, key, item, diags);
            }
        }
        DeValue::Table(t) => check_texts(file, t, diags),
        _ => {}
    }
}

fn check_one(
    file: &Arc<SourceFile>,
    key: &str,
    text: &str,
    span: Range<usize>,
    diags: &mut Diagnostics,
) {
    let Err(e) = crate::text::check(text) else {
        return;
    };
    let at = locate(&file.text, span, e.character);
    diags.push(
        Diagnostic::error(Code::ForbiddenCharacter, file, at, format!("`{key}` holds {e}"))
            .with_help("remove it: texts may hold letters, marks, numbers, punctuation, symbols and the spaces U+0020 and U+3000 only (bidi controls, line separators and invisible characters make a text show as something other than what was written)"),
    );
}

/// Where `c` is written inside `span` of `source`: literally, or as a `\uXXXX` / `\UXXXXXXXX`
/// escape; the whole span when neither is found.
fn locate(source: &str, span: Range<usize>, c: char) -> Range<usize> {
    let Some(raw) = source.get(span.clone()) else {
        return span;
    };
    if let Some(i) = raw.find(c) {
        return span.start + i..span.start + i + c.len_utf8();
    }
    let n = u32::from(c);
    let upper = raw.to_ascii_uppercase();
    for esc in [format!("\\U{n:04X}"), format!("\\U{n:08X}")] {
        if let Some(i) = upper.find(&esc) {
            return span.start + i..span.start + i + esc.len();
        }
    }
    span
}
