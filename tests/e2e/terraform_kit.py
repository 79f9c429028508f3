"""Terraform's AWS provider pointed at a running Cairn: what every Terraform test shares.

`require_terraform()` skips (saying why) when terraform or the provider mirror is missing;
`fill(config, srv, **more)` puts the provider version, the endpoint and the root key into a
configuration's `@VERSION@`, `@ENDPOINT@`, `@KEY@`, `@SECRET@` (and `@NAME@` for each extra
`NAME=value`); `runner(binary, work, log_dir)` returns `run(*args, ok=(0,), timeout=...)`,
which runs terraform in `work` with nothing fetched from the network and asserts its exit code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import harness

MIRROR = Path(os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
PROVIDER_VERSION = "5.100.0"


def require_terraform() -> str:
    tf = shutil.which("terraform")
    if tf is None:
        pytest.skip("terraform is not on PATH: the Terraform tests need it (and the AWS provider mirror)")
    if not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws" / PROVIDER_VERSION).is_dir():
        pytest.skip(f"no AWS provider {PROVIDER_VERSION} in the filesystem mirror {MIRROR}")
    return tf


def fill(config: str, srv, **more: str) -> str:
    """`config` with the provider version, `srv`'s API endpoint and the root key filled in."""
    host, port = srv.api
    values = {"VERSION": PROVIDER_VERSION, "ENDPOINT": f"http://{host}:{port}",
              "KEY": harness.CAIRN_ENV["CAIRN_ACCESS_KEY_ID"],
              "SECRET": harness.CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"], **more}
    for name, value in values.items():
        config = config.replace(f"@{name}@", str(value))
    return config


def runner(binary: str, work: Path, log_dir: Path, *, timeout: float = 600):
    """`run(*args, ok=(0,), timeout=timeout)`: terraform in `work`, provider from the mirror only,
    its log in `log_dir/tf.log` when TF_LOG is set; returns the CompletedProcess."""
    cli_config = log_dir / "terraformrc"
    cli_config.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{MIRROR}"\n  }}\n}}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update({"TF_CLI_CONFIG_FILE": str(cli_config), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
                "TF_LOG_PATH": str(log_dir / "tf.log"), "TF_LOG": os.environ.get("TF_LOG", "")})
    default_timeout = timeout

    def run(*args: str, ok=(0,), timeout=None) -> subprocess.CompletedProcess:
        t0 = time.monotonic()
        res = subprocess.run([binary, *args, "-no-color"], cwd=work, env=env, capture_output=True, text=True,
                             timeout=timeout or default_timeout, stdin=subprocess.DEVNULL)
        print(f"terraform {args[0]}: exit {res.returncode} in {time.monotonic() - t0:.1f}s")
        assert res.returncode in ok, \
            f"terraform {' '.join(args)} exited {res.returncode}\n{res.stdout[-8000:]}\n{res.stderr[-8000:]}"
        return res

    return run


def provider_block(*services: str) -> str:
    """The `terraform` and `provider "aws"` blocks, every named service's endpoint at Cairn
    (placeholders for `fill`)."""
    width = max(len(s) for s in services)
    endpoints = "".join(f'    {s.ljust(width)} = "@ENDPOINT@"\n' for s in services)
    return f'''
terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "@VERSION@"
    }}
  }}
}}

provider "aws" {{
  region                      = "us-east-1"
  access_key                  = "@KEY@"
  secret_key                  = "@SECRET@"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  max_retries                 = 1
  endpoints {{
{endpoints}  }}
}}
'''
