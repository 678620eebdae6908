"""Shared plumbing for table models: naming, binding to an endpoint, schema export."""

from __future__ import annotations

from dataclasses import dataclass, field

from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model

from rtcc.settings import Settings, get_settings

#: Every table model, in definition order. A model joins by decorating itself with @register.
ALL_MODELS: list[type[Model]] = []


def register(model: type[Model]) -> type[Model]:
    """Class decorator: names the table from settings and adds it to ALL_MODELS."""
    logical = model.Meta.logical_name  # type: ignore[attr-defined]
    settings = get_settings()
    model.Meta.table_name = f"{settings.table_prefix}{logical}"
    model.Meta.region = settings.region
    model.Meta.host = settings.aws_endpoint_url
    ALL_MODELS.append(model)
    return model


def bind_models(settings: Settings) -> None:
    """Point every model at the tables and endpoint `settings` names.

    Called when the local stack starts (the endpoint port is only known then) and by
    tests. pynamodb caches a connection per class, so that cache is dropped too.
    """
    for model in ALL_MODELS:
        model.Meta.table_name = f"{settings.table_prefix}{model.Meta.logical_name}"  # type: ignore[attr-defined]
        model.Meta.region = settings.region
        model.Meta.host = settings.aws_endpoint_url
        model._connection = None


@dataclass(frozen=True)
class KeySpec:
    name: str
    type: str  # "S" | "N" | "B"


@dataclass(frozen=True)
class IndexSpec:
    name: str
    partition_key: KeySpec
    sort_key: KeySpec | None
    projection: str  # "ALL" | "KEYS_ONLY" | "INCLUDE"
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """What CDK and the local stack need to create a table, read off a pynamodb model."""

    logical_name: str
    table_name: str
    partition_key: KeySpec
    sort_key: KeySpec | None
    ttl_attribute: str | None
    global_indexes: tuple[IndexSpec, ...] = field(default_factory=tuple)
    stream: bool = False


def table_spec(model: type[Model]) -> TableSpec:
    schema = model._get_schema()
    # pynamodb 6 names the outer keys in snake_case and the DynamoDB ones in CamelCase.
    types = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}

    def keys(key_schema: list[dict]) -> tuple[KeySpec, KeySpec | None]:
        hash_key = next(k["AttributeName"] for k in key_schema if k["KeyType"] == "HASH")
        range_key = next((k["AttributeName"] for k in key_schema if k["KeyType"] == "RANGE"), None)
        return KeySpec(hash_key, types[hash_key]), (
            KeySpec(range_key, types[range_key]) if range_key else None
        )

    pk, sk = keys(schema["key_schema"])
    indexes = []
    for gsi in schema.get("global_secondary_indexes", []):
        ipk, isk = keys(gsi["key_schema"])
        projection = gsi["projection"]
        indexes.append(
            IndexSpec(
                name=gsi["index_name"],
                partition_key=ipk,
                sort_key=isk,
                projection=projection["ProjectionType"],
                non_key_attributes=tuple(projection.get("NonKeyAttributes", ())),
            )
        )
    ttl = next(
        (attr.attr_name for attr in model.get_attributes().values() if isinstance(attr, TTLAttribute)), None
    )
    return TableSpec(
        logical_name=model.Meta.logical_name,  # type: ignore[attr-defined]
        table_name=model.Meta.table_name,
        partition_key=pk,
        sort_key=sk,
        ttl_attribute=ttl,
        global_indexes=tuple(indexes),
        stream=getattr(model.Meta, "stream", False),
    )
