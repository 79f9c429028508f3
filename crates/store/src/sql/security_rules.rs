//! Security group rules on SQL: adding egress rules and revoking ingress or egress ones.
//! (Adding ingress rules is [`super::networks`]'s `authorize_ingress`.) The rules live in
//! the group's JSON document; each write logs one `ChangeSubject::Network` change.

use cairn_model::network::{IngressRule, SecurityGroup};
use cairn_model::network_validate::{check_ingress_rule, check_new_rule, revoke_permission};

use super::change_log::Entry;
use super::network_rows::{require_group, store_group};
use super::store::SqlStore;
use crate::error::StoreResult;
use crate::networks::RuleDirection;

/// Adds `rules` to the group's egress, all or none.
pub(crate) async fn authorize_egress(
    store: &SqlStore,
    group_id: &str,
    rules: Vec<IngressRule>,
) -> StoreResult<SecurityGroup> {
    let id = group_id.to_string();
    let (group, _) = store
        .logged(
            move |tx| require_group(tx, &id),
            move |tx, mut group| {
                for rule in &rules {
                    check_ingress_rule(rule)?;
                    for target in &rule.source_groups {
                        require_group(tx, target)?;
                    }
                    check_new_rule(&group.egress, rule)?;
                    group.egress.push(rule.clone());
                }
                store_group(tx, &group)?;
                Ok(group)
            },
            |group| Entry::network(format!("security group {} egress", group.id)),
        )
        .await?;
    Ok(group)
}

/// Takes `rules`' grants out of the group's ingress or egress, all or none.
pub(crate) async fn revoke(
    store: &SqlStore,
    group_id: &str,
    direction: RuleDirection,
    rules: Vec<IngressRule>,
) -> StoreResult<SecurityGroup> {
    let id = group_id.to_string();
    let (group, _) = store
        .logged(
            move |tx| require_group(tx, &id),
            move |tx, mut group| {
                let held = match direction {
                    RuleDirection::Ingress => &mut group.ingress,
                    RuleDirection::Egress => &mut group.egress,
                };
                for rule in &rules {
                    revoke_permission(held, rule)?;
                }
                store_group(tx, &group)?;
                Ok(group)
            },
            move |group| {
                let which = match direction {
                    RuleDirection::Ingress => "ingress",
                    RuleDirection::Egress => "egress",
                };
                Entry::network(format!("security group {} {which} revoked", group.id))
            },
        )
        .await?;
    Ok(group)
}
