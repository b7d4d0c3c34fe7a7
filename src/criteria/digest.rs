//! The criteria digest: SHA-256 over a canonical JSON encoding of a validated scheme with its
//! resolved requirements. It is computed from the meaning, not the file bytes, so formatting,
//! comments, key order and line endings do not change it; titles and remediation text are
//! deliberately left out (see `criteria/README.md`).

use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::model::Scheme;
use super::vocab::Vocabulary;
use crate::value::PropertyType;

/// Version of the canonical encoding; bump it if the encoding ever changes.
pub const DIGEST_VERSION: u32 = 1;

/// The canonical JSON document the digest covers.
pub fn canonical_document(s: &Scheme, vocab: &Vocabulary) -> Json {
    let mut props = Vec::new();
    let requirements: Vec<Json> = s
        .requirements
        .iter()
        .map(|r| {
            r.rule.properties(&mut props);
            json!({
                "catalogue": r.origin,
                "id": r.id,
                "status": r.status(),
                "conditions": r.conditions.iter().map(|c| json!({ "id": c.id, "when": c.when.to_json(vocab) })).collect::<Vec<_>>(),
                "rule": r.rule.to_json(vocab),
            })
        })
        .collect();
    props.sort_unstable();
    props.dedup();
    let mut properties = serde_json::Map::new();
    for p in props {
        let prop = vocab.prop(p);
        let ty = match &prop.ty {
            PropertyType::Int { min, max } => json!({ "type": "int", "min": min, "max": max }),
            PropertyType::Enum(values) => json!({ "type": "enum", "values": values }),
            PropertyType::Set(item) => {
                json!({ "type": "set", "item": match item { crate::value::SetItem::Int => "int", crate::value::SetItem::String => "string" } })
            }
            other => json!({ "type": other.name() }),
        };
        properties.insert(prop.name.clone(), ty);
    }
    json!({
        "digest_version": DIGEST_VERSION,
        "scheme": {
            "id": s.id,
            "version": s.version,
            "name": s.name,
            "issuing_body": s.issuing_body,
            "tier_display": s.tier_display,
            "self_declaration": s.self_declaration,
            "illustrative": s.illustrative,
            "kind": s.kind,
            "evidence_max_age": s.evidence_max_age,
            "validity": { "max_years": s.validity.max_years, "cap_at_support_end": s.validity.cap_at_support_end },
        },
        "requirements": requirements,
        "tiers": s.tiers.iter().map(|t| json!({
            "rank": t.rank,
            "id": t.id,
            "name": t.name,
            "assurance": t.assurance,
            "requirements": t.entries.iter().map(|e| json!({ "id": s.requirements[e.req].id, "assurance": e.assurance })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "properties": properties,
        "recognitions": s.recognitions.iter().map(|r| {
            let effective = r.effective_from.map(|d| crate::time::format_ts(d.at));
            let until = r.effective_until.map(|d| crate::time::format_ts(d.at));
            match &r.grants {
                super::model::Grants::Tier(t) => json!({ "id": r.id, "from": r.from, "effective_from": effective, "effective_until": until, "excluded_categories": r.excluded_categories, "tier": s.tiers[*t].id }),
                super::model::Grants::Requirements(q) => json!({ "id": r.id, "from": r.from, "effective_from": effective, "effective_until": until, "excluded_categories": r.excluded_categories, "requirements": q.iter().map(|i| s.requirements[*i].id.clone()).collect::<Vec<_>>() }),
            }
        }).collect::<Vec<_>>(),
    })
}

/// Canonical JSON text: object keys sorted by their UTF-8 bytes, no whitespace. Strings and
/// numbers are written by serde_json (its escaping), straight into one buffer: the report's
/// canonical JSON is made for every label a batch issues.
pub fn canonical_json(v: &Json) -> String {
    let mut out = Vec::with_capacity(4096);
    write_canonical(v, &mut out);
    // Only serde_json's own output and ASCII punctuation were written.
    String::from_utf8(out).unwrap_or_default()
}

fn write_canonical(v: &Json, out: &mut Vec<u8>) {
    match v {
        Json::Object(m) => {
            let mut entries: Vec<(&String, &Json)> = m.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                // Writing a str or a scalar into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut *out, k);
                out.push(b':');
                write_canonical(x, out);
            }
            out.push(b'}');
        }
        Json::Array(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(x, out);
            }
            out.push(b']');
        }
        other => {
            let _ = serde_json::to_writer(&mut *out, other);
        }
    }
}

/// SHA-256 of the canonical document.
pub fn scheme_digest(s: &Scheme, vocab: &Vocabulary) -> [u8; 32] {
    let text = canonical_json(&canonical_document(s, vocab));
    Sha256::digest(text.as_bytes()).into()
}
