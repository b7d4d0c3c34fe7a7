//! What an assessment report shows, read once from its JSON value (`iotlabel-report/1`, through
//! the typed [`Report`]) for
//! every renderer: the HTML page ([`super::html`]) and the PDF ([`super::pdf`]) draw the same
//! view, so they show the same texts in the same order. Texts are plain (unescaped); each
//! renderer escapes or sets them itself.

use serde_json::Value;

use super::html::{HtmlError, Lang, report_digest};
use super::{Report, RequirementLine, TierLine};
use crate::criteria::model::{BasisKind, IssuingState, RuleBasis};
use crate::issue::ClaimsFile;
use crate::profile::Firmware;

/// A report, as the renderers show it.
pub(crate) struct View {
    /// Headings and fixed words.
    pub(crate) w: &'static Words,
    /// The BCP 47 tag of their language.
    pub(crate) lang: &'static str,
    /// SHA-256 of the canonical JSON, hex.
    pub(crate) digest: String,
    pub(crate) manufacturer: String,
    pub(crate) model: String,
    pub(crate) scheme_name: String,
    pub(crate) scheme_id: String,
    pub(crate) scheme_version: String,
    pub(crate) evaluated_at: String,
    /// A compliance statement rather than a label.
    pub(crate) compliance: bool,
    /// Tier label, `none`, COMPLIANT or NOT COMPLIANT.
    pub(crate) headline: String,
    /// Assurance of the tier reached.
    pub(crate) assurance: Option<String>,
    pub(crate) illustrative: bool,
    /// Notices shown before the result (e.g. the support period has ended).
    pub(crate) notices: Vec<String>,
    pub(crate) tiers: Vec<TierRow>,
    /// The next tier and its blockers; `None` at the top tier.
    pub(crate) next: Option<GapView>,
    /// Device facts, heading and value.
    pub(crate) device_facts: Vec<(&'static str, String)>,
    /// Scheme facts (without the criteria digest), heading and value.
    pub(crate) scheme_facts: Vec<(&'static str, String)>,
    pub(crate) criteria_digest: String,
    pub(crate) requirements: Vec<ReqRow>,
    /// Labels held under other schemes: scheme, reference, effect.
    pub(crate) recognised: Vec<[String; 3]>,
    pub(crate) unstated: Vec<String>,
    /// The label's claims, if given.
    pub(crate) label: Option<LabelView>,
}

/// One tier's row.
pub(crate) struct TierRow {
    pub(crate) rank: String,
    pub(crate) label: String,
    pub(crate) assurance: String,
    pub(crate) holds: bool,
    /// "satisfied / required".
    pub(crate) satisfied: String,
}

/// The gap to the next tier.
pub(crate) struct GapView {
    pub(crate) label: String,
    pub(crate) assurance: String,
    /// Id, title, status, why, needs, detail, what to do.
    pub(crate) blockers: Vec<[String; 7]>,
}

/// One requirement's row.
pub(crate) struct ReqRow {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) clause: Option<String>,
    /// The text is not confirmed from the official source.
    pub(crate) unconfirmed: bool,
    /// Non-standard bases of the requirement and its threshold, in the view's language.
    pub(crate) basis_notes: Vec<String>,
    pub(crate) status: String,
    /// As in the JSON (`NOT_MET`).
    pub(crate) outcome: String,
    pub(crate) provenance: String,
    pub(crate) detail: String,
    pub(crate) evidence: Vec<String>,
    pub(crate) labs: Vec<LabRow>,
}

/// One lab result on a requirement.
pub(crate) struct LabRow {
    pub(crate) lab: String,
    pub(crate) verdict: String,
    pub(crate) method: String,
    pub(crate) date: String,
    pub(crate) test_case: Option<String>,
    pub(crate) evidence_digest: Option<String>,
}

/// The label's facts, copied from its claims file.
pub(crate) struct LabelView {
    /// Label id, issuer, issued, expires: heading and value.
    pub(crate) facts: Vec<(&'static str, String)>,
    /// The evidence digest it carries, lower-case hex.
    pub(crate) carried: String,
    /// Whether that is the first 16 bytes of the report digest.
    pub(crate) matches: bool,
}

impl View {
    /// Reads a report JSON value; refuses anything that is not an `iotlabel-report/1` with
    /// exactly the fields of [`Report`] (a missing or renamed field is an error, not a dash).
    pub(crate) fn new(
        report: &Value,
        label: Option<&Value>,
        lang: Lang,
    ) -> Result<View, HtmlError> {
        if report.get("format").and_then(Value::as_str) != Some(super::REPORT_FORMAT) {
            return Err(HtmlError::NotAReport {
                found: report
                    .get("format")
                    .map_or("missing".to_string(), Value::to_string),
            });
        }
        super::html::check_json_text("report", report)?;
        if let Some(l) = label {
            super::html::check_json_text("label claims", l)?;
        }
        let r: Report = typed("report", report)?;
        let label: Option<ClaimsFile> = label.map(|l| typed("label claims", l)).transpose()?;
        Ok(View::of(r, label, &report_digest(report), lang))
    }

