//! The HTTP layer: routes, handlers, limits, JSON errors, and the accept loop.
//!
//! Nothing here logs request bodies or client addresses (the accept loop uses the peer address
//! only to count connections per address). Every error response is JSON
//! `{"error": ..., "help": ...}` in our own words: never a decoder's or the database's text.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tokio::sync::Semaphore;

use super::core::{Core, Refusal, VerifyRequest};
use super::page;
use super::view::{Lang, View, colour, view};
use crate::ids::{Kid, LabelId};
use crate::registry::PutOutcome;
use crate::verify::Verdict;

/// The limits every request is held to. Documented in `docs/api.md`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, bytes (413 beyond).
    pub body_bytes: usize,
    /// Longest the body may take to arrive, and longest the handling may take (408 beyond).
    pub request_timeout: Duration,
    /// Longest a client may take to send the request head (the connection is closed beyond).
    pub header_timeout: Duration,
    /// Requests handled at once (503 beyond, at once, never queued). A request takes a slot
    /// only once its body has fully arrived.
    pub concurrency: usize,
    /// Open connections. At the cap, the connection that has waited longest for its next
    /// request is closed to make room; if none is waiting, the new one is closed on accept.
    pub max_connections: usize,
    /// Open connections per client address (0: no limit). Behind a proxy every client has the
    /// proxy's address: raise it or set 0 there.
    pub per_address: usize,
    /// How long a connection may wait for a request head (first byte, or the next request on a
    /// keep-alive connection) while the server is below three quarters of its cap.
    pub idle_timeout: Duration,
    /// The same once three quarters of `max_connections` are open.
    pub busy_idle_timeout: Duration,
    /// A body must arrive at this rate at least (bytes per second) after `body_grace`.
    pub body_min_rate: u32,
    /// Time a body may take before the minimum rate applies.
    pub body_grace: Duration,
    /// On shutdown, how long requests in flight have to finish.
    pub drain: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            body_bytes: 16 * 1024,
            request_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            concurrency: 256,
            max_connections: 1024,
            per_address: 64,
            idle_timeout: Duration::from_secs(10),
            busy_idle_timeout: Duration::from_secs(1),
            body_min_rate: 1024,
            body_grace: Duration::from_secs(2),
            drain: Duration::from_secs(10),
        }
    }
}

/// Longest request target (path and query), bytes: 414 beyond.
pub const MAX_URI: usize = 8 * 1024;

/// The headers every response carries (also the JSON answers that replace hyper's own).
pub const SECURITY_HEADERS: [(&str, &str); 3] = [
    (
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
];

/// Shared state of the handlers.
pub struct App {
    core: Arc<Core>,
    /// Upper-case path of each verify URL -> the verify URLs with that path.
    verify_paths: BTreeMap<String, Vec<String>>,
    limits: Limits,
    busy: Arc<Semaphore>,
}

/// Splits `HTTPS://HOST/PATH` into (host, path), both as written.
fn split_url(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.to_string(), "/".to_string()),
    }
}

impl App {
    /// State for a service.
    pub fn new(core: Arc<Core>, limits: Limits) -> App {
        let mut verify_paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for url in core.verify_urls() {
            let (_, path) = split_url(&url);
            verify_paths
                .entry(path.to_ascii_uppercase())
                .or_default()
                .push(url);
        }
        App {
            core,
            verify_paths,
            limits,
            busy: Arc::new(Semaphore::new(limits.concurrency.max(1))),
        }
    }

    /// The verify URL a page at `path` verifies for: the one whose host is `host`, else the
    /// first (a registry behind a proxy, or on loopback in tests).
    fn verify_url_for(&self, path: &str, host: Option<&str>) -> Option<&String> {
        let urls = self.verify_paths.get(&path.to_ascii_uppercase())?;
        let host = host.map(|h| h.split(':').next().unwrap_or(h).to_ascii_uppercase());
        urls.iter()
            .find(|u| Some(split_url(u).0.to_ascii_uppercase()) == host)
            .or_else(|| urls.first())
    }
}

