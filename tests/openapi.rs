//! Keeps `docs/openapi.yaml` honest against the router in `src/serve/http.rs`:
//!
//! - the spec is well-formed OpenAPI 3.1 as far as we rely on it (every `$ref` resolves, no
//!   key left without a value, every path parameter declared, error answers are `Error`);
//! - every route the router serves is in the spec and every operation in the spec is routed
//!   (the router's `.route(...)` calls are read from the source, so a new route without a spec
//!   entry fails here);
//! - on a live service (127.0.0.1 port 0, pinned clock) each documented operation, with the
//!   spec's example ids, is routed (never "no such route" or `405`), answers a status and a
//!   content type the spec documents, and other methods get `405` with the documented ones in
//!   `Allow`; with real data, the JSON answers match the documented schemas.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod serve_util;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;

use iotlabel::serve::Limits;
use iotlabel::status::LabelStatus;
use serde_json::Value;
use serve_util::*;

const METHODS: &[&str] = &["get", "post", "put", "delete", "patch", "head", "options"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn spec() -> Value {
    let text = std::fs::read_to_string(root().join("docs/openapi.yaml")).unwrap();
    serde_norway::from_str(&text).expect("docs/openapi.yaml is YAML")
}

/// `/api/labels/{label_id}` -> `/api/labels/{}`: parameter names may differ from the router's.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// (METHOD, path) of every operation in the spec.
fn spec_operations(spec: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, _) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                ops.push((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    ops
}

/// (METHOD, path shape) of every route in `router()` of src/serve/http.rs, read from the source,
/// plus the QR paths its fallback serves (a verify path, documented as the demo's `/V`, and
/// `/L/{id}`, GET only).
fn router_routes() -> BTreeSet<(String, String)> {
    let src = std::fs::read_to_string(root().join("src/serve/http.rs")).unwrap();
    let start = src.find("pub fn router(").expect("router() in http.rs");
    let end = start + src[start..].find("\n}\n").expect("end of router()");
    let body = &src[start..end];
    let mut routes = BTreeSet::new();
    for call in body.split(".route(").skip(1) {
        let call: String = call.split_whitespace().collect();
        let path = call
            .strip_prefix('"')
            .and_then(|c| c.split_once('"'))
            .map(|(p, _)| p)
            .unwrap_or_else(|| panic!("a route path literal in .route({call}"));
        // The method router: `get(h)`, `post(h).get(h2)` ... up to the call's closing paren.
        let mut depth = 0i32;
        let mut handler = String::new();
        for c in call[path.len() + 3..].chars() {
            match c {
                '(' => depth += 1,
                ')' if depth == 0 => break,
                ')' => depth -= 1,
                _ => {}
            }
            handler.push(c);
        }
        let mut found = false;
        for m in METHODS {
            let at_start = handler.starts_with(&format!("{m}("));
            if at_start || handler.contains(&format!(".{m}(")) {
                routes.insert((m.to_ascii_uppercase(), shape(path)));
                found = true;
            }
        }
        assert!(found, "no method in .route({call}");
    }
    assert!(
        body.contains(".fallback(qr_paths)"),
        "the router's fallback changed: update this test and docs/openapi.yaml"
    );
    let qr = &src[src.find("async fn qr_paths(").expect("qr_paths")..];
    assert!(qr.contains("verify_paths.contains_key") && qr.contains("strip_prefix(\"/L/\")"));
    routes.insert(("GET".into(), "/V".into()));
    routes.insert(("GET".into(), "/L/{}".into()));
    routes
}

fn pointer<'a>(spec: &'a Value, reference: &str) -> Option<&'a Value> {
    spec.pointer(reference.strip_prefix('#')?)
}

fn resolve<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(
            spec,
            pointer(spec, r).unwrap_or_else(|| panic!("unresolved $ref {r}")),
        ),
        None => v,
    }
}

fn walk(v: &Value, at: &str, f: &mut dyn FnMut(&str, &Value)) {
    f(at, v);
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| walk(x, &format!("{at}/{k}"), f)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| walk(x, &format!("{at}/{i}"), f)),
        _ => {}
    }
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        other => panic!("unknown type {other}"),
    }
}

