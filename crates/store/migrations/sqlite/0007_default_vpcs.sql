-- Default VPCs (issue 19): which account and region has had its default VPC made. The row
-- stays when the user deletes that VPC, so it is not made again (as on AWS, a deleted
-- default VPC stays deleted).

CREATE TABLE default_vpcs (
    owner_account TEXT NOT NULL,
    region        TEXT NOT NULL,
    vpc_id        TEXT NOT NULL,               -- the VPC made; it may since have been deleted
    PRIMARY KEY (owner_account, region)
);