/// A JSON error response.
#[derive(Debug, Serialize)]
struct ErrorBody {
    error: String,
    help: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<Verdict>,
}

fn error(status: StatusCode, error: impl Into<String>, help: impl Into<String>) -> Response {
    let mut r = (
        status,
        axum::Json(ErrorBody {
            error: error.into(),
            help: help.into(),
            verdict: None,
        }),
    )
        .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A 500 that shows the client nothing internal; the cause goes to the service's log.
fn internal(cause: &str) -> Response {
    eprintln!("iotlabel serve: internal error: {cause}");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the registry could not complete this request",
        "try again later (the operator finds the cause in the service log)",
    )
}

fn refusal(r: Refusal) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        axum::Json(ErrorBody {
            error: r.error,
            help: r.help,
            verdict: r.verdict,
        }),
    )
        .into_response()
}

fn lang(h: &HeaderMap) -> Lang {
    Lang::from_accept_language(h.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

fn content_type_is(h: &HeaderMap, accepted: &[&str]) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|v| accepted.contains(&v.as_str()))
}

fn too_large(limit: usize) -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("request body over the limit of {limit} bytes"),
        "a label is at most 1024 bytes, a revocation statement 4096",
    )
}

/// The body a handler gets: already read in full by [`buffer_body`], before the request took a
/// processing slot.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, Response> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large(limit))
}

/// Reads the whole body before the request may take a processing slot: at most `body_bytes`
/// (413), within `request_timeout` in all, and after `body_grace` at `body_min_rate` at least
/// (408 otherwise), so a slow or stalled body holds a connection for a bounded time and never a
/// slot. Also refuses a request target over [`MAX_URI`] (414).
async fn buffer_body(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let limits = app.limits;
    if req.uri().path_and_query().map_or(0, |p| p.as_str().len()) > MAX_URI {
        return error(
            StatusCode::URI_TOO_LONG,
            "the request path is too long",
            "a path and query fit in 8 KiB",
        );
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.body_bytes as u64) {
        return too_large(limits.body_bytes);
    }
    let (parts, body) = req.into_parts();
    match read_at_rate(body, &limits).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(r) => r,
    }
}

async fn read_at_rate(mut body: Body, limits: &Limits) -> Result<Bytes, Response> {
    use axum::body::HttpBody;

    let start = tokio::time::Instant::now();
    let total = start + limits.request_timeout;
    let mut buf = Vec::new();
    loop {
        // The next byte is due when the minimum rate says so, and never after the total.
        let due = Duration::from_secs_f64(
            (buf.len() as f64 + 1.0) / f64::from(limits.body_min_rate.max(1)),
        );
        let deadline = (start + limits.body_grace + due).min(total);
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx));
        match tokio::time::timeout_at(deadline, frame).await {
            Err(_) => {
                return Err(error(
                    StatusCode::REQUEST_TIMEOUT,
                    "the request body arrived too slowly or stopped",
                    format!(
                        "send the whole body at once (it must arrive within {} s)",
                        limits.request_timeout.as_secs_f64()
                    ),
                ));
            }
            Ok(None) => return Ok(Bytes::from(buf)),
            Ok(Some(Err(_))) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "the request body could not be read",
                    "send the whole body with a correct Content-Length or chunked encoding",
                ));
            }
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    if buf.len() + data.len() > limits.body_bytes {
                        return Err(too_large(limits.body_bytes));
                    }
                    buf.extend_from_slice(&data);
                }
            }
        }
    }
}

