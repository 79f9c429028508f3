-- Networks (issue 4): the EC2 subset Route 53 needs (VPCs, subnets, security groups) and the
-- VPCs of private hosted zones. Resources are JSON documents (serde of cairn_model::network)
-- with the columns queries need beside them. Every write logs a 'network' change, so the data
-- plane reloads load_network() and GetChange covers associations.

CREATE TABLE vpcs (
    id            TEXT COLLATE "C" PRIMARY KEY,            -- vpc- + 17 hex digits
    region        TEXT COLLATE "C" NOT NULL,
    owner_account TEXT COLLATE "C" NOT NULL,
    body          TEXT COLLATE "C" NOT NULL,               -- JSON cairn_model::network::Vpc
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE subnets (
    id     TEXT COLLATE "C" PRIMARY KEY,                   -- subnet- + 17 hex digits
    vpc_id TEXT COLLATE "C" NOT NULL REFERENCES vpcs (id),
    body   TEXT COLLATE "C" NOT NULL                       -- JSON cairn_model::network::Subnet
);
CREATE INDEX subnets_by_vpc ON subnets (vpc_id);

CREATE TABLE security_groups (
    id     TEXT COLLATE "C" PRIMARY KEY,                   -- sg- + 17 hex digits
    vpc_id TEXT COLLATE "C" NOT NULL REFERENCES vpcs (id),
    name   TEXT COLLATE "C" NOT NULL,
    body   TEXT COLLATE "C" NOT NULL,                      -- JSON cairn_model::network::SecurityGroup
    UNIQUE (vpc_id, name)
);

-- A private zone's VPCs. No foreign key to vpcs: as on Route 53, deleting a VPC leaves the
-- association in place (load_network leaves out associations of VPCs that no longer exist).
CREATE TABLE vpc_associations (
    zone_id       TEXT COLLATE "C" NOT NULL REFERENCES hosted_zones (id),
    vpc_id        TEXT COLLATE "C" NOT NULL,
    vpc_region    TEXT COLLATE "C" NOT NULL,
    owner_account TEXT COLLATE "C" NOT NULL,               -- the account that made the association
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (zone_id, vpc_id)
);
CREATE INDEX vpc_associations_by_vpc ON vpc_associations (vpc_id, vpc_region);

-- CreateVPCAssociationAuthorization: the zone owner lets another account's VPC associate.
CREATE TABLE vpc_association_authorizations (
    zone_id       TEXT COLLATE "C" NOT NULL REFERENCES hosted_zones (id),
    vpc_id        TEXT COLLATE "C" NOT NULL,
    vpc_region    TEXT COLLATE "C" NOT NULL,
    created_at_ms BIGINT NOT NULL,
    PRIMARY KEY (zone_id, vpc_id, vpc_region)
);

-- The account owning a private zone (NULL: a zone made before owners were kept, or a public
-- zone; any account of this node owns it).
ALTER TABLE hosted_zones ADD COLUMN owner_account TEXT COLLATE "C";
