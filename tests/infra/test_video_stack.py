"""The video capability's grants as synthesized (infra/constructs/video.py): the api opens LIVE
HLS sessions of cameras' streams only (GetDataEndpoint + GetHLSStreamingSessionURL on
`stream/<prefix>cam-*/*`, nothing that reads, writes or deletes media or streams), writes and
reads the motion table by key, reads a camera's live windows and writes owners' receipts."""

from __future__ import annotations

import json

from tests.infra.iam_policy import DYNAMODB_ACTIONS, allowed_actions, role_statements
from tests.infra.test_cameras_stack import PREFIX, _joined

STREAM = "arn:<AWS::Partition>:kinesisvideo:<AWS::Region>:<AWS::AccountId>:stream/"
LIVE = {"kinesisvideo:GetDataEndpoint", "kinesisvideo:GetHLSStreamingSessionURL"}


def test_the_api_opens_live_sessions_of_cameras_streams_only(synth) -> None:
    kvs = [s for s in role_statements(synth, "api") if "kinesisvideo" in json.dumps(s.get("Action"))]
    assert len(kvs) == 1, kvs
    (statement,) = kvs
    assert statement["Effect"] == "Allow" and set(statement["Action"]) == LIVE
    assert _joined(statement["Resource"]) == f"{STREAM}{PREFIX}cam-*/*"


def test_the_api_reads_and_writes_the_video_tables_by_key(synth) -> None:
    tables = synth.stack.data.tables

    def on(name: str) -> set[str]:
        return allowed_actions(synth, "api", synth.logical_id(tables[name]), DYNAMODB_ACTIONS)

    # Motion: the last event per camera, one conditional put; the grid's and map's reads by key.
    assert on("camera-motion") == {"dynamodb:PutItem", "dynamodb:BatchGetItem"}
    # is_live_allowed reads one camera's windows (Query); no Scan anywhere.
    assert "dynamodb:Query" in on("camera-live-windows") and "dynamodb:Scan" not in on("camera-live-windows")
    assert "dynamodb:PutItem" in on("camera-receipts")  # the owner's receipt of a view
    # No other function touches the motion table.
    motion = synth.logical_id(tables["camera-motion"])
    for name in synth.stack.api.functions:
        if name != "api":
            assert not allowed_actions(synth, name, motion, DYNAMODB_ACTIONS), name


def test_the_motion_table_expires_its_items(synth) -> None:
    table = synth.template["Resources"][synth.logical_id(synth.stack.data.tables["camera-motion"])]
    props = table["Properties"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires", "Enabled": True}
    assert [k["AttributeName"] for k in props["KeySchema"]] == ["camera_id"]