fn html(body: String, status: StatusCode) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// Builds the router with its limits.
pub fn router(app: Arc<App>) -> Router {
    let limits = app.limits;
    Router::new()
        .route("/assets/style.css", get(style))
        .route("/assets/verify.js", get(script))
        .route("/api/verify", post(api_verify))
        .route("/api/labels", post(api_publish).get(api_search))
        .route("/api/labels/{id}", get(api_label))
        .route("/api/revocations", post(api_revoke))
        .route("/api/status", get(api_status_index))
        .route("/api/status/{kid}", get(api_status))
        .route("/api/trust", get(api_trust_index))
        .route("/api/trust/{owner}", get(api_trust))
        .route("/api/health", get(api_health))
        .route("/search", get(search))
        .fallback(qr_paths)
        .with_state(app.clone())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(app.clone(), concurrency))
        .layer(middleware::from_fn_with_state(app, buffer_body))
        .layer(middleware::from_fn(json_errors_and_headers))
}

/// At most `concurrency` requests at once; more get 503 at once rather than a queue.
async fn concurrency(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    match app.busy.clone().try_acquire_owned() {
        Ok(_permit) => next.run(req).await,
        Err(_) => {
            let mut r = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is busy",
                "retry in a second",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
    }
}

/// Turns every error response that is not already JSON or a page into JSON (the limit layers
/// and the router answer 405, 408, 413 ... with empty or plain-text bodies), in our own words
/// (their text may be a decoder's), and adds the security headers to everything.
async fn json_errors_and_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let status = r.status();
    let typed = r
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if (status.is_client_error() || status.is_server_error()) && !typed {
        let (msg, help) = match status {
            StatusCode::METHOD_NOT_ALLOWED => (
                "method not allowed on this path".to_string(),
                "see docs/api.md for each route's method",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "request body too large".to_string(),
                "a label is at most 1024 bytes, a revocation statement 4096",
            ),
            StatusCode::REQUEST_TIMEOUT => (
                "the request took too long (a slow or incomplete body?)".to_string(),
                "send the whole request at once",
            ),
            StatusCode::BAD_REQUEST => (
                "the request could not be understood (a malformed path, query or header)"
                    .to_string(),
                "see docs/api.md for each route's form",
            ),
            _ => (
                status.canonical_reason().unwrap_or("error").to_string(),
                "see docs/api.md",
            ),
        };
        let allow = r.headers().get(header::ALLOW).cloned();
        r = error(status, msg, help);
        if let Some(a) = allow {
            r.headers_mut().insert(header::ALLOW, a);
        }
    }
    let h = r.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        h.insert(name, HeaderValue::from_static(value));
    }
    r
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        page::STYLE_CSS,
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        page::VERIFY_JS,
    )
        .into_response()
}

