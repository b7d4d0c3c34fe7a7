//! Device profiles: identity, features, the manufacturer's declarations and a lab's results.
//! Parsed in two stages like the criteria (see `docs/profile-format.md`), against the
//! vocabulary, so a misspelt property is reported with "did you mean".

use std::collections::BTreeMap;
use std::sync::Arc;

use toml::Spanned;
use toml::de::DeValue;
use unicode_normalization::UnicodeNormalization;

pub mod skeleton;

use crate::criteria::CriteriaSet;
use crate::criteria::vocab::Vocabulary;
use crate::diag::{Code, Diagnostics, SourceFile, suggest};
use crate::time::DateValue;
use crate::toml_read::{Ctx, Table, Val, as_array, as_bool, parse_document};
use crate::value::Value;

/// Product categories a profile may name.
pub const CATEGORIES: [&str; 16] = [
    "camera",
    "router",
    "lock",
    "speaker",
    "baby_monitor",
    "hub",
    "sensor",
    "appliance",
    "wearable",
    "toy",
    "tv",
    "smoke_detector",
    "gas_detector",
    "water_detector",
    "computer",
    "other",
];

// Byte caps on identity text after NFC normalisation: the label's, defined once in
// `crate::label::claims` (they keep the signed QR within version 14-M; see that module).
use crate::label::claims::{
    MAX_DEVICE_TEXT, MAX_FIRMWARE, MAX_HARDWARE_VERSION, MAX_MANUFACTURER, MAX_MODEL, MAX_VARIANT,
    MAX_VARIANTS,
};

/// Which firmware the assessment covers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Firmware {
    /// Exactly this version.
    Exact(String),
    /// This version or later.
    Minimum(String),
}

impl Firmware {
    /// "4.2.17" or "4.2.17 or later".
    pub fn display(&self) -> String {
        match self {
            Firmware::Exact(v) => v.clone(),
            Firmware::Minimum(v) => format!("{v} or later"),
        }
    }
}

/// Who made the device and what it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// Manufacturer name (NFC).
    pub manufacturer: String,
    /// Model designation (NFC).
    pub model: String,
    /// Model variants covered by the same assessment.
    pub variants: Vec<String>,
    /// Hardware version.
    pub hardware_version: String,
    /// Firmware version or minimum.
    pub firmware: Firmware,
    /// Product category.
    pub category: String,
}

/// A manufacturer's statement about one property.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    /// The declared value.
    pub value: Value,
    /// Link or reference to the evidence.
    pub evidence: Option<String>,
}

/// A claim that a recommended provision does not apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NaClaim {
    /// Why; empty means the claim is unjustified.
    pub justification: String,
}

/// A lab verdict on one requirement or test case.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// The lab found a failure.
    Fail,
    /// The lab could not decide.
    Inconclusive,
    /// The lab found it met.
    Pass,
}

/// ETSI TS 103 701 assessment type.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Review of the declared design (IXIT).
    Conceptual,
    /// Test of the device's behaviour.
    Functional,
}

/// One lab result.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// The requirement it is about.
    pub requirement: String,
    /// The ETSI TS 103 701 test case, if given.
    pub test_case: Option<String>,
    /// PASS / FAIL / INCONCLUSIVE.
    pub verdict: Verdict,
    /// Conceptual or functional.
    pub method: Method,
    /// Lab id.
    pub lab: String,
    /// When it was done.
    pub date: DateValue,
    /// `sha256:<hex>` of the lab's evidence.
    pub evidence_digest: Option<String>,
    /// Free note.
    pub note: Option<String>,
}

/// A label or statement the device holds under another scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    /// The other scheme (as `recognition.toml` names it in `from`).
    pub scheme: String,
    /// Its certificate or registration reference.
    pub reference: String,
    /// Until when it is valid, if it expires.
    pub valid_until: Option<DateValue>,
}

