"""What the API reports is what is served (issue 16): once CreateVpc or
CreateResolverEndpoint has answered, the new addresses answer DNS at once, and once
DeleteVpc or DeleteResolverEndpoint has answered, their sockets are closed.

Every query here is asked once, right after the call returned, with no retry: a listener
bound "a moment later" fails it. Public names go to a loopback "root" that knows nothing,
so an answer is NXDOMAIN.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import uuid

import pytest

import harness

boto3 = pytest.importorskip("boto3")
dns = pytest.importorskip("dns")
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402

ROOT_ZONE = """\
$TTL 300
@   IN SOA a.root.test. hostmaster.root.test. 1 3600 600 86400 30
@   IN NS  a.root.test.
"""
NAME = "nothing.example."


@pytest.fixture
def lab(cairn_server, knot_server, tmp_path):
    root_file = tmp_path / "root.zone"
    root_file.write_text(ROOT_ZONE)
    root = knot_server({".": root_file})
    vpc_port = harness.free_port("127.0.0.1")
    doh_port = harness.free_port("127.0.0.1")
    srv = cairn_server(extra_args=["--vpc-dns-port", str(vpc_port), "--doh-port", str(doh_port),
                                   "--forwarder", "%s:%d" % root.addr])
    return srv, vpc_port, doh_port


def ask(ip, port, tcp=False):
    q = dns.message.make_query(NAME, "A")
    if tcp:
        return dns.query.tcp(q, ip, port=port, source="127.0.0.1", timeout=2)
    return dns.query.udp(q, ip, port=port, source="127.0.0.1", timeout=2)


def doh_post(ip, port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection(ip, port, context=ctx, timeout=2)
    try:
        conn.request("POST", "/dns-query", body=dns.message.make_query(NAME, "A").to_wire(),
                     headers={"Content-Type": "application/dns-message"})
        resp = conn.getresponse()
        assert resp.status == 200
        return dns.message.from_wire(resp.read())
    finally:
        conn.close()


def assert_closed(ip, port):
    """Nothing listens on TCP `ip:port` (a closed listener refuses at once)."""
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((ip, port), timeout=2).close()


def test_a_vpc_answers_on_its_plus_two_address_as_soon_as_create_vpc_returns(lab):
    srv, vpc_port, _ = lab
    ec2 = harness.route53_client(srv, "ec2")
    for i in range(5):
        vpc = ec2.create_vpc(CidrBlock=f"127.{40 + i}.0.0/16")["Vpc"]
        assert vpc["State"] == "available"
        plus_two = f"127.{40 + i}.0.2"
        assert ask(plus_two, vpc_port).rcode() == dns.rcode.NXDOMAIN, f"VPC {i} over UDP"
        assert ask(plus_two, vpc_port, tcp=True).rcode() == dns.rcode.NXDOMAIN, f"VPC {i} over TCP"
        ec2.delete_vpc(VpcId=vpc["VpcId"])
        assert_closed(plus_two, vpc_port)


def test_an_inbound_endpoint_answers_as_soon_as_create_returns(lab):
    srv, vpc_port, doh_port = lab
    ec2 = harness.route53_client(srv, "ec2")
    resolver = harness.route53_client(srv, "route53resolver")
    vpc = ec2.create_vpc(CidrBlock="127.50.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=c)["Subnet"]["SubnetId"]
               for c in ("127.50.1.0/24", "127.50.2.0/24")]
    sg = ec2.create_security_group(GroupName="dns", Description="DNS", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": proto, "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "127.0.0.0/8"}]}
        for proto, port in (("tcp", 443), ("udp", 53), ("tcp", 53))])
    for i in range(3):
        ips = [f"127.50.1.{10 + i}", f"127.50.2.{10 + i}"]
        endpoint = resolver.create_resolver_endpoint(
            CreatorRequestId=uuid.uuid4().hex, SecurityGroupIds=[sg], Direction="INBOUND",
            IpAddresses=[{"SubnetId": s, "Ip": ip} for s, ip in zip(subnets, ips)],
            Protocols=["Do53", "DoH"])["ResolverEndpoint"]["Id"]
        for ip in ips:
            assert ask(ip, vpc_port).rcode() == dns.rcode.NXDOMAIN, f"{ip} over UDP"
            assert ask(ip, vpc_port, tcp=True).rcode() == dns.rcode.NXDOMAIN, f"{ip} over TCP"
            assert doh_post(ip, doh_port).rcode() == dns.rcode.NXDOMAIN, f"{ip} over DoH"
        resolver.delete_resolver_endpoint(ResolverEndpointId=endpoint)
        for ip in ips:
            assert_closed(ip, vpc_port)
            assert_closed(ip, doh_port)
