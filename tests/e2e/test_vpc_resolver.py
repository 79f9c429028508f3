"""The VPC resolver end to end: split horizon through the real binary (issue 4).

VPCs are made with boto3's EC2 client and private zones with Route 53 calls, all against
`cairn serve`; queries go out with dnspython from chosen source addresses on loopback, so
that a client "in" VPC 127.10.0.0/16 asks from 127.10.0.5 and one outside asks from
127.99.0.1. Two ways in are checked: the shared `--resolver-listen` address (VPC chosen by
source address) and each VPC's own "+2" address on `--vpc-dns-port`.
"""

from __future__ import annotations

import time
import uuid

import pytest

import harness

dns = pytest.importorskip("dns")
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402

VPC_A = "127.10.0.0/16"
VPC_B = "127.20.0.0/16"
IN_A = "127.10.0.5"
IN_B = "127.20.0.7"
OUTSIDE = "127.99.0.1"


def ask(server, qname, qtype="A", source=None, timeout=2.0, tcp=False):
    q = dns.message.make_query(qname, qtype)
    host, port = server
    if tcp:
        return dns.query.tcp(q, host, port=port, source=source, timeout=timeout)
    return dns.query.udp(q, host, port=port, source=source, timeout=timeout)


def addresses(resp):
    return sorted(rr.to_text() for rrset in resp.answer for rr in rrset
                  if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA, dns.rdatatype.PTR))


class Lab:
    """A running Cairn with a resolver address, and clients for its API."""

    def __init__(self, srv, resolver, vpc_port):
        self.srv = srv
        self.resolver = resolver
        self.vpc_port = vpc_port
        self.r53 = harness.route53_client(srv)
        self.ec2 = harness.route53_client(srv, "ec2")

    def vpc(self, cidr, hostnames=True, region="us-east-1"):
        ec2 = self.ec2 if region == "us-east-1" else harness.route53_client(self.srv, "ec2", region)
        vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        if hostnames:
            ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
        return vpc_id

    def private_zone(self, name, vpc_id, records, region="us-east-1"):
        zone = self.r53.create_hosted_zone(
            Name=name, CallerReference=uuid.uuid4().hex,
            HostedZoneConfig={"PrivateZone": True},
            VPC={"VPCRegion": region, "VPCId": vpc_id})
        zone_id = zone["HostedZone"]["Id"]
        self.upsert(zone_id, records)
        return zone_id

    def public_zone(self, name, records):
        zone = self.r53.create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)
        zone_id = zone["HostedZone"]["Id"]
        self.upsert(zone_id, records)
        return zone_id

    def upsert(self, zone_id, records):
        changes = [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": name, "Type": rtype, "TTL": 60,
            "ResourceRecords": [{"Value": v} for v in values]}}
            for name, rtype, values in records]
        if changes:
            change = self.r53.change_resource_record_sets(
                HostedZoneId=zone_id, ChangeBatch={"Changes": changes})["ChangeInfo"]["Id"]
            self.wait_insync(change)

    def wait_insync(self, change_id, timeout=5.0):
        deadline = time.monotonic() + timeout
        while self.r53.get_change(Id=change_id)["ChangeInfo"]["Status"] != "INSYNC":
            assert time.monotonic() < deadline, f"{change_id} not INSYNC within {timeout}s"
            time.sleep(0.02)


ROOT_ZONE = """\
$TTL 300
@   IN SOA a.root.test. hostmaster.root.test. 1 3600 600 86400 30
@   IN NS  a.root.test.
"""


@pytest.fixture
def lab(cairn_server, knot_server, tmp_path):
    # Public names go to a loopback "root" that knows nothing (never the real root): every
    # public name is NXDOMAIN there.
    root_file = tmp_path / "root.zone"
    root_file.write_text(ROOT_ZONE)
    root = knot_server({".": root_file})
    resolver_port = harness.free_port("127.0.0.1")
    vpc_port = harness.free_port("127.0.0.1")
    srv = cairn_server(extra_args=["--resolver-listen", f"127.0.0.1:{resolver_port}",
                                   "--vpc-dns-port", str(vpc_port),
                                   "--forwarder", "%s:%d" % root.addr])
    ready = srv.extra["ready"]
    assert ready["resolvers"] == [f"127.0.0.1:{resolver_port}"]
    return Lab(srv, ("127.0.0.1", resolver_port), vpc_port)


