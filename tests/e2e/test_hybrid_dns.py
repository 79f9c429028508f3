"""Hybrid DNS end to end (issue 5): Resolver endpoints and rules between a VPC and an
on-premises network, with real on-premises DNS software.

    VPC A 127.10.0.0/16            subnets 127.10.1.0/24, 127.10.2.0/24, 127.10.3.0/24 (DNS64)
      outbound endpoint            127.10.1.10, 127.10.2.10
      inbound endpoint             127.10.1.20, 127.10.2.20 (security group: 127.77.0.0/16, udp+tcp 53)
    on premises 127.77.0.0/16
      BIND (authoritative) 127.0.0.1   corp.internal; answers only the outbound endpoint's addresses
      BIND (resolver)      127.0.0.1, queries from 127.77.0.54: forwards cloud.internal to the inbound endpoint
      Unbound              127.77.0.53  a second on-premises server (fail-over and profile cases)

Cloud clients resolve corp.internal on premises through the outbound endpoint and a FORWARD
rule; on-premises clients resolve the cloud's private zone through BIND and the inbound
endpoint. Everything is driven through boto3 (EC2, Route 53, Route 53 Resolver) against the
real `cairn serve`.
"""

from __future__ import annotations

import ipaddress
import time
import uuid

import pytest

import harness
import peers
from test_vpc_resolver import Lab, addresses, ask

dns = pytest.importorskip("dns")
import dns.exception  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.reversename  # noqa: E402

IN_VPC = "127.10.0.5"
ON_PREM = "127.77.0.9"
STRANGER = "127.88.0.1"


@pytest.fixture
def hybrid(cairn_server, tmp_path):
    if peers.unbound_path() is None or peers.named_path() is None:
        pytest.skip("unbound and named are needed (apt-get install unbound bind9)")
    resolver_port = harness.free_port("127.0.0.1")
    vpc_port = harness.free_port("127.0.0.1")
    root = tmp_path / "root.zone"
    srv = cairn_server(extra_args=["--resolver-listen", f"127.0.0.1:{resolver_port}",
                                   "--vpc-dns-port", str(vpc_port),
                                   # public names: a dead loopback forwarder, never the internet
                                   "--forwarder", f"127.0.0.1:{harness.free_port('127.0.0.1')}"])
    lab = Lab(srv, ("127.0.0.1", resolver_port), vpc_port)
    lab.resolver_api = harness.route53_client(srv, "route53resolver")
    started = []
    lab.started = started
    yield lab
    for peer in started:
        peer.stop()


def build_vpc(lab):
    ec2 = lab.ec2
    vpc = lab.vpc("127.10.0.0/16")
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
               for cidr in ("127.10.1.0/24", "127.10.2.0/24", "127.10.3.0/24")]
    sg = ec2.create_security_group(GroupName="dns", Description="DNS from on premises", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": proto, "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "127.77.0.0/16"}]}
        for proto in ("udp", "tcp")])
    return vpc, subnets, sg


def endpoint(lab, direction, sg, ips, **extra):
    ep = lab.resolver_api.create_resolver_endpoint(
        CreatorRequestId=uuid.uuid4().hex, Name=f"{direction.lower()}-ep", SecurityGroupIds=[sg],
        Direction=direction, IpAddresses=[{"SubnetId": s, "Ip": ip} for s, ip in ips], **extra)
    return ep["ResolverEndpoint"]["Id"]


