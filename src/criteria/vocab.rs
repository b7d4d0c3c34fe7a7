//! The project vocabulary: named boolean features and typed properties (`features.toml`,
//! `properties.toml`), and reading a TOML value as a typed [`Value`].

use std::collections::HashMap;

use toml::de::DeValue;

use crate::diag::{Code, suggest};
use crate::time::DateValue;
use crate::toml_read::{Ctx, Table, Val, as_array, as_string, type_name};
use crate::value::{PropertyType, SetItem, Value, Version};

/// Index of a feature in the vocabulary.
pub type FeatureId = u16;
/// Index of a property in the vocabulary.
pub type PropId = u16;

/// A named boolean describing a device.
#[derive(Debug, Clone)]
pub struct Feature {
    /// `lower_snake_case` name.
    pub name: String,
    /// One sentence for the person filling in a profile.
    pub help: String,
    /// Questionnaire group (IXIT category).
    pub group: String,
}

/// A typed fact a profile may declare.
#[derive(Debug, Clone)]
pub struct Property {
    /// Dotted name.
    pub name: String,
    /// Its type.
    pub ty: PropertyType,
    /// One sentence for the person filling in a profile.
    pub help: String,
    /// Questionnaire group (IXIT category).
    pub group: String,
}

/// Features and properties, indexed by name.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// All features, in file order.
    pub features: Vec<Feature>,
    /// All properties, in file order.
    pub properties: Vec<Property>,
    feature_index: HashMap<String, FeatureId>,
    property_index: HashMap<String, PropId>,
}

impl Vocabulary {
    /// Looks up a feature by name.
    pub fn feature(&self, name: &str) -> Option<FeatureId> {
        self.feature_index.get(name).copied()
    }

    /// Looks up a property by name.
    pub fn property(&self, name: &str) -> Option<PropId> {
        self.property_index.get(name).copied()
    }

    /// The property with an id.
    pub fn prop(&self, id: PropId) -> &Property {
        &self.properties[usize::from(id)]
    }

    /// Resolves a feature name, reporting an unknown one with a suggestion.
    pub fn resolve_feature(
        &self,
        name: &str,
        span: std::ops::Range<usize>,
        ctx: &mut Ctx<'_>,
    ) -> Option<FeatureId> {
        let id = self.feature(name);
        if id.is_none() {
            ctx.error(
                Code::UnknownFeature,
                span,
                format!("unknown feature `{name}`"),
                suggest(
                    name,
                    "features",
                    self.features.iter().map(|f| f.name.as_str()),
                ),
            );
        }
        id
    }

    /// Resolves a property name, reporting an unknown one with a suggestion.
    pub fn resolve_property(
        &self,
        name: &str,
        span: std::ops::Range<usize>,
        ctx: &mut Ctx<'_>,
    ) -> Option<PropId> {
        let id = self.property(name);
        if id.is_none() {
            ctx.error(
                Code::UnknownProperty,
                span,
                format!("unknown property `{name}`"),
                suggest(
                    name,
                    "properties",
                    self.properties.iter().map(|p| p.name.as_str()),
                ),
            );
        }
        id
    }

    /// Reads `features.toml` into the vocabulary.
    pub fn read_features(&mut self, doc: &Val<'_>, ctx: &mut Ctx<'_>) {
        let Some(mut top) = Table::new(doc, "features.toml", ctx) else {
            return;
        };
        if let Some(fs) = top.required("feature", ctx)
            && let Some(mut fs) = Table::new(fs, "[feature]", ctx)
        {
            for (k, v) in fs.entries() {
                let name = k.get_ref().to_string();
                if !is_snake(&name) {
                    ctx.error(
                        Code::BadName,
                        k.span(),
                        format!("feature name `{name}` is not lower_snake_case"),
                        "rename it, e.g. `passwords_used`",
                    );
                }
                let Some(mut t) = Table::new(v, &format!("feature `{name}`"), ctx) else {
                    continue;
                };
                let help = t
                    .req_str("help", ctx)
                    .map(|s| s.into_inner())
                    .unwrap_or_default();
                let group = t
                    .req_str("group", ctx)
                    .map(|s| s.into_inner())
                    .unwrap_or_default();
                t.finish(ctx);
                if self.feature_index.contains_key(&name) {
                    ctx.error(
                        Code::DuplicateId,
                        k.span(),
                        format!("feature `{name}` is defined twice"),
                        "remove one definition",
                    );
                    continue;
                }
                let Ok(id) = FeatureId::try_from(self.features.len()) else {
                    continue;
                };
                self.feature_index.insert(name.clone(), id);
                self.features.push(Feature { name, help, group });
            }
        }
        top.finish(ctx);
    }

