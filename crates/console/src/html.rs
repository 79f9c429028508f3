//! HTML building: the one escaping function, the page layout and small form pieces.
//!
//! Pages are built with `format!`. Every string that did not come from this crate's own
//! literals goes through [`escape`] (or a helper that calls it) before it is placed in a
//! page, in text and in attribute values alike: it escapes the five characters that can
//! end a text node or a quoted attribute.

use std::fmt::Write as _;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// The console's one style sheet, compiled into the binary.
pub const STYLE: &str = include_str!("style.css");

/// Escapes `text` for an HTML text node or a double- or single-quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes `text` for a query-string value inside a link (then [`escape`] it as an
/// attribute like any other string).
pub fn url_encode(text: &str) -> String {
    cairn_api::protocol::query::uri_encode(text, false)
}

//------------ Page ------------------------------------------------------------------

/// One page: a title, the signed-in user (for the header) and the body's HTML.
#[derive(Debug, Default)]
pub struct Page {
    /// The `<title>` and `<h1>`, plain text.
    pub title: String,
    /// The signed-in access key id and the session's CSRF token (navigation and sign out
    /// are shown only when set).
    pub user: Option<(String, String)>,
    /// An error to show in words above the body (plain text).
    pub error: Option<String>,
    /// The body, already HTML.
    pub body: String,
    /// The HTTP status (200 unless set).
    pub status: Option<StatusCode>,
}

impl Page {
    /// A page titled `title` whose body is `body` (HTML).
    pub fn new(title: impl Into<String>, body: String) -> Self {
        Self {
            title: title.into(),
            body,
            ..Self::default()
        }
    }

    /// The whole document.
    pub fn render(&self) -> String {
        let title = escape(&self.title);
        let mut out = String::new();
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title} · Cairn console</title>\n\
             <link rel=\"stylesheet\" href=\"/console/style.css\">\n</head>\n<body>\n\
             <a class=\"skip\" href=\"#main\">Skip to content</a>\n<header>\n\
             <p class=\"brand\"><a href=\"/console/\">Cairn console</a></p>\n"
        );
        if let Some((access_key_id, csrf)) = &self.user {
            out.push_str(
                "<nav aria-label=\"Main\"><ul>\
                 <li><a href=\"/console/zones\">Hosted zones</a></li>\
                 <li><a href=\"/console/healthchecks\">Health checks</a></li>\
                 <li><a href=\"/console/vpcs\">VPCs</a></li>\
                 <li><a href=\"/console/resolver\">Resolver</a></li>\
                 <li><a href=\"/console/profiles\">Profiles</a></li>\
                 <li><a href=\"/console/firewall\">DNS Firewall</a></li>\
                 <li><a href=\"/console/querylogs\">Query logs</a></li>\
                 </ul></nav>\n",
            );
            let _ = writeln!(
                out,
                "<form class=\"signout\" method=\"post\" action=\"/console/signout\">\
                 <span>Signed in as {}</span>{}\
                 <button type=\"submit\">Sign out</button></form>",
                escape(access_key_id),
                csrf_input(csrf)
            );
        }
        let _ = writeln!(out, "</header>\n<main id=\"main\">\n<h1>{title}</h1>");
        if let Some(error) = &self.error {
            let _ = writeln!(
                out,
                "<div class=\"error\" role=\"alert\"><p><strong>Error:</strong> {}</p></div>",
                escape(error)
            );
        }
        out.push_str(&self.body);
        out.push_str("\n</main>\n</body>\n</html>\n");
        out
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let status = self.status.unwrap_or(StatusCode::OK);
        (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            self.render(),
        )
            .into_response()
    }
}

//------------ form pieces -----------------------------------------------------------

/// The hidden input every POST form carries.
pub fn csrf_input(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(token)
    )
}

/// A labelled text input: `<label for=id>` then the input, both in one `<div>`.
pub fn text_input(id: &str, label: &str, value: &str, extra: &str) -> String {
    format!(
        "<div class=\"field\"><label for=\"{id}\">{}</label>\
         <input type=\"text\" id=\"{id}\" name=\"{id}\" value=\"{}\"{extra}></div>",
        escape(label),
        escape(value)
    )
}

/// A labelled checkbox.
pub fn checkbox(id: &str, label: &str, checked: bool) -> String {
    format!(
        "<div class=\"field check\"><input type=\"checkbox\" id=\"{id}\" name=\"{id}\" value=\"true\"{}>\
         <label for=\"{id}\">{}</label></div>",
        if checked { " checked" } else { "" },
        escape(label)
    )
}

/// A labelled `<select>` of `(value, text)` options with `selected` chosen.
pub fn select(id: &str, label: &str, options: &[(String, String)], selected: &str) -> String {
    let mut out = format!(
        "<div class=\"field\"><label for=\"{id}\">{}</label><select id=\"{id}\" name=\"{id}\">",
        escape(label)
    );
    for (value, text) in options {
        let _ = write!(
            out,
            "<option value=\"{}\"{}>{}</option>",
            escape(value),
            if value == selected { " selected" } else { "" },
            escape(text)
        );
    }
    out.push_str("</select></div>");
    out
}

/// A POST form holding only hidden fields and one button (Delete, …).
pub fn button_form(action: &str, csrf: &str, hidden: &[(&str, &str)], button: &str) -> String {
    let mut out = format!(
        "<form class=\"inline\" method=\"post\" action=\"{}\">{}",
        escape(action),
        csrf_input(csrf)
    );
    for (name, value) in hidden {
        let _ = write!(
            out,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(value)
        );
    }
    let _ = write!(
        out,
        "<button type=\"submit\">{}</button></form>",
        escape(button)
    );
    out
}

/// A table with a caption, header cells and rows of cells that are already HTML.
pub fn table(caption: &str, headers: &[&str], rows: &[Vec<String>]) -> String {
    if rows.is_empty() {
        return format!("<p>No {}.</p>", escape(&caption.to_lowercase()));
    }
    let mut out = format!(
        "<table>\n<caption>{}</caption>\n<thead><tr>",
        escape(caption)
    );
    for h in headers {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>");
    out
}

/// A link whose target and text are escaped here.
pub fn link(href: &str, text: &str) -> String {
    format!("<a href=\"{}\">{}</a>", escape(href), escape(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_text_and_both_quote_styles() {
        assert_eq!(
            escape(r#"<script>alert('x & "y"')</script>"#),
            "&lt;script&gt;alert(&#39;x &amp; &quot;y&quot;&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("plain.example.com."), "plain.example.com.");
    }

    #[test]
    fn user_strings_are_escaped_in_every_builder() {
        let evil = "\"><img src=x onerror=alert(1)>";
        for html in [
            text_input("name", evil, evil, ""),
            checkbox("c", evil, true),
            select("s", evil, &[(evil.into(), evil.into())], evil),
            button_form(evil, evil, &[(evil, evil)], evil),
            table(evil, &[evil], &[]),
            link(evil, evil),
            Page {
                title: evil.into(),
                error: Some(evil.into()),
                user: Some((evil.into(), evil.into())),
                ..Page::default()
            }
            .render(),
        ] {
            assert!(!html.contains("<img"), "unescaped in {html}");
        }
    }

    #[test]
    fn every_text_input_has_a_label_for_it() {
        let html = text_input("ttl", "TTL (seconds)", "300", "");
        assert!(html.contains("<label for=\"ttl\">TTL (seconds)</label>"));
        assert!(html.contains("id=\"ttl\""));
    }
}
