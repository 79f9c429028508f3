"""Replaying responses recorded against real AWS (../shared/aws-recorded/*.json): shared by
test_route53_recorded.py and test_resolver_recorded.py.

Each case's steps are sent to a real `cairn serve` with boto3; every step with an `expect` is
compared with what AWS answered, after the recording's placeholders are normalised:

- `<uid:x>` in params is a fresh short id per run; `<x>` names are values saved by earlier steps;
- `<name:N>`-style placeholders in `expect` match any value, the same value wherever the same
  placeholder appears within one case (and `bind` ties some of them to what was sent);
- `datetime` is any timestamp, `date` any ISO 8601 string with a zone, `<name-server>`,
  `sg-ids` and `status-message` any non-empty string or list, `/change/<change-id>` and
  `/hostedzone/<zone-id:N>` any id of that shape;
- an `optional` step that fails (a service the server lacks) saves its `save_default` values;
- `partial` compares only the recorded keys, `unordered` ignores list order, `ignore` drops paths,
  `may_add` keys are allowed in the response, `ResponseMetadata.HTTPHeaders` is not compared.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import time
import uuid
from pathlib import Path

import harness

from botocore.exceptions import ClientError

# CI clones the repository with the shared folder beside it (../shared).
RECORDED_DIR = Path(__file__).resolve().parents[3] / "shared" / "aws-recorded"

# `<region>` in the recording is the region the test ran in; the clients here use us-east-1, so
# VPCs are made (EC2 region from the signature) and named (VPCRegion) there.
REGION = "us-east-1"
# `<account>`: the account Cairn serves by default, which the recordings' expectations name.
ACCOUNT = "111111111111"


def load(name: str):
    """The recorded file `name` (route53.json, route53resolver.json), or None when absent."""
    path = RECORDED_DIR / name
    if not path.exists():
        return None
    return json.loads(path.read_text())


class Clients:
    """One boto3 client per service a case calls (steps name it with `service`)."""

    def __init__(self, srv, default_service: str = "route53"):
        self.srv = srv
        self.default_service = default_service
        self.made: dict[str, object] = {}

    def __call__(self, step: dict):
        service = step.get("service", self.default_service)
        if service not in self.made:
            self.made[service] = harness.route53_client(self.srv, service)
        return self.made[service]


# ---------------------------------------------------------------- substitution


PLACEHOLDER = re.compile(r"<([^<>]+)>")


class Vars:
    def __init__(self):
        self.values: dict[str, str] = {"<region>": REGION, "<account>": ACCOUNT}

    def sub(self, text: str) -> str:
        def one(m):
            key = m.group(1)
            if key.startswith("uid:"):
                if m.group(0) not in self.values:
                    self.values[m.group(0)] = uuid.uuid4().hex[:8]
                return self.values[m.group(0)]
            if m.group(0) in self.values:
                return self.values[m.group(0)]
            return m.group(0)

        return PLACEHOLDER.sub(one, text)

    def params(self, value):
        if isinstance(value, str):
            return self.sub(value)
        if isinstance(value, list):
            return [self.params(v) for v in value]
        if isinstance(value, dict):
            return {k: self.params(v) for k, v in value.items()}
        return value


def get_path(obj, path: str):
    basename = path.endswith("|basename")
    path = path.removesuffix("|basename")
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            obj = obj[int(part[1:-1])]
        else:
            obj = obj[part]
    if basename:
        obj = str(obj).rsplit("/", 1)[-1]
    return obj


# ---------------------------------------------------------------- comparison


def _strip_ignored(obj, path: str, prefix: str = ""):
    """Delete `path` from obj in place: `$.A.B` (or `A.B`) from the top, `$..A.B` wherever `A`
    appears; `[*]` / `[n]` select list elements."""
    if path.startswith("$.."):
        rest = path[3:]
        head = re.match(r"\w+", rest).group(0)
        tail = rest[len(head):]
        if isinstance(obj, dict):
            if head in obj:
                if tail:
                    _strip_ignored(obj, head + tail)
                else:
                    del obj[head]
            for v in list(obj.values()):
                _strip_ignored(v, path)
        elif isinstance(obj, list):
            for v in obj:
                _strip_ignored(v, path)
        return
    path = path.removeprefix("$.")
    parts = path.split(".")
    cur = [obj]
    for part in parts[:-1]:
        nxt = []
        for c in cur:
            m = re.fullmatch(r"(\w+)(\[(\*|\d+)\])?", part)
            if not m or not isinstance(c, dict) or m.group(1) not in c:
                continue
            v = c[m.group(1)]
            if m.group(2):
                nxt.extend(v if m.group(3) == "*" else [v[int(m.group(3))]])
            else:
                nxt.append(v)
        cur = nxt
    for c in cur:
        if isinstance(c, dict):
            c.pop(parts[-1], None)


class Matcher:
    """Compares a response with an expectation, binding placeholders consistently per case."""

    def __init__(self, vars_: Vars):
        self.vars = vars_
        self.bound: dict[str, object] = {}
        self.errors: list[str] = []

    def bind(self, binds: dict):
        for placeholder, value in binds.items():
            self.bound[placeholder] = self.vars.sub(value)

    def _placeholder(self, exp: str, got, where: str) -> bool:
        """exp is (or contains) placeholders: match and bind. Returns True when handled."""
        if exp == "datetime":
            if not isinstance(got, dt.datetime):
                self.errors.append(f"{where}: expected a timestamp, got {got!r}")
            return True
        if exp == "date":
            try:
                parsed = dt.datetime.fromisoformat(str(got).replace("Z", "+00:00"))
            except ValueError:
                parsed = None
            if parsed is None or parsed.tzinfo is None:
                self.errors.append(f"{where}: expected an ISO 8601 date with a zone, got {got!r}")
            return True
        if exp in ("sg-ids", "status-message"):
            if not got:
                self.errors.append(f"{where}: expected a non-empty {exp} value, got {got!r}")
            return True
        if exp == "<name-server>":
            if not got:
                self.errors.append(f"{where}: expected a non-empty name-server value, got {got!r}")
            return True
        if not isinstance(got, str) and not PLACEHOLDER.fullmatch(exp):
            return False
        if not PLACEHOLDER.search(exp):
            return False
        # Build a regex from the expectation: each placeholder is a group; known ones are literal.
        pattern, names = "", []
        pos = 0
        for m in PLACEHOLDER.finditer(exp):
            pattern += re.escape(exp[pos:m.start()])
            key = m.group(0)
            known = self.bound.get(key, self.vars.values.get(key))
            if known is not None:
                pattern += re.escape(str(known))
            else:
                ident = "[A-Za-z0-9]+" if key.startswith(("<zone-id", "<change-id", "<hosted-zone-id")) else ".+?"
                pattern += f"({ident})"
                names.append(key)
            pos = m.end()
        pattern += re.escape(exp[pos:])
        if not isinstance(got, str):
            if PLACEHOLDER.fullmatch(exp) and exp in self.bound:
                if self.bound[exp] != got:
                    self.errors.append(f"{where}: {exp} was {self.bound[exp]!r}, now {got!r}")
            elif PLACEHOLDER.fullmatch(exp):
                self.bound[exp] = got
            else:
                self.errors.append(f"{where}: expected {exp!r}, got {got!r}")
            return True
        m = re.fullmatch(pattern, got, re.S)
        if not m:
            self.errors.append(f"{where}: expected {exp!r} (pattern {pattern!r}), got {got!r}")
            return True
        for key, value in zip(names, m.groups()):
            if key in self.bound and self.bound[key] != value:
                self.errors.append(f"{where}: {key} was {self.bound[key]!r}, here {value!r}")
            self.bound[key] = value
        return True

    def match(self, exp, got, where: str = "$", *, partial: bool = False, unordered: bool = False):
        if isinstance(exp, str) and self._placeholder(exp, got, where):
            return
        if isinstance(exp, dict):
            if not isinstance(got, dict):
                self.errors.append(f"{where}: expected an object, got {got!r}")
                return
            for key, value in exp.items():
                if key not in got:
                    self.errors.append(f"{where}.{key}: missing (expected {value!r})")
                    continue
                self.match(value, got[key], f"{where}.{key}", partial=partial, unordered=unordered)
            if not partial:
                extra = set(got) - set(exp)
                if extra:
                    self.errors.append(f"{where}: unexpected keys {sorted(extra)} (values {[got[k] for k in sorted(extra)]!r})")
            return
        if isinstance(exp, list):
            if not isinstance(got, list) or len(got) != len(exp):
                self.errors.append(f"{where}: expected a list of {len(exp)}, got {got!r}")
                return
            if unordered:
                remaining = list(got)
                for i, e in enumerate(exp):
                    for j, g in enumerate(remaining):
                        trial = Matcher(self.vars)
                        trial.bound = dict(self.bound)
                        trial.match(e, g, f"{where}[{i}]", partial=partial, unordered=True)
                        if not trial.errors:
                            self.bound = trial.bound
                            del remaining[j]
                            break
                    else:
                        self.errors.append(f"{where}: no element matches {e!r} in {got!r}")
                return
            for i, (e, g) in enumerate(zip(exp, got)):
                self.match(e, g, f"{where}[{i}]", partial=partial, unordered=unordered)
            return
        if exp != got:
            self.errors.append(f"{where}: expected {exp!r}, got {got!r}")


def normalise_response(resp: dict, step: dict, may_add: list[str], extra=None) -> dict:
    resp = copy.deepcopy(resp)
    if extra is not None:
        extra(resp)
    meta = resp.get("ResponseMetadata", {})
    resp["ResponseMetadata"] = {"HTTPHeaders": {}, "HTTPStatusCode": meta.get("HTTPStatusCode")}
    for path in may_add:
        _strip_ignored(resp, path)
    return resp


def select(resp, step, vars_):
    if "select" in step:
        resp = get_path(resp, step["select"])
    if "filter" in step:
        spec = step["filter"]
        key = spec["key"]
        if "in" in spec:
            allowed = vars_.params(spec["in"])
            resp = [item for item in resp if item.get(key) in allowed]
        elif "equals" in spec:
            wanted = vars_.params(spec["equals"])
            resp = [item for item in resp if item.get(key) == wanted]
        elif "contains" in spec:
            part = vars_.params(spec["contains"])
            resp = [item for item in resp if part in str(item.get(key, ""))]
        else:
            raise AssertionError(f"unknown filter {spec}")
    return resp


# ---------------------------------------------------------------- running


def call(clients, step, vars_):
    params = vars_.params(step.get("params", {}))
    method = getattr(clients(step), step["call"])
    try:
        return method(**params), None
    except ClientError as e:
        return None, e.response


def run_wait(clients, step, vars_):
    wait = step["wait"]
    deadline = time.monotonic() + min(wait.get("timeout_s", 60), 30)
    while True:
        resp, err = call(clients, step, vars_)
        if "until" in wait and resp is not None:
            if all(get_path(resp, p) == v for p, v in wait["until"].items()):
                return resp
        if "until_error" in wait and err is not None and err["Error"]["Code"] == wait["until_error"]:
            return err
        assert time.monotonic() < deadline, f"{step['call']} did not reach {wait} (last {resp or err})"
        time.sleep(0.2)




def run_case(srv, case: dict, *, default_service: str, may_add: list[str], error_keys=("Error", "ResponseMetadata"),
             extra=None) -> list[str]:
    """Runs one case (cleanup always) and returns the differences from the recording."""
    clients = Clients(srv, default_service)
    vars_ = Vars()
    matcher = Matcher(vars_)
    failures: list[str] = []
    try:
        for i, step in enumerate(case["steps"]):
            if "wait" in step:
                resp, err = run_wait(clients, step, vars_), None
            else:
                resp, err = call(clients, step, vars_)
            where = f"step {i} {step['call']}"
            if step.get("optional") and err is not None:
                # A step for a service the server need not have (CloudWatch Logs): what it
                # would have saved comes from `save_default`, built the way AWS builds it.
                for placeholder, value in step.get("save_default", {}).items():
                    vars_.values[placeholder] = vars_.sub(value)
                continue
            if "expect" not in step:
                assert err is None, f"{where}: unexpected error {err['Error']}"
            else:
                if "bind" in step:
                    matcher.bind(step["bind"])
                if step.get("expect_error"):
                    assert err is not None, f"{where}: expected error {step['expect']}, got success {resp}"
                    got = normalise_response(err, step, may_add, extra)
                    got = {k: v for k, v in got.items() if k in error_keys}
                else:
                    assert err is None, f"{where}: expected success, got error {err['Error']}"
                    got = normalise_response(resp, step, may_add, extra)
                got = select(got, step, vars_)
                expect = _unredact(copy.deepcopy(step["expect"]), step.get("redacted", {}))
                # `ignore` paths are relative to what is compared, and were not AWS's answer:
                # drop them from both sides.
                for path in step.get("ignore", []):
                    _strip_ignored(got, path)
                    _strip_ignored(expect, path)
                matcher.errors = []
                matcher.match(expect, got, where, partial=step.get("partial", False),
                              unordered=step.get("unordered", False))
                failures.extend(matcher.errors)
            if resp is not None:  # an expected error saves nothing
                for placeholder, path in step.get("save", {}).items():
                    vars_.values[placeholder] = str(get_path(resp, path))
    finally:
        for step in case.get("cleanup", []):
            try:
                call(clients, step, vars_)
            except Exception:  # noqa: BLE001 - best-effort cleanup
                pass
    return failures


def _unredact(expect, redacted: dict):
    """The recording replaced values that differ on every call (a trace id) by a literal
    (`trace-id`); `redacted` maps each literal back to its placeholder, which matches any value."""
    if isinstance(expect, dict):
        return {k: _unredact(v, redacted) for k, v in expect.items()}
    if isinstance(expect, list):
        return [_unredact(v, redacted) for v in expect]
    if isinstance(expect, str):
        for literal, placeholder in redacted.items():
            expect = expect.replace(f'"{literal}"', f'"{placeholder}"')
    return expect


def matcher_is_not_lenient():
    """The comparison itself: placeholders bind consistently, extra keys and wrong values fail."""
    m = Matcher(Vars())
    m.match({"A": "<x:1>", "B": "<x:1>"}, {"A": "one", "B": "two"})
    assert m.errors, "one placeholder matched two different values"
    m = Matcher(Vars())
    m.match({"A": 1}, {"A": 1, "Extra": 2})
    assert m.errors, "an extra key passed"
    m = Matcher(Vars())
    m.match({"A": 1, "Extra": 2}, {"A": 1})
    assert m.errors, "a missing key passed"
    m = Matcher(Vars())
    m.match({"Id": "/change/<change-id>"}, {"Id": "/hostedzone/Z1"})
    assert m.errors, "a wrong id prefix passed"
    m = Matcher(Vars())
    m.match(["<a:1>", "<a:2>"], ["x", "y"])
    assert not m.errors, m.errors
    m = Matcher(Vars())
    m.match([{"Id": 1}, {"Id": 2}], [{"Id": 2}, {"Id": 1}], unordered=True)
    assert not m.errors, m.errors
    m = Matcher(Vars())
    m.match([{"Id": 1}, {"Id": 2}], [{"Id": 2}, {"Id": 1}])
    assert m.errors, "order was ignored without `unordered`"
    m = Matcher(Vars())
    exp = _unredact({"M": 'Trace Id: "trace-id"', "N": 'Trace Id: "trace-id"'}, {"trace-id": "<trace-id>"})
    m.match(exp, {"M": 'Trace Id: "1-a"', "N": 'Trace Id: "1-b"'})
    assert m.errors, "a redacted value matched two different values"
    m = Matcher(Vars())
    m.match({"T": "date", "S": "status-message"}, {"T": "yesterday", "S": ""})
    assert len(m.errors) == 2, m.errors
    doc = {"Rule": {"TargetIps": [{"Ip": "a", "Protocol": "Do53"}]}, "Status": "x"}
    _strip_ignored(doc, "$..TargetIps[*].Protocol")
    _strip_ignored(doc, "$.Status")
    assert doc == {"Rule": {"TargetIps": [{"Ip": "a"}]}}, doc


def serve_for_module(request, tmp_path_factory, label: str):
    """A generator for a module-scoped `server` fixture: one `cairn serve` for every replayed
    case of a module, its log dumped when any of them failed."""
    harness.require_cairn()
    srv = harness.start_cairn(tmp_path_factory.mktemp(label) / "cairn")
    yield srv
    srv.stop()
    if any(getattr(item, "rep_call", None) and item.rep_call.failed for item in request.session.items
           if item.module is request.module):
        harness.dump_log(srv, "a replayed case failed")
