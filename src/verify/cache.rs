//! A bounded cache of signature checks, shared by the [`TrustStore`](super::TrustStore)s built
//! over the same trust lists (the service rebuilds its store whenever a status list changes).
//!
//! What is cached is only what never changes for the same bytes under the same trust lists:
//! "these exact COSE_Sign1 bytes carry a valid Ed25519 signature by trust-list key (list,
//! entry), and their claims decode to this". The key is the SHA-256 of the whole COSE_Sign1
//! (protected header, payload and signature), never the label id: a label with one bit
//! changed, or a forgery reusing a genuine id, has another key and is checked in full.
//!
//! Everything that depends on time or on data that changes (trust-list freshness, key state
//! and validity, sign window, issuer, role, scheme, verify URL, expiry, status list) is checked
//! on every verification, cached or not, so a cached label turns REVOKED or EXPIRED at once.
//!
//! Each cache remembers the fingerprint (SHA-256 of the roots and the verified trust lists) of
//! the store that filled it; a store with another fingerprint empties it first. Entries name
//! their key by its position in those lists, so they are only meaningful for the same lists.
//!
//! Bounded: two generations of at most `capacity / 2` entries each; when the newer one is full
//! the older one is dropped (an approximate least-recently-used policy: an entry used in the
//! last generation is kept).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

use crate::label::LabelClaims;

/// The default bound (entries).
pub const DEFAULT_CAPACITY: usize = 10_000;

/// A signature that verified: under which trust-list key, and the claims it signs.
#[derive(Debug, Clone)]
pub(crate) struct CheckedSignature {
    /// Index of the verified trust list in the store.
    pub list: usize,
    /// Index of the key entry in that list.
    pub entry: usize,
    /// The decoded claims.
    pub claims: Arc<LabelClaims>,
}

type Key = [u8; 32];

struct Inner {
    fingerprint: [u8; 32],
    young: HashMap<Key, CheckedSignature>,
    old: HashMap<Key, CheckedSignature>,
}

/// A bounded cache of signature checks (see the module documentation for what is cached and
/// why it is safe). Cheap to share: wrap it in an [`Arc`].
pub struct SignatureCache {
    half: usize,
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl SignatureCache {
    /// A cache holding at most `capacity` signature checks (at least 2).
    pub fn new(capacity: usize) -> SignatureCache {
        SignatureCache {
            half: (capacity / 2).max(1),
            inner: Mutex::new(Inner {
                fingerprint: [0; 32],
                young: HashMap::new(),
                old: HashMap::new(),
            }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The bound on entries.
    pub fn capacity(&self) -> usize {
        self.half * 2
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        let g = self.lock();
        g.young.len() + g.old.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lookups answered from the cache so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Lookups that had to check the signature so far.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    /// Forgets everything.
    pub fn clear(&self) {
        let mut g = self.lock();
        g.young.clear();
        g.old.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cache key of COSE_Sign1 bytes.
    pub(crate) fn key(cose: &[u8]) -> Key {
        let mut h = Sha256::new();
        h.update(b"iotlabel signature cache v1\0");
        h.update(cose);
        h.finalize().into()
    }

    /// The check remembered for `key` under `fingerprint`, if `usable` accepts it (the caller
    /// says whether its key is the one a full check would pick now).
    pub(crate) fn get(
        &self,
        fingerprint: &[u8; 32],
        key: &Key,
        usable: impl Fn(&CheckedSignature) -> bool,
    ) -> Option<CheckedSignature> {
        let mut g = self.lock();
        let found = if g.fingerprint != *fingerprint {
            None
        } else if let Some(v) = g.young.get(key) {
            Some(v.clone())
        } else if let Some(v) = g.old.remove(key) {
            // Used again: back into the young generation.
            self.put(&mut g, *key, v.clone());
            Some(v)
        } else {
            None
        };
        drop(g);
        let found = found.filter(|v| usable(v));
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub(crate) fn insert(&self, fingerprint: &[u8; 32], key: Key, value: CheckedSignature) {
        let mut g = self.lock();
        if g.fingerprint != *fingerprint {
            // Other trust lists: nothing cached under the old ones means anything now.
            g.young.clear();
            g.old.clear();
            g.fingerprint = *fingerprint;
        }
        self.put(&mut g, key, value);
    }

    fn put(&self, g: &mut Inner, key: Key, value: CheckedSignature) {
        if g.young.len() >= self.half && !g.young.contains_key(&key) {
            g.old = std::mem::take(&mut g.young);
        }
        g.young.insert(key, value);
    }
}

impl Default for SignatureCache {
    fn default() -> SignatureCache {
        SignatureCache::new(DEFAULT_CAPACITY)
    }
}

impl std::fmt::Debug for SignatureCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureCache")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .field("hits", &self.hits())
            .field("misses", &self.misses())
            .finish()
    }
}

/// The fingerprint of the trust a store verifies against: its roots and verified lists.
pub(crate) fn fingerprint(roots: &[[u8; 32]], trusted_list_bytes: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"iotlabel trust fingerprint v1\0");
    h.update((roots.len() as u64).to_le_bytes());
    for r in roots {
        h.update(r);
    }
    h.update((trusted_list_bytes.len() as u64).to_le_bytes());
    for b in trusted_list_bytes {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    }
    h.finalize().into()
}
