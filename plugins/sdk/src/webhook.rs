//! The `webhook` world: [`Webhook`] and its export adapter.

use std::marker::PhantomData;

use crate::{HttpMethod, WebhookEvent, WebhookRequest, WebhookSubscription};

/// Generated bindings of the `webhook` world (private; authors use the plain types).
#[allow(missing_docs, unsafe_code, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "webhook",
        pub_export_macro: true,
        export_macro_name: "__export_webhook_world",
        default_bindings_module: "::stint_plugin::__private::webhook_bindings",
        runtime_path: "::stint_plugin::__private::wit_bindgen::rt",
    });
}

use bindings::exports::stint::plugins::webhooks as wit;

/// A plugin of kind `webhook`: decides what HTTP requests an event becomes. The host sends
/// them (signed, queued, retried); the plugin has no network access.
///
/// Export it with [`export_webhook!`](crate::export_webhook).
pub trait Webhook {
    /// The requests to send for `event`: usually one, none to skip the event, or the plugin's
    /// explanation of why it cannot format it.
    fn format(
        event: &WebhookEvent,
        subscription: &WebhookSubscription,
    ) -> Result<Vec<WebhookRequest>, String>;
}

/// Bridges a [`Webhook`] to the generated `Guest` trait.
#[doc(hidden)]
pub struct WebhookAdapter<T>(PhantomData<T>);

impl<T: Webhook> wit::Guest for WebhookAdapter<T> {
    fn format(
        event: wit::Event,
        subscription: wit::Subscription,
    ) -> Result<Vec<wit::Request>, String> {
        let event = WebhookEvent {
            id: event.id,
            kind: event.kind,
            entity_type: event.entity_type,
            action: event.action,
            organization_id: event.organization_id,
            user_id: event.user_id,
            occurred_at: event.occurred_at,
            payload: event.payload,
        };
        let subscription = WebhookSubscription {
            id: subscription.id,
            url: subscription.url,
            config: subscription.config,
        };
        T::format(&event, &subscription).map(|requests| {
            requests
                .into_iter()
                .map(|r| wit::Request {
                    method: match r.method {
                        HttpMethod::Post => wit::Method::Post,
                        HttpMethod::Put => wit::Method::Put,
                        HttpMethod::Patch => wit::Method::Patch,
                    },
                    url: r.url,
                    headers: r.headers,
                    body: r.body,
                })
                .collect()
        })
    }
}

/// Exports a type implementing [`Webhook`] as the component's `stint:plugins/webhooks`
/// interface. Use it once per crate, at module level; needs the `webhook` feature.
#[macro_export]
macro_rules! export_webhook {
    ($ty:ty) => {
        // The component's exports exist only in WebAssembly; natively (unit tests, benchmarks)
        // only the trait bound is checked.
        #[cfg(target_arch = "wasm32")]
        #[allow(unsafe_code)]
        const _: () = {
            type __StintWebhookExport = $crate::__private::WebhookAdapter<$ty>;
            $crate::__private::webhook_bindings::__export_webhook_world!(
                __StintWebhookExport with_types_in $crate::__private::webhook_bindings
            );
        };
        #[cfg(not(target_arch = "wasm32"))]
        const _: () = {
            fn assert_impl<T: $crate::Webhook>() {}
            let _ = assert_impl::<$ty>;
        };
    };
}
