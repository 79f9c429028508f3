"""Terraform's AWS provider against a real `cairn serve`: apply a zone and records, a second
plan shows no changes, destroy cleans up. Every read the provider makes must be answered as
Route 53 would, or the plan would not be empty.

Needs `terraform` on PATH and the AWS provider in a local filesystem mirror (/opt/tf-plugins,
or TF_PLUGIN_MIRROR); skips saying so otherwise. Nothing is fetched from the network.
"""

from __future__ import annotations

import textwrap
import time

import dns.rcode
import dns.rdatatype
import pytest

import harness
from terraform_kit import PROVIDER_VERSION, require_terraform, runner

ZONE = "tf.example.net"


def config(endpoint: str) -> str:
    key, secret = harness.CAIRN_ENV["CAIRN_ACCESS_KEY_ID"], harness.CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"]
    return textwrap.dedent(f"""\
        terraform {{
          required_providers {{
            aws = {{
              source  = "hashicorp/aws"
              version = "{PROVIDER_VERSION}"
            }}
          }}
        }}

        provider "aws" {{
          region                      = "us-east-1"
          access_key                  = "{key}"
          secret_key                  = "{secret}"
          skip_credentials_validation = true
          skip_requesting_account_id  = true
          skip_metadata_api_check     = true
          skip_region_validation      = true
          max_retries                 = 1
          endpoints {{
            route53 = "{endpoint}"
          }}
        }}

        resource "aws_route53_zone" "main" {{
          name    = "{ZONE}"
          comment = "made by terraform"
          tags = {{
            team = "dns"
          }}
        }}

        resource "aws_route53_record" "www" {{
          zone_id = aws_route53_zone.main.zone_id
          name    = "www.{ZONE}"
          type    = "A"
          ttl     = 300
          records = ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
        }}

        resource "aws_route53_record" "app" {{
          zone_id = aws_route53_zone.main.zone_id
          name    = "app"
          type    = "CNAME"
          ttl     = 60
          records = ["www.{ZONE}"]
        }}

        resource "aws_route53_record" "txt" {{
          zone_id = aws_route53_zone.main.zone_id
          name    = "{ZONE}"
          type    = "TXT"
          ttl     = 600
          records = ["v=spf1 -all", "hello world"]
        }}

        resource "aws_route53_record" "mx" {{
          zone_id = aws_route53_zone.main.zone_id
          name    = "{ZONE}"
          type    = "MX"
          ttl     = 3600
          records = ["10 mail1.{ZONE}", "20 mail2.{ZONE}"]
        }}

        resource "aws_route53_record" "wild" {{
          zone_id = aws_route53_zone.main.zone_id
          name    = "*.apps.{ZONE}"
          type    = "A"
          ttl     = 60
          records = ["198.51.100.10"]
        }}

        resource "aws_route53_record" "weighted" {{
          zone_id        = aws_route53_zone.main.zone_id
          name           = "w.{ZONE}"
          type           = "A"
          ttl            = 60
          records        = ["203.0.113.1"]
          set_identifier = "blue"
          weighted_routing_policy {{
            weight = 10
          }}
        }}

        resource "aws_route53_record" "near_oregon" {{
          zone_id        = aws_route53_zone.main.zone_id
          name           = "near.{ZONE}"
          type           = "A"
          ttl            = 60
          records        = ["203.0.113.5"]
          set_identifier = "oregon"
          geoproximity_routing_policy {{
            aws_region = "us-west-2"
            bias       = 10
          }}
        }}

        resource "aws_route53_record" "near_frankfurt" {{
          zone_id        = aws_route53_zone.main.zone_id
          name           = "near.{ZONE}"
          type           = "A"
          ttl            = 60
          records        = ["203.0.113.6"]
          set_identifier = "frankfurt"
          geoproximity_routing_policy {{
            coordinates {{
              latitude  = "50.11"
              longitude = "8.68"
            }}
          }}
        }}

        output "zone_id" {{
          value = aws_route53_zone.main.zone_id
        }}

        output "name_servers" {{
          value = aws_route53_zone.main.name_servers
        }}
        """)


