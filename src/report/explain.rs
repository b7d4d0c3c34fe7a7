//! Plain-words explanations of a verdict: which condition removed a requirement, which declared
//! value failed which comparison, which properties are missing.

use jiff::Timestamp;

use crate::criteria::model::Requirement;
use crate::criteria::rule::{Op, Rule};
use crate::criteria::vocab::Vocabulary;
use crate::evaluate::{Basis, ReqResult, Tri, eval_rule};
use crate::profile::{Method, Profile, Verdict};
use crate::time::{add_period, format_ts};
use crate::value::{PropertyType, Value};

/// One sentence (or a few, joined by "; ") on why a requirement got its verdict.
pub fn detail(
    req: &Requirement,
    r: &ReqResult,
    p: &Profile,
    vocab: &Vocabulary,
    at: Timestamp,
    cutoff: Option<Timestamp>,
) -> String {
    let base = match r.basis {
        Basis::Condition(i) => req
            .conditions
            .get(i)
            .map(|c| format!("not applicable: condition {} (\"{}\") is false for this device", c.id, c.text))
            .unwrap_or_default(),
        Basis::Justified => format!(
            "claimed not applicable: {}",
            p.not_applicable.get(&req.id).or_else(|| req.aliases.iter().find_map(|a| p.not_applicable.get(a))).map_or("", |c| c.justification.as_str())
        ),
        Basis::Unjustified => "claimed not applicable without a justification".to_string(),
        Basis::NaOnMandatory => "claimed not applicable, but a mandatory provision applies unless its conditions rule it out".to_string(),
        Basis::Lab => {
            let tests: Vec<String> = p
                .tested
                .iter()
                .filter(|t| req.answers_to(&t.requirement) && cutoff.is_none_or(|c| t.date.at >= c))
                .map(|t| {
                    let method = match t.method {
                        Method::Conceptual => "conceptual",
                        Method::Functional => "functional",
                    };
                    let verdict = match t.verdict {
                        Verdict::Pass => "PASS",
                        Verdict::Fail => "FAIL",
                        Verdict::Inconclusive => "INCONCLUSIVE",
                    };
                    let case = t.test_case.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
                    // A result on the whole provision this part was split from: say so, since a
                    // FAIL on the whole does not say which part failed.
                    let whole = if req.is_split_parent(&t.requirement) {
                        let which = if t.verdict == Verdict::Pass { "" } else { "; it does not say which part failed" };
                        format!(" recorded against {} as a whole{which}", t.requirement)
                    } else {
                        String::new()
                    };
                    format!("lab {}{case}: {verdict} ({method}, {}){whole}", t.lab, t.date.display())
                })
                .collect();
            let mut s = tests.join("; ");
            if r.outcome == crate::evaluate::Outcome::Contradicted {
                s = format!("declared met, but {s}");
            }
            s
        }
        Basis::Rule => {
            if eval_rule(&req.rule, p, at) == Tri::True {
                let mut props = Vec::new();
                req.rule.properties(&mut props);
                props.sort_unstable();
                props.dedup();
                let parts: Vec<String> = props
                    .iter()
                    .filter_map(|id| {
                        let d = p.declared.get(usize::from(*id))?.as_ref()?;
                        let prop = vocab.prop(*id);
                        Some(format!("{} = {}", prop.name, d.value.display(&prop.ty)))
                    })
                    .collect();
                let mut features = Vec::new();
                rule_features(&req.rule, &mut features);
                features.sort_unstable();
                features.dedup();
                let fparts: Vec<String> = features
                    .iter()
                    .filter_map(|f| {
                        let v = p.features.get(usize::from(*f)).copied().flatten()?;
                        Some(format!("{} = {v}", vocab.features[usize::from(*f)].name))
                    })
                    .collect();
                match (parts.is_empty(), fparts.is_empty()) {
                    (false, true) => format!("declared: {}", parts.join(", ")),
                    (true, false) => format!("holds by the stated features: {}", fparts.join(", ")),
                    _ => format!("declared: {}; features: {}", parts.join(", "), fparts.join(", ")),
                }
            } else {
                let mut out = Vec::new();
                explain_false(&req.rule, p, vocab, at, &mut out);
                out.join("; ")
            }
        }
        Basis::Missing => {
            let mut props = Vec::new();
            req.rule.properties(&mut props);
            props.sort_unstable();
            props.dedup();
            let missing: Vec<&str> = props
                .iter()
                .filter(|id| p.declared.get(usize::from(**id)).is_none_or(Option::is_none))
                .map(|id| vocab.prop(*id).name.as_str())
                .collect();
            format!("not declared: {}", missing.join(", "))
        }
        Basis::LabOnly => "only a lab verdict decides this; none is recorded".to_string(),
        Basis::StaleLab => String::new(),
        // Needs the scheme's arrangement: written by the report itself.
        Basis::Recognised(..) => String::new(),
    };
    // Lab verdicts older than the scheme accepts were ignored: say so, with their dates.
    match stale_note(req, p, cutoff) {
        None => base,
        Some(note) if base.is_empty() => note,
        Some(note) => format!("{base}; {note}"),
    }
}

