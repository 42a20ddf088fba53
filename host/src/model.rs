//! The records Stint keeps: plain data with no behaviour, one module per aggregate.
//!
//! They sit below both the [`crate::store`] (which reads and writes them) and the
//! [`crate::domain`] (which decides about them and re-exports them under its own modules), and they
//! are what every interface serializes. Where the stored row differs from the record (JSON columns,
//! joined lists), the store keeps a private row type and converts, so no storage detail reaches
//! the wire. Behaviour (`impl` blocks, `Entity` audiences) stays in the domain.

/// Declares an enum of fixed codes (statuses, kinds): serialized as its code, with `as_str`,
/// `parse`, `ALL` and `TryFrom<String>` (so a row field can decode it with
/// `#[sqlx(try_from = "String")]`).
#[macro_export]
macro_rules! code_enum {
    ($(#[$meta:meta])* pub enum $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize, schemars::JsonSchema,
        )]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code, as stored and sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The value of a code.
            pub fn parse(code: &str) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The codes, comma-separated (for error messages).
            pub fn codes() -> String {
                [$($code),+].join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(code: String) -> Result<$name, String> {
                $name::parse(&code).ok_or_else(|| {
                    format!("`{code}` is not one of {}", $name::codes())
                })
            }
        }
    };
}

pub mod accounts;
pub mod chat;
pub mod checklist;
pub mod clients;
pub mod comments;
pub mod dependencies;
pub mod invoices;
pub mod labels;
pub mod members;
pub mod milestones;
pub mod notifications;
pub mod oauth;
pub mod organizations;
pub mod permissions;
pub mod projects;
pub mod rates;
pub mod recurrences;
pub mod search;
pub mod task_groups;
pub mod task_statuses;
pub mod tasks;
pub mod time_entries;
pub mod webhooks;