PROVIDER = """\
terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "{version}"
    }}
  }}
}}

provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "{key}"
  secret_key                  = "{secret}"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  max_retries                 = 1
  endpoints {{
    route53 = "{endpoint}"
  }}
}}
"""


@pytest.fixture
def terraform(cairn_server, tmp_path):
    """A Cairn server and `run(*args)` for terraform in a work dir configured for it."""
    tf = require_terraform()
    srv = cairn_server()
    host, port = srv.api
    work = tmp_path / "tf"
    work.mkdir()
    run = runner(tf, work, tmp_path, timeout=300)
    run.server = srv
    run.work = work
    run.endpoint = f"http://{host}:{port}"
    return run


def test_terraform_apply_plan_destroy(terraform):
    run, srv, work = terraform, terraform.server, terraform.work
    (work / "main.tf").write_text(config(terraform.endpoint))
    run("init", "-input=false")
    try:
        run("apply", "-auto-approve", "-input=false")
        zone_id = run("output", "-raw", "zone_id").stdout.strip()
        assert zone_id.startswith("Z")

        # Served over DNS.
        def answer(name, rtype):
            r = harness.query(srv.addr, name, rtype, edns=0)
            assert r.rcode() == dns.rcode.NOERROR, (name, rtype, r)
            return sorted(rd.to_text() for rr in r.answer if rr.rdtype == dns.rdatatype.from_text(rtype) for rd in rr)

        assert answer(f"www.{ZONE}", "A") == ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
        assert answer(f"app.{ZONE}", "CNAME") == [f"www.{ZONE}."]
        assert answer(ZONE, "TXT") == ['"hello world"', '"v=spf1 -all"']
        assert answer(ZONE, "MX") == [f"10 mail1.{ZONE}.", f"20 mail2.{ZONE}."]
        assert answer(f"x.y.apps.{ZONE}", "A") == ["198.51.100.10"]
        assert answer(f"w.{ZONE}", "A") == ["203.0.113.1"]  # the only record of its weighted group
        # Geoproximity, for a loopback client measured from the node's region (us-east-1):
        # Oregon (~3,600 km, biased ×0.9) is nearer than Frankfurt (~6,500 km).
        assert answer(f"near.{ZONE}", "A") == ["203.0.113.5"]

        # The second plan sees exactly what it applied.
        plan = run("plan", "-detailed-exitcode", "-input=false", ok=(0, 2))
        assert plan.returncode == 0, f"second plan is not empty:\n{plan.stdout[-6000:]}"
        assert "No changes." in plan.stdout
    finally:
        destroyed = run("destroy", "-auto-approve", "-input=false", ok=(0, 1))
    assert destroyed.returncode == 0, destroyed.stdout[-6000:] + destroyed.stderr[-6000:]
    r = harness.query(srv.addr, ZONE, "SOA", edns=0)
    deadline = time.monotonic() + 5
    while r.rcode() != dns.rcode.REFUSED:
        assert time.monotonic() < deadline, "destroyed zone still served"
        time.sleep(0.05)
        r = harness.query(srv.addr, ZONE, "SOA", edns=0)


ZONE2 = "tf2.example.net"
LONG_TXT = "k=" + "a" * 250 + "b" * 60  # longer than one 255-byte string


