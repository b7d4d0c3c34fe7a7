//! `iotlabel profile init`: a profile skeleton that asks every question the chosen schemes need.
//! Questions are grouped like the IXIT categories of ETSI TS 103 701; each carries its help
//! text, allowed values and the requirements that use it. Unfilled answers are placeholders the
//! profile parser rejects with "not filled in", so a half-filled skeleton cannot pass silently.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::criteria::model::Scheme;
use crate::criteria::rule::Rule;
use crate::criteria::vocab::{FeatureId, PropId, Vocabulary};
use crate::value::{PropertyType, SetItem};

/// The prefix of every placeholder answer.
pub const PLACEHOLDER: &str = "FILL IN";

/// The IXIT categories of ETSI TS 103 701, in their order; other groups follow alphabetically.
const IXIT_ORDER: [&str; 29] = [
    "AuthMech",
    "UserInfo",
    "VulnTypes",
    "Conf",
    "VulnMon",
    "SoftComp",
    "UpdMech",
    "UpdProc",
    "ReplSup",
    "SecParam",
    "ComMech",
    "NetSecImpl",
    "SoftServ",
    "SecMgmt",
    "Intf",
    "CodeMin",
    "PrivlCtrl",
    "AccCtrl",
    "SecDev",
    "SecBoot",
    "PersData",
    "ExtSens",
    "ResMech",
    "TelData",
    "DelFunc",
    "UserDec",
    "UserIntf",
    "ExtAPI",
    "InpVal",
];

fn group_key(g: &str) -> (usize, String) {
    (
        IXIT_ORDER
            .iter()
            .position(|x| *x == g)
            .unwrap_or(IXIT_ORDER.len()),
        g.to_string(),
    )
}

fn walk(rule: &Rule, features: &mut BTreeSet<FeatureId>, props: &mut BTreeSet<PropId>) {
    match rule {
        Rule::All(rs) | Rule::Any(rs) => rs.iter().for_each(|r| walk(r, features, props)),
        Rule::Not(r) => walk(r, features, props),
        Rule::Feature(f) => {
            features.insert(*f);
        }
        Rule::Cmp(..) => {
            let mut v = Vec::new();
            rule.properties(&mut v);
            props.extend(v);
        }
        Rule::Lab => {}
    }
}

fn toml_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn hint(ty: &PropertyType) -> String {
    match ty {
        PropertyType::Bool => "true or false".into(),
        PropertyType::Int { min, max } => match (min, max) {
            (Some(a), Some(b)) => format!("an integer from {a} to {b}"),
            _ => "an integer".into(),
        },
        PropertyType::Enum(v) => format!("one of: {}", v.join(" | ")),
        PropertyType::Version => "a version such as \"1.2\"".into(),
        PropertyType::Date => "a date: 2030-06-30, or \"2030-06\" for the end of a month".into(),
        PropertyType::Url => "an https:// URL".into(),
        PropertyType::Set(SetItem::Int) => "a list of integers, e.g. [443]".into(),
        PropertyType::Set(SetItem::String) => "a list of names, e.g. [\"wifi\"]".into(),
        PropertyType::Text => "free text".into(),
    }
}

