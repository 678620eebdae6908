"""The deployed tables are exactly the pynamodb models: keys, types, indexes, TTL.

The expectation is read straight off each model (`_get_schema()`, what pynamodb's own
`create_table` sends and what `rtcc dev` creates locally), not off `table_spec`, so a
bug in the spec export cannot hide a mismatch.
"""

from __future__ import annotations

import pytest
from pynamodb.attributes import TTLAttribute
from rtcc.store import ALL_MODELS

pytestmark = pytest.mark.infra


def _keys(key_schema: list[dict]) -> list[tuple[str, str]]:
    return sorted((k["AttributeName"], k["KeyType"]) for k in key_schema)


def _model_shape(model) -> dict:
    schema = model._get_schema()
    indexes = {}
    for gsi in schema.get("global_secondary_indexes", []):
        projection = dict(gsi["projection"])
        projection.setdefault("NonKeyAttributes", [])
        indexes[gsi["index_name"]] = (
            _keys(gsi["key_schema"]),
            projection["ProjectionType"],
            sorted(projection["NonKeyAttributes"]),
        )
    assert not schema.get("local_secondary_indexes"), "LSIs are not supported by infra/constructs/data.py"
    ttl = [a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]
    return {
        "keys": _keys(schema["key_schema"]),
        "attributes": sorted(
            (d["AttributeName"], d["AttributeType"]) for d in schema["attribute_definitions"]
        ),
        "indexes": indexes,
        "ttl": ttl[0] if ttl else None,
    }


def _template_shape(props: dict) -> dict:
    indexes = {}
    for gsi in props.get("GlobalSecondaryIndexes", []):
        projection = gsi["Projection"]
        indexes[gsi["IndexName"]] = (
            _keys(gsi["KeySchema"]),
            projection["ProjectionType"],
            sorted(projection.get("NonKeyAttributes", [])),
        )
    ttl = props.get("TimeToLiveSpecification")
    return {
        "keys": _keys(props["KeySchema"]),
        "attributes": sorted((d["AttributeName"], d["AttributeType"]) for d in props["AttributeDefinitions"]),
        "indexes": indexes,
        "ttl": ttl["AttributeName"] if ttl and ttl.get("Enabled") else None,
    }


def test_every_model_has_exactly_one_table(synth):
    prefix = synth.config.resource_prefix
    names = sorted(t["Properties"]["TableName"] for t in synth.resources("AWS::DynamoDB::Table").values())
    assert names == sorted(f"{prefix}{m.Meta.logical_name}" for m in ALL_MODELS)


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.Meta.logical_name)
def test_template_table_equals_pynamodb_model(synth, model):
    name = f"{synth.config.resource_prefix}{model.Meta.logical_name}"
    (props,) = [
        t["Properties"]
        for t in synth.resources("AWS::DynamoDB::Table").values()
        if t["Properties"]["TableName"] == name
    ]
    assert _template_shape(props) == _model_shape(model)
