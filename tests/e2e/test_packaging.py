"""Issue 15's logs and packaging: `cairn --version` names its commit, `--log-format json`
writes one JSON object per line, text logs carry no terminal colour codes when they go to a
file, and the systemd unit in packaging/ passes `systemd-analyze verify`."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import cairn_bin, require_cairn, start_cairn

ROOT = Path(__file__).resolve().parents[2]


def test_version_names_the_commit_it_was_built_from():
    require_cairn()
    out = subprocess.run([str(cairn_bin()), "--version"], capture_output=True, text=True,
                         timeout=10, check=True).stdout.strip()
    m = re.fullmatch(r"cairn (\d+\.\d+\.\d+) \(([0-9a-f]{12}|unknown)\)", out)
    assert m, f"unexpected --version output: {out!r}"
    if shutil.which("git") and (ROOT / ".git").exists():
        # Built from this checkout: the hash is one of its commits, never "unknown".
        assert m.group(2) != "unknown", out
        known = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{m.group(2)}^{{commit}}"],
                               capture_output=True, timeout=10)
        assert known.returncode == 0, f"{m.group(2)} is not a commit of {ROOT}"


def _logs_of(tmp_path: Path, name: str, extra: list[str]) -> str:
    srv = start_cairn(tmp_path / name, extra_args=extra)
    try:
        # A request the API refuses makes at least one more line beside the start-up ones.
        return srv.log()
    finally:
        srv.stop()


def test_json_log_format_writes_one_object_per_line(tmp_path):
    require_cairn()
    text = _logs_of(tmp_path, "json", ["--log-format", "json"])
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "no log lines"
    for line in lines:
        record = json.loads(line)  # every line is a whole JSON object
        assert record["level"] in {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}, record
        assert "timestamp" in record and "target" in record, record
        assert "fields" in record, record
    # The start-up line that says where the API listens is among them, as a field.
    assert any("api" in json.dumps(json.loads(line)["fields"]).lower() for line in lines), text[:2000]


def test_text_logs_to_a_file_have_no_colour_codes(tmp_path):
    require_cairn()
    text = _logs_of(tmp_path, "text", [])
    assert text.strip(), "no log lines"
    assert "\x1b[" not in text, f"ANSI escape codes in a log file:\n{text[:1000]!r}"
    assert " INFO " in text


def test_log_format_rejects_an_unknown_value():
    require_cairn()
    res = subprocess.run([str(cairn_bin()), "--log-format", "xml", "zone", "list"],
                         capture_output=True, text=True, timeout=10)
    assert res.returncode == 2
    assert "invalid value 'xml'" in res.stderr and "text" in res.stderr and "json" in res.stderr


def test_systemd_unit_verifies():
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze not installed (Debian: systemd)")
    unit = ROOT / "packaging" / "cairn.service"
    res = subprocess.run([tool, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    # verify prints problems with the unit itself as "cairn.service:LINE: ..."; the state of
    # the machine's other units (in a container, many are absent) is not the unit's fault.
    own = [line for line in (res.stdout + res.stderr).splitlines() if "cairn.service" in line]
    assert not own, "\n".join(own)
