//! The service's state and operations, without HTTP: publish a label, apply a revocation
//! statement, verify a QR text, keep each issuer key's status list signed and current.
//!
//! Verification is always [`TrustStore::verify`] over the trust lists given at start and the
//! status lists this service signed (plus any given as files). The store is rebuilt whenever a
//! status list changes, so a verify after a revocation sees it. Time comes from a [`Clock`]
//! passed in; nothing here reads the system clock.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use jiff::Timestamp;

use crate::ids::{Kid, LabelId};
use crate::keys::{Signer, SoftwareKey};
use crate::label::{LabelClaims, cose};
use crate::registry::{Damaged, LabelRecord, PutOutcome, StatementRecord, Store, StoreError};
use crate::status::{ApplyError, LabelStatus, STATUS_ENTRIES, StatusState, open_statement};
use crate::trust::{Role, SKEW_SECONDS, VerifiedTrustList, open_trust_list};
use crate::verify::{SignatureCache, TrustStore, Verdict, VerifyReport};

/// Where the service gets the time. The server's edge passes [`SystemClock`]; tests pin it.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system clock: the one place `iotlabel serve` reads the time.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that says what it is told (tests, `--at`).
pub struct FixedClock(AtomicI64);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn new(at: Timestamp) -> FixedClock {
        FixedClock(AtomicI64::new(at.as_second()))
    }

    /// Moves it.
    pub fn set(&self, at: Timestamp) {
        self.0.store(at.as_second(), Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_second(self.0.load(Ordering::SeqCst)).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// What the service verifies against.
pub struct CoreConfig {
    /// Root public keys of scheme owners.
    pub roots: Vec<[u8; 32]>,
    /// Signed trust lists (served as given).
    pub trust_lists: Vec<Vec<u8>>,
    /// Signed status lists given as files (used as they are, never re-signed).
    pub status_files: Vec<Vec<u8>>,
    /// The status key that signs this service's status lists; without it revocations are
    /// refused.
    pub status_key: Option<SoftwareKey>,
    /// How long a signed status list is valid (its `exp` - `iat`), seconds. Lists are re-signed
    /// when half of this has passed.
    pub status_validity: i64,
}

/// Why a service operation failed: an HTTP status, a message and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status code.
    pub status: u16,
    /// What went wrong.
    pub error: String,
    /// What to do about it.
    pub help: String,
    /// For refused labels: the verifier's verdict.
    pub verdict: Option<Verdict>,
}

impl Refusal {
    /// A refusal.
    pub fn new(status: u16, error: impl Into<String>, help: impl Into<String>) -> Refusal {
        Refusal {
            status,
            error: error.into(),
            help: help.into(),
            verdict: None,
        }
    }

    fn store(e: StoreError) -> Refusal {
        match e {
            StoreError::Conflict(m) => Refusal::new(
                409,
                m,
                "a label id and an issuer key's status index are used once",
            ),
            other => Refusal::internal(&other.to_string()),
        }
    }

    /// A 500 that tells the client nothing internal; the cause goes to the service's log.
    fn internal(cause: &str) -> Refusal {
        eprintln!("iotlabel serve: internal error: {cause}");
        Refusal::new(
            500,
            "the registry could not complete this request",
            "nothing was changed; try again later (the operator finds the cause in the service log)",
        )
    }
}

/// One issuer key's signed status list, as served.
#[derive(Debug, Clone)]
pub struct SignedStatus {
    /// The issuer key.
    pub kid: Kid,
    /// COSE bytes.
    pub bytes: Vec<u8>,
    /// Signed at (unix seconds).
    pub issued_at: i64,
    /// Stale from (unix seconds).
    pub expires: i64,
}

/// The trust data verification uses at one moment; replaced whole when anything changes.
pub struct Snapshot {
    /// The verifier's store.
    pub store: TrustStore,
    /// This service's signed status lists, by issuer kid.
    pub status: BTreeMap<Kid, SignedStatus>,
}

/// The service.
pub struct Core {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: CoreConfig,
    /// Trust lists verified at start (for statements, status coverage and serving).
    trusted: Vec<VerifiedTrustList>,
    /// Issuer keys (kid) whose status lists the status key signs.
    covered: Vec<[u8; 8]>,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Status states by issuer kid; the lock also serialises revocations.
    states: Mutex<BTreeMap<[u8; 8], StatusState>>,
    /// Unix seconds at which the status lists are next re-signed.
    next_refresh: AtomicI64,
    /// Signature checks, kept across store rebuilds (status changes); emptied by the store
    /// itself if the trust lists it verifies against change. `None`: every verify checks the
    /// signature.
    sig_cache: RwLock<Option<Arc<SignatureCache>>>,
    /// Issuer keys whose stored status state is damaged: no list is signed for them (their
    /// labels verify STATUS UNKNOWN, never a fresh all-valid list) and their statements are
    /// refused until the operator repairs the row.
    blocked: BTreeSet<[u8; 8]>,
    /// Damaged records found at start or since (reported by `/api/health`).
    damaged: RwLock<Vec<Damaged>>,
}

/// A `POST /api/verify` body: either `text`, or `path` and `fragment` (public so the fuzz
/// targets drive the same parser the route uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyRequest {
    /// The whole QR text (`HTTPS://...#BASE32`), for API clients.
    pub text: Option<String>,
    /// The verify page's path (`/V`): the server attaches the verify URL it serves there.
    pub path: Option<String>,
    /// The part after `#`.
    pub fragment: Option<String>,
    /// Also return the verifier's full report (API clients; the page does not need it).
    pub report: bool,
}

