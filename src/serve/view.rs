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

/// The words of the verdict view in one language, from `words.toml` (`verify`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Words {
    device: String,
    firmware: String,
    hardware: String,
    variants: String,
    issuer: String,
    scheme: String,
    tier: String,
    assurance: String,
    expires: String,
    support_end: String,
    status: String,
    label_id: String,
    vouched: String,
    current: String,
    /// What the tier means: {tier}, {name} (the scheme), {assurance}.
    meaning: String,
    /// Added for a self-declared tier.
    meaning_self_declared: String,
    statuses: StatusWords,
    /// The verifier's English assurance words (the `en` ones) and their translation.
    assurances: AssuranceWords,
    verdicts: VerdictWords,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusWords {
    valid: String,
    revoked: String,
    suspended: String,
    superseded: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AssuranceWords {
    self_declared: String,
    lab_reviewed: String,
    lab_tested: String,
}

impl AssuranceWords {
    fn all(&self) -> [&str; 3] {
        [&self.self_declared, &self.lab_reviewed, &self.lab_tested]
    }
}

/// A verdict's headline and one sentence on what it means for the buyer.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct VerdictText {
    headline: String,
    explanation: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct VerdictWords {
    valid: VerdictText,
    valid_expiring: VerdictText,
    status_stale: VerdictText,
    malformed: VerdictText,
    trust_list_invalid_or_expired: VerdictText,
    untrusted_issuer: VerdictText,
    bad_signature: VerdictText,
    role_not_allowed: VerdictText,
    wrong_scheme: VerdictText,
    wrong_url: VerdictText,
    key_compromised: VerdictText,
    revoked: VerdictText,
    expired: VerdictText,
    suspended: VerdictText,
    status_unknown: VerdictText,
}

fn words(lang: Lang) -> &'static Words {
    &crate::words::bundled(lang.tag()).verify
}

/// The headline and one-sentence explanation of a verdict.
fn verdict_words(v: Verdict, colour: Colour, lang: Lang) -> (&'static str, &'static str) {
    use Verdict as V;
    let w = &words(lang).verdicts;
    let t = match (v, colour) {
        (V::Valid, Colour::Amber) => &w.valid_expiring,
        (V::Valid, _) => &w.valid,
        (V::StatusStale, _) => &w.status_stale,
        (V::Malformed, _) => &w.malformed,
        (V::TrustListInvalidOrExpired, _) => &w.trust_list_invalid_or_expired,
        (V::UntrustedIssuer, _) => &w.untrusted_issuer,
        (V::BadSignature, _) => &w.bad_signature,
        (V::RoleNotAllowed, _) => &w.role_not_allowed,
        (V::WrongScheme, _) => &w.wrong_scheme,
        (V::WrongUrl, _) => &w.wrong_url,
        (V::KeyCompromised, _) => &w.key_compromised,
        (V::Revoked, _) => &w.revoked,
        (V::Expired, _) => &w.expired,
        (V::Suspended, _) => &w.suspended,
        (V::StatusUnknown, _) => &w.status_unknown,
    };
    (t.headline.as_str(), t.explanation.as_str())
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
    let w = &words(lang).statuses;
    match s {
        LabelStatus::Valid => &w.valid,
        LabelStatus::Revoked => &w.revoked,
        LabelStatus::Suspended => &w.suspended,
        LabelStatus::Superseded => &w.superseded,
    }
}

/// The verifier's assurance words (English) in `lang`; words it does not know stay as given.
fn assurance_words(a: &str, lang: Lang) -> String {
    let en = words(Lang::En).assurances.all();
    match en.iter().position(|x| *x == a) {
        Some(i) => words(lang).assurances.all()[i].to_string(),
        None => a.to_string(),
    }
}

fn meaning(report: &VerifyReport, lang: Lang) -> Option<String> {
    let s = report.scheme.as_ref()?;
    let w = words(lang);
    let assurance = assurance_words(&s.assurance, lang);
    let mut m = crate::words::fill(
        &w.meaning,
        &[
            ("tier", s.tier.as_str()),
            ("name", s.name.as_str()),
            ("assurance", assurance.as_str()),
        ],
    );
    if s.assurance.starts_with("self-declared") {
        m.push_str(&w.meaning_self_declared);
    }
    Some(m)
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
        row(&w.device, format!("{} {}", d.manufacturer, d.model));
        row(&w.firmware, d.firmware.clone());
        if !d.hardware_version.is_empty() {
            row(&w.hardware, d.hardware_version.clone());
        }
        if !d.variants.is_empty() {
            row(&w.variants, d.variants.join(", "));
        }
    }
    if let Some(i) = &report.issuer {
        row(
            &w.issuer,
            format!("{} ({} {})", i.name, w.vouched, i.vouched_by),
        );
    }
    if let Some(s) = &report.scheme {
        row(&w.scheme, s.name.clone());
        row(&w.tier, s.tier.clone());
        row(&w.assurance, assurance_words(&s.assurance, lang));
    }
    if let Some(e) = &report.expires {
        row(&w.expires, day(e));
    }
    if let Some(e) = &report.support_end {
        row(&w.support_end, day(e));
    }
    if let Some(s) = report.status {
        row(&w.status, status_words(s, lang).into());
    }
    if let Some(l) = &report.label_id {
        row(&w.label_id, l.to_string());
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
            text: w.current.clone(),
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
