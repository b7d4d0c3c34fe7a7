//! Verification: is this label genuine, current, and for which device?
//!
//! One function per step, run in this order by `run` (each needs the ones before):
//!
//! 1. `parse`: the QR text (exactly as given) or bytes, and the COSE envelope.
//! 2. `trust_list`: only lists that verified under the given roots and are before their
//!    next-update count (a list that does not verify, or is stale, vouches for nothing: fail
//!    closed).
//! 3. `issuer`: the label's key, by the kid of the protected header only, in a current list.
//! 4. `signature`: `verify_strict` under that key, then the claims it covers, which must carry
//!    the label id the kid and status index give ([`crate::label::id`]).
//! 5. `role`: the entry's role and accreditation cover the tier, and it signed in its window.
//! 6. `scheme`: the list governs the scheme and accepts its version, criteria digest and tier.
//! 7. `url`: the QR's URL is the scheme's verify URL.
//! 8. `key_state`: the key is not compromised.
//! 9. `status`: the key's status list says the label is valid, and is fresh.
//! 10. `time`: issued in the past, not expired, within the key's validity.
//!
//! Steps 1 to 4 stop at their first problem (a [`Finding`]); from step 5 on every problem is
//! recorded and the steps go on. The verdict is the first finding in this precedence:
//!
//! MALFORMED > TRUST LIST INVALID OR EXPIRED > UNTRUSTED ISSUER > BAD SIGNATURE >
//! ROLE NOT ALLOWED > WRONG SCHEME > WRONG URL > KEY COMPROMISED > REVOKED > EXPIRED >
//! SUSPENDED > STATUS UNKNOWN > STATUS STALE > VALID
//!
//! A fault in the claims (e.g. an issue time in the future, MALFORMED) is only found once the
//! signature verified under a trusted key, so it cannot outrank a trust-list, unknown-key or
//! signature fault found before (`tests/verify_precedence.rs` has a row for each).
//!
//! What the report shows about the issuer and the scheme comes from the trust list, never from
//! the label.
//!
//! **Illustrative schemes.** `scheme.illustrative` says whether the label's scheme is an
//! illustrative one (not an official mark), so pages and prints can say so. Nothing unsigned
//! decides it: it is `Some(..)` only when (1) the label's signature verified under a trusted
//! key, (2) the root-signed trust list accepts the label's exact `(scheme id, version, criteria
//! digest)`, and (3) criteria the verifier holds (the bundled `criteria/`, plus any set given
//! with [`TrustStore::with_criteria`]) have that scheme version with that digest. The criteria
//! digest covers the scheme's `illustrative` flag ([`crate::criteria::digest`]), so a matching
//! digest means the label was issued under exactly those criteria, flag included. Otherwise
//! (a scheme the verifier has no criteria for, a digest that differs, a scheme the trust list
//! does not accept) it is `None`: unknown, and nothing is shown either way.

mod cache;

use std::sync::{Arc, OnceLock};

use jiff::Timestamp;
use serde::Serialize;

use self::cache::CheckedSignature;
pub use self::cache::{DEFAULT_CAPACITY, SignatureCache};

use crate::ids::{Kid, LabelId};
use crate::issue::may_sign;
use crate::label::claims::assurance_from_code;
use crate::label::{LabelClaims, check_label_id, cose, parse_qr_text};
use crate::status::{LabelStatus, StatusList, open_status_list};
use crate::time::{format_unix, unix};
use crate::trust::{
    Accepted, KeyEntry, KeyState, SKEW_SECONDS, SchemeEntry, TrustError, TrustList,
    VerifiedTrustList, open_trust_list, peek_trust_list,
};

/// A verification outcome, in precedence order (earlier wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// The input is not a well-formed label.
    Malformed,
    /// No valid, current trust list vouches for the label's key.
    TrustListInvalidOrExpired,
    /// The key is not vouched for, or not for this scheme.
    UntrustedIssuer,
    /// The signature does not verify.
    BadSignature,
    /// The key's role or accreditation does not cover this label.
    RoleNotAllowed,
    /// The trust list does not accept the label's scheme version and criteria.
    WrongScheme,
    /// The QR's URL is not the scheme's verify URL (a genuine label behind another site).
    WrongUrl,
    /// The signing key is compromised.
    KeyCompromised,
    /// Revoked or superseded.
    Revoked,
    /// Past its expiry.
    Expired,
    /// Suspended.
    Suspended,
    /// No status data for it: never VALID.
    StatusUnknown,
    /// Status data past its next update.
    StatusStale,
    /// Genuine, current, not revoked.
    Valid,
}

