//! What a person is shown about a verification: the verdict as colour, icon and words, then
//! the device and the issuer, then scheme, tier, assurance, expiry and support end, in English
//! or Japanese. The verify page renders this value as the server sent it; the registry page
//! renders the same value on the server. A label of an illustrative scheme also carries
//! "Illustrative scheme, not an official mark", decided by the verifier from trusted data only
//! (`scheme.illustrative`, see [`crate::verify`]).

use serde::Serialize;

use crate::status::LabelStatus;
use crate::verify::{Verdict, VerifyReport};

/// A language the pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English (the default).
    En,
    /// Japanese.
    Ja,
}

impl Lang {
    /// Picks by an `Accept-Language` header: the highest-q of `en` and `ja` wins; English
    /// when neither is named.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(h) = header else { return Lang::En };
        // The highest q wins; on a tie the first listed. q=0 means "not this one", and an
        // entry whose q is not a valid q-value (RFC 9110: 0 to 1, at most three decimals) is
        // ignored rather than guessed at.
        let mut best = (Lang::En, 0u16);
        for part in h.split(',').take(32) {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let mut q = Some(1000);
            for param in it {
                let (name, value) = param.split_once('=').unwrap_or((param, ""));
                if name.trim().eq_ignore_ascii_case("q") {
                    q = q_value(value.trim());
                }
            }
            let Some(q) = q else { continue };
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "ja" => Lang::Ja,
                "en" => Lang::En,
                _ => continue,
            };
            if q > best.1 {
                best = (lang, q);
            }
        }
        best.0
    }

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }
}

/// A q-value in thousandths: `0`, `1`, `0.x` to `0.xxx`, `1.`, `1.0` to `1.000`; `None` for
/// anything else.
fn q_value(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{frac:0<3}").parse().ok()?;
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The verdict's colour class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Colour {
    /// Valid.
    Green,
    /// Valid, but the status data is stale or the label expires within 30 days.
    Amber,
    /// Not valid: invalid, revoked, suspended, expired, wrong URL, unknown status.
    Red,
}

/// Days before expiry from which a valid label is shown amber.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The colour of a report at `now` (unix seconds).
pub fn colour(report: &VerifyReport, now: i64) -> Colour {
    match report.verdict {
        Verdict::Valid => {
            let expires = report
                .expires
                .as_deref()
                .and_then(|e| crate::time::parse_at(e).ok())
                .map(|t| t.as_second());
            match expires {
                Some(e) if e - now <= EXPIRY_WARNING_DAYS * 86_400 => Colour::Amber,
                _ => Colour::Green,
            }
        }
        Verdict::StatusStale => Colour::Amber,
        _ => Colour::Red,
    }
}

/// One fact shown: a label and a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// What.
    pub label: String,
    /// Its value.
    pub value: String,
}

/// A link to the current label for the same model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// Where (same origin).
    pub href: String,
    /// The words.
    pub text: String,
}

/// Everything a page shows about one verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct View {
    /// Language.
    pub lang: Lang,
    /// Colour class.
    pub colour: Colour,
    /// An icon character that matches the colour (never colour alone).
    pub icon: &'static str,
    /// The verdict in words.
    pub headline: String,
    /// One sentence on what it means for the buyer.
    pub explanation: String,
    /// The verdict code (`VALID`, `REVOKED` ...).
    pub verdict: Verdict,
    /// "Illustrative scheme, not an official mark" (in the page's language) when the verifier
    /// established that the label's scheme is illustrative; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illustrative: Option<String>,
    /// Device first, then issuer, scheme, tier, assurance, expiry, support end.
    pub rows: Vec<Row>,
    /// What the tier does and does not mean.
    pub meaning: Option<String>,
    /// A link to the current label for the same model.
    pub current_label: Option<Link>,
    /// Technical findings (verdict and detail).
    pub findings: Vec<String>,
}

struct Words {
    device: &'static str,
    firmware: &'static str,
    hardware: &'static str,
    variants: &'static str,
    issuer: &'static str,
    scheme: &'static str,
    tier: &'static str,
    assurance: &'static str,
    expires: &'static str,
    support_end: &'static str,
    status: &'static str,
    label_id: &'static str,
    vouched: &'static str,
    current: &'static str,
}

