//! The text rendering of reports: tier first, then the gap, then the per-requirement table.

use std::fmt::Write as _;

use super::Report;

/// Renders one report as text.
pub fn render_text(r: &Report) -> String {
    let mut s = String::new();
    // What a reader must see before anything else.
    if let Some(d) = &r.support_period_ended {
        let _ = writeln!(
            s,
            "NOTICE:     support period ended on {d}: no label can be issued after it"
        );
    }
    if let Some(n) = &r.not_issuing {
        let key = format!("{}@{}", r.scheme.id, r.scheme.version);
        let _ = writeln!(s, "NOTICE:     {}", n.words(&key));
    }
    let _ = writeln!(
        s,
        "Scheme:     {} [{}@{}]",
        r.scheme.name, r.scheme.id, r.scheme.version
    );
    let _ = writeln!(
        s,
        "            issued by {}; criteria digest {}",
        r.scheme.issuing_body,
        &r.scheme.criteria_digest[..16]
    );
    let variants = if r.device.variants.is_empty() {
        String::new()
    } else {
        format!(" (variants: {})", r.device.variants.join(", "))
    };
    let _ = writeln!(
        s,
        "Device:     {} {}{variants}",
        r.device.manufacturer, r.device.model
    );
    let _ = writeln!(
        s,
        "            hardware {}, firmware {}, category {}",
        r.device.hardware_version,
        r.device.firmware.display(),
        r.device.category
    );
    let _ = writeln!(
        s,
        "Support:    {}",
        r.support_period_end
            .as_deref()
            .map_or("support period end not declared".to_string(), |d| format!(
                "security updates until {d}"
            ))
    );
    let _ = writeln!(s, "Evaluated:  {}", r.evaluated_at);
    let _ = writeln!(s);
    if r.scheme.illustrative {
        let _ = writeln!(
            s,
            "Note:       Illustrative scheme, not an official mark: parts are not confirmed from the official text"
        );
    }
    if r.is_compliance() {
        let _ = writeln!(
            s,
            "COMPLIANCE: {} (a statement of compliance with a legal duty; no label is issued)",
            r.headline()
        );
    } else {
        match &r.tier {
            Some(t) => {
                let _ = writeln!(
                    s,
                    "TIER: {} (the tier requires: {})",
                    t.label,
                    t.assurance.words()
                );
            }
            None => {
                let _ = writeln!(s, "TIER: none reached");
            }
        }
    }
    for t in &r.tiers {
        let _ = writeln!(
            s,
            "  {:<3} {:<10} {:<8} {} of {} satisfied",
            if t.holds { "[x]" } else { "[ ]" },
            t.tier.label,
            if t.holds { "holds" } else { "blocked" },
            t.satisfied,
            t.required
        );
    }
    let _ = writeln!(s);
    match &r.next_tier {
        Some(g) => {
            let _ = writeln!(
                s,
                "GAP TO {} ({}): {} requirement(s) block it",
                g.tier.label,
                g.tier.assurance.name(),
                g.blockers.len()
            );
            for b in &g.blockers {
                let _ = writeln!(s, "  {:<10} {:<3} {}", b.id, b.status, b.title);
                let _ = writeln!(
                    s,
                    "             why: {}{}",
                    b.reason_text,
                    if b.detail.is_empty() {
                        String::new()
                    } else {
                        format!(" -- {}", b.detail)
                    }
                );
                let _ = writeln!(s, "             fix: {}", b.remediation);
            }
        }
        None => {
            let _ = writeln!(s, "GAP: none, this is the scheme's highest tier");
        }
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "REQUIREMENTS ({})", r.requirements.len());
    let _ = writeln!(
        s,
        "  {:<10} {:<3} {:<15} {:<13} TITLE / DETAIL",
        "ID", "ST", "OUTCOME", "PROVENANCE"
    );
    for q in &r.requirements {
        let prov = q.provenance.map_or("-", |p| match p {
            crate::evaluate::Provenance::Declared => "declared",
            crate::evaluate::Provenance::LabReviewed => "lab-reviewed",
            crate::evaluate::Provenance::LabTested => "lab-tested",
            crate::evaluate::Provenance::Recognised => "recognised",
        });
        let _ = writeln!(
            s,
            "  {:<10} {:<3} {:<15} {:<13} {}{}",
            q.id,
            q.status,
            q.outcome.words(),
            prov,
            q.title,
            if q.confirmed {
                ""
            } else {
                " (text unconfirmed)"
            }
        );
        // Non-standard bases, next to the requirement.
        let notes = q.basis_notes();
        if !notes.is_empty() {
            let _ = writeln!(s, "  {:<44} [{}]", "", notes.join("; "));
        }
        if !q.detail.is_empty() {
            let _ = writeln!(s, "  {:<44} {}", "", q.detail);
        }
    }
    if !r.recognised.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "Labels held under other schemes:");
        for h in &r.recognised {
            let _ = writeln!(s, "  {} {}: {}", h.scheme, h.reference, h.effect);
        }
    }
    if !r.unstated_features.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Unstated features (their conditions were treated as holding): {}",
            r.unstated_features.join(", ")
        );
    }
    s
}

/// A side-by-side summary table of several reports (one row each).
pub fn render_summary(rows: &[(String, &Report)]) -> String {
    let width = |f: &dyn Fn(&Report, &str) -> String, min: usize| {
        rows.iter()
            .map(|(n, r)| f(r, n).chars().count())
            .max()
            .unwrap_or(min)
            .max(min)
    };
    let scheme = |r: &Report| format!("{}@{}", r.scheme.id, r.scheme.version);
    let wp = width(&|_, n| n.to_string(), 7);
    let ws = width(&|r, _| scheme(r), 6);
    let wt = width(&|r, _| r.headline(), 4);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<wp$}  {:<ws$}  {:<wt$}  {:<13} BLOCKING THE NEXT TIER",
        "PROFILE", "SCHEME", "TIER", "ASSURANCE"
    );
    for (name, r) in rows {
        let assurance = r.tier.as_ref().map_or("-", |t| t.assurance.name());
        let gap = match &r.next_tier {
            None if r.is_compliance() => "-".to_string(),
            None => "- (highest tier)".to_string(),
            Some(g) => {
                let first: Vec<String> = g
                    .blockers
                    .iter()
                    .take(3)
                    .map(|b| format!("{} {}", b.id, b.reason.words()))
                    .collect();
                let more = if g.blockers.len() > 3 {
                    format!(", +{} more", g.blockers.len() - 3)
                } else {
                    String::new()
                };
                format!("{}: {}{more}", g.tier.label, first.join(", "))
            }
        };
        let _ = writeln!(
            s,
            "{:<wp$}  {:<ws$}  {:<wt$}  {:<13} {}",
            name,
            scheme(r),
            r.headline(),
            assurance,
            gap
        );
    }
    s
}