impl Verdict {
    /// Upper-case words.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Malformed => "MALFORMED",
            Verdict::TrustListInvalidOrExpired => "TRUST LIST INVALID OR EXPIRED",
            Verdict::UntrustedIssuer => "UNTRUSTED ISSUER",
            Verdict::BadSignature => "BAD SIGNATURE",
            Verdict::RoleNotAllowed => "ROLE NOT ALLOWED",
            Verdict::WrongScheme => "WRONG SCHEME",
            Verdict::WrongUrl => "WRONG URL",
            Verdict::KeyCompromised => "KEY COMPROMISED",
            Verdict::Revoked => "REVOKED",
            Verdict::Expired => "EXPIRED",
            Verdict::Suspended => "SUSPENDED",
            Verdict::StatusUnknown => "STATUS UNKNOWN",
            Verdict::StatusStale => "STATUS STALE",
            Verdict::Valid => "VALID",
        }
    }

    /// The CLI exit code: 0 for VALID, 10 and up in precedence order.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Valid => 0,
            other => 10 + other as u8,
        }
    }

    /// Every verdict, in precedence order.
    pub const ALL: [Verdict; 14] = [
        Verdict::Malformed,
        Verdict::TrustListInvalidOrExpired,
        Verdict::UntrustedIssuer,
        Verdict::BadSignature,
        Verdict::RoleNotAllowed,
        Verdict::WrongScheme,
        Verdict::WrongUrl,
        Verdict::KeyCompromised,
        Verdict::Revoked,
        Verdict::Expired,
        Verdict::Suspended,
        Verdict::StatusUnknown,
        Verdict::StatusStale,
        Verdict::Valid,
    ];
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The verdict it leads to.
    pub verdict: Verdict,
    /// What exactly.
    pub detail: String,
}

/// The device, as the label states it (signed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceView {
    /// Manufacturer.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// Variants covered.
    pub variants: Vec<String>,
    /// Hardware version.
    pub hardware_version: String,
    /// Firmware ("4.2.17" or "4.2 or later").
    pub firmware: String,
}

/// The issuer, as the trust list names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssuerView {
    /// Name.
    pub name: String,
    /// Short id.
    pub id: String,
    /// Role.
    pub role: &'static str,
    /// Key id.
    pub kid: Kid,
    /// Who vouches for it (trust list owner).
    pub vouched_by: String,
}

/// The label's scheme and tier, named by the trust list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemeView {
    /// Scheme id.
    pub id: String,
    /// Version.
    pub version: u32,
    /// Name (from the trust list).
    pub name: String,
    /// Tier rank.
    pub tier_rank: u32,
    /// Tier as the scheme shows it (from the trust list).
    pub tier: String,
    /// Assurance in plain words.
    pub assurance: String,
    /// Whether the scheme is illustrative (not an official mark): `None` when the verifier
    /// cannot tell from trusted data (see the module documentation).
    pub illustrative: Option<bool>,
}

/// The words every place shows for an illustrative scheme ("Illustrative scheme, not an
/// official mark"), in a bundled language (`en`, `ja`); `None` for another. They are the label
/// artwork's own (`label.illustrative` in `words.toml`).
pub fn illustrative_notice(lang: &str) -> Option<&'static str> {
    crate::artwork::strings(lang).map(|s| s.illustrative.as_str())
}

/// A scheme version the verifier holds criteria for: id, version, the first 16 bytes of its
/// criteria digest (what labels carry), and whether it is illustrative.
type KnownScheme = (String, u32, [u8; 16], bool);

fn known_schemes(set: &crate::criteria::CriteriaSet) -> Vec<KnownScheme> {
    set.schemes
        .iter()
        .map(|s| {
            let mut d = [0u8; 16];
            d.copy_from_slice(&s.digest[..16]);
            (s.id.clone(), s.version, d, s.illustrative)
        })
        .collect()
}

/// The bundled criteria's scheme versions, loaded once per process. The bundled files are
/// checked by tests; should they ever fail to load, nothing is known (fail closed: no scheme
/// is called illustrative or not).
fn bundled_schemes() -> &'static [KnownScheme] {
    static BUNDLED: OnceLock<Vec<KnownScheme>> = OnceLock::new();
    BUNDLED.get_or_init(|| {
        crate::criteria::load_bundled()
            .map(|set| known_schemes(&set))
            .unwrap_or_default()
    })
}

/// How old the data used is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataAge {
    /// What (trust list owner, or "status list <kid>").
    pub what: String,
    /// Issued at (RFC 3339).
    pub issued_at: String,
    /// Next update (RFC 3339).
    pub next_update: String,
    /// Age in whole hours at verification time.
    pub age_hours: i64,
}

