//! DescribeNetworkInterfaces. Cairn keeps no network interfaces (a Resolver endpoint's
//! addresses are its own `rni-` records, not EC2 interfaces), so every query answers an
//! empty set. Terraform asks before deleting a security group or subnet, for interfaces
//! left behind that would block the delete.

use super::{filters, Ctx, Page};
use crate::error::AwsError;
use crate::protocol::ec2_query::response;

/// The filters accepted (and matched by nothing).
const INTERFACE_FILTERS: [&str; 7] = [
    "network-interface-id",
    "group-id",
    "subnet-id",
    "vpc-id",
    "description",
    "attachment.instance-owner-id",
    "requester-id",
];

/// `DescribeNetworkInterfaces`: `NetworkInterfaceId.N`, `Filter.N`, `MaxResults`,
/// `NextToken`.
pub fn describe(ctx: &Ctx) -> Result<String, AwsError> {
    let ids = ctx.params.list("NetworkInterfaceId");
    if let Some(id) = ids.first() {
        return Err(AwsError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "InvalidNetworkInterfaceID.NotFound",
            format!("The networkInterface ID '{id}' does not exist"),
        ));
    }
    Page::from_params(&ctx.params, "NetworkInterfaceId")?;
    filters(&ctx.params, &INTERFACE_FILTERS)?;
    let mut w = response("DescribeNetworkInterfaces", &ctx.request_id);
    w.open("networkInterfaceSet").close("networkInterfaceSet");
    Ok(w.finish("DescribeNetworkInterfacesResponse"))
}
