//! Rules: a small typed AST written as TOML tables (see `criteria/README.md`). Parsing checks
//! every name and every operand's type against the vocabulary, so a rule that loads cannot
//! compare a property with a value of the wrong type.

use serde_json::json;
use toml::de::DeValue;

use super::vocab::{FeatureId, PropId, Vocabulary, read_set, read_set_item, read_value};
use crate::diag::{Code, suggest};
use crate::toml_read::{Ctx, Table, Val, as_array, as_bool, as_string};
use crate::value::{PropertyType, Value};

/// A rule over a device's features and declared properties.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Every sub-rule holds.
    All(Vec<Rule>),
    /// At least one sub-rule holds.
    Any(Vec<Rule>),
    /// The sub-rule does not hold.
    Not(Box<Rule>),
    /// The profile states the feature `true`.
    Feature(FeatureId),
    /// Only a lab verdict decides this requirement.
    Lab,
    /// A comparison on a declared property.
    Cmp(PropId, Op),
}

/// A comparison operator with its checked operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Equal.
    Eq(Value),
    /// Not equal.
    Ne(Value),
    /// Less than.
    Lt(Value),
    /// Less than or equal.
    Le(Value),
    /// Greater than.
    Gt(Value),
    /// Greater than or equal.
    Ge(Value),
    /// One of.
    In(Vec<Value>),
    /// None of.
    NotIn(Vec<Value>),
    /// The property is declared.
    Present,
    /// The date is at least this long after the evaluation time.
    AtLeastAfterEvaluation {
        /// Years.
        years: i64,
        /// Months.
        months: i64,
        /// Days.
        days: i64,
    },
    /// The date is after the evaluation time.
    AfterEvaluation,
    /// Every item of the set is in this set.
    SubsetOf(Value),
    /// Every item of the set is in another set property.
    SubsetOfProperty(PropId),
    /// The set contains this item.
    Contains(Value),
    /// The set is empty (`true`) or not (`false`).
    Empty(bool),
}

impl Op {
    /// The operator's name as written in TOML.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Eq(_) => "eq",
            Op::Ne(_) => "ne",
            Op::Lt(_) => "lt",
            Op::Le(_) => "le",
            Op::Gt(_) => "gt",
            Op::Ge(_) => "ge",
            Op::In(_) => "in",
            Op::NotIn(_) => "not_in",
            Op::Present => "present",
            Op::AtLeastAfterEvaluation { .. } => "at_least_after_evaluation",
            Op::AfterEvaluation => "after_evaluation",
            Op::SubsetOf(_) => "subset_of",
            Op::SubsetOfProperty(_) => "subset_of_property",
            Op::Contains(_) => "contains",
            Op::Empty(_) => "empty",
        }
    }
}

const OPS: [&str; 15] = [
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "in",
    "not_in",
    "present",
    "at_least_after_evaluation",
    "after_evaluation",
    "subset_of",
    "subset_of_property",
    "contains",
    "empty",
];
/// The comparisons of an ordered type (the first six of [`OPS`]).
const ORDERED: &[&str] = OPS.split_at(6).0;
const HEADS: [&str; 6] = ["all", "any", "not", "feature", "property", "lab"];

/// Where a rule appears, which limits what it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleContext {
    /// A catalogue condition: features only.
    Condition,
    /// The whole rule of a requirement: `{ lab = true }` allowed.
    RequirementTop,
    /// Inside another rule.
    Nested,
}