/// The subset of JSON Schema the spec uses: $ref, type, const, enum, required, properties,
/// additionalProperties: false, items, allOf, anyOf, oneOf, not.
fn check(spec: &Value, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    let s = resolve(spec, schema);
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().any(|t| type_ok(t.as_str().unwrap(), v)),
            _ => panic!("bad type at {at}"),
        };
        if !ok {
            errs.push(format!("{at}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        errs.push(format!("{at}: {v} is not {c}"));
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errs.push(format!("{at}: {v} is not one of {e:?}"));
    }
    let matches = |sub: &Value| {
        let mut e = Vec::new();
        check(spec, sub, v, at, &mut e);
        e.is_empty()
    };
    for sub in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        check(spec, sub, v, at, errs);
    }
    if let Some(any) = s.get("anyOf").and_then(Value::as_array)
        && !any.iter().any(matches)
    {
        errs.push(format!("{at}: {v} matches none of anyOf"));
    }
    if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
        let n = one.iter().filter(|x| matches(x)).count();
        if n != 1 {
            errs.push(format!("{at}: {v} matches {n} of oneOf, not exactly one"));
        }
    }
    if let Some(not) = s.get("not")
        && matches(not)
    {
        errs.push(format!("{at}: {v} matches `not`"));
    }
    if let Some(obj) = v.as_object() {
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !obj.contains_key(r.as_str().unwrap()) {
                errs.push(format!("{at}: missing `{}`", r.as_str().unwrap()));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, x) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(p) => check(spec, p, x, &format!("{at}/{k}"), errs),
                None if s.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    errs.push(format!("{at}: undocumented field `{k}`"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(a)) = (s.get("items"), v.as_array()) {
        for (i, x) in a.iter().enumerate() {
            check(spec, items, x, &format!("{at}/{i}"), errs);
        }
    }
}

fn operation<'a>(spec: &'a Value, method: &str, path: &str) -> &'a Value {
    &spec["paths"][path][method.to_ascii_lowercase()]
}

/// The operation's parameters, `$ref`s resolved.
fn parameters<'a>(spec: &'a Value, op: &'a Value) -> Vec<&'a Value> {
    op.get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| resolve(spec, p))
        .collect()
}

/// The path with each `{param}` replaced by the parameter's example.
fn example_path(spec: &Value, op: &Value, path: &str) -> String {
    let mut out = path.to_string();
    for p in parameters(spec, op) {
        if p["in"] == "path" {
            let name = p["name"].as_str().unwrap();
            let ex = p
                .get("example")
                .or_else(|| p["schema"].get("examples").and_then(|e| e.get(0)))
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("path parameter {name} of {path} has no example"));
            out = out.replace(&format!("{{{name}}}"), ex);
        }
    }
    out
}

fn media_type(r: &Resp) -> String {
    r.header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap()
        .trim()
        .to_string()
}

/// Checks a live answer against the operation's documented responses; returns the errors.
fn conforms(spec: &Value, method: &str, path: &str, r: &Resp) -> Vec<String> {
    let op = operation(spec, method, path);
    let what = format!("{method} {path} -> {}", r.status);
    let Some(resp) = op["responses"].get(r.status.to_string()) else {
        return vec![format!("{what}: status not documented: {}", r.text())];
    };
    let resp = resolve(spec, resp);
    let mt = media_type(r);
    let Some(content) = resp.get("content").and_then(|c| c.get(&mt)) else {
        return vec![format!("{what}: content type {mt} not documented")];
    };
    let mut errs = Vec::new();
    if mt == "application/json" {
        let schema = content.get("schema").expect("a JSON response has a schema");
        check(spec, schema, &r.json(), &what, &mut errs);
    }
    errs
}

