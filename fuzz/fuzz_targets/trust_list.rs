//! Trust list payload (CBOR) -> signed by the genuine root -> `open_trust_list`, then a store
//! built on it verifies the genuine labels.
//! Oracles: an accepted list re-encodes to the signed bytes; a VALID verdict under the fuzzed
//! list keeps the policy promises and names a key the list holds with a role that may sign.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

use iotlabel::keys::Signer;
use iotlabel::trust::{MAX_TRUST_LIST, Role, open_trust_list, peek_trust_list};
use iotlabel::verify::{TrustStore, Verdict};

fn seeds(s: &common::Setup) -> Vec<Vec<u8>> {
    let mut out = vec![common::payload(&s.scenario.trust_bytes)];
    let lab = hex::encode(s.scenario.lab.kid());
    let mut retired = s.scenario.trust.clone();
    if iotlabel::trust::retire_key(&mut retired, &lab, common::AT - 86_400).is_ok() {
        out.push(retired.encode().expect("encodes"));
    }
    let mut compromised = s.scenario.trust.clone();
    if iotlabel::trust::compromise_key(&mut compromised, &lab, common::AT - 86_400, vec![]).is_ok()
    {
        out.push(compromised.encode().expect("encodes"));
    }
    out
}

fuzz_target!(init: common::seeds(seeds), |data: &[u8]| {
    let s = common::setup();
    let Some(signed) = common::sign_payload(data, &s.scenario.root, MAX_TRUST_LIST) else {
        return;
    };
    let _ = peek_trust_list(&signed);
    let roots = s.scenario.roots();
    let Ok(v) = open_trust_list(&signed, &roots, common::NOW) else {
        return;
    };
    assert_eq!(
        v.list.encode().ok().as_deref(),
        Some(data),
        "accepted trust list does not re-encode to its bytes"
    );
    let store = TrustStore::new(&roots, &[signed], &s.status_lists, common::at());
    for l in s.labels.iter().take(4) {
        let r = store.verify(Some(&l.text), None, common::now());
        let _ = r.to_text();
        common::check_valid(&r, Some(&l.claims));
        if r.verdict == Verdict::Valid {
            let kid = hex::encode(s.key(l.signer).kid());
            assert!(
                v.list.keys.iter().any(|k| k.kid == kid
                    && matches!(k.role, Role::Lab | Role::IssuingBody | Role::Manufacturer)),
                "VALID under a trust list without a signing entry for kid {kid}"
            );
        }
    }
});