    /// Reads `properties.toml` into the vocabulary.
    pub fn read_properties(&mut self, doc: &Val<'_>, ctx: &mut Ctx<'_>) {
        let Some(mut top) = Table::new(doc, "properties.toml", ctx) else {
            return;
        };
        if let Some(ps) = top.required("property", ctx)
            && let Some(mut ps) = Table::new(ps, "[property]", ctx)
        {
            for (k, v) in ps.entries() {
                let name = k.get_ref().to_string();
                if !name.split('.').all(is_snake) {
                    ctx.error(
                        Code::BadName,
                        k.span(),
                        format!("property name `{name}` is not dotted lower_snake_case"),
                        "rename it, e.g. `password.default_kind`",
                    );
                }
                let what = format!("property `{name}`");
                let Some(mut t) = Table::new(v, &what, ctx) else {
                    continue;
                };
                let ty = read_type(&mut t, &what, ctx);
                let help = t
                    .req_str("help", ctx)
                    .map(|s| s.into_inner())
                    .unwrap_or_default();
                let group = t
                    .req_str("group", ctx)
                    .map(|s| s.into_inner())
                    .unwrap_or_default();
                t.finish(ctx);
                let Some(ty) = ty else { continue };
                if self.property_index.contains_key(&name) {
                    ctx.error(
                        Code::DuplicateId,
                        k.span(),
                        format!("property `{name}` is defined twice"),
                        "remove one definition",
                    );
                    continue;
                }
                let Ok(id) = PropId::try_from(self.properties.len()) else {
                    continue;
                };
                self.property_index.insert(name.clone(), id);
                self.properties.push(Property {
                    name,
                    ty,
                    help,
                    group,
                });
            }
        }
        top.finish(ctx);
    }
}