def test_split_horizon_no_fall_through_and_refused_outside(lab):
    vpc_a = lab.vpc(VPC_A)
    lab.public_zone("corp.example.", [("www.corp.example.", "A", ["192.0.2.10"]),
                                      ("only-public.corp.example.", "A", ["192.0.2.11"])])
    lab.private_zone("corp.example.", vpc_a, [("www.corp.example.", "A", ["10.0.0.10"])])

    # Inside the VPC: the private answer, authoritative data, recursion available.
    inside = ask(lab.resolver, "www.corp.example.", source=IN_A)
    assert inside.rcode() == dns.rcode.NOERROR
    assert addresses(inside) == ["10.0.0.10"]
    assert inside.flags & dns.flags.RA
    # The public listener: the public answer.
    public = ask(lab.srv.addr, "www.corp.example.")
    assert addresses(public) == ["192.0.2.10"]
    # A name only the public zone has: NXDOMAIN inside the VPC, never the public record.
    missing = ask(lab.resolver, "only-public.corp.example.", source=IN_A)
    assert missing.rcode() == dns.rcode.NXDOMAIN
    assert addresses(missing) == []
    assert any(rrset.rdtype == dns.rdatatype.SOA for rrset in missing.authority)
    # Over TCP too.
    assert addresses(ask(lab.resolver, "www.corp.example.", source=IN_A, tcp=True)) == ["10.0.0.10"]
    # A source in no VPC is refused.
    outside = ask(lab.resolver, "www.corp.example.", source=OUTSIDE)
    assert outside.rcode() == dns.rcode.REFUSED


def test_the_most_specific_private_zone_wins_without_falling_back(lab):
    vpc_a = lab.vpc(VPC_A)
    lab.private_zone("example.internal.", vpc_a, [("*.example.internal.", "A", ["10.0.0.1"]),
                                                  ("app.example.internal.", "A", ["10.0.0.2"])])
    lab.private_zone("dev.example.internal.", vpc_a, [("api.dev.example.internal.", "A", ["10.0.1.1"])])

    assert addresses(ask(lab.resolver, "app.example.internal.", source=IN_A)) == ["10.0.0.2"]
    assert addresses(ask(lab.resolver, "other.example.internal.", source=IN_A)) == ["10.0.0.1"]
    assert addresses(ask(lab.resolver, "api.dev.example.internal.", source=IN_A)) == ["10.0.1.1"]
    # The parent zone's wildcard would match, but dev.example.internal is more specific.
    nx = ask(lab.resolver, "nothing.dev.example.internal.", source=IN_A)
    assert nx.rcode() == dns.rcode.NXDOMAIN
    # NODATA for a name that exists with another type.
    nodata = ask(lab.resolver, "api.dev.example.internal.", "AAAA", source=IN_A)
    assert nodata.rcode() == dns.rcode.NOERROR and nodata.answer == []


def test_two_vpcs_see_their_own_associations_and_changes_apply_within_a_second(lab):
    vpc_a = lab.vpc(VPC_A)
    vpc_b = lab.vpc(VPC_B)
    zone_a = lab.private_zone("svc.internal.", vpc_a, [("db.svc.internal.", "A", ["10.1.0.1"])])
    lab.private_zone("svc.internal.", vpc_b, [("db.svc.internal.", "A", ["10.2.0.1"])])
    lab.private_zone("only-a.internal.", vpc_a, [("x.only-a.internal.", "A", ["10.1.9.9"])])

    assert addresses(ask(lab.resolver, "db.svc.internal.", source=IN_A)) == ["10.1.0.1"]
    assert addresses(ask(lab.resolver, "db.svc.internal.", source=IN_B)) == ["10.2.0.1"]
    assert addresses(ask(lab.resolver, "x.only-a.internal.", source=IN_A)) == ["10.1.9.9"]
    # VPC B has no zone for only-a.internal: it is resolved publicly (the loopback root says
    # NXDOMAIN), never from VPC A's zone.
    assert ask(lab.resolver, "x.only-a.internal.", source=IN_B).rcode() == dns.rcode.NXDOMAIN

    # A third VPC joins zone A: seen within a second of the call returning.
    vpc_c = lab.vpc("127.30.0.0/16")
    t0 = time.monotonic()
    change = lab.r53.associate_vpc_with_hosted_zone(
        HostedZoneId=zone_a, VPC={"VPCRegion": "us-east-1", "VPCId": vpc_c})["ChangeInfo"]["Id"]
    while addresses(ask(lab.resolver, "db.svc.internal.", source="127.30.0.9")) != ["10.1.0.1"]:
        assert time.monotonic() - t0 < 1.0, "association not served within 1 s"
        time.sleep(0.02)
    lab.wait_insync(change)
    # ... and leaves it again.
    t0 = time.monotonic()
    lab.r53.disassociate_vpc_from_hosted_zone(
        HostedZoneId=zone_a, VPC={"VPCRegion": "us-east-1", "VPCId": vpc_c})
    while addresses(ask(lab.resolver, "db.svc.internal.", source="127.30.0.9")) == ["10.1.0.1"]:
        assert time.monotonic() - t0 < 1.0, "disassociation not served within 1 s"
        time.sleep(0.02)


