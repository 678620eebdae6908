"""Operational counters: one bounded `outcome` dimension, nothing about a person."""

from __future__ import annotations

import json

from rtcc.metrics import count


def test_count_emits_one_embedded_metric_with_only_the_outcome_dimension(capsys, monkeypatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "rtcc-test")
    monkeypatch.delenv("POWERTOOLS_SERVICE_NAME", raising=False)
    count("TipMessages", "duplicate")
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "rtcc-test"
    assert directive["Dimensions"] == [["outcome"]]
    assert directive["Metrics"][0]["Name"] == "TipMessages"
    assert line["TipMessages"] == [1.0] or line["TipMessages"] == 1.0
    assert line["outcome"] == "duplicate"


def test_count_is_silent_when_metrics_are_disabled(capsys, monkeypatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    count("TipMessages", "new")
    assert "CloudWatchMetrics" not in capsys.readouterr().out
