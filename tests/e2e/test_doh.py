"""DNS over HTTPS on inbound Resolver endpoints (RFC 8484), end to end: endpoints made with
boto3 with `Protocols` including DoH, queried with kdig (`+https`, HTTP/2, POST and GET) and
with Python's own HTTP/1.1 client over TLS, from admitted and refused source addresses.

Addresses: the VPC is 127.10.0.0/16 (its endpoint addresses are local on loopback); the
security group admits TCP 443 and DNS port 53 from 127.77.0.0/16 ("on premises").
"""

from __future__ import annotations

import base64
import http.client
import shutil
import ssl
import subprocess
import uuid

import pytest

import harness

boto3 = pytest.importorskip("boto3")
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.exception  # noqa: E402

ON_PREM = "127.77.0.9"
STRANGER = "127.88.0.1"
NAME = "app.cloud.internal."


class Lab:
    def __init__(self, srv, vpc_port, doh_port):
        self.srv, self.vpc_port, self.doh_port = srv, vpc_port, doh_port
        self.ec2 = harness.route53_client(srv, "ec2")
        self.r53 = harness.route53_client(srv)
        self.resolver = harness.route53_client(srv, "route53resolver")
        vpc = self.ec2.create_vpc(CidrBlock="127.10.0.0/16")["Vpc"]["VpcId"]
        self.ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        self.subnets = [self.ec2.create_subnet(VpcId=vpc, CidrBlock=c)["Subnet"]["SubnetId"]
                        for c in ("127.10.1.0/24", "127.10.2.0/24")]
        self.sg = self.ec2.create_security_group(GroupName="doh", Description="DNS from on premises",
                                                 VpcId=vpc)["GroupId"]
        self.ec2.authorize_security_group_ingress(GroupId=self.sg, IpPermissions=[
            {"IpProtocol": proto, "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "127.77.0.0/16"}]}
            for proto, port in (("tcp", 443), ("udp", 53), ("tcp", 53))])
        zone = self.r53.create_hosted_zone(Name="cloud.internal", CallerReference=uuid.uuid4().hex,
                                           HostedZoneConfig={"PrivateZone": True},
                                           VPC={"VPCRegion": "us-east-1", "VPCId": vpc})["HostedZone"]["Id"]
        change = self.r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
            "Action": "CREATE", "ResourceRecordSet": {"Name": NAME, "Type": "A", "TTL": 60,
                                                      "ResourceRecords": [{"Value": "10.20.30.40"}]}}]})
        harness.wait_for(lambda: self.r53.get_change(Id=change["ChangeInfo"]["Id"])["ChangeInfo"]["Status"],
                         lambda s: s == "INSYNC")

    def inbound(self, ips, protocols):
        return self.resolver.create_resolver_endpoint(
            CreatorRequestId=uuid.uuid4().hex, SecurityGroupIds=[self.sg], Direction="INBOUND",
            IpAddresses=[{"SubnetId": s, "Ip": ip} for s, ip in zip(self.subnets, ips)],
            Protocols=protocols)["ResolverEndpoint"]["Id"]

    def listening(self, endpoint_id):
        return sorted(harness.http_get_json(self.srv, "/_cairn/health")["vpc_resolvers"].get(endpoint_id, []))


@pytest.fixture
def lab(cairn_server):
    vpc_port = harness.free_port("127.0.0.1")
    doh_port = harness.free_port("127.0.0.1")
    srv = cairn_server(extra_args=["--vpc-dns-port", str(vpc_port), "--doh-port", str(doh_port),
                                   "--forwarder", f"127.0.0.1:{harness.free_port('127.0.0.1')}"])
    return Lab(srv, vpc_port, doh_port)


def kdig(server_ip, port, source, *extra):
    if shutil.which("kdig") is None:
        pytest.skip("kdig is needed (apt-get install knot-dnsutils)")
    out = subprocess.run(["kdig", f"@{server_ip}", "-p", str(port), "-b", source, "+short", "+timeout=2",
                          "+retry=0", *extra, NAME, "A"], capture_output=True, text=True, timeout=15)
    return out.stdout.split(), out.returncode