impl VerifyRequest {
    /// Reads the body field by field, so every error names the field in our words.
    pub fn parse(bytes: &[u8]) -> Result<VerifyRequest, String> {
        let v: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|_| "the body is not JSON".to_string())?;
        let serde_json::Value::Object(fields) = v else {
            return Err("the body is not a JSON object".into());
        };
        let mut req = VerifyRequest {
            text: None,
            path: None,
            fragment: None,
            report: false,
        };
        for (name, value) in fields {
            let text = || {
                value
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("`{name}` must be a string"))
            };
            match name.as_str() {
                "text" => req.text = Some(text()?),
                "path" => req.path = Some(text()?),
                "fragment" => req.fragment = Some(text()?),
                "report" => {
                    req.report = value
                        .as_bool()
                        .ok_or_else(|| "`report` must be true or false".to_string())?;
                }
                other => {
                    return Err(format!(
                        "unknown field `{}` (known: text, path, fragment, report)",
                        super::page::esc(&other.chars().take(40).collect::<String>())
                    ));
                }
            }
        }
        Ok(req)
    }
}

/// A published label and what the verifier said of it.
#[derive(Debug, Clone)]
pub struct Published {
    /// New or already there.
    pub outcome: PutOutcome,
    /// The record.
    pub record: LabelRecord,
    /// The verifier's report at publication.
    pub report: VerifyReport,
}

/// An applied revocation statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Label id.
    pub label: LabelId,
    /// New status.
    pub status: LabelStatus,
    /// The statement's sequence number.
    pub sequence: u64,
    /// Signed by the scheme owner.
    pub by_owner: bool,
}

/// Verdicts at which a label is still recorded: the signature, issuer and role verified.
fn publishable(v: Verdict) -> bool {
    v >= Verdict::Revoked
}

/// A statement takes effect when it is applied: it may not be dated after the service's clock
/// (status lists have no schedule) nor before its label was issued, each within the clock-skew
/// window.
fn check_statement_time(at: i64, now: i64, issued_at: i64) -> Result<(), Refusal> {
    let bound = if at > now.saturating_add(SKEW_SECONDS) {
        Some(("after this registry's clock", now))
    } else if at < issued_at.saturating_sub(SKEW_SECONDS) {
        Some(("before its label was issued", issued_at))
    } else {
        None
    };
    if let Some((side, limit)) = bound {
        return Err(Refusal::new(
            422,
            format!(
                "the statement is dated {}, {side} ({})",
                crate::time::format_unix(at),
                crate::time::format_unix(limit)
            ),
            "date the statement when it is signed (`iotlabel revoke --at`, default now)",
        ));
    }
    Ok(())
}

type LoadedState = (
    BTreeMap<[u8; 8], StatusState>,
    BTreeSet<[u8; 8]>,
    Vec<Damaged>,
);