def eventually(check, timeout=2.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (dns.exception.Timeout, OSError):
            result = None
        assert time.monotonic() < deadline, f"{what} not reached within {timeout}s (last: {result!r})"
        time.sleep(0.05)


def test_cloud_resolves_on_premises_names_through_the_outbound_endpoint(hybrid, tmp_path):
    lab = hybrid
    vpc, subnets, sg = build_vpc(lab)
    # The on-premises authoritative server answers only the outbound endpoint's addresses.
    corp_port = harness.free_port("127.0.0.1")
    corp = peers.start_named_authoritative(
        tmp_path / "corp", corp_port, zone="corp.internal", allow_query=["127.10.1.10", "127.10.2.10"],
        zone_text="$TTL 300\n@ IN SOA ns.corp.internal. hostmaster.corp.internal. 1 3600 600 86400 300\n"
                  "@ IN NS ns.corp.internal.\nns IN A 127.0.0.1\n"
                  "host IN A 172.16.5.5\nsys IN A 172.16.6.6\n")
    lab.started.append(corp)
    outbound = endpoint(lab, "OUTBOUND", sg, [(subnets[0], "127.10.1.10"), (subnets[1], "127.10.2.10")])
    rule = lab.resolver_api.create_resolver_rule(
        CreatorRequestId=uuid.uuid4().hex, Name="corp", RuleType="FORWARD", DomainName="corp.internal",
        TargetIps=[{"Ip": "127.0.0.1", "Port": corp_port}], ResolverEndpointId=outbound)["ResolverRule"]["Id"]
    # A private zone of the same name, associated with the VPC: the rule must win over it.
    lab.private_zone("corp.internal.", vpc, [("host.corp.internal.", "A", ["10.99.99.99"])])
    lab.resolver_api.associate_resolver_rule(ResolverRuleId=rule, VPCId=vpc, Name="corp-a")

    resp = eventually(lambda: addresses(r := ask(lab.resolver, "host.corp.internal.", source=IN_VPC)) == ["172.16.5.5"] and r,
                      what="forwarded answer")
    assert resp.rcode() == dns.rcode.NOERROR
    # BIND refuses every source but the outbound endpoint's addresses: the answer above
    # proves the query left from one of them. Asked directly from elsewhere, it refuses.
    direct = ask(corp.addr, "host.corp.internal.", source=IN_VPC)
    assert direct.rcode() == dns.rcode.REFUSED
    # Over TCP from the client too.
    assert addresses(ask(lab.resolver, "host.corp.internal.", source=IN_VPC, tcp=True)) == ["172.16.5.5"]

    # A SYSTEM rule takes a subdomain back: sys.corp.internal resolves locally (the private
    # zone of that name), not on premises.
    lab.private_zone("sys.corp.internal.", vpc, [("sys.corp.internal.", "A", ["10.6.6.6"])])
    system = lab.resolver_api.create_resolver_rule(
        CreatorRequestId=uuid.uuid4().hex, Name="sys", RuleType="SYSTEM",
        DomainName="sys.corp.internal")["ResolverRule"]["Id"]
    lab.resolver_api.associate_resolver_rule(ResolverRuleId=system, VPCId=vpc, Name="sys-a")
    eventually(lambda: addresses(ask(lab.resolver, "sys.corp.internal.", source=IN_VPC)) == ["10.6.6.6"],
               what="SYSTEM rule")

    # Disassociating the FORWARD rule hands corp.internal back to the private zone.
    assoc = lab.resolver_api.list_resolver_rule_associations(
        Filters=[{"Name": "ResolverRuleId", "Values": [rule]}])["ResolverRuleAssociations"]
    assert [a["VPCId"] for a in assoc] == [vpc]
    lab.resolver_api.disassociate_resolver_rule(ResolverRuleId=rule, VPCId=vpc)
    eventually(lambda: addresses(ask(lab.resolver, "host.corp.internal.", source=IN_VPC)) == ["10.99.99.99"],
               what="private zone after disassociation")


def test_forwarding_fails_over_between_targets(hybrid, tmp_path):
    lab = hybrid
    vpc, subnets, sg = build_vpc(lab)
    port = harness.free_port("127.77.0.53")
    unbound = peers.start_unbound(
        tmp_path / "unbound", "127.77.0.53", port, allow=["127.10.0.0/16"], local_zone="corp.internal.",
        local_data=["corp.internal. 300 IN SOA ns.corp.internal. h.corp.internal. 1 3600 600 86400 300",
                    "host.corp.internal. 300 IN A 172.16.5.5"])
    lab.started.append(unbound)
    outbound = endpoint(lab, "OUTBOUND", sg, [(subnets[0], "127.10.1.10"), (subnets[1], "127.10.2.10")])
    dead = harness.free_port("127.77.0.99")
    rule = lab.resolver_api.create_resolver_rule(
        CreatorRequestId=uuid.uuid4().hex, RuleType="FORWARD", DomainName="corp.internal",
        TargetIps=[{"Ip": "127.77.0.99", "Port": dead}, {"Ip": "127.77.0.53", "Port": port}],
        ResolverEndpointId=outbound)["ResolverRule"]["Id"]
    lab.resolver_api.associate_resolver_rule(ResolverRuleId=rule, VPCId=vpc)
    t0 = time.monotonic()
    resp = eventually(lambda: addresses(ask(lab.resolver, "host.corp.internal.", source=IN_VPC, timeout=5)) == ["172.16.5.5"],
                      timeout=8, what="answer from the second target")
    assert resp
    assert time.monotonic() - t0 < 8


def test_on_premises_resolves_private_zones_through_bind_and_the_inbound_endpoint(hybrid, tmp_path):
    lab = hybrid
    vpc, subnets, sg = build_vpc(lab)
    lab.private_zone("cloud.internal.", vpc, [("app.cloud.internal.", "A", ["10.20.30.40"])])
    inbound = endpoint(lab, "INBOUND", sg, [(subnets[0], "127.10.1.20"), (subnets[1], "127.10.2.20")])
    in_addr = ("127.10.1.20", lab.vpc_port)

    # The endpoint answers in the VPC's view for admitted on-premises sources ...
    resp = eventually(lambda: ask(in_addr, "app.cloud.internal.", source=ON_PREM, timeout=0.5),
                      what="inbound endpoint listening")
    assert addresses(resp) == ["10.20.30.40"]
    assert addresses(ask(("127.10.2.20", lab.vpc_port), "app.cloud.internal.", source=ON_PREM)) == ["10.20.30.40"]
    # ... and not at all for sources its security group does not admit.
    with pytest.raises(dns.exception.Timeout):
        ask(in_addr, "app.cloud.internal.", source=STRANGER, timeout=0.5)
    health = harness.http_get_json(lab.srv, "/_cairn/health")
    assert sorted(health["vpc_resolvers"][inbound]) == sorted(
        [f"127.10.1.20:{lab.vpc_port}", f"127.10.2.20:{lab.vpc_port}"])

    # BIND on premises forwards cloud.internal to both endpoint addresses; its clients get
    # the private answer.
    bind_port = harness.free_port("127.0.0.1")
    named = peers.start_named(tmp_path / "named", "127.77.0.54", bind_port,
                              forward_zones={"cloud.internal": [("127.10.1.20", lab.vpc_port),
                                                                ("127.10.2.20", lab.vpc_port)]})
    lab.started.append(named)
    via_bind = eventually(lambda: ask(named.addr, "app.cloud.internal.", timeout=2),
                          timeout=6, what="answer through BIND")
    assert via_bind.rcode() == dns.rcode.NOERROR
    assert addresses(via_bind) == ["10.20.30.40"]

    # Deleting the endpoint closes its addresses.
    lab.resolver_api.delete_resolver_endpoint(ResolverEndpointId=inbound)

    def closed():
        try:
            ask(in_addr, "app.cloud.internal.", source=ON_PREM, timeout=0.3)
            return False
        except (dns.exception.Timeout, ConnectionRefusedError):
            return True
    eventually(closed, what="endpoint closed")


def test_dns64_synthesizes_aaaa_for_dns64_subnets_and_endpoints(hybrid):
    lab = hybrid
    vpc, subnets, sg = build_vpc(lab)
    lab.private_zone("v4only.internal.", vpc, [("web.v4only.internal.", "A", ["192.0.2.33"]),
                                               ("dual.v4only.internal.", "A", ["192.0.2.34"]),
                                               ("dual.v4only.internal.", "AAAA", ["2001:db8::34"])])
    lab.ec2.modify_subnet_attribute(SubnetId=subnets[2], EnableDns64={"Value": True})
    in_dns64 = "127.10.3.5"

    synthesized = eventually(lambda: addresses(ask(lab.resolver, "web.v4only.internal.", "AAAA", source=in_dns64)),
                             what="DNS64 synthesis")
    assert synthesized == ["64:ff9b::c000:221"]
    assert ipaddress.IPv6Address(synthesized[0]).packed[-4:] == ipaddress.IPv4Address("192.0.2.33").packed
    # A name with real AAAA keeps it; clients outside DNS64 subnets get no synthesis.
    assert addresses(ask(lab.resolver, "dual.v4only.internal.", "AAAA", source=in_dns64)) == ["2001:db8::34"]
    plain = ask(lab.resolver, "web.v4only.internal.", "AAAA", source=IN_VPC)
    assert plain.rcode() == dns.rcode.NOERROR and plain.answer == []
    # NXDOMAIN stays NXDOMAIN.
    assert ask(lab.resolver, "nope.v4only.internal.", "AAAA", source=in_dns64).rcode() == dns.rcode.NXDOMAIN
    # The synthesized address's reverse name leads to the IPv4 reverse name (RFC 6147 §5.3.1).
    lab.private_zone("2.0.192.in-addr.arpa.", vpc, [("33.2.0.192.in-addr.arpa.", "PTR", ["web.v4only.internal."])])
    reverse = dns.reversename.from_address(synthesized[0])
    ptr = eventually(lambda: ask(lab.resolver, reverse, "PTR", source=in_dns64), what="DNS64 reverse")
    kinds = [(rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype)) for rrset in ptr.answer]
    assert kinds == [(reverse.to_text(), "CNAME"), ("33.2.0.192.in-addr.arpa.", "PTR")]
    assert addresses(ptr) == ["web.v4only.internal."]

    # An inbound endpoint with DNS64 on synthesizes for the on-premises clients it serves.
    endpoint(lab, "INBOUND", sg, [(subnets[0], "127.10.1.30"), (subnets[1], "127.10.2.30")], Dns64Enabled=True)
    via_endpoint = eventually(
        lambda: addresses(ask(("127.10.1.30", lab.vpc_port), "web.v4only.internal.", "AAAA", source=ON_PREM, timeout=0.5)),
        what="DNS64 through the inbound endpoint")
    assert via_endpoint == ["64:ff9b::c000:221"]


