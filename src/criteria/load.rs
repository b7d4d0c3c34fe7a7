//! Loading: raw spanned TOML -> validated [`CriteriaSet`], collecting every problem.
//!
//! Files are recognised by their top-level table (`feature`, `property`, `catalogue`,
//! `scheme`), not by their path, so `iotlabel criteria check some/file.toml` works on a file
//! anywhere. The vocabulary is read first, then catalogues, then schemes.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;
use toml::de::DeValue;

use super::digest::scheme_digest;
use super::model::{
    AssessmentMethod, Assurance, BasisKind, Catalogue, Condition, CriteriaSet, Grants, Modal,
    Recognition, Requirement, RuleBasis, Scheme, SchemeKind, Tier, TierDisplay, TierEntry,
    Validity,
};
use super::rule::{RuleContext, parse_rule};
use super::vocab::Vocabulary;
use crate::diag::{Code, Diagnostic, Diagnostics, SourceFile, suggest};
use crate::toml_read::{Ctx, Table, Val, as_array, as_string, parse_document};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Features,
    Properties,
    Catalogue,
    Scheme,
    Recognition,
}

fn kind_of(doc: &Val<'_>) -> Option<Kind> {
    let DeValue::Table(t) = doc.get_ref() else {
        return None;
    };
    let has = |k: &str| t.iter().any(|(key, _)| key.get_ref().as_ref() == k);
    if has("scheme") {
        Some(Kind::Scheme)
    } else if has("catalogue") {
        Some(Kind::Catalogue)
    } else if has("feature") {
        Some(Kind::Features)
    } else if has("property") {
        Some(Kind::Properties)
    } else if has("recognition") {
        Some(Kind::Recognition)
    } else {
        None
    }
}

/// What a criteria file defines: `features`, `properties`, `catalogue:id@version` or
/// `scheme:id@version`; `None` if it cannot be told (it will fail to load anyway).
pub fn identity(file: &SourceFile) -> Option<String> {
    let doc = toml::de::DeTable::parse(&file.text).ok()?;
    let doc: Val<'_> = Spanned::new(doc.span(), DeValue::Table(doc.into_inner()));
    let kind = kind_of(&doc)?;
    let key = |head: &str| -> Option<String> {
        let DeValue::Table(t) = doc.get_ref() else {
            return None;
        };
        let (_, h) = t.iter().find(|(k, _)| k.get_ref().as_ref() == head)?;
        let DeValue::Table(h) = h.get_ref() else {
            return None;
        };
        let field = |name: &str| {
            h.iter()
                .find(|(k, _)| k.get_ref().as_ref() == name)
                .map(|(_, v)| match v.get_ref() {
                    DeValue::String(s) => s.to_string(),
                    DeValue::Integer(i) => i.as_str().to_string(),
                    _ => String::new(),
                })
        };
        Some(format!("{head}:{}@{}", field("id")?, field("version")?))
    };
    match kind {
        Kind::Features => Some("features".into()),
        Kind::Properties => Some("properties".into()),
        Kind::Catalogue => key("catalogue"),
        Kind::Scheme => key("scheme"),
        Kind::Recognition => Some("recognition".into()),
    }
}

/// Loads a set of criteria files. The set is usable only if the diagnostics hold no error.
pub fn load_files(files: &[Arc<SourceFile>]) -> (CriteriaSet, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut parsed = Vec::new();
    for f in files {
        if let Some(doc) = parse_document(f, &mut diags) {
            let doc: Val<'_> = Spanned::new(doc.span(), DeValue::Table(doc.into_inner()));
            match kind_of(&doc) {
                Some(k) => parsed.push((k, f, doc)),
                None => diags.push(
                    Diagnostic::error(Code::NotCriteria, f, 0..0, "not a criteria file: it has no [feature], [property], [catalogue], [scheme] or [[recognition]] table")
                        .with_help("see criteria/README.md for the kinds of criteria file"),
                ),
            }
        }
    }
    parsed.sort_by_key(|(k, _, _)| *k);

    let mut set = CriteriaSet::default();
    let mut vocab = Vocabulary::default();
    for (kind, file, doc) in &parsed {
        let mut ctx = Ctx {
            file,
            diags: &mut diags,
        };
        match kind {
            Kind::Features => vocab.read_features(doc, &mut ctx),
            Kind::Properties => vocab.read_properties(doc, &mut ctx),
            _ => {}
        }
    }
    set.vocab = vocab;
    let mut cat_spans: HashMap<String, ()> = HashMap::new();
    for (kind, file, doc) in &parsed {
        if *kind != Kind::Catalogue {
            continue;
        }
        let mut ctx = Ctx {
            file,
            diags: &mut diags,
        };
        if let Some((cat, span)) = read_catalogue(doc, &set.vocab, &file.path, &mut ctx) {
            if cat_spans.insert(cat.key(), ()).is_some() {
                ctx.error(
                    Code::DefinedInTwoFiles,
                    span,
                    format!("catalogue `{}` is defined in more than one file", cat.key()),
                    "keep one file per catalogue version",
                );
            } else {
                set.catalogues.push(Arc::new(cat));
            }
        }
    }
    for (kind, file, doc) in &parsed {
        if *kind != Kind::Scheme {
            continue;
        }
        let mut ctx = Ctx {
            file,
            diags: &mut diags,
        };
        if let Some((scheme, span)) = read_scheme(doc, &set, &file.path, &mut ctx) {
            if set.schemes.iter().any(|s| s.key() == scheme.key()) {
                ctx.error(
                    Code::DefinedInTwoFiles,
                    span,
                    format!("scheme `{}` is defined in more than one file", scheme.key()),
                    "give the new file another version",
                );
            } else {
                set.schemes.push(scheme);
            }
        }
    }
    check_successors(&set, &parsed, &mut diags);
    for (kind, file, doc) in &parsed {
        if *kind != Kind::Recognition {
            continue;
        }
        let mut ctx = Ctx {
            file,
            diags: &mut diags,
        };
        read_recognitions(doc, &mut set, &mut ctx);
    }
    // Recognitions change what a scheme's tiers mean, so the digest covers them: computed last.
    for i in 0..set.schemes.len() {
        set.schemes[i].digest = scheme_digest(&set.schemes[i], &set.vocab);
    }
    set.schemes
        .sort_by(|a, b| (a.id.as_str(), a.version).cmp(&(b.id.as_str(), b.version)));
    diags.sort();
    (set, diags)
}

