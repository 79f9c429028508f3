//! Who signed a request: the account's root key (Cairn's configured key pair) or an IAM
//! user's access key. [`crate::sigv4`] decides it; [`crate::authz`] authorizes with it. A leaf
//! module, so that sigv4 need not import the services.

use std::sync::Arc;

/// The signer of a verified request.
#[derive(Debug, Clone)]
pub enum Identity {
    /// The account's root key: allowed everything in its account.
    Root {
        /// The account.
        account: String,
    },
    /// An IAM user's key: allowed what its policies allow.
    User(Arc<UserIdentity>),
}

/// An IAM user as authorization sees it.
#[derive(Debug, Clone)]
pub struct UserIdentity {
    /// The user's account.
    pub account: String,
    /// `UserName`.
    pub name: String,
    /// `UserId` (`AIDA…`).
    pub id: String,
    /// `arn:aws:iam::<account>:user<path><name>`.
    pub arn: String,
    /// Its inline policies and the default versions of its attached ones, parsed.
    pub policies: Vec<cairn_iam::Policy>,
}

impl Identity {
    /// The account the signer belongs to.
    pub fn account(&self) -> &str {
        match self {
            Self::Root { account } => account,
            Self::User(user) => &user.account,
        }
    }

    /// `GetCallerIdentity`'s `UserId` and `Arn`.
    pub fn caller(&self) -> (String, String) {
        match self {
            Self::Root { account } => (account.clone(), format!("arn:aws:iam::{account}:root")),
            Self::User(user) => (user.id.clone(), user.arn.clone()),
        }
    }
}

/// The sealing context of an access key's secret: a sealed secret opens only as that key's.
pub fn secret_context(key_id: &str) -> String {
    format!("cairn/iam/access-key/{key_id}")
}
