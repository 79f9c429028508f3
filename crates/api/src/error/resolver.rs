//! Route 53 Resolver's and Profiles' exceptions and messages for their domain errors
//! (json-1.1 and rest-json; every one a 400). Messages that carry an `[RSLVR-…]` code are
//! the ones AWS was recorded or cited answering (`aws-recorded/route53resolver.json`,
//! ROUTE53.md §1.1); the others are Cairn's own words.

use axum::http::StatusCode;
use cairn_model::resolver::EndpointDirection;
use cairn_model::resolver_validate::{
    Enumeration, ResolverError, ResolverErrorKind, MAX_ENDPOINT_ADDRESSES, MAX_RULE_TARGETS,
    MIN_ENDPOINT_ADDRESSES,
};

use super::AwsError;

/// A Resolver or Profiles refusal: the exception its kind names, and its message.
pub(super) fn resolver_error(err: ResolverError) -> AwsError {
    let code = match err.kind() {
        ResolverErrorKind::InvalidParameter => "InvalidParameterException",
        ResolverErrorKind::InvalidRequest => "InvalidRequestException",
        ResolverErrorKind::ResourceNotFound => "ResourceNotFoundException",
        ResolverErrorKind::ResourceExists => "ResourceExistsException",
        ResolverErrorKind::ResourceInUse => "ResourceInUseException",
        ResolverErrorKind::LimitExceeded => "LimitExceededException",
        ResolverErrorKind::Validation => "ValidationException",
        ResolverErrorKind::Conflict => "ConflictException",
    };
    AwsError::new(StatusCode::BAD_REQUEST, code, message(err))
}

fn enumeration(field: Enumeration) -> (&'static str, &'static str) {
    match field {
        Enumeration::AutodefinedReverseFlag => (
            "autodefinedReverseFlag",
            "ENABLE, DISABLE, USE_LOCAL_RESOURCE_SETTING",
        ),
        Enumeration::Direction => ("direction", "INBOUND, OUTBOUND, INBOUND_DELEGATION"),
        Enumeration::EndpointType => ("resolverEndpointType", "IPV6, IPV4, DUALSTACK"),
        Enumeration::Protocol => ("protocols", "DoH, Do53, DoH-FIPS"),
        Enumeration::RuleType => ("ruleType", "FORWARD, SYSTEM, RECURSIVE, DELEGATE"),
        Enumeration::Validation => ("validation", "ENABLE, DISABLE, USE_LOCAL_RESOURCE_SETTING"),
    }
}