    /// The view of a report this process has just made, with the SHA-256 of its canonical JSON
    /// (issuing): nothing to read back. Its texts were checked where they came from (criteria
    /// and profiles when loaded, the claims when signed); reading the JSON back was 8 % of a
    /// batch's CPU (`perf` over `bench/issue-batch.sh`). A test checks both ways draw the same
    /// bytes.
    pub(crate) fn of(r: Report, label: Option<ClaimsFile>, digest: &[u8; 32], lang: Lang) -> View {
        let w = Words::of(lang);
        let digest = hex::encode(digest);
        let compliance = r.is_compliance();
        let headline = match (&r.tier, compliance) {
            (Some(t), false) => t.label.clone(),
            (None, false) => w.no_tier.as_str().to_string(),
            _ => r.headline(),
        };
        let tiers = r.tiers.iter().map(TierRow::of).collect();
        let next = r.next_tier.as_ref().map(|n| GapView {
            label: n.tier.label.clone(),
            assurance: wire(&n.tier.assurance),
            blockers: n
                .blockers
                .iter()
                .map(|b| {
                    [
                        b.id.clone(),
                        b.title.clone(),
                        b.status.clone(),
                        b.reason_text.clone(),
                        wire(&b.needs),
                        b.detail.clone(),
                        b.remediation.clone(),
                    ]
                })
                .collect(),
        });
        let d = &r.device;
        let firmware = match &d.firmware {
            Firmware::Exact(v) => v.clone(),
            Firmware::Minimum(v) => format!("{v} {}", w.or_later.as_str()),
        };
        let device_facts = vec![
            (w.manufacturer.as_str(), d.manufacturer.clone()),
            (w.model.as_str(), d.model.clone()),
            (
                w.variants.as_str(),
                or_dash(Some(d.variants.join(", ")).filter(|v| !v.is_empty())),
            ),
            (w.hardware.as_str(), d.hardware_version.clone()),
            (w.firmware.as_str(), firmware),
            (w.category.as_str(), d.category.clone()),
            (
                w.support_end.as_str(),
                or_dash(r.support_period_end.clone()),
            ),
        ];
        let s = &r.scheme;
        let scheme_facts = vec![
            (w.name.as_str(), s.name.clone()),
            (w.id.as_str(), format!("{}@{}", s.id, s.version)),
            (w.issuing_body.as_str(), s.issuing_body.clone()),
            (w.kind.as_str(), wire(&s.kind)),
        ];
        let requirements = r.requirements.iter().map(|q| ReqRow::of(q, w)).collect();
        let recognised = r
            .recognised
            .iter()
            .map(|l| [l.scheme.clone(), l.reference.clone(), l.effect.clone()])
            .collect();
        let label = label.map(|l| {
            let carried = l.evidence_digest.to_ascii_lowercase();
            LabelView {
                facts: vec![
                    (w.label_id.as_str(), l.label_id),
                    (w.issuer.as_str(), l.issuer),
                    (w.issued_at.as_str(), l.issued_at),
                    (w.expires.as_str(), l.expires),
                ],
                matches: carried.len() == 32 && digest.starts_with(&carried),
                carried,
            }
        });
        View {
            w,
            lang: lang.tag(),
            notices: notices(&r, w),
            manufacturer: r.device.manufacturer,
            model: r.device.model,
            scheme_name: r.scheme.name,
            scheme_id: r.scheme.id,
            scheme_version: r.scheme.version.to_string(),
            evaluated_at: r.evaluated_at,
            compliance,
            headline,
            assurance: r.tier.as_ref().map(|t| wire(&t.assurance)),
            illustrative: r.scheme.illustrative,
            tiers,
            next,
            device_facts,
            scheme_facts,
            criteria_digest: r.scheme.criteria_digest,
            requirements,
            recognised,
            unstated: r.unstated_features,
            label,
            digest,
        }
    }

