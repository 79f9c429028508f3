"""Replay of Route 53 Resolver responses recorded against real AWS
(../shared/aws-recorded/route53resolver.json), the same way test_route53_recorded.py replays
Route 53's (see recorded.py for the placeholders and the comparison).

Errors are compared with their top-level `Message` too: botocore copies it from the JSON error
body's `Message` member, so it shows the body is shaped as AWS's is. Cases for Resolver features
outside issue 5 that are not built yet are skipped, naming what is missing (none today).
"""

from __future__ import annotations

import pytest


boto3 = pytest.importorskip("boto3")
import recorded  # noqa: E402

DATA = recorded.load("route53resolver.json")
RECORDED = recorded.RECORDED_DIR / "route53resolver.json"
CASES = DATA["cases"] if DATA else []

SKIPS: dict[str, str] = {
}


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    yield from recorded.serve_for_module(request, tmp_path_factory, "recorded-resolver")


@pytest.mark.skipif(DATA is None, reason=f"{RECORDED} not present")
@pytest.mark.parametrize("case", CASES, ids=[c["test"] for c in CASES])
def test_recorded_case(server, case):
    if case["test"] in SKIPS:
        pytest.skip(SKIPS[case["test"]])
    failures = recorded.run_case(server, case, default_service="route53resolver",
                                 may_add=list(DATA.get("may_add", {}).keys()),
                                 error_keys=("Error", "Message", "ResponseMetadata"))
    assert not failures, "responses differ from AWS's recording:\n" + "\n".join(failures)


def test_skips_name_existing_cases():
    """A skip that names no case would hide nothing and rot; each must match a recorded test."""
    names = {c["test"] for c in CASES}
    assert set(SKIPS) <= names, set(SKIPS) - names