/// Parses a rule table, reporting every problem.
pub fn parse_rule(
    v: &Val<'_>,
    vocab: &Vocabulary,
    rc: RuleContext,
    ctx: &mut Ctx<'_>,
) -> Option<Rule> {
    let mut t = Table::new(v, "a rule", ctx)?;
    let keys: Vec<String> = t_keys(v);
    let heads: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|k| HEADS.contains(k))
        .collect();
    if heads.len() != 1 {
        let help = "a rule has exactly one of `all`, `any`, `not`, `feature`, `property` (with one operator) or `lab`";
        if heads.is_empty() {
            let unknown = keys.first().map(String::as_str).unwrap_or("");
            let hint = if unknown.is_empty() {
                help.to_string()
            } else {
                format!("{help}; {}", suggest(unknown, "rule heads", HEADS))
            };
            ctx.error(Code::RuleHeads, v.span(), "this rule has no head", hint);
        } else {
            ctx.error(
                Code::RuleHeads,
                v.span(),
                format!("this rule has {} heads ({})", heads.len(), heads.join(", ")),
                help,
            );
        }
        return None;
    }
    let rule = match heads[0] {
        "all" | "any" => {
            let key = if heads[0] == "all" { "all" } else { "any" };
            let arr = t.get(key).and_then(|a| as_array(a, key, ctx));
            t.finish(ctx);
            let parts = parse_each(arr?, |e| parse_rule(e, vocab, nested(rc), ctx))?;
            if key == "all" {
                Rule::All(parts)
            } else {
                Rule::Any(parts)
            }
        }
        "not" => {
            let inner = t.get("not");
            t.finish(ctx);
            Rule::Not(Box::new(parse_rule(inner?, vocab, nested(rc), ctx)?))
        }
        "feature" => {
            let name = t.get("feature").and_then(|f| as_string(f, "feature", ctx));
            t.finish(ctx);
            let name = name?;
            Rule::Feature(vocab.resolve_feature(name.get_ref(), name.span(), ctx)?)
        }
        "lab" => {
            let b = t.get("lab").and_then(|b| as_bool(b, "lab", ctx));
            t.finish(ctx);
            let b = b?;
            if !*b.get_ref() {
                ctx.error(
                    Code::RuleForm,
                    b.span(),
                    "`lab = false` means nothing",
                    "write `lab = true`, or remove the rule",
                );
                return None;
            }
            if rc != RuleContext::RequirementTop {
                ctx.error(Code::RuleForm, v.span(), "`{ lab = true }` can only be the whole rule of a requirement", "a lab verdict decides the requirement as a whole; move it to the requirement's `rule`");
                return None;
            }
            Rule::Lab
        }
        _ => {
            if rc == RuleContext::Condition {
                t.get("property");
                ctx.error(
                    Code::RuleForm,
                    v.span(),
                    "a condition can only test features",
                    "use `feature`, `all`, `any` and `not` in conditions",
                );
                return None;
            }
            parse_comparison(v, &mut t, &keys, vocab, ctx)?
        }
    };
    Some(rule)
}

