//! The validated criteria: types that cannot hold a bad state once loading succeeded.

use std::sync::Arc;

use super::rule::Rule;
use super::vocab::Vocabulary;

/// Whether a provision is a "shall" or a "should".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Modal {
    /// Mandatory.
    M,
    /// Recommended.
    R,
}

/// A catalogue's numbered condition, mapped onto features.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The catalogue's own id ("1" ... "13").
    pub id: String,
    /// Short own-words text.
    pub text: String,
    /// When it holds, over features only.
    pub when: Rule,
}

/// One requirement (a provision of a catalogue, or a scheme-local requirement).
#[derive(Debug, Clone)]
pub struct Requirement {
    /// `id@version` of the catalogue, or `scheme` for scheme-local requirements.
    pub origin: String,
    /// The requirement id (`5.1-1`).
    pub id: String,
    /// Clause reference, if any.
    pub clause: Option<String>,
    /// Short own-words title.
    pub title: String,
    /// M or R.
    pub modal: Modal,
    /// Conditions that must all hold for the requirement to apply.
    pub conditions: Vec<Arc<Condition>>,
    /// What a manufacturer should do.
    pub remediation: String,
    /// The rule that decides it from declarations.
    pub rule: Rule,
    /// False when the requirement's text is not confirmed from the official source.
    pub confirmed: bool,
    /// How the scheme assesses it (document review, device test), as the scheme states.
    pub assessment: Vec<AssessmentMethod>,
    /// Other requirement ids whose lab results and not-applicable claims count for this one
    /// (e.g. V3.1.3 `5.0-1` for a result recorded against V2.1.1 `4-1`), so one assessment
    /// serves every scheme.
    pub aliases: Vec<String>,
    /// The earlier edition's provision this one is a part of (V3.1.3 `5.3-15A` of V2.1.1
    /// `5.3-15`). Unlike an alias, only lab results on the whole count here, and a FAIL on the
    /// whole is reported as such (it does not say which part failed); a not-applicable claim
    /// on the whole does not carry over, since the parts' conditions may differ.
    pub split_from: Option<String>,
    /// What the requirement rests on (default: the standard for catalogue provisions, the
    /// scheme's rules for scheme-local requirements).
    pub basis: RuleBasis,
    /// What the threshold in its rule rests on (a number such as "30 days"); every rule with a
    /// threshold must have one.
    pub threshold: Option<RuleBasis>,
}

impl Requirement {
    /// True if a lab result recorded against `id` is about this requirement (its own id, an
    /// alias, or the provision it was split from).
    pub fn answers_to(&self, id: &str) -> bool {
        self.id == id
            || self.aliases.iter().any(|a| a == id)
            || self.split_from.as_deref() == Some(id)
    }

    /// True if a lab result recorded against `id` is about the whole provision this one was
    /// split from, not about this part.
    pub fn is_split_parent(&self, id: &str) -> bool {
        self.split_from.as_deref() == Some(id)
    }
}

/// What a requirement, or a threshold in its rule, rests on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum BasisKind {
    /// The standard's own text.
    Standard,
    /// The scheme's published rules.
    Scheme,
    /// This project's reading of secondary sources.
    Inferred,
    /// A number or choice this project made (e.g. "acknowledge within 30 days").
    Policy,
}

impl BasisKind {
    /// Kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            BasisKind::Standard => "standard",
            BasisKind::Scheme => "scheme",
            BasisKind::Inferred => "inferred",
            BasisKind::Policy => "policy",
        }
    }

    /// Parses the kebab-case name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "standard" => Some(BasisKind::Standard),
            "scheme" => Some(BasisKind::Scheme),
            "inferred" => Some(BasisKind::Inferred),
            "policy" => Some(BasisKind::Policy),
            _ => None,
        }
    }

    /// Plain words for reports.
    pub fn words(self) -> &'static str {
        match self {
            BasisKind::Standard => "the standard's own text",
            BasisKind::Scheme => "the scheme's published rules",
            BasisKind::Inferred => "this project's reading of secondary sources",
            BasisKind::Policy => "project policy",
        }
    }
}