def test_profiles_bring_zones_and_rules_and_the_vpcs_own_win_ties(hybrid, tmp_path):
    lab = hybrid
    vpc, subnets, sg = build_vpc(lab)
    other_vpc = lab.vpc("127.30.0.0/16")
    profiles = harness.route53_client(lab.srv, "route53profiles")
    port = harness.free_port("127.77.0.53")
    unbound = peers.start_unbound(
        tmp_path / "unbound", "127.77.0.53", port, allow=["127.10.1.10/32", "127.10.2.10/32"],
        local_zone="partner.internal.",
        local_data=["partner.internal. 300 IN SOA ns.partner.internal. h.partner.internal. 1 3600 600 86400 300",
                    "api.partner.internal. 300 IN A 172.16.7.7"])
    lab.started.append(unbound)
    outbound = endpoint(lab, "OUTBOUND", sg, [(subnets[0], "127.10.1.10"), (subnets[1], "127.10.2.10")])
    rule = lab.resolver_api.create_resolver_rule(
        CreatorRequestId=uuid.uuid4().hex, RuleType="FORWARD", DomainName="partner.internal",
        TargetIps=[{"Ip": "127.77.0.53", "Port": port}], ResolverEndpointId=outbound)["ResolverRule"]
    # Zones living in another VPC, handed to this one only through the profile.
    shared = lab.private_zone("shared.internal.", other_vpc, [("db.shared.internal.", "A", ["10.50.0.1"])])
    tied = lab.private_zone("tied.internal.", other_vpc, [("x.tied.internal.", "A", ["10.60.0.1"])])
    # ... and the VPC's own zone of one of those names, which must win the tie.
    lab.private_zone("tied.internal.", vpc, [("x.tied.internal.", "A", ["10.61.0.1"])])

    # Before the profile, the name is public to VPC A (and public DNS here is a dead forwarder).
    assert ask(lab.resolver, "db.shared.internal.", source=IN_VPC, timeout=8).rcode() == dns.rcode.SERVFAIL
    profile = profiles.create_profile(Name="shared", ClientToken=uuid.uuid4().hex)["Profile"]["Id"]
    for arn, name in [(f"arn:aws:route53:::hostedzone/{shared.split('/')[-1]}", "shared"),
                      (f"arn:aws:route53:::hostedzone/{tied.split('/')[-1]}", "tied"),
                      (rule["Arn"], "partner")]:
        profiles.associate_resource_to_profile(ProfileId=profile, ResourceArn=arn, Name=name)
    profiles.associate_profile(ProfileId=profile, ResourceId=vpc, Name="a")

    eventually(lambda: addresses(ask(lab.resolver, "db.shared.internal.", source=IN_VPC)) == ["10.50.0.1"],
               what="profile-supplied private zone")
    assert addresses(ask(lab.resolver, "api.partner.internal.", source=IN_VPC)) == ["172.16.7.7"]
    assert addresses(ask(lab.resolver, "x.tied.internal.", source=IN_VPC)) == ["10.61.0.1"]
    # The profile reaches only the VPC it is associated with.
    other_client = "127.30.0.5"
    assert addresses(ask(lab.resolver, "db.shared.internal.", source=other_client)) == ["10.50.0.1"]  # its own zone
    assert ask(lab.resolver, "api.partner.internal.", source=other_client, timeout=8).rcode() != dns.rcode.NOERROR
