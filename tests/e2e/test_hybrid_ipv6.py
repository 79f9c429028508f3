"""Hybrid DNS over IPv6 (issue 5): the flow of test_hybrid_dns.py on IPv6 addresses only, in a
network namespace this test creates.

IPv4 labs live on 127.0.0.0/8, where every address is local. The IPv6 counterpart here: a
fresh namespace with `lo` up, whole prefixes routed local (`ip -6 route add local PREFIX dev
lo`, Linux "AnyIP") and net.ipv6.ip_nonlocal_bind=1 (IPv6, unlike IPv4, refuses to bind an
address that is only routed local, not configured). fd77::/64 is "on premises", fd99::/64 is
a stranger, fd00:ec2::/64 holds the shared resolver address fd00:ec2::253, and the VPC's
random ULA /56 (AmazonProvidedIpv6CidrBlock) is routed local once Cairn has assigned it.

Everything runs inside the namespace: ipv6_scenario.py (run with `ip netns exec`) starts
`cairn serve`, Unbound and BIND, drives the APIs with boto3 on 127.0.0.1 there, asks the
DNS questions and prints a JSON report, which the tests below assert on, one section each.
The namespace is deleted at teardown, and anything left running in it (only what we started
there) is killed by PID first.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

import harness
import peers

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "ipv6_scenario.py"
LOCAL_PREFIXES = ["fd77::/64", "fd99::/64", "fd00:ec2::/64"]
SCENARIO_TIMEOUT = 120
BACKTRACE_FRAME = re.compile(r"^\s+(\d+: |at /)")


def _ip(*args, check=True):
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=20)


def _require_netns():
    if os.geteuid() != 0:
        pytest.skip("needs root to create a network namespace (ip netns add)")
    if shutil.which("ip") is None:
        pytest.skip("`ip` (iproute2) is not installed")
    probe = _ip("netns", "list", check=False)
    if probe.returncode != 0:
        pytest.skip(f"`ip netns` is unavailable: {probe.stderr.strip()}")
    if peers.unbound_path() is None or peers.named_path() is None:
        pytest.skip("unbound and named are needed (apt-get install unbound bind9)")
    harness.require_cairn()


def _kill_leftovers(ns):
    """Kill, by PID, whatever still runs in our namespace (only processes we started there)."""
    res = _ip("netns", "pids", ns, check=False)
    for pid in res.stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


@pytest.fixture(scope="module")
def netns():
    _require_netns()
    ns = f"cairn-v6-{uuid.uuid4().hex[:8]}"
    res = _ip("netns", "add", ns, check=False)
    if res.returncode != 0:
        pytest.skip(f"cannot create a network namespace: {res.stderr.strip()}")
    try:
        _ip("-n", ns, "link", "set", "lo", "up")
        subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.ip_nonlocal_bind=1"],
                       check=True, capture_output=True, timeout=20)
        for prefix in LOCAL_PREFIXES:
            _ip("-n", ns, "-6", "route", "add", "local", prefix, "dev", "lo")
        yield ns
    finally:
        _kill_leftovers(ns)
        _ip("netns", "del", ns, check=False)


@pytest.fixture(scope="module")
def report(netns, tmp_path_factory):
    """Runs ipv6_scenario.py inside the namespace once; its JSON report."""
    workdir = tmp_path_factory.mktemp("hybrid-v6")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(HERE) + os.pathsep + env.get("PYTHONPATH", "")
    env["CAIRN_BIN"] = str(harness.cairn_bin())
    cmd = ["ip", "netns", "exec", netns, sys.executable, str(SCENARIO), str(workdir)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, env=env, cwd=HERE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=SCENARIO_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the scenario's own process group
        out, err = proc.communicate()
        pytest.fail(f"ipv6_scenario.py did not finish within {SCENARIO_TIMEOUT}s\nstdout:\n{out[-4000:]}\n"
                    f"stderr:\n{err[-4000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        pytest.fail(f"ipv6_scenario.py exited {proc.returncode} without a report\nstdout:\n{out[-4000:]}\n"
                    f"stderr:\n{err[-6000:]}")
    result = json.loads(lines[-1])
    result["stderr"] = err
    return result


def _logs(result):
    """The daemons' logs, backtrace frames left out (the panic message stays)."""
    parts = []
    for name, text in result.get("logs", {}).items():
        text = "\n".join(line for line in text.splitlines() if not BACKTRACE_FRAME.match(line))
        parts.append(f"---- {name} ----\n{textwrap.indent(text[-4000:], '    | ')}")
    return "\n".join(parts)


def _section(result, name):
    if "setup_error" in result:
        pytest.fail(f"set-up inside the namespace failed: {result['setup_error']}\n{_logs(result)}")
    section = result["sections"].get(name)
    assert section is not None, f"section {name} did not run: {sorted(result['sections'])}"
    if not section["ok"]:
        passed = "".join(f"\n  ok: {c}" for c in section["checks"])
        pytest.fail(f"[{name}] {section['error']}\n(info: {result.get('info')})\npassed before it:{passed}\n"
                    f"{section['traceback']}\n{_logs(result)}")
    return section


def test_cloud_resolves_on_premises_names_over_ipv6_through_an_ipv6_outbound_endpoint(report):
    """IPV6 and DUALSTACK outbound endpoints, FORWARD rules with IPv6 targets, Unbound on
    fd77::53 answering only the endpoints' IPv6 addresses, clients in the VPC's /56 asking
    [fd00:ec2::253]."""
    checks = _section(report, "outbound")["checks"]
    assert any("Unbound refuses the client itself" in c for c in checks)


def test_on_premises_resolves_private_zones_over_ipv6_through_an_ipv6_inbound_endpoint(report):
    """An IPV6 inbound endpoint admits fd77::/64 (Ipv6Ranges) and nobody else; BIND on
    premises forwards to its IPv6 addresses."""
    checks = _section(report, "inbound")["checks"]
    assert any("BIND" in c for c in checks)


def test_dns64_over_ipv6(report):
    """DNS64 for IPv6 clients in a DNS64 subnet and through an IPv6 inbound endpoint."""
    _section(report, "dns64")


def test_dns64_ptr_of_an_address_with_equal_adjacent_octets(report):
    """The DNS64 ip6.arpa PTR of 64:ff9b::10.20.20.5 (CNAME to 5.20.20.10.in-addr.arpa): a
    name with two equal labels in a row, which once crashed the response writer."""
    _section(report, "dns64_ptr_repeated_labels")