/// A basis with the source it cites.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleBasis {
    /// What kind of basis.
    pub kind: BasisKind,
    /// Where it is published or argued (URL or the research notes' section).
    pub source: String,
}

/// How a scheme says a requirement is assessed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum AssessmentMethod {
    /// Review of documents and declarations.
    DocumentReview,
    /// Test of the device.
    DeviceTest,
}

impl AssessmentMethod {
    /// Kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            AssessmentMethod::DocumentReview => "document-review",
            AssessmentMethod::DeviceTest => "device-test",
        }
    }
}

impl Requirement {
    /// The status as the standard writes it: M, MC, R or RC.
    pub fn status(&self) -> &'static str {
        match (self.modal, self.conditions.is_empty()) {
            (Modal::M, true) => "M",
            (Modal::M, false) => "MC",
            (Modal::R, true) => "R",
            (Modal::R, false) => "RC",
        }
    }
}

/// A requirement catalogue such as ETSI EN 303 645 V2.1.1.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// Catalogue id.
    pub id: String,
    /// Catalogue version.
    pub version: String,
    /// Title.
    pub title: String,
    /// Where the provisions come from.
    pub source: String,
    /// Its conditions.
    pub conditions: Vec<Arc<Condition>>,
    /// Its requirements, in file order.
    pub requirements: Vec<Arc<Requirement>>,
    /// The file it was loaded from.
    pub path: String,
}

impl Catalogue {
    /// `id@version`.
    pub fn key(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }
}

/// How much assurance a verdict carries, or a tier demands. Ordered weakest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Assurance {
    /// The manufacturer's own declaration.
    SelfDeclared,
    /// A lab reviewed the declared design (ETSI TS 103 701 conceptual assessment).
    LabReviewed,
    /// A lab tested the device (functional assessment).
    LabTested,
}

impl Assurance {
    /// Kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Assurance::SelfDeclared => "self-declared",
            Assurance::LabReviewed => "lab-reviewed",
            Assurance::LabTested => "lab-tested",
        }
    }

    /// Plain words for consumers and reports.
    pub fn words(self) -> &'static str {
        match self {
            Assurance::SelfDeclared => "self-declared, not lab-tested",
            Assurance::LabReviewed => "declaration reviewed by a lab, not lab-tested",
            Assurance::LabTested => "lab-tested",
        }
    }

    /// Parses the kebab-case name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "self-declared" => Some(Assurance::SelfDeclared),
            "lab-reviewed" => Some(Assurance::LabReviewed),
            "lab-tested" => Some(Assurance::LabTested),
            _ => None,
        }
    }
}

/// How a scheme shows its tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TierDisplay {
    /// "Level 2".
    Level,
    /// "★★".
    Stars,
}

/// One requirement a tier lists, with the assurance it demands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierEntry {
    /// Index into [`Scheme::requirements`].
    pub req: usize,
    /// The assurance a MET verdict needs for this tier.
    pub assurance: Assurance,
}

/// One tier of a scheme.
#[derive(Debug, Clone)]
pub struct Tier {
    /// 1..n.
    pub rank: u32,
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The assurance this tier demands by default.
    pub assurance: Assurance,
    /// What the tier needs, beyond the tiers below.
    pub entries: Vec<TierEntry>,
}

/// What a scheme produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemeKind {
    /// A label that can be issued and signed.
    Label,
    /// A statement of compliance with a legal duty (e.g. UK PSTI): evaluated, never issued.
    Compliance,
}

/// A calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Period {
    /// Years.
    pub years: i64,
    /// Months.
    pub months: i64,
    /// Days.
    pub days: i64,
}

