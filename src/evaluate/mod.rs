//! Evaluation: (scheme, profile, time) -> [`Evaluation`]. Pure, total and deterministic: no I/O,
//! no clock, no panics, and the same inputs always give the same result.
//!
//! Phases, per requirement in the scheme's resolved order:
//! 1. applicability from the catalogue's conditions over the profile's features (a condition on
//!    an unstated feature counts as holding: fail safe);
//! 2. a not-applicable claim (recommended provisions only, with a justification);
//! 3. lab results (any FAIL fails; else any INCONCLUSIVE; else PASS), which outrank declarations;
//!    a FAIL against a declaration that satisfies the rule is CONTRADICTED;
//! 4. otherwise the rule over the declared properties (three-valued: a missing property gives
//!    NOT ASSESSED).
//!
//! Then the tiers: tier *n* holds only if each of its requirements is MET at the assurance the
//! tier demands (or NOT APPLICABLE) and every tier below holds. The result keeps indices, not
//! text, so it is cheap; [`crate::report`] turns it into words.

mod rules;

use jiff::Timestamp;

use crate::criteria::model::{Assurance, Modal, Scheme};
use crate::profile::{Method, Profile, Verdict};
pub use rules::{Tri, eval_rule};

/// The verdict on one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// Evidence shows it is met.
    Met,
    /// Evidence shows it is not met.
    NotMet,
    /// It does not apply to this device.
    NotApplicable,
    /// No evidence decides it.
    NotAssessed,
    /// A lab could not decide it. Never counts as met.
    Inconclusive,
    /// Declared met, but a lab found otherwise.
    Contradicted,
}

impl Outcome {
    /// The upper-case words reports use.
    pub fn words(self) -> &'static str {
        match self {
            Outcome::Met => "MET",
            Outcome::NotMet => "NOT MET",
            Outcome::NotApplicable => "NOT APPLICABLE",
            Outcome::NotAssessed => "NOT ASSESSED",
            Outcome::Inconclusive => "INCONCLUSIVE",
            Outcome::Contradicted => "CONTRADICTED",
        }
    }
}

/// Where a verdict comes from. Ordered weakest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Provenance {
    /// The manufacturer's declarations.
    Declared,
    /// A lab's conceptual review.
    LabReviewed,
    /// A lab's functional test.
    LabTested,
    /// Another scheme's label, under a mutual-recognition arrangement.
    Recognised,
}

impl Provenance {
    /// The assurance this provenance gives.
    pub fn assurance(self) -> Assurance {
        match self {
            Provenance::Declared => Assurance::SelfDeclared,
            Provenance::LabReviewed => Assurance::LabReviewed,
            // The partner scheme's assessment stands in for whatever the tier demands.
            Provenance::LabTested | Provenance::Recognised => Assurance::LabTested,
        }
    }
}

/// What decided a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// NOT APPLICABLE: the requirement's condition (index into its conditions) does not hold.
    Condition(usize),
    /// NOT APPLICABLE by a justified claim.
    Justified,
    /// NOT MET: a not-applicable claim without justification.
    Unjustified,
    /// NOT MET: a not-applicable claim on a mandatory provision.
    NaOnMandatory,
    /// Lab results decided it.
    Lab,
    /// The rule over declarations decided it.
    Rule,
    /// NOT ASSESSED: the rule needs properties the profile does not declare.
    Missing,
    /// NOT ASSESSED: only a lab verdict can decide it and there is none.
    LabOnly,
    /// NOT ASSESSED: the only lab verdicts are older than the scheme accepts.
    StaleLab,
    /// MET by recognition: (index into the scheme's recognitions, index into the profile's
    /// recognised labels).
    Recognised(usize, usize),
}

/// The result for one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReqResult {
    /// The verdict.
    pub outcome: Outcome,
    /// Its provenance, where there is evidence.
    pub provenance: Option<Provenance>,
    /// What decided it.
    pub basis: Basis,
}

