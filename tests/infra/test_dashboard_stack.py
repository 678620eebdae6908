"""The dashboard's counter widgets find the metrics the functions really emit."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.infra

_SEARCH = re.compile(r"""SEARCH\('\{([^}]*)\}\s+MetricName="(\w+)"'""")


def _dashboard_widgets(synth) -> list[dict]:
    _, dashboard = synth.one("AWS::CloudWatch::Dashboard")
    body = dashboard["Properties"]["DashboardBody"]
    # Alarm ARNs are references; the rest is the literal JSON CloudWatch gets.
    text = "".join(p if isinstance(p, str) else "ref" for p in body["Fn::Join"][1])
    return json.loads(text)["widgets"]


def _searches(synth) -> list[tuple[list[str], str]]:
    found = []
    for widget in _dashboard_widgets(synth):
        for line in widget["properties"].get("metrics", []):
            expression = line[-1].get("expression", "") if isinstance(line[-1], dict) else ""
            for schema, metric in _SEARCH.findall(expression):
                found.append(([part.strip() for part in schema.split(",")], metric))
            if "SEARCH(" in expression:
                assert _SEARCH.search(expression), expression
    return found


def _emitted(monkeypatch, capsys, service: str, namespace: str) -> dict:
    """One rtcc.metrics counter as a deployed function writes it (Powertools' EMF on stdout)."""
    from rtcc import metrics

    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", service)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", namespace)
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    capsys.readouterr()
    metrics.count("TipMessages", "new")
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return json.loads(line)["_aws"]["CloudWatchMetrics"][0]


def test_every_counter_search_names_the_dimensions_powertools_emits(synth, monkeypatch, capsys):
    from infra.constructs.observability import OUTCOME_COUNTERS

    searches = _searches(synth)
    assert sorted(metric for _, metric in searches) == sorted(OUTCOME_COUNTERS)
    functions = synth.resources("AWS::Lambda::Function")
    envs = [
        fn["Properties"].get("Environment", {}).get("Variables", {})
        for fn in functions.values()
        if "POWERTOOLS_SERVICE_NAME" in fn["Properties"].get("Environment", {}).get("Variables", {})
    ]
    assert envs and len(envs) == len(synth.stack.api.functions)
    # Every function emits the same dimension set, whatever its service name.
    emitted = set()
    for env in envs:
        emf = _emitted(
            monkeypatch, capsys, env["POWERTOOLS_SERVICE_NAME"], env["POWERTOOLS_METRICS_NAMESPACE"]
        )
        (dimensions,) = emf["Dimensions"]
        emitted.add((emf["Namespace"], frozenset(dimensions)))
    (namespace, dimensions), *others = emitted
    assert not others, emitted
    assert "service" in dimensions  # what the old widgets missed
    for schema, metric in searches:
        # A SEARCH schema matches metrics with exactly these dimensions, no more.
        assert schema[0] == namespace and set(schema[1:]) == dimensions, (metric, schema)
