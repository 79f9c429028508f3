//! The JSON protocols: Route 53 Resolver's json-1.1 (`POST /`, `X-Amz-Target`) and Route 53
//! Profiles' rest-json. Bodies in are JSON objects read member by member ([`JsonInput`]);
//! bodies out are `serde_json` values. Errors are rendered by the envelope as
//! `{"__type": …, "Message": …}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::error::AwsError;

/// The `Content-Type` of json-1.1 responses.
pub const JSON_1_1: &str = "application/x-amz-json-1.1";

/// A request body: a JSON object (an empty body reads as `{}`).
#[derive(Debug, Clone, Default)]
pub struct JsonInput {
    members: Map<String, Value>,
}

impl JsonInput {
    /// Parses a body; anything but a JSON object is a `SerializationException`.
    pub fn parse(body: &[u8]) -> Result<Self, AwsError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(members)) => Ok(Self { members }),
            _ => Err(AwsError::new(
                StatusCode::BAD_REQUEST,
                "SerializationException",
                "Start of structure or map found where not expected.",
            )),
        }
    }

    /// Wraps an object (a nested structure).
    pub fn from_map(members: Map<String, Value>) -> Self {
        Self { members }
    }

    /// A member, if present and not null.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.members.get(name).filter(|v| !v.is_null())
    }

    /// A string member.
    pub fn str(&self, name: &str) -> Result<Option<String>, AwsError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(type_error(name, "string")),
        }
    }

    /// A required string member.
    pub fn required_str(&self, name: &str) -> Result<String, AwsError> {
        self.str(name)?.ok_or_else(|| missing(name))
    }

    /// A string member holding an id, wrapped as its type (`ResolverEndpointId`, …). The
    /// text is not checked: an id of the wrong shape is simply not found, as in Route 53.
    pub fn id<T: From<String>>(&self, name: &str) -> Result<Option<T>, AwsError> {
        Ok(self.str(name)?.map(T::from))
    }

    /// A required id member (see [`JsonInput::id`]).
    pub fn required_id<T: From<String>>(&self, name: &str) -> Result<T, AwsError> {
        self.required_str(name).map(T::from)
    }

    /// An integer member.
    pub fn int(&self, name: &str) -> Result<Option<i64>, AwsError> {
        match self.value(name) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| type_error(name, "integer")),
        }
    }

    /// A boolean member.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, AwsError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(type_error(name, "boolean")),
        }
    }

    /// A list of strings.
    pub fn strings(&self, name: &str) -> Result<Option<Vec<String>>, AwsError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| type_error(name, "list of strings"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(type_error(name, "list")),
        }
    }

    /// A list of structures.
    pub fn objects(&self, name: &str) -> Result<Option<Vec<JsonInput>>, AwsError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::Object(m) => Ok(JsonInput::from_map(m.clone())),
                    _ => Err(type_error(name, "list of structures")),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(type_error(name, "list")),
        }
    }

    /// A nested structure.
    pub fn object(&self, name: &str) -> Result<Option<JsonInput>, AwsError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(JsonInput::from_map(m.clone()))),
            Some(_) => Err(type_error(name, "structure")),
        }
    }

    /// A string-to-string map (rest-json `TagMap`).
    pub fn string_map(&self, name: &str) -> Result<Option<Vec<(String, String)>>, AwsError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    v.as_str()
                        .map(|s| (k.clone(), s.to_string()))
                        .ok_or_else(|| type_error(name, "map of strings"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(type_error(name, "map")),
        }
    }

    /// `Tags` as a list of `{Key, Value}`.
    pub fn tag_list(&self, name: &str) -> Result<Vec<(String, String)>, AwsError> {
        let mut tags = Vec::new();
        for tag in self.objects(name)?.unwrap_or_default() {
            tags.push((
                tag.required_str("Key")?,
                tag.str("Value")?.unwrap_or_default(),
            ));
        }
        Ok(tags)
    }
}

fn type_error(name: &str, expected: &str) -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "SerializationException",
        format!("Member {name} must be a {expected}."),
    )
}

fn missing(name: &str) -> AwsError {
    let field = lower_first(name);
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "ValidationException",
        format!("1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"),
    )
}

/// `ResolverEndpointId` → `resolverEndpointId`, as AWS's validation messages name fields.
pub fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// A 200 response with a JSON body.
pub fn response(body: Value, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, body.to_string()).into_response();
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static(content_type));
    response
}

/// RFC 3339 with milliseconds (`2018-11-01T18:44:50.372Z`), as Resolver writes times.
pub fn rfc3339(millis_since_epoch: i64) -> String {
    crate::protocol::rest_xml::timestamp(millis_since_epoch)
}

/// Epoch seconds with milliseconds (`1709338817.148`), as rest-json writes timestamps.
pub fn epoch_seconds(millis_since_epoch: i64) -> Value {
    serde_json::Number::from_f64(millis_since_epoch as f64 / 1000.0)
        .map_or(Value::Null, Value::Number)
}

/// A page of `items` from the opaque `NextToken` (an offset); the next token when more remain.
pub fn page<T: Clone>(
    items: &[T],
    next_token: Option<&str>,
    max_results: Option<i64>,
    default_max: usize,
) -> Result<(Vec<T>, Option<String>), AwsError> {
    let start = match next_token {
        None => 0,
        Some(token) => token
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= items.len())
            .ok_or_else(|| {
                AwsError::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidNextTokenException",
                    format!("Invalid NextToken: {token}"),
                )
            })?,
    };
    let max = match max_results {
        None => default_max,
        Some(n) if (1..=100).contains(&n) => n as usize,
        Some(n) => {
            return Err(AwsError::new(
                StatusCode::BAD_REQUEST,
                "InvalidParameterException",
                format!("Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100"),
            ))
        }
    };
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items[start..end].to_vec(), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_by_offset_tokens() {
        let items: Vec<u32> = (0..5).collect();
        let (first, next) = page(&items, None, Some(2), 100).expect("page");
        assert_eq!((first, next.as_deref()), (vec![0, 1], Some("2")));
        let (last, next) = page(&items, Some("4"), Some(2), 100).expect("page");
        assert_eq!((last, next), (vec![4], None));
        assert_eq!(
            page(&items, Some("x"), None, 100).expect_err("bad").code,
            "InvalidNextTokenException"
        );
    }

    #[test]
    fn bodies_must_be_objects() {
        assert!(JsonInput::parse(b"").is_ok());
        assert_eq!(
            JsonInput::parse(b"[1]").expect_err("array").code,
            "SerializationException"
        );
        let input = JsonInput::parse(br#"{"A": "x", "N": 3, "L": ["a"]}"#).expect("object");
        assert_eq!(input.str("A").expect("ok").as_deref(), Some("x"));
        assert_eq!(input.int("N").expect("ok"), Some(3));
        assert!(input.str("N").is_err());
        assert_eq!(
            input.required_str("Missing").expect_err("missing").code,
            "ValidationException"
        );
    }
}