def https_post(ip, port, source, body: bytes, content_type="application/dns-message", path="/dns-query"):
    """One HTTP/1.1 request over TLS (certificate not verified: it is self-signed)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection(ip, port, context=ctx, timeout=3, source_address=(source, 0))
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": content_type})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type"), resp.read()
    finally:
        conn.close()


def test_an_inbound_endpoint_with_doh_answers_over_https(lab):
    endpoint = lab.inbound(["127.10.1.30", "127.10.2.30"], ["Do53", "DoH"])
    want = sorted([f"127.10.1.30:{lab.vpc_port}", f"127.10.2.30:{lab.vpc_port}",
                   f"127.10.1.30:{lab.doh_port}", f"127.10.2.30:{lab.doh_port}"])
    harness.wait_for(lambda: lab.listening(endpoint), lambda got: got == want)

    # kdig over HTTP/2: POST, then GET (base64url in ?dns=).
    assert kdig("127.10.1.30", lab.doh_port, ON_PREM, "+https") == (["10.20.30.40"], 0)
    assert kdig("127.10.2.30", lab.doh_port, ON_PREM, "+https-get") == (["10.20.30.40"], 0)
    # The same endpoint still speaks Do53.
    q = dns.message.make_query(NAME, "A")
    reply = dns.query.udp(q, "127.10.1.30", port=lab.vpc_port, source=ON_PREM, timeout=2)
    assert [rd.to_text() for rrset in reply.answer for rd in rrset] == ["10.20.30.40"]

    # HTTP/1.1 with Python's client: the media type and the path are checked.
    status, media, body = https_post("127.10.1.30", lab.doh_port, ON_PREM, q.to_wire())
    assert (status, media) == (200, "application/dns-message")
    assert [rd.to_text() for rrset in dns.message.from_wire(body).answer for rd in rrset] == ["10.20.30.40"]
    assert https_post("127.10.1.30", lab.doh_port, ON_PREM, q.to_wire(), content_type="text/plain")[0] == 415
    assert https_post("127.10.1.30", lab.doh_port, ON_PREM, q.to_wire(), path="/other")[0] == 404
    assert https_post("127.10.1.30", lab.doh_port, ON_PREM, b"\x00\x01")[0] == 400

    # A source the security group does not admit gets no TLS connection at all.
    with pytest.raises((ConnectionError, ssl.SSLError, OSError)):
        https_post("127.10.1.30", lab.doh_port, STRANGER, q.to_wire())


def test_a_doh_only_endpoint_does_not_answer_plain_dns(lab):
    endpoint = lab.inbound(["127.10.1.40", "127.10.2.40"], ["DoH"])
    want = sorted([f"127.10.1.40:{lab.doh_port}", f"127.10.2.40:{lab.doh_port}"])
    harness.wait_for(lambda: lab.listening(endpoint), lambda got: got == want)
    assert kdig("127.10.1.40", lab.doh_port, ON_PREM, "+https") == (["10.20.30.40"], 0)
    q = dns.message.make_query(NAME, "A")
    with pytest.raises((dns.exception.Timeout, ConnectionError, OSError)):
        dns.query.udp(q, "127.10.1.40", port=lab.vpc_port, source=ON_PREM, timeout=0.5)

    # Deleting the endpoint closes its DoH sockets.
    lab.resolver.delete_resolver_endpoint(ResolverEndpointId=endpoint)
    harness.wait_for(lambda: lab.listening(endpoint), lambda got: got == [])
    with pytest.raises((ConnectionError, ssl.SSLError, OSError)):
        https_post("127.10.1.40", lab.doh_port, ON_PREM, q.to_wire())


def test_get_takes_base64url_without_padding(lab):
    endpoint = lab.inbound(["127.10.1.50", "127.10.2.50"], ["Do53", "DoH"])
    harness.wait_for(lambda: len(lab.listening(endpoint)), lambda n: n == 4)
    q = dns.message.make_query(NAME, "A")
    q.id = 0  # RFC 8484 §4.1: ID 0 for cache friendliness
    encoded = base64.urlsafe_b64encode(q.to_wire()).decode().rstrip("=")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.10.1.50", lab.doh_port, context=ctx, timeout=3,
                                       source_address=(ON_PREM, 0))
    conn.request("GET", f"/dns-query?dns={encoded}", headers={"Accept": "application/dns-message"})
    resp = conn.getresponse()
    assert resp.status == 200
    reply = dns.message.from_wire(resp.read())
    assert reply.id == 0 and [rd.to_text() for rrset in reply.answer for rd in rrset] == ["10.20.30.40"]
    conn.request("GET", "/dns-query?dns=!!!")
    bad = conn.getresponse()
    assert bad.status == 400
    bad.read()
    conn.close()
