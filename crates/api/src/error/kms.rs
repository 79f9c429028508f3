//! KMS refusals in AWS's words: every KMS error is a 400 whose code is the exception's name
//! in botocore's model (`kms/2014-11-01/service-2.json`).

use axum::http::StatusCode;
use cairn_model::error::KmsError;

use super::AwsError;

/// A 400 with a KMS exception's name.
pub fn kms(code: &'static str, message: impl Into<String>) -> AwsError {
    AwsError::new(StatusCode::BAD_REQUEST, code, message)
}

/// [`KmsError`] as KMS answers it.
pub(super) fn kms_error(err: KmsError) -> AwsError {
    match err {
        KmsError::KeyNotFound(key) => {
            kms("NotFoundException", format!("Key '{key}' does not exist"))
        }
        KmsError::AliasNotFound(arn) => {
            kms("NotFoundException", format!("Alias {arn} is not found."))
        }
        KmsError::AliasExists(arn) => kms(
            "AlreadyExistsException",
            format!("An alias with the name {arn} already exists"),
        ),
        KmsError::Disabled(arn) => kms("DisabledException", format!("{arn} is disabled.")),
        KmsError::PendingDeletion(arn) => kms(
            "KMSInvalidStateException",
            format!("{arn} is pending deletion."),
        ),
        KmsError::NotPendingDeletion(arn) => kms(
            "KMSInvalidStateException",
            format!("{arn} is not pending deletion."),
        ),
    }
}
