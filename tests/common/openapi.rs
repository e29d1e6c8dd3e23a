//! The daemon's OpenAPI 3.1 document as a test oracle: its problems (version, `$ref`s,
//! schemas that are not JSON Schema 2020-12), the routes of the router it leaves out, and
//! whether a real answer is one it describes.

use serde_json::Value;

/// The methods an axum route may name, as OpenAPI spells them.
const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

pub struct Document(pub Value);

impl Document {
    /// What `$ref` points at, followed until it is not a reference.
    pub fn resolve<'a>(&'a self, mut v: &'a Value) -> Result<&'a Value, String> {
        for _ in 0..16 {
            let Some(target) = v.get("$ref").and_then(Value::as_str) else {
                return Ok(v);
            };
            let pointer = target
                .strip_prefix('#')
                .ok_or_else(|| format!("`{target}` is not a reference into the document"))?;
            v = self
                .0
                .pointer(pointer)
                .ok_or_else(|| format!("`{target}` points at nothing"))?;
        }
        Err("references go round in a circle".into())
    }

    /// Why this is not an OpenAPI 3.1 document whose schemas are JSON Schema 2020-12
    /// (empty when it is one).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let version = self.0["openapi"].as_str().unwrap_or_default();
        if !version.starts_with("3.1.") {
            problems.push(format!("`openapi` is `{version}`, not 3.1.x"));
        }
        for member in ["info", "paths"] {
            if !self.0[member].is_object() {
                problems.push(format!("`{member}` is missing"));
            }
        }
        let mut refs = Vec::new();
        collect_refs(&self.0, &mut refs);
        for r in refs {
            if let Err(e) = self.resolve(&serde_json::json!({ "$ref": r })) {
                problems.push(e);
            }
        }
        let schemas = self.0["components"]["schemas"].as_object();
        for (name, schema) in schemas.into_iter().flatten() {
            if let Err(e) = self.validator(schema) {
                problems.push(format!("schema {name}: {e}"));
            }
        }
        for (method, path) in self.operations() {
            let op = &self.0["paths"][&path][&method];
            if !op["responses"].is_object() {
                problems.push(format!("{method} {path} has no responses"));
            }
        }
        problems
    }

    /// Every (method, path template) the document describes.
    pub fn operations(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (path, item) in self.0["paths"].as_object().into_iter().flatten() {
            for method in METHODS {
                if item.get(*method).is_some() {
                    out.push((method.to_string(), path.clone()));
                }
            }
        }
        out
    }

    /// A validator of `schema`, whose `#/components/...` references reach this document's.
    fn validator(&self, schema: &Value) -> Result<jsonschema::Validator, String> {
        let mut root = schema.clone();
        if let Value::Object(map) = &mut root {
            map.insert("components".into(), self.0["components"].clone());
        }
        jsonschema::draft202012::new(&root).map_err(|e| e.to_string())
    }

    /// Whether an answer to `method path` (no query) with `status`, `content_type` and
    /// `body` is one the document describes: its path, method and status are there, and
    /// the body matches the schema given for that status.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: &str,
        body: &str,
    ) -> Result<(), String> {
        let method = method.to_ascii_lowercase();
        let template = self
            .template_of(path)
            .ok_or_else(|| format!("no path of the document matches {path}"))?;
        let op = self.0["paths"][&template]
            .get(&method)
            .ok_or_else(|| format!("the document has no {method} at {template}"))?;
        let response = op["responses"]
            .get(status.to_string())
            .ok_or_else(|| format!("{method} {template} does not document status {status}"))?;
        let response = self.resolve(response)?;
        let Some(content) = response.get("content") else {
            return match body.is_empty() {
                true => Ok(()),
                false => Err(format!(
                    "{method} {template} {status} has no body in the document, and the answer has: {body}"
                )),
            };
        };
        let media = content_type.split(';').next().unwrap_or_default().trim();
        let schema = content
            .get(media)
            .and_then(|c| c.get("schema"))
            .ok_or_else(|| format!("{method} {template} {status} does not document {media}"))?;
        self.matches_schema(schema, body)
            .map_err(|e| format!("{method} {path} {status}: {e}"))
    }

    /// Whether a request body the daemon took for `method path` is one the document
    /// describes (the schema of its `requestBody` for that media type).
    pub fn check_request(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> Result<(), String> {
        let method = method.to_ascii_lowercase();
        let template = self
            .template_of(path)
            .ok_or_else(|| format!("no path of the document matches {path}"))?;
        let Some(request) = self.0["paths"][&template][&method].get("requestBody") else {
            return Ok(());
        };
        let media = content_type.split(';').next().unwrap_or_default().trim();
        let schema = self.resolve(request)?["content"]
            .get(media)
            .and_then(|c| c.get("schema"))
            .ok_or_else(|| format!("{method} {template} does not take {media} bodies"))?;
        match media {
            "application/json" => self
                .matches_schema(schema, body)
                .map_err(|e| format!("the request body of {method} {path}: {e}")),
            _ => Ok(()),
        }
    }

    /// Whether the JSON text `body` matches `schema`.
    fn matches_schema(&self, schema: &Value, body: &str) -> Result<(), String> {
        let value: Value = serde_json::from_str(body)
            .map_err(|e| format!("the body is not JSON ({e}): {body}"))?;
        let errors: Vec<String> = self
            .validator(schema)?
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        match errors.is_empty() {
            true => Ok(()),
            false => Err(format!(
                "the body does not match the document: {}\n{value:#}",
                errors.join("; ")
            )),
        }
    }

    /// The path template that matches a real path, the one with the most literal names
    /// when several do (a `{param}` stands for one name or more: object paths hold `/`).
    fn template_of(&self, path: &str) -> Option<String> {
        let real: Vec<&str> = path.split('/').collect();
        self.0["paths"]
            .as_object()?
            .keys()
            .filter(|t| matches(&t.split('/').collect::<Vec<_>>(), &real))
            .max_by_key(|t| t.split('/').filter(|s| !s.starts_with('{')).count())
            .cloned()
    }
}

