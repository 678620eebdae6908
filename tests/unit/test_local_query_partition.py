"""The emulator's Query reads one partition (rtcc.local.fidelity): the same answers as moto
gives by walking the table (order, key conditions, direction, limit and paging, indexes)."""

from __future__ import annotations

import boto3
from rtcc.local.fidelity import make_dynamodb_writes_atomic


def _table(ddb) -> None:  # noqa: ANN001
    ddb.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "s", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "p", "AttributeType": "S"},
            {"AttributeName": "s", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for p in ("a", "b", "c"):
        for i in range(30):
            ddb.put_item(
                TableName="t", Item={"p": {"S": p}, "s": {"S": f"k{i:02d}"}, "g": {"S": f"g{i % 3}"}}
            )


def _keys(answer: dict) -> list[tuple[str, str]]:
    return [(i["p"]["S"], i["s"]["S"]) for i in answer["Items"]]


# On the units' moto server in a region of its own: moto's state is process-wide, and
# `mock_aws` would wipe it (the unit tables and the local stack's) when it stops.
def test_queries_answer_as_before_from_one_partition(moto_endpoint: str) -> None:
    make_dynamodb_writes_atomic()
    from moto.dynamodb.models.table import Table

    assert hasattr(Table.query, "__wrapped__")  # the partitioned Query is what answers below
    ddb = boto3.client("dynamodb", region_name="eu-west-2", endpoint_url=moto_endpoint)
    _table(ddb)
    q = {
        "TableName": "t",
        "KeyConditionExpression": "p = :p",
        "ExpressionAttributeValues": {":p": {"S": "b"}},
    }
    assert _keys(ddb.query(**q)) == [("b", f"k{i:02d}") for i in range(30)]
    assert _keys(ddb.query(**q, ScanIndexForward=False, Limit=3)) == [
        ("b", "k29"),
        ("b", "k28"),
        ("b", "k27"),
    ]
    first = ddb.query(**q, Limit=20)
    rest = ddb.query(**q, Limit=20, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert (
        _keys(first) + _keys(rest) == [("b", f"k{i:02d}") for i in range(30)]
        and "LastEvaluatedKey" not in rest
    )
    prefix = ddb.query(
        TableName="t",
        KeyConditionExpression="p = :p AND begins_with(s, :s)",
        ExpressionAttributeValues={":p": {"S": "c"}, ":s": {"S": "k1"}},
    )
    assert _keys(prefix) == [("c", f"k1{i}") for i in range(10)]
    none = ddb.query(
        TableName="t", KeyConditionExpression="p = :p", ExpressionAttributeValues={":p": {"S": "z"}}
    )
    assert none["Items"] == []
    by_g = ddb.query(
        TableName="t",
        IndexName="by-g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "g1"}},
    )
    assert len(by_g["Items"]) == 30 and {i["p"]["S"] for i in by_g["Items"]} == {"a", "b", "c"}
    ddb.delete_table(TableName="t")  # the server outlives the test
