//! rest-xml: Route 53's request and response bodies.
//!
//! Requests are read into a small element tree ([`Element`]) so handlers pick fields by
//! name whatever their order; responses are written with [`XmlWriter`]. Errors take the
//! `<ErrorResponse>` form ([`error_body`]).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use quick_xml::events::Event;
use quick_xml::Reader;

use crate::error::AwsError;

/// Route 53's XML namespace.
pub const ROUTE53_NAMESPACE: &str = "https://route53.amazonaws.com/doc/2013-04-01/";

//------------ Element -------------------------------------------------------------

/// One XML element: its local name (namespace prefix dropped), its text and its children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Local name.
    pub name: String,
    /// The concatenated text directly inside it, unescaped.
    pub text: String,
    /// Child elements, in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child called `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child called `name`, if present.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    /// The text of a required child, or `InvalidInput` naming what is missing.
    pub fn required_text(&self, name: &str) -> Result<&str, AwsError> {
        self.child_text(name)
            .ok_or_else(|| missing(&self.name, name))
    }

    /// A required child element, or `InvalidInput` naming what is missing.
    pub fn required_child(&self, name: &str) -> Result<&Element, AwsError> {
        self.child(name).ok_or_else(|| missing(&self.name, name))
    }
}

/// `InvalidInput` for a required element that is missing, worded like Route 53's schema
/// validation.
pub fn missing(parent: &str, name: &str) -> AwsError {
    AwsError::invalid_input(format!(
        "Invalid XML ; cvc-complex-type.2.4.a: The content of element '{parent}' is not complete. One of '{{\"{ROUTE53_NAMESPACE}\":{name}}}' is expected."
    ))
}

/// Parses a request body. An empty or malformed body is `MalformedInput`.
pub fn parse(body: &[u8]) -> Result<Element, AwsError> {
    let mut reader = Reader::from_reader(body);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| malformed(&e.to_string()))?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(malformed("content after the root element"));
                }
                stack.push(Element {
                    name: local_name(start.local_name().as_ref()),
                    ..Element::default()
                });
            }
            Event::Empty(start) => {
                let element = Element {
                    name: local_name(start.local_name().as_ref()),
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None if root.is_none() => root = Some(element),
                    None => return Err(malformed("content after the root element")),
                }
            }
            Event::End(_) => {
                let done = stack.pop().ok_or_else(|| malformed("unexpected end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(text) => {
                let text = text.unescape().map_err(|e| malformed(&e.to_string()))?;
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(malformed("text outside the root element")),
                }
            }
            Event::CData(data) => {
                let text = String::from_utf8(data.into_inner().into_owned())
                    .map_err(|_| malformed("CDATA is not UTF-8"))?;
                match stack.last_mut() {
                    Some(top) => top.text.push_str(&text),
                    None => return Err(malformed("CDATA outside the root element")),
                }
            }
            Event::DocType(_) => return Err(malformed("DOCTYPE is not allowed")),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(malformed("unexpected end of document"));
    }
    root.ok_or_else(|| malformed("the request body is empty"))
}

/// Parses a body whose root must be `expected` (`CreateHostedZoneRequest`).
pub fn parse_request(body: &[u8], expected: &str) -> Result<Element, AwsError> {
    let root = parse(body)?;
    if root.name != expected {
        return Err(AwsError::invalid_input(format!(
            "Invalid XML ; cvc-elt.1.a: Cannot find the declaration of element '{}'.",
            root.name
        )));
    }
    Ok(root)
}

fn local_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

fn malformed(detail: &str) -> AwsError {
    AwsError::malformed_input(format!("Invalid XML ; {detail}"))
}

//------------ XmlWriter -----------------------------------------------------------

/// Writes a response document element by element, escaping text.
#[derive(Debug)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    /// Starts a document whose root is `root` in Route 53's namespace.
    pub fn new(root: &str) -> Self {
        Self::with_namespace(root, ROUTE53_NAMESPACE)
    }

    /// Starts a document whose root is `root` in `namespace` (EC2's, for the query protocol).
    pub fn with_namespace(root: &str, namespace: &str) -> Self {
        let mut out = String::with_capacity(512);
        out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        out.push('\n');
        out.push_str(&format!(r#"<{root} xmlns="{namespace}">"#));
        Self { out }
    }

    /// Opens an element.
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Closes an element.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Writes `<name>text</name>`.
    pub fn leaf(&mut self, name: &str, text: impl AsRef<str>) -> &mut Self {
        self.open(name);
        escape_into(&mut self.out, text.as_ref());
        self.close(name)
    }

    /// Writes the leaf when there is a value.
    pub fn leaf_opt(&mut self, name: &str, text: Option<impl AsRef<str>>) -> &mut Self {
        if let Some(text) = text {
            self.leaf(name, text);
        }
        self
    }

    /// Closes the root and returns the document.
    pub fn finish(mut self, root: &str) -> String {
        self.close(root);
        self.out
    }
}

/// Escapes XML's five special characters.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// An XML response with this status.
pub fn respond(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("text/xml"));
    response
}

/// The `<ErrorResponse>` document for `error`.
pub fn error_body(error: &AwsError, request_id: &str) -> String {
    let mut w = XmlWriter::new("ErrorResponse");
    w.open("Error")
        .leaf("Type", error.fault.as_str())
        .leaf("Code", &error.code)
        .leaf("Message", &error.message)
        .close("Error")
        .leaf("RequestId", request_id);
    w.finish("ErrorResponse")
}

/// A time as Route 53 writes it: ISO 8601, UTC, milliseconds (`2017-03-27T17:48:16.751Z`).
pub fn timestamp(millis_since_epoch: i64) -> String {
    let nanos = i128::from(millis_since_epoch) * 1_000_000;
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_elements_in_any_namespace() {
        let doc = br#"<?xml version="1.0"?><a:Root xmlns:a="x"><a:Name>ex &amp; co</a:Name><Empty/><List><Item>1</Item><Item>2</Item></List></a:Root>"#;
        let root = parse(doc).expect("well-formed");
        assert_eq!(root.name, "Root");
        assert_eq!(root.child_text("Name"), Some("ex & co"));
        assert_eq!(root.child_text("Empty"), Some(""));
        let items: Vec<_> = root
            .required_child("List")
            .expect("present")
            .children_named("Item")
            .map(|i| i.text.clone())
            .collect();
        assert_eq!(items, ["1", "2"]);
    }

    #[test]
    fn refuses_malformed_documents() {
        for doc in [
            &b""[..],
            b"<a>",
            b"<a></b>",
            b"<a/><b/>",
            b"not xml",
            b"<a>&bogus;</a>",
        ] {
            let err = parse(doc).expect_err("malformed");
            assert_eq!(
                err.code,
                "MalformedInput",
                "{}",
                String::from_utf8_lossy(doc)
            );
        }
    }

    #[test]
    fn writes_escaped_documents() {
        let mut w = XmlWriter::new("R");
        w.leaf("V", "\"a<b>&'");
        assert!(w
            .finish("R")
            .ends_with(r#"<V>&quot;a&lt;b&gt;&amp;&apos;</V></R>"#));
    }

    #[test]
    fn formats_timestamps_with_milliseconds() {
        assert_eq!(timestamp(1_490_636_896_751), "2017-03-27T17:48:16.751Z");
    }
}