const EN: Words = Words {
    device: "Device",
    firmware: "Firmware",
    hardware: "Hardware version",
    variants: "Also covers",
    issuer: "Issued by",
    scheme: "Scheme",
    tier: "Tier",
    assurance: "Assurance",
    expires: "Label expires",
    support_end: "Security updates until",
    status: "Status",
    label_id: "Label id",
    vouched: "vouched for by",
    current: "See the current label for this model",
};

const JA: Words = Words {
    device: "機器",
    firmware: "ファームウェア",
    hardware: "ハードウェア版",
    variants: "対象の派生型",
    issuer: "発行者",
    scheme: "制度",
    tier: "段階",
    assurance: "確認の方法",
    expires: "ラベルの有効期限",
    support_end: "セキュリティ更新の提供期限",
    status: "状態",
    label_id: "ラベルID",
    vouched: "承認元",
    current: "この機種の現在のラベルを見る",
};

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Ja => &JA,
    }
}

/// The headline and one-sentence explanation of a verdict.
fn verdict_words(v: Verdict, colour: Colour, lang: Lang) -> (&'static str, &'static str) {
    use Verdict as V;
    match lang {
        Lang::En => match (v, colour) {
            (V::Valid, Colour::Amber) => (
                "Valid, but expiring soon",
                "This label is genuine and current, but it expires within 30 days.",
            ),
            (V::Valid, _) => (
                "Valid label",
                "This label is genuine, was issued for the device below, and has not been withdrawn.",
            ),
            (V::StatusStale, _) => (
                "Valid, but the status could not be confirmed as current",
                "The label is genuine, but the revocation data is out of date; check again later.",
            ),
            (V::Malformed, _) => (
                "Not a readable label",
                "The code does not hold a complete, well-formed label. It may be damaged or fake.",
            ),
            (V::TrustListInvalidOrExpired, _) => (
                "Cannot be checked now",
                "This service has no current list of trusted issuers. Do not rely on this label.",
            ),
            (V::UntrustedIssuer, _) => (
                "Not from a recognised issuer",
                "The label was not signed by anyone the scheme owner vouches for. It may be fake.",
            ),
            (V::BadSignature, _) => (
                "Invalid: the label has been altered",
                "The signature does not match. The label was changed or forged.",
            ),
            (V::RoleNotAllowed, _) => (
                "Invalid: signer not allowed",
                "The signer may not issue this label.",
            ),
            (V::WrongScheme, _) => (
                "Invalid for this scheme",
                "The scheme owner does not accept this label's scheme version or tier.",
            ),
            (V::WrongUrl, _) => (
                "Wrong address",
                "This label belongs to a different verify address. A genuine label may have been copied.",
            ),
            (V::KeyCompromised, _) => (
                "Invalid: signing key compromised",
                "The key that signed this label was stolen or leaked; its labels cannot be trusted.",
            ),
            (V::Revoked, _) => (
                "Revoked",
                "This label has been withdrawn and no longer applies.",
            ),
            (V::Expired, _) => ("Expired", "This label is past its expiry date."),
            (V::Suspended, _) => ("Suspended", "This label is suspended until further notice."),
            (V::StatusUnknown, _) => (
                "Status unknown",
                "Whether this label has been withdrawn cannot be confirmed. Do not rely on it.",
            ),
        },
        Lang::Ja => match (v, colour) {
            (V::Valid, Colour::Amber) => (
                "有効（まもなく期限切れ）",
                "このラベルは本物で現在有効ですが、30日以内に有効期限を迎えます。",
            ),
            (V::Valid, _) => (
                "有効なラベル",
                "このラベルは本物で、下記の機器に発行され、取り消されていません。",
            ),
            (V::StatusStale, _) => (
                "有効（状態情報が最新ではありません）",
                "ラベルは本物ですが、取消情報が古くなっています。後でもう一度確認してください。",
            ),
            (V::Malformed, _) => (
                "読み取れないラベル",
                "コードに完全なラベルが含まれていません。損傷しているか偽物の可能性があります。",
            ),
            (V::TrustListInvalidOrExpired, _) => (
                "現在確認できません",
                "このサービスには有効な発行者リストがありません。このラベルを信頼しないでください。",
            ),
            (V::UntrustedIssuer, _) => (
                "認められた発行者ではありません",
                "制度の運営者が認めた者による署名ではありません。偽物の可能性があります。",
            ),
            (V::BadSignature, _) => (
                "無効：ラベルが改ざんされています",
                "署名が一致しません。ラベルが変更または偽造されています。",
            ),
            (V::RoleNotAllowed, _) => (
                "無効：署名者に権限がありません",
                "署名者はこのラベルを発行できません。",
            ),
            (V::WrongScheme, _) => (
                "この制度では無効です",
                "制度の運営者はこのラベルの版または段階を認めていません。",
            ),
            (V::WrongUrl, _) => (
                "アドレスが違います",
                "このラベルは別の確認用アドレスのものです。本物のラベルが複製された可能性があります。",
            ),
            (V::KeyCompromised, _) => (
                "無効：署名鍵が漏えいしています",
                "このラベルに署名した鍵は盗まれたか漏えいしました。信頼できません。",
            ),
            (V::Revoked, _) => (
                "取り消し済み",
                "このラベルは取り消され、もう適用されません。",
            ),
            (V::Expired, _) => ("期限切れ", "このラベルは有効期限を過ぎています。"),
            (V::Suspended, _) => (
                "一時停止中",
                "このラベルは追って通知があるまで停止されています。",
            ),
            (V::StatusUnknown, _) => (
                "状態不明",
                "このラベルが取り消されていないか確認できません。信頼しないでください。",
            ),
        },
    }
}