/// Everything verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// The verdict.
    pub verdict: Verdict,
    /// Verification time (RFC 3339).
    pub verified_at: String,
    /// Every finding, in precedence order.
    pub findings: Vec<Finding>,
    /// The device (present once the signature verified).
    pub device: Option<DeviceView>,
    /// The issuer (present once the key was found).
    pub issuer: Option<IssuerView>,
    /// Scheme and tier.
    pub scheme: Option<SchemeView>,
    /// Label id.
    pub label_id: Option<LabelId>,
    /// Issued at.
    pub issued_at: Option<String>,
    /// Expires.
    pub expires: Option<String>,
    /// Support period end as people read it: `2030-06` (month-only) or `2030-06-30`
    /// ([`crate::time::format_support_end`]).
    pub support_end: Option<String>,
    /// Status from the status list.
    pub status: Option<LabelStatus>,
    /// Whether the URL before `#` was compared with the trust list (false for bare base32).
    pub url_checked: bool,
    /// Age of the trust and status data used.
    pub data_age: Vec<DataAge>,
    /// Trust or status inputs that were ignored, and why.
    pub notes: Vec<String>,
}

/// What to verify, and against what.
pub struct VerifyInput<'a> {
    /// QR text (URL#BASE32) or bare base32.
    pub text: Option<&'a str>,
    /// Or the raw COSE bytes.
    pub cose: Option<&'a [u8]>,
    /// Root public keys of scheme owners.
    pub roots: &'a [[u8; 32]],
    /// Signed trust lists.
    pub trust_lists: &'a [Vec<u8>],
    /// Signed status lists.
    pub status_lists: &'a [Vec<u8>],
    /// Verification time.
    pub at: Timestamp,
}

fn age(what: String, issued_at: i64, next_update: i64, at: i64) -> DataAge {
    DataAge {
        what,
        issued_at: format_unix(issued_at),
        next_update: format_unix(next_update),
        age_hours: (at - issued_at).max(0) / 3600,
    }
}

/// Verifies a label. Total: every input gives a report, never a panic. To verify many labels
/// against the same trust data, build a [`TrustStore`] once and call [`TrustStore::verify`].
pub fn verify(input: &VerifyInput<'_>) -> VerifyReport {
    let store = TrustStore::new(input.roots, input.trust_lists, input.status_lists, input.at);
    store.verify(input.text, input.cose, input.at)
}

/// Trust lists and status lists, verified once (signatures, roles, freshness at build time) so
/// each label costs one signature check.
pub struct TrustStore {
    trusted: Vec<VerifiedTrustList>,
    /// Decoded, non-weak public keys of every trusted entry, by kid: (list, entry, key).
    keys: std::collections::HashMap<Kid, Vec<Candidate>>,
    /// Lists that failed, kept (unverified!) only to explain which kid they would have named.
    rejected: Vec<(TrustList, TrustError)>,
    status: Vec<StatusList>,
    notes: Vec<String>,
    /// SHA-256 of the roots and the verified trust lists (see [`SignatureCache`]).
    fingerprint: [u8; 32],
    /// Signature checks shared with other stores over the same trust lists.
    cache: Option<Arc<SignatureCache>>,
    /// Criteria known besides the bundled ones ([`TrustStore::with_criteria`]).
    criteria: Vec<KnownScheme>,
}

impl TrustStore {
    /// Verifies the trust lists against the roots at `at`, then the status lists against the
    /// trusted lists. Nothing that fails is used; the notes say why.
    pub fn new(
        roots: &[[u8; 32]],
        trust_lists: &[Vec<u8>],
        status_lists: &[Vec<u8>],
        at: Timestamp,
    ) -> TrustStore {
        let at = unix(at);
        let mut store = TrustStore {
            trusted: Vec::new(),
            keys: std::collections::HashMap::new(),
            rejected: Vec::new(),
            status: Vec::new(),
            notes: Vec::new(),
            fingerprint: [0; 32],
            cache: None,
            criteria: Vec::new(),
        };
        let mut trusted_bytes: Vec<&[u8]> = Vec::new();
        for bytes in trust_lists {
            match open_trust_list(bytes, roots, at) {
                Ok(t) => {
                    store.trusted.push(t);
                    trusted_bytes.push(bytes);
                }
                Err(e) => {
                    store.notes.push(format!("trust list ignored: {e}"));
                    if let Ok((list, _)) = peek_trust_list(bytes) {
                        store.rejected.push((list, e));
                    }
                }
            }
        }
        store.fingerprint = cache::fingerprint(roots, &trusted_bytes);
        for (li, t) in store.trusted.iter().enumerate() {
            // Every key and its kid were checked when the list was opened (`check_kids`).
            for (ki, k) in t.list.keys.iter().enumerate() {
                let key = k.public_key_bytes();
                if let Some(vk) = key.and_then(|pk| crate::keys::public_key_from_bytes(&pk).ok()) {
                    store.keys.entry(k.kid).or_default().push((li, ki, vk));
                }
            }
        }
        for bytes in status_lists {
            match open_status_list(bytes, &store.trusted) {
                Ok(l) => store.status.push(l),
                Err(e) => store.notes.push(format!("status list ignored: {e}")),
            }
        }
        store
    }

