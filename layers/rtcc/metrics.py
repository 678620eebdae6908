"""Operational counters in CloudWatch (Powertools Metrics, embedded metric format).

One dimension only, `outcome`, from a small fixed vocabulary (new, duplicate, stored,
rejected, sent, ...): never a tip code, a number, a pseudonym or any other value that
could tie a data point to a person, and never an unbounded set.
`rtcc dev` turns emission off (POWERTOOLS_METRICS_DISABLED); there is no CloudWatch there.
"""

from __future__ import annotations

import os

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled


def count(name: str, outcome: str) -> None:
    """Add 1 to metric `name` under dimension outcome=`outcome`."""
    if is_metrics_disabled():  # single_metric itself ignores POWERTOOLS_METRICS_DISABLED
        return
    with single_metric(
        name=name,
        unit=MetricUnit.Count,
        value=1,
        namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "rtcc"),
    ) as metric:
        metric.add_dimension(name="outcome", value=outcome)
