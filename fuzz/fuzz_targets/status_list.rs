//! Status list payload (CBOR claims with a zlib bitstring) -> signed by the genuine status key
//! -> `open_status_list`, then the genuine labels verified with it.
//! Oracles: an accepted list re-encodes to the signed bytes; a label the accepted list marks
//! revoked or suspended never verifies VALID with it.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

use iotlabel::keys::Signer;
use iotlabel::status::{LabelStatus, StatusList, open_status_list};

/// `status::list::MAX_STATUS_LIST` (not exported).
const MAX_STATUS_LIST: usize = 64 * 1024;
use iotlabel::verify::{TrustStore, Verdict};

fn seeds(s: &common::Setup) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = s.status_lists.iter().map(|b| common::payload(b)).collect();
    for (i, st) in [
        LabelStatus::Revoked,
        LabelStatus::Suspended,
        LabelStatus::Superseded,
    ]
    .into_iter()
    .enumerate()
    {
        let l = &s.labels[i % s.labels.len()];
        let mut list = StatusList::new(s.key(l.signer).kid(), common::AT, common::AT + 7 * 86_400);
        list.set(l.claims.status_index, st);
        out.push(list.encode().expect("encodes"));
    }
    out
}

fuzz_target!(init: common::seeds(seeds), |data: &[u8]| {
    let s = common::setup();
    let Some(signed) = common::sign_payload(data, &s.scenario.status, MAX_STATUS_LIST) else {
        return;
    };
    let Ok(list) = open_status_list(&signed, &s.verified) else {
        return;
    };
    assert_eq!(
        list.encode().ok().as_deref(),
        Some(data),
        "accepted status list does not re-encode to its bytes"
    );
    let store = TrustStore::new(
        &s.scenario.roots(),
        std::slice::from_ref(&s.scenario.trust_bytes),
        &[signed],
        common::at(),
    );
    for l in &s.labels {
        if s.key(l.signer).kid() != *list.issuer_kid.bytes() {
            continue;
        }
        let r = store.verify(Some(&l.text), None, common::now());
        common::check_valid(&r, Some(&l.claims));
        let marked = list.get(l.claims.status_index);
        if matches!(
            marked,
            Some(LabelStatus::Revoked | LabelStatus::Suspended | LabelStatus::Superseded)
        ) {
            assert_ne!(
                r.verdict,
                Verdict::Valid,
                "label at index {} is {marked:?} in an accepted list but verifies VALID",
                l.claims.status_index
            );
        }
    }
});
