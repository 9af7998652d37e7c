//! The machinery of the typed vocabulary: Mercado Pago's words (`status`, `status_detail`)
//! and ours (order and attempt states) as enums that travel as text, in JSON and in the
//! database's text columns.

/// An enum of a provider's words with an `Other(String)` arm: a value Mercado Pago adds later
/// parses, is stored and serializes back exactly as it came.
macro_rules! open_vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this code does not know, kept as Mercado Pago wrote it.
            Other(String),
        }

        impl $name {
            /// Every value this code knows (all but `Other`).
            pub const KNOWN: &'static [$name] = &[$($name::$variant,)*];

            /// Mercado Pago's text.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(raw) => raw,
                }
            }
        }

        impl From<&str> for $name {
            fn from(raw: &str) -> Self {
                match raw {
                    $($text => $name::$variant,)*
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl From<String> for $name {
            fn from(raw: String) -> Self {
                match $name::from(raw.as_str()) {
                    $name::Other(_) => $name::Other(raw),
                    known => known,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        $crate::domain::vocabulary::text_column!($name, |raw: &str| Ok::<_, String>(
            $name::from(raw)
        ));
    };
}

/// `sqlx::Type` for a value kept in a `text` column: written as `as_str()`, read with `parse`
/// (an unknown word in the column is a decode error).
macro_rules! text_column {
    ($name:ident, $parse:expr) => {
        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }

            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(
                value: sqlx::postgres::PgValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let raw = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
                let parse = $parse;
                Ok(parse(raw)?)
            }
        }

        impl sqlx::Encode<'_, sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<sqlx::Postgres>>::encode(self.as_str(), buf)
            }
        }
    };
}

pub(crate) use open_vocabulary;
pub(crate) use text_column;
