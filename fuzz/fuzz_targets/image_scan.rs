//! Picture bytes (PNG or JPEG) -> `scan::read_qr_texts` (format sniffing, header pixel limit,
//! decoding, QR reading) -> every text verified, as `iotlabel verify --image` does.
//! Oracles: no panic outside the decoders' own catch (see below), no hang, no allocation
//! beyond the limit (`-rss_limit_mb`); a VALID text read from a picture keeps the policy
//! promises.
//!
//! `scan` catches a panic inside the third-party decoders and reports it as a decoding error
//! (the product's design). libFuzzer's panic hook would abort on it anyway, so this target
//! installs a hook that prints the panic and lets the product catch it: a panic anywhere else
//! still aborts (libfuzzer-sys aborts on any panic that reaches the target).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

use std::sync::Once;

fn quiet_caught_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            eprintln!("panic (caught by scan if inside a decoder): {info}");
        }));
    });
}

fn seeds(s: &common::Setup) -> Vec<Vec<u8>> {
    use iotlabel::label::symbol::{Ecc, encode};
    let mut out = Vec::new();
    for (i, l) in s.labels.iter().take(4).enumerate() {
        let sym = encode(&l.text, Ecc::M).expect("symbol");
        out.push(common::picture(&sym, 2 + i as u32 % 2, i == 3));
    }
    let short = encode("HTTPS://LBL.EXAMPLE.ORG/L/0123456789ABCDEF", Ecc::M).expect("symbol");
    out.push(common::picture(&short, 3, false));
    out
}

fuzz_target!(init: common::seeds(seeds), |data: &[u8]| {
    quiet_caught_panics();
    let s = common::setup();
    let Ok(texts) = iotlabel::scan::read_qr_texts(data) else {
        return;
    };
    for t in texts {
        let _ = iotlabel::scan::looks_like_label(&t);
        let r = s.store.verify(Some(&t), None, common::now());
        common::check_valid(&r, None);
    }
});
