//! QR text -> verdict: the full offline verifier against the vectors' trust setup.
//! Oracles: a VALID verdict only for the exact canonical text (nothing around it, base32 that
//! re-encodes to itself, claims that re-encode to the signed bytes) and the policy promises of
//! `common::check_valid`; the report renders in every form the product shows it.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

use iotlabel::label::{LabelClaims, cose, parse_qr_text};
use iotlabel::serve::view::{Lang, view};
use iotlabel::verify::Verdict;

fn seeds(s: &common::Setup) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = s
        .labels
        .iter()
        .map(|l| l.text.clone().into_bytes())
        .collect();
    out.extend(common::vector_texts().into_iter().map(String::into_bytes));
    let t = &s.labels[0].text;
    out.push(t.replace("HTTPS://LBL.EXAMPLE.ORG/V#", "").into_bytes());
    out.push(format!(" {t}\n").into_bytes());
    out
}

fuzz_target!(init: common::seeds(seeds), |data: &[u8]| {
    let s = common::setup();
    let text = String::from_utf8_lossy(data);
    let report = s.store.verify(Some(&text), None, common::now());
    let _ = report.to_text();
    let _ = serde_json::to_string(&report);
    for lang in [Lang::En, Lang::Ja] {
        let _ = view(&report, common::NOW, lang, None);
    }
    if report.verdict != Verdict::Valid {
        return;
    }
    let q = parse_qr_text(&text).expect("VALID, but the exact text does not parse");
    let payload = text.rsplit('#').next().unwrap_or("");
    assert_eq!(
        data_encoding::BASE32_NOPAD.encode(&q.cose),
        payload,
        "VALID, but the text is not the canonical QR text: {text:?}"
    );
    let parsed = cose::parse(&q.cose).expect("VALID, but the COSE does not parse");
    let claims = LabelClaims::decode(&parsed.payload).expect("VALID, but the claims do not decode");
    assert_eq!(claims.encode().ok().as_deref(), Some(&parsed.payload[..]));
    common::check_valid(&report, Some(&claims));
});
