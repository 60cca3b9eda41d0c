//! The OpenAPI 3.1 document, generated from the handlers' annotations and the DTO types so it
//! cannot drift from the code, served at `/api/v1/openapi.json`, and a self-contained docs page
//! at `/docs` that renders it (no external assets: it works offline).

use actix_web::{HttpResponse, Responder};
use utoipa::OpenApi;

use crate::{auth::openapi::ApiKeySecurity, dto, problem, routes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "greetings",
        description = "Time-zone-aware occasion messages: 09:00 local, on the right day, exactly once. \
                       The assignment's paths `POST /user`, `GET|PUT|DELETE /user/{id}` are aliases of the \
                       `/api/v1/users` operations.",
        license(name = "MIT")
    ),
    paths(
        routes::users::create::create_user,
        routes::users::list::list_users,
        routes::users::get::get_user,
        routes::users::replace::replace_user,
        routes::users::patch::patch_user,
        routes::users::delete::delete_user,
        routes::messages::for_user::list_user_messages,
        routes::messages::list::list_messages,
        routes::messages::get::get_message,
        routes::messages::retry::retry_message,
        routes::schedule::preview::preview_schedule,
        routes::metrics_summary::get_metrics_summary,
        routes::health::live,
        routes::health::ready,
    ),
    components(schemas(problem::Problem, problem::FieldError, dto::UserIn, dto::UserPatch, dto::UserOut)),
    modifiers(&ApiKeySecurity),
    tags(
        (name = "users", description = "People and their dates"),
        (name = "messages", description = "Occurrences: one message per user, kind and local date"),
        (name = "schedule", description = "What the calendar rules will do"),
        (name = "operations", description = "Health and figures"),
    )
)]
pub struct ApiDoc;

pub async fn openapi_json() -> impl Responder {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

pub async fn docs_page() -> impl Responder {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(DOCS_PAGE)
}

/// Renders every operation of the document with its parameters, body and responses.
const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>greetings API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{margin-top:2rem;border-bottom:1px solid #ddd}
.op{border:1px solid #ddd;border-radius:6px;margin:.8rem 0;padding:.6rem .9rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}
.get{color:#0a6}.post{color:#06c}.put{color:#a60}.patch{color:#a0a}.delete{color:#c00}
code{background:#f4f4f4;padding:0 .25rem;border-radius:3px}
table{border-collapse:collapse;margin:.3rem 0}td,th{border:1px solid #eee;padding:.15rem .5rem;text-align:left;vertical-align:top}
</style></head><body>
<h1>greetings API</h1>
<p>The machine-readable document is at <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a>.
Errors are <code>application/problem+json</code> (RFC 9457) with a stable <code>code</code>.</p>
<div id="ops">Loading…</div>
<script>
const ref = (doc, s) => s && s.$ref ? s.$ref.split('/').pop() : (s && s.type) || '';
fetch('/api/v1/openapi.json').then(r => r.json()).then(doc => {
  document.querySelector('p').insertAdjacentHTML('beforebegin', `<p>${doc.info.description}</p>`);
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      (byTag[(op.tags || ['other'])[0]] ||= []).push({path, method, op});
    }
  }
  let html = '';
  for (const [tag, ops] of Object.entries(byTag)) {
    html += `<h2>${tag}</h2>`;
    for (const {path, method, op} of ops) {
      const params = (op.parameters || []).map(p => `<tr><td><code>${p.name}</code></td><td>${p.in}</td><td>${p.description || ''}</td></tr>`).join('');
      const body = op.requestBody ? `<p>Body: <code>${ref(doc, op.requestBody.content['application/json'].schema)}</code></p>` : '';
      const responses = Object.entries(op.responses).map(([code, r]) => {
        const c = r.content ? Object.values(r.content)[0] : null;
        return `<tr><td>${code}</td><td>${r.description || ''}</td><td><code>${c ? ref(doc, c.schema) : ''}</code></td></tr>`;
      }).join('');
      html += `<div class="op"><span class="m ${method}">${method}</span> <code>${path}</code>
        ${params ? `<table><tr><th>parameter</th><th>in</th><th></th></tr>${params}</table>` : ''}${body}
        <table><tr><th>status</th><th></th><th>body</th></tr>${responses}</table></div>`;
    }
  }
  document.getElementById('ops').innerHTML = html;
});
</script></body></html>"#;