fn message(err: ResolverError) -> String {
    use ResolverError as E;
    match err {
        E::InvalidName { name, .. } => format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9\\-_' ']+) and have length less than or equal to 64"
        ),
        E::InvalidDomainName(text) => format!("Invalid domain name: \"{text}\"."),
        E::InvalidIpv4(text) => format!("Invalid IPv4 address: \"{text}\"."),
        E::InvalidIpv6(text) => format!("Invalid IPv6 address: \"{text}\"."),
        E::NotInEnumeration { field, value } => {
            let (name, set) = enumeration(field);
            format!(
                "Value '{value}' at '{name}' failed to satisfy constraint: Member must satisfy enum value set: [{set}]"
            )
        }
        E::DelegationEndpoint => {
            "Direction INBOUND_DELEGATION is not supported by Cairn yet.".into()
        }
        E::LocalSettingForVpc => {
            "USE_LOCAL_RESOURCE_SETTING applies to Route 53 Profiles only, not to a VPC.".into()
        }
        E::NoSuchSubnet(id) => format!("The subnet ID '{id}' does not exist"),
        E::NoSecurityGroup => "SecurityGroupIds must name at least one security group.".into(),
        E::MalformedSecurityGroupId(sg) => format!(
            "[RSLVR-00408] Malformed security group ID: \"Invalid id: \"{sg}\" (expecting \"sg-...\")\"."
        ),
        E::NoSuchSecurityGroup(sg) => format!("The security group '{sg}' does not exist"),
        E::TooFewAddresses => {
            format!("An endpoint needs at least {MIN_ENDPOINT_ADDRESSES} IP addresses.")
        }
        E::NoAddressNamed => "IpAddress must name IpId, Ip or Ipv6.".into(),
        E::TargetAddress => "Each target must have exactly one of Ip and Ipv6.".into(),
        E::TargetPort(port) => format!(
            "Value '{port}' at 'port' failed to satisfy constraint: Member must be between 0 and 65535"
        ),
        E::ClientTokenReused(token) => {
            format!("ClientToken \"{token}\" was already used to create another profile.")
        }
        E::InvalidResourceArn(arn) => {
            format!("The resource ARN \"{arn}\" is not valid for a profile.")
        }
        E::ProtocolCombination {
            direction,
            protocols,
        } => {
            let which = match direction {
                EndpointDirection::Inbound => "inbound",
                EndpointDirection::Outbound => "outbound",
            };
            format!(
                "The protocol combination [{}] is not supported for {which} endpoints.",
                protocols.join(", ")
            )
        }
        E::AddressOutsideSubnet { ip, block, subnet } => {
            let family = if ip.is_ipv4() { "" } else { "IPv6 " };
            format!("The IP address {ip} is not in the {family}CIDR block {block} of subnet {subnet}.")
        }
        E::AddressReserved { ip, block, subnet } if ip.is_ipv4() => format!(
            "The IP address {ip} is reserved in subnet {subnet} (the first four addresses and the last one of {block} are)."
        ),
        E::AddressReserved { ip, subnet, .. } => {
            format!("The IP address {ip} is reserved in subnet {subnet}.")
        }
        E::SubnetFull { subnet, ipv6 } => {
            let family = if ipv6 { "IPv6" } else { "IP" };
            format!("Subnet {subnet} has no free {family} address left.")
        }
        E::SubnetWithoutIpv6(subnet) => format!(
            "Subnet {subnet} has no IPv6 CIDR block, so it cannot hold an IPv6 endpoint address."
        ),
        E::Ipv4OnIpv6Endpoint => {
            "An IPV6 endpoint takes IPv6 addresses only (Ipv6), not Ip.".into()
        }
        E::Ipv6OnIpv4Endpoint => {
            "An IPV4 endpoint takes IPv4 addresses only (Ip), not Ipv6; use DUALSTACK for both."
                .into()
        }
        E::SubnetsInSeveralVpcs => "All the subnets of an endpoint must be in the same VPC.".into(),
        E::Dns64Outbound => "Dns64Enabled applies to INBOUND endpoints only.".into(),
        E::SecurityGroupOutsideVpc { group, vpc } => {
            format!("The security group {group} is not in the endpoint's VPC {vpc}.")
        }
        E::SubnetGone(subnet) => format!("The subnet {subnet} no longer exists."),
        E::EndpointTypeChange { from, to } => format!(
            "An endpoint's type can change between IPV4 and DUALSTACK only, not from {from} to {to}."
        ),
        E::Do53ToDohAtOnce => {
            "An inbound endpoint cannot change from Do53 only to DoH only at once: enable both first."
                .into()
        }
        E::SubnetOutsideVpc { subnet, vpc } => {
            format!("The subnet {subnet} is not in the endpoint's VPC {vpc}.")
        }
        E::LastAddresses => {
            format!("A resolver endpoint must keep at least {MIN_ENDPOINT_ADDRESSES} IP addresses.")
        }
        E::RuleOnInboundEndpoint => {
            "[RSLVR-00700] Resolver rules can only be associated to OUTBOUND resolver endpoints."
                .into()
        }
        E::NoTargets => "A FORWARD rule needs at least one target IP (TargetIps).".into(),
        E::ProtocolNotOnEndpoint { protocol, endpoint } => {
            format!("The protocol {protocol} is not enabled on resolver endpoint {endpoint}.")
        }
        E::TargetProtocolRequired => {
            "[RSLVR-00726] Endpoint has more than 1 protocol. Add one of the endpoint protocol for rule creation"
                .into()
        }
        E::MixedTargetFamilies => "A rule cannot mix IPv4 and IPv6 target addresses.".into(),
        E::RecursiveRule => "Only Resolver can create RECURSIVE rules.".into(),
        E::DelegateRule => "DELEGATE rules are not supported by Cairn yet.".into(),
        E::DomainNameRequired => "DomainName is required for FORWARD and SYSTEM rules.".into(),
        E::EndpointRequired => "A FORWARD rule needs a ResolverEndpointId.".into(),
        E::SystemRuleTargets => "A SYSTEM rule cannot have target IPs.".into(),
        E::AutodefinedRule(id) => format!("The autodefined rule {id} cannot be changed."),
        E::SameDomainRule {
            vpc,
            existing,
            domain,
        } => format!(
            "Cannot associate rules with same domain name with same VPC. VPC {vpc} already has rule {existing} for {domain}."
        ),
        E::RuleLoop { rule, vpc } => format!(
            "[RSLVR-00804] Cannot associate rule {rule} to VPC {vpc} because the VPC include an INBOUND resolver endpoints with rule's target IP"
        ),
        E::NoSuchRule(id) => {
            format!("[RSLVR-00703] Resolver rule with ID \"{id}\" does not exist.")
        }
        E::NoSuchEndpoint(id) => format!("Resolver endpoint with ID \"{id}\" does not exist."),
        E::NoSuchRuleAssociation(id) => {
            format!("Resolver rule association with ID \"{id}\" does not exist.")
        }
        E::NoSuchVpc(id) => format!("VPC with ID \"{id}\" does not exist."),
        E::NoSuchProfile(id) => format!("The profile with ID \"{id}\" does not exist."),
        E::AddressNotAssociated(id) => {
            format!("The IP address is not associated with resolver endpoint {id}.")
        }
        E::RuleNotAssociated { rule, vpc } => {
            format!("Resolver rule with ID \"{rule}\" is not associated with VPC \"{vpc}\".")
        }
        E::ProfileNotAssociated { profile, vpc } => {
            format!("The profile {profile} is not associated with VPC {vpc}.")
        }
        E::NoSuchProfileResource {
            resource_type,
            resource_id,
            arn,
        } => {
            let what = match resource_type.as_str() {
                "HOSTED_ZONE" => "private hosted zone",
                "RESOLVER_RULE" => "Resolver rule",
                _ => "DNS Firewall rule group (Cairn does not keep these yet)",
            };
            format!("The {what} {resource_id} named by {arn} does not exist.")
        }
        E::ResourceNotAssociated { arn, profile } => {
            format!("The resource {arn} is not associated with profile {profile}.")
        }
        E::NoSuchProfileResourceAssociation(id) => {
            format!("The profile resource association with ID \"{id}\" does not exist.")
        }
        E::AddressInUse { ip, subnet } => {
            format!("The IP address {ip} is already in use in subnet {subnet}.")
        }
        E::EndpointRequestExists(id) => {
            format!("Resolver endpoint with creator request ID \"{id}\" already exists.")
        }
        E::RuleRequestExists(id) => {
            format!("Resolver rule with creator request ID \"{id}\" already exists.")
        }
        E::RuleAlreadyAssociated { rule, vpc } => {
            format!("Resolver rule {rule} is already associated with VPC {vpc}.")
        }
        E::ProfileAlreadyAssociated { profile, vpc } => {
            format!("The profile {profile} is already associated with VPC {vpc}.")
        }
        E::EndpointInUse { endpoint, rule } => format!(
            "Resolver endpoint {endpoint} is in use by resolver rule {rule}; delete or update the rule first."
        ),
        E::RuleInUse { rule, vpc } => format!(
            "Cannot delete resolver rule {rule}: it is associated with VPC {vpc}. Disassociate it from every VPC first."
        ),
        E::TooManyAddresses => {
            format!("An endpoint can have at most {MAX_ENDPOINT_ADDRESSES} IP addresses.")
        }
        E::TooManyTargets => {
            format!("A rule can have at most {MAX_RULE_TARGETS} target IP addresses.")
        }
        E::VpcHasProfile { vpc, existing } => format!(
            "VPC {vpc} already has profile {existing} associated; a VPC can have one profile."
        ),
        E::Priority(priority) => {
            format!("Priority {priority} is out of range: it must be between 100 and 9900.")
        }
        E::ResourceProperties(props) => {
            format!("ResourceProperties must be a JSON object, not \"{props}\".")
        }
        E::ProfileInUse { profile, vpc } => format!(
            "The profile {profile} is associated with VPC {vpc}; disassociate it from every VPC first."
        ),
        E::ResourceAlreadyAssociated { arn, profile } => {
            format!("The resource {arn} is already associated with profile {profile}.")
        }
    }
}