/// Whether `template` (names and `{param}`s, each of which takes one name or more)
/// matches `real`.
fn matches(template: &[&str], real: &[&str]) -> bool {
    match (template.split_first(), real.split_first()) {
        (None, None) => true,
        (Some((t, rest)), _) if t.starts_with('{') => {
            (1..=real.len()).any(|n| matches(rest, &real[n..]))
        }
        (Some((t, rest)), Some((r, real_rest))) => t == r && matches(rest, real_rest),
        _ => false,
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Every (method, route) of the router in the daemon's sources: each `.route("PATH",
/// get(..).post(..))` (axum's `{*rest}` takes the rest of the path).
pub fn router_routes(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (at, _) in source.match_indices(".route(") {
        let rest = &source[at + ".route(".len()..];
        let Some(open) = rest.find('"') else { continue };
        let Some(len) = rest[open + 1..].find('"') else {
            continue;
        };
        let route = &rest[open + 1..open + 1 + len];
        // The web page's routes (`/`, `/ui/...`: HTML for people, daemon/src/web/) are
        // not the API, which alone the document covers.
        if !route.starts_with("/api/") {
            continue;
        }
        let handlers = call_arguments(&rest[open + 1 + len..]);
        for method in METHODS {
            if calls(handlers, method) {
                out.push((method.to_string(), route.to_string()));
            }
        }
    }
    out
}

/// The text up to the parenthesis that closes the call it is in.
fn call_arguments(text: &str) -> &str {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return &text[..i],
            ')' => depth -= 1,
            _ => {}
        }
    }
    text
}

/// Whether `text` calls `name(` as a routing method (not as part of a longer name).
fn calls(text: &str, name: &str) -> bool {
    let call = format!("{name}(");
    text.match_indices(&call).any(|(i, _)| {
        !text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Whether a route of the router (`{*rest}` one name or more, `{x}` one name) serves the
/// document's path template (whose `{param}`s are names like any other here).
pub fn route_serves(route: &str, template: &str) -> bool {
    fn go(route: &[&str], template: &[&str]) -> bool {
        match (route.split_first(), template.split_first()) {
            (None, None) => true,
            (Some((r, rest)), _) if r.starts_with("{*") => {
                (1..=template.len()).any(|n| go(rest, &template[n..]))
            }
            (Some((r, rest)), Some((t, t_rest))) => {
                (r == t || (r.starts_with('{') && t.starts_with('{'))) && go(rest, t_rest)
            }
            _ => false,
        }
    }
    go(
        &route.split('/').collect::<Vec<_>>(),
        &template.split('/').collect::<Vec<_>>(),
    )
}
