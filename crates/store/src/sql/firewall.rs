//! [`FirewallStore`] on SQL, and the whole firewall state the data plane compiles
//! ([`contents`]).
//!
//! Each write loads the firewall's metadata (every resource but the lists' domains, which
//! no rule reads), checks the request with `cairn_model::firewall_validate`, writes, and
//! logs one `ChangeSubject::Firewall` change ([`SqlStore::logged`]). Domains are rows of
//! their own, so a list's domain count is a `count(*)` after the update.

use async_trait::async_trait;
use cairn_model::firewall::{
    FirewallConfig, FirewallContents, FirewallDomainList, FirewallRule, FirewallRuleGroup,
    FirewallRuleGroupAssociation,
};
use cairn_model::firewall_validate::{
    self as validate, AssociationUpdate, DomainOperation, FirewallError, NewAssociation, NewNamed,
    RuleRequest,
};

use super::change_log::Entry;
use super::conn::{params, Conn};
use super::error::map_err;
use super::ids::{new_hex_id, now_ms};
use super::json::{documents, texts, to_json};
use super::network_rows::load_vpc;
use super::store::SqlStore;
use super::tags;
use crate::error::StoreResult;
use crate::firewall::FirewallStore;
use crate::zones::tag_types;

/// Every resource but the lists' domains.
pub(crate) fn metadata(conn: &Conn<'_>) -> StoreResult<FirewallContents> {
    Ok(FirewallContents {
        domain_lists: documents(
            conn,
            "SELECT body FROM firewall_domain_lists ORDER BY id",
            params![],
        )?,
        domains: Vec::new(),
        rule_groups: documents(
            conn,
            "SELECT body FROM firewall_rule_groups ORDER BY id",
            params![],
        )?,
        rules: documents(
            conn,
            "SELECT body FROM firewall_rules ORDER BY rule_group_id, domain_list_id, qtype",
            params![],
        )?,
        associations: documents(
            conn,
            "SELECT body FROM firewall_rule_group_associations ORDER BY id",
            params![],
        )?,
        configs: documents(
            conn,
            "SELECT body FROM firewall_configs ORDER BY vpc_id",
            params![],
        )?,
    })
}