/// Why a requirement blocks a tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockReason {
    /// Not met.
    NotMet,
    /// No evidence.
    NotAssessed,
    /// Met, but with less assurance than the tier demands.
    OnlyDeclared,
    /// Met by a lab review, but the tier demands a lab test.
    OnlyReviewed,
    /// A not-applicable claim without justification.
    MissingJustification,
    /// A not-applicable claim on a mandatory provision.
    NotApplicableRefused,
    /// A justified not-applicable claim that no lab has accepted, where the tier needs one.
    NotApplicableUnverified,
    /// The lab result is inconclusive.
    Inconclusive,
    /// Declared met, a lab found otherwise.
    Contradicted,
}

impl BlockReason {
    /// Plain words.
    pub fn words(self) -> &'static str {
        match self {
            BlockReason::NotMet => "not met",
            BlockReason::NotAssessed => "not assessed",
            BlockReason::OnlyDeclared => "only declared",
            BlockReason::OnlyReviewed => "only lab-reviewed",
            BlockReason::MissingJustification => "missing justification",
            BlockReason::NotApplicableRefused => "not-applicable claim refused",
            BlockReason::NotApplicableUnverified => "not-applicable claim only declared",
            BlockReason::Inconclusive => "inconclusive",
            BlockReason::Contradicted => "contradicted",
        }
    }
}

/// One requirement that keeps a tier from holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocker {
    /// Index into the scheme's requirements.
    pub req: usize,
    /// The assurance the tier demands for it.
    pub needs: Assurance,
    /// Why it blocks.
    pub reason: BlockReason,
}

/// The state of one tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierResult {
    /// The tier's own requirements are all satisfied.
    pub own: bool,
    /// `own` and every tier below holds.
    pub holds: bool,
    /// How many of its own requirements are satisfied.
    pub satisfied: usize,
    /// How many it lists.
    pub required: usize,
    /// The ones that are not.
    pub blockers: Vec<Blocker>,
}

/// The whole evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The evaluation time.
    pub at: Timestamp,
    /// Per requirement, in the scheme's resolved order.
    pub results: Vec<ReqResult>,
    /// Per tier, by rank.
    pub tiers: Vec<TierResult>,
    /// Index of the highest tier that holds.
    pub tier: Option<usize>,
}

/// Evaluates a profile against a scheme at a given time.
pub fn evaluate(scheme: &Scheme, profile: &Profile, at: Timestamp) -> Evaluation {
    let cutoff = evidence_cutoff(scheme, at);
    let results: Vec<ReqResult> = scheme
        .requirements
        .iter()
        .map(|r| decide(r, profile, at, cutoff))
        .collect();
    let results = apply_recognitions(scheme, profile, at, results);
    let (tiers, tier) = compute_tiers(scheme, &results);
    Evaluation {
        at,
        results,
        tiers,
        tier,
    }
}

/// Mutual recognition: a requirement granted by a label the device holds becomes MET with
/// provenance `recognised`, unless it does not apply, is already lab-tested, or a lab found it
/// failing (explicit contrary evidence stands).
fn apply_recognitions(
    scheme: &Scheme,
    profile: &Profile,
    at: Timestamp,
    mut results: Vec<ReqResult>,
) -> Vec<ReqResult> {
    if scheme.recognitions.is_empty() || profile.recognised.is_empty() {
        return results;
    }
    for (ri, rec) in scheme.recognitions.iter().enumerate() {
        // Outside its dates, or a product category it does not cover: grants nothing.
        if rec.refusal(&profile.device.category, at).is_some() {
            continue;
        }
        let Some(hi) = profile
            .recognised
            .iter()
            .position(|h| h.scheme == rec.from && h.valid_until.is_none_or(|v| v.at > at))
        else {
            continue;
        };
        for i in scheme.granted(&rec.grants) {
            let Some(r) = results.get_mut(i) else {
                continue;
            };
            let keep = matches!(
                (r.outcome, r.basis, r.provenance),
                // Not applicable by the standard's conditions, or by a claim a lab accepted:
                // keep. A claim only declared is weaker than the recognised label: replace.
                (Outcome::NotApplicable, Basis::Condition(_), _)
                    | (
                        Outcome::NotApplicable,
                        _,
                        Some(Provenance::LabReviewed | Provenance::LabTested)
                    )
                    | (Outcome::NotMet | Outcome::Contradicted, Basis::Lab, _)
                    | (
                        Outcome::Met,
                        _,
                        Some(Provenance::LabTested | Provenance::Recognised)
                    )
            );
            if !keep {
                *r = ReqResult {
                    outcome: Outcome::Met,
                    provenance: Some(Provenance::Recognised),
                    basis: Basis::Recognised(ri, hi),
                };
            }
        }
    }
    results
}