/// Parses every item, so that each bad one is reported; `None` if any failed.
fn parse_each<'a, I, T>(
    items: impl IntoIterator<Item = &'a I>,
    mut parse: impl FnMut(&'a I) -> Option<T>,
) -> Option<Vec<T>>
where
    I: 'a,
{
    let mut out = Vec::new();
    let mut ok = true;
    for item in items {
        match parse(item) {
            Some(x) => out.push(x),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// A flag operand (`present`, `after_evaluation`): only `true` is meaningful, `false` is refused
/// with `help` (negation is spelt `not`).
fn read_true_flag(operand: &Val<'_>, key: &str, help: &str, ctx: &mut Ctx<'_>) -> Option<()> {
    let b = as_bool(operand, key, ctx)?;
    if !*b.get_ref() {
        ctx.error(
            Code::RuleForm,
            b.span(),
            format!("`{key} = false` is not supported"),
            help,
        );
        return None;
    }
    Some(())
}

fn nested(rc: RuleContext) -> RuleContext {
    if rc == RuleContext::Condition {
        rc
    } else {
        RuleContext::Nested
    }
}

fn t_keys(v: &Val<'_>) -> Vec<String> {
    match v.get_ref() {
        DeValue::Table(t) => t.iter().map(|(k, _)| k.get_ref().to_string()).collect(),
        _ => Vec::new(),
    }
}

fn parse_comparison(
    v: &Val<'_>,
    t: &mut Table<'_, '_>,
    keys: &[String],
    vocab: &Vocabulary,
    ctx: &mut Ctx<'_>,
) -> Option<Rule> {
    let name = t
        .get("property")
        .and_then(|p| as_string(p, "property", ctx));
    let ops: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|k| OPS.contains(k))
        .collect();
    let op_key: Option<&'static str> = ops
        .first()
        .and_then(|o| OPS.iter().copied().find(|x| x == o));
    let operand = op_key.and_then(|k| t.get(k));
    if ops.len() != 1 {
        let msg = if ops.is_empty() {
            "this comparison has no operator".to_string()
        } else {
            format!(
                "this comparison has {} operators ({})",
                ops.len(),
                ops.join(", ")
            )
        };
        // Report unknown keys first: a misspelt operator is the likely cause.
        let stray: Vec<&str> = keys
            .iter()
            .map(String::as_str)
            .filter(|k| *k != "property" && !OPS.contains(k))
            .collect();
        // Spellings borrowed from other languages get the exact operator, not a guess.
        let alias = |s: &str| match s {
            "gte" | ">=" => Some("ge"),
            "lte" | "<=" => Some("le"),
            "neq" | "!=" => Some("ne"),
            "equals" | "==" => Some("eq"),
            ">" => Some("gt"),
            "<" => Some("lt"),
            _ => None,
        };
        let help = match stray.first() {
            Some(s) if ops.is_empty() => match alias(s) {
                Some(a) => format!("did you mean `{a}`?"),
                None => suggest(s, "operators", OPS),
            },
            _ => "write exactly one operator, e.g. `{ property = \"tls.min_version\", ge = \"1.2\" }`".to_string(),
        };
        ctx.error(Code::RuleHeads, v.span(), msg, help);
        return None;
    }
    t.finish(ctx);
    let name = name?;
    let pid = vocab.resolve_property(name.get_ref(), name.span(), ctx)?;
    let (op_key, operand) = (op_key?, operand?);
    let prop = vocab.prop(pid);
    let ty = &prop.ty;
    let what = format!(
        "the operand of `{op_key}` on `{}` ({})",
        prop.name,
        ty.name()
    );
    let wrong_op = |ctx: &mut Ctx<'_>, fits: &str| {
        ctx.error(
            Code::RuleType,
            operand.span(),
            format!(
                "operator `{op_key}` does not apply to `{}`, a {} property",
                prop.name,
                ty.name()
            ),
            format!("operators for a {} property: {fits}", ty.name()),
        );
        None
    };
    let fits = ops_for(ty);
    if !fits.contains(&op_key) {
        return wrong_op(ctx, &fits.join(", "));
    }
    let op = match op_key {
        "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
            let val = read_value(operand, ty, &what, ctx)?;
            match op_key {
                "eq" => Op::Eq(val),
                "ne" => Op::Ne(val),
                "lt" => Op::Lt(val),
                "le" => Op::Le(val),
                "gt" => Op::Gt(val),
                _ => Op::Ge(val),
            }
        }
        "in" | "not_in" => {
            let arr = as_array(operand, op_key, ctx)?;
            let vals = parse_each(arr, |e| read_value(e, ty, &what, ctx))?;
            if op_key == "in" {
                Op::In(vals)
            } else {
                Op::NotIn(vals)
            }
        }
        "present" => {
            read_true_flag(
                operand,
                "present",
                "wrap the rule in `not`: `{ not = { property = ..., present = true } }`",
                ctx,
            )?;
            Op::Present
        }
        "after_evaluation" => {
            read_true_flag(operand, "after_evaluation", "wrap the rule in `not`", ctx)?;
            Op::AfterEvaluation
        }
        "at_least_after_evaluation" => {
            let p = read_period(operand, "the period", 100, ctx)?;
            Op::AtLeastAfterEvaluation {
                years: p.years,
                months: p.months,
                days: p.days,
            }
        }
        "subset_of" => {
            let PropertyType::Set(item) = ty else {
                return None;
            };
            let arr = as_array(operand, op_key, ctx)?;
            Op::SubsetOf(read_set(arr, *item, &what, ctx)?)
        }
        "subset_of_property" => {
            let other = as_string(operand, op_key, ctx)?;
            let oid = vocab.resolve_property(other.get_ref(), other.span(), ctx)?;
            if vocab.prop(oid).ty != *ty {
                ctx.error(
                    Code::RuleType,
                    other.span(),
                    format!(
                        "`{}` is a {} property; `{}` is a {}",
                        other.get_ref(),
                        type_desc(&vocab.prop(oid).ty),
                        prop.name,
                        type_desc(ty)
                    ),
                    "compare sets with the same item type",
                );
                return None;
            }
            Op::SubsetOfProperty(oid)
        }
        "contains" => {
            let PropertyType::Set(item) = ty else {
                return None;
            };
            Op::Contains(read_set_item(operand, *item, &what, ctx)?)
        }
        "empty" => Op::Empty(*as_bool(operand, "empty", ctx)?.get_ref()),
        _ => return None,
    };
    Some(Rule::Cmp(pid, op))
}

