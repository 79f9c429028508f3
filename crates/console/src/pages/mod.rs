//! The console's handlers, and the two extractors every one of them starts with:
//! [`Signed`] (a valid session, else the sign-in page) and [`Posted`] (a signed-in form
//! submission whose CSRF token and origin check out, else 403).

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;

use crate::client::{ApiClient, ApiError};
use crate::html::Page;
use crate::session::{self, Session};
use crate::ConsoleState;

pub(crate) mod auth;
pub(crate) mod records;
pub(crate) mod services;
pub(crate) mod zones;

/// A request from a signed-in user.
pub(crate) struct Signed {
    pub(crate) session: Session,
    pub(crate) client: ApiClient,
}

impl Signed {
    /// A page for this user (navigation and sign out shown).
    pub(crate) fn page(&self, title: impl Into<String>, body: String) -> Page {
        let mut page = Page::new(title, body);
        page.user = Some((
            self.session.access_key_id.clone(),
            self.session.csrf.clone(),
        ));
        page
    }

    /// The session's CSRF token, for forms.
    pub(crate) fn csrf(&self) -> &str {
        &self.session.csrf
    }
}

impl FromRequestParts<ConsoleState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Self, Self::Rejection> {
        let session = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(session::cookie_value)
            .find_map(|value| Session::open(value, &state.key, session::now()));
        match session {
            Some(session) => Ok(Self {
                client: ApiClient::new(state.api.clone(), session.clone()),
                session,
            }),
            None => Err(Redirect::to("/console/signin").into_response()),
        }
    }
}

/// A form posted by a signed-in user, with its CSRF token checked.
pub(crate) struct Posted {
    pub(crate) user: Signed,
    pub(crate) form: HashMap<String, String>,
}

impl Posted {
    /// A trimmed form field, empty when absent.
    pub(crate) fn field(&self, name: &str) -> String {
        self.form
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    }
}

impl FromRequest<ConsoleState> for Posted {
    type Rejection = Response;

    async fn from_request(request: Request, state: &ConsoleState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = Signed::from_request_parts(&mut parts, state).await?;
        if !same_origin(&parts.headers) {
            return Err(refused(
                "This form came from another site (its Origin is not this console's).",
            ));
        }
        let Form(form) =
            Form::<HashMap<String, String>>::from_request(Request::from_parts(parts, body), state)
                .await
                .map_err(|e| refused(&format!("The form could not be read: {e}")))?;
        let token = form.get("csrf").map(String::as_str).unwrap_or_default();
        if !user.session.csrf_matches(token) {
            return Err(refused(
                "The form's CSRF token is missing or does not match your session. Reload the page and try again.",
            ));
        }
        Ok(Self { user, form })
    }
}

/// Whether the request's `Origin`, when the browser sent one, is this console's own
/// (`http://<Host>` or `https://<Host>`). Browsers send it on every POST; its absence
/// (older clients) leaves the CSRF token as the check.
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let origin = origin.to_str().unwrap_or_default();
    !host.is_empty() && (origin == format!("http://{host}") || origin == format!("https://{host}"))
}

/// The 403 page of a refused form.
fn refused(reason: &str) -> Response {
    let mut page = Page::new(
        "Request refused",
        "<p><a href=\"/console/\">Back to the console</a></p>".into(),
    );
    page.error = Some(reason.to_string());
    page.status = Some(StatusCode::FORBIDDEN);
    page.into_response()
}

/// Any other path under `/console/`.
pub(crate) async fn not_found() -> Page {
    let mut page = Page::new(
        "Page not found",
        "<p><a href=\"/console/\">Back to the console</a></p>".into(),
    );
    page.status = Some(StatusCode::NOT_FOUND);
    page
}

/// `page` with `error` shown above it and a 400 status (the API refused an action).
pub(crate) fn with_error(mut page: Page, error: &ApiError) -> Page {
    page.error = Some(error.to_string());
    page.status = Some(StatusCode::BAD_REQUEST);
    page
}

/// A page that only says what failed (an API call a page needed did not answer).
pub(crate) fn failed(user: &Signed, title: &str, error: &ApiError) -> Page {
    with_error(
        user.page(
            title,
            "<p><a href=\"/console/\">Back to the console</a></p>".into(),
        ),
        error,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request as HttpRequest;

    fn parts(origin: Option<&str>) -> HeaderMap {
        let mut builder = HttpRequest::builder()
            .uri("/console/zones")
            .header("host", "127.0.0.1:8053");
        if let Some(origin) = origin {
            builder = builder.header("origin", origin);
        }
        builder.body(()).expect("request").into_parts().0.headers
    }

    #[test]
    fn only_this_console_origin_may_post() {
        assert!(same_origin(&parts(None)));
        assert!(same_origin(&parts(Some("http://127.0.0.1:8053"))));
        assert!(!same_origin(&parts(Some("http://evil.example"))));
        assert!(!same_origin(&parts(Some("null"))));
        assert!(!same_origin(&parts(Some("http://127.0.0.1:9999"))));
    }
}
