"""Replay of responses recorded against real AWS (../shared/aws-recorded/route53.json).

Each case's steps are sent to a real `cairn serve` with boto3 and compared with what AWS
answered (see recorded.py for the placeholders and the comparison). Route 53 specifics: the
`Location` host is not compared (only its path is AWS's truth), and the SOA contact of a new
zone is Cairn's configuration (DESIGN.md section 7).

Cases that need features of other issues are skipped, naming the issue.
"""

from __future__ import annotations

import re

import pytest


boto3 = pytest.importorskip("boto3")
import recorded  # noqa: E402

DATA = recorded.load("route53.json")
RECORDED = recorded.RECORDED_DIR / "route53.json"
CASES = DATA["cases"] if DATA else []

# Cases that belong to other issues: the reason names the issue.
SKIPS: dict[str, str] = {}

# DESIGN.md section 7: the SOA contact of a new zone is Cairn's configuration, not AWS's mailbox.
# The rest of the SOA (primary = first name server, serial 1, timers) is compared as recorded.
CAIRN_SOA_CONTACT = "hostmaster.cairn.invalid."
AWS_SOA_CONTACT = "awsdns-hostmaster.amazon.com."


def _deliberate_differences(resp: dict) -> None:
    for rrset in resp.get("ResourceRecordSets", []):
        if rrset.get("Type") == "SOA":
            for rr in rrset.get("ResourceRecords", []):
                parts = rr["Value"].split(" ")
                if len(parts) == 7 and parts[1] == CAIRN_SOA_CONTACT:
                    parts[1] = AWS_SOA_CONTACT
                    rr["Value"] = " ".join(parts)
    if "Location" in resp:
        # Only the path of Location is AWS's truth; the host is the endpoint's.
        resp["Location"] = re.sub(r"^https?://[^/]+", "https://route53.amazonaws.com", resp["Location"])


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    yield from recorded.serve_for_module(request, tmp_path_factory, "recorded")


@pytest.mark.skipif(DATA is None, reason=f"{RECORDED} not present")
@pytest.mark.parametrize("case", CASES, ids=[c["test"] for c in CASES])
def test_recorded_case(server, case):
    if case["test"] in SKIPS:
        pytest.skip(SKIPS[case["test"]])
    failures = recorded.run_case(server, case, default_service="route53",
                                 may_add=list(DATA.get("may_add", {}).keys()), extra=_deliberate_differences)
    assert not failures, "responses differ from AWS's recording:\n" + "\n".join(failures)


def test_matcher_is_not_lenient():
    recorded.matcher_is_not_lenient()
