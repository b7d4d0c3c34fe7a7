//! What an assessment report shows, read once from its JSON value (`iotlabel-report/1`, through
//! the typed [`Report`]) for
//! every renderer: the HTML page ([`super::html`]) and the PDF ([`super::pdf`]) draw the same
//! view, so they show the same texts in the same order. Texts are plain (unescaped); each
//! renderer escapes or sets them itself.

use serde::Deserialize as _;
use serde_json::Value;

use super::html::{HtmlError, Lang, report_digest};
use super::{Report, RequirementLine, TierLine};
use crate::criteria::model::{BasisKind, IssuingState, RuleBasis};
use crate::profile::Firmware;

/// A report, as the renderers show it.
pub(crate) struct View {
    /// Headings and fixed words.
    pub(crate) w: &'static Words,
    /// SHA-256 of the canonical JSON, hex.
    pub(crate) digest: String,
    pub(crate) manufacturer: String,
    pub(crate) model: String,
    pub(crate) scheme_name: String,
    pub(crate) scheme_id: String,
    pub(crate) scheme_version: String,
    pub(crate) evaluated_at: String,
    /// A compliance statement rather than a label.
    pub(crate) compliance: bool,
    /// Tier label, `none`, COMPLIANT or NOT COMPLIANT.
    pub(crate) headline: String,
    /// Assurance of the tier reached.
    pub(crate) assurance: Option<String>,
    pub(crate) illustrative: bool,
    /// Notices shown before the result (e.g. the support period has ended).
    pub(crate) notices: Vec<String>,
    pub(crate) tiers: Vec<TierRow>,
    /// The next tier and its blockers; `None` at the top tier.
    pub(crate) next: Option<GapView>,
    /// Device facts, heading and value.
    pub(crate) device_facts: Vec<(&'static str, String)>,
    /// Scheme facts (without the criteria digest), heading and value.
    pub(crate) scheme_facts: Vec<(&'static str, String)>,
    pub(crate) criteria_digest: String,
    pub(crate) requirements: Vec<ReqRow>,
    /// Labels held under other schemes: scheme, reference, effect.
    pub(crate) recognised: Vec<[String; 3]>,
    pub(crate) unstated: Vec<String>,
    /// The label's claims, if given.
    pub(crate) label: Option<LabelView>,
}

/// One tier's row.
pub(crate) struct TierRow {
    pub(crate) rank: String,
    pub(crate) label: String,
    pub(crate) assurance: String,
    pub(crate) holds: bool,
    /// "satisfied / required".
    pub(crate) satisfied: String,
}

/// The gap to the next tier.
pub(crate) struct GapView {
    pub(crate) label: String,
    pub(crate) assurance: String,
    /// Id, title, status, why, needs, detail, what to do.
    pub(crate) blockers: Vec<[String; 7]>,
}

/// One requirement's row.
pub(crate) struct ReqRow {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) clause: Option<String>,
    /// The text is not confirmed from the official source.
    pub(crate) unconfirmed: bool,
    /// Non-standard bases of the requirement and its threshold, in the view's language.
    pub(crate) basis_notes: Vec<String>,
    pub(crate) status: String,
    /// As in the JSON (`NOT_MET`).
    pub(crate) outcome: String,
    pub(crate) provenance: String,
    pub(crate) detail: String,
    pub(crate) evidence: Vec<String>,
    pub(crate) labs: Vec<LabRow>,
}

/// One lab result on a requirement.
pub(crate) struct LabRow {
    pub(crate) lab: String,
    pub(crate) verdict: String,
    pub(crate) method: String,
    pub(crate) date: String,
    pub(crate) test_case: Option<String>,
    pub(crate) evidence_digest: Option<String>,
}

/// The label's facts, copied from its claims file.
pub(crate) struct LabelView {
    /// Label id, issuer, issued, expires: heading and value.
    pub(crate) facts: Vec<(&'static str, String)>,
    /// The evidence digest it carries, lower-case hex.
    pub(crate) carried: String,
    /// Whether that is the first 16 bytes of the report digest.
    pub(crate) matches: bool,
}

impl View {
    /// Reads a report JSON value; refuses anything that is not an `iotlabel-report/1` with
    /// exactly the fields of [`Report`] (a missing or renamed field is an error, not a dash).
    pub(crate) fn new(
        report: &Value,
        label: Option<&Value>,
        lang: Lang,
    ) -> Result<View, HtmlError> {
        if report.get("format").and_then(Value::as_str) != Some(super::REPORT_FORMAT) {
            return Err(HtmlError::NotAReport {
                found: report
                    .get("format")
                    .map_or("missing".to_string(), Value::to_string),
            });
        }
        super::html::check_json_text("report", report)?;
        if let Some(l) = label {
            super::html::check_json_text("label claims", l)?;
        }
        let r: Report = typed("report", report)?;
        let label: Option<Claims> = label.map(|l| typed("label claims", l)).transpose()?;
        let w = Words::of(lang);
        let digest = hex::encode(report_digest(report));
        let compliance = r.is_compliance();
        let headline = match (&r.tier, compliance) {
            (Some(t), false) => t.label.clone(),
            (None, false) => w.no_tier.to_string(),
            _ => r.headline(),
        };
        let tiers = r.tiers.iter().map(TierRow::of).collect();
        let next = r.next_tier.as_ref().map(|n| GapView {
            label: n.tier.label.clone(),
            assurance: wire(&n.tier.assurance),
            blockers: n
                .blockers
                .iter()
                .map(|b| {
                    [
                        b.id.clone(),
                        b.title.clone(),
                        b.status.clone(),
                        b.reason_text.clone(),
                        wire(&b.needs),
                        b.detail.clone(),
                        b.remediation.clone(),
                    ]
                })
                .collect(),
        });
        let d = &r.device;
        let firmware = match &d.firmware {
            Firmware::Exact(v) => v.clone(),
            Firmware::Minimum(v) => format!("{v} {}", w.or_later),
        };
        let device_facts = vec![
            (w.manufacturer, d.manufacturer.clone()),
            (w.model, d.model.clone()),
            (w.variants, or_dash(Some(d.variants.join(", ")).filter(|v| !v.is_empty()))),
            (w.hardware, d.hardware_version.clone()),
            (w.firmware, firmware),
            (w.category, d.category.clone()),
            (w.support_end, or_dash(r.support_period_end.clone())),
        ];
        let s = &r.scheme;
        let scheme_facts = vec![
            (w.name, s.name.clone()),
            (w.id, format!("{}@{}", s.id, s.version)),
            (w.issuing_body, s.issuing_body.clone()),
            (w.kind, wire(&s.kind)),
        ];
        let requirements = r.requirements.iter().map(|q| ReqRow::of(q, w)).collect();
        let recognised = r
            .recognised
            .iter()
            .map(|l| [l.scheme.clone(), l.reference.clone(), l.effect.clone()])
            .collect();
        let label = label.map(|l| {
            let carried = l.evidence_digest.to_ascii_lowercase();
            LabelView {
                facts: vec![
                    (w.label_id, l.label_id),
                    (w.issuer, l.issuer),
                    (w.issued_at, l.issued_at),
                    (w.expires, l.expires),
                ],
                matches: carried.len() == 32 && digest.starts_with(&carried),
                carried,
            }
        });
        Ok(View {
            w,
            notices: notices(&r, w),
            manufacturer: r.device.manufacturer,
            model: r.device.model,
            scheme_name: r.scheme.name,
            scheme_id: r.scheme.id,
            scheme_version: r.scheme.version.to_string(),
            evaluated_at: r.evaluated_at,
            compliance,
            headline,
            assurance: r.tier.as_ref().map(|t| wire(&t.assurance)),
            illustrative: r.scheme.illustrative,
            tiers,
            next,
            device_facts,
            scheme_facts,
            criteria_digest: r.scheme.criteria_digest,
            requirements,
            recognised,
            unstated: r.unstated_features,
            label,
            digest,
        })
    }

