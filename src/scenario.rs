//! A complete throwaway trust setup for demos and test vectors: one scheme owner governing every
//! bundled label scheme, an issuing body, a lab, a manufacturer and a status key, with their
//! trust list. Keys come from a seed so a demo or a vector can be reproduced byte for byte; the
//! seed is not a secret and these keys must never sign anything real.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::criteria::model::{Assurance, SchemeKind};
use crate::criteria::{CriteriaSet, Scheme};
use crate::keys::{Signer, SoftwareKey};
use crate::trust::{
    KeyEntry, NewKey, Role, TrustList, VerifiedTrustList, add_key, new_draft, open_trust_list,
};

/// The verify URL every demo scheme uses (short, to keep the QR code small).
pub const DEMO_VERIFY_URL: &str = "HTTPS://LBL.EXAMPLE.ORG/V";
/// Issuer ids of the demo keys.
pub const ISSUING_BODY: &str = "EXAGENCY";
/// Lab issuer id.
pub const LAB: &str = "EXLAB";
/// Manufacturer issuer id.
pub const MANUFACTURER: &str = "EXMAKER";
/// Status issuer id.
pub const STATUS: &str = "EXSTATUS";
/// The demo lab's highest accredited tier.
pub const LAB_MAX_TIER: u32 = 3;

/// The throwaway keys and their trust list.
pub struct Scenario {
    /// Scheme owner's root.
    pub root: SoftwareKey,
    /// Issuing body (any tier).
    pub issuing_body: SoftwareKey,
    /// Lab (up to [`LAB_MAX_TIER`]).
    pub lab: SoftwareKey,
    /// Manufacturer (self-declared tiers).
    pub manufacturer: SoftwareKey,
    /// Status key for all three issuers.
    pub status: SoftwareKey,
    /// The trust list (unsigned form).
    pub trust: TrustList,
    /// The signed trust list.
    pub trust_bytes: Vec<u8>,
}

fn key(seed: &[u8], name: &str) -> SoftwareKey {
    let mut h = Sha256::new();
    h.update(seed);
    h.update(name.as_bytes());
    SoftwareKey::from_seed(&h.finalize().into())
}

/// Why a scenario could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the demo trust setup: {0}")]
pub struct ScenarioError(pub String);

impl Scenario {
    /// Builds the setup at `at`: keys valid from a year before to four years after, the trust
    /// list issued at `at` for `trust_days` days.
    pub fn new(
        set: &CriteriaSet,
        seed: &[u8],
        at: Timestamp,
        trust_days: i64,
    ) -> Result<Scenario, ScenarioError> {
        let err = |e: &dyn std::fmt::Display| ScenarioError(e.to_string());
        let t = at.as_second();
        let year = 365 * 86_400;
        let root = key(seed, "scheme-owner");
        let issuing_body = key(seed, "issuing-body");
        let lab = key(seed, "lab");
        let manufacturer = key(seed, "manufacturer");
        let status = key(seed, "status");
        let mut trust = new_draft(
            "example-agency",
            "Example national cybersecurity agency (demo)",
            t,
            t + trust_days * 86_400,
        );
        trust.sequence = 1;
        let labels: Vec<&Scheme> = set
            .schemes
            .iter()
            .filter(|s| s.kind == SchemeKind::Label)
            .collect();
        for s in &labels {
            trust.govern(s, DEMO_VERIFY_URL).map_err(|e| err(&e))?;
        }
        let ids: Vec<String> = trust.schemes.iter().map(|s| s.id.clone()).collect();
        let self_declared: Vec<String> = labels
            .iter()
            .filter(|s| s.self_declaration)
            .map(|s| s.id.clone())
            .collect();
        let window = |role: Role,
                      issuer: &str,
                      name: &str,
                      k: &SoftwareKey,
                      schemes: Vec<String>,
                      max_tier: Option<u32>,
                      status_for: Vec<String>| NewKey {
            public_key: k.public_key(),
            issuer: issuer.into(),
            name: name.into(),
            role,
            schemes,
            max_tier,
            status_for,
            not_before: t - year,
            sign_until: t + year,
            valid_until: t + 4 * year,
        };
        let mut keys = vec![
            window(
                Role::IssuingBody,
                ISSUING_BODY,
                "Example national cybersecurity agency",
                &issuing_body,
                ids.clone(),
                None,
                vec![],
            ),
            window(
                Role::Lab,
                LAB,
                "Example Test Lab Ltd",
                &lab,
                ids,
                Some(LAB_MAX_TIER),
                vec![],
            ),
        ];
        if !self_declared.is_empty() {
            keys.push(window(
                Role::Manufacturer,
                MANUFACTURER,
                "Example Devices Inc (self-declaring)",
                &manufacturer,
                self_declared,
                None,
                vec![],
            ));
        }
        keys.push(window(
            Role::Status,
            STATUS,
            "Example status service",
            &status,
            vec![],
            None,
            vec![ISSUING_BODY.into(), LAB.into(), MANUFACTURER.into()],
        ));
        for k in keys {
            add_key(&mut trust, k).map_err(|e| err(&e))?;
        }
        let trust_bytes = trust.sign(&root).map_err(|e| err(&e))?;
        Ok(Scenario {
            root,
            issuing_body,
            lab,
            manufacturer,
            status,
            trust,
            trust_bytes,
        })
    }