/// A validated device profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The file it came from.
    pub path: String,
    /// Identity.
    pub device: Device,
    /// Feature values by feature id; `None` = not stated.
    pub features: Vec<Option<bool>>,
    /// Declarations by property id.
    pub declared: Vec<Option<Declared>>,
    /// Not-applicable claims by requirement id.
    pub not_applicable: BTreeMap<String, NaClaim>,
    /// Lab results, in file order.
    pub tested: Vec<TestResult>,
    /// Labels held under other schemes.
    pub recognised: Vec<Recognised>,
    /// The `# expected:` comment line, if any (fixtures).
    pub expected: Option<String>,
}

impl Profile {
    /// An empty profile for a device (used by tests and generators).
    pub fn empty(vocab: &Vocabulary, device: Device) -> Self {
        Profile {
            path: String::new(),
            device,
            features: vec![None; vocab.features.len()],
            declared: vec![None; vocab.properties.len()],
            not_applicable: BTreeMap::new(),
            tested: Vec::new(),
            recognised: Vec::new(),
            expected: None,
        }
    }

    /// Reads a profile file.
    pub fn load(path: &std::path::Path, criteria: &CriteriaSet) -> Result<Profile, ProfileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ProfileError::Io(path.display().to_string(), e))?;
        Profile::parse(&SourceFile::new(path.display().to_string(), text), criteria)
            .map_err(ProfileError::Invalid)
    }

    /// Parses and validates a profile; every problem is reported.
    pub fn parse(file: &Arc<SourceFile>, criteria: &CriteriaSet) -> Result<Profile, Diagnostics> {
        let mut diags = Diagnostics::default();
        let profile = parse_inner(file, criteria, &mut diags);
        diags.sort();
        match profile {
            Some(p) if !diags.has_errors() => Ok(p),
            _ => Err(diags),
        }
    }
}

/// Why a profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read.
    #[error("cannot read {0}: {1}")]
    Io(String, #[source] std::io::Error),
    /// The file has problems.
    #[error("{} problem(s) in the profile", .0.error_count())]
    Invalid(Diagnostics),
}