    /// The first 16 bytes of the digest, hex: what a label issued on this report carries.
    pub(crate) fn digest_prefix(&self) -> &str {
        self.digest.get(..32).unwrap_or(&self.digest)
    }
}

/// The fields of a label's claims file (`<label-id>.json`) the report shows; the file holds
/// more, which are not read here.
#[derive(serde::Deserialize)]
struct Claims {
    label_id: String,
    issuer: String,
    issued_at: String,
    expires: String,
    evidence_digest: String,
}

/// A JSON value read as `T`; a missing, renamed or (where the format is ours) unknown field is
/// an error naming the file.
fn typed<T: serde::de::DeserializeOwned>(file: &'static str, v: &Value) -> Result<T, HtmlError> {
    T::deserialize(v).map_err(|e| HtmlError::Shape {
        file,
        error: e.to_string(),
    })
}

/// A value's name in the JSON (`NOT_MET`, `lab-tested`): what the report file says.
fn wire<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "—".into(),
    }
}

/// The text, or a dash where there is none.
fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "—".into())
}

impl TierRow {
    fn of(t: &TierLine) -> TierRow {
        TierRow {
            rank: t.tier.rank.to_string(),
            label: t.tier.label.clone(),
            assurance: wire(&t.tier.assurance),
            holds: t.holds,
            satisfied: format!("{} / {}", t.satisfied, t.required),
        }
    }
}

