//! Serde helpers for payload fields: numbers and booleans that may arrive as strings (query
//! strings carry only text), and "nullable patch" fields where `null` clears and absence keeps.

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrText {
    Num(u64),
    Text(String),
}

/// An optional `u32` given as a number or a decimal string.
pub fn lenient_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    use serde::de::Error;
    match Option::<NumOrText>::deserialize(d)? {
        None => Ok(None),
        Some(NumOrText::Num(n)) => u32::try_from(n).map(Some).map_err(D::Error::custom),
        Some(NumOrText::Text(t)) => {
            t.trim().parse::<u32>().map(Some).map_err(|_| {
                D::Error::custom(format!("expected a non-negative integer, got {t:?}"))
            })
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BoolOrText {
    Bool(bool),
    Text(String),
}

/// An optional `bool` given as a boolean or as `"true"`/`"false"`/`"1"`/`"0"`.
pub fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    use serde::de::Error;
    match Option::<BoolOrText>::deserialize(d)? {
        None => Ok(None),
        Some(BoolOrText::Bool(b)) => Ok(Some(b)),
        Some(BoolOrText::Text(t)) => match t.as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            _ => Err(D::Error::custom(format!(
                "expected true or false, got {t:?}"
            ))),
        },
    }
}

/// A patch field: absent → `None` (keep), `null` → `Some(None)` (clear), value → `Some(Some(v))`.
/// Use with `#[serde(default, deserialize_with = "wire::nullable")]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct P {
        #[serde(default, deserialize_with = "lenient_u32")]
        n: Option<u32>,
        #[serde(default, deserialize_with = "nullable")]
        d: Option<Option<String>>,
    }

    #[test]
    fn lenient_and_nullable() {
        let p: P = serde_json::from_str(r#"{"n": "5", "d": null}"#).unwrap();
        assert_eq!(p.n, Some(5));
        assert_eq!(p.d, Some(None));
        let p: P = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!((p.n, p.d), (None, None));
        assert!(serde_json::from_str::<P>(r#"{"n": "x"}"#).is_err());
    }
}
