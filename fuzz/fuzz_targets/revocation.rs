//! Revocation statement payload (CBOR) -> signed by the key the first byte picks (lab, issuing
//! body, manufacturer, root, status) -> `open_statement` -> folded into a status state (empty,
//! or holding the genuine labels' earlier statements) -> status list -> signed -> opened.
//! Oracles: a statement that applies always yields a status list (issue 10: one statement must
//! never break the list of a key); the list opens and holds the stated status at the index;
//! the same statement again is refused as a replay; a refused statement leaves the state as it
//! was.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

use iotlabel::status::{ApplyError, LabelStatus, StatusState, open_statement, open_status_list};

/// `status::statement::STATEMENT_FORMAT` (not exported).
const STATEMENT_FORMAT: &str = "iotlabel-revocation/1";

fn seeds(s: &common::Setup) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (i, l) in s.labels.iter().take(6).enumerate() {
        for (j, st) in [
            LabelStatus::Revoked,
            LabelStatus::Suspended,
            LabelStatus::Superseded,
            LabelStatus::Valid,
        ]
        .into_iter()
        .enumerate()
        {
            let who = if (i + j) % 3 == 0 {
                common::Who::Root
            } else {
                l.signer
            };
            let mut seed = vec![common::who_byte(who), (i * 4 + j) as u8];
            seed.extend(common::statement_for(l, s, st, 1 + (j as u64 % 2)));
            out.push(seed);
        }
    }
    // Boundary seed: the last index a status list holds (the fuzzer's integer mutations step
    // across it).
    let l = &s.labels[0];
    let mut last = common::statement_for(l, s, LabelStatus::Revoked, 1);
    if let Ok(mut st) =
        ciborium::de::from_reader::<iotlabel::status::RevocationStatement, _>(&last[..])
    {
        st.index = iotlabel::status::STATUS_ENTRIES as u32 - 1;
        last.clear();
        ciborium::ser::into_writer(&st, &mut last).expect("encodes");
    }
    out.push([vec![common::who_byte(l.signer), 0], last].concat());
    out
}

fuzz_target!(init: common::seeds(seeds), |data: &[u8]| {
    let [who, prior, payload @ ..] = data else {
        return;
    };
    let s = common::setup();
    let key = s.key(common::Who::from_byte(*who));
    let Some(signed) = common::sign_payload(payload, key, 4096) else {
        return;
    };
    let roots = s.scenario.roots();
    let Ok(opened) = open_statement(&signed, &s.verified, &roots) else {
        return;
    };
    assert_eq!(opened.statement.format, STATEMENT_FORMAT);
    let kid = opened.statement.issuer_kid.0;
    let mut state = StatusState::new(&kid);
    // Optionally an earlier statement at the same index (same label), so the transitions
    // (final, owner suspension, replay) are reached.
    if prior % 4 != 0 {
        let mut earlier = opened.clone();
        earlier.statement.sequence = u64::from(*prior % 3);
        earlier.statement.status = match prior % 4 {
            1 => LabelStatus::Suspended,
            2 => LabelStatus::Valid,
            _ => LabelStatus::Revoked,
        };
        earlier.by_owner = prior & 0x80 != 0;
        let _ = state.apply(&earlier);
    }
    let before = state.clone();
    match state.apply(&opened) {
        Err(_) => {
            assert_eq!(state, before, "a refused statement changed the state");
            return;
        }
        Ok(()) => {}
    }
    let list = match state.to_list(common::AT, common::AT + 86_400) {
        Ok(l) => l,
        Err(e) => panic!(
            "statement applied, but the key's status list can no longer be built: {e} \
             (index {})",
            opened.statement.index
        ),
    };
    assert_eq!(
        list.get(opened.statement.index),
        Some(opened.statement.status),
        "the list does not hold the applied status"
    );
    let signed_list = list.sign(&s.scenario.status).expect("a built list signs");
    // The status key covers the three issuers of the setup; other kids are not its lists.
    if s.who_signed(&kid).is_some() {
        let reopened = open_status_list(&signed_list, &s.verified);
        assert!(reopened.is_ok(), "own status list refused: {reopened:?}");
    }
    let again = state.clone().apply(&opened);
    assert!(
        matches!(again, Err(ApplyError::Replayed { .. } | ApplyError::Final { .. })),
        "the same statement applied twice: {again:?}"
    );
});
