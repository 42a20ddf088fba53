//! Real-time events: committed outbox rows are published in id order on a [`Bus`] that every
//! connection of this process listens to; ephemeral signals (typing, presence) travel the same bus
//! without being stored. Each connection decides at delivery time whether its user may see an
//! event ([`Audience`]).

pub mod bus;
pub mod dispatcher;
pub mod feed;
pub mod presence;
pub mod relay;

pub use bus::{Audience, Bus, Delivery};