fn type_desc(ty: &PropertyType) -> String {
    match ty {
        PropertyType::Set(crate::value::SetItem::Int) => "set of integers".into(),
        PropertyType::Set(crate::value::SetItem::String) => "set of strings".into(),
        other => other.name().into(),
    }
}

/// Reads a calendar period `{ years = .., months = .., days = .. }`: positive, at most
/// `max_years` years in total, each part non-negative.
pub(crate) fn read_period(
    v: &Val<'_>,
    what: &str,
    max_years: i64,
    ctx: &mut Ctx<'_>,
) -> Option<super::model::Period> {
    let mut p = Table::new(v, what, ctx)?;
    let years = p.opt_int("years", ctx).map_or(0, |x| *x.get_ref());
    let months = p.opt_int("months", ctx).map_or(0, |x| *x.get_ref());
    let days = p.opt_int("days", ctx).map_or(0, |x| *x.get_ref());
    p.finish(ctx);
    let in_range = years >= 0
        && months >= 0
        && days >= 0
        && years <= max_years
        && months <= max_years * 12
        && days <= max_years * 365;
    if !in_range || years + months + days == 0 {
        ctx.error(
            Code::BadPeriod,
            v.span(),
            format!("{what} must be a positive period of at most {max_years} years"),
            "write e.g. `{ years = 2 }` or `{ months = 6 }` (years, months and days can be combined)",
        );
        return None;
    }
    Some(super::model::Period {
        years,
        months,
        days,
    })
}

/// The operators that fit a property type.
pub fn ops_for(ty: &PropertyType) -> Vec<&'static str> {
    match ty {
        PropertyType::Bool => vec!["eq", "ne", "present"],
        PropertyType::Int { .. } => [ORDERED, &["in", "not_in", "present"]].concat(),
        PropertyType::Enum(_) => vec!["eq", "ne", "in", "not_in", "present"],
        PropertyType::Version => [ORDERED, &["present"]].concat(),
        PropertyType::Date => [
            ORDERED,
            &["present", "at_least_after_evaluation", "after_evaluation"],
        ]
        .concat(),
        PropertyType::Url | PropertyType::Text => vec!["present"],
        PropertyType::Set(_) => vec![
            "subset_of",
            "subset_of_property",
            "contains",
            "empty",
            "present",
        ],
    }
}

