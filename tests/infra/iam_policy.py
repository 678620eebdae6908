"""A small IAM evaluator over the synthesized template: which actions a function's role
allows on a resource (by logical id). Shared by the infra tests."""

from __future__ import annotations

import fnmatch

#: Everything that reads a DynamoDB item's contents.
DYNAMODB_READS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:GetRecords",
    "dynamodb:PartiQLSelect",
)
DYNAMODB_ACTIONS = (
    *DYNAMODB_READS,
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)


def refs(value: object) -> set[str]:
    """Logical ids a template value points at (Ref / Fn::GetAtt anywhere inside it)."""
    if isinstance(value, dict):
        found: set[str] = set()
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                found.add(v)
            elif k == "Fn::GetAtt":
                found.add(v[0] if isinstance(v, list) else str(v).split(".")[0])
            else:
                found |= refs(v)
        return found
    if isinstance(value, list):
        return set().union(*(refs(v) for v in value)) if value else set()
    return set()


def as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def role_statements(synth, function_name: str) -> list[dict]:
    role_id = synth.logical_id(synth.stack.api.functions[function_name].role)
    statements = []
    # CDK moves a role's statements past IAM's inline-policy size into "overflow" managed
    # policies attached to the role (the api's grew past it): both kinds count.
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for policy in synth.resources(kind).values():
            if role_id in refs(policy["Properties"].get("Roles", [])):
                statements += as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    role = synth.template["Resources"][role_id]["Properties"]
    for inline in role.get("Policies", []):
        statements += as_list(inline["PolicyDocument"]["Statement"])
    return statements


def allows(statement: dict, action: str, resource_id: str) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    if not any(fnmatch.fnmatchcase(action, a) for a in as_list(statement.get("Action", []))):
        return False
    resources = as_list(statement.get("Resource", []))
    # A whole-resource ARN only: "<arn>/index/*" is the table's indexes, not its items.
    exact = [r for r in resources if not (isinstance(r, dict) and "Fn::Join" in r)]
    return "*" in resources or resource_id in refs(exact)


def allowed_actions(synth, function_name: str, resource_id: str, actions: tuple[str, ...]) -> set[str]:
    statements = role_statements(synth, function_name)
    return {a for a in actions if any(allows(s, a, resource_id) for s in statements)}


def allowed_on_objects(synth, function_name: str, bucket_id: str, action: str) -> bool:
    """Whether `action` is allowed on objects of the bucket ("<bucket arn>/*", or a prefix of it)."""
    for statement in role_statements(synth, function_name):
        if statement.get("Effect") != "Allow":
            continue
        if not any(fnmatch.fnmatchcase(action, a) for a in as_list(statement.get("Action", []))):
            continue
        resources = as_list(statement.get("Resource", []))
        if "*" in resources:
            return True
        joined = [r for r in resources if isinstance(r, dict) and "Fn::Join" in r]
        tail = [str(r["Fn::Join"][1][-1]) for r in joined if bucket_id in refs(r)]
        if any(t.startswith("/") and t.endswith("*") for t in tail):
            return True
    return False