fn parse_inner(
    file: &Arc<SourceFile>,
    criteria: &CriteriaSet,
    diags: &mut Diagnostics,
) -> Option<Profile> {
    let doc = parse_document(file, diags)?;
    let doc: Val<'_> = Spanned::new(doc.span(), DeValue::Table(doc.into_inner()));
    let mut ctx = Ctx { file, diags };
    let vocab = &criteria.vocab;
    let mut top = Table::new(&doc, "the profile", &mut ctx)?;
    let device = top
        .required("device", &mut ctx)
        .and_then(|d| read_device(d, &mut ctx));

    let mut features = vec![None; vocab.features.len()];
    if let Some(fs) = top.required("features", &mut ctx)
        && let Some(mut fs) = Table::new(fs, "[features]", &mut ctx)
    {
        for (k, v) in fs.entries() {
            let Some(id) = vocab.resolve_feature(k.get_ref(), k.span(), &mut ctx) else {
                continue;
            };
            if is_placeholder(v, &mut ctx) {
                continue;
            }
            if let Some(b) = as_bool(v, k.get_ref(), &mut ctx) {
                features[usize::from(id)] = Some(*b.get_ref());
            }
        }
    }

    let mut declared: Vec<Option<Declared>> = vec![None; vocab.properties.len()];
    if let Some(ds) = top.get("declared")
        && let Some(mut ds) = Table::new(ds, "[declared]", &mut ctx)
    {
        for (k, v) in ds.entries() {
            let Some(id) = vocab.resolve_property(k.get_ref(), k.span(), &mut ctx) else {
                continue;
            };
            let what = format!("declared `{}`", k.get_ref());
            let Some(mut t) = Table::new(v, &what, &mut ctx) else {
                continue;
            };
            let prop = vocab.prop(id);
            let value = t
                .required("value", &mut ctx)
                .filter(|val| !is_placeholder(val, &mut ctx))
                .and_then(|val| {
                    crate::criteria::vocab::read_value(
                        val,
                        &prop.ty,
                        &format!("`{}` ({})", prop.name, prop.ty.name()),
                        &mut ctx,
                    )
                });
            let evidence = t.opt_str("evidence", &mut ctx).map(|s| s.into_inner());
            if let Some(e) = t.get("evidence") {
                is_placeholder(e, &mut ctx);
            }
            t.finish(&mut ctx);
            if let Some(value) = value {
                declared[usize::from(id)] = Some(Declared { value, evidence });
            }
        }
    }

    let known_reqs = criteria.requirement_ids();
    let mut not_applicable = BTreeMap::new();
    if let Some(ns) = top.get("not_applicable")
        && let Some(mut ns) = Table::new(ns, "[not_applicable]", &mut ctx)
    {
        for (k, v) in ns.entries() {
            let rid = k.get_ref().to_string();
            if !known_reqs.contains(&rid.as_str()) {
                ctx.error(
                    Code::ProfileUnknownRequirement,
                    k.span(),
                    format!("unknown requirement `{rid}`"),
                    suggest(&rid, "requirement ids", known_reqs.iter().copied()),
                );
                continue;
            }
            let Some(mut t) = Table::new(v, &format!("not_applicable `{rid}`"), &mut ctx) else {
                continue;
            };
            let justification = t
                .opt_str("justification", &mut ctx)
                .map(|s| s.into_inner())
                .unwrap_or_default();
            t.finish(&mut ctx);
            not_applicable.insert(
                rid,
                NaClaim {
                    justification: justification.trim().to_string(),
                },
            );
        }
    }

    let mut tested = Vec::new();
    if let Some(ts) = top.get("tested")
        && let Some(arr) = as_array(ts, "tested", &mut ctx)
    {
        for v in arr {
            if let Some(t) = read_test(v, &known_reqs, &mut ctx) {
                tested.push(t);
            }
        }
    }
    let mut recognised = Vec::new();
    if let Some(rs) = top.get("recognised")
        && let Some(arr) = as_array(rs, "recognised", &mut ctx)
    {
        let known: Vec<&str> = {
            let mut k: Vec<&str> = criteria
                .schemes
                .iter()
                .flat_map(|s| s.recognitions.iter().map(|r| r.from.as_str()))
                .collect();
            k.sort_unstable();
            k.dedup();
            k
        };
        for v in arr {
            let Some(mut t) = Table::new(v, "a [[recognised]] label", &mut ctx) else {
                continue;
            };
            let scheme = t.req_str("scheme", &mut ctx);
            let reference = t.req_str("reference", &mut ctx);
            let valid_until = t.get("valid_until").and_then(|d| read_date(d, &mut ctx));
            t.finish(&mut ctx);
            let (Some(scheme), Some(reference)) = (scheme, reference) else {
                continue;
            };
            if !known.contains(&scheme.get_ref().as_str()) {
                ctx.error(
                    Code::ProfileUnknownScheme,
                    scheme.span(),
                    format!("no bundled scheme recognises `{}`", scheme.get_ref()),
                    suggest(
                        scheme.get_ref(),
                        "recognised schemes",
                        known.iter().copied(),
                    ),
                );
                continue;
            }
            if reference.get_ref().trim().is_empty() {
                ctx.error(
                    Code::EmptyText,
                    reference.span(),
                    "the recognised label's `reference` is empty",
                    "give the certificate or registration number",
                );
                continue;
            }
            recognised.push(Recognised {
                scheme: scheme.into_inner(),
                reference: reference.into_inner(),
                valid_until,
            });
        }
    }
    top.finish(&mut ctx);

    Some(Profile {
        path: file.path.clone(),
        device: device?,
        features,
        declared,
        not_applicable,
        tested,
        recognised,
        expected: expected_line(&file.text),
    })
}

fn expected_line(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.starts_with('#') || l.is_empty())
        .find_map(|l| {
            l.strip_prefix('#')
                .map(str::trim)
                .and_then(|l| l.strip_prefix("expected:"))
                .map(|e| e.trim().to_string())
        })
}