/// Every `successor` names a loaded scheme version.
fn check_successors(
    set: &CriteriaSet,
    parsed: &[(Kind, &Arc<SourceFile>, Val<'_>)],
    diags: &mut Diagnostics,
) {
    for s in &set.schemes {
        let Some(succ) = &s.lifecycle.successor else {
            continue;
        };
        if set.schemes.iter().any(|x| x.key() == *succ) {
            continue;
        }
        if let Some((_, file, _)) = parsed.iter().find(|(_, f, _)| f.path == s.path) {
            let at = file.text.find("successor").unwrap_or(0);
            let known: Vec<String> = set.schemes.iter().map(|x| x.key()).collect();
            diags.push(
                Diagnostic::error(
                    Code::UnknownScheme,
                    file,
                    at..at + "successor".len(),
                    format!("unknown successor scheme `{succ}`"),
                )
                .with_help(suggest(
                    succ,
                    "schemes",
                    known.iter().map(String::as_str),
                )),
            );
        }
    }
}

fn read_recognitions(doc: &Val<'_>, set: &mut CriteriaSet, ctx: &mut Ctx<'_>) {
    let Some(mut top) = Table::new(doc, "the recognition file", ctx) else {
        return;
    };
    let arr = top
        .get("recognition")
        .and_then(|v| as_array(v, "recognition", ctx));
    top.finish(ctx);
    let Some(arr) = arr else { return };
    let mut ids: Vec<String> = Vec::new();
    for v in arr {
        let Some(mut t) = Table::new(v, "a [[recognition]]", ctx) else {
            continue;
        };
        let id = t.req_str("id", ctx);
        let from = t.req_str("from", ctx);
        let name = t.req_str("name", ctx);
        let scheme = t.req_str("scheme", ctx);
        let tier = t.opt_str("tier", ctx);
        let reqs = t.opt_str_array("requirements", ctx);
        let source = t.req_str("source", ctx);
        let effective_until = read_date(
            &mut t,
            "effective_until",
            "write the date the arrangement ends, e.g. 2027-12-31",
            ctx,
        );
        let mut excluded_categories = Vec::new();
        for c in t
            .opt_str_array("excluded_categories", ctx)
            .unwrap_or_default()
        {
            if crate::profile::CATEGORIES.contains(&c.get_ref().as_str()) {
                excluded_categories.push(c.into_inner());
            } else {
                ctx.error(
                    Code::UnknownCategory,
                    c.span(),
                    format!("unknown product category `{}`", c.get_ref()),
                    suggest(c.get_ref(), "categories", crate::profile::CATEGORIES),
                );
            }
        }
        let effective_from = read_date(
            &mut t,
            "effective_from",
            "write the date the arrangement takes effect, e.g. 2026-01-01",
            ctx,
        );
        let span = t.span.clone();
        t.finish(ctx);
        let (Some(id), Some(from), Some(name), Some(scheme), Some(source)) =
            (id, from, name, scheme, source)
        else {
            continue;
        };
        if ids.contains(id.get_ref()) {
            ctx.error(
                Code::DuplicateId,
                id.span(),
                format!("duplicate recognition id `{}`", id.get_ref()),
                "recognition ids must be unique",
            );
            continue;
        }
        ids.push(id.get_ref().clone());
        let Some(si) = set
            .schemes
            .iter()
            .position(|s| s.key() == *scheme.get_ref())
        else {
            let known: Vec<String> = set.schemes.iter().map(|s| s.key()).collect();
            ctx.error(
                Code::UnknownScheme,
                scheme.span(),
                format!("unknown scheme `{}`", scheme.get_ref()),
                suggest(
                    scheme.get_ref(),
                    "schemes",
                    known.iter().map(String::as_str),
                ),
            );
            continue;
        };
        let target = &set.schemes[si];
        let grants = match (tier, reqs) {
            (Some(tier), None) => match target.tiers.iter().position(|t| t.id == *tier.get_ref()) {
                Some(ti) => Grants::Tier(ti),
                None => {
                    ctx.error(
                        Code::UnknownTier,
                        tier.span(),
                        format!("scheme `{}` has no tier `{}`", target.key(), tier.get_ref()),
                        suggest(
                            tier.get_ref(),
                            "tiers",
                            target.tiers.iter().map(|t| t.id.as_str()),
                        ),
                    );
                    continue;
                }
            },
            (None, Some(reqs)) if !reqs.is_empty() => {
                let mut idx = Vec::new();
                for r in &reqs {
                    match target
                        .requirements
                        .iter()
                        .position(|q| q.id == *r.get_ref())
                    {
                        Some(i) => idx.push(i),
                        None => ctx.error(
                            Code::UnknownRequirement,
                            r.span(),
                            format!(
                                "scheme `{}` has no requirement `{}`",
                                target.key(),
                                r.get_ref()
                            ),
                            suggest(
                                r.get_ref(),
                                "requirement ids",
                                target.requirements.iter().map(|q| q.id.as_str()),
                            ),
                        ),
                    }
                }
                if idx.len() != reqs.len() {
                    continue;
                }
                Grants::Requirements(idx)
            }
            _ => {
                ctx.error(
                    Code::RecognitionGrant,
                    span,
                    "a recognition grants either a `tier` or a non-empty `requirements` list",
                    "write `tier = \"level-2\"` or `requirements = [\"S1.1-02\"]`, not both",
                );
                continue;
            }
        };
        set.schemes[si].recognitions.push(Recognition {
            id: id.into_inner(),
            from: from.into_inner(),
            name: name.into_inner(),
            grants,
            source: source.into_inner(),
            effective_from,
            effective_until,
            excluded_categories,
        });
    }
}

fn read_conditions(
    top: &mut Table<'_, '_>,
    vocab: &Vocabulary,
    ctx: &mut Ctx<'_>,
) -> Vec<Arc<Condition>> {
    let mut out = Vec::new();
    let Some(cs) = top.get("condition") else {
        return out;
    };
    let Some(mut cs) = Table::new(cs, "[condition]", ctx) else {
        return out;
    };
    for (k, v) in cs.entries() {
        let id = k.get_ref().to_string();
        let Some(mut t) = Table::new(v, &format!("condition `{id}`"), ctx) else {
            continue;
        };
        let text = t
            .req_str("text", ctx)
            .map(|s| s.into_inner())
            .unwrap_or_default();
        let when = t
            .required("when", ctx)
            .and_then(|w| parse_rule(w, vocab, RuleContext::Condition, ctx));
        t.finish(ctx);
        if let Some(when) = when {
            out.push(Arc::new(Condition { id, text, when }));
        }
    }
    out
}

/// A basis: `basis` (kind) and `basis_source` keys of a requirement, or a `{ basis, source }`
/// table (`threshold`).
fn read_basis_kind(v: &Spanned<String>, ctx: &mut Ctx<'_>) -> Option<BasisKind> {
    let k = BasisKind::parse(v.get_ref());
    if k.is_none() {
        ctx.error(
            Code::UnknownWord,
            v.span(),
            format!("unknown basis `{}`", v.get_ref()),
            suggest(
                v.get_ref(),
                "bases",
                ["standard", "scheme", "inferred", "policy"],
            ),
        );
    }
    k
}

fn read_threshold(v: &Val<'_>, ctx: &mut Ctx<'_>) -> Option<RuleBasis> {
    let mut t = Table::new(v, "threshold", ctx)?;
    let kind = t.req_str("basis", ctx);
    let source = t.req_str("source", ctx);
    t.finish(ctx);
    Some(RuleBasis {
        kind: read_basis_kind(&kind?, ctx)?,
        source: source?.into_inner(),
    })
}

fn read_requirements(
    top: &mut Table<'_, '_>,
    origin: &str,
    default_basis: &RuleBasis,
    conditions: &[Arc<Condition>],
    vocab: &Vocabulary,
    ctx: &mut Ctx<'_>,
) -> Vec<(Range<usize>, Arc<Requirement>)> {
    let mut out: Vec<(Range<usize>, Arc<Requirement>)> = Vec::new();
    let Some(rs) = top.get("requirement") else {
        return out;
    };
    let Some(arr) = as_array(rs, "requirement", ctx) else {
        return out;
    };
    for v in arr {
        let Some(mut t) = Table::new(v, "a [[requirement]]", ctx) else {
            continue;
        };
        let id = t.req_str("id", ctx);
        let clause = t.opt_str("clause", ctx).map(|s| s.into_inner());
        let title = t.req_str("title", ctx).map(|s| s.into_inner());
        let status = t.req_str("status", ctx);
        let conds = t.opt_str_array("conditions", ctx).unwrap_or_default();
        let remediation = t.req_str("remediation", ctx).map(|s| s.into_inner());
        let confirmed = t.opt_bool("confirmed", ctx).is_none_or(|b| *b.get_ref());
        let aliases: Vec<String> = t
            .opt_str_array("aliases", ctx)
            .unwrap_or_default()
            .into_iter()
            .map(|a| a.into_inner())
            .collect();
        let split_from = t.opt_str("split_from", ctx).map(|s| s.into_inner());
        let basis_kind = t
            .opt_str("basis", ctx)
            .map(|b| read_basis_kind(&b, ctx).unwrap_or(default_basis.kind));
        let basis_source = t.opt_str("basis_source", ctx).map(|s| s.into_inner());
        let basis = RuleBasis {
            kind: basis_kind.unwrap_or(default_basis.kind),
            source: basis_source.unwrap_or_else(|| default_basis.source.clone()),
        };
        let threshold = t.get("threshold").and_then(|v| read_threshold(v, ctx));
        let rule_span = t.get("rule").map(|r| r.span());
        let mut assessment = Vec::new();
        for a in t.opt_str_array("assessment", ctx).unwrap_or_default() {
            match a.get_ref().as_str() {
                "document-review" => assessment.push(AssessmentMethod::DocumentReview),
                "device-test" => assessment.push(AssessmentMethod::DeviceTest),
                other => ctx.error(
                    Code::UnknownWord,
                    a.span(),
                    format!("unknown assessment method `{other}`"),
                    "use \"document-review\" and/or \"device-test\"",
                ),
            }
        }
        let rule = t
            .required("rule", ctx)
            .and_then(|r| parse_rule(r, vocab, RuleContext::RequirementTop, ctx));
        t.finish(ctx);
        // A number in a rule ("within 30 days") is someone's choice: say whose.
        if let (Some(r), Some(span), None) = (&rule, &rule_span, &threshold)
            && r.has_threshold()
        {
            ctx.error(
                Code::ThresholdWithoutBasis,
                span.clone(),
                "the rule has a threshold without a basis",
                "add `threshold = { basis = \"policy\", source = \"...\" }` (standard, scheme, inferred or policy) saying where the number comes from",
            );
        }
        let modal = status.as_ref().and_then(|s| match s.get_ref().as_str() {
            "M" => Some(Modal::M),
            "R" => Some(Modal::R),
            other => {
                let help = if other == "MC" || other == "RC" {
                    "write the modal (M or R) in `status` and list the conditions in `conditions`"
                        .to_string()
                } else {
                    "status is `M` (shall) or `R` (should)".to_string()
                };
                ctx.error(
                    Code::UnknownWord,
                    s.span(),
                    format!("unknown status `{other}`"),
                    help,
                );
                None
            }
        });
        let mut resolved = Vec::new();
        for c in &conds {
            match conditions.iter().find(|x| x.id == *c.get_ref()) {
                Some(x) => resolved.push(Arc::clone(x)),
                None => ctx.error(
                    Code::UnknownCondition,
                    c.span(),
                    format!("unknown condition `{}`", c.get_ref()),
                    suggest(
                        c.get_ref(),
                        "conditions",
                        conditions.iter().map(|x| x.id.as_str()),
                    ),
                ),
            }
        }
        let Some(id) = id else { continue };
        if let Some((first, _)) = out.iter().find(|(_, r)| r.id == *id.get_ref()) {
            let (line, _) = ctx.file.line_col(first.start);
            ctx.error(
                Code::DuplicateId,
                id.span(),
                format!("duplicate requirement id `{}`", id.get_ref()),
                format!("the first definition is on line {line}; ids must be unique"),
            );
            continue;
        }
        if resolved.len() != conds.len() {
            continue;
        }
        let (Some(title), Some(modal), Some(remediation), Some(rule)) =
            (title, modal, remediation, rule)
        else {
            continue;
        };
        out.push((
            id.span(),
            Arc::new(Requirement {
                origin: origin.to_string(),
                id: id.into_inner(),
                clause,
                title,
                modal,
                conditions: resolved,
                remediation,
                rule,
                confirmed,
                assessment,
                aliases,
                split_from,
                basis,
                threshold,
            }),
        ));
    }
    out
}

fn read_catalogue(
    doc: &Val<'_>,
    vocab: &Vocabulary,
    path: &str,
    ctx: &mut Ctx<'_>,
) -> Option<(Catalogue, Range<usize>)> {
    let mut top = Table::new(doc, "the catalogue file", ctx)?;
    let head = top
        .get("catalogue")
        .and_then(|h| Table::new(h, "[catalogue]", ctx));
    let conditions = read_conditions(&mut top, vocab, ctx);
    let (id, version, title, source, span) = match head {
        Some(mut h) => {
            let id = h.req_str("id", ctx);
            let version = h.req_str("version", ctx);
            let title = h.req_str("title", ctx);
            let source = h.req_str("source", ctx);
            let span = h.span.clone();
            h.finish(ctx);
            (id, version, title, source, span)
        }
        None => (None, None, None, None, 0..0),
    };
    let origin = match (&id, &version) {
        (Some(i), Some(v)) => format!("{}@{}", i.get_ref(), v.get_ref()),
        _ => String::new(),
    };
    let declared = match top.get("requirement").map(|v| v.get_ref()) {
        Some(DeValue::Array(a)) => a.len(),
        Some(_) => 1,
        None => 0,
    };
    let default_basis = RuleBasis {
        kind: BasisKind::Standard,
        source: source
            .as_ref()
            .map(|s| s.get_ref().clone())
            .unwrap_or_default(),
    };
    let reqs = read_requirements(&mut top, &origin, &default_basis, &conditions, vocab, ctx);
    top.finish(ctx);
    if declared == 0 {
        ctx.error(
            Code::EmptyCatalogue,
            span.clone(),
            "the catalogue has no requirements",
            "add [[requirement]] tables",
        );
    }
    Some((
        Catalogue {
            id: id?.into_inner(),
            version: version?.into_inner(),
            title: title?.into_inner(),
            source: source?.into_inner(),
            conditions,
            requirements: reqs.into_iter().map(|(_, r)| r).collect(),
            path: path.to_string(),
        },
        span,
    ))
}

struct RawTier {
    rank: Spanned<i64>,
    id: Spanned<String>,
    name: String,
    assurance: Assurance,
    entries: Vec<(Spanned<String>, Option<Assurance>)>,
    all_mandatory: bool,
    all_requirements: bool,
    span: Range<usize>,
}

/// What a signed label can carry of a scheme (the bounds in `crate::label::claims`, which keep
/// every label within QR version 14-M): the id within its byte cap, the version, the number
/// of tiers and of requirements. Each excess is reported where it is written.
fn within_label_bounds(
    id: &Spanned<String>,
    version: &Spanned<i64>,
    version_u: u32,
    tiers: &[RawTier],
    requirements: usize,
    head: &Range<usize>,
    ctx: &mut Ctx<'_>,
) -> bool {
    use crate::label::claims::{MAX_RESULT_COUNT, MAX_SCHEME_ID, MAX_SCHEME_VERSION, MAX_TIER};
    let mut ok = true;
    if id.get_ref().len() > MAX_SCHEME_ID {
        ok = false;
        ctx.error(
            Code::SchemeLabelLimit,
            id.span(),
            format!(
                "scheme id `{}` is {} bytes; a label carries at most {MAX_SCHEME_ID}",
                id.get_ref(),
                id.get_ref().len()
            ),
            "shorten the id: every label of the scheme carries it in its signed QR code",
        );
    }
    if version_u > MAX_SCHEME_VERSION {
        ok = false;
        ctx.error(
            Code::SchemeLabelLimit,
            version.span(),
            format!("scheme version {version_u} is above {MAX_SCHEME_VERSION}, the highest a label carries"),
            "number scheme versions 1, 2, 3 ...",
        );
    }
    if let Some(t) = tiers.get(MAX_TIER as usize) {
        ok = false;
        ctx.error(
            Code::SchemeLabelLimit,
            t.span.clone(),
            format!(
                "the scheme has {} tiers; a label carries ranks up to {MAX_TIER}",
                tiers.len()
            ),
            "merge tiers, or split the scheme",
        );
    }
    if requirements > MAX_RESULT_COUNT as usize {
        ok = false;
        ctx.error(
            Code::SchemeLabelLimit,
            head.clone(),
            format!(
                "the scheme has {requirements} requirements; a label carries the results of at most {MAX_RESULT_COUNT}"
            ),
            "split the scheme: every label carries 2 bits per requirement in its signed QR code",
        );
    }
    ok
}

fn read_assurance(s: &Spanned<String>, ctx: &mut Ctx<'_>) -> Option<Assurance> {
    let a = Assurance::parse(s.get_ref());
    if a.is_none() {
        ctx.error(
            Code::UnknownWord,
            s.span(),
            format!("unknown assurance `{}`", s.get_ref()),
            suggest(
                s.get_ref(),
                "assurances",
                ["self-declared", "lab-reviewed", "lab-tested"],
            ),
        );
    }
    a
}

fn read_tiers(top: &mut Table<'_, '_>, ctx: &mut Ctx<'_>) -> Vec<RawTier> {
    let mut out = Vec::new();
    let Some(ts) = top.required("tier", ctx) else {
        return out;
    };
    let Some(arr) = as_array(ts, "tier", ctx) else {
        return out;
    };
    for v in arr {
        let Some(mut t) = Table::new(v, "a [[tier]]", ctx) else {
            continue;
        };
        let rank = t.opt_int("rank", ctx);
        if rank.is_none() && t.get("rank").is_none() {
            ctx.error(
                Code::MissingKey,
                t.span.clone(),
                "a [[tier]] is missing the key `rank`",
                "add `rank = 1` (ranks run 1..n)",
            );
        }
        let id = t.req_str("id", ctx);
        let name = t.req_str("name", ctx);
        let assurance = t
            .req_str("assurance", ctx)
            .and_then(|a| read_assurance(&a, ctx));
        let all_mandatory = t
            .opt_bool("all_mandatory", ctx)
            .is_some_and(|b| *b.get_ref());
        let all_requirements = t
            .opt_bool("all_requirements", ctx)
            .is_some_and(|b| *b.get_ref());
        let mut entries = Vec::new();
        if let Some(rs) = t.get("requirements")
            && let Some(arr) = as_array(rs, "requirements", ctx)
        {
            for e in arr {
                match e.get_ref() {
                    DeValue::String(s) => {
                        entries.push((Spanned::new(e.span(), s.to_string()), None))
                    }
                    DeValue::Table(_) => {
                        let Some(mut et) = Table::new(e, "a tier entry", ctx) else {
                            continue;
                        };
                        let rid = et.req_str("id", ctx);
                        let a = et
                            .req_str("assurance", ctx)
                            .and_then(|a| read_assurance(&a, ctx));
                        et.finish(ctx);
                        if let (Some(rid), Some(a)) = (rid, a) {
                            entries.push((rid, Some(a)));
                        }
                    }
                    _ => {
                        let _ = as_string(e, "requirements", ctx);
                    }
                }
            }
        }
        let span = t.span.clone();
        t.finish(ctx);
        if let (Some(rank), Some(id), Some(name), Some(assurance)) = (rank, id, name, assurance) {
            out.push(RawTier {
                rank,
                id,
                name: name.into_inner(),
                assurance,
                entries,
                all_mandatory,
                all_requirements,
                span,
            });
        }
    }
    out
}

fn read_scheme(
    doc: &Val<'_>,
    set: &CriteriaSet,
    path: &str,
    ctx: &mut Ctx<'_>,
) -> Option<(Scheme, Range<usize>)> {
    let vocab = &set.vocab;
    let mut top = Table::new(doc, "the scheme file", ctx)?;
    let mut head = top
        .get("scheme")
        .and_then(|h| Table::new(h, "[scheme]", ctx))?;
    let id = head.req_str("id", ctx);
    let version = head
        .required("version", ctx)
        .and_then(|v| crate::toml_read::as_int(v, "version", ctx));
    let name = head.req_str("name", ctx);
    let issuing_body = head.req_str("issuing_body", ctx);
    let tier_display = head
        .req_str("tier_display", ctx)
        .and_then(|s| match s.get_ref().as_str() {
            "level" => Some(TierDisplay::Level),
            "stars" => Some(TierDisplay::Stars),
            other => {
                ctx.error(
                    Code::UnknownWord,
                    s.span(),
                    format!("unknown tier_display `{other}`"),
                    "use \"level\" or \"stars\"",
                );
                None
            }
        });
    let self_declaration = head
        .opt_bool("self_declaration", ctx)
        .is_some_and(|b| *b.get_ref());
    let illustrative = head
        .opt_bool("illustrative", ctx)
        .is_some_and(|b| *b.get_ref());
    let kind = match head.opt_str("kind", ctx) {
        None => Some(SchemeKind::Label),
        Some(k) => {
            match k.get_ref().as_str() {
                "label" => Some(SchemeKind::Label),
                "compliance" => Some(SchemeKind::Compliance),
                other => {
                    ctx.error(Code::UnknownWord, k.span(), format!("unknown scheme kind `{other}`"), "use \"label\" (can be issued) or \"compliance\" (a statement, never issued)");
                    None
                }
            }
        }
    };
    let evidence_max_age = head
        .get("evidence_max_age")
        .and_then(|v| super::rule::read_period(v, "evidence_max_age", 20, ctx));
    let cat_names = head.opt_str_array("catalogues", ctx).unwrap_or_default();
    let validity = head
        .required("validity", ctx)
        .and_then(|v| Table::new(v, "[scheme.validity]", ctx))
        .and_then(|mut v| {
            let max_years = v.opt_int("max_years", ctx);
            if max_years.is_none() {
                ctx.error(
                    Code::MissingKey,
                    v.span.clone(),
                    "[scheme.validity] is missing `max_years`",
                    "add `max_years = 3`",
                );
            }
            let cap = v
                .opt_bool("cap_at_support_end", ctx)
                .is_none_or(|b| *b.get_ref());
            v.finish(ctx);
            let my = max_years?;
            match u32::try_from(*my.get_ref()) {
                Ok(y) if (1..=10).contains(&y) => Some(Validity {
                    max_years: y,
                    cap_at_support_end: cap,
                }),
                _ => {
                    ctx.error(
                        Code::OutOfRange,
                        my.span(),
                        "max_years must be between 1 and 10",
                        "a label must expire; pick the scheme's validity in years",
                    );
                    None
                }
            }
        });
    let lifecycle = read_lifecycle(&mut head, ctx);
    // Where the scheme's rules are published: the default source of its own requirements.
    let scheme_source = head
        .opt_str("source", ctx)
        .map(|s| s.into_inner())
        .unwrap_or_default();
    let head_span = head.span.clone();
    head.finish(ctx);

    let mut catalogues = Vec::new();
    for c in &cat_names {
        match set.catalogues.iter().find(|x| x.key() == *c.get_ref()) {
            Some(cat) => catalogues.push(Arc::clone(cat)),
            None => ctx.error(
                Code::UnknownCatalogue,
                c.span(),
                format!("unknown catalogue `{}`", c.get_ref()),
                format!(
                    "known catalogues: {}",
                    set.catalogues
                        .iter()
                        .map(|x| format!("`{}`", x.key()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }
    let conditions = read_conditions(&mut top, vocab, ctx);
    let default_basis = RuleBasis {
        kind: BasisKind::Scheme,
        source: scheme_source,
    };
    let local = read_requirements(&mut top, "scheme", &default_basis, &conditions, vocab, ctx);
    let mut raw_tiers = read_tiers(&mut top, ctx);
    top.finish(ctx);

    // Ranks: 1..n, no gaps, no duplicates.
    raw_tiers.sort_by_key(|t| *t.rank.get_ref());
    let mut ranks_ok = true;
    for (i, t) in raw_tiers.iter().enumerate() {
        let expected = i64::try_from(i).unwrap_or(i64::MAX) + 1;
        if *t.rank.get_ref() != expected {
            ranks_ok = false;
            let what = if raw_tiers
                .iter()
                .filter(|x| x.rank.get_ref() == t.rank.get_ref())
                .count()
                > 1
            {
                format!(
                    "tier rank {} is used twice, so one of those tiers is unreachable",
                    t.rank.get_ref()
                )
            } else {
                format!(
                    "tier rank {} leaves a gap: expected rank {expected}",
                    t.rank.get_ref()
                )
            };
            ctx.error(Code::TierRanks, t.rank.span(), what, "number tiers 1, 2, 3 ... without gaps; tier n holds only if every tier below holds");
        }
    }
    let mut seen_ids: Vec<&str> = Vec::new();
    for t in &raw_tiers {
        if seen_ids.contains(&t.id.get_ref().as_str()) {
            ctx.error(
                Code::DuplicateId,
                t.id.span(),
                format!("duplicate tier id `{}`", t.id.get_ref()),
                "tier ids must be unique",
            );
        }
        seen_ids.push(t.id.get_ref());
    }

    // Resolve tier entries and the scheme's requirement order.
    let mut order: Vec<Arc<Requirement>> = Vec::new();
    let mut tiers = Vec::new();
    let mut ok = ranks_ok;
    for t in &raw_tiers {
        let mut entries: Vec<TierEntry> = Vec::new();
        let add = |req: &Arc<Requirement>,
                   a: Assurance,
                   order: &mut Vec<Arc<Requirement>>,
                   entries: &mut Vec<TierEntry>|
         -> bool {
            let idx = match order.iter().position(|r| Arc::ptr_eq(r, req)) {
                Some(i) => i,
                None => {
                    order.push(Arc::clone(req));
                    order.len() - 1
                }
            };
            if entries.iter().any(|e| e.req == idx) {
                return false;
            }
            entries.push(TierEntry {
                req: idx,
                assurance: a,
            });
            true
        };
        for (rid, a) in &t.entries {
            let found = resolve_requirement(rid, &local, &catalogues, ctx);
            let Some(req) = found else {
                ok = false;
                continue;
            };
            if !add(&req, a.unwrap_or(t.assurance), &mut order, &mut entries) {
                ctx.error(
                    Code::ListedTwice,
                    rid.span(),
                    format!(
                        "requirement `{}` is listed twice in tier `{}`",
                        rid.get_ref(),
                        t.id.get_ref()
                    ),
                    "list it once",
                );
            }
            if req.rule.never_holds() {
                ok = false;
                ctx.error(
                    Code::UnreachableTier,
                    rid.span(),
                    format!("tier `{}` is unreachable: the rule of `{}` can never hold", t.id.get_ref(), rid.get_ref()),
                    "fix the rule (e.g. an empty `in` list); if only a lab can decide it, write `rule = { lab = true }`",
                );
            }
        }
        if t.all_mandatory || t.all_requirements {
            for cat in &catalogues {
                for req in cat
                    .requirements
                    .iter()
                    .filter(|r| t.all_requirements || r.modal == Modal::M)
                {
                    add(req, t.assurance, &mut order, &mut entries);
                }
            }
        }
        if entries.is_empty() {
            ok = false;
            ctx.error(
                Code::EmptyTier,
                t.span.clone(),
                format!("tier `{}` lists no requirements", t.id.get_ref()),
                "list `requirements = [...]` or set `all_mandatory = true`",
            );
        }
        tiers.push(Tier {
            rank: u32::try_from(*t.rank.get_ref()).unwrap_or(0),
            id: t.id.get_ref().clone(),
            name: t.name.clone(),
            assurance: t.assurance,
            entries,
        });
    }
    if raw_tiers.is_empty() {
        return None;
    }
    let (id, version, name, issuing_body, tier_display, validity) = (
        id?,
        version?,
        name?,
        issuing_body?,
        tier_display?,
        validity?,
    );
    let Ok(version_u) = u32::try_from(*version.get_ref()) else {
        ctx.error(
            Code::OutOfRange,
            version.span(),
            "scheme version must be a positive integer",
            "write `version = 1`",
        );
        return None;
    };
    if !within_label_bounds(
        &id,
        &version,
        version_u,
        &raw_tiers,
        order.len(),
        &head_span,
        ctx,
    ) {
        return None;
    }
    if !ok || catalogues.len() != cat_names.len() {
        return None;
    }
    let scheme = Scheme {
        id: id.into_inner(),
        version: version_u,
        name: name.into_inner(),
        issuing_body: issuing_body.into_inner(),
        tier_display,
        self_declaration,
        illustrative,
        kind: kind?,
        evidence_max_age,
        validity,
        lifecycle,
        catalogues: catalogues.iter().map(|c| c.key()).collect(),
        requirements: order,
        tiers,
        recognitions: Vec::new(),
        digest: [0; 32],
        path: path.to_string(),
    };
    Some((scheme, head_span))
}

/// A date key of a table (`2025-03-31` or `"2025-03-31"`), with a clear error otherwise.
fn read_date(
    table: &mut Table<'_, '_>,
    key: &'static str,
    help: &'static str,
    ctx: &mut Ctx<'_>,
) -> Option<crate::time::DateValue> {
    let d = table.get(key)?;
    let text = match d.get_ref() {
        DeValue::Datetime(dt) => dt.to_string(),
        DeValue::String(s) => s.to_string(),
        _ => String::new(),
    };
    match crate::time::DateValue::parse(&text) {
        Ok(v) => Some(v),
        Err(e) => {
            ctx.error(Code::BadDate, d.span(), format!("`{key}`: {e}"), help);
            None
        }
    }
}

/// `issuable_from`, `issuable_until` and `successor` of `[scheme]`.
fn read_lifecycle(head: &mut Table<'_, '_>, ctx: &mut Ctx<'_>) -> super::model::Lifecycle {
    // Optional for schemes written elsewhere (absent: open from the start); every bundled
    // scheme states it (tests/criteria_rules.rs).
    let issuable_from = read_date(head, "issuable_from", "write a day, e.g. 2025-03-31", ctx);
    let issuable_until = read_date(head, "issuable_until", "write a day, e.g. 2025-03-31", ctx);
    if let (Some(f), Some(u)) = (issuable_from, issuable_until)
        && u < f
        && let Some(v) = head.get("issuable_until")
    {
        ctx.error(
            Code::IssuingWindow,
            v.span(),
            "`issuable_until` is before `issuable_from`",
            "the last issuing day cannot come before the first",
        );
    }
    let successor = head.opt_str("successor", ctx).map(|s| s.into_inner());
    super::model::Lifecycle {
        issuable_from,
        issuable_until,
        successor,
    }
}

fn resolve_requirement(
    rid: &Spanned<String>,
    local: &[(Range<usize>, Arc<Requirement>)],
    catalogues: &[Arc<Catalogue>],
    ctx: &mut Ctx<'_>,
) -> Option<Arc<Requirement>> {
    let name = rid.get_ref().as_str();
    if let Some((_, r)) = local.iter().find(|(_, r)| r.id == name) {
        return Some(Arc::clone(r));
    }
    let hits: Vec<&Arc<Requirement>> = catalogues
        .iter()
        .filter_map(|c| c.requirements.iter().find(|r| r.id == name))
        .collect();
    match hits.as_slice() {
        [one] => Some(Arc::clone(one)),
        [] => {
            let all: Vec<&str> = local
                .iter()
                .map(|(_, r)| r.id.as_str())
                .chain(
                    catalogues
                        .iter()
                        .flat_map(|c| c.requirements.iter().map(|r| r.id.as_str())),
                )
                .collect();
            ctx.error(
                Code::UnknownRequirement,
                rid.span(),
                format!("unknown requirement `{name}`"),
                suggest(name, "requirement ids", all.iter().copied()),
            );
            None
        }
        _ => {
            ctx.error(
                Code::AmbiguousRequirement,
                rid.span(),
                format!("requirement `{name}` exists in more than one of the scheme's catalogues"),
                "a scheme may build on catalogues whose ids do not overlap",
            );
            None
        }
    }
}