    /// The first 16 bytes of the digest, hex: what a label issued on this report carries.
    pub(crate) fn digest_prefix(&self) -> &str {
        self.digest.get(..32).unwrap_or(&self.digest)
    }
}

/// A JSON value read as `T`; a missing, renamed or (where the format is ours) unknown field is
/// an error naming the file.
fn typed<T: serde::de::DeserializeOwned>(file: &'static str, v: &Value) -> Result<T, HtmlError> {
    T::deserialize(v).map_err(|e| HtmlError::Shape {
        file,
        error: e.to_string(),
    })
}

/// A value's name in the JSON (`NOT_MET`, `lab-tested`): what the report file says.
fn wire<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "—".into(),
    }
}

/// The text, or a dash where there is none.
fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "—".into())
}

impl TierRow {
    fn of(t: &TierLine) -> TierRow {
        TierRow {
            rank: t.tier.rank.to_string(),
            label: t.tier.label.clone(),
            assurance: wire(&t.tier.assurance),
            holds: t.holds,
            satisfied: format!("{} / {}", t.satisfied, t.required),
        }
    }
}

impl ReqRow {
    fn of(q: &RequirementLine, w: &Words) -> ReqRow {
        ReqRow {
            id: q.id.clone(),
            title: q.title.clone(),
            clause: q.clause.clone(),
            unconfirmed: !q.confirmed,
            basis_notes: basis_notes(q, w),
            status: q.status.clone(),
            outcome: wire(&q.outcome),
            provenance: or_dash(q.provenance.as_ref().map(wire)),
            detail: q.detail.clone(),
            evidence: q.evidence.clone(),
            labs: q
                .lab_results
                .iter()
                .map(|l| LabRow {
                    lab: l.lab.clone(),
                    verdict: wire(&l.verdict),
                    method: wire(&l.method),
                    date: l.date.clone(),
                    test_case: l.test_case.clone(),
                    evidence_digest: l.evidence_digest.clone(),
                })
                .collect(),
        }
    }
}

/// "basis: ..." / "threshold: ..." for bases other than the standard's own text.
fn basis_notes(q: &RequirementLine, w: &Words) -> Vec<String> {
    let kind = |b: &RuleBasis| (b.kind != BasisKind::Standard).then(|| w.basis_kind(b.kind));
    let mut out = Vec::new();
    if let Some(k) = kind(&q.basis) {
        out.push(format!("{}: {k}", w.basis.as_str()));
    }
    if let Some(k) = q.threshold.as_ref().and_then(kind) {
        out.push(format!("{}: {k}", w.threshold.as_str()));
    }
    out
}

/// The notices a report shows before its result, in the view's language.
fn notices(r: &Report, w: &Words) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(d) = &r.support_period_ended {
        out.push(w.support_ended(d));
    }
    if let Some(n) = &r.not_issuing {
        let key = format!("{}@{}", r.scheme.id, r.scheme.version);
        let closed = n.state == IssuingState::Closed;
        out.push(w.not_issuing(&key, closed, &n.date, n.successor.as_deref()));
    }
    out
}