/// Every path a QR code can reach, matched case-insensitively: each scheme's verify path,
/// and `/L/<label-id>`. Anything else is a JSON 404.
async fn qr_paths(
    State(app): State<Arc<App>>,
    method: Method,
    headers: HeaderMap,
    req: Request,
) -> Response {
    let path = req.uri().path().to_string();
    let upper = path.to_ascii_uppercase();
    let is_verify = app.verify_paths.contains_key(&upper);
    let label = upper
        .strip_prefix("/L/")
        .map(|id| id.trim_end_matches('/').to_string());
    if !(is_verify || label.is_some()) {
        return error(
            StatusCode::NOT_FOUND,
            format!("no such route: {}", page::esc(&path)),
            "see docs/api.md for the routes",
        );
    }
    if method != Method::GET && method != Method::HEAD {
        let mut r = error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed on this path",
            "pages are read with GET",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let lang = lang(&headers);
    if is_verify {
        let host = app
            .verify_url_for(&path, None)
            .map(|u| split_url(u).0.to_ascii_lowercase())
            .unwrap_or_default();
        return html(page::verify_page(lang, &host), StatusCode::OK);
    }
    let id = label.unwrap_or_default();
    label_page(app, id, lang).await
}

/// A label page's view and its status history (when, what).
type LabelPage = (View, Vec<(String, String)>);

async fn label_page(app: Arc<App>, id: String, lang: Lang) -> Response {
    let Ok(id) = id.parse::<LabelId>() else {
        return html(page::not_found_page(lang), StatusCode::NOT_FOUND);
    };
    let core = app.core.clone();
    let res = tokio::task::spawn_blocking(move || -> Result<Option<LabelPage>, String> {
        let Some(rec) = core.store().get_label(id).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let report = core.verify_cose(&rec.cose);
        let now = core.now().as_second();
        let current = core.current_label_for(&report);
        let v = view(&report, now, lang, current.as_deref());
        let mut history = Vec::new();
        if let Some(e) = core.status_entry(rec.issuer_kid, rec.status_index) {
            let mut what = format!("{} \u{2014} {}", e.status.name(), e.reason);
            if let Some(s) = &e.successor {
                what.push_str(&format!(" (\u{2192} {s})"));
            }
            history.push((crate::time::format_unix(e.at), what));
        }
        Ok(Some((v, history)))
    })
    .await;
    match res {
        Ok(Ok(Some((v, history)))) => html(page::label_page(lang, &v, &history), StatusCode::OK),
        Ok(Ok(None)) => html(page::not_found_page(lang), StatusCode::NOT_FOUND),
        Ok(Err(e)) => internal(&e),
        Err(_) => internal("the lookup task failed"),
    }
}

#[derive(Serialize)]
struct VerifyResponse {
    verdict: Verdict,
    colour: super::view::Colour,
    view: View,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<crate::verify::VerifyReport>,
}

/// `POST /api/verify`. Logs nothing: not the body, not the client's address.
async fn api_verify(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    if !content_type_is(&headers, &["application/json"]) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/json",
            r#"send {"text": "HTTPS://...#BASE32"} or {"path": "/V", "fragment": "BASE32"}"#,
        );
    }
    let bytes = match read_body(body, app.limits.body_bytes).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let req = match VerifyRequest::parse(&bytes) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("not a verify request: {e}"),
                r#"send {"text": "HTTPS://...#BASE32"} or {"path": "/V", "fragment": "BASE32"}"#,
            );
        }
    };
    let want_report = req.report;
    let text = match (req.text, req.path, req.fragment) {
        (Some(t), None, None) => t,
        (None, Some(p), Some(f)) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            let Some(url) = app.verify_url_for(&p, host) else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "that path is not a verify path of this registry",
                    "send the path the verify page was served from",
                );
            };
            // The page sends the fragment without its '#'; nothing is trimmed or stripped, so
            // anything else around the base32 is the verifier's to refuse (MALFORMED).
            format!("{url}#{f}")
        }
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "give either `text`, or `path` and `fragment`",
                r#"send {"text": "HTTPS://...#BASE32"} or {"path": "/V", "fragment": "BASE32"}"#,
            );
        }
    };
    let lang = lang(&headers);
    let core = &app.core;
    let report = core.verify_text(&text);
    let current = if report.verdict == Verdict::Expired
        || report.status == Some(crate::status::LabelStatus::Superseded)
    {
        let c = core.clone();
        let r = report.clone();
        tokio::task::spawn_blocking(move || c.current_label_for(&r))
            .await
            .ok()
            .flatten()
    } else {
        None
    };
    let now = core.now().as_second();
    let v = view(&report, now, lang, current.as_deref());
    let mut r = axum::Json(VerifyResponse {
        verdict: report.verdict,
        colour: colour(&report, now),
        view: v,
        report: want_report.then_some(report),
    })
    .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

const COSE_TYPES: &[&str] = &["application/cose", "application/octet-stream"];

