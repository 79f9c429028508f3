"""Route 53 Domains for the installation's TLDs (issue 14) through real clients against a real
`cairn serve --registry-tld test`: boto3's `route53domains` client, the AWS CLI, dig and
dnspython.

What a user sees: registering `example.test` creates its hosted zone; the TLD zone served by
Cairn delegates `example.test` to that zone's name servers (seen as a referral, dig +norec,
once Cairn no longer holds the child zone itself) and a record in the hosted zone is served;
name servers moved elsewhere (one inside the domain, with glue) are what the TLD refers to; a signed zone's DS
appears in the TLD; names under other TLDs are UnsupportedTLD; deleting the domain removes
the delegation and leaves the hosted zone. Every raw JSON response is checked against
botocore's model of the operation's output.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest

import harness

boto3 = pytest.importorskip("boto3")
dns_rcode = pytest.importorskip("dns.rcode")
import dns.flags  # noqa: E402
import dns.rdatatype  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from test_kms import check_shape  # noqa: E402

AWS = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "aws"

CONTACT = {
    "FirstName": "Ada", "LastName": "Lovelace", "ContactType": "PERSON",
    "AddressLine1": "1 Analytical Row", "City": "London", "CountryCode": "GB",
    "ZipCode": "N1 1AA", "PhoneNumber": "+44.2079460000", "Email": "ada@example.net",
}


@pytest.fixture
def srv(cairn_server):
    return cairn_server(extra_args=["--registry-tld", "test"])


@pytest.fixture
def domains(srv):
    client = harness.route53_client(srv, "route53domains")
    checked = []

    def validate(http_response, model, **_):
        if http_response.status_code == 200 and model.output_shape is not None:
            check_shape(model.output_shape, json.loads(http_response.content or b"{}"))
            checked.append(model.name)

    client.meta.events.register("after-call.route53domains", validate)
    client.checked = checked
    return client


def register(domains, name: str) -> str:
    return domains.register_domain(DomainName=name, DurationInYears=1, AdminContact=CONTACT,
                                   RegistrantContact=CONTACT, TechContact=CONTACT)["OperationId"]


def ask(srv, name: str, rtype: str):
    """A query without recursion desired, as a resolver following referrals sends it."""
    reply = harness.query(srv.addr, name, rtype)
    return reply


def referral(srv, name: str) -> tuple[list[str], dict[str, list[str]]]:
    """The NS names of the referral Cairn gives for `name` (NOERROR, AA clear, no answer, NS in
    authority) and the glue addresses in its additional section; nothing for another reply."""
    reply = ask(srv, name, "A")
    if reply.rcode() != dns_rcode.NOERROR or reply.flags & dns.flags.AA or reply.answer:
        return [], {}  # not a referral (yet: the data plane may not serve the change so far)
    ns = sorted(str(r.target).lower() for s in reply.authority if s.rdtype == dns.rdatatype.NS for r in s)
    glue: dict[str, list[str]] = {}
    for s in reply.additional:
        if s.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            glue.setdefault(str(s.name).lower(), []).extend(r.address for r in s)
    return ns, glue


def test_register_delegates_from_the_tld_and_the_chain_resolves(srv, domains):
    assert domains.check_domain_availability(DomainName="example.test")["Availability"] == "AVAILABLE"
    op_id = register(domains, "example.test")
    op = domains.get_operation_detail(OperationId=op_id)
    assert (op["Status"], op["Type"], op["DomainName"]) == ("SUCCESSFUL", "REGISTER_DOMAIN", "example.test")
    assert domains.check_domain_availability(DomainName="example.test")["Availability"] == "UNAVAILABLE"

    # The hosted zone Route 53 creates; the TLD zone is not among the user's zones.
    r53 = harness.route53_client(srv)
    zones = r53.list_hosted_zones()["HostedZones"]
    assert [z["Name"] for z in zones] == ["example.test."]
    assert zones[0]["Config"]["Comment"] == "HostedZone created by Route53 Registrar"
    zone_id = zones[0]["Id"]
    servers = sorted(n.lower() + "." for n in r53.get_hosted_zone(Id=zone_id)["DelegationSet"]["NameServers"])

    detail = domains.get_domain_detail(DomainName="example.test")
    assert sorted(n["Name"] + "." for n in detail["Nameservers"]) == servers
    assert detail["StatusList"] == ["clientTransferProhibited"]
    assert detail["AutoRenew"] is True
    assert detail["AdminContact"]["Email"] == "ada@example.net"
    assert (detail["ExpirationDate"] - detail["CreationDate"]).days == 365

    # A record in the hosted zone: Cairn serves the zone the TLD delegates to, and, holding
    # both, answers from the deeper one (AA), with the registered name servers at its apex.
    harness.wait_insync(r53, r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.example.test", "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": "192.0.2.80"}]}}]}))
    answer = ask(srv, "www.example.test", "A")
    assert answer.flags & dns.flags.AA, answer
    assert [r.address for s in answer.answer for r in s] == ["192.0.2.80"]
    apex_ns = ask(srv, "example.test", "NS")
    assert sorted(str(r.target).lower() for s in apex_ns.answer for r in s) == servers

    # The TLD's side of the delegation, seen once the hosted zone is gone (the domain stays
    # delegated to its name servers, as on Route 53): a referral, checked with dig +norec.
    harness.wait_insync(r53, r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "DELETE", "ResourceRecordSet": {"Name": "www.example.test", "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": "192.0.2.80"}]}}]}))
    r53.delete_hosted_zone(Id=zone_id)
    harness.wait_for(lambda: referral(srv, "www.example.test")[0], lambda ns: ns == servers)
    host, port = srv.addr
    dig = subprocess.run(["dig", f"@{host}", "-p", str(port), "+norec", "NS", "example.test"],
                         capture_output=True, text=True, timeout=10)
    assert "ANSWER: 0, AUTHORITY: 4" in dig.stdout, dig.stdout
    assert " aa" not in dig.stdout.split("flags:")[1].split(";")[0], dig.stdout
    for name in servers:
        assert name in dig.stdout, dig.stdout

    # The TLD zone itself: its apex SOA, and NXDOMAIN for a name nobody registered.
    soa = ask(srv, "test", "SOA")
    assert soa.flags & dns.flags.AA and soa.answer, soa
    assert ask(srv, "nobody.test", "A").rcode() == dns_rcode.NXDOMAIN

    assert {"RegisterDomain", "GetOperationDetail", "GetDomainDetail",
            "CheckDomainAvailability"} <= set(domains.checked)


def test_name_servers_elsewhere_with_glue(srv, domains):
    register(domains, "shop.test")
    # The domain is hosted elsewhere: its Route 53 zone goes (Cairn would answer from it).
    r53 = harness.route53_client(srv)
    [zone] = r53.list_hosted_zones()["HostedZones"]
    r53.delete_hosted_zone(Id=zone["Id"])
    domains.update_domain_nameservers(DomainName="shop.test", Nameservers=[
        {"Name": "ns1.shop.test", "GlueIps": ["192.0.2.53", "2001:db8::53"]},
        {"Name": "ns.provider.example"},
    ])
    want = ["ns.provider.example.", "ns1.shop.test."]
    harness.wait_for(lambda: referral(srv, "shop.test")[0], lambda ns: ns == want)
    _, glue = referral(srv, "www.shop.test")
    assert sorted(glue["ns1.shop.test."]) == ["192.0.2.53", "2001:db8::53"]
    detail = domains.get_domain_detail(DomainName="shop.test")
    assert {n["Name"]: sorted(n.get("GlueIps", [])) for n in detail["Nameservers"]} == {
        "ns1.shop.test": ["192.0.2.53", "2001:db8::53"], "ns.provider.example": []}

    with pytest.raises(ClientError) as info:
        domains.update_domain_nameservers(DomainName="shop.test", Nameservers=[{"Name": "ns2.shop.test"}])
    assert info.value.response["Error"]["Code"] == "InvalidInput"

    # DeleteDomain: the TLD no longer delegates.
    domains.delete_domain(DomainName="shop.test")
    harness.wait_for(lambda: ask(srv, "shop.test", "NS").rcode(), lambda rc: rc == dns_rcode.NXDOMAIN)
    types = [o["Type"] for o in domains.list_operations()["Operations"]]
    assert types == ["REGISTER_DOMAIN", "UPDATE_NAMESERVER", "DELETE_DOMAIN"]
    assert domains.list_domains()["Domains"] == []


def test_a_signed_domain_gets_its_ds_in_the_tld(srv, domains):
    register(domains, "signed.test")
    r53 = harness.route53_client(srv)
    kms = harness.route53_client(srv, "kms")
    [zone] = r53.list_hosted_zones()["HostedZones"]
    arn = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    ksk = r53.create_key_signing_key(CallerReference=uuid.uuid4().hex, HostedZoneId=zone["Id"].split("/")[-1],
                                     KeyManagementServiceArn=arn, Name="ksk", Status="ACTIVE")["KeySigningKey"]
    harness.wait_insync(r53, r53.enable_hosted_zone_dnssec(HostedZoneId=zone["Id"]))

    def ds():
        reply = ask(srv, "signed.test", "DS")
        return [r.to_text().upper() for s in reply.answer if s.rdtype == dns.rdatatype.DS for r in s]

    harness.wait_for(ds, lambda found: found == [ksk["DSRecord"].upper()])
    assert domains.get_domain_detail(DomainName="signed.test")["DnsSec"] == "ENABLED"


def test_other_tlds_are_unsupported_and_listings(srv, domains, tmp_path):
    with pytest.raises(ClientError) as info:
        domains.check_domain_availability(DomainName="example.com")
    err = info.value.response["Error"]
    assert (err["Code"], err["Message"]) == (
        "UnsupportedTLD", "Amazon Route53 does not support the top-level domain (TLD) `.com`.")
    for name in ("b.test", "a.test", "c.test"):
        register(domains, name)
    page = domains.list_domains(MaxItems=2)
    assert [d["DomainName"] for d in page["Domains"]] == ["a.test", "b.test"]
    rest = domains.list_domains(MaxItems=2, Marker=page["NextPageMarker"])
    assert [d["DomainName"] for d in rest["Domains"]] == ["c.test"]
    assert "NextPageMarker" not in rest
    domains.delete_domain(DomainName="c.test")
    r53 = harness.route53_client(srv)
    assert "c.test." in [z["Name"] for z in r53.list_hosted_zones()["HostedZones"]], \
        "DeleteDomain leaves the hosted zone"
    domains.disable_domain_transfer_lock(DomainName="a.test")
    assert domains.get_domain_detail(DomainName="a.test")["StatusList"] == []
    assert domains.list_prices(Tld="test")["Prices"][0]["Name"] == "test"

    # The AWS CLI, as a user would type it.
    if not AWS.exists():
        pytest.skip(f"{AWS} not installed (./run-tests installs awscli into .venv)")
    env = harness.aws_env(srv, tmp_path)
    env.update({"AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1"})

    def aws(*args):
        return subprocess.run([str(AWS), "route53domains", *args, "--output", "json"], capture_output=True,
                              text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)

    out = aws("check-domain-availability", "--domain-name", "d.test")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Availability"] == "AVAILABLE"
    out = aws("check-domain-availability", "--domain-name", "d.example")
    assert out.returncode != 0 and "UnsupportedTLD" in out.stderr, out.stderr
    out = aws("get-domain-detail", "--domain-name", "b.test")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["DomainName"] == "b.test"


def test_the_tld_zone_is_hidden_wherever_a_call_names_it(srv, domains):
    """The TLD zone is the registry's, not a hosted zone of the account's: a call naming its id
    in the path, the query or the body answers NoSuchHostedZone, as for a zone that does not
    exist. The id is what `cairn zone list` shows the operator."""
    listed = harness.cairn("zone", "list", "--data-dir", str(srv.workdir)).stdout.splitlines()
    tld_id = next(line.split("\t")[0] for line in listed if line.split("\t")[1] == "test.")
    r53 = harness.route53_client(srv)

    def refused(call, **kwargs):
        with pytest.raises(ClientError) as info:
            call(**kwargs)
        err = info.value.response["Error"]
        assert err["Code"] == "NoSuchHostedZone", (call, err)
        assert tld_id in err["Message"], err

    refused(r53.get_hosted_zone, Id=tld_id)
    refused(r53.get_dnssec, HostedZoneId=tld_id)
    refused(r53.activate_key_signing_key, HostedZoneId=tld_id, Name="ksk1")
    refused(r53.create_key_signing_key, CallerReference=uuid.uuid4().hex, HostedZoneId=tld_id,
            KeyManagementServiceArn="arn:aws:kms:us-east-1:111111111111:key/" + str(uuid.uuid4()),
            Name="ksk1", Status="ACTIVE")
    refused(r53.create_query_logging_config, HostedZoneId=tld_id,
            CloudWatchLogsLogGroupArn="arn:aws:logs:us-east-1:111111111111:log-group:/aws/route53/test")
    refused(r53.list_query_logging_configs, HostedZoneId=tld_id)
    # A zone of the account's own is untouched by the check.
    register(domains, "shown.test")
    zone = next(z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == "shown.test.")
    assert r53.list_query_logging_configs(HostedZoneId=zone["Id"])["QueryLoggingConfigs"] == []
