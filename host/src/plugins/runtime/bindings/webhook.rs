//! The `webhook` world (since `stint:plugins@0.2.0`): its `bindgen!` for each supported version
//! (0.2 and 0.3 share one shape), and conversions between its records and the plain types of
//! `contract`.

use super::super::engine::State;
use crate::plugins::contract::{WebhookEvent, WebhookMethod, WebhookRequest, WebhookTarget};

/// The bindings and conversions of one version, from the WIT at `$path`.
macro_rules! webhook_version {
    ($path:literal) => {
        use super::*;

        pub(in crate::plugins::runtime) mod world {
            wasmtime::component::bindgen!({
                path: $path,
                world: "webhook",
                exports: { default: async },
                // The shared types are the current version's; `log` is linked by the
                // invoicing world's bindings of the same version.
                with: {
                    "stint:plugins/types": crate::plugins::runtime::bindings::v0_3::invoicing_world::stint::plugins::types,
                },
            });
        }

        use world::exports::stint::plugins::webhooks as wit;

        pub(in crate::plugins::runtime) fn event_to_wit(e: &WebhookEvent) -> wit::Event {
            wit::Event {
                id: e.id,
                kind: e.kind.clone(),
                entity_type: e.entity_type.clone(),
                action: e.action.clone(),
                organization_id: e.organization_id.clone(),
                user_id: e.user_id.clone(),
                occurred_at: e.occurred_at.timestamp(),
                payload: e.payload.clone(),
            }
        }

        pub(in crate::plugins::runtime) fn target_to_wit(t: &WebhookTarget) -> wit::Subscription {
            wit::Subscription {
                id: t.id.clone(),
                url: t.url.clone(),
                // The WIT contract promises a JSON object.
                config: if t.config.is_object() {
                    t.config.to_string()
                } else {
                    "{}".into()
                },
            }
        }

        pub(in crate::plugins::runtime) fn request_from_wit(r: wit::Request) -> WebhookRequest {
            WebhookRequest {
                method: match r.method {
                    wit::Method::Post => WebhookMethod::Post,
                    wit::Method::Put => WebhookMethod::Put,
                    wit::Method::Patch => WebhookMethod::Patch,
                },
                url: r.url,
                headers: r.headers,
                body: r.body,
            }
        }

        /// Calls `webhooks.format` on an instance of the world.
        pub(in crate::plugins::runtime) async fn format(
            i: &world::Webhook,
            store: &mut wasmtime::Store<State>,
            event: &WebhookEvent,
            target: &WebhookTarget,
        ) -> wasmtime::Result<Result<Vec<WebhookRequest>, String>> {
            let out = i
                .stint_plugins_webhooks()
                .call_format(store, &event_to_wit(event), &target_to_wit(target))
                .await?;
            Ok(out.map(|requests| requests.into_iter().map(request_from_wit).collect()))
        }
    };
}

/// `stint:plugins@0.2.0`.
pub(in crate::plugins::runtime) mod v0_2 {
    webhook_version!("../wit/archive/0.2.0");
}

/// `stint:plugins@0.3.0`.
pub(in crate::plugins::runtime) mod v0_3 {
    webhook_version!("../wit");
}
