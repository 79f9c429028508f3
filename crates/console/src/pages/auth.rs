//! Sign in (a key pair checked by one signed GetHostedZoneCount) and sign out.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;

use crate::client::{ApiCall, ApiClient};
use crate::html::{text_input, Page};
use crate::pages::{same_origin, Posted};
use crate::session::{self, Session};
use crate::ConsoleState;

/// The region new sessions sign EC2, Resolver and Profiles calls for.
const DEFAULT_REGION: &str = cairn_api::region::DEFAULT_REGION;

/// `GET /console/signin`.
pub(crate) async fn form() -> Page {
    sign_in_page("", DEFAULT_REGION)
}

fn sign_in_page(access_key_id: &str, region: &str) -> Page {
    let body = format!(
        "<p>Sign in with an access key. The console makes the API calls the CLI would, \
         signed with this key; the key is kept only in an encrypted session cookie, for \
         {} hours or until you sign out.</p>\n\
         <form method=\"post\" action=\"/console/signin\">{}\
         <div class=\"field\"><label for=\"secret_access_key\">Secret access key</label>\
         <input type=\"password\" id=\"secret_access_key\" name=\"secret_access_key\" \
         autocomplete=\"current-password\" required></div>{}\
         <button type=\"submit\">Sign in</button></form>",
        session::SESSION_SECONDS / 3600,
        text_input(
            "access_key_id",
            "Access key ID",
            access_key_id,
            " autocomplete=\"username\" required"
        ),
        text_input(
            "region",
            "Region (for VPCs, Resolver and Profiles)",
            region,
            ""
        ),
    );
    Page::new("Sign in", body)
}

/// `POST /console/signin`: checks the key with GetHostedZoneCount, then sets the cookie.
pub(crate) async fn sign_in(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !same_origin(&headers) {
        let mut page = sign_in_page("", DEFAULT_REGION);
        page.error = Some("This form came from another site.".into());
        page.status = Some(StatusCode::FORBIDDEN);
        return page.into_response();
    }
    let field = |name: &str| {
        form.get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let (access_key_id, secret, mut region) = (
        field("access_key_id"),
        field("secret_access_key"),
        field("region"),
    );
    if region.is_empty() {
        region = DEFAULT_REGION.to_string();
    }
    let session = Session::new(
        access_key_id.clone(),
        secret,
        region.clone(),
        session::now(),
    );
    let client = ApiClient::new(state.api.clone(), session.clone());
    let check = ApiCall::route53(Method::GET, "/2013-04-01/hostedzonecount");
    match client.send(&check).await {
        Ok(_) => (
            [(header::SET_COOKIE, session.set_cookie(&state.key))],
            Redirect::to("/console/zones"),
        )
            .into_response(),
        Err(error) => {
            tracing::debug!(code = %error.code, "console sign-in refused");
            let mut page = sign_in_page(&access_key_id, &region);
            page.error = Some(format!("Sign in failed: {error}"));
            page.status = Some(StatusCode::UNAUTHORIZED);
            page.into_response()
        }
    }
}

/// `POST /console/signout`: clears the cookie.
pub(crate) async fn sign_out(_posted: Posted) -> Response {
    let mut page = Page::new(
        "Signed out",
        format!(
            "<p>You are signed out. {}</p>",
            crate::html::link("/console/signin", "Sign in again")
        ),
    );
    page.status = Some(StatusCode::OK);
    ([(header::SET_COOKIE, session::clear_cookie())], page).into_response()
}
