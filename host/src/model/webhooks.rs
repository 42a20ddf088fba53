//! Webhook deliveries.

crate::code_enum! {
    /// Where a webhook delivery is.
    pub enum DeliveryStatus {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// An attempt is under way.
        Sending = "sending",
        /// The receiver answered 2xx.
        Delivered = "delivered",
        /// Given up on (or turned away without a request).
        Failed = "failed",
    }
}