/// Headings and fixed words in one language (used by both renderers), from `words.toml`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Words {
    pub(crate) title: String,
    pub(crate) evaluated_at: String,
    pub(crate) result: String,
    pub(crate) tier: String,
    pub(crate) compliance: String,
    pub(crate) no_tier: String,
    pub(crate) assurance: String,
    pub(crate) illustrative: String,
    pub(crate) rank: String,
    pub(crate) holds: String,
    pub(crate) satisfied: String,
    pub(crate) gap: String,
    pub(crate) needs: String,
    pub(crate) top: String,
    pub(crate) id: String,
    pub(crate) title_col: String,
    pub(crate) status: String,
    pub(crate) why: String,
    pub(crate) detail: String,
    pub(crate) todo: String,
    pub(crate) device: String,
    pub(crate) manufacturer: String,
    pub(crate) model: String,
    pub(crate) variants: String,
    pub(crate) hardware: String,
    pub(crate) firmware: String,
    pub(crate) or_later: String,
    pub(crate) category: String,
    pub(crate) support_end: String,
    pub(crate) scheme: String,
    pub(crate) name: String,
    pub(crate) issuing_body: String,
    pub(crate) kind: String,
    pub(crate) criteria_digest: String,
    pub(crate) requirements: String,
    pub(crate) clause: String,
    pub(crate) unconfirmed: String,
    pub(crate) outcome: String,
    pub(crate) provenance: String,
    pub(crate) evidence: String,
    pub(crate) lab: String,
    pub(crate) recognised: String,
    pub(crate) reference: String,
    pub(crate) effect: String,
    pub(crate) unstated: String,
    pub(crate) label: String,
    pub(crate) label_id: String,
    pub(crate) issuer: String,
    pub(crate) issued_at: String,
    pub(crate) expires: String,
    pub(crate) evidence_digest: String,
    pub(crate) matches: String,
    pub(crate) mismatch: String,
    pub(crate) label_unverified: String,
    pub(crate) report_digest: String,
    pub(crate) digest_explained: String,
    pub(crate) footer: String,
    pub(crate) yes: String,
    pub(crate) no: String,
    pub(crate) digest_prefix: String,
    pub(crate) continued: String,
    pub(crate) basis: String,
    pub(crate) threshold: String,
    /// "page {n} of {m}".
    page_of: String,
    /// The support period ended on {date}.
    support_ended: String,
    /// {scheme} no longer issues labels (last issuing day {date}).{successor}
    closed: String,
    /// {scheme} does not issue labels yet (first issuing day {date}).{successor}
    not_yet_open: String,
    /// The successor sentence, {successor} the scheme.
    successor: String,
    /// Each basis kind in words.
    basis_kind: BasisKindWords,
}

/// A basis kind in words.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BasisKindWords {
    standard: String,
    scheme: String,
    inferred: String,
    policy: String,
}

impl Words {
    pub(crate) fn of(lang: Lang) -> &'static Words {
        &crate::words::bundled(lang.tag()).report
    }

    /// "page 2 of 5".
    pub(crate) fn page_of(&self, n: usize, m: usize) -> String {
        let (n, m) = (n.to_string(), m.to_string());
        crate::words::fill(&self.page_of, &[("n", &n), ("m", &m)])
    }

    /// What the report says first when the support period has ended on `date`.
    fn support_ended(&self, date: &str) -> String {
        crate::words::fill(&self.support_ended, &[("date", date)])
    }

    /// A basis kind in words.
    fn basis_kind(&self, k: BasisKind) -> &str {
        let b = &self.basis_kind;
        match k {
            BasisKind::Standard => &b.standard,
            BasisKind::Scheme => &b.scheme,
            BasisKind::Inferred => &b.inferred,
            BasisKind::Policy => &b.policy,
        }
    }

    /// The notice of a scheme version (`id@version`) outside its issuing window.
    fn not_issuing(&self, scheme: &str, closed: bool, date: &str, succ: Option<&str>) -> String {
        let succ = succ
            .map(|s| crate::words::fill(&self.successor, &[("successor", s)]))
            .unwrap_or_default();
        let template = if closed {
            &self.closed
        } else {
            &self.not_yet_open
        };
        crate::words::fill(
            template,
            &[("scheme", scheme), ("date", date), ("successor", &succ)],
        )
    }
}
