//! Three-valued evaluation of rules over a profile.

use jiff::Timestamp;

use crate::criteria::rule::{Op, Rule};
use crate::profile::Profile;
use crate::time::add_period;
use crate::value::{Value, compare};

/// A rule's truth value: an undeclared property makes a comparison unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tri {
    /// Does not hold.
    False,
    /// Cannot be decided from the profile.
    Unknown,
    /// Holds.
    True,
}

impl From<bool> for Tri {
    fn from(b: bool) -> Self {
        if b { Tri::True } else { Tri::False }
    }
}

/// Evaluates a rule. `{ lab = true }` is unknown: declarations never decide it.
pub fn eval_rule(rule: &Rule, p: &Profile, at: Timestamp) -> Tri {
    match rule {
        Rule::All(rs) => {
            let mut acc = Tri::True;
            for r in rs {
                match eval_rule(r, p, at) {
                    Tri::False => return Tri::False,
                    Tri::Unknown => acc = Tri::Unknown,
                    Tri::True => {}
                }
            }
            acc
        }
        Rule::Any(rs) => {
            let mut acc = Tri::False;
            for r in rs {
                match eval_rule(r, p, at) {
                    Tri::True => return Tri::True,
                    Tri::Unknown => acc = Tri::Unknown,
                    Tri::False => {}
                }
            }
            acc
        }
        Rule::Not(r) => match eval_rule(r, p, at) {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        },
        Rule::Feature(f) => match p.features.get(usize::from(*f)).copied().flatten() {
            Some(b) => b.into(),
            None => Tri::Unknown,
        },
        Rule::Lab => Tri::Unknown,
        Rule::Cmp(prop, op) => {
            let value = p
                .declared
                .get(usize::from(*prop))
                .and_then(Option::as_ref)
                .map(|d| &d.value);
            // Undeclared is unknown for every operator, `present` included: a missing declaration
            // is missing evidence (NOT ASSESSED), not evidence of absence.
            match (op, value) {
                (_, None) => Tri::Unknown,
                (op, Some(v)) => eval_op(op, v, p, at),
            }
        }
    }
}

fn eval_op(op: &Op, v: &Value, p: &Profile, at: Timestamp) -> Tri {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let cmp = |x: &Value| compare(v, x);
    let b = match op {
        Op::Eq(x) => v == x || cmp(x) == Some(Equal),
        Op::Ne(x) => !(v == x || cmp(x) == Some(Equal)),
        Op::Lt(x) => cmp(x) == Some(Less),
        Op::Le(x) => matches!(cmp(x), Some(Less | Equal)),
        Op::Gt(x) => cmp(x) == Some(Greater),
        Op::Ge(x) => matches!(cmp(x), Some(Greater | Equal)),
        Op::In(xs) => xs.iter().any(|x| x == v),
        Op::NotIn(xs) => !xs.iter().any(|x| x == v),
        Op::Present => true,
        Op::AfterEvaluation => matches!(v, Value::Date(d) if d.at > at),
        Op::AtLeastAfterEvaluation {
            years,
            months,
            days,
        } => match (v, add_period(at, *years, *months, *days)) {
            (Value::Date(d), Some(limit)) => d.at >= limit,
            _ => false,
        },
        Op::SubsetOf(set) => subset(v, set),
        Op::SubsetOfProperty(q) => match p.declared.get(usize::from(*q)).and_then(Option::as_ref) {
            Some(other) => subset(v, &other.value),
            None => return Tri::Unknown,
        },
        Op::Contains(item) => match (v, item) {
            (Value::IntSet(s), Value::Int(n)) => s.binary_search(n).is_ok(),
            (Value::StrSet(s), Value::Text(t)) => s.binary_search(t).is_ok(),
            _ => false,
        },
        Op::Empty(want) => match v {
            Value::IntSet(s) => s.is_empty() == *want,
            Value::StrSet(s) => s.is_empty() == *want,
            _ => false,
        },
    };
    b.into()
}

fn subset(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::IntSet(x), Value::IntSet(y)) => x.iter().all(|i| y.binary_search(i).is_ok()),
        (Value::StrSet(x), Value::StrSet(y)) => x.iter().all(|i| y.binary_search(i).is_ok()),
        _ => false,
    }
}
