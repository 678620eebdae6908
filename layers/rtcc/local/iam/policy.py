"""IAM policy evaluation, as AWS documents it for a single account: an explicit Deny in
any policy wins; otherwise a request is allowed when the identity policy or the
resource's policy allows it, except for KMS, where the key policy must allow it (directly,
or by delegating to IAM through the account root principal).

Pure functions over policy JSON whose intrinsic functions are already resolved to
strings; no AWS calls. What it does not model is listed in `UNMODELLED`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Said in the README; kept here so the code and the docs name the same gaps.
UNMODELLED = (
    "permission boundaries, service control policies and session policies",
    "condition operators other than String*, Arn*, Bool, Null, Numeric* and their "
    "IfExists / ForAllValues / ForAnyValue forms",
    "NotPrincipal, and principals other than AWS accounts, roles and '*'",
)

Context = Mapping[str, str | Sequence[str] | None]


@dataclass(frozen=True)
class Request:
    """One authorization question: may `principal` do `action` on `resource`?"""

    principal: str  # the role ARN
    action: str  # "dynamodb:PutItem"
    resource: str  # an ARN
    context: Context = field(default_factory=dict)  # condition keys: "kms:EncryptionContext:tip"


def as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _glob(pattern: str, value: str, *, case: bool = True) -> bool:
    """IAM wildcards: `*` any run of characters, `?` one character; nothing else special."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


def action_matches(patterns: Iterable[str], action: str) -> bool:
    # Action names are case-insensitive in IAM.
    return any(_glob(p, action, case=False) for p in patterns)


def resource_matches(patterns: Iterable[str], resource: str) -> bool:
    return any(p == "*" or _glob(p, resource) for p in patterns)


def _principal_matches(principal_block: Any, principal: str, account: str) -> bool:
    if principal_block == "*":
        return True
    if not isinstance(principal_block, dict):
        return False
    for value in as_list(principal_block.get("AWS")):
        if value == "*" or value == principal:
            return True
        # An account (root ARN or bare id) as principal delegates to that account's IAM.
        if value in (account, f"arn:aws:iam::{account}:root"):
            return True
    return False


# --- conditions -----------------------------------------------------------------------


def _string_op(name: str) -> Any:
    def equals(a: str, b: str) -> bool:
        return a == b

    def equals_ci(a: str, b: str) -> bool:
        return a.lower() == b.lower()

    def like(a: str, b: str) -> bool:
        return _glob(b, a)

    table = {
        "StringEquals": (equals, False),
        "StringNotEquals": (equals, True),
        "StringEqualsIgnoreCase": (equals_ci, False),
        "StringNotEqualsIgnoreCase": (equals_ci, True),
        "StringLike": (like, False),
        "StringNotLike": (like, True),
        "ArnEquals": (like, False),  # ARN operators allow wildcards too
        "ArnLike": (like, False),
        "ArnNotEquals": (like, True),
        "ArnNotLike": (like, True),
        "Bool": (lambda a, b: a.lower() == str(b).lower(), False),
        "NumericEquals": (lambda a, b: float(a) == float(b), False),
        "NumericNotEquals": (lambda a, b: float(a) == float(b), True),
        "NumericLessThan": (lambda a, b: float(a) < float(b), False),
        "NumericLessThanEquals": (lambda a, b: float(a) <= float(b), False),
        "NumericGreaterThan": (lambda a, b: float(a) > float(b), False),
        "NumericGreaterThanEquals": (lambda a, b: float(a) >= float(b), False),
    }
    if name not in table:
        raise UnsupportedCondition(name)
    return table[name]


class UnsupportedCondition(ValueError):
    """A policy uses an operator this evaluator does not know: refuse rather than guess."""


