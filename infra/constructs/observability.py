"""Alarms that page the city's IT team, and one dashboard to look at first.

Every Lambda's errors, every dead-letter queue holding anything (a message there is a
tip, an alert or a media item that did not get through) and the API's 5xx rate notify
one KMS-encrypted SNS topic; `alarm_email` in the config subscribes an address to it.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct
from rtcc.topology import DECLARED

from infra.config import DeployConfig
from infra.constructs.api import ApiConstruct
from infra.constructs.audit import AuditConstruct
from infra.constructs.data import DataConstruct, _pascal

#: Counters the functions emit through rtcc.metrics.count, by outcome: metric -> widget
#: title, as each capability declares them (`Capability.counters`).
OUTCOME_COUNTERS: dict[str, str] = {name: title for c in DECLARED for name, title in c.counters.items()}

#: The namespace and the dimension set of every rtcc.metrics data point. CloudWatch keeps a
#: metric per exact dimension set, and a SEARCH schema matches only that set: Powertools adds
#: `service` (POWERTOOLS_SERVICE_NAME, "rtcc-<function>") to the `outcome` rtcc.metrics
#: sets, so `{rtcc,outcome}` alone finds nothing. tests/infra emits one and compares.
METRICS_NAMESPACE = "rtcc"
METRIC_DIMENSIONS = ("outcome", "service")

#: Share of API requests answered 5xx, over 5 minutes, that raises the alarm.
API_5XX_RATE_THRESHOLD = 0.05


FIVE_MINUTES = Duration.minutes(5)
# rtcc.audit.COPY_GRACE_S: how long an entry may go without its write-once copy.
AUDIT_ITERATOR_AGE_MS = 120_000


class ObservabilityConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        data: DataConstruct,
        api: ApiConstruct,
        audit: AuditConstruct | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self._audit_failures = audit.archive_failures if audit is not None else None
        data.allow_service_to_use_key("cloudwatch.amazonaws.com")
        self.topic = sns.Topic(
            self,
            "AlarmTopic",
            display_name=f"rtcc {config.city_name} alarms",
            master_key=data.key,
            enforce_ssl=True,
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        self._action = cw_actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []
        api_5xx = self._alarms(data, api)
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{config.resource_prefix}overview",
            default_interval=Duration.hours(6),
        )
        self.dashboard.add_widgets(cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24))
        self.dashboard.add_widgets(*_api_widgets(api, api_5xx))
        self.dashboard.add_widgets(*_lambda_widgets(api))
        if data.queues:
            self.dashboard.add_widgets(_queue_widget(data))
        self.dashboard.add_widgets(*_counter_widgets())
        CfnOutput(self, "AlarmTopicArn", value=self.topic.topic_arn)

    # --- alarms -------------------------------------------------------------------------------
    def _alarms(self, data: DataConstruct, api: ApiConstruct) -> cloudwatch.Alarm:
        """An alarm per function's errors and per dead-letter queue, and the API's 5xx
        rate (returned: the dashboard graphs it)."""
        for name, fn in api.functions.items():
            self._alarm(
                f"{_pascal(name)}Errors",
                fn.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
                1,
                f"Lambda {name} raised an error (an unhandled exception or a timeout).",
            )
        for name, dlq in data.dead_letter_queues.items():
            self._alarm(
                f"{_pascal(name)}DeadLetters",
                dlq.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum"),
                1,
                f"Messages gave up on queue {name} and wait in its dead-letter queue: "
                "each is work that did not happen.",
            )
        self._audit_alarms(api)
        # 5XXError's average is the share of requests that failed.
        return self._alarm(
            "Api5xxRate",
            api.rest_api.metric_server_error(period=FIVE_MINUTES, statistic="Average"),
            API_5XX_RATE_THRESHOLD,
            f"More than {API_5XX_RATE_THRESHOLD:.0%} of API requests failed with a 5xx in 5 minutes.",
        )

    def _audit_alarms(self, api: ApiConstruct) -> None:
        """A rewritten, deleted or malformed audit entry (on the audit table's stream), an
        anchor refused or a daily full check failed because the chain differs from its
        write-once copy, and a copier fallen behind the stream; and the alerts signup's
        breaker (a counter alarm like these)."""
        for construct_id, service, name, outcomes, description in (
            (
                "AuditTamper",
                "audit-archive",
                "AuditTamper",
                ("modify", "remove", "malformed"),
                "An audit entry was changed or deleted in the table, or an item append could not "
                "have written was put there: someone is rewriting the log.",
            ),
            (
                "AuditAnchorRefused",
                "audit-anchor",
                "AuditAnchorRefused",
                ("mismatch",),
                "The audit chain differs from its write-once copy: the anchor was not published.",
            ),
            (
                "AuditVerifyFailed",
                "audit-anchor",
                "AuditVerifyFailed",
                ("mismatch",),
                "The daily full check of the audit chain against every anchor and its write-once "
                "copy failed (the hourly runs check only since the previous anchor).",
            ),
            (
                "AlertSignupBreaker",
                "alert-confirm",
                "AlertSignupTexts",
                ("breaker",),
                "The /signup page's hourly breaker dropped signups (alerts.signups_per_hour): a flood "
                "of signups, likely someone texting numbers through the page; real residents' "
                "signups are dropped too until the hour ends.",
            ),
        ):
            metrics = {
                outcome: cloudwatch.Metric(
                    namespace=METRICS_NAMESPACE,
                    metric_name=name,
                    dimensions_map={"service": f"rtcc-{service}", "outcome": outcome},
                    period=FIVE_MINUTES,
                    statistic="Sum",
                )
                for outcome in outcomes
            }
            total = cloudwatch.MathExpression(
                expression=" + ".join(f"FILL({k}, 0)" for k in metrics),
                using_metrics=metrics,
                period=FIVE_MINUTES,
            )
            self._alarm(construct_id, total, 1, description)
        self._audit_copier_alarms(api)

    def _audit_copier_alarms(self, api: ApiConstruct) -> None:
        """audit-archive fallen behind the stream, or given up on some of its records."""
        # A stalled copier: entries older than the 2-minute grace without a copy fail
        # verification, so the stream's oldest unprocessed record pages at that age.
        self._alarm(
            "AuditArchiveIteratorAge",
            api.functions["audit-archive"].metric(
                "IteratorAge", period=Duration.minutes(1), statistic="Maximum"
            ),
            AUDIT_ITERATOR_AGE_MS,
            "The audit-archive copier is behind the audit table's stream by over 2 minutes: "
            "new entries have no write-once copy (and fail verification) until it catches up.",
        )
        if self._audit_failures is not None:
            self._alarm(
                "AuditArchiveFailures",
                self._audit_failures.metric_approximate_number_of_messages_visible(
                    period=FIVE_MINUTES, statistic="Maximum"
                ),
                1,
                "audit-archive gave up on stream records after its retries: their entries have no "
                "write-once copy and fail verification (the messages name the records).",
            )

    def _alarm(
        self, construct_id: str, metric: cloudwatch.IMetric, threshold: float, description: str
    ) -> cloudwatch.Alarm:
        """An alarm that notifies the topic when it fires and when it clears."""
        created = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        created.add_alarm_action(self._action)
        created.add_ok_action(self._action)
        self.alarms.append(created)
        return created


# --- the dashboard's widgets --------------------------------------------------------------
def _api_widgets(api: ApiConstruct, api_5xx: cloudwatch.Alarm) -> list[cloudwatch.IWidget]:
    rest_api = api.rest_api
    return [
        cloudwatch.GraphWidget(
            title="API requests",
            left=[rest_api.metric_count(period=FIVE_MINUTES, statistic="Sum")],
            right=[
                rest_api.metric_client_error(period=FIVE_MINUTES, statistic="Sum"),
                rest_api.metric_server_error(period=FIVE_MINUTES, statistic="Sum"),
            ],
            width=12,
        ),
        cloudwatch.GraphWidget(
            title="API latency (p50, p99)",
            left=[
                rest_api.metric_latency(period=FIVE_MINUTES, statistic="p50"),
                rest_api.metric_latency(period=FIVE_MINUTES, statistic="p99"),
            ],
            width=12,
        ),
        cloudwatch.AlarmWidget(title="API 5xx rate", alarm=api_5xx, width=12),
    ]


def _lambda_widgets(api: ApiConstruct) -> list[cloudwatch.IWidget]:
    functions = list(api.functions.values())
    return [
        cloudwatch.GraphWidget(
            title="Lambda errors",
            left=[fn.metric_errors(period=FIVE_MINUTES, statistic="Sum") for fn in functions],
            width=12,
        ),
        cloudwatch.GraphWidget(
            title="Lambda duration p99",
            left=[fn.metric_duration(period=FIVE_MINUTES, statistic="p99") for fn in functions],
            width=12,
        ),
    ]


def _queue_widget(data: DataConstruct) -> cloudwatch.IWidget:
    def depth(queues: dict) -> list[cloudwatch.IMetric]:
        return [
            q.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES, statistic="Maximum")
            for q in queues.values()
        ]

    return cloudwatch.GraphWidget(
        title="Queue depth", left=depth(data.queues), right=depth(data.dead_letter_queues), width=24
    )


def _counter_widgets() -> list[cloudwatch.IWidget]:
    """rtcc.metrics counters, one line per outcome and function, searched so a new
    outcome shows up without a template change."""
    schema = ",".join((METRICS_NAMESPACE, *METRIC_DIMENSIONS))
    return [
        cloudwatch.GraphWidget(
            title=title,
            left=[
                cloudwatch.MathExpression(
                    expression=f"SEARCH('{{{schema}}} MetricName=\"{name}\"', 'Sum', 300)",
                    label="",
                    period=FIVE_MINUTES,
                )
            ],
            width=6,
        )
        for name, title in OUTCOME_COUNTERS.items()
    ]