    /// Uses (and fills) `cache` for signature checks. The cache may be shared with other
    /// stores: one built over other roots or trust lists empties it first. Every check that
    /// depends on time, status, key state or URL still runs on each verification.
    pub fn with_cache(mut self, cache: Arc<SignatureCache>) -> TrustStore {
        self.cache = Some(cache);
        self
    }

    /// Also knows the scheme versions of `set` (e.g. the criteria an issuer signs under), so
    /// their labels' `scheme.illustrative` is known; the bundled criteria are always known.
    /// Only a scheme version whose digest the label carries and the trust list accepts counts.
    pub fn with_criteria(mut self, set: &crate::criteria::CriteriaSet) -> TrustStore {
        self.criteria = known_schemes(set);
        self
    }

    /// Whether the criteria `id@version` whose digest starts with the label's 8 bytes are
    /// illustrative, if known.
    fn illustrative(&self, id: &str, version: u32, digest: &[u8; 8]) -> Option<bool> {
        self.criteria
            .iter()
            .chain(bundled_schemes())
            .find(|(i, v, d, _)| i == id && *v == version && d.starts_with(digest))
            .map(|(.., illustrative)| *illustrative)
    }

    /// The verified trust lists.
    pub fn trusted(&self) -> &[VerifiedTrustList] {
        &self.trusted
    }

    /// Verifies one label (QR text, or COSE bytes) at `at`.
    pub fn verify(&self, text: Option<&str>, cose: Option<&[u8]>, at: Timestamp) -> VerifyReport {
        let at = unix(at);
        let mut r = VerifyReport {
            verdict: Verdict::Valid,
            verified_at: format_unix(at),
            findings: Vec::new(),
            device: None,
            issuer: None,
            scheme: None,
            label_id: None,
            issued_at: None,
            expires: None,
            support_end: None,
            status: None,
            url_checked: false,
            data_age: Vec::new(),
            notes: self.notes.clone(),
        };
        if let Err(last) = run(self, text, cose, at, &mut r) {
            r.findings.push(last);
        }
        r.findings.sort_by_key(|f| f.verdict);
        r.verdict = r.findings.first().map_or(Verdict::Valid, |f| f.verdict);
        r
    }
}

/// A finding that ends verification: the step that returns it is the last to run.
type Step<T> = Result<T, Finding>;

fn stop<T>(verdict: Verdict, detail: impl Into<String>) -> Step<T> {
    Err(Finding {
        verdict,
        detail: detail.into(),
    })
}

fn find(r: &mut VerifyReport, verdict: Verdict, detail: impl Into<String>) {
    r.findings.push(Finding {
        verdict,
        detail: detail.into(),
    });
}

fn issuer_view(tl: &VerifiedTrustList, ki: usize) -> IssuerView {
    let entry = &tl.list.keys[ki];
    IssuerView {
        name: entry.name.clone(),
        id: entry.issuer.clone(),
        role: entry.role.name(),
        kid: entry.kid,
        vouched_by: tl.list.owner_name.clone(),
    }
}

/// The label as read from the QR text or the bytes: the URL before `#` (none for bare text or
/// bytes), the COSE bytes and their parsed envelope.
struct Envelope {
    url: Option<String>,
    bytes: Vec<u8>,
    parsed: cose::ParsedSign1,
}

/// A trust-list key that may have signed the label: (list, entry, key).
type Candidate = (usize, usize, ed25519_dalek::VerifyingKey);

/// What the signature step established: `entry` of `list` signed `claims`, which carry the
/// label id of that key; `scheme` and `accepted` are what that list says of the label's scheme.
struct Signed<'a> {
    kid: Kid,
    list: &'a VerifiedTrustList,
    entry: &'a KeyEntry,
    claims: Arc<LabelClaims>,
    /// The list's entry for the label's scheme, if it governs it.
    scheme: Option<&'a SchemeEntry>,
    /// The `(version, criteria digest)` it accepts the label under, if any.
    accepted: Option<&'a Accepted>,
}

impl Signed<'_> {
    /// The tier's index in the accepted entry's per-tier lists (rank 1 is index 0).
    fn tier_index(&self) -> usize {
        usize::try_from(self.claims.label.tier)
            .unwrap_or(0)
            .wrapping_sub(1)
    }
}