impl ReqRow {
    fn of(q: &RequirementLine, w: &Words) -> ReqRow {
        ReqRow {
            id: q.id.clone(),
            title: q.title.clone(),
            clause: q.clause.clone(),
            unconfirmed: !q.confirmed,
            basis_notes: basis_notes(q, w),
            status: q.status.clone(),
            outcome: wire(&q.outcome),
            provenance: or_dash(q.provenance.as_ref().map(wire)),
            detail: q.detail.clone(),
            evidence: q.evidence.clone(),
            labs: q
                .lab_results
                .iter()
                .map(|l| LabRow {
                    lab: l.lab.clone(),
                    verdict: wire(&l.verdict),
                    method: wire(&l.method),
                    date: l.date.clone(),
                    test_case: l.test_case.clone(),
                    evidence_digest: l.evidence_digest.clone(),
                })
                .collect(),
        }
    }
}

/// "basis: ..." / "threshold: ..." for bases other than the standard's own text.
fn basis_notes(q: &RequirementLine, w: &Words) -> Vec<String> {
    let kind = |b: &RuleBasis| (b.kind != BasisKind::Standard).then(|| (w.basis_kind)(b.kind.name()));
    let mut out = Vec::new();
    if let Some(k) = kind(&q.basis) {
        out.push(format!("{}: {k}", w.basis));
    }
    if let Some(k) = q.threshold.as_ref().and_then(kind) {
        out.push(format!("{}: {k}", w.threshold));
    }
    out
}

/// The notices a report shows before its result, in the view's language.
fn notices(r: &Report, w: &Words) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(d) = &r.support_period_ended {
        out.push((w.support_ended)(d));
    }
    if let Some(n) = &r.not_issuing {
        let key = format!("{}@{}", r.scheme.id, r.scheme.version);
        let closed = n.state == IssuingState::Closed;
        out.push((w.not_issuing)(&key, closed, &n.date, n.successor.as_deref()));
    }
    out
}