/// What a recognised label of another scheme stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grants {
    /// Every requirement of this tier (index) and the tiers below.
    Tier(usize),
    /// These requirements (indices into the scheme's requirements).
    Requirements(Vec<usize>),
}

/// A mutual-recognition arrangement: a label of another scheme counts in this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognition {
    /// Stable id.
    pub id: String,
    /// The other scheme, as profiles name it.
    pub from: String,
    /// Its name, for reports.
    pub name: String,
    /// What it grants.
    pub grants: Grants,
    /// Where the arrangement is published.
    pub source: String,
    /// Before this date the arrangement grants nothing.
    pub effective_from: Option<crate::time::DateValue>,
    /// From this date on the arrangement grants nothing.
    pub effective_until: Option<crate::time::DateValue>,
    /// Product categories the arrangement does not cover: a device of one of them is granted
    /// nothing, and the report says why.
    pub excluded_categories: Vec<String>,
}

impl Recognition {
    /// Why the arrangement grants nothing to a device of `category` at `at`, if it does not.
    pub fn refusal(&self, category: &str, at: jiff::Timestamp) -> Option<String> {
        if let Some(d) = self.effective_from.filter(|d| at < d.at) {
            return Some(format!("the arrangement takes effect on {}", d.display()));
        }
        if let Some(d) = self.effective_until.filter(|d| at >= d.at) {
            return Some(format!("the arrangement ended on {}", d.display()));
        }
        if self.excluded_categories.iter().any(|c| c == category) {
            return Some(format!(
                "the arrangement does not cover the product category `{category}` ({})",
                self.source
            ));
        }
        None
    }
}

impl Scheme {
    /// The requirement indices a recognition grants.
    pub fn granted(&self, g: &Grants) -> Vec<usize> {
        match g {
            Grants::Tier(t) => {
                let mut v: Vec<usize> = self
                    .tiers
                    .iter()
                    .take(t + 1)
                    .flat_map(|t| t.entries.iter().map(|e| e.req))
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            }
            Grants::Requirements(r) => r.clone(),
        }
    }
}

/// Label validity rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Years from issue.
    pub max_years: u32,
    /// Never beyond `support.period_end`.
    pub cap_at_support_end: bool,
}

/// When a scheme version issues labels. Evaluation works at any time; only issuing is bound
/// to the window, and a label issued inside it stays valid to its own expiry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lifecycle {
    /// The first day it issues labels.
    pub issuable_from: Option<crate::time::DateValue>,
    /// The last day it issues labels (it issues through the end of that day, UTC).
    pub issuable_until: Option<crate::time::DateValue>,
    /// The scheme version (`id@version`) that replaces it.
    pub successor: Option<String>,
}

/// Where `at` falls in a scheme's issuing window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IssuingState {
    /// Inside the window: labels can be issued.
    Open,
    /// Before `issuable_from`.
    NotYetOpen,
    /// After the last issuing day.
    Closed,
}

impl Lifecycle {
    /// Where `at` falls in the window.
    pub fn state(&self, at: jiff::Timestamp) -> IssuingState {
        if self.issuable_from.is_some_and(|d| at < d.at) {
            return IssuingState::NotYetOpen;
        }
        // Through the end of the last day: closed from 00:00Z the day after.
        let closes = self
            .issuable_until
            .and_then(|d| crate::time::add_period(d.at, 0, 0, 1));
        if closes.is_some_and(|c| at >= c) {
            IssuingState::Closed
        } else {
            IssuingState::Open
        }
    }
}

