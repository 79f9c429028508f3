"""Route 53 through the AWS CLI (`aws route53 ...`) against a real `cairn serve`.

The CLI is run as a user would: endpoint and credentials from the environment
(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...), change batches from `file://`, JSON output. Every
change is checked over DNS with dnspython against the server's DNS port.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path

import dns.rcode
import dns.rdatatype
import pytest

import harness

AWS = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "aws"


@pytest.fixture
def cli(cairn_server, tmp_path):
    if not AWS.exists():
        pytest.skip(f"{AWS} not installed (./run-tests installs awscli into .venv)")
    srv = cairn_server()
    env = harness.aws_env(srv, tmp_path)
    env.update({"AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1"})

    class Cli:
        server = srv
        workdir = tmp_path

        def run(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
            res = subprocess.run([str(AWS), "route53", *args, "--output", "json"], capture_output=True,
                                 text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL)
            if check and res.returncode != 0:
                raise AssertionError(f"aws route53 {' '.join(args)} exited {res.returncode}:\n{res.stderr}")
            return res

        def json(self, *args: str, **kw):
            out = self.run(*args, **kw).stdout
            return json.loads(out) if out.strip() else None

        def batch(self, changes: list[dict], comment: str | None = None) -> str:
            path = tmp_path / f"batch-{uuid.uuid4().hex[:8]}.json"
            body = {"Changes": changes}
            if comment:
                body["Comment"] = comment
            path.write_text(json.dumps(body))
            return f"file://{path}"

    return Cli()


def served(srv, name: str, rtype: str) -> tuple[int, set[str], int | None]:
    """(rcode, the answer's RDATA for name/type as text, TTL) from Cairn's DNS port."""
    r = harness.query(srv.addr, name, rtype, edns=0)
    want = dns.rdatatype.from_text(rtype)
    rdatas, ttl = set(), None
    for rrset in r.answer:
        if rrset.rdtype == want and rrset.name.to_text().lower() == name.lower().rstrip(".") + ".":
            rdatas |= {rd.to_text() for rd in rrset}
            ttl = rrset.ttl
    return r.rcode(), rdatas, ttl


def wait_served(srv, name: str, rtype: str, want: set[str], timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while True:
        got = served(srv, name, rtype)
        if got[1] == want:
            return got
        assert time.monotonic() < deadline, f"{name} {rtype}: served {got}, want {want}"
        time.sleep(0.05)


def rrset(name, rtype, ttl, *values):
    return {"Name": name, "Type": rtype, "TTL": ttl, "ResourceRecords": [{"Value": v} for v in values]}


def test_cli_zone_records_tags_and_errors(cli):
    srv = cli.server
    zone = "cli.example.org"
    ref = f"cli-{uuid.uuid4()}"

    created = cli.json("create-hosted-zone", "--name", zone, "--caller-reference", ref,
                       "--hosted-zone-config", "Comment=made by the CLI")
    zone_id = created["HostedZone"]["Id"]
    assert zone_id.startswith("/hostedzone/")
    assert created["HostedZone"]["Name"] == zone + "."
    assert created["HostedZone"]["Config"] == {"Comment": "made by the CLI", "PrivateZone": False}
    assert created["HostedZone"]["ResourceRecordSetCount"] == 2
    assert created["ChangeInfo"]["Status"] in ("PENDING", "INSYNC")
    assert created["Location"].endswith("/2013-04-01/hostedzone/" + zone_id.rsplit("/", 1)[1])
    name_servers = created["DelegationSet"]["NameServers"]
    assert len(name_servers) == 4
    # The new zone is served: SOA and NS at the apex.
    wait_served(srv, zone, "NS", {ns.rstrip(".") + "." for ns in name_servers})

    got = cli.json("get-hosted-zone", "--id", zone_id)
    assert got["HostedZone"]["Id"] == zone_id and got["HostedZone"]["CallerReference"] == ref
    assert got["DelegationSet"]["NameServers"] == name_servers
    # The bare id works too (botocore strips the prefix itself; the user may not have one).
    assert cli.json("get-hosted-zone", "--id", zone_id.rsplit("/", 1)[1])["HostedZone"]["Id"] == zone_id

    cli.json("create-hosted-zone", "--name", "other.example.org", "--caller-reference", f"o-{uuid.uuid4()}")
    listed = cli.json("list-hosted-zones")
    assert sorted(z["Name"] for z in listed["HostedZones"]) == ["cli.example.org.", "other.example.org."]
    by_name = cli.json("list-hosted-zones-by-name", "--dns-name", zone)
    assert by_name["HostedZones"][0]["Id"] == zone_id
    assert by_name["DNSName"] == zone + "."

    # Records: several types, a wildcard, from a file:// batch.
    changes = [
        {"Action": "CREATE", "ResourceRecordSet": rrset(f"www.{zone}", "A", 300, "192.0.2.1", "192.0.2.2")},
        {"Action": "CREATE", "ResourceRecordSet": rrset(f"v6.{zone}", "AAAA", 300, "2001:db8::1")},
        {"Action": "CREATE", "ResourceRecordSet": rrset(f"alias.{zone}", "CNAME", 120, f"www.{zone}")},
        {"Action": "CREATE", "ResourceRecordSet": rrset(zone, "MX", 3600, f"10 mail.{zone}")},
        {"Action": "CREATE", "ResourceRecordSet": rrset(zone, "TXT", 60, '"v=spf1 -all"', '"two" "strings"')},
        {"Action": "CREATE", "ResourceRecordSet": rrset(f"*.wild.{zone}", "A", 60, "192.0.2.99")},
    ]
    change = cli.json("change-resource-record-sets", "--hosted-zone-id", zone_id,
                      "--change-batch", cli.batch(changes, "first batch"))
    info = change["ChangeInfo"]
    assert info["Id"].startswith("/change/") and info["Comment"] == "first batch"
    t0 = time.monotonic()
    cli.run("wait", "resource-record-sets-changed", "--id", info["Id"], timeout=120)
    waited = time.monotonic() - t0
    print(f"aws route53 wait resource-record-sets-changed returned after {waited:.2f}s")
    assert cli.json("get-change", "--id", info["Id"])["ChangeInfo"]["Status"] == "INSYNC"

    assert served(srv, f"www.{zone}", "A")[1:] == ({"192.0.2.1", "192.0.2.2"}, 300)
    assert served(srv, f"v6.{zone}", "AAAA")[1] == {"2001:db8::1"}
    assert served(srv, f"alias.{zone}", "CNAME")[1] == {f"www.{zone}."}
    assert served(srv, zone, "MX")[1] == {f"10 mail.{zone}."}
    assert served(srv, zone, "TXT")[1] == {'"v=spf1 -all"', '"two" "strings"'}
    assert served(srv, f"deep.under.wild.{zone}", "A")[1] == {"192.0.2.99"}

    # Listing: the CLI pages by itself (page size 2 forces several requests).
    listing = cli.json("list-resource-record-sets", "--hosted-zone-id", zone_id, "--page-size", "2")
    names = [(s["Name"], s["Type"]) for s in listing["ResourceRecordSets"]]
    assert names == [
        (f"{zone}.", "MX"), (f"{zone}.", "NS"), (f"{zone}.", "SOA"), (f"{zone}.", "TXT"),
        (f"alias.{zone}.", "CNAME"), (f"v6.{zone}.", "AAAA"), (f"\\052.wild.{zone}.", "A"), (f"www.{zone}.", "A"),
    ]
    www = next(s for s in listing["ResourceRecordSets"] if s["Name"] == f"www.{zone}.")
    assert www == rrset(f"www.{zone}.", "A", 300, "192.0.2.1", "192.0.2.2")
    # --max-items with the CLI's own NextToken.
    first = cli.json("list-resource-record-sets", "--hosted-zone-id", zone_id, "--max-items", "3")
    assert len(first["ResourceRecordSets"]) == 3 and first.get("NextToken")
    rest = cli.json("list-resource-record-sets", "--hosted-zone-id", zone_id, "--starting-token", first["NextToken"])
    assert [(s["Name"], s["Type"]) for s in first["ResourceRecordSets"] + rest["ResourceRecordSets"]] == names

    # UPSERT and DELETE are served too.
    cli.json("change-resource-record-sets", "--hosted-zone-id", zone_id, "--change-batch", cli.batch([
        {"Action": "UPSERT", "ResourceRecordSet": rrset(f"www.{zone}", "A", 60, "198.51.100.7")},
        {"Action": "DELETE", "ResourceRecordSet": rrset(f"v6.{zone}", "AAAA", 300, "2001:db8::1")},
    ]))
    assert wait_served(srv, f"www.{zone}", "A", {"198.51.100.7"})[2] == 60
    assert served(srv, f"v6.{zone}", "AAAA")[0] == dns.rcode.NXDOMAIN

    # A duplicate CREATE: the CLI's error output names the code and AWS's message; nothing changes.
    res = cli.run("change-resource-record-sets", "--hosted-zone-id", zone_id, "--change-batch", cli.batch([
        {"Action": "CREATE", "ResourceRecordSet": rrset(f"new.{zone}", "A", 60, "192.0.2.50")},
        {"Action": "CREATE", "ResourceRecordSet": rrset(f"alias.{zone}", "CNAME", 120, f"www.{zone}")},
    ]), check=False)
    assert res.returncode in (254, 255), res  # CLI v2 exits 254 on a service error, v1 255
    assert ("An error occurred (InvalidChangeBatch) when calling the ChangeResourceRecordSets operation: "
            f"[Tried to create resource record set [name='alias.{zone}.', type='CNAME'] but it already exists]"
            ) in res.stderr
    assert served(srv, f"new.{zone}", "A")[0] == dns.rcode.NXDOMAIN  # all or nothing

    # Tags.
    bare = zone_id.rsplit("/", 1)[1]
    cli.run("change-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", bare,
            "--add-tags", "Key=team,Value=dns", "Key=env,Value=test")
    tags = cli.json("list-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", bare)
    assert tags["ResourceTagSet"]["ResourceType"] == "hostedzone"
    assert tags["ResourceTagSet"]["ResourceId"] == bare
    assert sorted((t["Key"], t["Value"]) for t in tags["ResourceTagSet"]["Tags"]) == [("env", "test"), ("team", "dns")]
    cli.run("change-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", bare,
            "--remove-tag-keys", "env")
    tags = cli.json("list-tags-for-resource", "--resource-type", "hostedzone", "--resource-id", bare)
    assert tags["ResourceTagSet"]["Tags"] == [{"Key": "team", "Value": "dns"}]

    # A zone with records cannot be deleted.
    res = cli.run("delete-hosted-zone", "--id", zone_id, check=False)
    assert res.returncode in (254, 255)
    assert ("An error occurred (HostedZoneNotEmpty) when calling the DeleteHostedZone operation: "
            "The specified hosted zone contains non-required resource record sets and so cannot be deleted."
            ) in res.stderr

    # Empty it (every set but the apex SOA and NS), then delete it; it stops being served.
    listing = cli.json("list-resource-record-sets", "--hosted-zone-id", zone_id)
    deletions = [{"Action": "DELETE", "ResourceRecordSet": s} for s in listing["ResourceRecordSets"]
                 if not (s["Name"] == f"{zone}." and s["Type"] in ("SOA", "NS"))]
    cli.json("change-resource-record-sets", "--hosted-zone-id", zone_id, "--change-batch", cli.batch(deletions))
    deleted = cli.json("delete-hosted-zone", "--id", zone_id)
    assert deleted["ChangeInfo"]["Id"].startswith("/change/")
    deadline = time.monotonic() + 5
    while served(srv, zone, "SOA")[0] != dns.rcode.REFUSED:
        assert time.monotonic() < deadline, "deleted zone still served"
        time.sleep(0.05)
    res = cli.run("get-hosted-zone", "--id", zone_id, check=False)
    assert "(NoSuchHostedZone)" in res.stderr and f"No hosted zone found with ID: {bare}" in res.stderr