/// The stored status states, and every damaged record: undecodable state rows (their keys are
/// blocked), entries beyond the status list, and labels with such an index. Only a store that
/// does not answer at all is an error.
fn load_states(store: &dyn Store) -> Result<LoadedState, String> {
    let loaded = store
        .status_states()
        .map_err(|e| format!("reading the status states: {e}"))?;
    let mut damaged = loaded.damaged;
    let mut blocked = BTreeSet::new();
    for d in &damaged {
        // The raw text of a damaged row: a kid only if it reads as one.
        if let Some(kid) = d.issuer_kid.as_deref().and_then(|k| k.parse::<Kid>().ok()) {
            blocked.insert(kid.0);
        }
    }
    let mut states = BTreeMap::new();
    for s in loaded.states {
        let kid = s.issuer_kid.0;
        for index in s.out_of_range() {
            damaged.push(Damaged {
                record: format!("status_states/{}/{index}", s.issuer_kid),
                issuer_kid: Some(s.issuer_kid.to_string()),
                problem: format!(
                    "an entry at status index {index}, beyond the list's {STATUS_ENTRIES} entries; left out of the signed list (that label verifies STATUS UNKNOWN), every other entry is signed"
                ),
            });
        }
        states.insert(kid, s);
    }
    let entries = u32::try_from(STATUS_ENTRIES).unwrap_or(u32::MAX);
    damaged.extend(
        store
            .damaged_labels(entries)
            .map_err(|e| format!("reading the labels: {e}"))?,
    );
    Ok((states, blocked, damaged))
}