/// Headings and fixed words in one language (used by both renderers).
pub(crate) struct Words {
    pub(crate) lang: &'static str,
    pub(crate) title: &'static str,
    pub(crate) evaluated_at: &'static str,
    pub(crate) result: &'static str,
    pub(crate) tier: &'static str,
    pub(crate) compliance: &'static str,
    pub(crate) no_tier: &'static str,
    pub(crate) assurance: &'static str,
    pub(crate) illustrative: &'static str,
    pub(crate) rank: &'static str,
    pub(crate) holds: &'static str,
    pub(crate) satisfied: &'static str,
    pub(crate) gap: &'static str,
    pub(crate) needs: &'static str,
    pub(crate) top: &'static str,
    pub(crate) id: &'static str,
    pub(crate) title_col: &'static str,
    pub(crate) status: &'static str,
    pub(crate) why: &'static str,
    pub(crate) detail: &'static str,
    pub(crate) todo: &'static str,
    pub(crate) device: &'static str,
    pub(crate) manufacturer: &'static str,
    pub(crate) model: &'static str,
    pub(crate) variants: &'static str,
    pub(crate) hardware: &'static str,
    pub(crate) firmware: &'static str,
    pub(crate) or_later: &'static str,
    pub(crate) category: &'static str,
    pub(crate) support_end: &'static str,
    pub(crate) scheme: &'static str,
    pub(crate) name: &'static str,
    pub(crate) issuing_body: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) criteria_digest: &'static str,
    pub(crate) requirements: &'static str,
    pub(crate) clause: &'static str,
    pub(crate) unconfirmed: &'static str,
    pub(crate) outcome: &'static str,
    pub(crate) provenance: &'static str,
    pub(crate) evidence: &'static str,
    pub(crate) lab: &'static str,
    pub(crate) recognised: &'static str,
    pub(crate) reference: &'static str,
    pub(crate) effect: &'static str,
    pub(crate) unstated: &'static str,
    pub(crate) label: &'static str,
    pub(crate) label_id: &'static str,
    pub(crate) issuer: &'static str,
    pub(crate) issued_at: &'static str,
    pub(crate) expires: &'static str,
    pub(crate) evidence_digest: &'static str,
    pub(crate) matches: &'static str,
    pub(crate) mismatch: &'static str,
    pub(crate) label_unverified: &'static str,
    pub(crate) report_digest: &'static str,
    pub(crate) digest_explained: &'static str,
    pub(crate) footer: &'static str,
    pub(crate) yes: &'static str,
    pub(crate) no: &'static str,
    pub(crate) digest_prefix: &'static str,
    pub(crate) continued: &'static str,
    pub(crate) page_of: fn(usize, usize) -> String,
    pub(crate) support_ended: fn(&str) -> String,
    pub(crate) basis: &'static str,
    pub(crate) threshold: &'static str,
    /// A basis kind (`inferred`, `policy`, `scheme`) in words.
    pub(crate) basis_kind: fn(&str) -> &'static str,
    /// (scheme, closed?, date, successor) -> the notice.
    pub(crate) not_issuing: fn(&str, bool, &str, Option<&str>) -> String,
}

impl Words {
    pub(crate) fn of(lang: Lang) -> &'static Words {
        match lang {
            Lang::En => &EN,
            Lang::Ja => &JA,
        }
    }
}

static EN: Words = Words {
    lang: "en",
    title: "Cybersecurity assessment report",
    evaluated_at: "Evaluated at",
    result: "Result",
    tier: "Tier reached:",
    compliance: "Compliance:",
    no_tier: "none",
    assurance: "Assurance",
    illustrative: "Illustrative scheme, not an official mark: parts are not confirmed from the official text.",
    rank: "Rank",
    holds: "Holds",
    satisfied: "Satisfied",
    gap: "Gap to the next tier",
    needs: "needs",
    top: "The top tier is reached.",
    id: "Id",
    title_col: "Requirement",
    status: "Status",
    why: "Why it blocks",
    detail: "Detail",
    todo: "What to do",
    device: "Device",
    manufacturer: "Manufacturer",
    model: "Model",
    variants: "Variants",
    hardware: "Hardware version",
    firmware: "Firmware",
    or_later: "or later",
    category: "Category",
    support_end: "Security updates until",
    scheme: "Scheme",
    name: "Name",
    issuing_body: "Issuing body",
    kind: "Kind",
    criteria_digest: "Criteria digest",
    requirements: "Requirements",
    clause: "clause",
    unconfirmed: "text not confirmed from the official source",
    outcome: "Outcome",
    provenance: "Provenance",
    evidence: "Evidence",
    lab: "lab",
    recognised: "Labels held under other schemes",
    reference: "Reference",
    effect: "Effect here",
    unstated: "Features the profile does not state (their conditions were treated as holding)",
    label: "Label",
    label_id: "Label id",
    issuer: "Issuer",
    issued_at: "Issued",
    expires: "Expires",
    evidence_digest: "Evidence digest on the label",
    matches: "matches this report",
    mismatch: "DOES NOT MATCH this report",
    label_unverified: "Label details are copied from the label's claims file, not verified here: verify the label itself with `iotlabel verify`.",
    report_digest: "Report digest (SHA-256 of the canonical JSON)",
    digest_explained: "A label issued on this report carries the first 16 bytes as its evidence digest:",
    footer: "Rendered from the canonical JSON report",
    yes: "yes",
    no: "no",
    digest_prefix: "Evidence digest a label issued on it carries (first 16 bytes)",
    continued: "continued",
    page_of: |n, m| format!("page {n} of {m}"),
    support_ended: |d| format!("Support period ended on {d}: no label can be issued after it."),
    basis: "basis",
    threshold: "threshold",
    basis_kind: |k| match k {
        "scheme" => "the scheme's published rules",
        "inferred" => "this project's reading of secondary sources",
        "policy" => "project policy",
        _ => "the standard's own text",
    },
    not_issuing: |k, closed, d, succ| {
        let succ = succ
            .map(|s| format!(" Its successor is {s}."))
            .unwrap_or_default();
        if closed {
            format!("{k} no longer issues labels (last issuing day {d}).{succ}")
        } else {
            format!("{k} does not issue labels yet (first issuing day {d}).{succ}")
        }
    },
};

