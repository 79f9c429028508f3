//! IAM refusals in IAM's words (codes from botocore's `iam/2010-05-08/service-2.json`,
//! messages as moto records them from AWS): `NoSuchEntity` 404, `EntityAlreadyExists` 409,
//! `DeleteConflict` 409, `LimitExceeded` 409, `MalformedPolicyDocument` 400.

use axum::http::StatusCode;
use cairn_model::error::IamError;
use cairn_model::iam::{
    UserDependency, ACCESS_KEYS_PER_USER, ATTACHED_POLICIES_PER_USER, VERSIONS_PER_POLICY,
};

use super::AwsError;

fn no_such_entity(message: String) -> AwsError {
    AwsError::new(StatusCode::NOT_FOUND, "NoSuchEntity", message)
}

fn conflict(code: &'static str, message: String) -> AwsError {
    AwsError::new(StatusCode::CONFLICT, code, message)
}

/// 400 `MalformedPolicyDocument` with the validator's message.
pub fn malformed_policy(message: impl Into<String>) -> AwsError {
    AwsError::new(StatusCode::BAD_REQUEST, "MalformedPolicyDocument", message)
}

/// [`IamError`] as IAM answers it.
pub(super) fn iam_error(err: IamError) -> AwsError {
    match err {
        IamError::NoSuchUser(name) => {
            no_such_entity(format!("The user with name {name} cannot be found."))
        }
        IamError::UserExists(name) => conflict(
            "EntityAlreadyExists",
            format!("User with name {name} already exists."),
        ),
        IamError::UserInUse(_, dependency) => conflict(
            "DeleteConflict",
            match dependency {
                UserDependency::AccessKeys => {
                    "Cannot delete entity, must delete access keys first."
                }
                UserDependency::InlinePolicies => {
                    "Cannot delete entity, must delete policies first."
                }
                UserDependency::AttachedPolicies => {
                    "Cannot delete entity, must detach all policies first."
                }
            }
            .to_string(),
        ),
        IamError::NoSuchAccessKey(id) => {
            no_such_entity(format!("The Access Key with id {id} cannot be found"))
        }
        IamError::AccessKeyLimit => conflict(
            "LimitExceeded",
            format!("Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}"),
        ),
        IamError::NoSuchUserPolicy(name) => {
            no_such_entity(format!("The user policy with name {name} cannot be found."))
        }
        IamError::NoSuchPolicy(arn) | IamError::PolicyNotAttached(arn) => {
            no_such_entity(format!("Policy {arn} was not found."))
        }
        IamError::PolicyExists(name) => conflict(
            "EntityAlreadyExists",
            format!("A policy called {name} already exists. Duplicate names are not allowed."),
        ),
        IamError::PolicyAttached(_) => conflict(
            "DeleteConflict",
            "Cannot delete a policy attached to entities.".to_string(),
        ),
        IamError::NoSuchPolicyVersion { arn, version } => no_such_entity(format!(
            "Policy {arn} version {version} does not exist or is not attachable."
        )),
        IamError::PolicyVersionLimit => conflict(
            "LimitExceeded",
            format!(
                "A managed policy can have up to {VERSIONS_PER_POLICY} versions. Before you \
                 create a new version, you must delete an existing version."
            ),
        ),
        IamError::DefaultVersionDelete => conflict(
            "DeleteConflict",
            "Cannot delete the default version of a policy.".to_string(),
        ),
        IamError::AttachedPolicyLimit => conflict(
            "LimitExceeded",
            format!("Cannot exceed quota for PoliciesPerUser: {ATTACHED_POLICIES_PER_USER}"),
        ),
    }
}
