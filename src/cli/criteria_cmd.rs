//! `iotlabel criteria check` and `iotlabel criteria show`.

use std::path::PathBuf;
use std::sync::Arc;

use iotlabel::criteria::rule::{Op, Rule};
use iotlabel::criteria::vocab::Vocabulary;
use iotlabel::criteria::{self, LoadDirError, Requirement, Scheme};
use iotlabel::diag::SourceFile;

use super::{CliError, CriteriaSource, out, print_diagnostics};

#[derive(clap::Args)]
pub struct Args {
    /// Criteria files to check against the base criteria (default: check the base criteria).
    paths: Vec<PathBuf>,
    #[command(flatten)]
    source: CriteriaSource,
}

pub fn run(a: Args) -> Result<(), CliError> {
    let base: Vec<Arc<SourceFile>> = match &a.source.criteria {
        None => criteria::bundled_files(),
        Some(dir) => criteria::read_dir_files(dir)?,
    };
    let mut given = Vec::new();
    for p in &a.paths {
        let t =
            std::fs::read_to_string(p).map_err(|e| LoadDirError::Io(p.display().to_string(), e))?;
        given.push(SourceFile::new(p.display().to_string(), t));
    }
    let count = base.len() + given.len();
    let (set, diags) = criteria::load_overlay(base, given);
    if diags.has_errors() {
        return Err(diags.into());
    }
    // Warnings only: shown, and the check passes.
    if !diags.0.is_empty() {
        print_diagnostics(&diags);
    }
    let mut s = String::new();
    s.push_str(&format!(
        "features:   {}\nproperties: {}\n",
        set.vocab.features.len(),
        set.vocab.properties.len()
    ));
    for c in &set.catalogues {
        s.push_str(&format!(
            "catalogue   {:<28} {:>3} requirements  {}\n",
            c.key(),
            c.requirements.len(),
            c.path
        ));
    }
    for sc in &set.schemes {
        let b = sc.basis_counts();
        s.push_str(&format!(
            "scheme      {:<28} {:>3} requirements, {} tiers, digest {}  {}\n            {:<28} {} confirmed, {} inferred, {} policy threshold(s)\n",
            sc.key(),
            sc.requirements.len(),
            sc.tiers.len(),
            sc.digest_hex(),
            sc.path,
            "",
            b.confirmed,
            b.inferred,
            b.policy
        ));
    }
    s.push_str(&format!("ok: {} file(s), no errors\n", count));
    out(&s);
    Ok(())
}

#[derive(clap::Args)]
pub struct ShowArgs {
    /// The scheme, `id@version` or `id` (the newest version).
    scheme: String,
    /// One requirement id; without it, every requirement of the scheme, one line each.
    requirement: Option<String>,
    #[command(flatten)]
    source: CriteriaSource,
}

pub fn show(a: ShowArgs) -> Result<(), CliError> {
    let set = a.source.load()?;
    let Some(scheme) = set.scheme(&a.scheme) else {
        let known: Vec<String> = set.schemes.iter().map(Scheme::key).collect();
        return Err(CliError::invalid(format!(
            "unknown scheme `{}`\n  help: known schemes: {}",
            a.scheme,
            known.join(", ")
        )));
    };
    let mut s = format!("{} [{}]\n", scheme.name, scheme.key());
    match &a.requirement {
        None => {
            for r in &scheme.requirements {
                let threshold = r
                    .threshold
                    .as_ref()
                    .map(|t| format!(", threshold: {}", t.kind.name()))
                    .unwrap_or_default();
                s.push_str(&format!(
                    "  {:<10} {:<3} basis: {}{threshold}{}  {}\n",
                    r.id,
                    r.status(),
                    r.basis.kind.name(),
                    if r.confirmed { "" } else { " (unconfirmed)" },
                    r.title
                ));
            }
        }
        Some(id) => {
            let Some(r) = scheme.requirements.iter().find(|r| r.id == *id) else {
                return Err(CliError::invalid(format!(
                    "{} has no requirement `{id}`\n  help: {}",
                    scheme.key(),
                    iotlabel::diag::suggest(
                        id,
                        "requirement ids",
                        scheme.requirements.iter().map(|r| r.id.as_str())
                    )
                )));
            };
            s.push_str(&describe(scheme, r, &set.vocab));
        }
    }
    out(&s);
    Ok(())
}

