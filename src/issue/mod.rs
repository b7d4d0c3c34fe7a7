//! Issuing: an evaluation that reached a tier becomes signed label claims, under a key whose
//! role and accreditation in the trust list allow that tier.
//!
//! Everything here is pure given its inputs (time, key, trust list, status index): the same
//! inputs give the same bytes. The ledger of what was issued ([`ledger`]) lives at the edge;
//! [`batch`] issues many labels against it in separate steps (plan, issue, record, release),
//! and [`claims_file`] is the readable claims file written beside each label.

pub mod batch;
pub mod claims_file;
pub mod ledger;

pub use claims_file::ClaimsFile;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::criteria::digest::canonical_json;
use crate::criteria::model::{Assurance, IssuingState, Scheme, SchemeKind};
use crate::criteria::vocab::Vocabulary;
use crate::evaluate::{Evaluation, Outcome, Provenance, evaluate};
use crate::ids::Kid;
use crate::keys::Signer;
use crate::label::claims::assurance_code;
use crate::label::{
    LabelBody, LabelClaims, ResultCode, label_id, pack_results, qr_text, sign_label,
};
use crate::profile::{Firmware, Profile};
use crate::report::Report;
use crate::time::{add_period, format_unix, unix};
use crate::trust::{KeyEntry, KeyState, Role, VerifiedTrustList};

/// A label, signed, with everything written beside it.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Its claims.
    pub claims: LabelClaims,
    /// The issuer id of the signing key, from its trust-list entry (the label itself carries
    /// no issuer: the kid names the key).
    pub issuer: String,
    /// The COSE_Sign1 bytes.
    pub cose: Vec<u8>,
    /// The QR text.
    pub qr_text: String,
    /// The assessment report the evidence digest covers.
    pub report: Report,
    /// The report's canonical JSON (its SHA-256 prefix is the evidence digest).
    pub report_json: String,
    /// The SHA-256 of `report_json` (the report's pages show it; its prefix is the evidence
    /// digest).
    pub report_digest: [u8; 32],
}

/// Why a label was not issued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The device reaches no tier; the gap report says why.
    #[error("{model}: no tier of {scheme} is reached; nothing to issue (see the gap below)")]
    NoTier {
        /// Scheme `id@version`.
        scheme: String,
        /// Model.
        model: String,
    },
    /// A compliance statement is not a label.
    #[error("{scheme} is a statement of compliance, not a label: nothing can be issued for it")]
    NotALabel {
        /// Scheme.
        scheme: String,
    },
    /// The signing key is not in the trust list.
    #[error("the signing key {kid} is not in trust list `{owner}`")]
    UnknownKey {
        /// Kid.
        kid: Kid,
        /// Trust list owner.
        owner: String,
    },
    /// The key's role or accreditation does not cover this label.
    #[error("key {kid} ({issuer}, role {}) may not sign this label: {why}", role.name())]
    RoleNotAllowed {
        /// Kid.
        kid: Kid,
        /// Issuer id.
        issuer: String,
        /// Role.
        role: Role,
        /// Why not.
        why: SignRefusal,
    },
    /// The trust list does not accept this scheme version and criteria digest.
    #[error(
        "trust list `{owner}` does not accept {scheme} with criteria digest {digest}: labels under these criteria would verify as WRONG SCHEME"
    )]
    SchemeNotAccepted {
        /// Owner.
        owner: String,
        /// Scheme `id@version`.
        scheme: String,
        /// Digest prefix, hex.
        digest: String,
    },
    /// The label would be expired on issue.
    #[error(
        "the label would expire at {expires}, not after its issue time {issued_at} (support period end, scheme validity or key validity)"
    )]
    NoValidity {
        /// iat.
        issued_at: String,
        /// exp.
        expires: String,
    },
    /// The scheme version does not issue labels at this time (outside its issuing window).
    #[error("{scheme} does not issue labels at {at}: {why}{}", successor.as_ref().map(|s| format!("; issue under its successor {s}")).unwrap_or_default())]
    NotIssuable {
        /// Scheme `id@version`.
        scheme: String,
        /// The issue time.
        at: String,
        /// The window, in words.
        why: String,
        /// The successor scheme version, if it names one.
        successor: Option<String>,
    },
    /// The declared support period has ended: no label can start after it.
    #[error(
        "the support period ended on {ended}: no label can be issued after it (issue time {issued_at})"
    )]
    SupportEnded {
        /// The support end.
        ended: String,
        /// iat.
        issued_at: String,
    },
    /// The profile's device texts break a label cap or the device text budget (the profile
    /// loader refuses these too, with the file position).
    #[error(
        "the device identity does not fit a label: {error}; shorten it, or cover the variants with separate labels (one profile each)"
    )]
    DeviceText {
        /// Which cap, with the byte count.
        error: crate::label::ClaimsError,
    },
    /// The envelope refused the claims (e.g. text over its cap).
    #[error("cannot encode the label: {0}")]
    Envelope(String),
    /// A label the ledger records could not be made again as it was (its files were lost by a
    /// killed run, and the key, trust list or scheme changed since).
    #[error(
        "label {label} is in the ledger but its files are missing, and it cannot be made again as it was (the key, trust list or scheme changed); restore its files from a backup"
    )]
    Reissue {
        /// The label id.
        label: crate::ids::LabelId,
    },
}