/// The lab verdicts on `req` that `cutoff` set aside, with their dates; `None` if there are none.
fn stale_note(req: &Requirement, p: &Profile, cutoff: Option<Timestamp>) -> Option<String> {
    let stale: Vec<String> = p
        .tested
        .iter()
        .filter(|t| req.answers_to(&t.requirement) && cutoff.is_some_and(|c| t.date.at < c))
        .map(|t| {
            format!(
                "lab {} {} of {}",
                t.lab,
                verdict_word(t.verdict),
                t.date.display()
            )
        })
        .collect();
    if stale.is_empty() {
        return None;
    }
    Some(format!(
        "ignored as older than the scheme accepts (before {}): {}",
        cutoff.map(format_ts).unwrap_or_default(),
        stale.join(", ")
    ))
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Inconclusive => "INCONCLUSIVE",
    }
}

fn rule_features(rule: &Rule, out: &mut Vec<crate::criteria::vocab::FeatureId>) {
    match rule {
        Rule::All(rs) | Rule::Any(rs) => rs.iter().for_each(|r| rule_features(r, out)),
        Rule::Not(r) => rule_features(r, out),
        Rule::Feature(f) => out.push(*f),
        Rule::Cmp(..) | Rule::Lab => {}
    }
}

/// Evidence links of the declarations a rule reads.
pub fn evidence(req: &Requirement, p: &Profile) -> Vec<String> {
    let mut props = Vec::new();
    req.rule.properties(&mut props);
    props.sort_unstable();
    props.dedup();
    let mut out: Vec<String> = props
        .iter()
        .filter_map(|id| p.declared.get(usize::from(*id))?.as_ref()?.evidence.clone())
        .collect();
    out.dedup();
    out
}

fn explain_false(
    rule: &Rule,
    p: &Profile,
    vocab: &Vocabulary,
    at: Timestamp,
    out: &mut Vec<String>,
) {
    match rule {
        Rule::All(rs) => {
            for r in rs {
                if eval_rule(r, p, at) == Tri::False {
                    explain_false(r, p, vocab, at, out);
                }
            }
        }
        Rule::Any(rs) => {
            let mut parts = Vec::new();
            for r in rs {
                explain_false(r, p, vocab, at, &mut parts);
            }
            out.push(format!("none of: {}", parts.join(" / ")));
        }
        Rule::Not(r) => out.push(format!("must not hold: {}", describe(r, vocab, at))),
        Rule::Feature(f) => out.push(format!(
            "feature {} is false",
            vocab.features[usize::from(*f)].name
        )),
        Rule::Lab => {}
        Rule::Cmp(prop, op) => {
            let pr = vocab.prop(*prop);
            let actual = p
                .declared
                .get(usize::from(*prop))
                .and_then(Option::as_ref)
                .map_or("not declared".to_string(), |d| d.value.display(&pr.ty));
            out.push(format!(
                "{} is {actual}; required {}",
                pr.name,
                op_words(op, &pr.ty, vocab, at)
            ));
        }
    }
}

fn describe(rule: &Rule, vocab: &Vocabulary, at: Timestamp) -> String {
    match rule {
        Rule::All(rs) => rs
            .iter()
            .map(|r| describe(r, vocab, at))
            .collect::<Vec<_>>()
            .join(" and "),
        Rule::Any(rs) => rs
            .iter()
            .map(|r| describe(r, vocab, at))
            .collect::<Vec<_>>()
            .join(" or "),
        Rule::Not(r) => format!("not ({})", describe(r, vocab, at)),
        Rule::Feature(f) => vocab.features[usize::from(*f)].name.clone(),
        Rule::Lab => "a lab verdict".to_string(),
        Rule::Cmp(prop, op) => {
            let pr = vocab.prop(*prop);
            format!("{} {}", pr.name, op_words(op, &pr.ty, vocab, at))
        }
    }
}

fn op_words(op: &Op, ty: &PropertyType, vocab: &Vocabulary, at: Timestamp) -> String {
    let v = |x: &Value| x.display(ty);
    let list = |xs: &[Value]| {
        xs.iter()
            .map(|x| x.display(ty))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match op {
        Op::Eq(x) => format!("= {}", v(x)),
        Op::Ne(x) => format!("≠ {}", v(x)),
        Op::Lt(x) => format!("< {}", v(x)),
        Op::Le(x) => format!("≤ {}", v(x)),
        Op::Gt(x) => format!("> {}", v(x)),
        Op::Ge(x) => format!("≥ {}", v(x)),
        Op::In(xs) => format!("one of {}", list(xs)),
        Op::NotIn(xs) => format!("none of {}", list(xs)),
        Op::Present => "to be declared".to_string(),
        Op::AfterEvaluation => format!("after the evaluation time ({})", format_ts(at)),
        Op::AtLeastAfterEvaluation {
            years,
            months,
            days,
        } => {
            let mut parts = Vec::new();
            if *years > 0 {
                parts.push(format!("{years} year(s)"));
            }
            if *months > 0 {
                parts.push(format!("{months} month(s)"));
            }
            if *days > 0 {
                parts.push(format!("{days} day(s)"));
            }
            let limit = add_period(at, *years, *months, *days)
                .map(format_ts)
                .unwrap_or_default();
            format!(
                "at least {} after the evaluation (on or after {limit})",
                parts.join(" ")
            )
        }
        Op::SubsetOf(x) => format!("within {}", v(x)),
        Op::SubsetOfProperty(q) => format!("within {}", vocab.prop(*q).name),
        Op::Contains(x) => format!(
            "to contain {}",
            match x {
                Value::Int(n) => n.to_string(),
                Value::Text(t) => t.clone(),
                other => other.display(ty),
            }
        ),
        Op::Empty(true) => "empty".to_string(),
        Op::Empty(false) => "not empty".to_string(),
    }
}