/// One requirement in full.
fn describe(scheme: &Scheme, r: &Requirement, vocab: &Vocabulary) -> String {
    let idx = scheme
        .requirements
        .iter()
        .position(|x| std::ptr::eq(x.as_ref(), r));
    let tiers: Vec<String> = scheme
        .tiers
        .iter()
        .filter_map(|t| {
            let e = t.entries.iter().find(|e| Some(e.req) == idx)?;
            Some(format!("{} ({})", t.name, e.assurance.name()))
        })
        .collect();
    let conditions = if r.conditions.is_empty() {
        "none".to_string()
    } else {
        r.conditions
            .iter()
            .map(|c| {
                format!(
                    "{} \"{}\" (holds when {})",
                    c.id,
                    c.text,
                    rule_words(&c.when, vocab)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let modal = match r.modal {
        criteria::Modal::M => "mandatory",
        criteria::Modal::R => "recommended",
    };
    let mut s = format!("{}  {}\n", r.id, r.title);
    let origin = if r.origin == "scheme" {
        format!("{} (scheme-local)", scheme.key())
    } else {
        r.origin.clone()
    };
    s.push_str(&format!("  from:        {origin}\n"));
    if let Some(c) = &r.clause {
        s.push_str(&format!("  clause:      {c}\n"));
    }
    s.push_str(&format!("  status:      {} ({modal})\n", r.status()));
    s.push_str(&format!("  conditions:  {conditions}\n"));
    s.push_str(&format!("  tiers:       {}\n", tiers.join(", ")));
    s.push_str(&format!("  rule:        {}\n", rule_words(&r.rule, vocab)));
    s.push_str(&format!(
        "  basis:       {} ({})\n  source:      {}\n",
        r.basis.kind.name(),
        r.basis.kind.words(),
        r.basis.source
    ));
    if let Some(t) = &r.threshold {
        s.push_str(&format!(
            "  threshold:   {} ({})\n               {}\n",
            t.kind.name(),
            t.kind.words(),
            t.source
        ));
    }
    s.push_str(&format!(
        "  confirmed:   {}\n",
        if r.confirmed {
            "yes"
        } else {
            "no: the text is not confirmed from the official source"
        }
    ));
    if let Some(p) = &r.split_from {
        s.push_str(&format!(
            "  split from:  {p} (lab results on the whole count here)\n"
        ));
    }
    if !r.aliases.is_empty() {
        s.push_str(&format!("  aliases:     {}\n", r.aliases.join(", ")));
    }
    s.push_str(&format!("  remediation: {}\n", r.remediation));
    s
}

/// A rule in words: "all of: vdp.url is declared; vdp.ack_days is declared".
fn rule_words(rule: &Rule, vocab: &Vocabulary) -> String {
    let list = |rs: &[Rule]| {
        rs.iter()
            .map(|r| rule_words(r, vocab))
            .collect::<Vec<_>>()
            .join("; ")
    };
    match rule {
        Rule::All(rs) => format!("all of ({})", list(rs)),
        Rule::Any(rs) => format!("any of ({})", list(rs)),
        Rule::Not(r) => format!("not ({})", rule_words(r, vocab)),
        Rule::Feature(f) => format!("feature {} is true", vocab.features[usize::from(*f)].name),
        Rule::Lab => "only a recorded lab or reviewer verdict decides it".to_string(),
        Rule::Cmp(p, op) => {
            let prop = vocab.prop(*p);
            let v = |x: &iotlabel::value::Value| x.display(&prop.ty);
            let n = &prop.name;
            match op {
                Op::Eq(x) => format!("{n} = {}", v(x)),
                Op::Ne(x) => format!("{n} is not {}", v(x)),
                Op::Lt(x) => format!("{n} < {}", v(x)),
                Op::Le(x) => format!("{n} <= {}", v(x)),
                Op::Gt(x) => format!("{n} > {}", v(x)),
                Op::Ge(x) => format!("{n} >= {}", v(x)),
                Op::In(xs) => format!(
                    "{n} is one of {}",
                    xs.iter().map(v).collect::<Vec<_>>().join(", ")
                ),
                Op::NotIn(xs) => format!(
                    "{n} is none of {}",
                    xs.iter().map(v).collect::<Vec<_>>().join(", ")
                ),
                Op::Present => format!("{n} is declared"),
                Op::AtLeastAfterEvaluation {
                    years,
                    months,
                    days,
                } => format!(
                    "{n} is at least {years} year(s) {months} month(s) {days} day(s) after the evaluation"
                ),
                Op::AfterEvaluation => format!("{n} is after the evaluation"),
                Op::SubsetOf(x) => format!("every item of {n} is in {}", v(x)),
                Op::SubsetOfProperty(q) => {
                    format!("every item of {n} is in {}", vocab.prop(*q).name)
                }
                Op::Contains(x) => format!("{n} contains {}", v(x)),
                Op::Empty(b) => format!("{n} is {}empty", if *b { "" } else { "not " }),
            }
        }
    }
}
