//! A VALID label, optionally edited and re-signed by its own key, survives the trip a printed
//! label makes: QR symbol (src/label/symbol.rs) -> pixels -> PNG or JPEG -> picture reader
//! (src/scan.rs) -> verifier.
//! Input: [label, edit, scale, ecc, bytes...]: which of the setup's labels, which field to
//! replace with the bytes (none, model, manufacturer, a variant, firmware, hardware version,
//! status index, dates), the module size (2-5 px, JPEG when the top bit is set and the
//! modules are at least 4 px) and the error-correction level.
//! Oracles: if the edited label verifies VALID, the symbol's picture reads back to exactly its
//! text and that text verifies VALID again; VALID keeps the policy promises.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

use iotlabel::label::symbol::{self, Ecc};
use iotlabel::label::{qr_text, sign_label};
use iotlabel::scenario::DEMO_VERIFY_URL;
use iotlabel::verify::Verdict;

fn edit(claims: &mut iotlabel::label::LabelClaims, kind: u8, bytes: &[u8]) {
    let text = || String::from_utf8_lossy(bytes).into_owned();
    let num = |n: usize| {
        let mut b = [0u8; 8];
        let k = bytes.len().min(n);
        b[..k].copy_from_slice(&bytes[..k]);
        u64::from_le_bytes(b)
    };
    let l = &mut claims.label;
    match kind % 8 {
        1 => l.model = text(),
        2 => l.manufacturer = text(),
        3 => l.variants.push(text()),
        4 => l.firmware = text(),
        5 => l.hardware_version = text(),
        6 => claims.status_index = num(4) as u32,
        7 => {
            // Dates around the verification time, either order (the clock-skew window).
            claims.issued_at = common::NOW + i64::from(num(2) as u16 as i16);
            claims.expires = claims.issued_at + i64::from((num(4) >> 16) as u16 as i16);
        }
        _ => {}
    }
}

fn seeds(s: &common::Setup) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for i in 0..s.labels.len().min(8) {
        for kind in 0..8u8 {
            let mut seed = vec![i as u8, kind, kind % 4, kind % 3];
            seed.extend_from_slice(match kind {
                6 => &[7, 0, 0, 0][..],
                7 => &[0x10, 0x0e, 0, 0, 0x00, 0x80][..],
                _ => "Ab-12 é".as_bytes(),
            });
            out.push(seed);
        }
    }
    out
}

fuzz_target!(init: common::seeds(seeds), |data: &[u8]| {
    let [which, kind, scale, ecc, rest @ ..] = data else {
        return;
    };
    let s = common::setup();
    let label = &s.labels[*which as usize % s.labels.len()];
    let mut claims = label.claims.clone();
    edit(&mut claims, *kind, rest);
    let text = if claims == label.claims {
        label.text.clone()
    } else {
        let Ok(cose) = sign_label(&claims, s.key(label.signer)) else {
            return;
        };
        qr_text(DEMO_VERIFY_URL, &cose)
    };
    let report = s.store.verify(Some(&text), None, common::now());
    if report.verdict != Verdict::Valid {
        return;
    }
    common::check_valid(&report, Some(&claims));
    let ecc = [Ecc::L, Ecc::M, Ecc::Q, Ecc::H][*ecc as usize % 4];
    let Ok(sym) = symbol::encode(&text, ecc) else {
        return; // too long for any QR version at this level: refused, not a finding
    };
    let px = 2 + u32::from(*scale % 4);
    let jpeg = *scale & 0x80 != 0 && px >= 4;
    let pic = common::picture(&sym, px, jpeg);
    let texts = iotlabel::scan::read_qr_texts(&pic).unwrap_or_else(|e| {
        panic!("picture of a VALID label unreadable (v{}, {px} px, jpeg {jpeg}): {e}", sym.version())
    });
    assert!(
        texts.iter().any(|t| t == &text),
        "picture read back as {texts:?}, not {text:?}"
    );
    let scanned = texts.iter().find(|t| *t == &text).expect("found above");
    let again = s.store.verify(Some(scanned), None, common::now());
    assert_eq!(again.verdict, Verdict::Valid, "VALID before the picture, not after");
});
