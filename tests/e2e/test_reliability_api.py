"""Hostile API input (issue 7): each case gets the protocol's error shape and status.

Requests are signed here with a small SigV4 signer written from AWS's documentation (so a test
can sign with a wrong key, an old date or for a different body), and sent with http.client.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import re
import socket
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

import harness

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

AK = harness.CAIRN_ENV["CAIRN_ACCESS_KEY_ID"]
SK = harness.CAIRN_ENV["CAIRN_SECRET_ACCESS_KEY"]
NS = "{https://route53.amazonaws.com/doc/2013-04-01/}"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sign(method: str, host: str, path: str, body: bytes = b"", *, key: str = AK, secret: str = SK,
         when: datetime | None = None, query: str = "", headers: dict | None = None) -> dict:
    """Headers (with Authorization) that sign the request as botocore does for Route 53."""
    when = when or datetime.now(timezone.utc)
    amz = when.strftime("%Y%m%dT%H%M%SZ")
    hdrs = {"host": host, "x-amz-date": amz, **{k.lower(): v for k, v in (headers or {}).items()}}
    names = sorted(hdrs)
    canonical = "\n".join([
        method, path, query,
        "".join(f"{n}:{hdrs[n].strip()}\n" for n in names),
        ";".join(names),
        hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{amz[:8]}/us-east-1/route53/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = _hmac(("AWS4" + secret).encode(), amz[:8])
    for part in ("us-east-1", "route53", "aws4_request"):
        k = _hmac(k, part)
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    hdrs["authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, "
                             f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return hdrs


def send(srv, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    host, port = srv.api
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.getheaders()
    finally:
        conn.close()


def signed(srv, method: str, path: str, body: bytes = b"", **kw):
    host = f"{srv.api[0]}:{srv.api[1]}"
    headers = sign(method, host, path, body, **kw)
    if body:
        headers["content-type"] = "text/xml"
    return send(srv, method, path, body, headers)


def error_of(body: bytes) -> tuple[str, str, str]:
    """(Type, Code, Message) of a rest-xml ErrorResponse."""
    root = ET.fromstring(body)
    err = root.find(f"{NS}Error")
    if err is None:
        err = root.find("Error")
    assert err is not None, body
    get = lambda tag: (err.find(f"{NS}{tag}") if err.find(f"{NS}{tag}") is not None else err.find(tag)).text
    return get("Type"), get("Code"), get("Message")


def create_zone(srv, name="hostile.example") -> str:
    body = (f'<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="{NS[1:-1]}">'
            f"<Name>{name}</Name><CallerReference>{time.time_ns()}</CallerReference>"
            "</CreateHostedZoneRequest>").encode()
    status, out, _ = signed(srv, "POST", "/2013-04-01/hostedzone", body)
    assert status == 201, out
    return re.search(rb"<Id>/hostedzone/([^<]+)</Id>", out).group(1).decode()


# ---------------------------------------------------------------- bodies


def test_a_body_over_10_mib_is_refused_with_413(cairn_server):
    srv = cairn_server()
    zone = create_zone(srv)
    path = f"/2013-04-01/hostedzone/{zone}/rrset/"
    big = b"<x>" + b"a" * (11 * 1024 * 1024) + b"</x>"
    host, port = srv.api
    # Declared length: refused before the body is read (so we may not get to send all of it).
    conn = http.client.HTTPConnection(host, port, timeout=30)
    headers = sign("POST", f"{host}:{port}", path, big)
    conn.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.putheader("content-length", str(len(big)))
    conn.endheaders()
    try:
        conn.send(big)
    except (BrokenPipeError, ConnectionResetError):
        pass
    resp = conn.getresponse()
    status, body = resp.status, resp.read()
    conn.close()
    assert status == 413
    assert error_of(body)[:2] == ("Sender", "RequestEntityTooLarge")

    # No declared length (chunked): cut off at the same size, same error.
    def chunks():
        for i in range(0, len(big), 1 << 20):
            yield big[i:i + (1 << 20)]

    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("POST", path, body=chunks(), headers={**headers, "transfer-encoding": "chunked"},
                     encode_chunked=True)
    except (BrokenPipeError, ConnectionResetError):
        pass
    resp = conn.getresponse()
    status, body = resp.status, resp.read()
    conn.close()
    assert status == 413
    assert error_of(body)[1] == "RequestEntityTooLarge"

    # A body just under the limit is read and judged on its content.
    status, body, _ = signed(srv, "POST", path, b"<x>" + b"a" * (1 << 20) + b"</x>")
    assert status == 400, body
    assert error_of(body)[0] == "Sender"


def test_malformed_xml_is_refused_with_400_and_the_server_keeps_serving(cairn_server):
    srv = cairn_server()
    zone = create_zone(srv)
    path = f"/2013-04-01/hostedzone/{zone}/rrset/"
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                         for i in range(1, 10))
              + b']><ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/">'
              + b"<ChangeBatch><Comment>&lol9;</Comment><Changes/></ChangeBatch></ChangeResourceRecordSetsRequest>")
    cases = [
        b"this is not xml",
        b"<ChangeResourceRecordSetsRequest><ChangeBatch>",                        # unclosed
        b"<?xml version='1.0'?><a><b></a></b>",                                    # mis-nested
        b"<" * 5000,
        b"<a>" * 20000 + b"</a>" * 20000,                                          # deep nesting
        laughs,                                                                    # entity expansion
        b"\xff\xfe\x00<\x00a\x00>",                                               # not UTF-8
    ]
    for body in cases:
        t = time.monotonic()
        status, out, headers = signed(srv, "POST", path, body)
        assert status == 400, (body[:60], out)
        kind, code, _ = error_of(out)
        assert kind == "Sender" and code in ("MalformedInput", "InvalidInput"), (body[:60], out)
        assert time.monotonic() - t < 5
        assert any(k.lower() == "x-amz-request-id" for k, _ in headers)
    # CreateHostedZone too.
    status, out, _ = signed(srv, "POST", "/2013-04-01/hostedzone", b"<CreateHostedZoneRequest><Name>")
    assert status == 400 and error_of(out)[1] in ("MalformedInput", "InvalidInput")
    assert srv.proc.poll() is None
    status, _, _ = signed(srv, "GET", "/2013-04-01/hostedzone")
    assert status == 200


def test_unknown_operations_are_404_unknown_operation(cairn_server):
    srv = cairn_server()
    for method, path in [("GET", "/2013-04-01/nosuchthing"), ("DELETE", "/2013-04-01/hostedzone"),
                         ("GET", "/"), ("PUT", "/2013-04-01/hostedzone/Z1/rrset")]:
        status, body, _ = signed(srv, method, path)
        assert (status, error_of(body)[1]) == (404, "UnknownOperationException"), (method, path, body)
    # Unsigned, the same paths are refused for want of a signature first.
    status, body, _ = send(srv, "GET", "/2013-04-01/nosuchthing")
    assert (status, error_of(body)[1]) == (403, "MissingAuthenticationToken")


# ---------------------------------------------------------------- signatures


def test_bad_stale_and_replayed_signatures_are_refused(cairn_server):
    srv = cairn_server()
    zone = create_zone(srv)
    host = f"{srv.api[0]}:{srv.api[1]}"
    path = "/2013-04-01/hostedzone"

    def code(status_body):
        status, body, _ = status_body
        return status, error_of(body)[1]

    # Wrong secret, wrong key, garbage header.
    assert code(signed(srv, "GET", path, secret="wrong" + SK)) == (403, "SignatureDoesNotMatch")
    assert code(signed(srv, "GET", path, key="AKIDNOTTHEKEY0000000")) == (403, "InvalidClientTokenId")
    assert code(send(srv, "GET", path, headers={"Authorization": "AWS4-HMAC-SHA256 garbage"}))[0] == 400
    assert code(send(srv, "GET", path, headers={"Authorization": "Basic dXNlcjpwYXNz"})) == (400, "IncompleteSignature")

    # Stale and future: more than 15 minutes off is refused, whatever the signature.
    now = datetime.now(timezone.utc)
    status, body, _ = signed(srv, "GET", path, when=now - timedelta(minutes=20))
    assert (status, error_of(body)[1]) == (403, "SignatureDoesNotMatch")
    assert "Signature expired" in error_of(body)[2]
    assert code(signed(srv, "GET", path, when=now + timedelta(minutes=20))) == (403, "SignatureDoesNotMatch")
    assert signed(srv, "GET", path, when=now - timedelta(minutes=10))[0] == 200

    # Replayed: a captured signature does not carry over to another body, path or method.
    rrset = f"/2013-04-01/hostedzone/{zone}/rrset/"
    good = (f'<?xml version="1.0"?><ChangeResourceRecordSetsRequest xmlns="{NS[1:-1]}"><ChangeBatch><Changes>'
            "<Change><Action>CREATE</Action><ResourceRecordSet><Name>a.hostile.example</Name><Type>A</Type>"
            "<TTL>60</TTL><ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord>"
            "</ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch>"
            "</ChangeResourceRecordSetsRequest>").encode()
    captured = sign("POST", host, rrset, good)
    captured["content-type"] = "text/xml"
    assert send(srv, "POST", rrset, good, captured)[0] == 200
    evil = good.replace(b"192.0.2.1", b"203.0.113.66").replace(b"a.hostile", b"b.hostile")
    assert code(send(srv, "POST", rrset, evil, captured)) == (403, "SignatureDoesNotMatch")
    assert code(send(srv, "DELETE", f"/2013-04-01/hostedzone/{zone}", b"", captured)) == (403, "SignatureDoesNotMatch")
    # Replayed as is within the 15-minute window it is the same request, and Route 53's own
    # rules answer it (as AWS does: SigV4 has no nonce): here, the set already exists.
    status, body, _ = send(srv, "POST", rrset, good, captured)
    assert (status, error_of(body)[1]) == (400, "InvalidChangeBatch")
    # A request signed 16 minutes ago is refused: an old capture cannot be replayed.
    old = sign("POST", host, rrset, good, when=now - timedelta(minutes=16))
    assert code(send(srv, "POST", rrset, good, old)) == (403, "SignatureDoesNotMatch")


# ---------------------------------------------------------------- request rate


def test_request_rate_limit_answers_throttling_rate_exceeded(cairn_server):
    srv = cairn_server(extra_args=["--api-rate-limit", "1", "--api-rate-burst", "5"])
    statuses = []
    started = time.monotonic()
    for _ in range(30):
        status, body, _ = signed(srv, "GET", "/2013-04-01/hostedzone")
        statuses.append(status)
        if status != 200:
            assert (status, error_of(body)) == (400, ("Sender", "Throttling", "Rate exceeded"))
    elapsed = time.monotonic() - started
    # The burst of 5, plus one more per second the loop took (however slow the machine).
    assert 5 <= statuses.count(200) <= 5 + int(elapsed) + 1, (elapsed, statuses)
    # What an SDK sees without retries: ClientError Throttling. One request per second and no
    # burst, so even a slow machine sends the second call too soon.
    slow = cairn_server(extra_args=["--api-rate-limit", "1", "--api-rate-burst", "1"])
    r53 = boto3.client("route53", endpoint_url=f"http://{slow.api[0]}:{slow.api[1]}", region_name="us-east-1",
                       aws_access_key_id=AK, aws_secret_access_key=SK,
                       config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    with pytest.raises(ClientError) as e:
        for _ in range(20):
            r53.list_hosted_zones()
    assert e.value.response["Error"]["Code"] == "Throttling"
    # The readiness endpoint is never throttled.
    for _ in range(20):
        assert send(srv, "GET", "/_cairn/health")[0] == 200


def test_default_rate_limit_does_not_throttle_bulk_automation(cairn_server):
    srv = cairn_server()
    r53 = boto3.client("route53", endpoint_url=f"http://{srv.api[0]}:{srv.api[1]}", region_name="us-east-1",
                       aws_access_key_id=AK, aws_secret_access_key=SK,
                       config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    zone = r53.create_hosted_zone(Name="bulk.example", CallerReference="bulk")["HostedZone"]["Id"]
    # A bulk script: 300 change batches and 300 reads back to back, no retries allowed.
    for i in range(300):
        r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
            "Action": "UPSERT", "ResourceRecordSet": {"Name": f"n{i}.bulk.example", "Type": "A", "TTL": 60,
                                                      "ResourceRecords": [{"Value": "192.0.2.1"}]}}]})
        r53.get_hosted_zone(Id=zone)


# ---------------------------------------------------------------- secrets


def test_secrets_never_reach_the_log_even_at_trace_level(cairn_server, tmp_path):
    srv = cairn_server(extra_args=["--log", "trace"])
    zone = create_zone(srv)
    signed(srv, "GET", "/2013-04-01/hostedzone")
    signed(srv, "GET", "/2013-04-01/hostedzone", secret="wrong" + SK)
    signed(srv, "GET", "/2013-04-01/hostedzone", when=datetime.now(timezone.utc) - timedelta(hours=1))
    signed(srv, "POST", f"/2013-04-01/hostedzone/{zone}/rrset/", b"<broken")
    srv.stop()
    log = srv.log()
    assert "TRACE" in log or "DEBUG" in log, "the log level did not take effect"
    assert SK not in log
    # Nor any signing key derived from it (the date key is the first step).
    k_date = _hmac(("AWS4" + SK).encode(), datetime.now(timezone.utc).strftime("%Y%m%d")).hex()
    assert k_date not in log