/// The steps, in the order of the precedence: those up to [`signature`] stop at their first
/// finding (nothing later can be judged without them); the rest add findings and go on.
fn run(
    store: &TrustStore,
    text: Option<&str>,
    cose: Option<&[u8]>,
    at: i64,
    r: &mut VerifyReport,
) -> Step<()> {
    let envelope = parse(text, cose)?;
    let kid = Kid(envelope.parsed.kid);
    let unusable = trust_list(store, kid, at, r)?;
    let candidates = issuer(store, kid, at, unusable)?;
    let signed = signature(store, &envelope, &candidates, r)?;
    show(&signed, r);
    role(&signed, r);
    scheme(store, &signed, r);
    url(&signed, envelope.url.as_deref(), r);
    key_state(&signed, r);
    status(store, &signed, at, r);
    time(&signed, at, r);
    Ok(())
}

/// Step 1: The envelope: QR text taken exactly as given (a scanner hands over exact text, and
/// anything around the canonical text, such as spaces, U+00A0, U+3000 or newlines, makes it
/// MALFORMED), or raw COSE bytes.
fn parse(text: Option<&str>, cose: Option<&[u8]>) -> Step<Envelope> {
    let (url, bytes) = match (text, cose) {
        (Some(text), _) => match parse_qr_text(text) {
            Ok(q) => (q.url, q.cose),
            Err(e) => return stop(Verdict::Malformed, e.to_string()),
        },
        (None, Some(b)) => (None, b.to_vec()),
        (None, None) => return stop(Verdict::Malformed, "no label given"),
    };
    match cose::parse(&bytes) {
        Ok(parsed) => Ok(Envelope { url, bytes, parsed }),
        Err(e) => stop(Verdict::Malformed, e.to_string()),
    }
}

/// Whether a trust list is current at `at`: until its next update, that instant excluded. The
/// trust-list step and the key lookup share this one definition (two copies of it let a
/// boundary mutant in one survive).
fn current(t: &VerifiedTrustList, at: i64) -> bool {
    at < t.list.next_update
}

/// Step 2: Trust lists: only verified lists still current at `at` count. Records their age, and
/// returns why the list naming `kid` is unusable, if one is (for [`issuer`]).
fn trust_list(store: &TrustStore, kid: Kid, at: i64, r: &mut VerifyReport) -> Step<Option<String>> {
    let unusable = |why: &dyn std::fmt::Display| {
        format!("the trust list naming key {kid} is not usable: {why}")
    };
    let mut naming_kid = None;
    let mut any_current = false;
    for t in &store.trusted {
        if !current(t, at) {
            let why = format!(
                "trust list `{}` expired at {}",
                t.list.owner,
                format_unix(t.list.next_update)
            );
            if t.list.keys_with_kid(kid).next().is_some() {
                naming_kid = Some(unusable(&why));
            }
            r.notes.push(why);
            continue;
        }
        r.data_age.push(age(
            format!("trust list {} (#{})", t.list.owner, t.list.sequence),
            t.list.issued_at,
            t.list.next_update,
            at,
        ));
        any_current = true;
    }
    for (list, e) in &store.rejected {
        if list.keys_with_kid(kid).next().is_some() {
            naming_kid = Some(unusable(e));
        }
    }
    if !any_current {
        let why = naming_kid.unwrap_or_else(|| {
            "no valid, current trust list was given; without one nothing can be trusted".into()
        });
        return stop(Verdict::TrustListInvalidOrExpired, why);
    }
    Ok(naming_kid)
}

/// Step 3: The issuer: the keys a current list names under the kid of the protected header.
fn issuer(
    store: &TrustStore,
    kid: Kid,
    at: i64,
    unusable: Option<String>,
) -> Step<Vec<&Candidate>> {
    let candidates: Vec<&Candidate> = store
        .keys
        .get(&kid)
        .map(|v| {
            v.iter()
                .filter(|(li, ..)| store.trusted.get(*li).is_some_and(|t| current(t, at)))
                .collect()
        })
        .unwrap_or_default();
    if !candidates.is_empty() {
        return Ok(candidates);
    }
    match unusable {
        Some(why) => stop(Verdict::TrustListInvalidOrExpired, why),
        None => stop(
            Verdict::UntrustedIssuer,
            format!("no trusted list names key {kid}"),
        ),
    }
}

