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


class ObservabilityConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        data: DataConstruct,
        api: ApiConstruct,
    ) -> None:
        super().__init__(scope, construct_id)
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
        action = cw_actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []

        def alarm(
            construct_id: str, metric: cloudwatch.IMetric, threshold: float, description: str
        ) -> cloudwatch.Alarm:
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
            created.add_alarm_action(action)
            created.add_ok_action(action)
            self.alarms.append(created)
            return created

        five_minutes = Duration.minutes(5)
        for name, fn in api.functions.items():
            alarm(
                f"{_pascal(name)}Errors",
                fn.metric_errors(period=five_minutes, statistic="Sum"),
                1,
                f"Lambda {name} raised an error (an unhandled exception or a timeout).",
            )
        for name, dlq in data.dead_letter_queues.items():
            alarm(
                f"{_pascal(name)}DeadLetters",
                dlq.metric_approximate_number_of_messages_visible(period=five_minutes, statistic="Maximum"),
                1,
                f"Messages gave up on queue {name} and wait in its dead-letter queue: "
                "each is work that did not happen.",
            )
        # 5XXError's average is the share of requests that failed.
        api_5xx = alarm(
            "Api5xxRate",
            api.rest_api.metric_server_error(period=five_minutes, statistic="Average"),
            API_5XX_RATE_THRESHOLD,
            f"More than {API_5XX_RATE_THRESHOLD:.0%} of API requests failed with a 5xx in 5 minutes.",
        )

        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{config.resource_prefix}overview",
            default_interval=Duration.hours(6),
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests",
                left=[api.rest_api.metric_count(period=five_minutes, statistic="Sum")],
                right=[
                    api.rest_api.metric_client_error(period=five_minutes, statistic="Sum"),
                    api.rest_api.metric_server_error(period=five_minutes, statistic="Sum"),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="API latency (p50, p99)",
                left=[
                    api.rest_api.metric_latency(period=five_minutes, statistic="p50"),
                    api.rest_api.metric_latency(period=five_minutes, statistic="p99"),
                ],
                width=12,
            ),
            cloudwatch.AlarmWidget(title="API 5xx rate", alarm=api_5xx, width=12),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Lambda errors",
                left=[
                    fn.metric_errors(period=five_minutes, statistic="Sum") for fn in api.functions.values()
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Lambda duration p99",
                left=[
                    fn.metric_duration(period=five_minutes, statistic="p99") for fn in api.functions.values()
                ],
                width=12,
            ),
        )
        if data.queues:
            self.dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title="Queue depth",
                    left=[
                        q.metric_approximate_number_of_messages_visible(
                            period=five_minutes, statistic="Maximum"
                        )
                        for q in data.queues.values()
                    ],
                    right=[
                        q.metric_approximate_number_of_messages_visible(
                            period=five_minutes, statistic="Maximum"
                        )
                        for q in data.dead_letter_queues.values()
                    ],
                    width=24,
                )
            )
        # rtcc.metrics counters, one line per outcome and function, searched so a new
        # outcome shows up without a template change.
        schema = ",".join((METRICS_NAMESPACE, *METRIC_DIMENSIONS))
        self.dashboard.add_widgets(
            *(
                cloudwatch.GraphWidget(
                    title=title,
                    left=[
                        cloudwatch.MathExpression(
                            expression=f"SEARCH('{{{schema}}} MetricName=\"{name}\"', 'Sum', 300)",
                            label="",
                            period=five_minutes,
                        )
                    ],
                    width=6,
                )
                for name, title in OUTCOME_COUNTERS.items()
            )
        )
        CfnOutput(self, "AlarmTopicArn", value=self.topic.topic_arn)