/// The ledger's input digest: SHA-256 of (kid, scheme, criteria digest, profile digest).
pub fn input_digest(
    kid: &[u8; 8],
    scheme_key: &str,
    criteria: &[u8; 32],
    profile: &[u8; 32],
) -> String {
    let mut h = Sha256::new();
    h.update(kid);
    h.update(scheme_key.as_bytes());
    h.update([0]);
    h.update(criteria);
    h.update(profile);
    hex::encode(h.finalize())
}

/// SHA-256 of a profile file's bytes.
pub fn profile_digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Why a key may not sign a label: the authorisation decision of [`may_sign`] and [`issue`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignRefusal {
    /// The entry does not list the scheme.
    #[error("it is not accredited for scheme `{scheme}` (only {})", accredited.join(", "))]
    NotAccredited {
        /// The label's scheme.
        scheme: String,
        /// The schemes the entry lists.
        accredited: Vec<String>,
    },
    /// A root or status key: it signs no labels.
    #[error("{}", match .0 { Role::Status => "a status key signs status lists only", _ => "a scheme-owner root signs trust lists only" })]
    SignsNoLabels(Role),
    /// A lab above its accredited tier.
    #[error("the lab is accredited up to tier {max}, not tier {tier}")]
    AboveLabTier {
        /// The highest tier it is accredited for.
        max: u32,
        /// The label's tier.
        tier: u32,
    },
    /// A lab entry without an accredited tier.
    #[error("the lab entry has no accredited tier")]
    NoLabTier,
    /// A manufacturer under a scheme version that does not allow self-declaration.
    #[error("this scheme does not allow manufacturers to self-declare")]
    NoSelfDeclaration,
    /// A manufacturer for a tier that needs more than self-declaration.
    #[error("a manufacturer signs self-declared tiers only; this tier needs {}", .0.name())]
    NotSelfDeclared(Assurance),
    /// The key is marked compromised.
    #[error("the key is marked compromised")]
    Compromised,
    /// Outside the key's signing window.
    #[error("it may sign from {} until {}, not at {}", format_unix(*not_before), format_unix(*sign_until), format_unix(*at))]
    OutsideWindow {
        /// Not valid before (unix seconds).
        not_before: i64,
        /// Signs nothing from (unix seconds).
        sign_until: i64,
        /// The issue time (unix seconds).
        at: i64,
    },
}

/// Checks that a key entry may sign a label of this tier and assurance under this scheme.
pub fn may_sign(
    entry: &KeyEntry,
    scheme_id: &str,
    tier_rank: u32,
    assurance: Assurance,
    self_declaration: bool,
) -> Result<(), SignRefusal> {
    if !entry.schemes.iter().any(|s| s == scheme_id) {
        return Err(SignRefusal::NotAccredited {
            scheme: scheme_id.to_string(),
            accredited: entry.schemes.clone(),
        });
    }
    match entry.role {
        Role::SchemeOwner | Role::Status => Err(SignRefusal::SignsNoLabels(entry.role)),
        Role::IssuingBody => Ok(()),
        Role::Lab => match entry.max_tier {
            Some(m) if tier_rank <= m => Ok(()),
            Some(max) => Err(SignRefusal::AboveLabTier {
                max,
                tier: tier_rank,
            }),
            None => Err(SignRefusal::NoLabTier),
        },
        Role::Manufacturer if !self_declaration => Err(SignRefusal::NoSelfDeclaration),
        Role::Manufacturer if assurance != Assurance::SelfDeclared => {
            Err(SignRefusal::NotSelfDeclared(assurance))
        }
        Role::Manufacturer => Ok(()),
    }
}

/// Per-requirement result codes for the label, in the scheme's order.
pub fn result_codes(ev: &Evaluation) -> Vec<ResultCode> {
    ev.results
        .iter()
        .map(|r| match (r.outcome, r.provenance) {
            (Outcome::NotApplicable, _) => ResultCode::NotApplicable,
            (Outcome::Met, Some(Provenance::Declared) | None) => ResultCode::MetDeclared,
            (Outcome::Met, Some(_)) => ResultCode::MetLab,
            _ => ResultCode::NotMet,
        })
        .collect()
}

/// Everything `issue` needs for one label.
pub struct IssueRequest<'a> {
    /// The scheme.
    pub scheme: &'a Scheme,
    /// The vocabulary.
    pub vocab: &'a Vocabulary,
    /// The profile.
    pub profile: &'a Profile,
    /// SHA-256 of the profile file.
    pub profile_digest: [u8; 32],
    /// Issue time.
    pub at: Timestamp,
    /// The signing key.
    pub key: &'a dyn Signer,
    /// The verified trust list naming the key.
    pub trust: &'a VerifiedTrustList,
    /// The label's index in the key's status list.
    pub status_index: u32,
}

