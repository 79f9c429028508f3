"""PostgreSQL TLS and failover to a promoted standby (issue 15), against real servers.

TLS: PostgreSQL with `ssl=on` and a certificate made here, signed by a CA made here; Cairn
connects with libpq's `sslmode` and `sslrootcert` in its `--store` URL. `verify-full` with the
right CA works; a wrong host name or a wrong CA fails clearly; `sslmode=disable` against a
server that accepts only TLS (`hostssl`) fails clearly.

Failover: a primary with a synchronous streaming standby (`pg_basebackup -R`), Cairn given both
hosts with `target_session_attrs=read-write`. Writes stream through the API while the primary
is stopped (by its PID) and the standby promoted; Cairn takes writes again without a restart,
and every change it acknowledged is in the API and in DNS.
"""

from __future__ import annotations

import datetime
import threading
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import harness
from postgres_server import PostgresServer, postgres_server, require_postgres  # noqa: F401

ZONE = "failover.test"


#------------ certificates ------------------------------------------------------------

def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(cn: str):
    """A self-signed CA: (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def issue(ca, dns_names: list[str], ips: list[str]) -> tuple[bytes, bytes]:
    """A server certificate signed by `ca` for these names: (cert PEM, key PEM)."""
    import ipaddress
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    sans = [x509.DNSName(n) for n in dns_names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in ips]
    cert = (x509.CertificateBuilder().subject_name(_name(dns_names[0])).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def write_ca(ca, path: Path) -> Path:
    path.write_bytes(ca[0].public_bytes(serialization.Encoding.PEM))
    return path


#------------ helpers -----------------------------------------------------------------

def a_records(server, name: str) -> set[str]:
    r = harness.query(server, name, "A")
    return {rd.address for rrset in r.answer if rrset.rdtype == 1 for rd in rrset}


def upsert(r53, zone_id: str, name: str, address: str) -> dict:
    return r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": address}]}}]},
    )


def start_fails(tmp_path: Path, name: str, url: str) -> str:
    """`cairn serve` on a store it must not reach: exits 1; returns its stderr."""
    harness.require_cairn()
    res = harness.cairn("serve", "--data-dir", str(tmp_path / name), "--api-listen", "127.0.0.1:0",
                        "--dns-listen", "127.0.0.1:0", "--store", url, check=False, timeout=60)
    assert res.returncode == 1, res.stderr
    assert "cannot open the store" in res.stderr, res.stderr
    return res.stderr


@pytest.fixture
def tls_postgres(tmp_path):
    """PostgreSQL accepting TCP clients only over TLS, with a certificate for `localhost` and
    127.0.0.1 signed by a CA made for this test: (server, CA file, another CA's file)."""
    ca = make_ca("cairn test CA")
    cert, key = issue(ca, ["localhost"], ["127.0.0.1"])
    server = PostgresServer(require_postgres()).start(
        configure=lambda s: s.enable_tls(cert, key, require=True))
    try:
        yield server, write_ca(ca, tmp_path / "ca.pem"), write_ca(make_ca("another CA"), tmp_path / "other-ca.pem")
    finally:
        server.stop()


#------------ TLS ---------------------------------------------------------------------

def test_verify_full_with_the_right_ca_serves_over_tls(cairn_server, tls_postgres, tmp_path):  # noqa: F811
    server, ca_file, _ = tls_postgres
    server.psql("CREATE DATABASE tls")
    url = f"postgres://cairn@127.0.0.1:{server.port}/tls?sslmode=verify-full&sslrootcert={ca_file}"
    node = cairn_server(data_dir=tmp_path / "a", extra_args=["--store", url])
    r53 = harness.route53_client(node)
    zone_id = r53.create_hosted_zone(Name="tls.test", CallerReference="tls-1")["HostedZone"]["Id"]
    upsert(r53, zone_id, "www.tls.test", "192.0.2.1")
    harness.wait_for(lambda: a_records(node.addr, "www.tls.test"), lambda s: s == {"192.0.2.1"}, 5.0)
    # Every connection Cairn holds (the pool and the LISTEN one) is encrypted.
    rows = server.psql("SELECT a.application_name, s.ssl FROM pg_stat_ssl s "
                       "JOIN pg_stat_activity a USING (pid) WHERE a.datname = 'tls'").splitlines()
    assert rows and all(r == "cairn|t" for r in rows), rows
    assert len(rows) >= 2, rows  # at least one pooled connection and the listener

    # By name too: `localhost` is in the certificate.
    by_name = f"postgres://cairn@localhost:{server.port}/tls?sslmode=verify-full&sslrootcert={ca_file}"
    node_b = cairn_server(data_dir=tmp_path / "b", extra_args=["--store", by_name])
    harness.wait_for(lambda: a_records(node_b.addr, "www.tls.test"), lambda s: s == {"192.0.2.1"}, 5.0)


def test_verify_full_refuses_a_wrong_host_name_or_a_wrong_ca(tls_postgres, tmp_path):
    server, ca_file, other_ca = tls_postgres
    server.psql("CREATE DATABASE tls")
    # The certificate names localhost and 127.0.0.1, not this name (which still reaches it).
    wrong_name = (f"postgres://cairn@db.wrong.test:{server.port}/tls?hostaddr=127.0.0.1"
                  f"&sslmode=verify-full&sslrootcert={ca_file}")
    err = start_fails(tmp_path, "wrong-name", wrong_name)
    assert "certificate not valid for name" in err and "db.wrong.test" in err, err

    err = start_fails(tmp_path, "wrong-ca", f"postgres://cairn@127.0.0.1:{server.port}/tls"
                                            f"?sslmode=verify-full&sslrootcert={other_ca}")
    assert "UnknownIssuer" in err or "unknown issuer" in err.lower(), err
    # verify-ca checks the chain as well, only not the name.
    err = start_fails(tmp_path, "wrong-ca-2", f"postgres://cairn@127.0.0.1:{server.port}/tls"
                                              f"?sslmode=verify-ca&sslrootcert={other_ca}")
    assert "UnknownIssuer" in err or "unknown issuer" in err.lower(), err


def test_verify_ca_ignores_the_name_and_require_encrypts_without_checking(cairn_server, tls_postgres, tmp_path):
    server, ca_file, _ = tls_postgres
    server.psql("CREATE DATABASE tls")
    base = f"postgres://cairn@db.wrong.test:{server.port}/tls?hostaddr=127.0.0.1"
    cairn_server(data_dir=tmp_path / "ca", extra_args=["--store", f"{base}&sslmode=verify-ca&sslrootcert={ca_file}"])
    # libpq's `require`: encrypted, certificate not checked (no sslrootcert).
    node = cairn_server(data_dir=tmp_path / "req", extra_args=["--store", f"{base}&sslmode=require"])
    r53 = harness.route53_client(node)
    assert r53.list_hosted_zones()["HostedZones"] == []


def test_sslmode_disable_against_a_tls_only_server_fails_clearly(tls_postgres, tmp_path):
    server, _, _ = tls_postgres
    server.psql("CREATE DATABASE tls")
    err = start_fails(tmp_path, "plain", f"postgres://cairn@127.0.0.1:{server.port}/tls?sslmode=disable")
    assert "no pg_hba.conf entry" in err and "no encryption" in err, err


def test_a_bad_sslmode_or_missing_root_cert_is_refused(tmp_path):
    err = start_fails(tmp_path, "allow", "postgres://cairn@127.0.0.1:1/db?sslmode=allow")
    assert "sslmode=allow is not supported" in err, err
    err = start_fails(tmp_path, "nofile", f"postgres://cairn@127.0.0.1:1/db?sslmode=verify-full"
                                          f"&sslrootcert={tmp_path}/missing.pem")
    assert "missing.pem" in err, err


#------------ failover ----------------------------------------------------------------

def test_failover_to_a_promoted_standby_loses_nothing_acknowledged(cairn_server, postgres_server, tmp_path):  # noqa: F811
    primary = postgres_server
    primary.psql("CREATE DATABASE cairn")
    standby = primary.start_standby()
    try:
        # Synchronous replication: a commit returns once the standby has it, so what Cairn
        # acknowledged survives the primary.
        primary.psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        primary.psql("SELECT pg_reload_conf()")
        harness.wait_for(lambda: primary.psql("SELECT sync_state FROM pg_stat_replication"),
                         lambda s: s == "sync", 10.0)
        url = (f"postgres://cairn@127.0.0.1:{primary.port},127.0.0.1:{standby.port}/cairn"
               "?target_session_attrs=read-write&connect_timeout=3")
        node = cairn_server(data_dir=tmp_path / "a", extra_args=["--store", url])
        r53 = harness.route53_client(node)
        zone_id = r53.create_hosted_zone(Name=ZONE, CallerReference="fo-1")["HostedZone"]["Id"]

        # A writer streams changes, one name each, through the failover.
        acked: list[str] = []
        failed: list[tuple[str, str]] = []
        stop = threading.Event()

        def writer():
            i = 0
            while not stop.is_set():
                name = f"w{i}.{ZONE}"
                try:
                    upsert(r53, zone_id, name, f"192.0.2.{i % 250 + 1}")
                    acked.append(name)
                except ClientError as e:
                    failed.append((name, e.response["Error"]["Code"]))
                    time.sleep(0.1)
                i += 1

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        harness.wait_for(lambda: len(acked), lambda n: n >= 20, 20.0)

        primary.halt()  # fast shutdown, by its PID
        time.sleep(1.0)  # writes fail meanwhile: nothing takes them
        standby.promote()
        # Cairn finds the promoted standby by itself (no restart) and takes writes again.
        before = len(acked)
        harness.wait_for(lambda: len(acked), lambda n: n >= before + 20, 30.0)
        stop.set()
        thread.join(30)

        assert failed, "no write failed while no host took writes"
        assert {code for _, code in failed} <= {"ServiceUnavailable", "InternalFailure"}, failed
        # Every acknowledged change is there: in the API, and in DNS.
        names = set()
        params = {"HostedZoneId": zone_id}
        while True:
            page = r53.list_resource_record_sets(**params)
            names |= {r["Name"].rstrip(".") for r in page["ResourceRecordSets"] if r["Type"] == "A"}
            if not page["IsTruncated"]:
                break
            params.update(StartRecordName=page["NextRecordName"], StartRecordType=page["NextRecordType"])
        missing = [n for n in acked if n not in names]
        assert not missing, f"acknowledged but lost: {missing}"
        # DNS serves a change once this node's follower applied it (the change is PENDING until
        # then, as on Route 53): the last few acknowledged just now may need a moment.
        for name in acked:
            i = int(name.split(".")[0][1:])
            want = {f"192.0.2.{i % 250 + 1}"}
            got = harness.wait_for(lambda n=name: a_records(node.addr, n), lambda s, w=want: s == w, 10.0)
            assert got == want, name
        # The promoted standby holds them (it is where they now live).
        stored = set(standby.psql("SELECT name FROM record_sets WHERE rtype = 'A'", "cairn").split())
        assert {f"{n}." for n in acked} <= stored
    finally:
        standby.stop()