def test_ec2_hostnames_and_reverse_names(lab):
    vpc_a = lab.vpc(VPC_A)
    # ModifyVpcAttribute has no change id to wait for: the data plane applies it within
    # milliseconds; allow a second.
    deadline = time.monotonic() + 1
    while addresses(a := ask(lab.resolver, "ip-127-10-3-4.ec2.internal.", source=IN_A)) != ["127.10.3.4"]:
        assert time.monotonic() < deadline, f"EC2 hostname not served within 1 s: {a}"
        time.sleep(0.02)
    ptr = ask(lab.resolver, "4.3.10.127.in-addr.arpa.", "PTR", source=IN_A)
    assert addresses(ptr) == ["ip-127-10-3-4.ec2.internal."]
    # An address outside the VPC has no hostname here; private ranges stay private.
    assert ask(lab.resolver, "ip-127-20-3-4.ec2.internal.", source=IN_A).rcode() == dns.rcode.NXDOMAIN
    assert ask(lab.resolver, "1.2.3.10.in-addr.arpa.", "PTR", source=IN_A).rcode() == dns.rcode.NXDOMAIN
    # Without enableDnsHostnames there are no EC2 names (the name is left to public DNS).
    lab.ec2.modify_vpc_attribute(VpcId=vpc_a, EnableDnsHostnames={"Value": False})
    deadline = time.monotonic() + 2
    while addresses(ask(lab.resolver, "ip-127-10-3-4.ec2.internal.", source=IN_A)):
        assert time.monotonic() < deadline, "EC2 names still served with enableDnsHostnames off"
        time.sleep(0.05)


def test_each_vpc_answers_on_its_plus_two_address_and_dns_support_off_silences_it(lab):
    vpc_a = lab.vpc(VPC_A)
    lab.private_zone("plus2.internal.", vpc_a, [("h.plus2.internal.", "A", ["10.0.0.2"])])
    plus_two = ("127.10.0.2", lab.vpc_port)
    deadline = time.monotonic() + 3
    while True:
        try:
            # From a source outside the VPC: the "+2" address serves its VPC whoever asks.
            resp = ask(plus_two, "h.plus2.internal.", source="127.0.0.1", timeout=0.5)
            break
        except (dns.exception.Timeout, ConnectionRefusedError, OSError):
            assert time.monotonic() < deadline, "the VPC's +2 address never answered"
            time.sleep(0.05)
    assert addresses(resp) == ["10.0.0.2"]
    health = harness.http_get_json(lab.srv, "/_cairn/health")
    assert health["vpc_resolvers"][vpc_a] == [f"127.10.0.2:{lab.vpc_port}"]

    lab.ec2.modify_vpc_attribute(VpcId=vpc_a, EnableDnsSupport={"Value": False})
    deadline = time.monotonic() + 2
    while True:
        try:
            ask(plus_two, "h.plus2.internal.", source="127.0.0.1", timeout=0.3)
        except dns.exception.Timeout:
            break
        assert time.monotonic() < deadline, "resolver still answers with enableDnsSupport off"
    with pytest.raises(dns.exception.Timeout):
        ask(lab.resolver, "h.plus2.internal.", source=IN_A, timeout=0.5)