/// Reports a `profile init` placeholder that was never filled in.
fn is_placeholder(v: &Val<'_>, ctx: &mut Ctx<'_>) -> bool {
    match v.get_ref() {
        DeValue::String(s) if s.starts_with(skeleton::PLACEHOLDER) => {
            let what = s
                .trim_start_matches(skeleton::PLACEHOLDER)
                .trim_start_matches(':')
                .trim();
            ctx.error(
                Code::Placeholder,
                v.span(),
                "not filled in yet",
                format!("replace the placeholder with {what}"),
            );
            true
        }
        _ => false,
    }
}

fn text_field(
    t: &mut Table<'_, '_>,
    key: &'static str,
    max: usize,
    required: bool,
    ctx: &mut Ctx<'_>,
) -> Option<String> {
    if let Some(v) = t.get(key)
        && is_placeholder(v, ctx)
    {
        return None;
    }
    let s = if required {
        t.req_str(key, ctx)?
    } else {
        t.opt_str(key, ctx)?
    };
    let nfc: String = s.get_ref().nfc().collect();
    let trimmed = nfc.trim();
    if trimmed.is_empty() {
        ctx.error(
            Code::EmptyText,
            s.span(),
            format!("`{key}` is empty"),
            format!("give the {key}"),
        );
        return None;
    }
    // Characters were checked when the file was read (`toml_read`, `crate::text`).
    if trimmed.len() > max {
        ctx.error(
            Code::DeviceLabelLimit,
            s.span(),
            format!(
                "`{key}` is {} bytes after Unicode NFC normalisation; the limit is {max}",
                trimmed.len()
            ),
            "shorten it: the label's signed QR code has room for this many bytes only",
        );
        return None;
    }
    Some(trimmed.to_string())
}

fn read_device(v: &Val<'_>, ctx: &mut Ctx<'_>) -> Option<Device> {
    let mut t = Table::new(v, "[device]", ctx)?;
    let manufacturer = text_field(&mut t, "manufacturer", MAX_MANUFACTURER, true, ctx);
    let model = text_field(&mut t, "model", MAX_MODEL, true, ctx);
    let (variants, variants_ok) = read_variants(&mut t, ctx);
    let hardware_version = text_field(&mut t, "hardware_version", MAX_HARDWARE_VERSION, true, ctx);
    // A firmware key that is present but unusable (placeholder, too long) has been reported.
    let firmware_given =
        t.get("firmware_version").is_some() || t.get("min_firmware_version").is_some();
    let exact = text_field(&mut t, "firmware_version", MAX_FIRMWARE, false, ctx);
    let minimum = text_field(&mut t, "min_firmware_version", MAX_FIRMWARE, false, ctx);
    let category = match t.get("category") {
        Some(v) if is_placeholder(v, ctx) => None,
        _ => t.req_str("category", ctx),
    };
    let span = t.span.clone();
    let device_span = span.clone();
    t.finish(ctx);
    let firmware = match (exact, minimum) {
        (Some(e), None) => Some(Firmware::Exact(e)),
        (None, Some(m)) => Some(Firmware::Minimum(m)),
        (Some(_), Some(_)) => {
            ctx.error(
                Code::Firmware,
                span,
                "[device] gives both `firmware_version` and `min_firmware_version`",
                "give exactly one: the version assessed, or the minimum version the label covers",
            );
            None
        }
        (None, None) => {
            if !firmware_given {
                ctx.error(
                    Code::Firmware,
                    span,
                    "[device] has no firmware version",
                    "add `firmware_version = \"1.2.3\"` or `min_firmware_version = \"1.2\"`",
                );
            }
            None
        }
    };
    let category = category.and_then(|c| {
        if CATEGORIES.contains(&c.get_ref().as_str()) {
            Some(c.into_inner())
        } else {
            ctx.error(
                Code::ProfileUnknownCategory,
                c.span(),
                format!("unknown category `{}`", c.get_ref()),
                suggest(c.get_ref(), "categories", CATEGORIES),
            );
            None
        }
    });
    if !variants_ok {
        return None;
    }
    if let (Some(m), Some(md), Some(h), Some(f)) =
        (&manufacturer, &model, &hardware_version, &firmware)
    {
        let fw = match f {
            Firmware::Exact(v) | Firmware::Minimum(v) => v.as_str(),
        };
        check_device_budget([m, md, h, fw], &variants, device_span, ctx)?;
    }
    Some(Device {
        manufacturer: manufacturer?,
        model: model?,
        variants,
        hardware_version: hardware_version?,
        firmware: firmware?,
        category: category?,
    })
}

