"""Health checks end to end: boto3 creates checks and routed records, local HTTP servers on
127.0.0.1 turn healthy and unhealthy, and DNS answers follow within a few seconds.

`cairn serve --health-interval-ms 200` probes every 200 ms instead of RequestInterval, so with
FailureThreshold 1 a status flips within about a second.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
import uuid

import pytest

import harness

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402

INTERVAL_ARGS = ["--health-interval-ms", "200"]
FLIP_TIMEOUT = 8.0


class Backend:
    """A local HTTP server whose answer (200 or 500) the test switches."""

    def __init__(self):
        self.status = 200
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                body = b"ok" if backend.status == 200 else b"down"
                self.send_response(backend.status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def backends():
    made: list[Backend] = []

    def make() -> Backend:
        b = Backend()
        made.append(b)
        return b

    yield make
    for b in made:
        b.stop()


def client(srv):
    host, port = srv.api
    return boto3.client(
        "route53",
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id=harness.CAIRN_ENV["CAIRN_ACCESS_KEY_ID"],
        aws_secret_access_key=harness.CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1}),
    )


def http_check(r53, port: int, threshold: int = 1, **extra) -> str:
    config = {"IPAddress": "127.0.0.1", "Port": port, "Type": "HTTP", "ResourcePath": "/health",
              "RequestInterval": 10, "FailureThreshold": threshold, **extra}
    resp = r53.create_health_check(CallerReference=uuid.uuid4().hex, HealthCheckConfig=config)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 201
    return resp["HealthCheck"]["Id"]


def zone(r53, name: str) -> str:
    return r53.create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)["HostedZone"]["Id"]


def upsert(r53, zone_id: str, sets: list[dict]):
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": s} for s in sets]})


def a_set(name: str, ip: str, ident: str, check: str | None, **routing) -> dict:
    s = {"Name": name, "Type": "A", "TTL": 1, "SetIdentifier": ident,
         "ResourceRecords": [{"Value": ip}], **routing}
    if check:
        s["HealthCheckId"] = check
    return s


def answers(srv, name: str) -> list[str]:
    reply = harness.query(srv.addr, name, "A")
    return sorted(rr.address for rrset in reply.answer for rr in rrset)


def wait_until(what, predicate, timeout: float = FLIP_TIMEOUT):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = what()
        if predicate(last):
            return time.monotonic()
        time.sleep(0.1)
    raise AssertionError(f"not reached within {timeout}s; last: {last}")


def test_failover_switches_and_returns(cairn_server, backends):
    srv = cairn_server(extra_args=INTERVAL_ARGS)
    r53 = client(srv)
    primary, secondary = backends(), backends()
    hc_primary = http_check(r53, primary.port)
    hc_secondary = http_check(r53, secondary.port)
    zid = zone(r53, "failover.example")
    name = "www.failover.example."
    upsert(r53, zid, [
        a_set(name, "192.0.2.1", "primary", hc_primary, Failover="PRIMARY"),
        a_set(name, "192.0.2.2", "secondary", hc_secondary, Failover="SECONDARY"),
    ])
    wait_until(lambda: answers(srv, name), lambda a: a == ["192.0.2.1"])

    primary.status = 500
    start = time.monotonic()
    at = wait_until(lambda: answers(srv, name), lambda a: a == ["192.0.2.2"])
    print(f"failover to SECONDARY after {at - start:.2f}s")
    status = r53.get_health_check_status(HealthCheckId=hc_primary)
    obs = status["HealthCheckObservations"]
    assert obs and obs[0]["StatusReport"]["Status"].startswith("Failure: HTTP Status Code 500"), obs
    reason = r53.get_health_check_last_failure_reason(HealthCheckId=hc_primary)
    assert "500" in reason["HealthCheckObservations"][0]["StatusReport"]["Status"]

    primary.status = 200
    start = time.monotonic()
    at = wait_until(lambda: answers(srv, name), lambda a: a == ["192.0.2.1"])
    print(f"back to PRIMARY after {at - start:.2f}s")
    ok = r53.get_health_check_status(HealthCheckId=hc_primary)["HealthCheckObservations"][0]
    assert ok["StatusReport"]["Status"] == "Success: HTTP Status Code 200, OK"

    # A stopped server (connection refused) is unhealthy too; both unhealthy ⇒ PRIMARY.
    secondary.stop()
    primary.stop()
    time.sleep(2.0)
    assert answers(srv, name) == ["192.0.2.1"]


def test_weighted_member_failing_gets_no_traffic(cairn_server, backends):
    srv = cairn_server(extra_args=INTERVAL_ARGS)
    r53 = client(srv)
    good, bad = backends(), backends()
    hc_good, hc_bad = http_check(r53, good.port), http_check(r53, bad.port)
    zid = zone(r53, "weighted.example")
    name = "w.weighted.example."
    upsert(r53, zid, [
        a_set(name, "192.0.2.10", "good", hc_good, Weight=50),
        a_set(name, "192.0.2.20", "bad", hc_bad, Weight=50),
    ])
    seen = set()
    for _ in range(200):
        seen.update(answers(srv, name))
    assert seen == {"192.0.2.10", "192.0.2.20"}, seen

    bad.status = 500
    wait_until(lambda: r53.get_health_check_status(HealthCheckId=hc_bad)["HealthCheckObservations"],
               lambda o: bool(o) and o[0]["StatusReport"]["Status"].startswith("Failure"))
    # Once the flip is served, every answer is the healthy member.
    wait_until(lambda: {tuple(answers(srv, name)) for _ in range(20)}, lambda s: s == {("192.0.2.10",)})
    counts = {}
    for _ in range(500):
        for ip in answers(srv, name):
            counts[ip] = counts.get(ip, 0) + 1
    assert counts == {"192.0.2.10": 500}, counts


def test_multivalue_never_returns_a_failing_record(cairn_server, backends):
    srv = cairn_server(extra_args=INTERVAL_ARGS)
    r53 = client(srv)
    servers = [backends() for _ in range(3)]
    checks = [http_check(r53, b.port) for b in servers]
    zid = zone(r53, "multi.example")
    name = "m.multi.example."
    ips = ["192.0.2.31", "192.0.2.32", "192.0.2.33"]
    upsert(r53, zid, [a_set(name, ip, f"m{i}", hc, MultiValueAnswer=True)
                      for i, (ip, hc) in enumerate(zip(ips, checks))])
    wait_until(lambda: answers(srv, name), lambda a: a == ips)

    servers[1].status = 500
    wait_until(lambda: answers(srv, name), lambda a: a == [ips[0], ips[2]])
    for _ in range(300):
        got = answers(srv, name)
        assert ips[1] not in got and got, got

    servers[0].status = 500
    wait_until(lambda: answers(srv, name), lambda a: a == [ips[2]])
    for _ in range(300):
        assert answers(srv, name) == [ips[2]]


def test_override_inverted_and_calculated(cairn_server, backends):
    srv = cairn_server(extra_args=INTERVAL_ARGS)
    r53 = client(srv)
    up = backends()
    hc = http_check(r53, up.port)
    zid = zone(r53, "override.example")
    name = "o.override.example."
    upsert(r53, zid, [
        a_set(name, "192.0.2.41", "primary", hc, Failover="PRIMARY"),
        a_set(name, "192.0.2.42", "secondary", None, Failover="SECONDARY"),
    ])
    wait_until(lambda: answers(srv, name), lambda a: a == ["192.0.2.41"])
    assert harness.health_override(srv, hc, "unhealthy")["Healthy"] is False
    wait_until(lambda: answers(srv, name), lambda a: a == ["192.0.2.42"])
    harness.health_override(srv, hc, None)
    wait_until(lambda: answers(srv, name), lambda a: a == ["192.0.2.41"])

    # Inverted: a healthy endpoint reads as unhealthy.
    version = r53.get_health_check(HealthCheckId=hc)["HealthCheck"]["HealthCheckVersion"]
    r53.update_health_check(HealthCheckId=hc, HealthCheckVersion=version, Inverted=True)
    wait_until(lambda: answers(srv, name), lambda a: a == ["192.0.2.42"])
    r53.update_health_check(HealthCheckId=hc, Inverted=False)
    wait_until(lambda: answers(srv, name), lambda a: a == ["192.0.2.41"])

    # CALCULATED over two children, threshold 2: one child down takes the parent down.
    other = backends()
    hc_other = http_check(r53, other.port)
    calc = r53.create_health_check(CallerReference=uuid.uuid4().hex, HealthCheckConfig={
        "Type": "CALCULATED", "ChildHealthChecks": [hc, hc_other], "HealthThreshold": 2})["HealthCheck"]["Id"]
    calc_name = "c.override.example."
    upsert(r53, zid, [
        a_set(calc_name, "192.0.2.51", "primary", calc, Failover="PRIMARY"),
        a_set(calc_name, "192.0.2.52", "secondary", None, Failover="SECONDARY"),
    ])
    wait_until(lambda: answers(srv, calc_name), lambda a: a == ["192.0.2.51"])
    other.status = 500
    wait_until(lambda: answers(srv, calc_name), lambda a: a == ["192.0.2.52"])
    other.status = 200
    wait_until(lambda: answers(srv, calc_name), lambda a: a == ["192.0.2.51"])


def test_unknown_health_check_in_a_record_is_refused(cairn_server):
    srv = cairn_server()
    r53 = client(srv)
    zid = zone(r53, "nohc.example")
    with pytest.raises(r53.exceptions.NoSuchHealthCheck):
        upsert(r53, zid, [a_set("x.nohc.example.", "192.0.2.1", "p", str(uuid.uuid4()), Failover="PRIMARY")])
