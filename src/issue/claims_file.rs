//! The readable claims file written beside each label (`<label-id>.json`): the signed claims in
//! words, plus what the label itself does not carry (the issuer from the trust list, the tier's
//! name, each requirement's id). Its field order is its byte layout: do not reorder.

use serde::{Deserialize, Serialize};

use super::Issued;
use crate::criteria::CriteriaSet;
use crate::time::{format_support_end, format_unix};

/// `<label-id>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimsFile {
    /// Label id, hex.
    pub label_id: String,
    /// Issuer id, from the trust-list entry of the signing key (the label carries no issuer).
    pub issuer: String,
    /// iat, RFC 3339.
    pub issued_at: String,
    /// exp, RFC 3339.
    pub expires: String,
    /// Index in the key's status list.
    pub status_index: u32,
    /// Scheme id.
    pub scheme: String,
    /// Scheme version.
    pub scheme_version: u32,
    /// First 8 bytes of the criteria digest, hex.
    pub criteria_digest: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// Variants covered.
    pub variants: Vec<String>,
    /// Hardware version.
    pub hardware_version: String,
    /// Firmware version.
    pub firmware: String,
    /// True if the firmware is a minimum.
    pub firmware_is_minimum: bool,
    /// Tier rank.
    pub tier: u32,
    /// Tier name (from the report).
    pub tier_label: Option<String>,
    /// Assurance name (from the report).
    pub assurance: Option<String>,
    /// Support period end, as a human date.
    pub support_end: Option<String>,
    /// First 16 bytes of the report digest, hex.
    pub evidence_digest: String,
    /// Per requirement, in scheme order (empty if the scheme is not in the criteria).
    pub results: Vec<ResultLine>,
    /// The QR text.
    pub qr_text: String,
}

/// One requirement's result on the label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultLine {
    /// Requirement id.
    pub id: String,
    /// Result code name (`MetLab`, `MetDeclared`, `NotMet`, `NotApplicable`).
    pub result: String,
}

impl ClaimsFile {
    /// The claims file of an issued label; `set` names the requirements.
    pub fn new(i: &Issued, set: &CriteriaSet) -> ClaimsFile {
        let c = &i.claims;
        let b = &c.label;
        let scheme = set
            .schemes
            .iter()
            .find(|s| s.id == b.scheme_id && s.version == b.scheme_version);
        let results = match (scheme, b.result_codes()) {
            (Some(s), Ok(codes)) => s
                .requirements
                .iter()
                .zip(codes)
                .map(|(r, code)| ResultLine {
                    id: r.id.clone(),
                    result: format!("{code:?}"),
                })
                .collect(),
            _ => Vec::new(),
        };
        ClaimsFile {
            label_id: hex::encode(c.label_id),
            issuer: i.issuer.clone(),
            issued_at: format_unix(c.issued_at),
            expires: format_unix(c.expires),
            status_index: c.status_index,
            scheme: b.scheme_id.clone(),
            scheme_version: b.scheme_version,
            criteria_digest: hex::encode(b.criteria_digest),
            manufacturer: b.manufacturer.clone(),
            model: b.model.clone(),
            variants: b.variants.clone(),
            hardware_version: b.hardware_version.clone(),
            firmware: b.firmware.clone(),
            firmware_is_minimum: b.firmware_is_minimum,
            tier: b.tier,
            tier_label: i.report.tier.as_ref().map(|t| t.label.clone()),
            assurance: i
                .report
                .tier
                .as_ref()
                .map(|t| t.assurance.name().to_string()),
            support_end: b.support_end.map(format_support_end),
            evidence_digest: hex::encode(b.evidence_digest),
            results,
            qr_text: i.qr_text.clone(),
        }
    }

    /// The file's text: pretty JSON and a newline.
    pub fn to_text(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}