/// `[device] variants`: at most [`MAX_VARIANTS`] names of 1 to [`MAX_VARIANT`] bytes each
/// (after NFC), each error at its place. The bool is false when one was refused.
fn read_variants(t: &mut Table<'_, '_>, ctx: &mut Ctx<'_>) -> (Vec<String>, bool) {
    let span = t.get("variants").map(|v| v.span());
    let mut variants = Vec::new();
    let mut ok = true;
    let Some(vs) = t.opt_str_array("variants", ctx) else {
        return (variants, ok);
    };
    if vs.len() > MAX_VARIANTS {
        ok = false;
        ctx.error(
            Code::DeviceLabelLimit,
            span.unwrap_or_else(|| t.span.clone()),
            format!(
                "`variants` lists {} names; a label carries at most {MAX_VARIANTS}",
                vs.len()
            ),
            "cover the other variants with separate labels (one profile each): the label's signed QR code has room for this many only",
        );
    }
    for s in vs {
        let nfc: String = s.get_ref().nfc().collect();
        let name = nfc.trim();
        if name.is_empty() {
            ctx.error(
                Code::EmptyText,
                s.span(),
                "a variant name is empty",
                "give the variant's name",
            );
            ok = false;
        } else if name.len() > MAX_VARIANT {
            ctx.error(
                Code::DeviceLabelLimit,
                s.span(),
                format!(
                    "variant `{name}` is {} bytes after Unicode NFC normalisation; the limit is {MAX_VARIANT}",
                    name.len()
                ),
                "shorten it, or cover that variant with a separate label (its own profile)",
            );
            ok = false;
        } else {
            variants.push(name.to_string());
        }
    }
    (variants, ok)
}

/// The device texts together within the label's budget ([`MAX_DEVICE_TEXT`]), each within
/// its own cap already: reported at the `[device]` table, with every field's bytes.
fn check_device_budget(
    fixed: [&str; 4],
    variants: &[String],
    span: std::ops::Range<usize>,
    ctx: &mut Ctx<'_>,
) -> Option<()> {
    let total = crate::label::claims::device_text_len(fixed, variants);
    if total <= MAX_DEVICE_TEXT {
        return Some(());
    }
    let names = ["manufacturer", "model", "hardware_version", "firmware"];
    let mut parts: Vec<String> = names
        .iter()
        .zip(fixed)
        .map(|(n, t)| format!("{n} {}", t.len()))
        .collect();
    if !variants.is_empty() {
        let each: Vec<String> = variants.iter().map(|v| v.len().to_string()).collect();
        parts.push(format!("variants {}", each.join(" + ")));
    }
    ctx.error(
        Code::DeviceLabelLimit,
        span,
        format!(
            "[device] texts are {total} bytes together ({}); a label's budget is {MAX_DEVICE_TEXT} bytes",
            parts.join(", ")
        ),
        format!(
            "shorten them by {} bytes, or move variants to separate labels (one profile each): the label's signed QR code has room for this many only",
            total - MAX_DEVICE_TEXT
        ),
    );
    None
}

fn read_date(d: &Val<'_>, ctx: &mut Ctx<'_>) -> Option<DateValue> {
    let s = match d.get_ref() {
        DeValue::Datetime(dt) => dt.to_string(),
        DeValue::String(s) => s.to_string(),
        _ => String::new(),
    };
    match DateValue::parse(&s) {
        Ok(x) => Some(x),
        Err(e) => {
            ctx.error(Code::BadDate, d.span(), e, "write the date as 2026-03-02");
            None
        }
    }
}

/// The requirement a TS 103 701 test case id belongs to: `5.1-1-2a` -> `5.1-1`.
pub fn test_case_requirement<'a>(case: &str, known: &[&'a str]) -> Option<&'a str> {
    let (prefix, unit) = case.rsplit_once('-')?;
    let digits = unit.trim_end_matches(|c: char| c.is_ascii_lowercase());
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    known.iter().copied().find(|k| *k == prefix)
}

