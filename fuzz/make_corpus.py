"""Writes the seed corpus of the fuzz targets (run with the e2e venv: it needs dnspython).

    .venv/bin/python fuzz/make_corpus.py

dns_query: well-formed queries for the names of tests/fixtures/zones/every-type.zone (every
type, with and without EDNS, mixed case) and the malformed shapes of the e2e storm.
zonefile: every fixture zone, good and bad. rest_xml: request bodies of the Route 53 operations.
Files are named by content hash, as libFuzzer names its own finds.
"""

import hashlib
import struct
from pathlib import Path

import dns.message
import dns.rdatatype

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
CORPUS = ROOT / "corpus"


def put(target: str, data: bytes) -> None:
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def dns_seeds():
    names = ["example.com", "www.example.com", "WwW.ExAmPlE.CoM", "x.wild.example.com", "alias.example.com",
             "mail.example.com", "sub.example.com", "a.b.sub.example.com", "_sip._tcp.example.com",
             "txt.example.com", "nonexistent.example.com", "example.org", "4.3.2.1.example.com", "."]
    types = ["A", "AAAA", "NS", "SOA", "MX", "TXT", "CNAME", "SRV", "CAA", "PTR", "NAPTR", "SPF", "DS",
             "ANY", "AXFR", "HTTPS", "SVCB", "TYPE65280"]
    for name in names:
        for t in types:
            q = dns.message.make_query(name, t, use_edns=False)
            q.id = 0x1234
            put("dns_query", q.to_wire())
        for payload in (512, 1232, 4096, 65535):
            q = dns.message.make_query(name, "A", use_edns=0, payload=payload, want_dnssec=True)
            put("dns_query", q.to_wire())
    hdr = lambda qd=1, an=0, ns=0, ar=0, flags=0: struct.pack("!HHHHHH", 0x4242, flags, qd, an, ns, ar)
    q = b"\x03www\x07example\x03com\x00" + struct.pack("!HH", 1, 1)
    opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)
    for m in [hdr() + b"\xc0\x0c" + q[-4:], hdr(ar=1) + q + b"\xc0\x0c\xc0\x0c", hdr(qd=5) + q,
              hdr(ar=0xFFFF) + q, hdr(ar=1) + q + opt[:5], hdr(ar=2) + q + opt + opt,
              hdr(ar=1) + q + b"\x00" + struct.pack("!HHIH", 41, 1232, 0x00050000, 0),
              hdr(ar=1) + q + b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 12) + b"\x00\x0a\x00\x08" + b"\x01" * 8,
              hdr(flags=0x7800) + q, hdr(flags=0x2800, an=1) + q, hdr()]:
        put("dns_query", m)


def zone_seeds():
    for path in sorted((REPO / "tests/fixtures/zones").rglob("*.zone")):
        put("zonefile", path.read_bytes())
    put("zonefile", b"$ORIGIN example.com.\n$TTL 60\n@ IN SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n")


def xml_seeds():
    ns = "https://route53.amazonaws.com/doc/2013-04-01/"
    rrset = lambda action, name, t, values, extra="": (
        f"<Change><Action>{action}</Action><ResourceRecordSet><Name>{name}</Name><Type>{t}</Type>{extra}"
        + "<TTL>300</TTL><ResourceRecords>"
        + "".join(f"<ResourceRecord><Value>{v}</Value></ResourceRecord>" for v in values)
        + "</ResourceRecords></ResourceRecordSet></Change>")
    bodies = [
        f'<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="{ns}"><Name>example.com</Name>'
        "<CallerReference>ref-1</CallerReference><HostedZoneConfig><Comment>c &amp; d</Comment>"
        "<PrivateZone>false</PrivateZone></HostedZoneConfig></CreateHostedZoneRequest>",
        f'<ChangeResourceRecordSetsRequest xmlns="{ns}"><ChangeBatch><Comment>x</Comment><Changes>'
        + rrset("CREATE", "www.example.com", "A", ["192.0.2.1", "192.0.2.2"])
        + rrset("UPSERT", "txt.example.com", "TXT", ['"hello world"', '"a\\"b"'])
        + rrset("DELETE", "mx.example.com", "MX", ["10 mail.example.com"])
        + rrset("CREATE", "w.example.com", "A", ["192.0.2.9"],
                "<SetIdentifier>one</SetIdentifier><Weight>10</Weight><HealthCheckId>abc</HealthCheckId>")
        + "<Change><Action>CREATE</Action><ResourceRecordSet><Name>al.example.com</Name><Type>A</Type>"
          "<AliasTarget><HostedZoneId>Z1</HostedZoneId><DNSName>www.example.com</DNSName>"
          "<EvaluateTargetHealth>true</EvaluateTargetHealth></AliasTarget></ResourceRecordSet></Change>"
        + "<Change><Action>CREATE</Action><ResourceRecordSet><Name>geo.example.com</Name><Type>A</Type>"
          "<SetIdentifier>eu</SetIdentifier><GeoLocation><ContinentCode>EU</ContinentCode></GeoLocation>"
          "<TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.3</Value></ResourceRecord>"
          "</ResourceRecords></ResourceRecordSet></Change>"
        + "</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>",
        f'<CreateHealthCheckRequest xmlns="{ns}"><CallerReference>hc</CallerReference><HealthCheckConfig>'
        "<IPAddress>192.0.2.1</IPAddress><Port>80</Port><Type>HTTP</Type><ResourcePath>/</ResourcePath>"
        "<RequestInterval>30</RequestInterval><FailureThreshold>3</FailureThreshold></HealthCheckConfig>"
        "</CreateHealthCheckRequest>",
        "<a><![CDATA[x]]><!-- c --><b attr='1'/></a>",
    ]
    for b in bodies:
        put("rest_xml", b.encode())


if __name__ == "__main__":
    dns_seeds()
    zone_seeds()
    xml_seeds()
    for d in sorted(CORPUS.iterdir()):
        print(d.name, len(list(d.iterdir())))