#[test]
fn the_spec_is_well_formed() {
    let spec = spec();
    assert!(
        spec["openapi"].as_str().unwrap().starts_with("3.1."),
        "OpenAPI 3.1"
    );
    assert!(spec["info"]["title"].is_string() && spec["info"]["version"].is_string());
    let mut problems = Vec::new();
    walk(&spec, "", &mut |at, v| {
        if v.is_null() && !at.ends_with("/const") && !at.contains("/enum/") {
            // In YAML a flow mapping `{description: a, b}` silently makes `b` a key of null.
            problems.push(format!(
                "{at}: no value (an unquoted comma in a flow mapping?)"
            ));
        }
        if let Some(r) = v.get("$ref").and_then(Value::as_str)
            && pointer(&spec, r).is_none()
        {
            problems.push(format!("{at}: $ref {r} does not resolve"));
        }
    });
    for (method, path) in spec_operations(&spec) {
        let op = operation(&spec, &method, &path);
        let what = format!("{method} {path}");
        if !op["summary"].is_string() {
            problems.push(format!("{what}: no summary"));
        }
        let Some(responses) = op["responses"].as_object() else {
            problems.push(format!("{what}: no responses"));
            continue;
        };
        for (status, resp) in responses {
            let resp = resolve(&spec, resp);
            if !resp["description"].is_string() {
                problems.push(format!("{what} {status}: no description"));
            }
            if let Some(json) = resp.get("content").and_then(|c| c.get("application/json"))
                && status.starts_with(['4', '5'])
                && json["schema"]["$ref"] != "#/components/schemas/Error"
            {
                problems.push(format!("{what} {status}: an error answer is not `Error`"));
            }
        }
        if !responses.keys().any(|s| s.starts_with('2')) {
            problems.push(format!("{what}: no success response"));
        }
        let declared: BTreeSet<String> = parameters(&spec, op)
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect();
        let templated: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .map(|s| s.split('}').next().unwrap().to_string())
            .collect();
        if declared != templated {
            problems.push(format!(
                "{what}: path parameters {templated:?}, declared {declared:?}"
            ));
        }
        if method == "POST" && op["requestBody"]["content"].as_object().is_none() {
            problems.push(format!("{what}: no request body content types"));
        }
    }
    let error = &spec["components"]["schemas"]["Error"];
    assert_eq!(error["required"], serde_json::json!(["error", "help"]));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_spec_and_the_router_list_the_same_routes() {
    let spec = spec();
    let documented: BTreeSet<(String, String)> = spec_operations(&spec)
        .into_iter()
        .map(|(m, p)| (m, shape(&p)))
        .collect();
    let routed = router_routes();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "routed but not in docs/openapi.yaml: {undocumented:?}\n\
         in docs/openapi.yaml but not routed: {unrouted:?}"
    );
    // The QR paths say they are matched in any case; the API paths do not.
    for (_, path) in spec_operations(&spec) {
        let ci = spec["paths"][&path]["get"]["x-case-insensitive"] == true;
        assert_eq!(ci, path == "/V" || path.starts_with("/L/"), "{path}");
    }
}

fn allowed(r: &Resp) -> BTreeSet<String> {
    r.header("allow")
        .unwrap_or("")
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty() && m != "HEAD")
        .collect()
}

