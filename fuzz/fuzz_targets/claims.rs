//! Claims CBOR -> both claims decoders, then the claims re-signed with a genuine trusted key
//! (so only the parser and the policy stand between them and VALID) and verified.
//! Oracles: the one-pass reader and the ciborium-based decoder agree on accept/reject (and on
//! the claims); anything accepted re-encodes to its input bytes; a VALID verdict keeps the
//! policy promises (`common::check_valid`).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

use iotlabel::label::claims::decoders_for_fuzzing;
use iotlabel::label::{LabelClaims, qr_text};
use iotlabel::scenario::DEMO_VERIFY_URL;

fn seeds(s: &common::Setup) -> Vec<Vec<u8>> {
    s.labels.iter().map(|l| common::payload(&l.cose)).collect()
}

fuzz_target!(init: common::seeds(seeds), |data: &[u8]| {
    let d = decoders_for_fuzzing(data);
    assert_eq!(
        d.fast,
        d.ciborium.clone().ok(),
        "one-pass reader and ciborium-based decoder disagree"
    );
    let decoded = LabelClaims::decode(data);
    assert_eq!(decoded, d.ciborium, "LabelClaims::decode and the ciborium-based decoder disagree");
    let Ok(claims) = decoded else {
        return;
    };
    assert_eq!(
        claims.encode().ok().as_deref(),
        Some(data),
        "accepted claims do not re-encode to their input"
    );
    let s = common::setup();
    let key = s.key_for_label(&claims);
    let Ok(cose) = iotlabel::label::cose::sign(data, key) else {
        return;
    };
    let text = qr_text(DEMO_VERIFY_URL, &cose);
    let report = s.store.verify(Some(&text), None, common::now());
    common::check_valid(&report, Some(&claims));
});