/// Step 4: The signature under a candidate key, then the claims it covers, which must carry the
/// label id of that key and their status index ([`check_label_id`]) before anything in them is
/// shown or trusted (another key's id, or a revoked label's id under a fresh index, is
/// MALFORMED).
///
/// A signature check of these exact bytes is reused when its key is the one the full check
/// would pick now (the first current candidate); anything else (first sight, one bit changed,
/// trust lists changed, that list no longer current) is checked in full.
fn signature<'a>(
    store: &'a TrustStore,
    envelope: &Envelope,
    candidates: &[&Candidate],
    r: &mut VerifyReport,
) -> Step<Signed<'a>> {
    let kid = Kid(envelope.parsed.kid);
    let cache = store
        .cache
        .as_ref()
        .map(|c| (c, SignatureCache::key(&envelope.bytes)));
    let cached = cache.as_ref().and_then(|(c, k)| {
        c.get(&store.fingerprint, k, |hit| {
            candidates
                .first()
                .is_some_and(|(li, ki, _)| *li == hit.list && *ki == hit.entry)
        })
    });
    let (li, ki, claims) = match cached {
        Some(hit) => (hit.list, hit.entry, hit.claims),
        None => {
            let Some((li, ki)) = candidates
                .iter()
                .find(|(_, _, vk)| cose::verify_signature_with(&envelope.parsed, vk).is_ok())
                .map(|(li, ki, _)| (*li, *ki))
            else {
                return stop(
                    Verdict::BadSignature,
                    format!("the signature does not verify under key {kid}"),
                );
            };
            let claims = match LabelClaims::decode(&envelope.parsed.payload) {
                Ok(c) => Arc::new(c),
                Err(e) => {
                    r.issuer = Some(issuer_view(&store.trusted[li], ki));
                    return stop(
                        Verdict::Malformed,
                        format!("signed, but the claims are not a label: {e}"),
                    );
                }
            };
            if let Some((c, k)) = cache {
                let checked = CheckedSignature {
                    list: li,
                    entry: ki,
                    claims: claims.clone(),
                };
                c.insert(&store.fingerprint, k, checked);
            }
            (li, ki, claims)
        }
    };
    let list = &store.trusted[li];
    r.issuer = Some(issuer_view(list, ki));
    if let Err(e) = check_label_id(kid.bytes(), &claims) {
        return stop(
            Verdict::Malformed,
            format!("signed, but the claims are not a label: {e}"),
        );
    }
    // The label names no issuer: the issuer is the trust-list entry of the kid, and every
    // check below is keyed by that entry and what its list says of the label's scheme.
    let b = &claims.label;
    let scheme = list.list.scheme(&b.scheme_id);
    let accepted = scheme.and_then(|se| {
        se.accepted
            .iter()
            .find(|a| a.version == b.scheme_version && a.accepts_label_digest(&b.criteria_digest))
    });
    Ok(Signed {
        kid,
        list,
        entry: &list.list.keys[ki],
        claims,
        scheme,
        accepted,
    })
}

/// What the signed claims say, for the report.
fn show(s: &Signed<'_>, r: &mut VerifyReport) {
    let (c, b) = (&s.claims, &s.claims.label);
    r.device = Some(DeviceView {
        manufacturer: b.manufacturer.clone(),
        model: b.model.clone(),
        variants: b.variants.clone(),
        hardware_version: b.hardware_version.clone(),
        firmware: if b.firmware_is_minimum {
            format!("{} or later", b.firmware)
        } else {
            b.firmware.clone()
        },
    });
    r.label_id = Some(LabelId(c.label_id));
    r.issued_at = Some(format_unix(c.issued_at));
    r.expires = Some(format_unix(c.expires));
    // The human date (a month-only end shows as the month), as the report and artwork show it.
    r.support_end = b.support_end.map(crate::time::format_support_end);
}

/// Step 5: Role: may the entry sign this tier, and did it sign within its window? The role is
/// judged by what the trust list says the tier demands, never by the label's own assurance
/// claim (a manufacturer key must not mint a lab-tested tier by claiming "self-declared").
/// With no accepted entry (WRONG SCHEME, from [`scheme`]) it is judged by the claim, so a role
/// problem is not hidden behind it.
fn role(s: &Signed<'_>, r: &mut VerifyReport) {
    let (b, entry) = (&s.claims.label, s.entry);
    let demanded = s
        .accepted
        .and_then(|a| a.assurance.get(s.tier_index()).copied());
    let judged = match (assurance_from_code(b.assurance), demanded) {
        (None, _) => {
            find(
                r,
                Verdict::Malformed,
                format!("unknown assurance code {}", b.assurance),
            );
            None
        }
        (Some(_), Some(needed)) => Some((needed, s.accepted.is_some_and(|a| a.self_declaration))),
        (Some(claimed), None) => Some((claimed, true)),
    };
    if let Some((needed, self_declaration)) = judged
        && let Err(why) = may_sign(entry, &b.scheme_id, b.tier, needed, self_declaration)
    {
        find(
            r,
            Verdict::RoleNotAllowed,
            format!(
                "{} ({}) may not sign this label: {why}",
                entry.name,
                entry.role.name()
            ),
        );
    }
    let iat = s.claims.issued_at;
    if iat < entry.not_before || iat >= entry.sign_until {
        find(
            r,
            Verdict::RoleNotAllowed,
            format!(
                "key {} signs from {} until {}, but the label says it was issued {}",
                entry.kid,
                format_unix(entry.not_before),
                format_unix(entry.sign_until),
                format_unix(iat)
            ),
        );
    }
}

