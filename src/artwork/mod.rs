//! Label artwork: a verified label's facts, laid out by a template from `label-templates/`,
//! drawn as PDF (for printers), SVG (for packaging designers, text as outlines) and PNG.
//!
//! ```text
//!  claims + verify report ──► LabelFacts ──┐
//!  label-templates/*.toml ──► Template ────┼──► layout (pages of items) ──► pdf / svg / png
//!  words.toml (en, ja)   ───► Strings ─────┘
//! ```
//!
//! - [`template`]: the layout data format, parsed with every problem at `file:line:col`.
//! - [`facts`]: what a label prints, in words of a language; names come from the trust list.
//! - [`fonts`]: the bundled fonts (Noto Sans, IPAex Gothic), fallback, widths, outlines.
//! - [`layout`]: fitted text lines, QR placement on whole printer dots, sheets of many labels.
//! - [`pdf`], [`svg`], [`png`]: the output formats; same input, same bytes.

pub mod facts;
pub mod fonts;
pub mod layout;
pub mod pdf;
pub mod png;
pub mod svg;
pub mod template;

pub use facts::{Field, LabelFacts, Strings, strings};
pub use layout::{LayoutError, Page, layout_label, layout_sheet};
pub use template::Template;

use crate::criteria::model::{Assurance, TierDisplay};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// PDF with subset fonts.
    Pdf,
    /// SVG, text as outlines.
    Svg,
    /// PNG at [`PNG_DPI`].
    Png,
}

impl Format {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }

    /// Parses `pdf`, `svg` or `png`.
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pdf" => Some(Format::Pdf),
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            _ => None,
        }
    }
}

/// PNG resolution: 300 dpi, so a 0.339 mm module (8 dots at 600 dpi) is exactly 4 pixels.
pub const PNG_DPI: u32 = 300;

/// Any failure to draw a label.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ArtworkError {
    /// The layout failed (text does not fit, QR too dense, ...).
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// PDF writing failed.
    #[error(transparent)]
    Pdf(#[from] pdf::PdfError),
    /// PNG writing failed.
    #[error(transparent)]
    Png(#[from] png::PngError),
    /// No words for this language.
    #[error("no label texts for language `{lang}`; available: {available}")]
    Language {
        /// Asked for.
        lang: String,
        /// Bundled languages.
        available: String,
    },
}

/// The words of `lang`, or an error listing the languages there are.
pub fn words(lang: &str) -> Result<&'static Strings, ArtworkError> {
    strings(lang).ok_or_else(|| ArtworkError::Language {
        lang: lang.to_string(),
        available: facts::languages().join(", "),
    })
}

/// Draws one label in each of `formats`, in the order given.
pub fn render_label(
    template: &Template,
    facts: &LabelFacts,
    lang: &str,
    formats: &[Format],
) -> Result<Vec<(Format, Vec<u8>)>, ArtworkError> {
    let page = layout_label(template, facts, words(lang)?)?;
    let title = format!(
        "{} {} - {} label {}",
        facts.manufacturer,
        facts.model,
        facts.scheme_name,
        facts.label_id_words()
    );
    let mut out = Vec::new();
    for f in formats {
        let bytes = match f {
            Format::Pdf => pdf::write_pdf(std::slice::from_ref(&page), &title, template.qr.draw)?,
            Format::Svg => svg::write_svg(&page, &title).into_bytes(),
            Format::Png => png::write_png(&page, PNG_DPI)?,
        };
        out.push((*f, bytes));
    }
    Ok(out)
}

/// Draws many labels on the sheets of a sheet template: one PDF.
pub fn render_sheet(
    sheet: &Template,
    labels: &[LabelFacts],
    lang: &str,
) -> Result<Vec<u8>, ArtworkError> {
    let pages = layout_sheet(sheet, labels, words(lang)?)?;
    let draw = sheet
        .sheet
        .as_ref()
        .map_or(sheet.qr.draw, |s| s.label.qr.draw);
    Ok(pdf::write_pdf(
        &pages,
        &format!("{} labels on {}", labels.len(), sheet.id),
        draw,
    )?)
}

