"""The KMS subset (issue 18) through real clients against a real `cairn serve`: boto3's `kms`
client, the AWS CLI for one call, and Terraform's `aws_kms_key`.

What a user sees: a P-256 signing key made, described (by id, ARN and alias), its public key
as DER SubjectPublicKeyInfo that the `cryptography` package loads, Sign results that verify
with it (and KMS's own Verify), a disabled or pending-deletion key refused, paging, tags and
the key policy round trip. Every raw JSON response is checked against botocore's model of
the operation's output (members, types, enums), since boto3 itself drops members it does not
know.
"""

from __future__ import annotations

import base64
import datetime
import json
import subprocess
from pathlib import Path

import pytest

import harness
from terraform_kit import fill, provider_block, require_terraform, runner

boto3 = pytest.importorskip("boto3")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
from botocore.exceptions import ClientError  # noqa: E402
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

AWS = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "aws"
ACCOUNT = "111111111111"  # cairn serve's default --account-id


def check_shape(shape, value, where="$"):
    """Asserts that `value` (raw JSON) fits botocore's `shape`: no member the model lacks,
    every type as modelled, every enum value allowed."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), f"{where}: expected an object, got {value!r}"
        for name, member in value.items():
            assert name in shape.members, f"{where}: member {name} is not in {shape.name}"
            check_shape(shape.members[name], member, f"{where}.{name}")
        for name in shape.required_members:
            assert name in value, f"{where}: required member {name} missing"
    elif kind == "list":
        assert isinstance(value, list), f"{where}: expected a list, got {value!r}"
        for i, item in enumerate(value):
            check_shape(shape.member, item, f"{where}[{i}]")
    elif kind == "string":
        assert isinstance(value, str), f"{where}: expected a string, got {value!r}"
        if shape.enum:
            assert value in shape.enum, f"{where}: {value!r} is not one of {shape.enum}"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where}: expected a boolean, got {value!r}"
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: {value!r}"
    elif kind in ("float", "double"):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{where}: {value!r}"
    elif kind == "timestamp":
        assert isinstance(value, (int, float)), f"{where}: expected epoch seconds, got {value!r}"
    elif kind == "blob":
        base64.b64decode(value, validate=True)
    else:
        raise AssertionError(f"{where}: unchecked shape type {kind}")


@pytest.fixture
def srv(cairn_server):
    return cairn_server()


@pytest.fixture
def kms(srv):
    client = harness.route53_client(srv, "kms")
    checked = []

    def validate(http_response, model, **_):
        if http_response.status_code == 200 and model.output_shape is not None:
            check_shape(model.output_shape, json.loads(http_response.content or b"{}"))
            checked.append(model.name)

    client.meta.events.register("after-call.kms", validate)
    client.checked = checked
    return client


def error_of(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]


def new_key(kms, **extra) -> dict:
    return kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", **extra)["KeyMetadata"]


def test_sign_with_a_p256_key_and_verify_with_its_public_key(kms):
    meta = new_key(kms, Description="ksk for example.com")
    key_id = meta["KeyId"]
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}"
    assert meta["Arn"] == arn
    assert meta["AWSAccountId"] == ACCOUNT
    assert (meta["KeySpec"], meta["KeyUsage"], meta["KeyState"]) == ("ECC_NIST_P256", "SIGN_VERIFY", "Enabled")
    assert meta["Enabled"] is True and meta["SigningAlgorithms"] == ["ECDSA_SHA_256"]
    assert meta["Origin"] == "AWS_KMS" and meta["KeyManager"] == "CUSTOMER"
    assert isinstance(meta["CreationDate"], datetime.datetime)

    kms.create_alias(AliasName="alias/dnssec-ksk", TargetKeyId=key_id)
    for ref in (key_id, arn, "alias/dnssec-ksk", f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/dnssec-ksk"):
        assert kms.describe_key(KeyId=ref)["KeyMetadata"]["KeyId"] == key_id, ref

    pub = kms.get_public_key(KeyId=key_id)
    assert pub["KeyId"] == arn and pub["SigningAlgorithms"] == ["ECDSA_SHA_256"]
    public_key = serialization.load_der_public_key(pub["PublicKey"])
    assert isinstance(public_key.curve, ec.SECP256R1)

    message = b"the DNSKEY RRset of example.com"
    signed = kms.sign(KeyId="alias/dnssec-ksk", Message=message, MessageType="RAW",
                      SigningAlgorithm="ECDSA_SHA_256")
    assert signed["KeyId"] == arn and signed["SigningAlgorithm"] == "ECDSA_SHA_256"
    public_key.verify(signed["Signature"], message, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        public_key.verify(signed["Signature"], message + b".", ec.ECDSA(hashes.SHA256()))

    ok = kms.verify(KeyId=key_id, Message=message, Signature=signed["Signature"],
                    SigningAlgorithm="ECDSA_SHA_256")
    assert ok["SignatureValid"] is True
    err = error_of(kms.verify, KeyId=key_id, Message=b"other", Signature=signed["Signature"],
                   SigningAlgorithm="ECDSA_SHA_256")
    assert err["Code"] == "KMSInvalidSignatureException"
    err = error_of(kms.sign, KeyId=key_id, Message=message, SigningAlgorithm="RSASSA_PSS_SHA_256")
    assert err["Code"] == "InvalidKeyUsageException"
    err = error_of(kms.sign, KeyId=key_id, Message=b"\0" * 32, MessageType="DIGEST",
                   SigningAlgorithm="ECDSA_SHA_256")
    assert err["Code"] == "UnsupportedOperationException"
    assert {"CreateKey", "DescribeKey", "GetPublicKey", "Sign", "Verify"} <= set(kms.checked)


def test_what_cairn_cannot_make_is_refused(kms):
    err = error_of(kms.create_key)
    assert err["Code"] == "UnsupportedOperationException" and "SYMMETRIC_DEFAULT" in err["Message"]
    err = error_of(kms.create_key, KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    assert err["Code"] == "UnsupportedOperationException"
    err = error_of(kms.create_key, KeySpec="ECC_NIST_P256", KeyUsage="ENCRYPT_DECRYPT")
    assert err["Code"] == "ValidationException"
    missing = "00000000-0000-4000-8000-000000000000"
    err = error_of(kms.describe_key, KeyId=missing)
    assert err == {"Code": "NotFoundException",
                   "Message": f"Key 'arn:aws:kms:us-east-1:{ACCOUNT}:key/{missing}' does not exist"}
    err = error_of(kms.describe_key, KeyId="alias/nope")
    assert err == {"Code": "NotFoundException",
                   "Message": f"Alias arn:aws:kms:us-east-1:{ACCOUNT}:alias/nope is not found."}


def test_disabled_and_pending_deletion_keys_do_not_sign(kms):
    key_id = new_key(kms)["KeyId"]
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}"
    sign = dict(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")

    kms.disable_key(KeyId=key_id)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"
    assert error_of(kms.sign, **sign) == {"Code": "DisabledException", "Message": f"{arn} is disabled."}
    kms.enable_key(KeyId=key_id)
    kms.sign(**sign)

    for days in (6, 31):
        assert error_of(kms.schedule_key_deletion, KeyId=key_id, PendingWindowInDays=days)["Code"] == "ValidationException"
    scheduled = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert scheduled["KeyId"] == arn and scheduled["KeyState"] == "PendingDeletion"
    assert scheduled["PendingWindowInDays"] == 7
    days = (scheduled["DeletionDate"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds() / 86400
    assert 6.9 < days <= 7.0
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion" and meta["Enabled"] is False
    assert meta["PendingDeletionWindowInDays"] == 7

    pending = {"Code": "KMSInvalidStateException", "Message": f"{arn} is pending deletion."}
    assert error_of(kms.sign, **sign) == pending
    assert error_of(kms.get_public_key, KeyId=key_id) == pending
    assert error_of(kms.enable_key, KeyId=key_id) == pending

    assert kms.cancel_key_deletion(KeyId=key_id)["KeyId"] == arn
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"
    err = error_of(kms.cancel_key_deletion, KeyId=key_id)
    assert err == {"Code": "KMSInvalidStateException", "Message": f"{arn} is not pending deletion."}


def test_list_keys_pages(kms):
    made = [new_key(kms)["KeyId"] for _ in range(5)]
    first = kms.list_keys(Limit=2)
    assert first["Truncated"] is True and len(first["Keys"]) == 2
    seen = [k["KeyId"] for k in first["Keys"]]
    marker = first["NextMarker"]
    while marker:
        page = kms.list_keys(Limit=2, Marker=marker)
        seen += [k["KeyId"] for k in page["Keys"]]
        marker = page.get("NextMarker")
        assert page["Truncated"] is bool(marker)
    assert seen == made
    every = [k["KeyId"] for p in kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 3})
             for k in p["Keys"]]
    assert every == made
    assert all(k["KeyArn"].endswith(f":key/{k['KeyId']}") for k in first["Keys"])
    assert error_of(kms.list_keys, Marker="nonsense")["Code"] == "InvalidMarkerException"
    assert "ListKeys" in kms.checked


def test_tags_and_policy_round_trip(kms):
    policy = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "Allow Route 53 DNSSEC Service",
            "Effect": "Allow",
            "Principal": {"Service": "dnssec-route53.amazonaws.com"},
            "Action": ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"],
            "Resource": "*",
        }],
    }, indent=1)
    key_id = new_key(kms, Policy=policy, Tags=[{"TagKey": "team", "TagValue": "dns"}])["KeyId"]
    got = kms.get_key_policy(KeyId=key_id, PolicyName="default")
    assert got["Policy"] == policy and got["PolicyName"] == "default"
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy='{"Version":"2012-10-17"}')
    assert kms.get_key_policy(KeyId=key_id)["Policy"] == '{"Version":"2012-10-17"}'
    err = error_of(kms.put_key_policy, KeyId=key_id, PolicyName="default", Policy="not json")
    assert err["Code"] == "MalformedPolicyDocumentException"

    default_key = new_key(kms)["KeyId"]
    default = json.loads(kms.get_key_policy(KeyId=default_key)["Policy"])
    assert default["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert default["Statement"][0]["Action"] == "kms:*"

    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "env", "TagValue": "prod"},
                                         {"TagKey": "team", "TagValue": "net"}])
    assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [
        {"TagKey": "team", "TagValue": "net"}, {"TagKey": "env", "TagValue": "prod"}]
    kms.untag_resource(KeyId=key_id, TagKeys=["team"])
    tags = kms.list_resource_tags(KeyId=key_id)
    assert tags["Tags"] == [{"TagKey": "env", "TagValue": "prod"}] and tags["Truncated"] is False
    err = error_of(kms.tag_resource, KeyId=key_id, Tags=[{"TagKey": "aws:x", "TagValue": "y"}])
    assert err["Code"] == "TagException"

    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False
    assert {"GetKeyPolicy", "ListResourceTags"} <= set(kms.checked)


def test_aws_cli_creates_a_key(srv, tmp_path):
    if not AWS.exists():
        pytest.skip(f"{AWS} not installed (./run-tests installs awscli into .venv)")
    env = harness.aws_env(srv, tmp_path)
    env.update({"AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1"})
    res = subprocess.run([str(AWS), "kms", "create-key", "--key-spec", "ECC_NIST_P256", "--key-usage",
                          "SIGN_VERIFY", "--description", "from the cli", "--output", "json"],
                         capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, res.stderr
    meta = json.loads(res.stdout)["KeyMetadata"]
    assert meta["Description"] == "from the cli" and meta["KeySpec"] == "ECC_NIST_P256"
    kms = harness.route53_client(srv, "kms")
    assert kms.describe_key(KeyId=meta["Arn"])["KeyMetadata"]["KeyId"] == meta["KeyId"]


TERRAFORM = provider_block("kms") + r'''
resource "aws_kms_key" "ksk" {
  description              = "DNSSEC KSK"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = 7
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "Allow Route 53 DNSSEC Service"
        Effect    = "Allow"
        Principal = { Service = "dnssec-route53.amazonaws.com" }
        Action    = ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"]
        Resource  = "*"
      },
      {
        Sid       = "Enable IAM User Permissions"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::@ACCOUNT@:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
  tags = {
    team = "dns"
  }
}
'''


def test_terraform_kms_key(cairn_server, tmp_path):
    binary = require_terraform()
    srv = cairn_server()
    work = tmp_path / "tf"
    work.mkdir()
    (work / "main.tf").write_text(fill(TERRAFORM, srv, ACCOUNT=ACCOUNT))
    tf = runner(binary, work, tmp_path)

    kms = harness.route53_client(srv, "kms")
    tf("init", "-input=false")
    tf("apply", "-auto-approve", "-input=false")
    [key] = kms.list_keys()["Keys"]
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert (meta["KeySpec"], meta["KeyUsage"], meta["Description"]) == ("ECC_NIST_P256", "SIGN_VERIFY", "DNSSEC KSK")
    assert kms.list_resource_tags(KeyId=key["KeyId"])["Tags"] == [{"TagKey": "team", "TagValue": "dns"}]
    assert "dnssec-route53.amazonaws.com" in kms.get_key_policy(KeyId=key["KeyId"])["Policy"]

    plan = tf("plan", "-detailed-exitcode", "-input=false", ok=(0, 2))
    assert plan.returncode == 0, f"plan after apply is not empty:\n{plan.stdout[-8000:]}"

    tf("destroy", "-auto-approve", "-input=false")
    meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    assert meta["KeyState"] == "PendingDeletion" and meta["PendingDeletionWindowInDays"] == 7


# The KMS key of TERRAFORM above (its policy lets dnssec-route53.amazonaws.com sign), then
# a zone signed with it.
DNSSEC_TERRAFORM = provider_block("kms", "route53") + TERRAFORM[TERRAFORM.index('resource "aws_kms_key"'):] + r'''
resource "aws_route53_zone" "signed" {
  name = "tf-signed.test"
}

resource "aws_route53_key_signing_key" "ksk" {
  hosted_zone_id             = aws_route53_zone.signed.id
  key_management_service_arn = aws_kms_key.ksk.arn
  name                       = "tf_ksk"
}

resource "aws_route53_hosted_zone_dnssec" "signed" {
  depends_on     = [aws_route53_key_signing_key.ksk]
  hosted_zone_id = aws_route53_key_signing_key.ksk.hosted_zone_id
}
'''


def test_terraform_route53_dnssec(cairn_server, tmp_path):
    """aws_kms_key (policy for dnssec-route53.amazonaws.com), aws_route53_key_signing_key and
    aws_route53_hosted_zone_dnssec apply, plan empty, and destroy."""
    binary = require_terraform()
    srv = cairn_server()
    work = tmp_path / "tf"
    work.mkdir()
    (work / "main.tf").write_text(fill(DNSSEC_TERRAFORM, srv, ACCOUNT=ACCOUNT))
    tf = runner(binary, work, tmp_path)
    r53 = harness.route53_client(srv)

    tf("init", "-input=false")
    tf("apply", "-auto-approve", "-input=false")
    [zone] = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == "tf-signed.test."]
    dnssec = r53.get_dnssec(HostedZoneId=zone["Id"])
    assert dnssec["Status"]["ServeSignature"] == "SIGNING", dnssec
    [ksk] = dnssec["KeySigningKeys"]
    assert (ksk["Name"], ksk["Status"]) == ("tf_ksk", "ACTIVE")

    plan = tf("plan", "-detailed-exitcode", "-input=false", ok=(0, 2))
    assert plan.returncode == 0, f"plan after apply is not empty:\n{plan.stdout[-8000:]}"

    tf("destroy", "-auto-approve", "-input=false")
    assert not [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == "tf-signed.test."]