impl Rule {
    /// True if the rule compares a date with the evaluation time.
    pub fn uses_evaluation_time(&self) -> bool {
        match self {
            Rule::All(rs) | Rule::Any(rs) => rs.iter().any(Rule::uses_evaluation_time),
            Rule::Not(r) => r.uses_evaluation_time(),
            Rule::Cmp(_, Op::AfterEvaluation | Op::AtLeastAfterEvaluation { .. }) => true,
            Rule::Cmp(..) | Rule::Feature(_) | Rule::Lab => false,
        }
    }

    /// True if the rule holds a threshold: an ordering comparison (`lt`, `le`, `gt`, `ge`) or a
    /// period after the evaluation time. Its number needs a stated basis.
    pub fn has_threshold(&self) -> bool {
        match self {
            Rule::All(rs) | Rule::Any(rs) => rs.iter().any(Rule::has_threshold),
            Rule::Not(r) => r.has_threshold(),
            Rule::Cmp(
                _,
                Op::Lt(_) | Op::Le(_) | Op::Gt(_) | Op::Ge(_) | Op::AtLeastAfterEvaluation { .. },
            ) => true,
            Rule::Cmp(..) | Rule::Feature(_) | Rule::Lab => false,
        }
    }

    /// True if the rule can never hold whatever the profile says (e.g. `in = []`): a tier that
    /// needs it is unreachable.
    pub fn never_holds(&self) -> bool {
        match self {
            Rule::All(rs) => rs.iter().any(Rule::never_holds),
            Rule::Any(rs) => rs.iter().all(Rule::never_holds),
            Rule::Cmp(_, Op::In(vals)) => vals.is_empty(),
            Rule::Not(_) | Rule::Feature(_) | Rule::Lab | Rule::Cmp(..) => false,
        }
    }

    /// Every property the rule reads.
    pub fn properties(&self, out: &mut Vec<PropId>) {
        match self {
            Rule::All(rs) | Rule::Any(rs) => rs.iter().for_each(|r| r.properties(out)),
            Rule::Not(r) => r.properties(out),
            Rule::Cmp(p, op) => {
                out.push(*p);
                if let Op::SubsetOfProperty(q) = op {
                    out.push(*q);
                }
            }
            Rule::Feature(_) | Rule::Lab => {}
        }
    }

    /// Canonical JSON for the criteria digest: names, not indices.
    pub fn to_json(&self, vocab: &Vocabulary) -> serde_json::Value {
        match self {
            Rule::All(rs) => {
                json!({ "all": rs.iter().map(|r| r.to_json(vocab)).collect::<Vec<_>>() })
            }
            Rule::Any(rs) => {
                json!({ "any": rs.iter().map(|r| r.to_json(vocab)).collect::<Vec<_>>() })
            }
            Rule::Not(r) => json!({ "not": r.to_json(vocab) }),
            Rule::Feature(f) => json!({ "feature": vocab.features[usize::from(*f)].name }),
            Rule::Lab => json!({ "lab": true }),
            Rule::Cmp(p, op) => {
                let prop = vocab.prop(*p);
                let ty = &prop.ty;
                let operand = match op {
                    Op::Eq(v)
                    | Op::Ne(v)
                    | Op::Lt(v)
                    | Op::Le(v)
                    | Op::Gt(v)
                    | Op::Ge(v)
                    | Op::SubsetOf(v) => v.to_json(ty),
                    Op::In(vs) | Op::NotIn(vs) => {
                        json!(vs.iter().map(|v| v.to_json(ty)).collect::<Vec<_>>())
                    }
                    Op::Present | Op::AfterEvaluation => json!(true),
                    Op::AtLeastAfterEvaluation {
                        years,
                        months,
                        days,
                    } => json!({ "years": years, "months": months, "days": days }),
                    Op::SubsetOfProperty(q) => json!(vocab.prop(*q).name),
                    Op::Contains(v) => match v {
                        Value::Int(n) => json!(n),
                        Value::Text(s) => json!(s),
                        other => other.to_json(ty),
                    },
                    Op::Empty(b) => json!(b),
                };
                json!({ "property": prop.name, op.name(): operand })
            }
        }
    }
}