/// Step 6: Scheme: the list must govern the label's scheme (else UNTRUSTED ISSUER), accept its
/// version and criteria digest, have its tier, and demand the assurance the label claims.
fn scheme(store: &TrustStore, s: &Signed<'_>, r: &mut VerifyReport) {
    let (b, tl) = (&s.claims.label, &s.list.list);
    let Some(se) = s.scheme else {
        return find(
            r,
            Verdict::UntrustedIssuer,
            format!(
                "trust list `{}` vouches for key {} but does not govern scheme `{}`",
                tl.owner, s.entry.kid, b.scheme_id
            ),
        );
    };
    let tier_name = s
        .accepted
        .and_then(|a| a.tiers.get(s.tier_index()))
        .cloned();
    let assurance = assurance_from_code(b.assurance);
    r.scheme = Some(SchemeView {
        id: b.scheme_id.clone(),
        version: b.scheme_version,
        name: se.name.clone(),
        tier_rank: b.tier,
        tier: tier_name
            .clone()
            .unwrap_or_else(|| format!("tier {}", b.tier)),
        assurance: assurance.map_or("unknown".into(), |a| a.words().to_string()),
        // Only what the trust list accepts, matched against criteria we hold.
        illustrative: s
            .accepted
            .and_then(|_| store.illustrative(&b.scheme_id, b.scheme_version, &b.criteria_digest)),
    });
    let Some(accepted) = s.accepted else {
        return find(
            r,
            Verdict::WrongScheme,
            format!(
                "{}@{} with criteria digest {} is not accepted by `{}`",
                b.scheme_id,
                b.scheme_version,
                hex::encode(b.criteria_digest),
                tl.owner
            ),
        );
    };
    if tier_name.is_none() {
        find(
            r,
            Verdict::WrongScheme,
            format!(
                "{}@{} has no tier {}",
                b.scheme_id, b.scheme_version, b.tier
            ),
        );
    }
    if let (Some(claimed), Some(needed)) =
        (assurance, accepted.assurance.get(s.tier_index()).copied())
        && claimed != needed
    {
        find(
            r,
            Verdict::WrongScheme,
            format!(
                "the label claims {} but {} of {}@{} demands {}",
                claimed.name(),
                tier_name.as_deref().unwrap_or("this tier"),
                b.scheme_id,
                b.scheme_version,
                needed.name()
            ),
        );
    }
}

/// Step 7: URL: the QR's URL must be the scheme's verify URL (a genuine label behind another site
/// is WRONG URL). Bare label text carries no URL: `url_checked` stays false and the report
/// says so.
fn url(s: &Signed<'_>, url: Option<&str>, r: &mut VerifyReport) {
    let (Some(se), Some(u)) = (s.scheme, url) else {
        return;
    };
    r.url_checked = true;
    if u != se.verify_url {
        find(
            r,
            Verdict::WrongUrl,
            format!(
                "the QR points to {u}, but {} labels are verified at {}",
                s.claims.label.scheme_id, se.verify_url
            ),
        );
    }
}

/// Step 8: Key state: every label of a compromised key is invalid (issue dates can be forged),
/// except those its list still vouches for by id.
fn key_state(s: &Signed<'_>, r: &mut VerifyReport) {
    let entry = s.entry;
    if entry.state == KeyState::Compromised
        && !entry.allowed_labels.contains(&LabelId(s.claims.label_id))
    {
        find(
            r,
            Verdict::KeyCompromised,
            format!(
                "key {} is compromised since {}: every label it signed is invalid (issue dates can be forged)",
                entry.kid,
                entry
                    .compromised_since
                    .map_or("an unknown date".into(), format_unix)
            ),
        );
    }
}

