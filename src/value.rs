//! Typed property values: what a profile declares and what a rule compares against.

use std::cmp::Ordering;
use std::fmt;

use crate::time::DateValue;

/// A dotted numeric version such as `1.2` or `3.10.4`. Missing components compare as 0, so
/// `1.2 == 1.2.0`.
#[derive(Debug, Clone, Eq)]
pub struct Version(pub Vec<u32>);

impl Version {
    /// Parses `1`, `1.2`, `1.2.3` ... (numbers only, at most 8 components).
    pub fn parse(s: &str) -> Result<Self, String> {
        let parts: Result<Vec<u32>, _> = s.split('.').map(str::parse::<u32>).collect();
        match parts {
            Ok(p) if !p.is_empty() && p.len() <= 8 => Ok(Version(p)),
            _ => Err(format!(
                "`{s}` is not a version: write dot-separated numbers such as 1.2 or 3.10.4"
            )),
        }
    }

    fn component(&self, i: usize) -> u32 {
        self.0.get(i).copied().unwrap_or(0)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.0.len().max(other.0.len());
        (0..n)
            .map(|i| self.component(i).cmp(&other.component(i)))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    }
}
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&s.join("."))
    }
}

/// The item type of a set property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetItem {
    /// Integers (e.g. port numbers).
    Int,
    /// Strings (e.g. protocol names).
    String,
}

/// The declared type of a property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropertyType {
    /// true / false.
    Bool,
    /// An integer, optionally bounded.
    Int {
        /// Smallest allowed value.
        min: Option<i64>,
        /// Largest allowed value.
        max: Option<i64>,
    },
    /// One of a fixed list of names.
    Enum(Vec<String>),
    /// A dotted numeric version.
    Version,
    /// A date (UTC).
    Date,
    /// An http(s) URL.
    Url,
    /// A set of items.
    Set(SetItem),
    /// Free text; rules can only test presence.
    Text,
}

impl PropertyType {
    /// The type's name as written in `properties.toml`.
    pub fn name(&self) -> &'static str {
        match self {
            PropertyType::Bool => "bool",
            PropertyType::Int { .. } => "int",
            PropertyType::Enum(_) => "enum",
            PropertyType::Version => "version",
            PropertyType::Date => "date",
            PropertyType::Url => "url",
            PropertyType::Set(_) => "set",
            PropertyType::Text => "text",
        }
    }
}

/// A typed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// An enum value, as the index into the property's `values`.
    Enum(u16),
    /// A version.
    Version(Version),
    /// A date.
    Date(DateValue),
    /// A URL.
    Url(String),
    /// Free text.
    Text(String),
    /// A set of integers, sorted, no duplicates.
    IntSet(Vec<i64>),
    /// A set of strings, sorted, no duplicates.
    StrSet(Vec<String>),
}

impl Value {
    /// Human-readable form; enum indices are turned back into names with `ty`.
    pub fn display(&self, ty: &PropertyType) -> String {
        match self {
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Enum(i) => match ty {
                PropertyType::Enum(vals) => vals.get(usize::from(*i)).cloned().unwrap_or_default(),
                _ => i.to_string(),
            },
            Value::Version(v) => v.to_string(),
            Value::Date(d) => d.display(),
            Value::Url(u) | Value::Text(u) => u.clone(),
            Value::IntSet(s) => format!(
                "[{}]",
                s.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            ),
            Value::StrSet(s) => format!("[{}]", s.join(", ")),
        }
    }

    /// Canonical JSON form (for the criteria digest and JSON reports).
    pub fn to_json(&self, ty: &PropertyType) -> serde_json::Value {
        use serde_json::json;
        match self {
            Value::Bool(b) => json!(b),
            Value::Int(i) => json!(i),
            Value::Enum(_)
            | Value::Version(_)
            | Value::Date(_)
            | Value::Url(_)
            | Value::Text(_) => {
                json!(self.display(ty))
            }
            Value::IntSet(s) => json!(s),
            Value::StrSet(s) => json!(s),
        }
    }
}

/// Orders two values of the same type (ints, versions, dates); `None` for anything else.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Version(x), Value::Version(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Enum(x), Value::Enum(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically_with_zero_padding() {
        let v = |s| Version::parse(s).unwrap();
        assert!(v("1.10") > v("1.9"));
        assert_eq!(v("1.2"), v("1.2.0"));
        assert!(v("1.3") >= v("1.2"));
        assert!(Version::parse("1.2-rc1").is_err());
        assert!(Version::parse("").is_err());
    }
}