fn icon(c: Colour) -> &'static str {
    match c {
        Colour::Green => "\u{2714}", // ✔
        Colour::Amber => "!",
        Colour::Red => "\u{2716}", // ✖
    }
}

/// Dates are shown as the day (UTC), not the second.
fn day(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_string()
}

fn status_words(s: LabelStatus, lang: Lang) -> &'static str {
    match (lang, s) {
        (Lang::En, LabelStatus::Valid) => "not withdrawn",
        (Lang::En, LabelStatus::Revoked) => "revoked",
        (Lang::En, LabelStatus::Suspended) => "suspended",
        (Lang::En, LabelStatus::Superseded) => "superseded by a newer label",
        (Lang::Ja, LabelStatus::Valid) => "取り消されていません",
        (Lang::Ja, LabelStatus::Revoked) => "取り消し済み",
        (Lang::Ja, LabelStatus::Suspended) => "一時停止中",
        (Lang::Ja, LabelStatus::Superseded) => "新しいラベルに置き換え済み",
    }
}

fn assurance_words(a: &str, lang: Lang) -> String {
    match (lang, a) {
        (Lang::Ja, "self-declared, not lab-tested") => "自己宣言（試験所による試験なし）".into(),
        (Lang::Ja, "declaration reviewed by a lab, not lab-tested") => {
            "試験所が宣言を確認（試験なし）".into()
        }
        (Lang::Ja, "lab-tested") => "試験所で試験済み".into(),
        _ => a.to_string(),
    }
}

fn meaning(report: &VerifyReport, lang: Lang) -> Option<String> {
    let s = report.scheme.as_ref()?;
    let self_declared = s.assurance.starts_with("self-declared");
    Some(match lang {
        Lang::En => {
            let mut m = format!(
                "What this means: when it was assessed, the device met the requirements of {} in {} ({}). \
                 It is not a guarantee that the device cannot be attacked, and it says nothing about how it is set up \
                 or about firmware after the version named. Install updates while they are offered.",
                s.tier, s.name, s.assurance
            );
            if self_declared {
                m.push_str(
                    " This tier is self-declared: the manufacturer states it, no lab has tested it.",
                );
            }
            m
        }
        Lang::Ja => {
            let mut m = format!(
                "この表示の意味：評価の時点で、この機器は{}の{}の要件を満たしていました（{}）。\
                 攻撃を受けないことを保証するものではなく、設定や記載の版より後のファームウェアについては何も示しません。\
                 更新が提供されている間は適用してください。",
                s.name,
                s.tier,
                assurance_words(&s.assurance, Lang::Ja)
            );
            if self_declared {
                m.push_str(
                    "この段階は自己宣言です。製造者が表明したもので、試験所は試験していません。",
                );
            }
            m
        }
    })
}