/// Writes the skeleton for the given schemes.
pub fn skeleton(vocab: &Vocabulary, schemes: &[&Scheme]) -> String {
    let mut features = BTreeSet::new();
    let mut props = BTreeSet::new();
    let mut used_by: BTreeMap<PropId, BTreeSet<String>> = BTreeMap::new();
    let mut lab_only: Vec<String> = Vec::new();
    for s in schemes {
        for r in &s.requirements {
            for c in &r.conditions {
                walk(&c.when, &mut features, &mut props);
            }
            let mut mine = BTreeSet::new();
            walk(&r.rule, &mut features, &mut mine);
            for p in &mine {
                used_by.entry(*p).or_default().insert(r.id.clone());
            }
            props.extend(mine);
            if r.rule == Rule::Lab {
                lab_only.push(format!("{} {} ({})", s.key(), r.id, r.title));
            }
        }
    }
    let names: Vec<String> = schemes.iter().map(|s| s.key()).collect();
    let mut out = String::new();
    let _ = writeln!(out, "# Device profile for: {}", names.join(", "));
    let _ = writeln!(
        out,
        "# Written by `iotlabel profile init`. Replace every \"{PLACEHOLDER} ...\" answer; remove a"
    );
    let _ = writeln!(
        out,
        "# [declared.\"...\"] table you cannot back with evidence (that requirement is then NOT ASSESSED)."
    );
    let _ = writeln!(
        out,
        "# Format: docs/profile-format.md. Check it with: iotlabel evaluate --scheme ... --profile THIS_FILE"
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "[device]");
    for (key, help) in [
        ("manufacturer", "at most 48 bytes"),
        ("model", "at most 32 bytes"),
        ("hardware_version", "at most 16 bytes"),
        (
            "firmware_version",
            "at most 16 bytes; or use min_firmware_version = \"...\" instead",
        ),
        (
            "category",
            "camera, router, lock, speaker, baby_monitor, hub, sensor, appliance, wearable, toy, tv, smoke_detector, other",
        ),
    ] {
        let _ = writeln!(
            out,
            "{key} = {}   # {help}",
            toml_str(&format!("{PLACEHOLDER}: {key}"))
        );
    }
    let _ = writeln!(
        out,
        "variants = []   # other model designations the same assessment covers"
    );
    let _ = writeln!(out);

    let _ = writeln!(out, "[features]");
    let mut by_group: BTreeMap<(usize, String), Vec<FeatureId>> = BTreeMap::new();
    for f in &features {
        by_group
            .entry(group_key(&vocab.features[usize::from(*f)].group))
            .or_default()
            .push(*f);
    }
    for ((_, g), fs) in &by_group {
        let _ = writeln!(out, "# --- {g} ---");
        for f in fs {
            let feat = &vocab.features[usize::from(*f)];
            let _ = writeln!(out, "# {}", feat.help);
            let _ = writeln!(
                out,
                "{} = {}",
                feat.name,
                toml_str(&format!("{PLACEHOLDER}: true or false"))
            );
        }
    }
    let _ = writeln!(out);

    let mut pgroups: BTreeMap<(usize, String), Vec<PropId>> = BTreeMap::new();
    for p in &props {
        pgroups
            .entry(group_key(&vocab.prop(*p).group))
            .or_default()
            .push(*p);
    }
    for ((_, g), ps) in &pgroups {
        let _ = writeln!(out, "# ===== {g} =====");
        let _ = writeln!(out);
        for p in ps {
            let prop = vocab.prop(*p);
            let _ = writeln!(out, "# {}", prop.help);
            let _ = writeln!(out, "# {}", hint(&prop.ty));
            if let Some(ids) = used_by.get(p) {
                let _ = writeln!(
                    out,
                    "# used by: {}",
                    ids.iter().cloned().collect::<Vec<_>>().join(", ")
                );
            }
            let _ = writeln!(out, "[declared.{}]", toml_str(&prop.name));
            let _ = writeln!(
                out,
                "value = {}",
                toml_str(&format!("{PLACEHOLDER}: {}", hint(&prop.ty)))
            );
            let _ = writeln!(
                out,
                "evidence = {}",
                toml_str(&format!(
                    "{PLACEHOLDER}: link to the document that shows it"
                ))
            );
            let _ = writeln!(out);
        }
    }
    if !lab_only.is_empty() {
        let _ = writeln!(out, "# ===== Lab verdicts =====");
        let _ = writeln!(
            out,
            "# Only a recorded reviewer or lab verdict decides these (no declaration can):"
        );
        for l in &lab_only {
            let _ = writeln!(out, "#   {l}");
        }
    }
    let _ = writeln!(
        out,
        "# Record lab results like this (method: conceptual = design review, functional = device test):"
    );
    let _ = writeln!(out, "# [[tested]]");
    let _ = writeln!(out, "# requirement = \"5.1-1\"");
    let _ = writeln!(
        out,
        "# verdict = \"PASS\"        # PASS | FAIL | INCONCLUSIVE"
    );
    let _ = writeln!(out, "# method = \"functional\"");
    let _ = writeln!(out, "# lab = \"lab-id\"");
    let _ = writeln!(out, "# date = 2026-03-02");
    let _ = writeln!(out, "# evidence_digest = \"sha256:<64 hex digits>\"");
    out
}
