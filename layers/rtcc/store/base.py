"""Shared plumbing for table models: naming, binding to an endpoint, schema export."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from pynamodb.attributes import TTLAttribute
from pynamodb.expressions.condition import Condition
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


# --- TTL ------------------------------------------------------------------------------------
# DynamoDB deletes expired items lazily (typically within days, with no upper bound), and
# until then they read, query and satisfy conditions like any other. An item whose TTL has
# passed must count as gone everywhere, or e.g. a tipster's sealed number outlives the
# retention period for as long as DynamoDB is slow. These are the one rule for that.


@cache
def ttl_attribute(model: type[Model]) -> TTLAttribute | None:
    """The model's TTL attribute, if its table has one."""
    return next((attr for attr in model.get_attributes().values() if isinstance(attr, TTLAttribute)), None)


def is_expired(record: Model, now: datetime | None = None) -> bool:
    """Whether `record`'s TTL time has come: DynamoDB may still return it, but it is gone."""
    attr = ttl_attribute(type(record))
    if attr is None:
        return False
    expires = getattr(record, attr.attr_name)
    return expires is not None and expires <= (now or datetime.now(UTC))


def live_condition(model: type[Model], now: datetime | None = None) -> Condition | None:
    """Condition that the item is not expired (True for an absent item too: AND it with an
    `exists()` to require the item); None for a model without TTL."""
    attr = ttl_attribute(model)
    if attr is None:
        return None
    return attr.does_not_exist() | (attr > (now or datetime.now(UTC)))


def absent_condition(model: type[Model], now: datetime | None = None) -> Condition:
    """Condition that no live item has this key: none at all, or only an expired one."""
    absent = model._hash_key_attribute().does_not_exist()
    attr = ttl_attribute(model)
    if attr is None:
        return absent
    return absent | (attr <= (now or datetime.now(UTC)))


def present_condition(model: type[Model], now: datetime | None = None) -> Condition:
    """Condition that a live item has this key (exists and is not expired)."""
    exists = model._hash_key_attribute().exists()
    live = live_condition(model, now)
    return exists if live is None else exists & live


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
    ttl_attr = ttl_attribute(model)
    ttl = ttl_attr.attr_name if ttl_attr is not None else None
    return TableSpec(
        logical_name=model.Meta.logical_name,  # type: ignore[attr-defined]
        table_name=model.Meta.table_name,
        partition_key=pk,
        sort_key=sk,
        ttl_attribute=ttl,
        global_indexes=tuple(indexes),
        stream=getattr(model.Meta, "stream", False),
    )