def test_routed_records_in_a_private_zone_follow_the_vpcs_region(lab):
    """Route 53 answers geolocation, latency and geoproximity records in a private zone by
    the Region of the querying VPC (ROUTE53.md §3): one zone, two VPCs in different regions,
    different answers."""
    west = lab.vpc(VPC_A, region="us-west-1")     # California
    europe = lab.vpc(VPC_B, region="eu-central-1")  # Frankfurt
    zone_id = lab.private_zone("routed.internal.", west, [], region="us-west-1")
    lab.r53.associate_vpc_with_hosted_zone(HostedZoneId=zone_id, VPC={"VPCRegion": "eu-central-1", "VPCId": europe})

    def routed(name, ident, ip, **policy):
        return {"Action": "CREATE", "ResourceRecordSet": {
            "Name": name, "Type": "A", "TTL": 60, "SetIdentifier": ident,
            "ResourceRecords": [{"Value": ip}], **policy}}

    change = lab.r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        routed("geo.routed.internal.", "default", "10.1.0.1", GeoLocation={"CountryCode": "*"}),
        routed("geo.routed.internal.", "california", "10.1.0.2", GeoLocation={"CountryCode": "US", "SubdivisionCode": "CA"}),
        routed("geo.routed.internal.", "europe", "10.1.0.3", GeoLocation={"ContinentCode": "EU"}),
        routed("lat.routed.internal.", "oregon", "10.2.0.1", Region="us-west-2"),
        routed("lat.routed.internal.", "ireland", "10.2.0.2", Region="eu-west-1"),
        routed("prox.routed.internal.", "los-angeles", "10.3.0.1",
               GeoProximityLocation={"Coordinates": {"Latitude": "34.05", "Longitude": "-118.24"}}),
        routed("prox.routed.internal.", "paris", "10.3.0.2", GeoProximityLocation={"AWSRegion": "eu-west-3"}),
    ]})["ChangeInfo"]["Id"]
    lab.wait_insync(change)

    for name, from_west, from_europe in [
        ("geo.routed.internal.", "10.1.0.2", "10.1.0.3"),
        ("lat.routed.internal.", "10.2.0.1", "10.2.0.2"),
        ("prox.routed.internal.", "10.3.0.1", "10.3.0.2"),
    ]:
        assert addresses(ask(lab.resolver, name, source=IN_A)) == [from_west], name
        assert addresses(ask(lab.resolver, name, source=IN_B)) == [from_europe], name


def test_zone_import_with_private_vpc_makes_and_replaces_a_private_zone(lab, tmp_path):
    """`cairn zone import FILE --private-vpc VPC_ID` (DESIGN.md §4) against the running
    server's store: the VPC sees the zone within a second, the public listener never does,
    and a second import replaces its records."""
    vpc_a = lab.vpc(VPC_A)
    zone_file = tmp_path / "lab.internal.zone"
    zone_file.write_text("$ORIGIN lab.internal.\n$TTL 300\n"
                         "@ IN SOA ns.lab.internal. admin.lab.internal. 1 7200 900 1209600 86400\n"
                         "db IN A 10.7.0.10\n")
    out = harness.cairn("zone", "import", str(zone_file), "--private-vpc", vpc_a, "--data-dir", str(lab.srv.workdir))
    assert "created private zone" in out.stdout
    harness.wait_for(lambda: addresses(ask(lab.resolver, "db.lab.internal.", source=IN_A)), lambda a: a == ["10.7.0.10"])
    assert ask(lab.srv.addr, "db.lab.internal.").rcode() == dns.rcode.REFUSED, "not a public zone"
    zones = lab.r53.list_hosted_zones_by_vpc(VPCId=vpc_a, VPCRegion="us-east-1")["HostedZoneSummaries"]
    assert [z["Name"] for z in zones] == ["lab.internal."]

    zone_file.write_text(zone_file.read_text().replace("10.7.0.10", "10.7.0.11"))
    out = harness.cairn("zone", "import", str(zone_file), "--private-vpc", vpc_a, "--data-dir", str(lab.srv.workdir))
    assert "replaced private zone" in out.stdout
    harness.wait_for(lambda: addresses(ask(lab.resolver, "db.lab.internal.", source=IN_A)), lambda a: a == ["10.7.0.11"])

    missing = harness.cairn("zone", "import", str(zone_file), "--private-vpc", "vpc-0000000000000000a",
                            "--data-dir", str(lab.srv.workdir), check=False)
    assert missing.returncode != 0 and "there is no VPC vpc-0000000000000000a" in missing.stderr
