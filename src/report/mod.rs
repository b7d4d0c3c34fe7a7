//! Reports: an [`Evaluation`] turned into words a lab or a manufacturer can act on. A report is
//! a value: it serialises to stable JSON (`docs/report-format.md`) and renders as text, tier
//! first, then the gap to the next tier, then every requirement; [`html`] renders the JSON as one
//! self-contained HTML page.

mod explain;
pub mod html;
pub mod pdf;
mod text;
pub(crate) mod view;

use serde::{Deserialize, Serialize};

use crate::criteria::model::{Assurance, IssuingState, Scheme};
use crate::criteria::vocab::Vocabulary;
use crate::evaluate::{Basis, BlockReason, Evaluation, Outcome, Provenance};
use crate::profile::{Device, Method, Profile, Verdict};
use crate::time::format_ts;

pub use text::{render_summary, render_text};

/// A report and its label's claims read once (checked and typed) for both renderers: a batch
/// draws the HTML page and the PDF of every label from one read.
pub struct ReadReport(view::View);

impl ReadReport {
    /// Reads a report JSON value and, if given, the label's claims file (see
    /// [`html::to_html`] for what is refused).
    pub fn new(
        report: &serde_json::Value,
        label: Option<&serde_json::Value>,
        lang: html::Lang,
    ) -> Result<ReadReport, html::HtmlError> {
        view::View::new(report, label, lang).map(ReadReport)
    }

    /// A report just made by [`crate::issue::issue`], with the SHA-256 of its canonical JSON
    /// (which the page shows; issuing computed it for the evidence digest) and the label's
    /// claims file: the same view as [`ReadReport::new`] over that JSON, without reading it
    /// back.
    pub fn of_issued(
        report: &Report,
        report_digest: &[u8; 32],
        label: &crate::issue::ClaimsFile,
        lang: html::Lang,
    ) -> ReadReport {
        ReadReport(view::View::of(
            report.clone(),
            Some(label.clone()),
            report_digest,
            lang,
        ))
    }

    /// The HTML page.
    pub fn html(&self) -> String {
        html::html_of(&self.0)
    }

    /// The PDF.
    pub fn pdf(&self) -> Result<Vec<u8>, pdf::ReportPdfError> {
        pdf::pdf_of(&self.0)
    }
}

/// Format identifier of the JSON report.
pub const REPORT_FORMAT: &str = "iotlabel-report/1";

/// A scheme, as a report names it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SchemeRef {
    /// Scheme id.
    pub id: String,
    /// Scheme version.
    pub version: u32,
    /// Display name.
    pub name: String,
    /// Issuing body.
    pub issuing_body: String,
    /// Criteria digest (hex SHA-256).
    pub criteria_digest: String,
    /// `label` or `compliance` (a statement: evaluated, never issued).
    pub kind: crate::criteria::model::SchemeKind,
    /// Parts of the scheme are not confirmed from its official text.
    pub illustrative: bool,
}

/// A tier, as a report names it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TierRef {
    /// Rank, 1..n.
    pub rank: u32,
    /// Tier id.
    pub id: String,
    /// Name.
    pub name: String,
    /// As the scheme shows it ("Level 2", "★★").
    pub label: String,
    /// The assurance the tier demands.
    pub assurance: Assurance,
}

/// One tier's state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TierLine {
    /// Which tier.
    #[serde(flatten)]
    pub tier: TierRef,
    /// Holds together with every tier below.
    pub holds: bool,
    /// Own requirements satisfied.
    pub satisfied: usize,
    /// Own requirements listed.
    pub required: usize,
    /// "Level 2: 31 of 33 requirements satisfied".
    pub summary: String,
}

/// A requirement that blocks the next tier.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BlockerLine {
    /// Requirement id.
    pub id: String,
    /// Short title.
    pub title: String,
    /// M / MC / R / RC.
    pub status: String,
    /// Why it blocks (kebab-case code).
    pub reason: BlockReason,
    /// The same in words.
    pub reason_text: String,
    /// The assurance the tier demands for it.
    pub needs: Assurance,
    /// What the evidence says.
    pub detail: String,
    /// What to do.
    pub remediation: String,
}

/// The next tier and what blocks it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    /// The tier.
    #[serde(flatten)]
    pub tier: TierRef,
    /// Every requirement of that tier not yet satisfied, in scheme order.
    pub blockers: Vec<BlockerLine>,
}

/// One lab result, as reported.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LabLine {
    /// Test case id, if any.
    pub test_case: Option<String>,
    /// Verdict.
    pub verdict: Verdict,
    /// Conceptual or functional.
    pub method: Method,
    /// Lab id.
    pub lab: String,
    /// Date.
    pub date: String,
    /// Evidence digest.
    pub evidence_digest: Option<String>,
}

