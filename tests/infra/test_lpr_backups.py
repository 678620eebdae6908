"""Point-in-time recovery of the tables holding plates never reaches past the read retention:
a restore must not bring back reads the law says are gone (PITR keeps 35 days by default)."""

from __future__ import annotations

from infra.constructs.lpr import RETENTION_BOUND_TABLES


def _pitr(synth, name: str) -> dict:
    table = synth.stack.data.tables[name]
    return synth.resources("AWS::DynamoDB::Table")[synth.logical_id(table)]["Properties"][
        "PointInTimeRecoverySpecification"
    ]


def test_the_default_30_days_bounds_the_plate_tables_backups(synth) -> None:
    for name in RETENTION_BOUND_TABLES:
        assert _pitr(synth, name) == {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 30}, name
    # Tables without plates under the read retention keep the platform's PITR (35 days).
    assert _pitr(synth, "lpr-sources") == {"PointInTimeRecoveryEnabled": True}


def test_a_retention_under_a_day_turns_their_backups_off(configured) -> None:
    """New Hampshire's 3 minutes: PITR's shortest window is a day, so none at all."""
    for name in RETENTION_BOUND_TABLES:
        assert _pitr(configured, name) == {"PointInTimeRecoveryEnabled": False}, name
    assert _pitr(configured, "audit")["PointInTimeRecoveryEnabled"] is True
