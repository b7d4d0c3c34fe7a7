//! COSE_Sign1 bytes -> the strict envelope parser, then the verifier on the raw bytes.
//! Oracle: anything `cose::parse` accepts is exactly the one form we emit (rebuilt here
//! independently, byte by byte), and its Sig_structure is the one RFC 9052 defines.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

use iotlabel::label::cose;

fn head(major: u8, len: usize, out: &mut Vec<u8>) {
    let m = major << 5;
    match len {
        0..=23 => out.push(m | len as u8),
        24..=0xff => out.extend([m | 24, len as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend((len as u16).to_be_bytes());
        }
        _ => {
            out.push(m | 26);
            out.extend((len as u32).to_be_bytes());
        }
    }
}

fn bstr(b: &[u8], out: &mut Vec<u8>) {
    head(2, b.len(), out);
    out.extend_from_slice(b);
}

fn protected(p: &cose::ParsedSign1) -> Vec<u8> {
    let alg = match p.alg {
        cose::ALG_EDDSA => 0x27,
        cose::ALG_ED25519 => 0x32,
        other => panic!("parse accepted alg {other}"),
    };
    let mut h = vec![0xa2, 0x01, alg, 0x04, 0x48];
    h.extend_from_slice(&p.kid);
    h
}

fn rebuild(p: &cose::ParsedSign1) -> Vec<u8> {
    let mut out = vec![0xd2, 0x84];
    bstr(&protected(p), &mut out);
    out.push(0xa0);
    bstr(&p.payload, &mut out);
    bstr(&p.signature, &mut out);
    out
}

fn sig_structure(p: &cose::ParsedSign1) -> Vec<u8> {
    let mut out = vec![0x84, 0x6a];
    out.extend_from_slice(b"Signature1");
    bstr(&protected(p), &mut out);
    out.push(0x40);
    bstr(&p.payload, &mut out);
    out
}

fn seeds(s: &common::Setup) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = s.labels.iter().map(|l| l.cose.clone()).collect();
    out.push(s.scenario.trust_bytes.clone());
    out.extend(s.status_lists.iter().cloned());
    out
}

fuzz_target!(init: common::seeds(seeds), |data: &[u8]| {
    let s = common::setup();
    for max in [cose::MAX_COSE, 64 * 1024] {
        if let Ok(p) = cose::parse_limited(data, max) {
            assert_eq!(rebuild(&p), data, "accepted COSE_Sign1 that is not in the one form");
            assert_eq!(p.to_be_signed, sig_structure(&p), "wrong Sig_structure");
        }
    }
    let report = s.store.verify(None, Some(data), common::now());
    let claims = cose::parse(data)
        .ok()
        .and_then(|p| iotlabel::label::LabelClaims::decode(&p.payload).ok());
    common::check_valid(&report, claims.as_ref());
});