#[test]
fn every_documented_operation_is_served_as_documented() {
    let spec = spec();
    let sc = scenario(30);
    let srv = start(&sc, ts(t0().as_second() + DAY), Limits::default());
    let a: SocketAddr = srv.addr();
    let mut problems = Vec::new();

    // With the spec's example ids and no body: routed, and answered as documented.
    for (method, path) in spec_operations(&spec) {
        let op = operation(&spec, &method, &path);
        let concrete = example_path(&spec, op, &path);
        let mut variants = vec![concrete.clone()];
        if op["x-case-insensitive"] == true {
            variants.push(concrete.to_ascii_lowercase());
            variants.push(concrete.to_ascii_uppercase());
        }
        for p in variants {
            let r = request(a, &method, &p, &[], b"");
            let no_route = r.status == 404
                && media_type(&r) == "application/json"
                && r.json()["error"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("no such route"));
            if no_route || r.status == 405 {
                problems.push(format!(
                    "{method} {p}: not routed ({}) {}",
                    r.status,
                    r.text()
                ));
                continue;
            }
            problems.extend(conforms(&spec, &method, &path, &r));
        }
        // Another method: 405, JSON `Error`, and `Allow` names the documented methods.
        let documented: BTreeSet<String> = spec["paths"][&path]
            .as_object()
            .unwrap()
            .keys()
            .filter(|m| METHODS.contains(&m.as_str()))
            .map(|m| m.to_ascii_uppercase())
            .collect();
        let r = request(a, "DELETE", &concrete, &[], b"");
        if r.status != 405 || allowed(&r) != documented {
            problems.push(format!(
                "DELETE {concrete}: {} with Allow {:?}, documented {documented:?}",
                r.status,
                r.header("allow")
            ));
        } else {
            problems.extend(conforms(&spec, &method, &path, &r));
        }
    }

    // An unknown route is a JSON `Error` 404.
    let r = get(a, "/api/nothing-here");
    assert_eq!(r.status, 404);
    let mut errs = Vec::new();
    let error = serde_json::json!({"$ref": "#/components/schemas/Error"});
    check(&spec, &error, &r.json(), "unknown route", &mut errs);
    problems.extend(errs);

    // With real data the JSON answers match their schemas.
    let label = lab_label(&sc, 0, 1);
    let id = hex::encode(label.claims.label_id);
    let kid = hex::encode(iotlabel::keys::Signer::kid(&sc.lab));
    let r = publish(a, &label.cose);
    assert_eq!(r.status, 201, "{}", r.text());
    problems.extend(conforms(&spec, "POST", "/api/labels", &r));
    problems.extend(conforms(
        &spec,
        "POST",
        "/api/labels",
        &publish(a, &label.cose),
    ));
    let r = publish(a, b"not a label");
    assert_eq!(r.status, 422);
    problems.extend(conforms(&spec, "POST", "/api/labels", &r));
    for (verify_path, lang) in [("/V", "en"), ("/v", "ja")] {
        let r = verify_fragment(a, verify_path, &label.qr_text, lang);
        assert_eq!(r.json()["verdict"], "VALID");
        problems.extend(conforms(&spec, "POST", "/api/verify", &r));
    }
    let with_report = serde_json::json!({ "text": label.qr_text, "report": true }).to_string();
    let json = [("Content-Type", "application/json")];
    for body in [
        with_report.as_str(),
        r#"{"text": "not a label"}"#,
        r#"{"nope": 1}"#,
    ] {
        let r = request(a, "POST", "/api/verify", &json, body.as_bytes());
        problems.extend(conforms(&spec, "POST", "/api/verify", &r));
    }
    let st = statement(&sc.lab, &label, LabelStatus::Revoked, 1, None);
    let r = revoke(a, &st);
    assert_eq!(r.status, 200, "{}", r.text());
    problems.extend(conforms(&spec, "POST", "/api/revocations", &r));
    let r = revoke(a, &st);
    assert_eq!(r.status, 409);
    problems.extend(conforms(&spec, "POST", "/api/revocations", &r));
    for (path, concrete) in [
        ("/api/labels/{label_id}", format!("/api/labels/{id}")),
        (
            "/api/labels/{label_id}",
            format!("/api/labels/{}", id.to_uppercase()),
        ),
        ("/api/labels/{label_id}", "/api/labels/nothex".into()),
        (
            "/api/labels",
            "/api/labels?manufacturer=&model=&limit=5".into(),
        ),
        ("/api/labels", "/api/labels?colour=red".into()),
        ("/L/{label_id}", format!("/L/{id}")),
        ("/L/{label_id}", format!("/l/{}", id.to_uppercase())),
        ("/search", "/search?manufacturer=a".into()),
        ("/api/status", "/api/status".into()),
        ("/api/status/{kid}", format!("/api/status/{kid}")),
        ("/api/trust", "/api/trust".into()),
        ("/api/trust/{owner}", "/api/trust/example-agency".into()),
        ("/api/health", "/api/health".into()),
    ] {
        let r = get(a, &concrete);
        if !(200..300).contains(&r.status)
            && !concrete.contains("nothex")
            && !concrete.contains("colour")
        {
            problems.push(format!("GET {concrete}: {} {}", r.status, r.text()));
        }
        problems.extend(conforms(&spec, "GET", path, &r));
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