/// Verifies a label against `store` at `at` and draws its facts from the result: the label
/// must be genuine (see [`LabelFacts::new`]); names come from the trust list, the tier display
/// from the bundled criteria (level when the scheme is unknown there). `qr_text` is the text
/// as printed; without it the trust list's verify URL for the scheme is used.
pub fn facts_for(
    store: &crate::verify::TrustStore,
    set: &crate::criteria::CriteriaSet,
    cose: &[u8],
    qr_text: Option<&str>,
    at: jiff::Timestamp,
) -> Result<LabelFacts, facts::FactsError> {
    let report = store.verify(
        qr_text,
        if qr_text.is_some() { None } else { Some(cose) },
        at,
    );
    let not_genuine = |detail: String| facts::FactsError::NotGenuine {
        verdict: report.verdict.words(),
        detail,
    };
    let claims = crate::label::cose::parse(cose)
        .map_err(|e| not_genuine(e.to_string()))
        .and_then(|p| {
            crate::label::LabelClaims::decode(&p.payload).map_err(|e| not_genuine(e.to_string()))
        })?;
    let b = &claims.label;
    let display = set
        .schemes
        .iter()
        .find(|s| s.id == b.scheme_id && s.version == b.scheme_version)
        .map_or(TierDisplay::Level, |s| s.tier_display);
    let text = match qr_text {
        Some(t) => t.to_string(),
        None => {
            let url = store
                .trusted()
                .iter()
                .find_map(|t| t.list.scheme(&b.scheme_id))
                .map(|s| s.verify_url.clone())
                .ok_or_else(|| {
                    not_genuine(format!("no trust list names scheme {}", b.scheme_id))
                })?;
            crate::label::qr_text(&url, cose)
        }
    };
    // `set` holds criteria the caller trusts (e.g. the issuer's own), so what it says about a
    // scheme version whose digest the signed label carries counts as well: the same rule as
    // `TrustStore::with_criteria` (the trust list's acceptance is checked by `LabelFacts::new`,
    // which refuses WRONG SCHEME).
    let mut report = report;
    if let Some(sc) = report.scheme.as_mut()
        && sc.illustrative.is_none()
    {
        sc.illustrative = set
            .schemes
            .iter()
            .find(|s| {
                s.id == b.scheme_id
                    && s.version == b.scheme_version
                    && s.digest[..16] == b.criteria_digest
            })
            .map(|s| s.illustrative);
    }
    LabelFacts::new(&claims, &report, &text, display)
}

/// Sample facts with every text at its longest (the caps of the label format, long names),
/// for checking that a template's boxes hold any label.
pub fn sample_facts(tier_display: TierDisplay, qr_payload_bytes: usize) -> LabelFacts {
    use crate::label::claims::{
        MAX_DEVICE_TEXT, MAX_FIRMWARE, MAX_HARDWARE_VERSION, MAX_MANUFACTURER, MAX_MODEL,
        MAX_VARIANT, MAX_VARIANTS,
    };
    // Mixed-case words of average width; real names rarely run wider.
    let text = |n: usize| -> String {
        let words = "Acme Sample Devices International Holdings Kabushiki Kaisha Ltd";
        words
            .chars()
            .cycle()
            .take(n)
            .collect::<String>()
            .trim_end()
            .to_string()
    };
    let cose = vec![0u8; qr_payload_bytes];
    LabelFacts {
        scheme_name: "JC-STAR-like star label (illustrative, level 1)".into(),
        tier_rank: 4,
        tier_display,
        assurance: Assurance::SelfDeclared,
        manufacturer: text(MAX_MANUFACTURER),
        model: text(MAX_MODEL),
        // Each field at its own cap: a template must hold any one of them at its longest. The
        // variants as long as the device text budget lets them be (the four other texts take
        // at least a byte each), in as many names as the caps allow.
        variants: {
            let mut left = MAX_DEVICE_TEXT - 4;
            let mut v = Vec::new();
            while left > 0 && v.len() < MAX_VARIANTS {
                let n = left.min(MAX_VARIANT);
                v.push(text(n));
                left -= n;
            }
            v
        },
        hardware_version: text(MAX_HARDWARE_VERSION),
        firmware: "10.20.300-rc.456".chars().take(MAX_FIRMWARE).collect(),
        firmware_is_minimum: true,
        issuer_name: "Example Accredited Test Laboratory GmbH".into(),
        expires: 1_900_000_000,
        support_end: Some(1_900_000_000),
        label_id: [0xAB; 8],
        qr_text: crate::label::qr_text("HTTPS://LBL.EXAMPLE.ORG/V", &cose),
        // Every template must hold the illustrative line too.
        illustrative: true,
    }
}

/// Checks a template against long sample texts in every bundled language and both tier
/// displays, and a QR of `qr_payload_bytes` bytes of COSE: every layout problem is returned.
/// The sample is an illustrative scheme's label, so the "not an official mark" line must be
/// there and fit in every language.
pub fn check_template(template: &Template, qr_payload_bytes: usize) -> Vec<LayoutError> {
    let mut problems = Vec::new();
    let label = match &template.sheet {
        Some(s) => &s.label,
        None => template,
    };
    for lang in facts::languages() {
        let Some(s) = strings(lang) else { continue };
        for display in [TierDisplay::Level, TierDisplay::Stars] {
            let facts = sample_facts(display, qr_payload_bytes);
            for e in layout::layout_problems(label, &facts, s) {
                if !problems.contains(&e) {
                    problems.push(e);
                }
            }
        }
    }
    problems
}