def config2(endpoint: str) -> str:
    key, secret = harness.CAIRN_ENV["CAIRN_ACCESS_KEY_ID"], harness.CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"]
    first, rest = LONG_TXT[:255], LONG_TXT[255:]
    return PROVIDER.format(version=PROVIDER_VERSION, key=key, secret=secret, endpoint=endpoint) + textwrap.dedent(f"""\
        resource "aws_route53_zone" "z" {{
          name          = "{ZONE2}"
          force_destroy = true
        }}

        resource "aws_route53_record" "www" {{
          zone_id = aws_route53_zone.z.zone_id
          name    = "www"
          type    = "A"
          ttl     = 120
          records = ["192.0.2.80"]
        }}

        resource "aws_route53_record" "apex" {{
          zone_id = aws_route53_zone.z.zone_id
          name    = "{ZONE2}"
          type    = "A"
          alias {{
            zone_id                = aws_route53_zone.z.zone_id
            name                   = aws_route53_record.www.fqdn
            evaluate_target_health = false
          }}
        }}

        resource "aws_route53_record" "long" {{
          zone_id = aws_route53_zone.z.zone_id
          name    = "long"
          type    = "TXT"
          ttl     = 300
          records = ["{first}\\"\\"{rest}"]
        }}

        data "aws_route53_zone" "lookup" {{
          name       = "{ZONE2}."
          depends_on = [aws_route53_zone.z]
        }}

        output "zone_id" {{
          value = aws_route53_zone.z.zone_id
        }}

        output "looked_up" {{
          value = data.aws_route53_zone.lookup.zone_id
        }}
        """)


def test_terraform_alias_long_txt_data_source_import_force_destroy(terraform):
    """The reads of less common paths: a data source, an alias, a TXT over 255 bytes, importing a
    record made outside Terraform, and force_destroy of a zone holding records Terraform does
    not manage."""
    boto3 = pytest.importorskip("boto3")
    run, srv, work = terraform, terraform.server, terraform.work
    r53 = boto3.client("route53", endpoint_url=terraform.endpoint, region_name="us-east-1",
                       aws_access_key_id=harness.CAIRN_ENV["CAIRN_ACCESS_KEY_ID"],
                       aws_secret_access_key=harness.CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"])
    (work / "main.tf").write_text(config2(terraform.endpoint))
    run("init", "-input=false")
    destroyed = False
    try:
        run("apply", "-auto-approve", "-input=false")
        zone_id = run("output", "-raw", "zone_id").stdout.strip()
        assert run("output", "-raw", "looked_up").stdout.strip() == zone_id

        r = harness.query(srv.addr, f"long.{ZONE2}", "TXT", edns=0)
        assert [b"".join(rd.strings) for rr in r.answer for rd in rr] == [LONG_TXT.encode()]
        r = harness.query(srv.addr, ZONE2, "A", edns=0)
        assert [rd.to_text() for rr in r.answer for rd in rr] == ["192.0.2.80"], r  # the alias, as an A

        # Records made outside Terraform: one to import, one it never manages.
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": {"Name": f"imported.{ZONE2}", "Type": "MX", "TTL": 600,
                                                       "ResourceRecords": [{"Value": f"10 mx.{ZONE2}"}]}},
            {"Action": "CREATE", "ResourceRecordSet": {"Name": f"stray.{ZONE2}", "Type": "A", "TTL": 60,
                                                       "ResourceRecords": [{"Value": "192.0.2.99"}]}}]})
        with (work / "main.tf").open("a") as f:
            f.write(textwrap.dedent(f"""
                import {{
                  to = aws_route53_record.imported
                  id = "{zone_id}_imported.{ZONE2}_MX"
                }}

                resource "aws_route53_record" "imported" {{
                  zone_id = aws_route53_zone.z.zone_id
                  name    = "imported.{ZONE2}"
                  type    = "MX"
                  ttl     = 600
                  records = ["10 mx.{ZONE2}"]
                }}
                """))
        plan = run("plan", "-input=false")
        assert "1 to import, 0 to add, 0 to change, 0 to destroy" in plan.stdout, plan.stdout[-4000:]
        run("apply", "-auto-approve", "-input=false")
        plan = run("plan", "-detailed-exitcode", "-input=false", ok=(0, 2))
        assert plan.returncode == 0, f"plan after import is not empty:\n{plan.stdout[-6000:]}"

        # force_destroy deletes the stray record too, then the zone.
        run("destroy", "-auto-approve", "-input=false")
        destroyed = True
        assert [z["Name"] for z in r53.list_hosted_zones()["HostedZones"]] == []
    finally:
        if not destroyed:
            run("destroy", "-auto-approve", "-input=false", ok=(0, 1))