/// Evaluates and, if a tier is reached and the key may sign it, issues the label.
pub fn issue(req: &IssueRequest<'_>) -> Result<Issued, (IssueError, Option<Box<Report>>)> {
    let scheme = req.scheme;
    let ev = evaluate(scheme, req.profile, req.at);
    let report = Report::new(scheme, req.vocab, req.profile, &ev);
    let fail = |e: IssueError| Err((e, Some(Box::new(report.clone()))));
    if scheme.kind == SchemeKind::Compliance {
        return fail(IssueError::NotALabel {
            scheme: scheme.key(),
        });
    }
    if let Some(e) = outside_window(scheme, req.at) {
        return fail(e);
    }
    if let Err(error) = check_profile_caps(req.profile) {
        return fail(IssueError::DeviceText { error });
    }
    let Some(ti) = ev.tier else {
        return fail(IssueError::NoTier {
            scheme: scheme.key(),
            model: req.profile.device.model.clone(),
        });
    };
    let tier = &scheme.tiers[ti];
    let kid = req.key.kid();
    let list = &req.trust.list;
    let public = req.key.public_key();
    let Some(entry) = list
        .keys_with_kid(kid)
        .find(|k| k.public_key_bytes() == Some(public))
    else {
        return fail(IssueError::UnknownKey {
            kid: Kid(kid),
            owner: list.owner.clone(),
        });
    };
    let iat = unix(req.at);
    if usize::try_from(req.status_index).map_or(true, |i| i >= crate::status::STATUS_ENTRIES) {
        return fail(IssueError::Envelope(format!(
            "status index {} is outside the status list ({} entries)",
            req.status_index,
            crate::status::STATUS_ENTRIES
        )));
    }
    let refuse = |why: SignRefusal| IssueError::RoleNotAllowed {
        kid: entry.kid,
        issuer: entry.issuer.clone(),
        role: entry.role,
        why,
    };
    if let Err(why) = may_sign(
        entry,
        &scheme.id,
        tier.rank,
        tier.assurance,
        scheme.self_declaration,
    ) {
        return fail(refuse(why));
    }
    if entry.state == KeyState::Compromised {
        return fail(refuse(SignRefusal::Compromised));
    }
    if iat < entry.not_before || iat >= entry.sign_until {
        return fail(refuse(SignRefusal::OutsideWindow {
            not_before: entry.not_before,
            sign_until: entry.sign_until,
            at: iat,
        }));
    }
    // The trust list names the first 16 bytes of the criteria digest; the label carries the
    // first 8 (see `LabelBody::criteria_digest` for why 8 are enough).
    let digest16: [u8; 16] = scheme.digest[..16].try_into().unwrap_or([0; 16]);
    let digest8: [u8; 8] = scheme.digest[..8].try_into().unwrap_or([0; 8]);
    let accepted = list.scheme(&scheme.id).is_some_and(|s| {
        s.accepted
            .iter()
            .any(|a| a.version == scheme.version && a.digest == hex::encode(digest16))
    });
    if !accepted {
        return fail(IssueError::SchemeNotAccepted {
            owner: list.owner.clone(),
            scheme: scheme.key(),
            digest: hex::encode(digest16),
        });
    }
    let Some(verify_url) = list.scheme(&scheme.id).map(|s| s.verify_url.clone()) else {
        return fail(IssueError::SchemeNotAccepted {
            owner: list.owner.clone(),
            scheme: scheme.key(),
            digest: hex::encode(digest16),
        });
    };

    // Expiry: the earliest of the scheme's validity, the support end and the key's validity.
    let support_end = support_end(req.vocab, req.profile);
    if let Some(s) = support_end.filter(|s| *s <= iat) {
        return fail(IssueError::SupportEnded {
            ended: format_unix(s),
            issued_at: format_unix(iat),
        });
    }
    let mut exp =
        add_period(req.at, i64::from(scheme.validity.max_years), 0, 0).map_or(i64::MAX, unix);
    if scheme.validity.cap_at_support_end
        && let Some(s) = support_end
    {
        exp = exp.min(s);
    }
    exp = exp.min(entry.valid_until);
    if exp <= iat {
        return fail(IssueError::NoValidity {
            issued_at: format_unix(iat),
            expires: format_unix(exp),
        });
    }

    let report_json = canonical_json(&serde_json::to_value(&report).unwrap_or_default());
    let evidence: [u8; 32] = Sha256::digest(report_json.as_bytes()).into();
    let mut evidence16 = [0u8; 16];
    evidence16.copy_from_slice(&evidence[..16]);
    let codes = result_codes(&ev);
    let (firmware, firmware_is_minimum) = match &req.profile.device.firmware {
        Firmware::Exact(v) => (v.clone(), false),
        Firmware::Minimum(v) => (v.clone(), true),
    };
    // The id follows from the key and the status index the ledger assigned (label::id): no
    // issuer can choose it, so none can take another's id or re-use a revoked one.
    let cti = label_id(&kid, req.status_index);
    let claims = LabelClaims {
        issued_at: iat,
        expires: exp,
        label_id: cti,
        status_index: req.status_index,
        label: LabelBody {
            scheme_id: scheme.id.clone(),
            scheme_version: scheme.version,
            criteria_digest: digest8,
            manufacturer: req.profile.device.manufacturer.clone(),
            model: req.profile.device.model.clone(),
            hardware_version: req.profile.device.hardware_version.clone(),
            firmware,
            firmware_is_minimum,
            tier: tier.rank,
            assurance: assurance_code(tier.assurance),
            support_end,
            results: pack_results(&codes),
            result_count: u32::try_from(codes.len()).unwrap_or(u32::MAX),
            evidence_digest: evidence16,
            variants: req.profile.device.variants.clone(),
        },
    };
    let cose = match sign_label(&claims, req.key) {
        Ok(c) => c,
        Err(e) => return fail(IssueError::Envelope(e.to_string())),
    };
    let text = qr_text(&verify_url, &cose);
    Ok(Issued {
        claims,
        issuer: entry.issuer.clone(),
        cose,
        qr_text: text,
        report,
        report_json,
        report_digest: evidence,
    })
}

