//! What a label shows, in words: the verified claims, named by the trust list, put into the
//! words of one language (the `label` part of `words.toml`, see [`crate::words`]).

use serde::Deserialize;

use crate::criteria::model::{Assurance, TierDisplay};
use crate::label::LabelClaims;
use crate::label::claims::assurance_from_code;
use crate::time::format_date;
use crate::verify::VerifyReport;

/// The words of one language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)] // one field per phrase of words.toml's `label` part, documented there
pub struct Strings {
    pub tier_level: String,
    pub tier_stars: String,
    pub self_declared: String,
    pub lab_reviewed: String,
    pub lab_tested: String,
    pub firmware: String,
    pub firmware_minimum: String,
    pub hardware: String,
    pub issuer: String,
    pub expires: String,
    pub support_end: String,
    pub support_unknown: String,
    pub label_id: String,
    pub scan: String,
    pub variants: String,
    pub illustrative: String,
}

/// Languages with words in `words.toml` (`en`, `ja`).
pub fn languages() -> Vec<&'static str> {
    crate::words::languages()
}

/// The words for `lang`, if that language is bundled.
pub fn strings(lang: &str) -> Option<&'static Strings> {
    crate::words::of(lang).map(|w| &w.label)
}

/// Everything a label prints, language-neutral. Built only from a label whose signature and
/// issuer verified: names come from the trust list, never from the label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelFacts {
    /// Scheme name (trust list).
    pub scheme_name: String,
    /// Tier rank.
    pub tier_rank: u32,
    /// How the scheme shows tiers.
    pub tier_display: TierDisplay,
    /// Assurance of the tier.
    pub assurance: Assurance,
    /// Manufacturer (signed).
    pub manufacturer: String,
    /// Model (signed).
    pub model: String,
    /// Variants (signed).
    pub variants: Vec<String>,
    /// Hardware version (signed).
    pub hardware_version: String,
    /// Firmware (signed).
    pub firmware: String,
    /// Whether the firmware is a minimum.
    pub firmware_is_minimum: bool,
    /// Issuer name (trust list).
    pub issuer_name: String,
    /// Expiry, unix seconds.
    pub expires: i64,
    /// Support end, unix seconds.
    pub support_end: Option<i64>,
    /// Label id.
    pub label_id: [u8; 8],
    /// The full signed QR text.
    pub qr_text: String,
    /// The scheme is illustrative, not an official mark: the label must say so (see
    /// [`crate::verify`] for where this comes from).
    pub illustrative: bool,
}

/// Why facts could not be drawn from a verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FactsError {
    /// The label did not verify far enough to be printed.
    #[error("label not printable: {verdict}: {detail}")]
    NotGenuine {
        /// The verdict, in words.
        verdict: &'static str,
        /// The first finding.
        detail: String,
    },
}

impl LabelFacts {
    /// Facts from a label's claims and its verification report. The report must show the
    /// signature, issuer, role and scheme verified (device, issuer and scheme views present,
    /// and no finding before WRONG URL in precedence).
    pub fn new(
        claims: &LabelClaims,
        report: &VerifyReport,
        qr_text: &str,
        tier_display: TierDisplay,
    ) -> Result<LabelFacts, FactsError> {
        use crate::verify::Verdict;
        let blocking = report.findings.iter().find(|f| {
            matches!(
                f.verdict,
                Verdict::Malformed
                    | Verdict::TrustListInvalidOrExpired
                    | Verdict::UntrustedIssuer
                    | Verdict::BadSignature
                    | Verdict::RoleNotAllowed
                    | Verdict::WrongScheme
                    | Verdict::WrongUrl
                    | Verdict::KeyCompromised
                    | Verdict::Revoked
                    | Verdict::Expired
                    | Verdict::Suspended
            )
        });
        let not_genuine = |detail: String| FactsError::NotGenuine {
            verdict: report.verdict.words(),
            detail,
        };
        if let Some(f) = blocking {
            return Err(not_genuine(f.detail.clone()));
        }
        let (Some(issuer), Some(scheme)) = (&report.issuer, &report.scheme) else {
            return Err(not_genuine("issuer or scheme unknown".into()));
        };
        let b = &claims.label;
        Ok(LabelFacts {
            scheme_name: scheme.name.clone(),
            tier_rank: b.tier,
            tier_display,
            assurance: assurance_from_code(b.assurance)
                .ok_or_else(|| not_genuine("unknown assurance code".into()))?,
            manufacturer: b.manufacturer.clone(),
            model: b.model.clone(),
            variants: b.variants.clone(),
            hardware_version: b.hardware_version.clone(),
            firmware: b.firmware.clone(),
            firmware_is_minimum: b.firmware_is_minimum,
            issuer_name: issuer.name.clone(),
            expires: claims.expires,
            support_end: b.support_end,
            label_id: claims.label_id,
            qr_text: qr_text.to_string(),
            illustrative: scheme.illustrative == Some(true),
        })
    }