/// One requirement's row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RequirementLine {
    /// Requirement id.
    pub id: String,
    /// `catalogue@version` or `scheme`.
    pub catalogue: String,
    /// Clause reference.
    pub clause: Option<String>,
    /// Short title.
    pub title: String,
    /// M / MC / R / RC.
    pub status: String,
    /// False when the requirement's text is not confirmed from the official source.
    pub confirmed: bool,
    /// How the scheme assesses it.
    pub assessment: Vec<crate::criteria::model::AssessmentMethod>,
    /// What the requirement rests on, with its source.
    pub basis: crate::criteria::model::RuleBasis,
    /// What the threshold in its rule rests on, if it has one.
    pub threshold: Option<crate::criteria::model::RuleBasis>,
    /// The verdict.
    pub outcome: Outcome,
    /// Its provenance.
    pub provenance: Option<Provenance>,
    /// Why, in words.
    pub detail: String,
    /// Evidence links of the declarations used.
    pub evidence: Vec<String>,
    /// Lab results on it.
    pub lab_results: Vec<LabLine>,
}

/// One row of a side-by-side summary: a scheme, its outcome, and what blocks the next tier.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SummaryRow {
    /// `id@version`.
    pub scheme: String,
    /// Tier label, `none`, `COMPLIANT` or `NOT COMPLIANT`.
    pub result: String,
    /// Assurance of the tier reached.
    pub assurance: Option<Assurance>,
    /// The next tier's label (absent at the top).
    pub next_tier: Option<String>,
    /// Requirement ids blocking it, in scheme order.
    pub blocking: Vec<String>,
}

/// A complete assessment report for one profile against one scheme.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Always [`REPORT_FORMAT`].
    pub format: String,
    /// Evaluation time (UTC).
    pub evaluated_at: String,
    /// The scheme.
    pub scheme: SchemeRef,
    /// The device.
    pub device: Device,
    /// Support period end, if declared.
    pub support_period_end: Option<String>,
    /// The support period end again when it is at or before the evaluation time: the period
    /// has ended, so no label can be issued (validity is capped at it). Reports say so first.
    pub support_period_ended: Option<String>,
    /// Set when the scheme version does not issue labels at the evaluation time (outside its
    /// issuing window); reports say so first. The evaluation itself is unaffected.
    pub not_issuing: Option<NotIssuing>,
    /// The tier reached, if any.
    pub tier: Option<TierRef>,
    /// Every tier.
    pub tiers: Vec<TierLine>,
    /// The next tier and what blocks it (absent at the top tier).
    pub next_tier: Option<Gap>,
    /// Every requirement, in scheme order.
    pub requirements: Vec<RequirementLine>,
    /// Labels the device holds under other schemes, and what each did here.
    pub recognised: Vec<HeldLabel>,
    /// Features the profile does not state (their conditions were treated as holding).
    pub unstated_features: Vec<String>,
}

/// Why a scheme version does not issue labels at the evaluation time.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NotIssuing {
    /// `closed` (after its last issuing day) or `not-yet-open` (before its first).
    pub state: IssuingState,
    /// The last issuing day (closed) or the first (not yet open).
    pub date: String,
    /// The successor scheme version, if named.
    pub successor: Option<String>,
}

impl NotIssuing {
    fn of(scheme: &Scheme, at: jiff::Timestamp) -> Option<NotIssuing> {
        let lc = &scheme.lifecycle;
        let state = lc.state(at);
        let date = match state {
            IssuingState::Open => return None,
            IssuingState::Closed => lc.issuable_until?,
            IssuingState::NotYetOpen => lc.issuable_from?,
        };
        Some(NotIssuing {
            state,
            date: date.display(),
            successor: lc.successor.clone(),
        })
    }

    /// In words, for the text report.
    pub fn words(&self, scheme: &str) -> String {
        let succ = self
            .successor
            .as_ref()
            .map(|s| format!("; its successor is {s}"))
            .unwrap_or_default();
        if self.state == IssuingState::Closed {
            format!(
                "{scheme} no longer issues labels (last issuing day {}){succ}",
                self.date
            )
        } else {
            format!(
                "{scheme} does not issue labels yet (first issuing day {}){succ}",
                self.date
            )
        }
    }
}

/// A label held under another scheme, as the report shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HeldLabel {
    /// The other scheme.
    pub scheme: String,
    /// Its reference.
    pub reference: String,
    /// What it did in this evaluation, in words.
    pub effect: String,
}