impl Core {
    /// Builds the service: verifies the trust lists at the clock's time, loads the status
    /// states, signs fresh status lists.
    pub fn new(
        config: CoreConfig,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Core, String> {
        let now = clock.now().as_second();
        let mut trusted = Vec::new();
        for (i, bytes) in config.trust_lists.iter().enumerate() {
            match open_trust_list(bytes, &config.roots, now) {
                Ok(t) => trusted.push(t),
                Err(e) => return Err(format!("trust list {}: {e}", i + 1)),
            }
        }
        let mut covered = Vec::new();
        if let Some(key) = &config.status_key {
            let kid = Kid(key.kid());
            let mut issuers: Vec<&str> = Vec::new();
            for t in &trusted {
                for k in t.list.keys.iter().filter(|k| k.kid == kid) {
                    if k.role == Role::Status {
                        issuers.extend(k.status_for.iter().map(String::as_str));
                    }
                }
            }
            if issuers.is_empty() {
                return Err(format!(
                    "the status key {kid} is not a status key in any given trust list"
                ));
            }
            for t in &trusted {
                for k in &t.list.keys {
                    if matches!(k.role, Role::IssuingBody | Role::Lab | Role::Manufacturer)
                        && issuers.contains(&k.issuer.as_str())
                        && !covered.contains(&k.kid.0)
                    {
                        covered.push(k.kid.0);
                    }
                }
            }
        }
        let (states, blocked, damaged) = load_states(store.as_ref())?;
        let empty = Snapshot {
            store: TrustStore::new(&[], &[], &[], clock.now()),
            status: BTreeMap::new(),
        };
        let core = Core {
            store,
            clock,
            config,
            trusted,
            covered,
            snapshot: RwLock::new(Arc::new(empty)),
            states: Mutex::new(states),
            next_refresh: AtomicI64::new(i64::MIN),
            sig_cache: RwLock::new(Some(Arc::new(SignatureCache::default()))),
            blocked,
            damaged: RwLock::new(damaged),
        };
        core.refresh(now)?;
        Ok(core)
    }

    /// Sets the signature cache's bound (0: no cache) and rebuilds the store with it.
    pub fn set_signature_cache(&self, capacity: usize) -> Result<(), String> {
        *self
            .sig_cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            (capacity > 0).then(|| Arc::new(SignatureCache::new(capacity)));
        self.refresh(self.clock.now().as_second())
    }

    /// The signature cache in use, if any.
    pub fn signature_cache(&self) -> Option<Arc<SignatureCache>> {
        self.sig_cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The clock's time now.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The trust lists, verified at start.
    pub fn trusted(&self) -> &[VerifiedTrustList] {
        &self.trusted
    }

    /// The signed trust lists as given.
    pub fn trust_list_bytes(&self) -> &[Vec<u8>] {
        &self.config.trust_lists
    }

    /// Whether this service signs status lists (and so accepts revocations).
    pub fn has_status_key(&self) -> bool {
        self.config.status_key.is_some()
    }

    /// The verify URLs of every scheme in the trust lists (as printed in QR codes).
    pub fn verify_urls(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .trusted
            .iter()
            .flat_map(|t| t.list.schemes.iter().map(|s| s.verify_url.clone()))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// The current snapshot, re-signing the status lists first if they are due.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        let now = self.clock.now().as_second();
        if now >= self.next_refresh.load(Ordering::Acquire) {
            // A failed re-sign keeps the old lists: verify then reports them as stale.
            let _ = self.refresh_if_due(now);
        }
        self.current()
    }

    fn current(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn refresh_if_due(&self, now: i64) -> Result<(), String> {
        let states = self
            .states
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if now < self.next_refresh.load(Ordering::Acquire) {
            return Ok(());
        }
        self.rebuild(&states, now)
    }

    /// Re-signs every status list and rebuilds the verifier's store at `now` (unix seconds).
    pub fn refresh(&self, now: i64) -> Result<(), String> {
        let states = self
            .states
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.rebuild(&states, now)
    }

    /// Re-signs every covered key's list, each on its own: a key whose list cannot be signed
    /// keeps its previous list (it goes stale, never wrong) and is reported, and no other key
    /// is affected.
    fn rebuild(&self, states: &BTreeMap<[u8; 8], StatusState>, now: i64) -> Result<(), String> {
        let at = Timestamp::from_second(now).map_err(|e| e.to_string())?;
        let mut status = self.current().status.clone();
        for kid in &self.covered {
            match self.sign_list(kid, states.get(kid), now) {
                Ok(Some(signed)) => {
                    status.insert(signed.kid, signed);
                }
                Ok(None) => {}
                Err(e) => self.report_damaged(Damaged {
                    record: format!("status_states/{}", Kid(*kid)),
                    issuer_kid: Some(Kid(*kid).to_string()),
                    problem: format!("the status list could not be signed: {e}"),
                }),
            }
        }
        self.install(status, at);
        let half = (self.config.status_validity / 2).max(1);
        self.next_refresh
            .store(now.saturating_add(half), Ordering::Release);
        Ok(())
    }

    /// One key's list signed at `now`; `None` when this service signs none for it (no status
    /// key, or its stored state is damaged).
    fn sign_list(
        &self,
        kid: &[u8; 8],
        state: Option<&StatusState>,
        now: i64,
    ) -> Result<Option<SignedStatus>, String> {
        let Some(key) = &self.config.status_key else {
            return Ok(None);
        };
        if self.blocked.contains(kid) {
            return Ok(None);
        }
        let expires = now.saturating_add(self.config.status_validity);
        let list = match state {
            Some(s) => s.to_list_in_range(now, expires),
            None => StatusState::new(kid).to_list(now, expires),
        }
        .map_err(|e| e.to_string())?;
        let bytes = list.sign(key).map_err(|e| e.to_string())?;
        Ok(Some(SignedStatus {
            kid: Kid(*kid),
            bytes,
            issued_at: now,
            expires,
        }))
    }

    /// Replaces the snapshot: these signed lists (plus the given files) and a verifier's store
    /// over them. Cannot fail, so it is safe after a commit.
    fn install(&self, status: BTreeMap<Kid, SignedStatus>, at: Timestamp) {
        let mut lists: Vec<Vec<u8>> = self.config.status_files.clone();
        lists.extend(status.values().map(|s| s.bytes.clone()));
        let mut store = TrustStore::new(&self.config.roots, &self.config.trust_lists, &lists, at);
        if let Some(cache) = self.signature_cache() {
            store = store.with_cache(cache);
        }
        *self
            .snapshot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Arc::new(Snapshot { store, status });
    }

    fn report_damaged(&self, d: Damaged) {
        let mut all = self
            .damaged
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !all
            .iter()
            .any(|x| x.record == d.record && x.problem == d.problem)
        {
            eprintln!("iotlabel serve: damaged record {}: {}", d.record, d.problem);
            all.push(d);
        }
    }

    /// The damaged records found (at start, or when a list could not be signed). The service
    /// runs on regardless; `/api/health` reports them.
    pub fn damaged(&self) -> Vec<Damaged> {
        self.damaged
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Makes the store durable for exit (after the last request was answered).
    pub fn flush(&self) -> Result<(), String> {
        self.store.flush().map_err(|e| e.to_string())
    }

    /// Verifies a QR text (or bare base32) now.
    pub fn verify_text(&self, text: &str) -> VerifyReport {
        let snap = self.snapshot();
        snap.store.verify(Some(text), None, self.clock.now())
    }

    /// Verifies COSE bytes now (the URL is not checked).
    pub fn verify_cose(&self, bytes: &[u8]) -> VerifyReport {
        let snap = self.snapshot();
        snap.store.verify(None, Some(bytes), self.clock.now())
    }

    /// Publishes a label: accepted when its signature, issuer and role verify against the
    /// trust lists; recorded durably; the same bytes again are accepted as already present.
    pub fn publish(&self, bytes: &[u8]) -> Result<Published, Refusal> {
        let parsed = cose::parse(bytes).map_err(|e| {
            Refusal::new(
                422,
                format!("not a signed label: {e}"),
                "send the label's COSE_Sign1 bytes (the .cose file `iotlabel issue` writes)",
            )
        })?;
        let report = self.verify_cose(bytes);
        if !publishable(report.verdict) {
            let why = report
                .findings
                .first()
                .map_or(String::new(), |f| f.detail.clone());
            return Err(Refusal {
                status: 422,
                error: format!("label refused: {} ({why})", report.verdict.words()),
                help: "only labels whose signature, issuer, role and scheme verify against this registry's trust lists are recorded".into(),
                verdict: Some(report.verdict),
            });
        }
        let claims = LabelClaims::decode(&parsed.payload).map_err(|e| {
            Refusal::new(
                422,
                format!("not a label: {e}"),
                "send a label's COSE bytes",
            )
        })?;
        // No status list can say anything of such a label, so it could never be revoked.
        if claims.status_index as usize >= STATUS_ENTRIES {
            return Err(Refusal {
                status: 422,
                error: format!(
                    "label refused: status index {} is beyond the status list's {STATUS_ENTRIES} entries (0-{})",
                    claims.status_index,
                    STATUS_ENTRIES - 1
                ),
                help: "issue the label with a status index below 131072".into(),
                verdict: Some(report.verdict),
            });
        }
        let record = LabelRecord {
            label_id: LabelId(claims.label_id),
            issuer_kid: Kid(parsed.kid),
            status_index: claims.status_index,
            // The label carries no issuer: the trust-list entry of its kid names it.
            issuer: report
                .issuer
                .as_ref()
                .map(|i| i.id.clone())
                .unwrap_or_default(),
            manufacturer: claims.label.manufacturer.clone(),
            model: claims.label.model.clone(),
            scheme_id: claims.label.scheme_id.clone(),
            scheme_version: claims.label.scheme_version,
            tier: claims.label.tier,
            issued_at: claims.issued_at,
            expires: claims.expires,
            published_at: self.clock.now().as_second(),
            cose: bytes.to_vec(),
        };
        let outcome = self.store.put_label(&record).map_err(Refusal::store)?;
        Ok(Published {
            outcome,
            record,
            report,
        })
    }

    /// Applies a signed revocation statement to the label's issuer key state, records it,
    /// re-signs that key's status list and rebuilds the verifier's store.
    pub fn revoke(&self, bytes: &[u8]) -> Result<Applied, Refusal> {
        let Some(_) = &self.config.status_key else {
            return Err(Refusal::new(
                503,
                "this registry has no status key, so it cannot publish status changes",
                "start `iotlabel serve` with --status-key",
            ));
        };
        let opened = open_statement(bytes, &self.trusted, &self.config.roots).map_err(|e| {
            let status = match e {
                ApplyError::Unauthorised { .. } => 403,
                _ => 422,
            };
            Refusal::new(
                status,
                e.to_string(),
                "send a statement written by `iotlabel revoke`, signed by a key of the label's issuer or by the scheme owner",
            )
        })?;
        let s = &opened.statement;
        let record = self.statement_label(s)?;
        let kid = self.statement_key(s)?;
        let now = self.clock.now().as_second();
        check_statement_time(s.at, now, record.issued_at)?;
        let at =
            Timestamp::from_second(now).map_err(|e| Refusal::internal(&format!("clock: {e}")))?;
        let mut states = self
            .states
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Validate fully before anything is committed: the new state, and this key's list
        // signed from it. Only then the one transaction; after it nothing can fail.
        let mut next = states
            .get(&kid)
            .cloned()
            .unwrap_or_else(|| StatusState::new(&kid));
        next.apply(&opened).map_err(|e| {
            let status = match e {
                ApplyError::Replayed { .. } | ApplyError::Final { .. } => 409,
                ApplyError::OwnerSuspension { .. } => 403,
                _ => 422,
            };
            Refusal::new(
                status,
                e.to_string(),
                "each statement for a label needs a higher sequence number; revoked and superseded are final",
            )
        })?;
        let signed = self
            .sign_list(&kid, Some(&next), now)
            .map_err(|e| Refusal::internal(&format!("signing the status list: {e}")))?
            .ok_or_else(|| Refusal::internal("no status list to sign"))?;
        self.store
            .apply_statement(
                &StatementRecord {
                    issuer_kid: record.issuer_kid,
                    label_id: record.label_id,
                    sequence: s.sequence,
                    applied_at: now,
                    bytes: bytes.to_vec(),
                },
                &next,
            )
            .map_err(|e| match e {
                StoreError::Conflict(m) => Refusal::new(409, m, "a statement is applied once"),
                other => Refusal::store(other),
            })?;
        states.insert(kid, next);
        let mut status = self.current().status.clone();
        status.insert(signed.kid, signed);
        self.install(status, at);
        Ok(Applied {
            label: s.label,
            status: s.status,
            sequence: s.sequence,
            by_owner: opened.by_owner,
        })
    }

    /// The registered label a statement names, with its own key and index.
    fn statement_label(
        &self,
        s: &crate::status::RevocationStatement,
    ) -> Result<LabelRecord, Refusal> {
        let record = self
            .store
            .get_label(s.label)
            .map_err(Refusal::store)?
            .ok_or_else(|| {
                Refusal::new(
                    422,
                    format!("label {} is not in this registry", s.label),
                    "publish the label first (POST /api/labels)",
                )
            })?;
        if record.issuer_kid != s.issuer_kid || record.status_index != s.index {
            return Err(Refusal::new(
                422,
                format!(
                    "the statement names key {} index {}, but label {} is key {} index {}",
                    s.issuer_kid, s.index, record.label_id, record.issuer_kid, record.status_index
                ),
                "the statement must name the label's own key and status index",
            ));
        }
        Ok(record)
    }

    /// The issuer key a statement changes, if this service signs that key's list and its
    /// stored state is usable.
    fn statement_key(&self, s: &crate::status::RevocationStatement) -> Result<[u8; 8], Refusal> {
        let kid = s.issuer_kid.0;
        if !self.covered.contains(&kid) {
            return Err(Refusal::new(
                422,
                format!(
                    "this registry's status key does not sign the status list of key {}",
                    s.issuer_kid
                ),
                "send it to the status service of the label's issuer",
            ));
        }
        if self.blocked.contains(&kid) {
            return Err(Refusal::new(
                503,
                format!(
                    "the stored status state of key {} is damaged, so its status cannot change now",
                    s.issuer_kid
                ),
                "the operator must repair the record (see /api/health); other keys are not affected",
            ));
        }
        Ok(kid)
    }

    /// The status-state entry of a label, if its status ever changed.
    pub fn status_entry(&self, issuer_kid: Kid, index: u32) -> Option<crate::status::StateEntry> {
        let kid = issuer_kid.0;
        let states = self
            .states
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        states.get(&kid)?.entries.get(&index).cloned()
    }

    /// For an expired or superseded label: the current label for the same model (the named
    /// successor, else the newest label of that manufacturer and model that verifies green or
    /// amber now).
    pub fn current_label_for(&self, report: &VerifyReport) -> Option<String> {
        let superseded = report.status == Some(LabelStatus::Superseded);
        if !(superseded || report.verdict == Verdict::Expired) {
            return None;
        }
        let id = report.label_id?;
        if superseded
            && let Some(rec) = self.store.get_label(id).ok().flatten()
            && let Some(e) = self.status_entry(rec.issuer_kid, rec.status_index)
            && let Some(succ) = e.successor
        {
            return Some(succ.to_string());
        }
        let d = report.device.as_ref()?;
        let candidates = self.store.same_model(&d.manufacturer, &d.model).ok()?;
        candidates
            .into_iter()
            .filter(|r| r.label_id != id)
            .take(10)
            .find(|r| {
                let v = self.verify_cose(&r.cose).verdict;
                v == Verdict::Valid || v == Verdict::StatusStale
            })
            .map(|r| r.label_id.to_string())
    }

    /// Re-signs the status lists if due (the background tick calls this).
    pub fn tick(&self) {
        let now = self.clock.now().as_second();
        let _ = self.refresh_if_due(now);
    }
}