static JA: Words = Words {
    lang: "ja",
    title: "サイバーセキュリティ評価報告書",
    evaluated_at: "評価日時",
    result: "結果",
    tier: "到達レベル:",
    compliance: "適合性:",
    no_tier: "なし",
    assurance: "保証水準",
    illustrative: "例示用の制度であり、公式のマークではありません。一部は公式文書で確認されていません。",
    rank: "順位",
    holds: "達成",
    satisfied: "充足",
    gap: "次のレベルまでの差",
    needs: "必要",
    top: "最高レベルに到達しています。",
    id: "ID",
    title_col: "要件",
    status: "区分",
    why: "阻害理由",
    detail: "詳細",
    todo: "対応",
    device: "機器",
    manufacturer: "製造者",
    model: "型式",
    variants: "派生型式",
    hardware: "ハードウェア版",
    firmware: "ファームウェア",
    or_later: "以降",
    category: "分類",
    support_end: "セキュリティ更新期限",
    scheme: "制度",
    name: "名称",
    issuing_body: "発行機関",
    kind: "種別",
    criteria_digest: "基準ダイジェスト",
    requirements: "要件一覧",
    clause: "条項",
    unconfirmed: "公式文書で未確認",
    outcome: "判定",
    provenance: "根拠",
    evidence: "証跡",
    lab: "試験所",
    recognised: "他制度のラベル",
    reference: "参照",
    effect: "本評価での効果",
    unstated: "プロファイルに記載のない機能（条件は成立として扱いました）",
    label: "ラベル",
    label_id: "ラベルID",
    issuer: "発行者",
    issued_at: "発行日時",
    expires: "有効期限",
    evidence_digest: "ラベル上の証跡ダイジェスト",
    matches: "本報告書と一致",
    mismatch: "本報告書と不一致",
    label_unverified: "ラベル情報はクレームファイルからの転記で、ここでは検証していません。`iotlabel verify` で検証してください。",
    report_digest: "報告書ダイジェスト（正規化JSONのSHA-256）",
    digest_explained: "この報告書に基づくラベルは、先頭16バイトを証跡ダイジェストとして保持します:",
    footer: "正規化JSON報告書から生成",
    yes: "はい",
    no: "いいえ",
    digest_prefix: "ラベルが保持する証跡ダイジェスト（先頭16バイト）",
    continued: "続き",
    page_of: |n, m| format!("{m} ページ中 {n} ページ"),
    support_ended: |d| {
        format!("サポート期間は {d} に終了しました。これ以降、ラベルは発行できません。")
    },
    basis: "根拠",
    threshold: "閾値",
    basis_kind: |k| match k {
        "scheme" => "制度の公開規則",
        "inferred" => "二次資料に基づく本プロジェクトの解釈",
        "policy" => "本プロジェクトの方針",
        _ => "規格本文",
    },
    not_issuing: |k, closed, d, succ| {
        let succ = succ
            .map(|s| format!("後継は {s} です。"))
            .unwrap_or_default();
        if closed {
            format!("{k} はラベルの発行を終了しました（最終発行日 {d}）。{succ}")
        } else {
            format!("{k} はまだラベルを発行していません（発行開始日 {d}）。{succ}")
        }
    },
};
