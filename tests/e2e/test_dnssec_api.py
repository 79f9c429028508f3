"""Route 53 DNSSEC signing API end to end (issue 18), with boto3 against `cairn serve`.

A KMS key (ECC_NIST_P256, SIGN_VERIFY) made through Cairn's KMS subset backs a key-signing
key; GetDNSSEC shows it with a DS that this test computes itself from the DNSKEY (RFC 4034
§5.1.4, key tag per Appendix B); enabling signing turns the zone SIGNING and writes the DS
into the parent Cairn zone; Route 53's refusals come back with their codes and statuses
(bad KMS ARN, duplicate name, a third KSK, deactivating the last active KSK, deleting an
active KSK, deleting a zone that has KSKs); disabling removes the DS again. boto3 parses
every response with botocore's model, so the shapes (integers, timestamps, lists) are
checked too.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import uuid

import pytest

import harness

boto3 = pytest.importorskip("boto3")
dns = pytest.importorskip("dns")
import dns.name  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

PARENT = "corp-dnssec.test."
CHILD = "signed.corp-dnssec.test."


def key_tag(rdata: bytes) -> int:
    acc = 0
    for i, b in enumerate(rdata):
        acc += b << 8 if i % 2 == 0 else b
    acc += (acc >> 16) & 0xFFFF
    return acc & 0xFFFF


def expected_ds(zone: str, public_key: bytes) -> tuple[int, str]:
    """The key tag and SHA-256 DS digest (upper-case hex) of a KSK with this public key."""
    rdata = struct.pack("!HBB", 257, 3, 13) + public_key
    owner = dns.name.from_text(zone).canonicalize().to_wire()
    return key_tag(rdata), hashlib.sha256(owner + rdata).hexdigest().upper()


def refused(call, code: str, status: int) -> str:
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response
    assert err["Error"]["Code"] == code, err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == status, err
    return err["Error"]["Message"]


def kms_key(kms) -> tuple[str, bytes]:
    """A new P-256 signing key: its ARN and its public key as DNSSEC writes it (x‖y)."""
    arn = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    spki = kms.get_public_key(KeyId=arn)["PublicKey"]
    # A P-256 SubjectPublicKeyInfo ends with the uncompressed point 04‖x‖y.
    assert spki[-65] == 4
    return arn, spki[-64:]


def ds_in_parent(r53, parent_id: str) -> list[str]:
    sets = r53.list_resource_record_sets(HostedZoneId=parent_id)["ResourceRecordSets"]
    return sorted(r["Value"] for s in sets if s["Name"] == CHILD and s["Type"] == "DS"
                  for r in s["ResourceRecords"])


def test_key_signing_keys_and_signing(cairn_server):
    srv = cairn_server()
    r53 = harness.route53_client(srv)
    kms = harness.route53_client(srv, "kms")
    parent_id = r53.create_hosted_zone(Name=PARENT, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    zone_id = r53.create_hosted_zone(Name=CHILD, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]
    bare = zone_id.rsplit("/", 1)[-1]
    arn1, public1 = kms_key(kms)
    arn2, _ = kms_key(kms)
    arn3, _ = kms_key(kms)

    before = r53.get_dnssec(HostedZoneId=zone_id)
    assert before["Status"] == {"ServeSignature": "NOT_SIGNING"}
    assert before["KeySigningKeys"] == []
    refused(lambda: r53.enable_hosted_zone_dnssec(HostedZoneId=zone_id),
            "KeySigningKeyWithActiveStatusNotFound", 400)
    refused(lambda: r53.disable_hosted_zone_dnssec(HostedZoneId=zone_id), "DNSSECNotFound", 400)

    # CreateKeySigningKey: 201, Location, ChangeInfo and the key with every field.
    created = r53.create_key_signing_key(CallerReference=uuid.uuid4().hex, HostedZoneId=bare,
                                         KeyManagementServiceArn=arn1, Name="ksk_one", Status="ACTIVE")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["Location"].endswith(f"/2013-04-01/keysigningkey/{bare}/ksk_one")
    assert created["ChangeInfo"]["Status"] in ("PENDING", "INSYNC")
    ksk = created["KeySigningKey"]
    tag, digest = expected_ds(CHILD, public1)
    assert ksk["Name"] == "ksk_one" and ksk["KmsArn"] == arn1 and ksk["Status"] == "ACTIVE"
    assert (ksk["Flag"], ksk["SigningAlgorithmMnemonic"], ksk["SigningAlgorithmType"]) == (257, "ECDSAP256SHA256", 13)
    assert (ksk["DigestAlgorithmMnemonic"], ksk["DigestAlgorithmType"]) == ("SHA-256", 2)
    assert ksk["PublicKey"] == base64.b64encode(public1).decode()
    assert ksk["DNSKEYRecord"] == "257 3 13 " + ksk["PublicKey"]
    assert ksk["KeyTag"] == tag
    assert ksk["DigestValue"] == digest
    assert ksk["DSRecord"] == f"{tag} 13 2 {digest}"
    assert ksk["CreatedDate"].tzinfo is not None and ksk["LastModifiedDate"] >= ksk["CreatedDate"]
    assert "StatusMessage" not in ksk

    got = r53.get_dnssec(HostedZoneId=zone_id)
    assert got["Status"]["ServeSignature"] == "NOT_SIGNING"
    [listed] = got["KeySigningKeys"]
    assert {k: v for k, v in listed.items()} == ksk

    # Refusals.
    bad_arn = arn1.rsplit("/", 1)[0] + "/" + str(uuid.uuid4())
    refused(lambda: r53.create_key_signing_key(CallerReference="x1", HostedZoneId=bare,
                                               KeyManagementServiceArn=bad_arn, Name="ksk_bad",
                                               Status="ACTIVE"), "InvalidKMSArn", 400)
    refused(lambda: r53.create_key_signing_key(CallerReference="x2", HostedZoneId=bare,
                                               KeyManagementServiceArn=arn2, Name="ksk_one",
                                               Status="ACTIVE"), "KeySigningKeyAlreadyExists", 409)
    refused(lambda: r53.create_key_signing_key(CallerReference="x3", HostedZoneId=bare,
                                               KeyManagementServiceArn=arn1, Name="ksk_again",
                                               Status="ACTIVE"), "KeySigningKeyAlreadyExists", 409)
    refused(lambda: r53.create_key_signing_key(CallerReference="x4", HostedZoneId=bare,
                                               KeyManagementServiceArn=arn2, Name="no-dash",
                                               Status="ACTIVE"), "InvalidKeySigningKeyName", 400)
    r53.create_key_signing_key(CallerReference="x5", HostedZoneId=bare, KeyManagementServiceArn=arn2,
                               Name="ksk_two", Status="INACTIVE")
    refused(lambda: r53.create_key_signing_key(CallerReference="x6", HostedZoneId=bare,
                                               KeyManagementServiceArn=arn3, Name="ksk_three",
                                               Status="ACTIVE"), "TooManyKeySigningKeys", 400)
    refused(lambda: r53.activate_key_signing_key(HostedZoneId=bare, Name="nope"),
            "NoSuchKeySigningKey", 404)

    # Enable: SIGNING, and the DS is in the parent Cairn zone.
    harness.wait_insync(r53, r53.enable_hosted_zone_dnssec(HostedZoneId=zone_id))
    assert r53.get_dnssec(HostedZoneId=zone_id)["Status"]["ServeSignature"] == "SIGNING"
    assert ds_in_parent(r53, parent_id) == [ksk["DSRecord"]]

    refused(lambda: r53.deactivate_key_signing_key(HostedZoneId=bare, Name="ksk_one"),
            "KeySigningKeyInUse", 400)
    message = refused(lambda: r53.delete_key_signing_key(HostedZoneId=bare, Name="ksk_one"),
                      "InvalidKeySigningKeyStatus", 400)
    assert message == "Key Signing Key with name ksk_one cannot be deleted because current status is not INACTIVE."
    message = refused(lambda: r53.delete_hosted_zone(Id=zone_id), "HostedZoneNotEmpty", 400)
    assert message == "The specified hosted zone contains DNSSEC Key Signing Keys and so cannot be deleted."

    # A second active KSK: both DS records in the parent; then the first can go.
    r53.activate_key_signing_key(HostedZoneId=bare, Name="ksk_two")
    keys = {k["Name"]: k for k in r53.get_dnssec(HostedZoneId=zone_id)["KeySigningKeys"]}
    assert [keys[n]["Status"] for n in ("ksk_one", "ksk_two")] == ["ACTIVE", "ACTIVE"]
    assert ds_in_parent(r53, parent_id) == sorted(k["DSRecord"] for k in keys.values())
    r53.deactivate_key_signing_key(HostedZoneId=bare, Name="ksk_one")
    assert ds_in_parent(r53, parent_id) == [keys["ksk_two"]["DSRecord"]]
    r53.delete_key_signing_key(HostedZoneId=bare, Name="ksk_one")
    assert [k["Name"] for k in r53.get_dnssec(HostedZoneId=zone_id)["KeySigningKeys"]] == ["ksk_two"]

    # Disable: NOT_SIGNING and the DS leaves the parent; then the zone can be emptied and deleted.
    r53.disable_hosted_zone_dnssec(HostedZoneId=zone_id)
    assert r53.get_dnssec(HostedZoneId=zone_id)["Status"]["ServeSignature"] == "NOT_SIGNING"
    assert ds_in_parent(r53, parent_id) == []
    r53.deactivate_key_signing_key(HostedZoneId=bare, Name="ksk_two")
    r53.delete_key_signing_key(HostedZoneId=bare, Name="ksk_two")
    r53.delete_hosted_zone(Id=zone_id)


def test_private_zones_are_not_signed(cairn_server):
    srv = cairn_server()
    r53 = harness.route53_client(srv)
    ec2 = harness.route53_client(srv, "ec2")
    kms = harness.route53_client(srv, "kms")
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    zone_id = r53.create_hosted_zone(Name="private-dnssec.test.", CallerReference=uuid.uuid4().hex,
                                     VPC={"VPCRegion": "us-east-1", "VPCId": vpc_id})["HostedZone"]["Id"]
    arn, _ = kms_key(kms)
    refused(lambda: r53.create_key_signing_key(CallerReference="p", HostedZoneId=zone_id,
                                               KeyManagementServiceArn=arn, Name="ksk_p",
                                               Status="ACTIVE"), "InvalidArgument", 400)
    got = r53.get_dnssec(HostedZoneId=zone_id)
    assert got["Status"]["ServeSignature"] == "NOT_SIGNING" and got["KeySigningKeys"] == []
