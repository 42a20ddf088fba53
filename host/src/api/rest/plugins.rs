//! `POST /plugins`: the multipart upload of a plugin (`manifest` + `component`), the one
//! plugin operation that is not a JSON action. It streams the parts with a cap per part (the
//! component's is configurable), then calls [`crate::domain::plugins::install`].

use axum::extract::{FromRequest, Multipart, RawQuery, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::extract::CallerExt;
use crate::actions::{Scope, membership};
use crate::app::App;
use crate::domain::permissions::Permission;
use crate::domain::{Cx, plugins};
use crate::error::{Error, Result};
use crate::plugins::manifest::MAX_MANIFEST_BYTES;

/// `POST /plugins` (multipart: `manifest` = plugin.yaml, `component` = the .wasm) → 201.
pub async fn install(
    State(app): State<App>,
    CallerExt(caller): CallerExt,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Response> {
    let limit = app.config.plugin_max_upload_bytes;
    // Refuse a declared oversize body before reading any of it.
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit + MAX_MANIFEST_BYTES + 64 * 1024) {
        return Err(Error::PayloadTooLarge { limit });
    }
    let org_id = query.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "org_id")
            .map(|(_, v)| v.into_owned())
    });
    let member = membership(&app, &caller.principal, Scope::Org(org_id.as_deref())).await?;
    let cx = Cx::new(&app, &caller, member);
    cx.require(Permission::ManagePlugins)?;
    plugins::require_instance_admin(&cx).await?;

    let mut multipart = Multipart::from_request(request, &app)
        .await
        .map_err(|e| Error::invalid(format!("expected a multipart/form-data body: {e}")))?;
    let mut manifest: Option<Vec<u8>> = None;
    let mut component: Option<Vec<u8>> = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| Error::invalid(format!("malformed multipart body: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let (cap, slot) = match name.as_str() {
            "manifest" => (MAX_MANIFEST_BYTES, &mut manifest),
            "component" => (limit, &mut component),
            other => {
                return Err(Error::invalid_field(
                    other,
                    format!("unexpected part `{other}`: send `manifest` and `component`"),
                ));
            }
        };
        if slot.is_some() {
            return Err(Error::invalid_field(
                &name,
                format!("part `{name}` sent twice"),
            ));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| Error::invalid(format!("malformed multipart body: {e}")))?
        {
            if bytes.len() + chunk.len() > cap {
                return Err(Error::PayloadTooLarge { limit: cap });
            }
            bytes.extend_from_slice(&chunk);
        }
        *slot = Some(bytes);
    }
    let manifest = manifest.ok_or_else(|| {
        Error::invalid_field("manifest", "the `manifest` part (plugin.yaml) is missing")
    })?;
    let component = component.ok_or_else(|| {
        Error::invalid_field(
            "component",
            "the `component` part (the .wasm file) is missing",
        )
    })?;
    let plugin = plugins::install(&cx, &manifest, component).await?;
    Ok((StatusCode::CREATED, axum::Json(json!({ "data": plugin }))).into_response())
}