/// Builds the view of a report at `now` (unix seconds), with the current label for the same
/// model if one was found.
pub fn view(report: &VerifyReport, now: i64, lang: Lang, current: Option<&str>) -> View {
    let c = colour(report, now);
    let w = words(lang);
    let (headline, explanation) = verdict_words(report.verdict, c, lang);
    let mut rows = Vec::new();
    let mut row = |label: &str, value: String| {
        rows.push(Row {
            label: label.into(),
            value,
        })
    };
    if let Some(d) = &report.device {
        row(w.device, format!("{} {}", d.manufacturer, d.model));
        row(w.firmware, d.firmware.clone());
        if !d.hardware_version.is_empty() {
            row(w.hardware, d.hardware_version.clone());
        }
        if !d.variants.is_empty() {
            row(w.variants, d.variants.join(", "));
        }
    }
    if let Some(i) = &report.issuer {
        row(
            w.issuer,
            format!("{} ({} {})", i.name, w.vouched, i.vouched_by),
        );
    }
    if let Some(s) = &report.scheme {
        row(w.scheme, s.name.clone());
        row(w.tier, s.tier.clone());
        row(w.assurance, assurance_words(&s.assurance, lang));
    }
    if let Some(e) = &report.expires {
        row(w.expires, day(e));
    }
    if let Some(e) = &report.support_end {
        row(w.support_end, day(e));
    }
    if let Some(s) = report.status {
        row(w.status, status_words(s, lang).into());
    }
    if let Some(l) = &report.label_id {
        row(w.label_id, l.to_string());
    }
    View {
        lang,
        colour: c,
        icon: icon(c),
        headline: headline.into(),
        explanation: explanation.into(),
        verdict: report.verdict,
        illustrative: report
            .scheme
            .as_ref()
            .filter(|s| s.illustrative == Some(true))
            .and_then(|_| crate::verify::illustrative_notice(lang.tag()))
            .map(str::to_string),
        rows,
        meaning: meaning(report, lang),
        current_label: current.map(|id| Link {
            href: format!("/L/{id}"),
            text: w.current.into(),
        }),
        findings: report
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.verdict.words(), f.detail))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_highest_q_of_en_and_ja() {
        assert_eq!(Lang::from_accept_language(None), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("ja-JP,ja;q=0.9")), Lang::Ja);
        assert_eq!(
            Lang::from_accept_language(Some("fr, en;q=0.5, ja;q=0.8")),
            Lang::Ja
        );
        assert_eq!(
            Lang::from_accept_language(Some("ja;q=0.2, en-GB")),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::En);
        // Not a q-value: the entry is ignored.
        assert_eq!(Lang::from_accept_language(Some(";;,q=,ja;q=x")), Lang::En);
        // q=0 means "not Japanese", in every spelling.
        for h in [
            "ja;q=0",
            "ja;q=0.0",
            "ja;q=0.000",
            "ja; Q=0",
            "ja-JP;q=0, fr",
            "en;q=0.1, ja;q=0",
        ] {
            assert_eq!(Lang::from_accept_language(Some(h)), Lang::En, "{h}");
        }
        // Values outside the grammar are ignored, not read as 1 or as a huge number.
        for h in [
            "ja;q=2",
            "ja;q=1.5",
            "ja;q=-1",
            "ja;q=nan",
            "ja;q=inf",
            "ja;q=0.0001",
            "ja;q=",
            "en;q=0.5, ja;q=1e3",
        ] {
            assert_eq!(Lang::from_accept_language(Some(h)), Lang::En, "{h}");
        }
        assert_eq!(Lang::from_accept_language(Some("ja;q=0.001")), Lang::Ja);
        assert_eq!(
            Lang::from_accept_language(Some("en;q=0.5, ja;q=0.501")),
            Lang::Ja
        );
        assert_eq!(
            Lang::from_accept_language(Some("en;q=0, ja;q=1.000")),
            Lang::Ja
        );
    }

    #[test]
    fn no_page_text_calls_a_device_secure() {
        for lang in [Lang::En, Lang::Ja] {
            for v in Verdict::ALL {
                for c in [Colour::Green, Colour::Amber, Colour::Red] {
                    let (h, e) = verdict_words(v, c, lang);
                    assert!(!h.to_lowercase().contains("secure"), "{h}");
                    assert!(!e.to_lowercase().contains("secure"), "{e}");
                    assert!(!h.contains("安全") && !e.contains("安全"), "{h} {e}");
                }
            }
        }
    }
}