fn is_snake(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

const TYPES: [&str; 8] = [
    "bool", "int", "enum", "version", "date", "url", "set", "text",
];

fn read_type(t: &mut Table<'_, '_>, what: &str, ctx: &mut Ctx<'_>) -> Option<PropertyType> {
    let ty = t.req_str("type", ctx)?;
    let min = t.opt_int("min", ctx);
    let max = t.opt_int("max", ctx);
    let values = t.opt_str_array("values", ctx);
    let item = t.opt_str("item", ctx);
    let span = ty.span();
    let pt = match ty.get_ref().as_str() {
        "bool" => PropertyType::Bool,
        "int" => PropertyType::Int {
            min: min.as_ref().map(|m| *m.get_ref()),
            max: max.as_ref().map(|m| *m.get_ref()),
        },
        "enum" => {
            let Some(values) = values.as_ref() else {
                ctx.error(
                    Code::IncompleteType,
                    span,
                    format!("{what} is an enum but has no `values`"),
                    "add `values = [\"a\", \"b\"]`",
                );
                return None;
            };
            let mut seen: Vec<String> = Vec::new();
            for v in values {
                if seen.contains(v.get_ref()) {
                    ctx.error(
                        Code::ListedTwice,
                        v.span(),
                        format!("enum value `{}` is listed twice", v.get_ref()),
                        "remove the duplicate",
                    );
                } else {
                    seen.push(v.get_ref().clone());
                }
            }
            if seen.is_empty() {
                ctx.error(
                    Code::IncompleteType,
                    span,
                    format!("{what} has an empty `values` list"),
                    "list at least one value",
                );
                return None;
            }
            PropertyType::Enum(seen)
        }
        "version" => PropertyType::Version,
        "date" => PropertyType::Date,
        "url" => PropertyType::Url,
        "set" => match item.as_ref().map(|i| i.get_ref().as_str()) {
            Some("int") => PropertyType::Set(SetItem::Int),
            Some("string") => PropertyType::Set(SetItem::String),
            Some(other) => {
                let sp = item.as_ref().map_or(span.clone(), |i| i.span());
                ctx.error(
                    Code::UnknownWord,
                    sp,
                    format!("unknown set item type `{other}`"),
                    "use `item = \"int\"` or `item = \"string\"`",
                );
                return None;
            }
            None => {
                ctx.error(
                    Code::IncompleteType,
                    span,
                    format!("{what} is a set but has no `item`"),
                    "add `item = \"int\"` or `item = \"string\"`",
                );
                return None;
            }
        },
        "text" => PropertyType::Text,
        other => {
            ctx.error(
                Code::UnknownWord,
                span,
                format!("unknown property type `{other}`"),
                suggest(other, "types", TYPES),
            );
            return None;
        }
    };
    // Keys that only make sense for some types are errors elsewhere, so no one thinks they apply.
    let misplaced = [
        (
            min.map(|m| m.span()),
            "min",
            matches!(pt, PropertyType::Int { .. }),
        ),
        (
            max.map(|m| m.span()),
            "max",
            matches!(pt, PropertyType::Int { .. }),
        ),
        (
            values.and_then(|v| v.first().map(|x| x.span())),
            "values",
            matches!(pt, PropertyType::Enum(_)),
        ),
        (
            item.map(|i| i.span()),
            "item",
            matches!(pt, PropertyType::Set(_)),
        ),
    ];
    for (sp, key, ok) in misplaced {
        if let (Some(sp), false) = (sp, ok) {
            ctx.error(
                Code::KeyNotForType,
                sp,
                format!("`{key}` does not apply to a {} property", pt.name()),
                format!("remove `{key}`"),
            );
        }
    }
    Some(pt)
}

/// Reads a TOML value as a value of `ty`; `what` names it in messages.
pub fn read_value(v: &Val<'_>, ty: &PropertyType, what: &str, ctx: &mut Ctx<'_>) -> Option<Value> {
    let span = v.span();
    let mismatch = |ctx: &mut Ctx<'_>, expected: &str, example: &str| {
        ctx.error(
            Code::PropertyValueType,
            span.clone(),
            format!(
                "{what} must be {expected}, found {}",
                type_name(v.get_ref())
            ),
            format!("write {} value, e.g. {example}", article(ty.name())),
        );
        None
    };
    match (ty, v.get_ref()) {
        (PropertyType::Bool, DeValue::Boolean(b)) => Some(Value::Bool(*b)),
        (PropertyType::Bool, _) => mismatch(ctx, "true or false", "`true`"),
        (PropertyType::Int { min, max }, DeValue::Integer(_)) => {
            let n = crate::toml_read::as_int(v, what, ctx)?;
            let n = *n.get_ref();
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                ctx.error(
                    Code::PropertyValueRange,
                    span,
                    format!("{what} = {n} is out of range"),
                    format!(
                        "allowed: {} to {}",
                        min.map_or("-".into(), |m| m.to_string()),
                        max.map_or("-".into(), |m| m.to_string())
                    ),
                );
                return None;
            }
            Some(Value::Int(n))
        }
        (PropertyType::Int { .. }, _) => mismatch(ctx, "an integer", "`3`"),
        (PropertyType::Enum(values), DeValue::String(s)) => {
            match values.iter().position(|x| x == s.as_ref()) {
                Some(i) => u16::try_from(i).ok().map(Value::Enum),
                None => {
                    ctx.error(
                        Code::PropertyValueNotAllowed,
                        span,
                        format!("`{s}` is not a valid value for {what}"),
                        suggest(s, "values", values.iter().map(String::as_str)),
                    );
                    None
                }
            }
        }
        (PropertyType::Enum(values), _) => mismatch(
            ctx,
            "a string",
            &format!("`\"{}\"`", values.first().map_or("", |s| s.as_str())),
        ),
        (PropertyType::Version, DeValue::String(s)) => {
            parse_or_report(Version::parse(s), span, ctx).map(Value::Version)
        }
        (PropertyType::Version, DeValue::Float(f)) => {
            parse_or_report(Version::parse(f.as_str()), span, ctx).map(Value::Version)
        }
        (PropertyType::Version, _) => mismatch(ctx, "a version string", "`\"1.2\"`"),
        (PropertyType::Date, DeValue::String(s)) => {
            parse_or_report(DateValue::parse(s), span, ctx).map(Value::Date)
        }
        (PropertyType::Date, DeValue::Datetime(dt)) => {
            if dt.date.is_some() && dt.time.is_some() && dt.offset.is_none() {
                ctx.error(
                    Code::PropertyValueFormat,
                    span,
                    format!("{what} has a time but no UTC offset"),
                    "add `Z` (times are UTC), or give just the date",
                );
                return None;
            }
            parse_or_report(DateValue::parse(&dt.to_string()), span, ctx).map(Value::Date)
        }
        (PropertyType::Date, _) => mismatch(ctx, "a date", "`2027-06-30` or `\"2027-06\"`"),
        (PropertyType::Url, DeValue::String(s)) => {
            let ok = ["https://", "http://"].iter().any(|p| {
                s.len() > p.len()
                    && s[..p.len()].eq_ignore_ascii_case(p)
                    && !s[p.len()..].starts_with('/')
            }) && !s.chars().any(char::is_whitespace);
            if ok {
                Some(Value::Url(s.to_string()))
            } else {
                ctx.error(
                    Code::PropertyValueFormat,
                    span,
                    format!("{what} is not an http(s) URL: `{s}`"),
                    "write a full URL such as \"https://example.com/security\"",
                );
                None
            }
        }
        (PropertyType::Url, _) => mismatch(ctx, "a URL string", "`\"https://example.com/vdp\"`"),
        (PropertyType::Text, DeValue::String(s)) => Some(Value::Text(s.to_string())),
        (PropertyType::Text, _) => mismatch(ctx, "a string", "`\"...\"`"),
        (PropertyType::Set(item), DeValue::Array(_)) => {
            let arr = as_array(v, what, ctx)?;
            read_set(arr, *item, what, ctx)
        }
        (PropertyType::Set(_), _) => mismatch(ctx, "an array", "`[80, 443]`"),
    }
}

