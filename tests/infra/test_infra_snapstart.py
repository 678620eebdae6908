"""Cold starts in the synthesized stack: SnapStart behind a `live` alias for the functions
a person waits on, and a concurrency cap on every SQS trigger (issue 7, part 4)."""

from __future__ import annotations

import json

import pytest
from rtcc.topology import TOPOLOGY

pytestmark = pytest.mark.infra

SNAPSTART = sorted(f.name for f in TOPOLOGY.functions if f.snapstart)


def _fn_id(synth, name: str) -> str:
    return synth.logical_id(synth.stack.api.functions[name])


def _refs(value) -> set[str]:
    """Logical ids a CloudFormation value points at (Ref / Fn::GetAtt), anywhere inside."""
    text = json.dumps(value)
    found = set()
    for key in ('{"Ref": "', '{"Fn::GetAtt": ["'):
        for part in text.split(key)[1:]:
            found.add(part.split('"')[0])
    return found


def test_the_api_and_the_webhooks_have_snapstart() -> None:
    assert "api" in SNAPSTART
    webhooks = {r.function for r in TOPOLOGY.routes if r.path.startswith("/webhooks/")}
    assert webhooks and webhooks <= set(SNAPSTART)


def test_snapstart_functions_snapshot_published_versions_on_python_3_12_or_later(synth) -> None:
    functions = synth.resources("AWS::Lambda::Function")
    for spec in TOPOLOGY.functions:
        props = functions[_fn_id(synth, spec.name)]["Properties"]
        if spec.snapstart:
            assert props["SnapStart"] == {"ApplyOn": "PublishedVersions"}, spec.name
            major, minor = props["Runtime"].removeprefix("python").split(".")
            assert (int(major), int(minor)) >= (3, 12), f"{spec.name}: SnapStart needs Python 3.12+"
            # SnapStart refuses larger /tmp (and EFS, provisioned concurrency).
            assert props.get("EphemeralStorage", {"Size": 512})["Size"] <= 512
        else:
            assert "SnapStart" not in props, spec.name


def test_each_snapstart_function_has_a_live_alias_on_a_published_version(synth) -> None:
    aliases = synth.resources("AWS::Lambda::Alias")
    versions = synth.resources("AWS::Lambda::Version")
    for name in SNAPSTART:
        fn_id = _fn_id(synth, name)
        mine = [a for a in aliases.values() if _refs(a["Properties"]["FunctionName"]) == {fn_id}]
        assert len(mine) == 1, f"{name}: {len(mine)} aliases"
        props = mine[0]["Properties"]
        assert props["Name"] == "live"
        (version_id,) = _refs(props["FunctionVersion"])
        assert _refs(versions[version_id]["Properties"]["FunctionName"]) == {fn_id}
        # Replaced versions are deleted, not retained: each kept one would keep a billed snapshot.
        assert versions[version_id].get("DeletionPolicy", "Delete") == "Delete"
        assert versions[version_id].get("UpdateReplacePolicy", "Delete") == "Delete"


def test_api_gateway_invokes_and_is_permitted_on_the_alias_not_latest(synth) -> None:
    alias_ids = {name: synth.logical_id(synth.stack.api.live[name]) for name in SNAPSTART}
    fn_ids = {_fn_id(synth, name): name for name in SNAPSTART}
    methods = synth.resources("AWS::ApiGateway::Method")
    invoked = set()
    for method in methods.values():
        integration = method["Properties"].get("Integration") or {}
        if integration.get("Type") != "AWS_PROXY":
            continue
        targets = _refs(integration["Uri"])
        assert not targets & set(fn_ids), f"an integration invokes $LATEST of {targets & set(fn_ids)}"
        invoked |= targets
    assert set(alias_ids.values()) <= invoked, "every SnapStart function is reached through its alias"

    permissions = [
        p["Properties"]
        for p in synth.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    for name, alias_id in alias_ids.items():
        on_alias = [p for p in permissions if _refs(p["FunctionName"]) == {alias_id}]
        assert on_alias, f"{name}: API Gateway has no permission on the live alias"
        on_latest = [p for p in permissions if _refs(p["FunctionName"]) == {_fn_id(synth, name)}]
        assert on_latest == [], f"{name}: API Gateway may still invoke $LATEST"


def test_every_sqs_trigger_caps_its_concurrency_as_the_topology_says(synth) -> None:
    mappings = synth.resources("AWS::Lambda::EventSourceMapping")
    queues = synth.resources("AWS::SQS::Queue")
    seen = {}
    for mapping in mappings.values():
        props = mapping["Properties"]
        if "StartingPosition" in props:
            continue  # a stream's mapping (the audit table's): tests/infra/test_audit_anchors_stack.py
        (queue_id,) = _refs(props["EventSourceArn"])
        assert queue_id in queues
        seen[queue_id] = props.get("ScalingConfig", {}).get("MaximumConcurrency")
    expected = {synth.logical_id(synth.stack.data.queues[q.name]): q.max_concurrency for q in TOPOLOGY.queues}
    assert seen == expected
    assert all(2 <= cap <= 1000 for cap in seen.values())
