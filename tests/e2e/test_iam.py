"""IAM and STS (issue 12) through real clients against a real `cairn serve`: boto3's `iam`,
`sts` and `route53` clients and the AWS CLI.

What a user sees: a user, its key and the ACME policy made by the root key; with the user's
key, an UPSERT of `_acme-challenge.<zone>` TXT works and `dig` answers it, while an A record
or another zone is AccessDenied in AWS's words; GetCallerIdentity names each key's owner;
a malformed policy is MalformedPolicyDocument and nothing is stored. Every raw IAM/STS XML
response is checked against botocore's model of the operation's output.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import harness
from terraform_kit import fill, provider_block, require_terraform, runner

boto3 = pytest.importorskip("boto3")
from botocore.exceptions import ClientError  # noqa: E402

AWS = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "aws"
ACCOUNT = "111111111111"  # cairn serve's default --account-id


def check_xml(shape, element, where="$"):
    """Asserts that a query-protocol XML element fits botocore's `shape`: no member the
    model lacks, required members present, lists as <member> items."""
    kind = shape.type_name
    children = list(element)
    if kind == "structure":
        names = {m.serialization.get("name", n): m for n, m in shape.members.items()}
        for child in children:
            tag = child.tag.split("}")[-1]
            assert tag in names, f"{where}: member {tag} is not in {shape.name}"
            check_xml(names[tag], child, f"{where}.{tag}")
        present = {c.tag.split("}")[-1] for c in children}
        for name in shape.required_members:
            wire = shape.members[name].serialization.get("name", name)
            assert wire in present, f"{where}: required member {name} missing"
    elif kind == "list":
        for i, child in enumerate(children):
            assert child.tag.split("}")[-1] == "member", f"{where}[{i}]: {child.tag}"
            check_xml(shape.member, child, f"{where}[{i}]")
    elif kind == "boolean":
        assert element.text in ("true", "false"), f"{where}: {element.text!r}"
    elif kind in ("integer", "long"):
        int(element.text)
    elif kind == "string" and shape.enum:
        assert element.text in shape.enum, f"{where}: {element.text!r} not in {shape.enum}"
    else:
        assert not children, f"{where}: a {kind} with children"


def checked_client(srv, service, key=None, secret=None):
    host, port = srv.api
    client = boto3.client(
        service,
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id=key or harness.CAIRN_ENV["CAIRN_ACCESS_KEY_ID"],
        aws_secret_access_key=secret or harness.CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"],
    )
    checked = []

    def validate(http_response, model, **_):
        if http_response.status_code == 200 and model.output_shape is not None:
            root = ET.fromstring(http_response.content)
            result = root.find(f"{{*}}{model.name}Result")
            assert result is not None, http_response.content
            check_xml(model.output_shape, result)
            checked.append(model.name)

    if service in ("iam", "sts"):
        client.meta.events.register(f"after-call.{service}", validate)
    client.checked = checked
    return client


def acme_policy(zone_id: str) -> str:
    bare = zone_id.split("/")[-1]
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "route53:ChangeResourceRecordSets",
                "Resource": f"arn:aws:route53:::hostedzone/{bare}",
                "Condition": {
                    "ForAllValues:StringEquals": {
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.example.com"],
                        "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
                        "route53:ChangeResourceRecordSetsActions": ["UPSERT", "DELETE"],
                    }
                },
            },
            {"Effect": "Allow", "Action": "route53:GetChange", "Resource": "*"},
        ],
    })


def upsert(name, rtype, value):
    return {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": name, "Type": rtype, "TTL": 60, "ResourceRecords": [{"Value": value}]}}]}


def test_acme_key_writes_only_its_challenge(cairn_server):
    srv = cairn_server()
    iam = checked_client(srv, "iam")
    root_r53 = harness.route53_client(srv)
    zone = root_r53.create_hosted_zone(Name="example.com", CallerReference="z1")["HostedZone"]["Id"]
    other = root_r53.create_hosted_zone(Name="example.org", CallerReference="z2")["HostedZone"]["Id"]

    user = iam.create_user(UserName="acme", Tags=[{"Key": "team", "Value": "certs"}])["User"]
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/acme"
    assert user["UserId"].startswith("AIDA")
    key = iam.create_access_key(UserName="acme")["AccessKey"]
    assert key["Status"] == "Active" and key["AccessKeyId"].startswith("AKIA")
    iam.put_user_policy(UserName="acme", PolicyName="acme-dns", PolicyDocument=acme_policy(zone))
    # botocore decodes the URL-encoded document back to the JSON sent.
    got = iam.get_user_policy(UserName="acme", PolicyName="acme-dns")["PolicyDocument"]
    assert got == json.loads(acme_policy(zone))
    assert iam.list_user_policies(UserName="acme")["PolicyNames"] == ["acme-dns"]
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="acme")["AccessKeyMetadata"]] == [key["AccessKeyId"]]

    acme_r53 = checked_client(srv, "route53", key["AccessKeyId"], key["SecretAccessKey"])
    change = acme_r53.change_resource_record_sets(
        HostedZoneId=zone, ChangeBatch=upsert("_acme-challenge.example.com.", "TXT", '"the-token"'))
    harness.wait_insync(acme_r53, change)
    if shutil.which("dig"):
        host, port = srv.dns[0]
        out = subprocess.run(["dig", f"@{host}", "-p", str(port), "+short", "_acme-challenge.example.com", "TXT"],
                             capture_output=True, text=True, timeout=10).stdout
        assert out.strip() == '"the-token"', out
    else:
        answer = harness.query(srv.dns[0], "_acme-challenge.example.com", "TXT")
        assert b"the-token" in answer

    bare = zone.split("/")[-1]
    with pytest.raises(ClientError) as denied:
        acme_r53.change_resource_record_sets(
            HostedZoneId=zone, ChangeBatch=upsert("_acme-challenge.example.com.", "A", "192.0.2.1"))
    error = denied.value.response["Error"]
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/acme is not authorized to perform: "
        f"route53:ChangeResourceRecordSets on resource: arn:aws:route53:::hostedzone/{bare} "
        "because no identity-based policy allows the route53:ChangeResourceRecordSets action")
    with pytest.raises(ClientError) as other_zone:
        acme_r53.change_resource_record_sets(
            HostedZoneId=other, ChangeBatch=upsert("_acme-challenge.example.org.", "TXT", '"x"'))
    assert other_zone.value.response["Error"]["Code"] == "AccessDenied"
    # Nothing the denied calls asked for exists.
    names = [r["Name"] for r in root_r53.list_resource_record_sets(HostedZoneId=other)["ResourceRecordSets"]]
    assert "_acme-challenge.example.org." not in names

    root_sts = checked_client(srv, "sts")
    assert root_sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    acme_sts = checked_client(srv, "sts", key["AccessKeyId"], key["SecretAccessKey"])
    me = acme_sts.get_caller_identity()
    assert (me["Arn"], me["Account"], me["UserId"]) == (user["Arn"], ACCOUNT, user["UserId"])

    # Deactivated, the key no longer signs.
    iam.update_access_key(UserName="acme", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as inactive:
        acme_sts.get_caller_identity()
    assert inactive.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert {"CreateUser", "CreateAccessKey", "GetUserPolicy", "ListAccessKeys"} <= set(iam.checked)
    assert "GetCallerIdentity" in acme_sts.checked


def test_managed_policies_and_malformed_documents(cairn_server, tmp_path):
    srv = cairn_server()
    iam = checked_client(srv, "iam")
    iam.create_user(UserName="ci")
    with pytest.raises(ClientError) as bad:
        iam.put_user_policy(UserName="ci", PolicyName="bad", PolicyDocument='{"Version":"2012-10-17",'
                            '"Statement":{"Effect":"Allow","Action":"ChangeResourceRecordSets","Resource":"*"}}')
    assert bad.value.response["Error"] == {
        "Type": "Sender", "Code": "MalformedPolicyDocument",
        "Message": "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."}
    assert iam.list_user_policies(UserName="ci")["PolicyNames"] == []

    doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["route53:Get*", "route53:List*"], "Resource": "*"}]})
    policy = iam.create_policy(PolicyName="read-dns", PolicyDocument=doc, Description="read only")["Policy"]
    assert policy["Arn"] == f"arn:aws:iam::{ACCOUNT}:policy/read-dns"
    iam.attach_user_policy(UserName="ci", PolicyArn=policy["Arn"])
    assert iam.list_attached_user_policies(UserName="ci")["AttachedPolicies"] == [
        {"PolicyName": "read-dns", "PolicyArn": policy["Arn"]}]
    v2 = iam.create_policy_version(PolicyArn=policy["Arn"], PolicyDocument=doc, SetAsDefault=True)
    assert v2["PolicyVersion"]["VersionId"] == "v2"
    version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId="v2")["PolicyVersion"]
    assert version["Document"] == json.loads(doc) and version["IsDefaultVersion"] is True
    with pytest.raises(ClientError) as conflict:
        iam.delete_user(UserName="ci")
    assert conflict.value.response["Error"]["Code"] == "DeleteConflict"
    assert conflict.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409

    if AWS.exists():
        env = harness.aws_env(srv, tmp_path)
        env.update({"AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1"})
        res = subprocess.run([str(AWS), "iam", "create-policy", "--policy-name", "broken",
                              "--policy-document", '{"Statement": []}', "--output", "json"],
                             capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
        assert res.returncode != 0
        assert "MalformedPolicyDocument" in res.stderr and "Syntax errors in policy." in res.stderr, res.stderr
        res = subprocess.run([str(AWS), "sts", "get-caller-identity", "--output", "json"],
                             capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout)["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
        res = subprocess.run([str(AWS), "iam", "list-policies", "--scope", "Local", "--output", "json"],
                             capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
        assert res.returncode == 0, res.stderr
        assert [p["PolicyName"] for p in json.loads(res.stdout)["Policies"]] == ["read-dns"]


TERRAFORM = provider_block("iam", "sts") + r'''
resource "aws_iam_user" "ci" {
  name = "ci"
  path = "/bots/"
  tags = {
    team = "dns"
  }
}

resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}

resource "aws_iam_policy" "read_dns" {
  name        = "read-dns"
  description = "read Route 53"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["route53:Get*", "route53:List*"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_user_policy_attachment" "ci" {
  user       = aws_iam_user.ci.name
  policy_arn = aws_iam_policy.read_dns.arn
}
'''


def test_terraform_iam_user_key_policy_attachment(cairn_server, tmp_path):
    binary = require_terraform()
    srv = cairn_server()
    work = tmp_path / "tf"
    work.mkdir()
    (work / "main.tf").write_text(fill(TERRAFORM, srv))
    tf = runner(binary, work, tmp_path)
    iam = checked_client(srv, "iam")

    tf("init", "-input=false")
    tf("apply", "-auto-approve", "-input=false")
    user = iam.get_user(UserName="ci")["User"]
    assert user["Path"] == "/bots/" and user["Tags"] == [{"Key": "team", "Value": "dns"}]
    assert len(iam.list_access_keys(UserName="ci")["AccessKeyMetadata"]) == 1
    [attached] = iam.list_attached_user_policies(UserName="ci")["AttachedPolicies"]
    assert attached["PolicyName"] == "read-dns"

    plan = tf("plan", "-detailed-exitcode", "-input=false", ok=(0, 2))
    assert plan.returncode == 0, f"plan after apply is not empty:\n{plan.stdout[-8000:]}"

    tf("destroy", "-auto-approve", "-input=false")
    assert iam.list_users()["Users"] == []
    assert iam.list_policies(Scope="Local")["Policies"] == []