async fn api_publish(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    if !content_type_is(&headers, COSE_TYPES) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/cose",
            "send the label's COSE_Sign1 bytes (labels/<id>.cose)",
        );
    }
    let bytes = match read_body(body, app.limits.body_bytes).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let core = app.core.clone();
    match tokio::task::spawn_blocking(move || core.publish(&bytes)).await {
        Ok(Ok(p)) => {
            let id = p.record.label_id;
            let (status, outcome) = match p.outcome {
                PutOutcome::Inserted => (StatusCode::CREATED, "created"),
                PutOutcome::AlreadyPresent => (StatusCode::OK, "already-present"),
            };
            let mut r = (
                status,
                axum::Json(serde_json::json!({
                    "label_id": id,
                    "outcome": outcome,
                    "verdict": p.report.verdict,
                    "page": format!("/L/{id}"),
                    "api": format!("/api/labels/{id}"),
                })),
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("/api/labels/{id}")) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Ok(Err(e)) => refusal(e),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            "try again",
        ),
    }
}

async fn api_revoke(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    if !content_type_is(&headers, COSE_TYPES) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/cose",
            "send the signed statement `iotlabel revoke` wrote",
        );
    }
    let bytes = match read_body(body, app.limits.body_bytes).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let core = app.core.clone();
    match tokio::task::spawn_blocking(move || core.revoke(&bytes)).await {
        Ok(Ok(a)) => axum::Json(serde_json::json!({
            "label_id": a.label,
            "status": a.status,
            "sequence": a.sequence,
            "by_owner": a.by_owner,
        }))
        .into_response(),
        Ok(Err(e)) => refusal(e),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            "try again",
        ),
    }
}

struct SearchQuery {
    manufacturer: String,
    model: String,
    limit: Option<usize>,
}

impl SearchQuery {
    /// Reads the query parameters one by one, so every error names the parameter in our words.
    fn parse(pairs: Vec<(String, String)>) -> Result<SearchQuery, String> {
        let bad = |m: String| m;
        let mut q = SearchQuery {
            manufacturer: String::new(),
            model: String::new(),
            limit: None,
        };
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in pairs {
            if seen.contains(&name) {
                return Err(bad(format!(
                    "query parameter `{}` is given twice",
                    page::esc(&name)
                )));
            }
            match name.as_str() {
                "manufacturer" => q.manufacturer = value,
                "model" => q.model = value,
                "limit" => {
                    q.limit = Some(
                        value
                            .parse::<usize>()
                            .ok()
                            .filter(|n| (1..=100).contains(n))
                            .ok_or_else(|| {
                                bad(
                                    "query parameter `limit` must be a whole number from 1 to 100"
                                        .into(),
                                )
                            })?,
                    );
                }
                other => {
                    return Err(bad(format!(
                        "unknown query parameter `{}` (known: manufacturer, model, limit)",
                        page::esc(&other.chars().take(40).collect::<String>())
                    )));
                }
            }
            seen.push(name);
        }
        Ok(q)
    }
}

/// The query of a search, parsed in our words (the extractor never fails: it decodes lossily).
type RawPairs = Query<Vec<(String, String)>>;

fn bad_query(message: String) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        message,
        "e.g. /api/labels?manufacturer=acme&model=cam&limit=20",
    )
}

#[derive(Serialize)]
struct LabelSummary {
    #[serde(flatten)]
    record: crate::registry::LabelRecord,
    verdict: Verdict,
    colour: super::view::Colour,
    /// The scheme is illustrative (not an official mark), as the verifier established it.
    illustrative: bool,
    page: String,
}

fn summarise(core: &Core, rec: crate::registry::LabelRecord) -> LabelSummary {
    let report = core.verify_cose(&rec.cose);
    let now = core.now().as_second();
    LabelSummary {
        page: format!("/L/{}", rec.label_id),
        verdict: report.verdict,
        colour: colour(&report, now),
        illustrative: report
            .scheme
            .as_ref()
            .is_some_and(|s| s.illustrative == Some(true)),
        record: rec,
    }
}