/// Everything, domains included, grouped by list.
pub(crate) fn contents(conn: &Conn<'_>) -> StoreResult<FirewallContents> {
    let mut all = metadata(conn)?;
    let mut stmt = conn
        .prepare_cached("SELECT list_id, domain FROM firewall_domains ORDER BY list_id, domain")
        .map_err(map_err)?;
    let rows = stmt
        .query_map(params![], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    for (list, domain) in rows {
        match all.domains.last_mut() {
            Some((id, domains)) if *id == list => domains.push(domain),
            _ => all.domains.push((list, vec![domain])),
        }
    }
    Ok(all)
}

fn put_list(tx: &Conn<'_>, list: &FirewallDomainList) -> StoreResult<()> {
    tx.exec(
        "INSERT INTO firewall_domain_lists (id, body) VALUES (?1, ?2) \
         ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        params![list.id, to_json(list)?],
    )
}

fn put_group(tx: &Conn<'_>, group: &FirewallRuleGroup) -> StoreResult<()> {
    tx.exec(
        "INSERT INTO firewall_rule_groups (id, body) VALUES (?1, ?2) \
         ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        params![group.id, to_json(group)?],
    )
}

fn qtype_key(qtype: Option<u16>) -> i64 {
    i64::from(qtype.unwrap_or(0))
}

fn put_rule(tx: &Conn<'_>, rule: &FirewallRule) -> StoreResult<()> {
    tx.exec(
        "INSERT INTO firewall_rules (rule_group_id, domain_list_id, qtype, body) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (rule_group_id, domain_list_id, qtype) DO UPDATE SET body = excluded.body",
        params![rule.rule_group_id, rule.domain_list_id, qtype_key(rule.qtype), to_json(rule)?],
    )
}

fn put_association(tx: &Conn<'_>, a: &FirewallRuleGroupAssociation) -> StoreResult<()> {
    tx.exec(
        "INSERT INTO firewall_rule_group_associations (id, rule_group_id, vpc_id, body) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        params![a.id, a.rule_group_id, a.vpc_id, to_json(a)?],
    )
}

/// Applies an update to a list's domain rows; returns how many it holds after.
fn apply_domains(
    tx: &Conn<'_>,
    list_id: &str,
    operation: DomainOperation,
    domains: &[String],
) -> StoreResult<u64> {
    if operation == DomainOperation::Replace {
        tx.exec(
            "DELETE FROM firewall_domains WHERE list_id = ?1",
            params![list_id],
        )?;
    }
    for domain in domains {
        let sql = match operation {
            DomainOperation::Remove => {
                "DELETE FROM firewall_domains WHERE list_id = ?1 AND domain = ?2"
            }
            _ => {
                "INSERT INTO firewall_domains (list_id, domain) VALUES (?1, ?2) \
                 ON CONFLICT (list_id, domain) DO NOTHING"
            }
        };
        tx.exec(sql, params![list_id, domain])?;
    }
    let count: i64 = tx
        .query_row(
            "SELECT count(*) FROM firewall_domains WHERE list_id = ?1",
            params![list_id],
            |row| row.get(0),
        )
        .map_err(map_err)?;
    Ok(count as u64)
}

#[async_trait]
impl FirewallStore for SqlStore {
    async fn firewall_metadata(&self) -> StoreResult<FirewallContents> {
        self.read(metadata).await
    }

    async fn firewall_domains(
        &self,
        list_id: &str,
        start: usize,
        limit: usize,
    ) -> StoreResult<(Vec<String>, bool)> {
        let list_id = list_id.to_string();
        self.read(move |tx| {
            let exists = !texts(
                tx,
                "SELECT id FROM firewall_domain_lists WHERE id = ?1",
                params![list_id],
            )?
            .is_empty();
            if !exists {
                return Err(FirewallError::NoSuchResource(list_id).into());
            }
            let mut page = texts(
                tx,
                "SELECT domain FROM firewall_domains WHERE list_id = ?1 ORDER BY domain LIMIT ?2 OFFSET ?3",
                params![list_id, (limit + 1) as i64, start as i64],
            )?;
            let more = page.len() > limit;
            page.truncate(limit);
            Ok((page, more))
        })
        .await
    }

    async fn create_firewall_domain_list(
        &self,
        req: NewNamed,
        tags: Vec<(String, String)>,
    ) -> StoreResult<FirewallDomainList> {
        let (list, _) = self
            .logged(
                metadata,
                move |tx, fw| {
                    let (list, new) =
                        validate::create_domain_list(&fw, req, new_hex_id("rslvr-fdl-"), now_ms())?;
                    if new {
                        put_list(tx, &list)?;
                        tags::put(tx, tag_types::FIREWALL_DOMAIN_LIST, &list.id, &tags)?;
                    }
                    Ok(list)
                },
                |l| Entry::firewall(format!("domain list {} created", l.id)),
            )
            .await?;
        Ok(list)
    }

    async fn delete_firewall_domain_list(&self, id: &str) -> StoreResult<FirewallDomainList> {
        let id = id.to_string();
        let (list, _) = self
            .logged(
                metadata,
                move |tx, fw| {
                    let list = validate::delete_domain_list(&fw, &id)?;
                    tx.exec(
                        "DELETE FROM firewall_domains WHERE list_id = ?1",
                        params![id],
                    )?;
                    tx.exec(
                        "DELETE FROM firewall_domain_lists WHERE id = ?1",
                        params![id],
                    )?;
                    tags::remove_all(tx, tag_types::FIREWALL_DOMAIN_LIST, &id)?;
                    Ok(list)
                },
                |l| Entry::firewall(format!("domain list {} deleted", l.id)),
            )
            .await?;
        Ok(list)
    }

    async fn update_firewall_domains(
        &self,
        id: &str,
        operation: DomainOperation,
        domains: Vec<String>,
        from_import: bool,
    ) -> StoreResult<FirewallDomainList> {
        let id = id.to_string();
        let (list, _) = self
            .logged(
                metadata,
                move |tx, fw| {
                    let domains = if from_import {
                        validate::find_domain_list(&fw, &id)?;
                        domains
                    } else {
                        validate::check_domain_update(&fw, &id, &domains)?
                    };
                    let count = apply_domains(tx, &id, operation, &domains)?;
                    let list = validate::find_domain_list(&fw, &id)?;
                    let list = validate::domains_changed(list, count, now_ms())?;
                    put_list(tx, &list)?;
                    Ok(list)
                },
                |l| Entry::firewall(format!("domains of list {} changed", l.id)),
            )
            .await?;
        Ok(list)
    }

    async fn create_firewall_rule_group(
        &self,
        req: NewNamed,
        tags: Vec<(String, String)>,
    ) -> StoreResult<FirewallRuleGroup> {
        let (group, _) = self
            .logged(
                metadata,
                move |tx, fw| {
                    let (group, new) =
                        validate::create_rule_group(&fw, req, new_hex_id("rslvr-frg-"), now_ms())?;
                    if new {
                        put_group(tx, &group)?;
                        tags::put(tx, tag_types::FIREWALL_RULE_GROUP, &group.id, &tags)?;
                    }
                    Ok(group)
                },
                |g| Entry::firewall(format!("rule group {} created", g.id)),
            )
            .await?;
        Ok(group)
    }

    async fn delete_firewall_rule_group(&self, id: &str) -> StoreResult<FirewallRuleGroup> {
        let id = id.to_string();
        let (group, _) = self
            .logged(
                metadata,
                move |tx, fw| {
                    let group = validate::delete_rule_group(&fw, &id)?;
                    tx.exec(
                        "DELETE FROM firewall_rule_groups WHERE id = ?1",
                        params![id],
                    )?;
                    tags::remove_all(tx, tag_types::FIREWALL_RULE_GROUP, &id)?;
                    Ok(group)
                },
                |g| Entry::firewall(format!("rule group {} deleted", g.id)),
            )
            .await?;
        Ok(group)
    }

    async fn create_firewall_rule(&self, req: RuleRequest) -> StoreResult<FirewallRule> {
        let (rule, _) = self
            .logged(
                metadata,
                move |tx, fw| {
                    let rule = validate::create_rule(&fw, req, now_ms())?;
                    put_rule(tx, &rule)?;
                    Ok(rule)
                },
                |r| Entry::firewall(format!("rule added to group {}", r.rule_group_id)),
            )
            .await?;
        Ok(rule)
    }

    async fn update_firewall_rule(&self, req: RuleRequest) -> StoreResult<FirewallRule> {
        let (rule, _) = self
            .logged(
                metadata,
                move |tx, fw| {
                    let rule = validate::update_rule(&fw, req, now_ms())?;
                    put_rule(tx, &rule)?;
                    Ok(rule)
                },
                |r| Entry::firewall(format!("rule of group {} updated", r.rule_group_id)),
            )
            .await?;
        Ok(rule)
    }

    async fn delete_firewall_rule(
        &self,
        group: &str,
        domain_list: &str,
        qtype: Option<String>,
    ) -> StoreResult<FirewallRule> {
        let (group, domain_list) = (group.to_string(), domain_list.to_string());
        let (rule, _) = self
            .logged(
                metadata,
                move |tx, fw| {
                    let rule =
                        validate::find_rule(&fw, &group, &domain_list, qtype.as_deref())?.clone();
                    tx.exec(
                        "DELETE FROM firewall_rules WHERE rule_group_id = ?1 AND domain_list_id = ?2 AND qtype = ?3",
                        params![group, domain_list, qtype_key(rule.qtype)],
                    )?;
                    Ok(rule)
                },
                |r| Entry::firewall(format!("rule removed from group {}", r.rule_group_id)),
            )
            .await?;
        Ok(rule)
    }

    async fn associate_firewall_rule_group(
        &self,
        req: NewAssociation,
        tags: Vec<(String, String)>,
    ) -> StoreResult<FirewallRuleGroupAssociation> {
        let (assoc, _) = self
            .logged(
                metadata,
                move |tx, fw| {
                    let vpc_exists = load_vpc(tx, &req.vpc_id)?.is_some();
                    let (assoc, new) = validate::associate(
                        &fw,
                        vpc_exists,
                        req,
                        new_hex_id("rslvr-frgassoc-"),
                        now_ms(),
                    )?;
                    if new {
                        put_association(tx, &assoc)?;
                        tags::put(
                            tx,
                            tag_types::FIREWALL_RULE_GROUP_ASSOCIATION,
                            &assoc.id,
                            &tags,
                        )?;
                    }
                    Ok(assoc)
                },
                |a| {
                    Entry::firewall(format!(
                        "rule group {} associated with {}",
                        a.rule_group_id, a.vpc_id
                    ))
                },
            )
            .await?;
        Ok(assoc)
    }

    async fn update_firewall_rule_group_association(
        &self,
        id: &str,
        update: AssociationUpdate,
    ) -> StoreResult<FirewallRuleGroupAssociation> {
        let id = id.to_string();
        let (assoc, _) = self
            .logged(
                metadata,
                move |tx, fw| {
                    let assoc = validate::update_association(&fw, &id, update, now_ms())?;
                    put_association(tx, &assoc)?;
                    Ok(assoc)
                },
                |a| Entry::firewall(format!("association {} updated", a.id)),
            )
            .await?;
        Ok(assoc)
    }

    async fn disassociate_firewall_rule_group(
        &self,
        id: &str,
    ) -> StoreResult<FirewallRuleGroupAssociation> {
        let id = id.to_string();
        let (assoc, _) = self
            .logged(
                metadata,
                move |tx, fw| {
                    let assoc = validate::disassociate(&fw, &id)?;
                    tx.exec(
                        "DELETE FROM firewall_rule_group_associations WHERE id = ?1",
                        params![id],
                    )?;
                    tags::remove_all(tx, tag_types::FIREWALL_RULE_GROUP_ASSOCIATION, &id)?;
                    Ok(assoc)
                },
                |a| {
                    Entry::firewall(format!(
                        "rule group {} disassociated from {}",
                        a.rule_group_id, a.vpc_id
                    ))
                },
            )
            .await?;
        Ok(assoc)
    }

    async fn update_firewall_config(
        &self,
        vpc_id: &str,
        fail_open: &str,
    ) -> StoreResult<FirewallConfig> {
        let (vpc_id, fail_open) = (vpc_id.to_string(), fail_open.to_string());
        let (config, _) = self
            .logged(
                |_| Ok(()),
                move |tx, ()| {
                    let owner = load_vpc(tx, &vpc_id)?.map(|v| v.owner_account);
                    let config = validate::update_config(&vpc_id, owner.as_deref(), &fail_open)?;
                    tx.exec(
                        "INSERT INTO firewall_configs (vpc_id, body) VALUES (?1, ?2) \
                         ON CONFLICT (vpc_id) DO UPDATE SET body = excluded.body",
                        params![config.vpc_id, to_json(&config)?],
                    )?;
                    Ok(config)
                },
                |c| Entry::firewall(format!("firewall config of {} updated", c.vpc_id)),
            )
            .await?;
        Ok(config)
    }
}
