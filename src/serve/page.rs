//! The HTML pages, the stylesheet and the script, as embedded strings. No third-party scripts,
//! fonts or CDNs: everything is served from this origin under a strict Content-Security-Policy.

use super::view::{Colour, Lang, View};

/// The stylesheet (`/assets/style.css`).
pub const STYLE_CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, sans-serif; margin: 0; background: #f6f6f4; color: #1b1b1b; line-height: 1.45; }
main { max-width: 38rem; margin: 0 auto; padding: 1rem; }
.verdict { border-radius: .6rem; padding: 1rem 1.1rem; margin: .5rem 0 1rem; border: 3px solid; display: flex; gap: .9rem; align-items: flex-start; }
.verdict .icon { font-size: 2.2rem; line-height: 1; font-weight: bold; min-width: 2.2rem; text-align: center; }
.verdict h1 { font-size: 1.35rem; margin: 0 0 .25rem; }
.verdict p { margin: 0; }
.checking { background: #ececec; border-color: #8a8a8a; }
.green { background: #e3f4e5; border-color: #1e7b34; }
.green .icon { color: #1e7b34; }
.amber { background: #fff3d6; border-color: #a86b00; }
.amber .icon { color: #a86b00; }
.red { background: #fde4e2; border-color: #b3261e; }
.red .icon { color: #b3261e; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem .9rem; margin: 0 0 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
.meaning, .address { background: #fff; border-left: 4px solid #5b5b5b; padding: .6rem .8rem; }
.address { border-color: #0b5cad; }
.illustrative { background: #fff; border-left: 4px solid #a86b00; padding: .6rem .8rem; font-weight: 600; }
.current a { font-weight: 600; }
details { margin: 1rem 0; font-size: .9rem; }
footer { font-size: .8rem; color: #555; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: .3rem; border-bottom: 1px solid #ddd; }
"#;

/// The verify page script (`/assets/verify.js`): sends the fragment to `/api/verify` and
/// shows only what the server answers. Until then the page shows a neutral "checking" state.
pub const VERIFY_JS: &str = r#""use strict";
(function () {
  var root = document.getElementById("verdict");
  var failed = root.getAttribute("data-failed");
  function text(id, s) { var e = document.getElementById(id); e.textContent = s || ""; return e; }
  function show(v) {
    root.className = "verdict " + v.colour;
    text("icon", v.icon);
    text("headline", v.headline);
    text("explanation", v.explanation);
    if (v.illustrative) { text("illustrative", v.illustrative).hidden = false; }
    var facts = document.getElementById("facts");
    v.rows.forEach(function (r) {
      var dt = document.createElement("dt"); dt.textContent = r.label;
      var dd = document.createElement("dd"); dd.textContent = r.value;
      facts.appendChild(dt); facts.appendChild(dd);
    });
    if (v.meaning) { text("meaning", v.meaning).hidden = false; }
    if (v.current_label) {
      var a = document.getElementById("current-link");
      a.href = v.current_label.href; a.textContent = v.current_label.text;
      document.getElementById("current").hidden = false;
    }
    var f = document.getElementById("findings");
    v.findings.forEach(function (s) { var li = document.createElement("li"); li.textContent = s; f.appendChild(li); });
    if (v.findings.length) { document.getElementById("technical").hidden = false; }
    document.getElementById("details").hidden = false;
  }
  function fail() {
    root.className = "verdict red";
    text("icon", "\u2716");
    text("headline", failed);
    text("explanation", "");
  }
  var fragment = location.hash.replace(/^#/, "");
  fetch("/api/verify", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "omit",
    cache: "no-store",
    body: JSON.stringify({ path: location.pathname, fragment: fragment })
  }).then(function (r) {
    return r.json().then(function (j) { if (!j.view) { throw new Error("no verdict"); } return j.view; });
  }).then(show, fail);
})();
"#;

/// Escapes text for HTML element content and attribute values (one escaper for every page).
pub use crate::report::html::esc;

/// The words of the verify and registry pages in one language, from `words.toml` (`page`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageWords {
    title: String,
    checking: String,
    checking_more: String,
    failed: String,
    noscript: String,
    address: String,
    address_after: String,
    technical: String,
    registry_title: String,
    not_found: String,
    search: String,
    manufacturer: String,
    model: String,
    history: String,
    footer: String,
    no_results: String,
}

fn pw(lang: Lang) -> &'static PageWords {
    &crate::words::bundled(lang.tag()).page
}

fn head(lang: Lang, title: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n<title>{}</title>\n\
         <link rel=\"stylesheet\" href=\"/assets/style.css\">\n</head>\n<body>\n<main>\n",
        lang.tag(),
        esc(title)
    )
}

/// The verify page: a neutral "checking" state, the address reminder, and the script that
/// asks the server. `host` is the scheme's own host (from its verify URL), lower case.
pub fn verify_page(lang: Lang, host: &str) -> String {
    let w = pw(lang);
    let mut s = head(lang, w.title.as_str());
    s.push_str(&format!(
        "<section id=\"verdict\" class=\"verdict checking\" role=\"status\" aria-live=\"polite\" data-failed=\"{}\">\
         <span id=\"icon\" class=\"icon\" aria-hidden=\"true\">\u{2026}</span>\
         <div><h1 id=\"headline\">{}</h1><p id=\"explanation\">{}</p></div></section>\n\
         <section id=\"details\" hidden>\n<p id=\"illustrative\" class=\"illustrative\" hidden></p>\n<dl id=\"facts\"></dl>\n<p id=\"meaning\" class=\"meaning\" hidden></p>\n\
         <p id=\"current\" class=\"current\" hidden><a id=\"current-link\" href=\"/\"></a></p>\n\
         <details id=\"technical\" hidden><summary>{}</summary><ul id=\"findings\"></ul></details>\n</section>\n\
         <p class=\"address\">{}<b>{}</b>{}</p>\n<noscript><p>{}</p></noscript>\n\
         <footer>{}</footer>\n</main>\n<script src=\"/assets/verify.js\"></script>\n</body>\n</html>\n",
        esc(&w.failed),
        esc(&w.checking),
        esc(&w.checking_more),
        esc(&w.technical),
        esc(&w.address),
        esc(host),
        esc(&w.address_after),
        esc(&w.noscript),
        esc(&w.footer),
    ));
    s
}

fn verdict_box(v: &View) -> String {
    let class = match v.colour {
        Colour::Green => "green",
        Colour::Amber => "amber",
        Colour::Red => "red",
    };
    format!(
        "<section id=\"verdict\" class=\"verdict {class}\"><span class=\"icon\" aria-hidden=\"true\">{}</span>\
         <div><h1>{}</h1><p>{}</p></div></section>\n",
        esc(v.icon),
        esc(&v.headline),
        esc(&v.explanation)
    )
}

/// The "not an official mark" line of an illustrative scheme, or nothing.
fn illustrative(v: &View) -> String {
    v.illustrative
        .as_deref()
        .map(|t| format!("<p class=\"illustrative\">{}</p>\n", esc(t)))
        .unwrap_or_default()
}

fn facts(v: &View) -> String {
    let mut s = illustrative(v);
    s.push_str("<dl>\n");
    for r in &v.rows {
        s.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            esc(&r.label),
            esc(&r.value)
        ));
    }
    s.push_str("</dl>\n");
    if let Some(m) = &v.meaning {
        s.push_str(&format!("<p class=\"meaning\">{}</p>\n", esc(m)));
    }
    if let Some(l) = &v.current_label {
        s.push_str(&format!(
            "<p class=\"current\"><a href=\"{}\">{}</a></p>\n",
            esc(&l.href),
            esc(&l.text)
        ));
    }
    s
}

/// A registry page for one label: the verdict now (server-rendered), the facts, and the
/// status changes with their public reasons.
pub fn label_page(lang: Lang, v: &View, history: &[(String, String)]) -> String {
    let w = pw(lang);
    let mut s = head(lang, w.registry_title.as_str());
    s.push_str(&verdict_box(v));
    s.push_str(&facts(v));
    if !history.is_empty() {
        s.push_str(&format!("<h2>{}</h2>\n<ul>\n", esc(&w.history)));
        for (when, what) in history {
            s.push_str(&format!("<li>{}: {}</li>\n", esc(when), esc(what)));
        }
        s.push_str("</ul>\n");
    }
    s.push_str(&search_form(lang, "", ""));
    s.push_str(&format!(
        "<footer>{}</footer>\n</main>\n</body>\n</html>\n",
        esc(&w.footer)
    ));
    s
}

/// The page for an id the registry does not hold.
pub fn not_found_page(lang: Lang) -> String {
    let w = pw(lang);
    let mut s = head(lang, w.registry_title.as_str());
    s.push_str(&format!(
        "<section class=\"verdict red\"><span class=\"icon\" aria-hidden=\"true\">\u{2716}</span><div><h1>{}</h1></div></section>\n",
        esc(&w.not_found)
    ));
    s.push_str(&search_form(lang, "", ""));
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn search_form(lang: Lang, manufacturer: &str, model: &str) -> String {
    let w = pw(lang);
    format!(
        "<form method=\"get\" action=\"/search\"><h2>{}</h2>\
         <label>{} <input name=\"manufacturer\" value=\"{}\"></label> \
         <label>{} <input name=\"model\" value=\"{}\"></label> <button type=\"submit\">{}</button></form>\n",
        esc(&w.search),
        esc(&w.manufacturer),
        esc(manufacturer),
        esc(&w.model),
        esc(model),
        esc(&w.search)
    )
}

/// One search hit: label id, device, scheme and tier, status words.
pub struct Hit {
    /// Label id.
    pub id: String,
    /// Manufacturer and model.
    pub device: String,
    /// Scheme and tier.
    pub scheme: String,
    /// Verdict headline.
    pub verdict: String,
    /// "Illustrative scheme, not an official mark" for an illustrative scheme.
    pub illustrative: Option<String>,
}

/// The search page.
pub fn search_page(lang: Lang, manufacturer: &str, model: &str, hits: &[Hit]) -> String {
    let w = pw(lang);
    let mut s = head(lang, w.registry_title.as_str());
    s.push_str(&format!("<h1>{}</h1>\n", esc(&w.registry_title)));
    s.push_str(&search_form(lang, manufacturer, model));
    if hits.is_empty() {
        s.push_str(&format!("<p>{}</p>\n", esc(&w.no_results)));
    } else {
        s.push_str("<table>\n");
        for h in hits {
            let note = h
                .illustrative
                .as_deref()
                .map(|t| format!("<br><small class=\"illustrative-note\">{}</small>", esc(t)))
                .unwrap_or_default();
            s.push_str(&format!(
                "<tr><td><a href=\"/L/{}\">{}</a></td><td>{}</td><td>{}{note}</td><td>{}</td></tr>\n",
                esc(&h.id),
                esc(&h.id),
                esc(&h.device),
                esc(&h.scheme),
                esc(&h.verdict)
            ));
        }
        s.push_str("</table>\n");
    }
    s.push_str(&format!(
        "<footer>{}</footer>\n</main>\n</body>\n</html>\n",
        esc(&w.footer)
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn the_verify_page_shows_nothing_valid_before_the_verdict() {
        for lang in [Lang::En, Lang::Ja] {
            let p = verify_page(lang, "lbl.example.org");
            assert!(p.contains("class=\"verdict checking\""));
            assert!(p.contains("<section id=\"details\" hidden>"));
            assert!(!p.contains("green") && !p.contains('\u{2714}'));
            assert!(
                !p.contains("http://") && !p.contains("https://"),
                "no third-party resources"
            );
        }
    }
}