fn tier_ref(scheme: &Scheme, i: usize) -> TierRef {
    let t = &scheme.tiers[i];
    TierRef {
        rank: t.rank,
        id: t.id.clone(),
        name: t.name.clone(),
        label: scheme.tier_label(t),
        assurance: t.assurance,
    }
}

impl RequirementLine {
    /// The bases a reader should see next to the requirement: the requirement's own when it is
    /// not the standard's text, and its threshold's ("threshold: project policy").
    pub fn basis_notes(&self) -> Vec<String> {
        use crate::criteria::model::BasisKind;
        let mut out = Vec::new();
        if self.basis.kind != BasisKind::Standard {
            out.push(format!("basis: {}", self.basis.kind.words()));
        }
        if let Some(t) = &self.threshold
            && t.kind != BasisKind::Standard
        {
            out.push(format!("threshold: {}", t.kind.words()));
        }
        out
    }
}

impl Report {
    /// Builds the report.
    pub fn new(scheme: &Scheme, vocab: &Vocabulary, profile: &Profile, ev: &Evaluation) -> Report {
        let cutoff = crate::evaluate::evidence_cutoff(scheme, ev.at);
        let requirements: Vec<RequirementLine> = scheme
            .requirements
            .iter()
            .zip(&ev.results)
            .map(|(req, r)| RequirementLine {
                id: req.id.clone(),
                catalogue: req.origin.clone(),
                clause: req.clause.clone(),
                title: req.title.clone(),
                status: req.status().to_string(),
                confirmed: req.confirmed,
                assessment: req.assessment.clone(),
                basis: req.basis.clone(),
                threshold: req.threshold.clone(),
                outcome: r.outcome,
                provenance: r.provenance,
                detail: match r.basis {
                    Basis::Recognised(ri, hi) => {
                        match (scheme.recognitions.get(ri), profile.recognised.get(hi)) {
                            (Some(rec), Some(held)) => format!(
                                "recognised: {} {} (arrangement {}, {})",
                                rec.name, held.reference, rec.id, rec.source
                            ),
                            _ => String::new(),
                        }
                    }
                    _ => explain::detail(req, r, profile, vocab, ev.at, cutoff),
                },
                evidence: if matches!(r.basis, Basis::Rule) {
                    explain::evidence(req, profile)
                } else {
                    Vec::new()
                },
                lab_results: profile
                    .tested
                    .iter()
                    .filter(|t| req.answers_to(&t.requirement))
                    .map(|t| LabLine {
                        test_case: t.test_case.clone(),
                        verdict: t.verdict,
                        method: t.method,
                        lab: t.lab.clone(),
                        date: t.date.display(),
                        evidence_digest: t.evidence_digest.clone(),
                    })
                    .collect(),
            })
            .collect();
        let tiers = scheme
            .tiers
            .iter()
            .zip(&ev.tiers)
            .enumerate()
            .map(|(i, (t, tr))| TierLine {
                tier: tier_ref(scheme, i),
                holds: tr.holds,
                satisfied: tr.satisfied,
                required: tr.required,
                summary: format!(
                    "{}: {} of {} requirements satisfied",
                    t.name, tr.satisfied, tr.required
                ),
            })
            .collect();
        let next = ev.tier.map_or(0, |i| i + 1);
        let next_tier = ev.tiers.get(next).map(|tr| Gap {
            tier: tier_ref(scheme, next),
            blockers: tr
                .blockers
                .iter()
                .map(|b| {
                    let line = &requirements[b.req];
                    let req = &scheme.requirements[b.req];
                    BlockerLine {
                        id: line.id.clone(),
                        title: line.title.clone(),
                        status: line.status.clone(),
                        reason: b.reason,
                        reason_text: reason_text(b.reason, b.needs),
                        needs: b.needs,
                        detail: line.detail.clone(),
                        remediation: remediation(b.reason, b.needs, &req.remediation),
                    }
                })
                .collect(),
        });
        let support_date = vocab
            .property("support.period_end")
            .and_then(|p| {
                profile
                    .declared
                    .get(usize::from(p))
                    .and_then(Option::as_ref)
            })
            .and_then(|d| match &d.value {
                crate::value::Value::Date(d) => Some(*d),
                _ => None,
            });
        // Shown as the label shows it (crate::time::format_support_end), compared as an instant.
        let shown = |d: crate::time::DateValue| crate::time::format_support_end(d.at.as_second());
        let support_period_end = support_date.map(shown);
        let support_period_ended = support_date.filter(|d| d.at <= ev.at).map(shown);
        Report {
            format: REPORT_FORMAT.to_string(),
            evaluated_at: format_ts(ev.at),
            scheme: SchemeRef {
                id: scheme.id.clone(),
                version: scheme.version,
                name: scheme.name.clone(),
                issuing_body: scheme.issuing_body.clone(),
                criteria_digest: scheme.digest_hex(),
                kind: scheme.kind,
                illustrative: scheme.illustrative,
            },
            device: profile.device.clone(),
            support_period_end,
            support_period_ended,
            not_issuing: if scheme.kind == crate::criteria::model::SchemeKind::Label {
                NotIssuing::of(scheme, ev.at)
            } else {
                None
            },
            tier: ev.tier.map(|i| tier_ref(scheme, i)),
            tiers,
            next_tier,
            requirements,
            recognised: profile
                .recognised
                .iter()
                .enumerate()
                .map(|(hi, h)| {
                    let recs: Vec<&crate::criteria::model::Recognition> = scheme
                        .recognitions
                        .iter()
                        .filter(|r| r.from == h.scheme)
                        .collect();
                    let used = ev
                        .results
                        .iter()
                        .filter(|r| matches!(r.basis, Basis::Recognised(_, x) if x == hi))
                        .count();
                    let effect = if recs.is_empty() {
                        "not recognised by this scheme".to_string()
                    } else if h.valid_until.is_some_and(|v| v.at <= ev.at) {
                        format!(
                            "expired {}: grants nothing",
                            h.valid_until.map(|v| v.display()).unwrap_or_default()
                        )
                    } else if let Some(why) = recs
                        .iter()
                        .map(|r| r.refusal(&profile.device.category, ev.at))
                        .collect::<Option<Vec<String>>>()
                    {
                        // Every arrangement for this label refuses it: say why.
                        format!("grants nothing: {}", why.join("; "))
                    } else {
                        format!(
                            "recognised ({}); {used} requirement(s) met by it",
                            recs.iter()
                                .map(|r| r.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    HeldLabel {
                        scheme: h.scheme.clone(),
                        reference: h.reference.clone(),
                        effect,
                    }
                })
                .collect(),
            unstated_features: vocab
                .features
                .iter()
                .zip(&profile.features)
                .filter(|(_, v)| v.is_none())
                .map(|(f, _)| f.name.clone())
                .collect(),
        }
    }

    /// The report as one summary row.
    pub fn summary_row(&self) -> SummaryRow {
        SummaryRow {
            scheme: format!("{}@{}", self.scheme.id, self.scheme.version),
            result: self.headline(),
            assurance: self.tier.as_ref().map(|t| t.assurance),
            next_tier: self.next_tier.as_ref().map(|g| g.tier.label.clone()),
            blocking: self
                .next_tier
                .as_ref()
                .map(|g| g.blockers.iter().map(|b| b.id.clone()).collect())
                .unwrap_or_default(),
        }
    }

    /// True for a compliance statement (e.g. UK PSTI) rather than a label.
    pub fn is_compliance(&self) -> bool {
        self.scheme.kind == crate::criteria::model::SchemeKind::Compliance
    }

    /// The outcome in a few words: the tier label, "none", or COMPLIANT / NOT COMPLIANT.
    pub fn headline(&self) -> String {
        match (&self.tier, self.is_compliance()) {
            (Some(_), true) => "COMPLIANT".to_string(),
            (None, true) => "NOT COMPLIANT".to_string(),
            (Some(t), false) => t.label.clone(),
            (None, false) => "none".to_string(),
        }
    }

    /// Pretty JSON (stable key order, as declared in the structs).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn reason_text(reason: BlockReason, needs: Assurance) -> String {
    match reason {
        BlockReason::OnlyDeclared | BlockReason::OnlyReviewed => {
            format!("{}: the tier needs {}", reason.words(), needs.name())
        }
        other => other.words().to_string(),
    }
}

fn remediation(reason: BlockReason, needs: Assurance, text: &str) -> String {
    match reason {
        BlockReason::OnlyDeclared | BlockReason::OnlyReviewed => match needs {
            Assurance::LabTested => "Have an accredited lab test it (functional assessment) and record the result.".to_string(),
            _ => "Have an accredited lab review the declaration (conceptual assessment) and record the result.".to_string(),
        },
        BlockReason::NotApplicableUnverified => format!(
            "Have an accredited lab review the not-applicable justification ({}) and record a PASS.",
            needs.name()
        ),
        BlockReason::MissingJustification => "Give a justification for the not-applicable claim, or meet the provision.".to_string(),
        BlockReason::NotApplicableRefused => format!("Mandatory provisions cannot be waived. {text}"),
        BlockReason::Inconclusive => format!("Resolve the inconclusive lab result and re-test. {text}"),
        _ => text.to_string(),
    }
}