async fn api_search(State(app): State<Arc<App>>, Query(pairs): RawPairs) -> Response {
    let q = match SearchQuery::parse(pairs) {
        Ok(q) => q,
        Err(m) => return bad_query(m),
    };
    let limit = q.limit.unwrap_or(20).clamp(1, 100);
    let core = app.core.clone();
    let (manufacturer, model) = (q.manufacturer.clone(), q.model.clone());
    let res = tokio::task::spawn_blocking(move || {
        core.store().search(&manufacturer, &model, limit).map(|v| {
            v.into_iter()
                .map(|r| summarise(&core, r))
                .collect::<Vec<_>>()
        })
    })
    .await;
    match res {
        Ok(Ok(v)) => axum::Json(serde_json::json!({ "labels": v })).into_response(),
        Ok(Err(e)) => internal(&e.to_string()),
        Err(_) => internal("the search task failed"),
    }
}

async fn search(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(pairs): RawPairs,
) -> Response {
    let q = match SearchQuery::parse(pairs) {
        Ok(q) => q,
        Err(m) => return bad_query(m),
    };
    let lang = lang(&headers);
    let core = app.core.clone();
    let (manufacturer, model) = (q.manufacturer.clone(), q.model.clone());
    let (m2, n2) = (manufacturer.clone(), model.clone());
    let res = tokio::task::spawn_blocking(move || {
        core.store().search(&m2, &n2, 50).map(|v| {
            v.into_iter()
                .map(|r| {
                    let report = core.verify_cose(&r.cose);
                    let v = view(&report, core.now().as_second(), lang, None);
                    page::Hit {
                        id: r.label_id.to_string(),
                        device: format!("{} {}", r.manufacturer, r.model),
                        scheme: report.scheme.as_ref().map_or(r.scheme_id.clone(), |s| {
                            format!("{} \u{2014} {}", s.name, s.tier)
                        }),
                        verdict: format!("{} {}", v.icon, v.headline),
                        illustrative: v.illustrative,
                    }
                })
                .collect::<Vec<_>>()
        })
    })
    .await;
    match res {
        Ok(Ok(hits)) => html(
            page::search_page(lang, &manufacturer, &model, &hits),
            StatusCode::OK,
        ),
        Ok(Err(e)) => internal(&e.to_string()),
        Err(_) => internal("the search task failed"),
    }
}

/// A path segment, or a JSON 400 in our words when it does not decode (bad percent-encoding,
/// not UTF-8).
fn segment(p: Result<Path<String>, PathRejection>, what: &str) -> Result<String, Box<Response>> {
    p.map(|Path(s)| s).map_err(|_| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            format!("the {what} in the path could not be decoded"),
            "percent-encode only valid UTF-8",
        ))
    })
}