    /// The roots verifiers need.
    pub fn roots(&self) -> Vec<[u8; 32]> {
        vec![self.root.public_key()]
    }

    /// The trust list, verified (as issuing requires).
    pub fn verified(&self, at: Timestamp) -> Result<VerifiedTrustList, ScenarioError> {
        open_trust_list(&self.trust_bytes, &self.roots(), at.as_second())
            .map_err(|e| ScenarioError(e.to_string()))
    }

    /// The key that would sign a label of this tier: the manufacturer for self-declared tiers
    /// of schemes that allow it, the lab up to its accreditation, else the issuing body.
    pub fn signer_for(
        &self,
        scheme: &Scheme,
        tier_rank: u32,
        assurance: Assurance,
    ) -> &SoftwareKey {
        if assurance == Assurance::SelfDeclared && scheme.self_declaration {
            &self.manufacturer
        } else if tier_rank <= LAB_MAX_TIER {
            &self.lab
        } else {
            &self.issuing_body
        }
    }

    /// The trust list entry of a key.
    pub fn entry(&self, k: &SoftwareKey) -> Option<&KeyEntry> {
        let kid = crate::ids::Kid(k.kid());
        self.trust.keys.iter().find(|e| e.kid == kid)
    }

    /// All signing keys that have status lists.
    pub fn issuers(&self) -> [&SoftwareKey; 3] {
        [&self.issuing_body, &self.lab, &self.manufacturer]
    }

    /// Issues a label for the profile file at `path` under `scheme`, signed by the key whose
    /// role fits the tier reached ([`Scenario::signer_for`]); `None` when no tier is reached.
    pub fn issue_file(
        &self,
        set: &CriteriaSet,
        scheme: &Scheme,
        path: &std::path::Path,
        at: Timestamp,
        status_index: u32,
    ) -> Result<Option<crate::issue::Issued>, ScenarioError> {
        let err = |e: String| ScenarioError(format!("{}: {e}", path.display()));
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let profile = crate::profile::Profile::load(path, set).map_err(|d| err(d.to_string()))?;
        let Some(ti) = crate::evaluate::evaluate(scheme, &profile, at).tier else {
            return Ok(None);
        };
        let tier = &scheme.tiers[ti];
        let req = crate::issue::IssueRequest {
            scheme,
            vocab: &set.vocab,
            profile: &profile,
            profile_digest: crate::issue::profile_digest(&bytes),
            at,
            key: self.signer_for(scheme, tier.rank, tier.assurance),
            trust: &self.verified(at)?,
            status_index,
        };
        crate::issue::issue(&req)
            .map(Some)
            .map_err(|(e, _)| err(e.to_string()))
    }

    /// Empty status lists of every issuer key, signed by the status key, valid `days` from
    /// `at`.
    pub fn status_lists(&self, at: Timestamp, days: i64) -> Result<Vec<Vec<u8>>, ScenarioError> {
        self.issuers()
            .iter()
            .map(|k| {
                crate::status::StatusList::new(
                    k.kid(),
                    at.as_second(),
                    at.as_second() + days * 86_400,
                )
                .sign(&self.status)
                .map_err(|e| ScenarioError(e.to_string()))
            })
            .collect()
    }

    /// A verifier over this scenario's root, trust list and fresh (7-day) status lists.
    pub fn store(&self, at: Timestamp) -> Result<crate::verify::TrustStore, ScenarioError> {
        Ok(crate::verify::TrustStore::new(
            &self.roots(),
            std::slice::from_ref(&self.trust_bytes),
            &self.status_lists(at, 7)?,
            at,
        ))
    }
}