/// The oldest lab verdict date a scheme accepts at `at`, if it caps evidence age.
pub fn evidence_cutoff(scheme: &Scheme, at: Timestamp) -> Option<Timestamp> {
    let p = scheme.evidence_max_age?;
    // An out-of-range period accepts nothing rather than everything: fail closed.
    Some(crate::time::add_period(at, -p.years, -p.months, -p.days).unwrap_or(Timestamp::MAX))
}

fn decide(
    req: &crate::criteria::model::Requirement,
    profile: &Profile,
    at: Timestamp,
    cutoff: Option<Timestamp>,
) -> ReqResult {
    let result = |outcome, provenance, basis| ReqResult {
        outcome,
        provenance,
        basis,
    };
    if let Some(i) = req
        .conditions
        .iter()
        .position(|c| eval_rule(&c.when, profile, at) == Tri::False)
    {
        return result(Outcome::NotApplicable, None, Basis::Condition(i));
    }
    if let Some(claim) = profile.not_applicable.get(&req.id).or_else(|| {
        req.aliases
            .iter()
            .find_map(|a| profile.not_applicable.get(a))
    }) {
        return if req.modal == Modal::M {
            result(
                Outcome::NotMet,
                Some(Provenance::Declared),
                Basis::NaOnMandatory,
            )
        } else if claim.justification.is_empty() {
            result(
                Outcome::NotMet,
                Some(Provenance::Declared),
                Basis::Unjustified,
            )
        } else {
            // A lab that accepted the justification (a PASS on the requirement) lifts the claim
            // to the lab's assurance; otherwise it is only declared.
            let lab = profile
                .tested
                .iter()
                .filter(|t| {
                    req.answers_to(&t.requirement)
                        && t.verdict == Verdict::Pass
                        && cutoff.is_none_or(|c| t.date.at >= c)
                })
                .map(|t| match t.method {
                    Method::Functional => Provenance::LabTested,
                    Method::Conceptual => Provenance::LabReviewed,
                })
                .max();
            result(
                Outcome::NotApplicable,
                Some(lab.unwrap_or(Provenance::Declared)),
                Basis::Justified,
            )
        };
    }
    // Lab results for this requirement, all test cases together.
    let mut verdict: Option<Verdict> = None;
    let mut functional_pass = false;
    let mut functional_other = false;
    let mut stale = false;
    for t in profile
        .tested
        .iter()
        .filter(|t| req.answers_to(&t.requirement))
    {
        if cutoff.is_some_and(|c| t.date.at < c) {
            stale = true;
            continue;
        }
        verdict = Some(verdict.map_or(t.verdict, |v| v.min(t.verdict)));
        match (t.verdict, t.method) {
            (Verdict::Pass, Method::Functional) => functional_pass = true,
            (_, Method::Functional) => functional_other = true,
            _ => {}
        }
    }
    let declared = match req.rule {
        crate::criteria::rule::Rule::Lab => None,
        ref rule => Some(eval_rule(rule, profile, at)),
    };
    let lab_prov = |functional: bool| {
        Some(if functional {
            Provenance::LabTested
        } else {
            Provenance::LabReviewed
        })
    };
    match verdict {
        // A lab verdict is about the device when it was tested; it cannot move a declared date.
        // A rule that compares a date with the evaluation time (e.g. the support period has not
        // ended) and fails on the declarations stays NOT MET whatever the lab said earlier.
        Some(Verdict::Pass) if declared == Some(Tri::False) && req.rule.uses_evaluation_time() => {
            result(Outcome::NotMet, Some(Provenance::Declared), Basis::Rule)
        }
        Some(Verdict::Pass) => result(Outcome::Met, lab_prov(functional_pass), Basis::Lab),
        Some(Verdict::Fail) if declared == Some(Tri::True) => result(
            Outcome::Contradicted,
            lab_prov(functional_other),
            Basis::Lab,
        ),
        Some(Verdict::Fail) => result(Outcome::NotMet, lab_prov(functional_other), Basis::Lab),
        Some(Verdict::Inconclusive) => result(
            Outcome::Inconclusive,
            lab_prov(functional_other),
            Basis::Lab,
        ),
        None => match declared {
            Some(Tri::True) => result(Outcome::Met, Some(Provenance::Declared), Basis::Rule),
            Some(Tri::False) => result(Outcome::NotMet, Some(Provenance::Declared), Basis::Rule),
            _ if stale => result(Outcome::NotAssessed, None, Basis::StaleLab),
            Some(Tri::Unknown) => result(Outcome::NotAssessed, None, Basis::Missing),
            None => result(Outcome::NotAssessed, None, Basis::LabOnly),
        },
    }
}