async fn api_label(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let id = match segment(id, "label id") {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let Ok(id) = id.parse::<LabelId>() else {
        return error(
            StatusCode::BAD_REQUEST,
            "a label id is 16 hex digits",
            "e.g. /api/labels/0123456789abcdef",
        );
    };
    let lang = lang(&headers);
    let core = app.core.clone();
    let res = tokio::task::spawn_blocking(move || -> Result<Option<serde_json::Value>, String> {
        let Some(rec) = core.store().get_label(id).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let report = core.verify_cose(&rec.cose);
        let now = core.now().as_second();
        let current = core.current_label_for(&report);
        let entry = core.status_entry(rec.issuer_kid, rec.status_index);
        let v = view(&report, now, lang, current.as_deref());
        Ok(Some(serde_json::json!({
            "label": rec,
            "verdict": report.verdict,
            "colour": colour(&report, now),
            "status": report.status,
            "status_reason": entry.as_ref().map(|e| e.reason.clone()),
            "status_changed_at": entry.as_ref().map(|e| crate::time::format_unix(e.at)),
            "successor": entry.and_then(|e| e.successor),
            "current_label": current,
            "page": format!("/L/{id}"),
            "view": v,
        })))
    })
    .await;
    match res {
        Ok(Ok(Some(v))) => axum::Json(v).into_response(),
        Ok(Ok(None)) => error(
            StatusCode::NOT_FOUND,
            "no label with this id is in the registry",
            "labels are published with POST /api/labels",
        ),
        Ok(Err(e)) => internal(&e),
        Err(_) => internal("the lookup task failed"),
    }
}

async fn api_status_index(State(app): State<Arc<App>>) -> Response {
    let snap = app.core.snapshot();
    let lists: Vec<serde_json::Value> = snap
        .status
        .values()
        .map(|s| {
            serde_json::json!({
                "issuer_kid": s.kid,
                "issued_at": crate::time::format_unix(s.issued_at),
                "next_update": crate::time::format_unix(s.expires),
                "href": format!("/api/status/{}", s.kid),
            })
        })
        .collect();
    axum::Json(serde_json::json!({ "status_lists": lists })).into_response()
}

async fn api_status(
    State(app): State<Arc<App>>,
    kid: Result<Path<String>, PathRejection>,
) -> Response {
    let kid = match segment(kid, "key id") {
        Ok(k) => k.to_ascii_lowercase(),
        Err(r) => return *r,
    };
    let snap = app.core.snapshot();
    match kid.parse::<Kid>().ok().and_then(|k| snap.status.get(&k)) {
        Some(s) => (
            [
                (header::CONTENT_TYPE, "application/statuslist+cwt"),
                (header::CACHE_CONTROL, "public, max-age=60"),
            ],
            s.bytes.clone(),
        )
            .into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format!("no status list for key {}", page::esc(&kid)),
            "GET /api/status lists the issuer keys this registry signs for",
        ),
    }
}

async fn api_trust_index(State(app): State<Arc<App>>) -> Response {
    let lists: Vec<serde_json::Value> = app
        .core
        .trusted()
        .iter()
        .map(|t| {
            serde_json::json!({
                "owner": t.list.owner,
                "owner_name": t.list.owner_name,
                "sequence": t.list.sequence,
                "issued_at": crate::time::format_unix(t.list.issued_at),
                "next_update": crate::time::format_unix(t.list.next_update),
                "schemes": t.list.schemes.iter().map(|s| serde_json::json!({
                    "id": s.id, "name": s.name, "verify_url": s.verify_url
                })).collect::<Vec<_>>(),
                "href": format!("/api/trust/{}", t.list.owner),
            })
        })
        .collect();
    axum::Json(serde_json::json!({ "trust_lists": lists })).into_response()
}

async fn api_trust(
    State(app): State<Arc<App>>,
    owner: Result<Path<String>, PathRejection>,
) -> Response {
    let owner = match segment(owner, "owner") {
        Ok(o) => o,
        Err(r) => return *r,
    };
    let core = &app.core;
    let found = core
        .trusted()
        .iter()
        .zip(core.trust_list_bytes())
        .find(|(t, _)| t.list.owner == owner);
    match found {
        Some((_, bytes)) => (
            [
                (header::CONTENT_TYPE, "application/cose"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            bytes.clone(),
        )
            .into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            format!("no trust list of owner `{}`", page::esc(&owner)),
            "GET /api/trust lists them",
        ),
    }
}

async fn api_health(State(app): State<Arc<App>>) -> Response {
    let core = app.core.clone();
    let n = tokio::task::spawn_blocking(move || core.store().label_count())
        .await
        .ok()
        .and_then(Result::ok);
    let damaged = app.core.damaged();
    match n {
        // `ok` is false while a damaged record waits for the operator; the service still runs.
        Some(n) => axum::Json(serde_json::json!({
            "ok": damaged.is_empty(),
            "labels": n,
            "damaged": damaged,
        }))
        .into_response(),
        None => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store is not answering",
            "check the database file",
        ),
    }
}

/// The address a listener is bound to, for messages.
pub fn describe(addr: SocketAddr) -> String {
    format!("http://{addr}")
}