/// Step 9: Status: the newest status list of the signing key. Status lists were verified against
/// all trusted lists when the store was built; none at all is STATUS UNKNOWN, never VALID.
fn status(store: &TrustStore, s: &Signed<'_>, at: i64, r: &mut VerifyReport) {
    let best = store
        .status
        .iter()
        .filter(|l| l.issuer_kid == s.kid)
        .max_by_key(|l| l.issued_at);
    let Some(l) = best else {
        return find(
            r,
            Verdict::StatusUnknown,
            format!("no valid status list for key {} was given", s.kid),
        );
    };
    r.data_age.push(age(
        format!("status list {}", l.issuer_kid),
        l.issued_at,
        l.expires,
        at,
    ));
    if at >= l.expires {
        find(
            r,
            Verdict::StatusStale,
            format!(
                "the status list expired {}; its data may be out of date",
                format_unix(l.expires)
            ),
        );
    }
    let index = s.claims.status_index;
    let Some(st) = l.get(index) else {
        return find(
            r,
            Verdict::StatusUnknown,
            format!("status index {index} is outside the list"),
        );
    };
    r.status = Some(st);
    match st {
        LabelStatus::Valid => {}
        LabelStatus::Revoked => find(
            r,
            Verdict::Revoked,
            "revoked by its issuer or the scheme owner",
        ),
        LabelStatus::Superseded => find(
            r,
            Verdict::Revoked,
            "superseded by a newer label for this product (see the registry)",
        ),
        LabelStatus::Suspended => find(r, Verdict::Suspended, "suspended until further notice"),
    }
}

/// Step 10: Time: not issued in the future (beyond the allowed skew), not past its expiry, and the
/// signing key's validity not ended.
fn time(s: &Signed<'_>, at: i64, r: &mut VerifyReport) {
    let c = &s.claims;
    if c.issued_at > at + SKEW_SECONDS {
        find(
            r,
            Verdict::Malformed,
            format!(
                "issued {} is in the future (verification time {})",
                format_unix(c.issued_at),
                format_unix(at)
            ),
        );
    }
    if at >= c.expires {
        find(
            r,
            Verdict::Expired,
            format!("expired {}", format_unix(c.expires)),
        );
    } else if at >= s.entry.valid_until {
        find(
            r,
            Verdict::Expired,
            format!(
                "the signing key's validity ended {}",
                format_unix(s.entry.valid_until)
            ),
        );
    }
}

impl VerifyReport {
    /// Plain text: the verdict, then the device and the issuer (a genuine QR copied onto
    /// another product is the likeliest fraud, so what it is for comes first), then the rest.
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(s, "VERDICT: {}", self.verdict.words());
        if let Some(d) = &self.device {
            let _ = writeln!(s, "Device:     {} {}", d.manufacturer, d.model);
            if !d.variants.is_empty() {
                let _ = writeln!(s, "            also covers: {}", d.variants.join(", "));
            }
            let _ = writeln!(
                s,
                "            hardware {}, firmware {}",
                d.hardware_version, d.firmware
            );
        }
        if let Some(i) = &self.issuer {
            let _ = writeln!(
                s,
                "Issuer:     {} ({}, key {}), vouched for by {}",
                i.name, i.role, i.kid, i.vouched_by
            );
        }
        if let Some(sc) = &self.scheme {
            let _ = writeln!(s, "Scheme:     {} [{}@{}]", sc.name, sc.id, sc.version);
            let _ = writeln!(s, "Tier:       {} ({})", sc.tier, sc.assurance);
            if sc.illustrative == Some(true) {
                let _ = writeln!(
                    s,
                    "Note:       {}",
                    illustrative_notice("en").unwrap_or_default()
                );
            }
        }
        if let Some(e) = &self.expires {
            let _ = writeln!(s, "Expires:    {e}");
        }
        if let Some(e) = &self.support_end {
            let _ = writeln!(s, "Support:    security updates until {e}");
        }
        if let Some(l) = &self.label_id {
            let _ = writeln!(
                s,
                "Label id:   {l} (issued {})",
                self.issued_at.as_deref().unwrap_or("?")
            );
        }
        if let Some(st) = self.status {
            let _ = writeln!(s, "Status:     {}", st.name());
        }
        for a in &self.data_age {
            let _ = writeln!(
                s,
                "Data:       {} issued {} ({} h old), next update {}",
                a.what, a.issued_at, a.age_hours, a.next_update
            );
        }
        let _ = writeln!(s, "Verified:   {}", self.verified_at);
        if !self.url_checked {
            let _ = writeln!(
                s,
                "Note:       the verify URL was not checked (bare label text or no URL)"
            );
        }
        if !self.findings.is_empty() {
            let _ = writeln!(s, "\nFindings:");
            for f in &self.findings {
                let _ = writeln!(s, "  {:<30} {}", f.verdict.words(), f.detail);
            }
        }
        for n in &self.notes {
            let _ = writeln!(s, "Note: {n}");
        }
        s
    }
}