/// The profile's device texts against the label caps and the device text budget
/// ([`crate::label::claims::check_device_text`]), with the firmware as the label carries it.
pub fn check_profile_caps(p: &Profile) -> Result<(), crate::label::ClaimsError> {
    let firmware = match &p.device.firmware {
        Firmware::Exact(v) | Firmware::Minimum(v) => v,
    };
    crate::label::claims::check_device_text(
        &p.device.manufacturer,
        &p.device.model,
        &p.device.hardware_version,
        firmware,
        &p.device.variants,
    )
}

/// The refusal for a scheme version outside its issuing window at `at`, if it is.
pub fn outside_window(scheme: &Scheme, at: Timestamp) -> Option<IssueError> {
    let lc = &scheme.lifecycle;
    let why = match lc.state(at) {
        IssuingState::Open => return None,
        IssuingState::NotYetOpen => format!(
            "it issues from {}",
            lc.issuable_from.map(|d| d.display()).unwrap_or_default()
        ),
        IssuingState::Closed => format!(
            "it stopped issuing after {}",
            lc.issuable_until.map(|d| d.display()).unwrap_or_default()
        ),
    };
    Some(IssueError::NotIssuable {
        scheme: scheme.key(),
        at: crate::time::format_ts(at),
        why,
        successor: lc.successor.clone(),
    })
}

/// The declared support-period end, unix seconds.
pub fn support_end(vocab: &Vocabulary, profile: &Profile) -> Option<i64> {
    let p = vocab.property("support.period_end")?;
    match &profile.declared.get(usize::from(p))?.as_ref()?.value {
        // Whole days: the label carries the support end as a day number (rounded down: never
        // later than declared).
        crate::value::Value::Date(d) => Some(unix(d.at).div_euclid(86_400) * 86_400),
        _ => None,
    }
}