/// A validated label scheme with its requirements resolved.
#[derive(Debug, Clone)]
pub struct Scheme {
    /// Scheme id.
    pub id: String,
    /// Scheme version.
    pub version: u32,
    /// Display name.
    pub name: String,
    /// Who issues the label.
    pub issuing_body: String,
    /// Level or stars.
    pub tier_display: TierDisplay,
    /// May a manufacturer sign its self-declared tiers?
    pub self_declaration: bool,
    /// Parts of the scheme are not confirmed from its official text: labels are illustrative.
    pub illustrative: bool,
    /// Label or compliance statement.
    pub kind: SchemeKind,
    /// Lab verdicts older than this (before the evaluation time) count as NOT ASSESSED.
    pub evidence_max_age: Option<Period>,
    /// Validity rules.
    pub validity: Validity,
    /// When it issues labels, and what replaces it.
    pub lifecycle: Lifecycle,
    /// `id@version` of each catalogue it builds on.
    pub catalogues: Vec<String>,
    /// Resolved requirements, in the scheme's resolved order.
    pub requirements: Vec<Arc<Requirement>>,
    /// Tiers, by rank.
    pub tiers: Vec<Tier>,
    /// Labels of other schemes this scheme recognises.
    pub recognitions: Vec<Recognition>,
    /// SHA-256 of the canonical encoding (see `criteria/README.md`).
    pub digest: [u8; 32],
    /// The file it was loaded from.
    pub path: String,
}

impl Scheme {
    /// `id@version`.
    pub fn key(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }

    /// The tier as the scheme shows it: "Level 2" or "★★".
    pub fn tier_label(&self, tier: &Tier) -> String {
        match self.tier_display {
            TierDisplay::Level => tier.name.clone(),
            // JC-STAR writes its levels as ★1, ★2 ...; artwork may draw the stars themselves.
            TierDisplay::Stars => format!("★{}", tier.rank),
        }
    }

    /// How many of its requirements rest on confirmed text (the standard's or the scheme's,
    /// not marked unconfirmed), how many on this project's reading (basis `inferred` or
    /// unconfirmed text), and how many rules hold a threshold this project chose (`policy`).
    pub fn basis_counts(&self) -> BasisCounts {
        let mut c = BasisCounts::default();
        for r in &self.requirements {
            if r.confirmed && matches!(r.basis.kind, BasisKind::Standard | BasisKind::Scheme) {
                c.confirmed += 1;
            } else {
                c.inferred += 1;
            }
            if r.basis.kind == BasisKind::Policy
                || r.threshold
                    .as_ref()
                    .is_some_and(|t| t.kind == BasisKind::Policy)
            {
                c.policy += 1;
            }
        }
        c
    }

    /// The criteria digest as lower-case hex.
    pub fn digest_hex(&self) -> String {
        hex::encode(self.digest)
    }
}

/// See [`Scheme::basis_counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BasisCounts {
    /// Requirements resting on confirmed text of the standard or the scheme.
    pub confirmed: usize,
    /// Requirements resting on this project's reading, or on unconfirmed text.
    pub inferred: usize,
    /// Requirements whose rule holds a threshold this project chose.
    pub policy: usize,
}

/// Everything loaded from a criteria tree.
#[derive(Debug, Clone, Default)]
pub struct CriteriaSet {
    /// Features and properties.
    pub vocab: Vocabulary,
    /// Catalogues.
    pub catalogues: Vec<Arc<Catalogue>>,
    /// Schemes, sorted by id then version.
    pub schemes: Vec<Scheme>,
}

impl CriteriaSet {
    /// Finds a scheme by `id@version`, or by `id` alone (the newest version).
    pub fn scheme(&self, name: &str) -> Option<&Scheme> {
        match name.split_once('@') {
            Some((id, v)) => self
                .schemes
                .iter()
                .find(|s| s.id == id && s.version.to_string() == v),
            None => self
                .schemes
                .iter()
                .filter(|s| s.id == name)
                .max_by_key(|s| s.version),
        }
    }

    /// Every requirement id known to any catalogue or scheme.
    pub fn requirement_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .catalogues
            .iter()
            .flat_map(|c| c.requirements.iter().map(|r| r.id.as_str()))
            .chain(
                self.schemes
                    .iter()
                    .flat_map(|s| s.requirements.iter().map(|r| r.id.as_str())),
            )
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}