def _condition_holds(operator: str, key: str, expected: Any, context: Context) -> bool:
    qualifier = ""
    if ":" in operator and operator.split(":", 1)[0] in ("ForAllValues", "ForAnyValue"):
        qualifier, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    if if_exists:
        operator = operator[: -len("IfExists")]
    # Condition keys are case-insensitive; encryption-context values are not.
    present = {k.lower(): v for k, v in context.items() if v is not None}
    actual = present.get(key.lower())
    expected_values = [str(v) for v in as_list(expected)]

    if operator == "Null":
        want_absent = expected_values[0].lower() == "true"
        return (actual is None) == want_absent

    compare, negated = _string_op(operator)
    if actual is None:
        if qualifier == "ForAllValues":
            return True  # vacuously true over an empty set: AWS's documented pitfall
        # A negated operator (StringNotEquals, ArnNotLike, ...) holds for a missing key.
        return if_exists or (negated and not qualifier)

    values = [str(v) for v in as_list(actual)]
    if qualifier == "ForAllValues":
        return all(any(compare(v, e) for e in expected_values) != negated for v in values)
    if qualifier == "ForAnyValue":
        return any(any(compare(v, e) for e in expected_values) != negated for v in values)
    if negated:
        return not any(compare(v, e) for v in values for e in expected_values)
    return any(compare(v, e) for v in values for e in expected_values)


def conditions_hold(conditions: Mapping[str, Mapping[str, Any]] | None, context: Context) -> bool:
    for operator, keys in (conditions or {}).items():
        for key, expected in keys.items():
            if not _condition_holds(operator, key, expected, context):
                return False
    return True


# --- statements and decisions ---------------------------------------------------------


def statement_applies(
    statement: Mapping[str, Any], request: Request, *, resource_policy: bool, account: str
) -> bool:
    if "Action" in statement:
        if not action_matches(as_list(statement["Action"]), request.action):
            return False
    elif "NotAction" in statement:
        if action_matches(as_list(statement["NotAction"]), request.action):
            return False
    else:
        return False
    if "Resource" in statement:
        resources = as_list(statement["Resource"])
        if not resource_matches(resources, request.resource):
            return False
    elif "NotResource" in statement:
        if resource_matches(as_list(statement["NotResource"]), request.resource):
            return False
    elif not resource_policy:
        return False
    if resource_policy and not _principal_matches(statement.get("Principal"), request.principal, account):
        return False
    context = {"aws:PrincipalArn": request.principal, **dict(request.context)}
    return conditions_hold(statement.get("Condition"), context)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # AWS's wording: "no identity-based policy allows ...", "explicit deny in ..."


def decide(
    request: Request,
    identity_statements: Sequence[Mapping[str, Any]],
    resource_statements: Sequence[Mapping[str, Any]] | None,
    *,
    account: str,
    key_policy: bool = False,
) -> Decision:
    """`resource_statements`: the bucket / queue / key policy, or None where the resource
    has none. `key_policy`: KMS rules (the key policy must allow, possibly by delegating)."""

    def matching(statements: Sequence[Mapping[str, Any]], effect: str, resource_policy: bool) -> bool:
        return any(
            s.get("Effect") == effect
            and statement_applies(s, request, resource_policy=resource_policy, account=account)
            for s in statements
        )

    resource_statements = resource_statements or []
    if matching(identity_statements, "Deny", False):
        return Decision(False, "with an explicit deny in an identity-based policy")
    if matching(resource_statements, "Deny", True):
        return Decision(False, "with an explicit deny in a resource-based policy")
    identity_allows = matching(identity_statements, "Allow", False)
    if key_policy:
        direct = [s for s in resource_statements if not _delegates_to_iam(s, account)]
        if matching(direct, "Allow", True):
            return Decision(True, "allowed by the key policy")
        delegating = [s for s in resource_statements if _delegates_to_iam(s, account)]
        if matching(delegating, "Allow", True) and identity_allows:
            return Decision(True, "allowed by an identity-based policy the key policy delegates to")
        if identity_allows:
            return Decision(False, "because no resource-based policy allows the action")
        return Decision(False, "because no identity-based policy allows the action")
    # A same-account resource policy naming the account (root) only delegates to IAM.
    direct = [s for s in resource_statements if not _delegates_to_iam(s, account)]
    if identity_allows or matching(direct, "Allow", True):
        return Decision(True, "allowed")
    return Decision(False, "because no identity-based policy allows the action")


def _delegates_to_iam(statement: Mapping[str, Any], account: str) -> bool:
    principal = statement.get("Principal")
    if not isinstance(principal, dict):
        return False
    return any(v in (account, f"arn:aws:iam::{account}:root") for v in as_list(principal.get("AWS")))


__all__ = [
    "Decision",
    "Request",
    "UnsupportedCondition",
    "action_matches",
    "conditions_hold",
    "decide",
    "resource_matches",
]
