"""The hybrid DNS flow of test_hybrid_dns.py over IPv6, run INSIDE a network namespace.

test_hybrid_ipv6.py creates the namespace (lo up, fd77::/64 "on premises", fd99::/64
"elsewhere" and fd00:ec2::/64 routed local, net.ipv6.ip_nonlocal_bind=1 so that any address
of a local prefix can be bound, the IPv6 counterpart of 127.0.0.0/8) and runs

    ip netns exec NS python ipv6_scenario.py WORKDIR

This script starts `cairn serve`, Unbound and BIND (all inside the namespace, as its
children), drives the APIs with boto3 over 127.0.0.1 inside the namespace, asks DNS
questions from chosen IPv6 source addresses, stops everything it started, and prints one
JSON object on its last stdout line:

    {"sections": {name: {"ok": bool, "checks": [...], "error": str}}, "logs": {...}, ...}

Each section runs on its own (a failure in one does not hide the others). The pytest side
asserts on it.

    VPC        10.20.0.0/16 + a random ULA /56 from AmazonProvidedIpv6CidrBlock (routed local
               here once known); subnets S1, S2, S3 = the /56's 1st, 2nd, 3rd /64 (S3: DNS64)
    shared resolver   [fd00:ec2::253]:R   (--resolver-listen; the VPC chosen by source)
    outbound (IPV6)   S1::10, S2::10      -> Unbound [fd77::53] corp.internal, answers only them
    outbound (DUAL)   S1::30 + 10.20.1.30 -> Unbound [fd77::63] branch.internal, only S1::30
    inbound (IPV6)    S1::20, S2::20 on --vpc-dns-port; SG admits fd77::/64 (udp+tcp 53)
    BIND       [::1]:B, queries from fd77::54, forwards cloud.internal to S1::20, S2::20
    clients    in the VPC S1::5 / S3::5; on premises fd77::9; a stranger fd99::1
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
import time
import traceback
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dns.exception  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

import harness  # noqa: E402
import peers  # noqa: E402
from test_vpc_resolver import Lab, addresses, ask  # noqa: E402

RESOLVER_IP = "fd00:ec2::253"
ON_PREM = "fd77::9"
STRANGER = "fd99::1"
UNBOUND_IP = "fd77::53"
UNBOUND2_IP = "fd77::63"
BIND_SOURCE = "fd77::54"


def eventually(check, timeout=3.0, what="condition"):
    deadline = time.monotonic() + timeout
    result = None
    while True:
        try:
            result = check()
            if result:
                return result
        except (dns.exception.Timeout, OSError) as e:
            result = repr(e)
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not reached within {timeout}s (last: {result!r})")
        time.sleep(0.05)


def times_out(server, qname, source, tcp=False, qtype="A"):
    """True when `server` sends nothing back to `source` within half a second."""
    try:
        resp = ask(server, qname, qtype, source=source, timeout=0.5, tcp=tcp)
    except dns.exception.Timeout:
        return True
    except (ConnectionError, EOFError):
        return True  # TCP: closed without an answer
    raise AssertionError(f"{server} answered {source}: rcode {dns.rcode.to_text(resp.rcode())}, "
                         f"answer {addresses(resp)}")


class Scenario:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.started: list[harness.Server] = []
        self.sections: dict[str, dict] = {}
        self.checks: list[str] = []
        self.info: dict = {}

    # -- bookkeeping

    def check(self, cond, what, detail=""):
        if not cond:
            raise AssertionError(f"{what}: {detail}" if detail else what)
        self.checks.append(what)

    def section(self, name, fn):
        self.checks = []
        try:
            fn()
            self.sections[name] = {"ok": True, "checks": self.checks}
        except Exception as e:  # noqa: BLE001 - reported to the pytest side
            self.sections[name] = {"ok": False, "checks": self.checks,
                                   "error": f"{type(e).__name__}: {e}",
                                   "traceback": traceback.format_exc()}

    def subnet_ip(self, index, host):
        """Address `host` (an int) in subnet `index` (1-based)."""
        net = self.subnet_blocks[index - 1]
        return str(net.network_address + host)

    # -- set-up

    def start(self):
        self.resolver_port = harness.free_port(RESOLVER_IP)
        self.vpc_port = harness.free_port("::1")
        dead = harness.free_port("::1")
        srv = harness.start_cairn(
            self.workdir / "cairn", dns_listen=["[::1]:0"],
            extra_args=["--resolver-listen", f"[{RESOLVER_IP}]:{self.resolver_port}",
                        "--vpc-dns-port", str(self.vpc_port),
                        # public names: a dead loopback forwarder, never the internet
                        "--forwarder", f"[::1]:{dead}"])
        self.started.append(srv)
        self.srv = srv
        self.lab = Lab(srv, (RESOLVER_IP, self.resolver_port), self.vpc_port)
        self.rapi = harness.route53_client(srv, "route53resolver")
        self.info["resolver"] = f"[{RESOLVER_IP}]:{self.resolver_port}"
        self.info["vpc_dns_port"] = self.vpc_port

        ec2 = self.lab.ec2
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
        self.vpc = vpc["VpcId"]
        assoc = vpc.get("Ipv6CidrBlockAssociationSet") or []
        if not assoc:  # not in the create response: ask for it
            assoc = ec2.describe_vpcs(VpcIds=[self.vpc])["Vpcs"][0].get("Ipv6CidrBlockAssociationSet") or []
        assert assoc, f"CreateVpc with AmazonProvidedIpv6CidrBlock gave no IPv6 block: {vpc}"
        block = ipaddress.IPv6Network(assoc[0]["Ipv6CidrBlock"])
        assert block.prefixlen == 56 and block.subnet_of(ipaddress.IPv6Network("fd00::/8")), block
        self.block = block
        self.info["vpc_ipv6_block"] = str(block)
        # Route the VPC's block locally in this namespace, like fd77::/64 (we are inside it).
        subprocess.run(["ip", "-6", "route", "add", "local", str(block), "dev", "lo"], check=True)
        ec2.modify_vpc_attribute(VpcId=self.vpc, EnableDnsHostnames={"Value": True})
        self.subnet_blocks = list(block.subnets(new_prefix=64))[1:4]
        self.subnets = []
        for i, net in enumerate(self.subnet_blocks, start=1):
            sub = ec2.create_subnet(VpcId=self.vpc, CidrBlock=f"10.20.{i}.0/24", Ipv6CidrBlock=str(net))["Subnet"]
            got = [a["Ipv6CidrBlock"] for a in sub.get("Ipv6CidrBlockAssociationSet", [])]
            assert got == [str(net)], f"subnet {sub['SubnetId']} IPv6 blocks {got}, wanted {net}"
            self.subnets.append(sub["SubnetId"])
        self.sg = ec2.create_security_group(GroupName="dns", Description="DNS from on premises",
                                            VpcId=self.vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=self.sg, IpPermissions=[
            {"IpProtocol": proto, "FromPort": 53, "ToPort": 53, "Ipv6Ranges": [{"CidrIpv6": "fd77::/64"}]}
            for proto in ("udp", "tcp")])
        self.in_vpc = self.subnet_ip(1, 5)
        self.in_dns64 = self.subnet_ip(3, 5)

    def endpoint(self, direction, addrs, endpoint_type="IPV6", **extra):
        ips = []
        for subnet, ip, ipv6 in addrs:
            item = {"SubnetId": self.subnets[subnet - 1]}
            if ip:
                item["Ip"] = ip
            if ipv6:
                item["Ipv6"] = ipv6
            ips.append(item)
        ep = self.rapi.create_resolver_endpoint(
            CreatorRequestId=uuid.uuid4().hex, Name=f"{direction.lower()}-{endpoint_type.lower()}",
            SecurityGroupIds=[self.sg], Direction=direction, ResolverEndpointType=endpoint_type,
            IpAddresses=ips, **extra)["ResolverEndpoint"]
        self.check(ep["ResolverEndpointType"] == endpoint_type, f"{direction} endpoint type {endpoint_type}",
                   ep["ResolverEndpointType"])
        listed = self.rapi.list_resolver_endpoint_ip_addresses(ResolverEndpointId=ep["Id"])["IpAddresses"]
        want = sorted((self.subnets[s - 1], ip, ipv6) for s, ip, ipv6 in addrs)
        got = sorted((a["SubnetId"], a.get("Ip"), a.get("Ipv6")) for a in listed)
        self.check(got == want, f"{direction} endpoint {ep['Id']} holds the requested addresses", f"{got} != {want}")
        return ep["Id"]

    def unbound(self, name, host, zone, records, allow):
        port = harness.free_port(host)
        srv = peers.start_unbound(
            self.workdir / name, host, port, allow=allow, local_zone=zone,
            local_data=[f"{zone} 300 IN SOA ns.{zone} hostmaster.{zone} 1 3600 600 86400 300", *records])
        self.started.append(srv)
        return srv

    # -- sections

    def outbound(self):
        lab, rapi = self.lab, self.rapi
        s1_10, s2_10 = self.subnet_ip(1, 0x10), self.subnet_ip(2, 0x10)
        unbound = self.unbound("unbound", UNBOUND_IP, "corp.internal.",
                               ["host.corp.internal. 300 IN A 172.16.5.5",
                                "host.corp.internal. 300 IN AAAA fd77::5:5"],
                               allow=[f"{s1_10}/128", f"{s2_10}/128"])
        port = unbound.addr[1]
        outbound = self.endpoint("OUTBOUND", [(1, None, s1_10), (2, None, s2_10)])
        rule = rapi.create_resolver_rule(
            CreatorRequestId=uuid.uuid4().hex, Name="corp", RuleType="FORWARD", DomainName="corp.internal",
            TargetIps=[{"Ipv6": UNBOUND_IP, "Port": port}], ResolverEndpointId=outbound)["ResolverRule"]
        targets = [(t.get("Ipv6"), t.get("Ip"), t.get("Port")) for t in rule["TargetIps"]]
        self.check(targets == [(UNBOUND_IP, None, port)], "rule keeps its IPv6 target", targets)
        # A private zone of the same name: the rule must win over it.
        lab.private_zone("corp.internal.", self.vpc, [("host.corp.internal.", "A", ["10.99.99.99"])])
        rapi.associate_resolver_rule(ResolverRuleId=rule["Id"], VPCId=self.vpc, Name="corp-a")

        eventually(lambda: addresses(ask(lab.resolver, "host.corp.internal.", source=self.in_vpc, timeout=1))
                   == ["172.16.5.5"], what=f"forwarded A answer to {self.in_vpc} via {lab.resolver}")
        self.check(True, "client in the VPC's IPv6 block gets the on-premises A through the shared resolver")
        got = addresses(ask(lab.resolver, "host.corp.internal.", "AAAA", source=self.in_vpc))
        self.check(got == ["fd77::5:5"], "... and the AAAA", got)
        got = addresses(ask(lab.resolver, "host.corp.internal.", source=self.in_vpc, tcp=True))
        self.check(got == ["172.16.5.5"], "... and over TCP", got)
        # Unbound answers only the outbound endpoint's IPv6 addresses: the answers above prove
        # the queries left from one of them. Asked directly from the client, it refuses.
        direct = ask((UNBOUND_IP, port), "host.corp.internal.", source=self.in_vpc)
        self.check(direct.rcode() == dns.rcode.REFUSED, "Unbound refuses the client itself",
                   dns.rcode.to_text(direct.rcode()))
        direct = ask((UNBOUND_IP, port), "host.corp.internal.", source=s1_10)
        self.check(addresses(direct) == ["172.16.5.5"], "Unbound answers the endpoint's address", addresses(direct))
        # A source in no VPC is refused by the shared resolver address.
        stranger = ask(lab.resolver, "host.corp.internal.", source=STRANGER)
        self.check(stranger.rcode() == dns.rcode.REFUSED, "shared resolver refuses a source in no VPC",
                   dns.rcode.to_text(stranger.rcode()))

        # A DUALSTACK outbound endpoint forwards to an IPv6 target from its IPv6 addresses.
        s1_30, s2_30 = self.subnet_ip(1, 0x30), self.subnet_ip(2, 0x30)
        unbound2 = self.unbound("unbound2", UNBOUND2_IP, "branch.internal.",
                                ["db.branch.internal. 300 IN A 172.16.7.7"],
                                allow=[f"{s1_30}/128", f"{s2_30}/128"])
        dual = self.endpoint("OUTBOUND", [(1, "10.20.1.30", s1_30), (2, "10.20.2.30", s2_30)],
                             endpoint_type="DUALSTACK")
        rule2 = rapi.create_resolver_rule(
            CreatorRequestId=uuid.uuid4().hex, Name="branch", RuleType="FORWARD", DomainName="branch.internal",
            TargetIps=[{"Ipv6": UNBOUND2_IP, "Port": unbound2.addr[1]}], ResolverEndpointId=dual)["ResolverRule"]
        rapi.associate_resolver_rule(ResolverRuleId=rule2["Id"], VPCId=self.vpc, Name="branch-a")
        eventually(lambda: addresses(ask(lab.resolver, "db.branch.internal.", source=self.in_vpc, timeout=1))
                   == ["172.16.7.7"], what="answer through the DUALSTACK endpoint")
        self.check(True, "DUALSTACK outbound endpoint forwards to an IPv6 target from its IPv6 address")

        # Disassociating the FORWARD rule hands corp.internal back to the private zone.
        rapi.disassociate_resolver_rule(ResolverRuleId=rule["Id"], VPCId=self.vpc)
        eventually(lambda: addresses(ask(lab.resolver, "host.corp.internal.", source=self.in_vpc, timeout=1))
                   == ["10.99.99.99"], what="private zone after disassociation")
        self.check(True, "disassociation hands the name back to the private zone")

    def inbound(self):
        lab, rapi = self.lab, self.rapi
        lab.private_zone("cloud.internal.", self.vpc, [("app.cloud.internal.", "A", ["10.20.30.40"]),
                                                       ("app.cloud.internal.", "AAAA", ["fd00:20::40"])])
        s1_20, s2_20 = self.subnet_ip(1, 0x20), self.subnet_ip(2, 0x20)
        inbound = self.endpoint("INBOUND", [(1, None, s1_20), (2, None, s2_20)])
        in1, in2 = (s1_20, self.vpc_port), (s2_20, self.vpc_port)

        resp = eventually(lambda: ask(in1, "app.cloud.internal.", source=ON_PREM, timeout=0.5),
                          what=f"inbound endpoint [{s1_20}]:{self.vpc_port} answering {ON_PREM}")
        self.check(addresses(resp) == ["10.20.30.40"], "inbound endpoint answers the private zone (A)",
                   addresses(resp))
        got = addresses(ask(in1, "app.cloud.internal.", "AAAA", source=ON_PREM))
        self.check(got == ["fd00:20::40"], "... (AAAA)", got)
        got = addresses(ask(in2, "app.cloud.internal.", source=ON_PREM))
        self.check(got == ["10.20.30.40"], "... on its second address", got)
        got = addresses(ask(in1, "app.cloud.internal.", source=ON_PREM, tcp=True))
        self.check(got == ["10.20.30.40"], "... over TCP", got)
        # Sources the security group (fd77::/64) does not admit get nothing back.
        self.check(times_out(in1, "app.cloud.internal.", STRANGER), "no answer to a source outside the SG (UDP)")
        self.check(times_out(in1, "app.cloud.internal.", STRANGER, tcp=True),
                   "no answer to a source outside the SG (TCP)")
        health = harness.http_get_json(self.srv, "/_cairn/health")
        want = sorted([f"[{s1_20}]:{self.vpc_port}", f"[{s2_20}]:{self.vpc_port}"])
        got = sorted(health.get("vpc_resolvers", {}).get(inbound, []))
        self.check(got == want, "health lists the endpoint's IPv6 sockets", f"{got} != {want}")

        # BIND on premises ([::1], queries leaving from fd77::54) forwards cloud.internal to
        # the endpoint's IPv6 addresses.
        named = peers.start_named(self.workdir / "named", BIND_SOURCE, harness.free_port("::1"),
                                  forward_zones={"cloud.internal": [in1, in2]})
        self.started.append(named)
        via_bind = eventually(lambda: ask(named.addr, "app.cloud.internal.", timeout=2),
                              timeout=8, what="answer through BIND")
        self.check(via_bind.rcode() == dns.rcode.NOERROR and addresses(via_bind) == ["10.20.30.40"],
                   "BIND forwarding to the inbound endpoint's IPv6 addresses gets the private answer",
                   f"{dns.rcode.to_text(via_bind.rcode())} {addresses(via_bind)}")

        rapi.delete_resolver_endpoint(ResolverEndpointId=inbound)

        def closed():
            try:
                ask(in1, "app.cloud.internal.", source=ON_PREM, timeout=0.3)
                return False
            except (dns.exception.Timeout, ConnectionRefusedError):
                return True
        eventually(closed, what="endpoint closed after deletion")
        self.check(True, "deleting the endpoint closes its IPv6 addresses")

    def dns64(self):
        lab = self.lab
        lab.private_zone("v4only.internal.", self.vpc, [("web.v4only.internal.", "A", ["192.0.2.33"]),
                                                        ("dual.v4only.internal.", "A", ["192.0.2.34"]),
                                                        ("dual.v4only.internal.", "AAAA", ["2001:db8::34"])])
        lab.ec2.modify_subnet_attribute(SubnetId=self.subnets[2], EnableDns64={"Value": True})
        got = eventually(lambda: addresses(ask(lab.resolver, "web.v4only.internal.", "AAAA",
                                               source=self.in_dns64, timeout=1)),
                         what=f"DNS64 synthesis for {self.in_dns64}")
        self.check(got == ["64:ff9b::c000:221"], "DNS64 subnet client (IPv6 source) gets a synthesized AAAA", got)
        got = addresses(ask(lab.resolver, "dual.v4only.internal.", "AAAA", source=self.in_dns64))
        self.check(got == ["2001:db8::34"], "a real AAAA is kept", got)
        plain = ask(lab.resolver, "web.v4only.internal.", "AAAA", source=self.in_vpc)
        self.check(plain.rcode() == dns.rcode.NOERROR and plain.answer == [],
                   "no synthesis outside DNS64 subnets", f"{dns.rcode.to_text(plain.rcode())} {addresses(plain)}")
        # The synthesized address of a VPC IPv4 address maps back through ip6.arpa.
        self.dns64_ptr("10.20.1.5")

        s1_40, s2_40 = self.subnet_ip(1, 0x40), self.subnet_ip(2, 0x40)
        self.endpoint("INBOUND", [(1, None, s1_40), (2, None, s2_40)], Dns64Enabled=True)
        got = eventually(lambda: addresses(ask((s1_40, self.vpc_port), "web.v4only.internal.", "AAAA",
                                               source=ON_PREM, timeout=0.5)),
                         what="DNS64 through the IPv6 inbound endpoint")
        self.check(got == ["64:ff9b::c000:221"], "DNS64 inbound endpoint synthesizes for on-premises IPv6 clients",
                   got)

    def dns64_ptr(self, v4):
        """A DNS64 client's PTR query for 64:ff9b::`v4` (ip6.arpa): a CNAME to the IPv4 reverse
        name and the VPC's autodefined PTR behind it."""
        ptr_name = ipaddress.IPv6Address(f"64:ff9b::{v4}").reverse_pointer + "."
        v4_name = ipaddress.IPv4Address(v4).reverse_pointer + "."
        hostname = "ip-" + v4.replace(".", "-") + ".ec2.internal."
        ptr = ask(self.lab.resolver, ptr_name, "PTR", source=self.in_dns64)
        got = sorted(f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)} {rr}" for rrset in ptr.answer for rr in rrset)
        want = sorted([f"{ptr_name} CNAME {v4_name}", f"{v4_name} PTR {hostname}"])
        self.check(ptr.rcode() == dns.rcode.NOERROR and got == want,
                   f"DNS64 ip6.arpa PTR for 64:ff9b::{v4} maps to {hostname}",
                   f"{dns.rcode.to_text(ptr.rcode())} {got}")

    def dns64_ptr_repeated_labels(self):
        # 10.20.20.5 -> 5.20.20.10.in-addr.arpa: two equal adjacent labels in a name the
        # response writer has to write out (not compressible against the question).
        try:
            self.dns64_ptr("10.20.20.5")
        except dns.exception.Timeout:
            raise AssertionError("no answer at all for the DNS64 PTR of 64:ff9b::10.20.20.5 (Cairn's answer "
                                 "task panicked? see its log)") from None

    # -- run

    def run(self) -> dict:
        out: dict = {"info": self.info}
        try:
            try:
                self.start()
            except Exception as e:  # noqa: BLE001
                out["setup_error"] = f"{type(e).__name__}: {e}\n{traceback.format_exc()}"
            else:
                self.section("outbound", self.outbound)
                self.section("inbound", self.inbound)
                self.section("dns64", self.dns64)
                self.section("dns64_ptr_repeated_labels", self.dns64_ptr_repeated_labels)
        finally:
            logs = {}
            for srv in reversed(self.started):
                rc = srv.stop()
                logs[f"{srv.name} (pid {srv.pid}, exit {rc})"] = srv.log()[-200_000:]
            out["logs"] = logs
        out["sections"] = self.sections
        return out


def main() -> int:
    workdir = Path(sys.argv[1])
    workdir.mkdir(parents=True, exist_ok=True)
    result = Scenario(workdir).run()
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
