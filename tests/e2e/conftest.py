"""Fixtures for the end-to-end suite: real `cairn` and `knotd` processes on free loopback ports.

- `knot_server(zones)`   start knotd serving {origin: zone file}; stopped at teardown.
- `cairn_server(...)`    start `cairn serve` on a fresh data dir (zones imported first with the
                         CLI); stopped by PID at teardown; its stderr is printed when a test
                         that used it failed.
- `cairn_import(srv, file, name)` import into a running server's data dir.
Module-scoped variants used by the differential suite live in that module.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import harness
from harness import dump_log, require_cairn, require_knot


# Modules whose tests take longest (pytest --durations): under pytest-xdist they start first.
SLOWEST_MODULES = (
    "test_terraform_everything",
    "test_route53_terraform",
    "test_firewall_terraform",
    "test_kms",
    "test_console",
    "test_iam",
    "test_vpc_recursion",
    "test_differential_knot",
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Parallel runs (pytest-xdist, `-n N --dist loadgroup`, as ./run-tests does): a test that
    uses a module-scoped fixture (one server for the module, a network namespace, a replayed
    session) runs on the same worker as the module's other such tests, in file order, so the
    fixture is made once and sees what it saw in a sequential run. Tests that bind fixed
    addresses mark themselves with `pytest.mark.xdist_group(...)` (see test_vpc_recursion.py);
    everything else binds ports of its own (harness.free_port, port 0) and runs anywhere."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # Longest first (./run-tests passes --no-loadscope-reorder, so workers take tests in
        # this order): a Terraform test runs one to four minutes, most others a
        # second; started last, they would leave the other workers idle at the end.
        rank = {name: i for i, name in enumerate(SLOWEST_MODULES)}
        items.sort(key=lambda item: rank.get(item.module.__name__, len(rank)))
    for item in items:
        if any(True for _ in item.iter_markers("xdist_group")):
            continue
        info = getattr(item, "_fixtureinfo", None)
        defs = info.name2fixturedefs.values() if info is not None else ()
        if any(d.scope in ("module", "package") for chain in defs for d in chain):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """With `--dist loadgroup`, pytest-xdist tags each grouped test's node id with `@group`; with
    a pytest/xdist pair where that tag does not stick, a group would be spread over workers and
    tests binding the same fixed addresses would collide. Such a test fails instead of running."""
    if (item.config.getoption("loadgroup", False) and "@" not in item.nodeid
            and any(True for _ in item.iter_markers("xdist_group"))):
        pytest.fail(f"pytest-xdist's --dist loadgroup did not tag this test with its group "
                    f"(pytest {pytest.__version__}): install the versions tests/e2e/requirements.txt "
                    f"names, or run without -n", pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Remember each phase's report on the item so fixtures can tell whether the test failed.
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _failed(request) -> bool:
    for when in ("setup", "call"):
        rep = getattr(request.node, "rep_" + when, None)
        if rep is not None and rep.failed:
            return True
    return False


@pytest.fixture
def knot_server(request, tmp_path):
    """Factory: knot_server({"example.com": path}) -> harness.Server."""
    require_knot()
    started: list[harness.Server] = []

    def start(zones: dict[str, Path], **kw) -> harness.Server:
        srv = harness.start_knot(zones, workdir=tmp_path / f"knot{len(started)}", **kw)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()
        if _failed(request):
            dump_log(srv, "test failed")


@pytest.fixture
def cairn_server(request, tmp_path):
    """Factory: cairn_server(zones={"example.com": path}, data_dir=None, **start_cairn kwargs).

    Zones are imported with `cairn zone import` before the server starts, and the call returns
    once each zone's SOA is served. Passing an existing data_dir restarts on the same store.
    """
    require_cairn()
    started: list[harness.Server] = []

    def start(zones: dict[str, Path] | None = None, data_dir: Path | None = None, **kw) -> harness.Server:
        data_dir = Path(data_dir or tmp_path / f"cairn{len(started)}")
        data_dir.mkdir(parents=True, exist_ok=True)
        for name, path in (zones or {}).items():
            harness.import_zone(data_dir, path, name)
        srv = harness.start_cairn(data_dir, **kw)
        started.append(srv)
        try:
            for name in zones or {}:
                harness.wait_answers(srv.addr, name, 10.0, srv.proc)
        except Exception:
            dump_log(srv, "zone not served")
            raise
        return srv

    yield start
    for srv in started:
        rc = srv.stop()
        if _failed(request):
            dump_log(srv, f"test failed (exit {rc})")


@pytest.fixture
def cairn_import():
    """cairn_import(server_or_data_dir, zone_file, name): `cairn zone import` into its store."""

    def run(target, zone_file: Path, name: str, **kw):
        data_dir = target.workdir if isinstance(target, harness.Server) else Path(target)
        return harness.import_zone(data_dir, zone_file, name, **kw)

    return run


@pytest.fixture
def ok_backend():
    """A local HTTP server answering 200 (harness.OkBackend), stopped after the test."""
    backend = harness.OkBackend()
    yield backend
    backend.stop()