    /// The label id as people read it: upper-case hex in groups of four.
    pub fn label_id_words(&self) -> String {
        let h = hex::encode_upper(self.label_id);
        format!("{} {} {} {}", &h[0..4], &h[4..8], &h[8..12], &h[12..16])
    }

    /// The short registry URL (formats.md §4 form E): the verify URL's origin + `/L/` + the
    /// label id in upper-case hex, all QR-alphanumeric.
    pub fn registry_url(&self) -> String {
        let url = self.qr_text.split('#').next().unwrap_or_default();
        let origin = match url.find("://") {
            Some(i) => match url[i + 3..].find('/') {
                Some(j) => &url[..i + 3 + j],
                None => url,
            },
            None => url,
        };
        format!("{origin}/L/{}", hex::encode_upper(self.label_id))
    }

    /// The text of a field in the words of `s`; `None` for an unknown field name.
    pub fn field(&self, field: Field, s: &Strings) -> String {
        let date = |t: i64| format_date(t);
        match field {
            Field::Scheme => self.scheme_name.clone(),
            Field::Tier => match self.tier_display {
                TierDisplay::Level => s.tier_level.replace("{n}", &self.tier_rank.to_string()),
                TierDisplay::Stars => s.tier_stars.replace(
                    "{stars}",
                    &"★".repeat(usize::try_from(self.tier_rank).unwrap_or(1)),
                ),
            },
            Field::Assurance => match self.assurance {
                Assurance::SelfDeclared => s.self_declared.clone(),
                Assurance::LabReviewed => s.lab_reviewed.clone(),
                Assurance::LabTested => s.lab_tested.clone(),
            },
            Field::Manufacturer => self.manufacturer.clone(),
            Field::Model => self.model.clone(),
            Field::Variants => {
                if self.variants.is_empty() {
                    String::new()
                } else {
                    s.variants.replace("{list}", &self.variants.join(", "))
                }
            }
            Field::Hardware => s.hardware.replace("{hw}", &self.hardware_version),
            Field::Firmware => if self.firmware_is_minimum {
                &s.firmware_minimum
            } else {
                &s.firmware
            }
            .replace("{fw}", &self.firmware),
            Field::Issuer => s.issuer.replace("{name}", &self.issuer_name),
            Field::Expires => s.expires.replace("{date}", &date(self.expires)),
            Field::SupportEnd => match self.support_end {
                Some(t) => s
                    .support_end
                    .replace("{date}", &crate::time::format_support_end(t)),
                None => s.support_unknown.clone(),
            },
            Field::LabelId => s.label_id.replace("{id}", &self.label_id_words()),
            Field::Scan => s.scan.clone(),
            Field::Illustrative => {
                if self.illustrative {
                    s.illustrative.clone()
                } else {
                    String::new()
                }
            }
        }
    }
}

/// A printable field of a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// Scheme name.
    Scheme,
    /// Tier as the scheme shows it.
    Tier,
    /// Assurance in words.
    Assurance,
    /// Manufacturer.
    Manufacturer,
    /// Model.
    Model,
    /// Variants ("Also: ...").
    Variants,
    /// Hardware version.
    Hardware,
    /// Firmware.
    Firmware,
    /// Issuer name.
    Issuer,
    /// Expiry date.
    Expires,
    /// Support-period end.
    SupportEnd,
    /// Human-readable label id.
    LabelId,
    /// "Scan to check this label".
    Scan,
    /// "Illustrative scheme, not an official mark", printed only for an illustrative scheme.
    /// Every label template needs one (see [`crate::artwork::layout`]).
    Illustrative,
}

impl Field {
    /// Every field, for messages.
    pub const ALL: [(&'static str, Field); 14] = [
        ("scheme", Field::Scheme),
        ("tier", Field::Tier),
        ("assurance", Field::Assurance),
        ("manufacturer", Field::Manufacturer),
        ("model", Field::Model),
        ("variants", Field::Variants),
        ("hardware", Field::Hardware),
        ("firmware", Field::Firmware),
        ("issuer", Field::Issuer),
        ("expires", Field::Expires),
        ("support_end", Field::SupportEnd),
        ("label_id", Field::LabelId),
        ("scan", Field::Scan),
        ("illustrative", Field::Illustrative),
    ];

    /// Parses a template field name.
    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.iter().find(|(n, _)| *n == s).map(|(_, f)| *f)
    }
}
