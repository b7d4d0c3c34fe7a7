//! The label id (CWT `cti`): derived from the signing key and the status index, never chosen.
//!
//! ```text
//! label id = SHA-256( "iotlabel/label-id/v1" || kid (8 bytes) || status index (u32, big-endian) )[..8]
//! ```
//!
//! Why derived: the id is the registry key and the handle a revocation names. If an issuer
//! could choose it, a key trusted for one thing (a manufacturer's) could sign a label carrying
//! another issuer's id and take that id in the registry first, and a revoked label's id could
//! be re-used under a fresh status index to dodge its revocation. With the id a function of
//! (kid, index), an id belongs to exactly one key and one status-list slot: another key's id
//! cannot be produced (the kid is the signing key's, from the protected header), and the same
//! id under another index is not the id of that index. Every verifier recomputes it before it
//! trusts anything else in the claims, and a label whose id does not match is MALFORMED.
//! All three inputs are fixed-width, so the concatenation is unambiguous; the domain tag keeps
//! these hashes apart from any other SHA-256 the project computes over the same bytes.

use sha2::{Digest, Sha256};

use super::LabelClaims;
use crate::ids::{Kid, LabelId};

/// Domain separation tag of the label-id hash (version 1 of the derivation).
pub const LABEL_ID_DOMAIN: &[u8] = b"iotlabel/label-id/v1";

/// The label id of the label a key (by `kid`) signs at `status_index` of its status list.
pub fn label_id(kid: &[u8; 8], status_index: u32) -> [u8; 8] {
    let mut h = Sha256::new();
    h.update(LABEL_ID_DOMAIN);
    h.update(kid);
    h.update(status_index.to_be_bytes());
    let d = h.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&d[..8]);
    out
}

/// The claims carry a label id that is not the one their signing key and status index give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "label id {found} is not the id of key {kid} at status index {index} (that is {expected}): a label id is derived from the signing key and the status index, so this label carries an id it may not use"
)]
pub struct LabelIdError {
    /// The id the claims carry.
    pub found: LabelId,
    /// The id they must carry.
    pub expected: LabelId,
    /// The signing key's kid.
    pub kid: Kid,
    /// The claims' status index.
    pub index: u32,
}

/// Checks that `claims` carry the id of their status index under the key `kid` that signed
/// them (the kid of the protected header).
pub fn check_label_id(kid: &[u8; 8], claims: &LabelClaims) -> Result<(), LabelIdError> {
    let expected = label_id(kid, claims.status_index);
    if claims.label_id == expected {
        Ok(())
    } else {
        Err(LabelIdError {
            found: LabelId(claims.label_id),
            expected: LabelId(expected),
            kid: Kid(*kid),
            index: claims.status_index,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed value, so any change to the derivation (tag, order, widths) is seen here and
    /// in the re-issued vectors.
    #[test]
    fn derivation_is_fixed() {
        let kid = [1, 2, 3, 4, 5, 6, 7, 8];
        let mut h = Sha256::new();
        h.update(b"iotlabel/label-id/v1\x01\x02\x03\x04\x05\x06\x07\x08\x00\x00\x01\x00");
        let d = h.finalize();
        assert_eq!(label_id(&kid, 256).as_slice(), &d[..8]);
    }

    #[test]
    fn ids_differ_by_key_and_by_index() {
        let a = [0xaa; 8];
        let b = [0xbb; 8];
        assert_ne!(label_id(&a, 0), label_id(&b, 0));
        assert_ne!(label_id(&a, 0), label_id(&a, 1));
        assert_ne!(label_id(&a, 1), label_id(&a, 256));
        assert_eq!(label_id(&a, 7), label_id(&a, 7));
    }
}