fn article(word: &str) -> String {
    let vowel = word.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// Reads one set item (for `contains`).
pub fn read_set_item(v: &Val<'_>, item: SetItem, what: &str, ctx: &mut Ctx<'_>) -> Option<Value> {
    match (item, v.get_ref()) {
        (SetItem::Int, DeValue::Integer(_)) => {
            crate::toml_read::as_int(v, what, ctx).map(|n| Value::Int(*n.get_ref()))
        }
        (SetItem::String, DeValue::String(s)) => Some(Value::Text(s.to_string())),
        (SetItem::Int, other) => {
            ctx.error(
                Code::PropertyValueType,
                v.span(),
                format!("{what} must be an integer, found {}", type_name(other)),
                "this set holds integers",
            );
            None
        }
        (SetItem::String, _) => {
            let _ = as_string(v, what, ctx);
            None
        }
    }
}

/// Reads an array as a set, rejecting duplicates.
pub fn read_set(arr: &[Val<'_>], item: SetItem, what: &str, ctx: &mut Ctx<'_>) -> Option<Value> {
    let mut ok = true;
    let mut ints = Vec::new();
    let mut strs = Vec::new();
    for e in arr {
        match read_set_item(e, item, what, ctx) {
            Some(Value::Int(n)) => {
                if ints.contains(&n) {
                    ctx.error(
                        Code::SetItemTwice,
                        e.span(),
                        format!("{n} appears twice in {what}"),
                        "a set lists each item once",
                    );
                    ok = false;
                }
                ints.push(n);
            }
            Some(Value::Text(s)) => {
                if strs.contains(&s) {
                    ctx.error(
                        Code::SetItemTwice,
                        e.span(),
                        format!("`{s}` appears twice in {what}"),
                        "a set lists each item once",
                    );
                    ok = false;
                }
                strs.push(s);
            }
            _ => ok = false,
        }
    }
    if !ok {
        return None;
    }
    Some(match item {
        SetItem::Int => {
            ints.sort_unstable();
            Value::IntSet(ints)
        }
        SetItem::String => {
            strs.sort();
            Value::StrSet(strs)
        }
    })
}

fn parse_or_report<T>(
    r: Result<T, String>,
    span: std::ops::Range<usize>,
    ctx: &mut Ctx<'_>,
) -> Option<T> {
    match r {
        Ok(x) => Some(x),
        Err(e) => {
            ctx.error(
                Code::PropertyValueFormat,
                span,
                e.clone(),
                "correct the value's format",
            );
            None
        }
    }
}
