//! [`FirewallError`]: why the DNS Firewall refused a write, one variant per rule, carrying
//! the ids and values involved; the API words each and names its exception from
//! [`FirewallError::kind`].

/// Which Route 53 Resolver exception a firewall refusal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirewallErrorKind {
    /// `ResourceNotFoundException`.
    ResourceNotFound,
    /// `ValidationException`.
    Validation,
    /// `ConflictException`.
    Conflict,
    /// `LimitExceededException`.
    LimitExceeded,
}

/// A field whose value must be one of an enumeration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirewallField {
    /// `Action`.
    Action,
    /// `BlockResponse`.
    BlockResponse,
    /// `BlockOverrideDnsType`.
    BlockOverrideDnsType,
    /// `FirewallDomainRedirectionAction`.
    RedirectionAction,
    /// `MutationProtection`.
    MutationProtection,
    /// `FirewallFailOpen`.
    FailOpen,
    /// `Operation` of UpdateFirewallDomains.
    UpdateOperation,
    /// `Operation` of ImportFirewallDomains.
    ImportOperation,
}

/// A firewall write refused. Ids are as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FirewallError {
    /// No domain list, rule group, association or VPC with this id.
    #[error("no firewall resource {0}")]
    NoSuchResource(String),
    /// No rule with this domain list and Qtype in the group.
    #[error("no rule for list {domain_list} ({qtype:?}) in group {group}")]
    NoSuchRule {
        /// The rule group.
        group: String,
        /// The domain list.
        domain_list: String,
        /// The Qtype as given.
        qtype: Option<String>,
    },
    /// A `Name` outside the model's pattern.
    #[error("invalid name {0:?}")]
    InvalidName(String),
    /// A domain entry outside the syntax.
    #[error("invalid domain {0:?}")]
    InvalidDomain(String),
    /// A `Qtype` that is neither a known mnemonic nor `TYPEnnn`.
    #[error("invalid qtype {0:?}")]
    InvalidQtype(String),
    /// A value outside its field's enumeration.
    #[error("{value:?} is not a valid {field:?}")]
    NotInEnumeration {
        /// The field.
        field: FirewallField,
        /// The value.
        value: String,
    },
    /// An association priority outside 100–9900 (exclusive).
    #[error("association priority {0} out of range")]
    AssociationPriority(i64),
    /// A rule priority that is not a positive 32-bit number.
    #[error("rule priority {0} out of range")]
    RulePriority(i64),
    /// BLOCK without `BlockResponse`.
    #[error("BLOCK needs a BlockResponse")]
    BlockResponseRequired,
    /// `BlockResponse` (or override fields) on an ALLOW or ALERT rule.
    #[error("BlockResponse given for a {0} rule")]
    BlockResponseNotAllowed(String),
    /// OVERRIDE without all three override fields.
    #[error("OVERRIDE needs BlockOverrideDomain, BlockOverrideDnsType and BlockOverrideTtl")]
    OverrideFieldsRequired,
    /// `BlockOverrideTtl` outside 0–604800.
    #[error("BlockOverrideTtl {0} out of range")]
    OverrideTtl(i64),
    /// `BlockOverrideDomain` longer than 255 or empty.
    #[error("invalid override domain {0:?}")]
    OverrideDomain(String),
    /// Two rules of a group with one priority.
    #[error("rule group {group} has a rule with priority {priority}")]
    DuplicateRulePriority {
        /// The group.
        group: String,
        /// The priority.
        priority: i64,
    },
    /// A rule for this group, list and Qtype exists.
    #[error("rule group {group} has a rule for list {domain_list} and this qtype")]
    RuleExists {
        /// The group.
        group: String,
        /// The list.
        domain_list: String,
    },
    /// Two associations of a VPC with one priority.
    #[error("VPC {vpc} has an association with priority {priority}")]
    DuplicateAssociationPriority {
        /// The VPC.
        vpc: String,
        /// The priority.
        priority: i64,
    },
    /// The group is already associated with the VPC.
    #[error("rule group {group} is already associated with {vpc}")]
    AlreadyAssociated {
        /// The group.
        group: String,
        /// The VPC.
        vpc: String,
    },
    /// Deleting a group that is associated with a VPC.
    #[error("rule group {group} is associated with {vpc}")]
    RuleGroupAssociated {
        /// The group.
        group: String,
        /// The VPC.
        vpc: String,
    },
    /// Deleting a group that holds rules.
    #[error("rule group {0} has rules")]
    RuleGroupHasRules(String),
    /// Deleting a domain list a rule uses.
    #[error("domain list {list} is used by rule group {group}")]
    DomainListInUse {
        /// The list.
        list: String,
        /// A group with a rule using it.
        group: String,
    },
    /// Changing or deleting an AWS-managed list through the API.
    #[error("domain list {0} is managed")]
    ManagedDomainList(String),
    /// Changing or removing an association with mutation protection on.
    #[error("association {0} has mutation protection")]
    MutationProtected(String),
    /// More domains in one request than allowed.
    #[error("{0} domains in one request")]
    TooManyDomainsInRequest(usize),
    /// A list would hold more domains than allowed.
    #[error("list would hold {0} domains")]
    TooManyDomains(u64),
    /// A group would hold more rules than allowed.
    #[error("rule group {0} is full")]
    TooManyRules(String),
    /// An import URL of a scheme Cairn does not read (`s3://`, `https://`).
    #[error("import from {0:?} not supported")]
    UnsupportedImportUrl(String),
    /// An import file outside the data directory, missing or unreadable.
    #[error("cannot read import file {url}: {reason}")]
    ImportFileUnreadable {
        /// The URL as given.
        url: String,
        /// Why.
        reason: String,
    },
    /// `USE_LOCAL_RESOURCE_SETTING` for a VPC (it is for Profiles).
    #[error("USE_LOCAL_RESOURCE_SETTING for a VPC")]
    LocalSettingForVpc,
}

impl FirewallError {
    /// The exception this refusal is.
    pub fn kind(&self) -> FirewallErrorKind {
        use FirewallError as E;
        match self {
            E::NoSuchResource(_) | E::NoSuchRule { .. } => FirewallErrorKind::ResourceNotFound,
            E::AlreadyAssociated { .. }
            | E::RuleGroupAssociated { .. }
            | E::RuleGroupHasRules(_)
            | E::DomainListInUse { .. }
            | E::MutationProtected(_)
            | E::DuplicateAssociationPriority { .. } => FirewallErrorKind::Conflict,
            E::TooManyDomainsInRequest(_) | E::TooManyDomains(_) | E::TooManyRules(_) => {
                FirewallErrorKind::LimitExceeded
            }
            _ => FirewallErrorKind::Validation,
        }
    }
}