fn read_test(v: &Val<'_>, known: &[&str], ctx: &mut Ctx<'_>) -> Option<TestResult> {
    let mut t = Table::new(v, "a [[tested]] result", ctx)?;
    let req = t.opt_str("requirement", ctx);
    let case = t.opt_str("test_case", ctx);
    let verdict = t
        .req_str("verdict", ctx)
        .and_then(|s| match s.get_ref().as_str() {
            "PASS" => Some(Verdict::Pass),
            "FAIL" => Some(Verdict::Fail),
            "INCONCLUSIVE" => Some(Verdict::Inconclusive),
            other => {
                ctx.error(
                    Code::UnknownWord,
                    s.span(),
                    format!("unknown verdict `{other}`"),
                    suggest(other, "verdicts", ["PASS", "FAIL", "INCONCLUSIVE"]),
                );
                None
            }
        });
    let method = t.req_str("method", ctx).and_then(|s| match s.get_ref().as_str() {
        "conceptual" => Some(Method::Conceptual),
        "functional" => Some(Method::Functional),
        other => {
            ctx.error(Code::UnknownWord, s.span(), format!("unknown method `{other}`"), "use `conceptual` (design review) or `functional` (device test), as in ETSI TS 103 701");
            None
        }
    });
    let lab = t.req_str("lab", ctx).map(|s| s.into_inner());
    let date = t.required("date", ctx).and_then(|d| read_date(d, ctx));
    let evidence_digest = t.opt_str("evidence_digest", ctx).and_then(|s| {
        let ok = s.get_ref().strip_prefix("sha256:").is_some_and(|h| {
            h.len() == 64
                && h.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        });
        if ok {
            Some(s.into_inner())
        } else {
            ctx.error(
                Code::EvidenceDigest,
                s.span(),
                "evidence_digest is not `sha256:` followed by 64 lower-case hex digits",
                "compute it with `sha256sum FILE`",
            );
            None
        }
    });
    let note = t.opt_str("note", ctx).map(|s| s.into_inner());
    let span = t.span.clone();
    t.finish(ctx);

    let requirement = match (&req, &case) {
        (None, None) => {
            ctx.error(
                Code::LabResultTarget,
                span,
                "a [[tested]] result names neither `requirement` nor `test_case`",
                "add `requirement = \"5.1-1\"` or `test_case = \"5.1-1-2a\"`",
            );
            None
        }
        (Some(r), c) => {
            if !known.contains(&r.get_ref().as_str()) {
                ctx.error(
                    Code::ProfileUnknownRequirement,
                    r.span(),
                    format!("unknown requirement `{}`", r.get_ref()),
                    suggest(r.get_ref(), "requirement ids", known.iter().copied()),
                );
                None
            } else if let Some(c) = c
                .as_ref()
                .filter(|c| test_case_requirement(c.get_ref(), known) != Some(r.get_ref().as_str()))
            {
                ctx.error(
                    Code::TestCase,
                    c.span(),
                    format!(
                        "test case `{}` does not belong to requirement `{}`",
                        c.get_ref(),
                        r.get_ref()
                    ),
                    "a test case id is <requirement>-<n><unit>, e.g. 5.1-1-2a",
                );
                None
            } else {
                Some(r.get_ref().clone())
            }
        }
        (None, Some(c)) => match test_case_requirement(c.get_ref(), known) {
            Some(r) => Some(r.to_string()),
            None => {
                ctx.error(
                    Code::TestCase,
                    c.span(),
                    format!("test case `{}` names no known requirement", c.get_ref()),
                    "a test case id is <requirement>-<n><unit>, e.g. 5.1-1-2a",
                );
                None
            }
        },
    };
    Some(TestResult {
        requirement: requirement?,
        test_case: case.map(|c| c.into_inner()),
        verdict: verdict?,
        method: method?,
        lab: lab?,
        date: date?,
        evidence_digest,
        note,
    })
}
