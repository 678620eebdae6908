"""A small evaluator of the WAF statements rtcc writes, so tests can ask which rules a
request meets instead of pattern-matching the template. Shared by the infra tests."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote


@dataclass(frozen=True)
class Request:
    path: str
    ip: str = "198.51.100.7"
    headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return {k.lower(): v for k, v in self.headers.items()}.get(name.lower())


def transform(value: str, kind: str) -> str:
    """What WAF's text transformations do to a URI path (the ones rtcc uses)."""
    if kind == "NONE":
        return value
    if kind == "URL_DECODE":
        return unquote(value)
    if kind == "LOWERCASE":
        return value.lower()
    if kind == "NORMALIZE_PATH":
        # "//" -> "/", "/./" dropped, "/x/../" resolved (not above the start).
        parts: list[str] = []
        for part in value.split("/")[1:]:
            if part in ("", "."):
                continue
            if part == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(part)
        return "/" + "/".join(parts) + ("/" if value.endswith("/") and parts else "")
    raise AssertionError(f"the test does not model {kind}")


def _field(match: dict, request: Request) -> str | None:
    where = match["FieldToMatch"]
    if "UriPath" in where:
        value: str | None = request.path
    elif "SingleHeader" in where:
        value = request.header(where["SingleHeader"]["Name"])
    else:
        raise AssertionError(f"the test does not model {where}")
    if value is None:
        return None
    for t in sorted(match["TextTransformations"], key=lambda t: t["Priority"]):
        value = transform(value, t["Type"])
    return value


def matches(statement: dict, request: Request) -> bool:
    if "NotStatement" in statement:
        return not matches(statement["NotStatement"]["Statement"], request)
    if "OrStatement" in statement:
        return any(matches(s, request) for s in statement["OrStatement"]["Statements"])
    if "AndStatement" in statement:
        return all(matches(s, request) for s in statement["AndStatement"]["Statements"])
    if "ByteMatchStatement" in statement:
        match = statement["ByteMatchStatement"]
        value = _field(match, request)
        needle = match["SearchString"]
        return value is not None and {
            "STARTS_WITH": value.startswith,
            "ENDS_WITH": value.endswith,
            "EXACTLY": lambda n: value == n,
            "CONTAINS": lambda n: n in value,
        }[match["PositionalConstraint"]](needle)
    if "RegexMatchStatement" in statement:
        match = statement["RegexMatchStatement"]
        value = _field(match, request)
        return value is not None and re.search(match["RegexString"], value) is not None
    if "SizeConstraintStatement" in statement:
        match = statement["SizeConstraintStatement"]
        value = _field(match, request)
        if value is None:  # an absent header matches no size constraint
            return False
        size, limit = len(value.encode()), match["Size"]
        return {
            "EQ": size == limit,
            "NE": size != limit,
            "LT": size < limit,
            "LE": size <= limit,
            "GT": size > limit,
            "GE": size >= limit,
        }[match["ComparisonOperator"]]
    raise AssertionError(f"the test does not model {sorted(statement)}")


def applies(rule: dict, request: Request) -> bool:
    """Whether `rule` (a rate rule or a managed group) looks at `request` at all."""
    statement = rule["Statement"]
    inner = statement.get("RateBasedStatement") or statement.get("ManagedRuleGroupStatement")
    if inner is None:
        return matches(statement, request)
    scope = inner.get("ScopeDownStatement")
    return scope is None or matches(scope, request)


def rate_key(rule: dict, request: Request) -> tuple | None:
    """The aggregation key a rate rule counts `request` under (None: not counted)."""
    if not applies(rule, request):
        return None
    rate = rule["Statement"]["RateBasedStatement"]
    if rate["AggregateKeyType"] == "IP":
        return (request.ip,)
    assert rate["AggregateKeyType"] == "CUSTOM_KEYS"
    key = []
    for custom in rate["CustomKeys"]:
        if "IP" in custom:
            key.append(request.ip)
        elif "Header" in custom:
            value = request.header(custom["Header"]["Name"])
            if value is None:  # WAF does not count a request that lacks a key component
                return None
            key.append(value)
        else:
            raise AssertionError(f"the test does not model {custom}")
    return tuple(key)


def busiest_keys(rules: list[dict], requests: list[Request]) -> dict[str, int]:
    """For each rate rule, the most requests any one of its keys saw (in one window)."""
    peaks = {}
    for rule in rules:
        if "RateBasedStatement" not in rule["Statement"]:
            continue
        counts = Counter(k for k in (rate_key(rule, r) for r in requests) if k is not None)
        peaks[rule["Name"]] = max(counts.values(), default=0)
    return peaks
