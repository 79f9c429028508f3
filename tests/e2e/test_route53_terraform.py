"""Terraform's AWS provider against a real `cairn serve`: apply a zone and records, a second
plan shows no changes, destroy cleans up. Every read the provider makes must be answered as
Route 53 would, or the plan would not be empty.

Needs `terraform` on PATH and the AWS provider in a local filesystem mirror (/opt/tf-plugins,
or TF_PLUGIN_MIRROR); skips saying so otherwise. Nothing is fetched from the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import dns.rcode
import dns.rdatatype
import pytest

import harness

MIRROR = Path(os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
PROVIDER_VERSION = "5.100.0"
ZONE = "tf.example.net"


def require_terraform() -> str:
    tf = shutil.which("terraform")
    if tf is None:
        pytest.skip("terraform is not on PATH: the Terraform tests need it (and the AWS provider mirror)")
    if not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws" / PROVIDER_VERSION).is_dir():
        pytest.skip(f"no AWS provider {PROVIDER_VERSION} in the filesystem mirror {MIRROR}")
    return tf


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

        output "zone_id" {{
          value = aws_route53_zone.main.zone_id
        }}

        output "name_servers" {{
          value = aws_route53_zone.main.name_servers
        }}
        """)


def test_terraform_apply_plan_destroy(cairn_server, tmp_path):
    tf = require_terraform()
    srv = cairn_server()
    host, port = srv.api
    work = tmp_path / "tf"
    work.mkdir()
    (work / "main.tf").write_text(config(f"http://{host}:{port}"))
    cli_config = tmp_path / "terraformrc"
    cli_config.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{MIRROR}"\n  }}\n}}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update({"TF_CLI_CONFIG_FILE": str(cli_config), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
                "TF_LOG_PATH": str(tmp_path / "tf.log"), "TF_LOG": os.environ.get("TF_LOG", "")})

    def run(*args: str, ok=(0,), timeout=300) -> subprocess.CompletedProcess:
        t0 = time.monotonic()
        res = subprocess.run([tf, *args, "-no-color"], cwd=work, env=env, capture_output=True, text=True,
                             timeout=timeout, stdin=subprocess.DEVNULL)
        print(f"terraform {args[0]}: exit {res.returncode} in {time.monotonic() - t0:.1f}s")
        assert res.returncode in ok, f"terraform {' '.join(args)} exited {res.returncode}\n{res.stdout[-6000:]}\n{res.stderr[-6000:]}"
        return res

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