/// Whether a result satisfies a tier's demand, and if not, why.
pub fn block_reason(r: &ReqResult, needs: Assurance) -> Option<BlockReason> {
    match r.outcome {
        // By a claim: the claim needs the tier's assurance like any verdict. By the catalogue's
        // conditions: the standard itself removes the requirement.
        Outcome::NotApplicable if r.basis == Basis::Justified => {
            let have = r
                .provenance
                .map_or(Assurance::SelfDeclared, Provenance::assurance);
            (have < needs).then_some(BlockReason::NotApplicableUnverified)
        }
        Outcome::NotApplicable => None,
        Outcome::Met => {
            let have = r
                .provenance
                .map_or(Assurance::SelfDeclared, Provenance::assurance);
            if have >= needs {
                None
            } else if have == Assurance::LabReviewed {
                Some(BlockReason::OnlyReviewed)
            } else {
                Some(BlockReason::OnlyDeclared)
            }
        }
        Outcome::NotMet => Some(match r.basis {
            Basis::Unjustified => BlockReason::MissingJustification,
            Basis::NaOnMandatory => BlockReason::NotApplicableRefused,
            _ => BlockReason::NotMet,
        }),
        Outcome::NotAssessed => Some(BlockReason::NotAssessed),
        Outcome::Inconclusive => Some(BlockReason::Inconclusive),
        Outcome::Contradicted => Some(BlockReason::Contradicted),
    }
}

/// Tier results from per-requirement results: tier n holds only if every tier below holds.
pub fn compute_tiers(scheme: &Scheme, results: &[ReqResult]) -> (Vec<TierResult>, Option<usize>) {
    let mut tiers = Vec::with_capacity(scheme.tiers.len());
    let mut below = true;
    let mut reached = None;
    for (i, tier) in scheme.tiers.iter().enumerate() {
        let mut blockers = Vec::new();
        for e in &tier.entries {
            let Some(r) = results.get(e.req) else {
                blockers.push(Blocker {
                    req: e.req,
                    needs: e.assurance,
                    reason: BlockReason::NotAssessed,
                });
                continue;
            };
            if let Some(reason) = block_reason(r, e.assurance) {
                blockers.push(Blocker {
                    req: e.req,
                    needs: e.assurance,
                    reason,
                });
            }
        }
        let own = blockers.is_empty();
        let holds = own && below;
        if holds {
            reached = Some(i);
        }
        below = holds;
        tiers.push(TierResult {
            own,
            holds,
            satisfied: tier.entries.len() - blockers.len(),
            required: tier.entries.len(),
            blockers,
        });
    }
    (tiers, reached)
}
