"""The one REST API, every Lambda function, and the WAF in front.

Functions come from `TOPOLOGY.functions` (all sharing the rtcc layer), resources and
methods from `TOPOLOGY.routes`, SQS triggers from `TOPOLOGY.queues`: the lists
`rtcc dev` routes and polls from. Non-public routes sit behind the Cognito authorizer;
public ones (health, webhooks, public pages' API) have none, and say so in the topology.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import urlsplit

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy, Size
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_logs as logs
from constructs import Construct
from rtcc.resources import BINARY_MEDIA_TYPES, bucket_env_var, queue_url_env_var
from rtcc.store import AuditEntryRecord, table_spec
from rtcc.topology import FunctionSpec, Topology

from infra.bundling import function_code, layer_code
from infra.config import DeployConfig
from infra.constructs.auth import AuthConstruct
from infra.constructs.data import DataConstruct, _pascal
from infra.constructs.waf import web_acl
from infra.nag import acknowledge, arn_of

STAGE_NAME = "prod"

#: Where provider webhooks live (every public route under it is signature-checked).
WEBHOOK_PREFIX = "/webhooks/"
#: Where machines post data with their own credentials (plate readers: /ingest/lpr/reads).
#: Like the webhooks they get the WAF's per-IP ceiling only (infra/constructs/waf.py): a vendor's
#: cloud posts every camera's reads from a few addresses, and the function checks each source.
INGEST_PREFIX = "/ingest/"

AUDIT_TABLE = table_spec(AuditEntryRecord).logical_name
#: What `rtcc.audit.AuditLog` does from a function: read the chain's head and verify
#: (Query) and append with a conditional put (PutItem). No UpdateItem, DeleteItem or
#: BatchWriteItem, so no function can rewrite or drop entries at the tail of the chain.
AUDIT_ACTIONS = ("dynamodb:PutItem", "dynamodb:Query")

#: Besides what Lambda receives base64-encoded (rtcc.resources), what the console's S3
#: integration must pass through untouched: fonts and PDFs served from /vendor and /assets.
EXTRA_BINARY_MEDIA_TYPES = ("font/*", "multipart/form-data")

_ARCHITECTURES = {"x86_64": lambda_.Architecture.X86_64, "arm64": lambda_.Architecture.ARM_64}

# Error bodies in the API's own shape ({"statusCode", "message"}), for errors API Gateway
# answers itself before any function runs.
# id: (type, fixed status or None for "as the error has it", fixed message or None).
_GATEWAY_RESPONSES = {
    "Unauthorized": (apigw.ResponseType.UNAUTHORIZED, "401", "sign in first: missing or expired token"),
    "AccessDenied": (apigw.ResponseType.ACCESS_DENIED, "403", None),
    "WafFiltered": (
        apigw.ResponseType.WAF_FILTERED,
        "403",
        "request blocked by the web application firewall",
    ),
    "Throttled": (apigw.ResponseType.THROTTLED, "429", "too many requests; retry shortly"),
    "RequestTooLarge": (apigw.ResponseType.REQUEST_TOO_LARGE, "413", "request body too large"),
    "Default4xx": (apigw.ResponseType.DEFAULT_4_XX, None, None),
    "Default5xx": (
        apigw.ResponseType.DEFAULT_5_XX,
        None,
        "the gateway could not complete the request; quote the request id",
    ),
}


def _log_group(scope: Construct, construct_id: str, config: DeployConfig) -> logs.LogGroup:
    group = logs.LogGroup(
        scope,
        construct_id,
        removal_policy=RemovalPolicy.RETAIN if config.is_deployed else RemovalPolicy.DESTROY,
    )
    # Any of CloudWatch's allowed periods (checked in config), not only the enum's names.
    group.node.default_child.add_property_override("RetentionInDays", config.log_retention_days)  # type: ignore[union-attr]
    return group


class ApiConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        topology: Topology,
        data: DataConstruct,
        auth: AuthConstruct,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.topology = topology
        self.data = data
        self._data_key_actions: dict[str, set[str]] = {}
        self._data_key_statements: dict[str, iam.PolicyStatement] = {}

        self.access_logs = _log_group(self, "AccessLogs", config)
        self.rest_api = self._rest_api()
        # Declared request parameters are checked by API Gateway. Bodies are validated
        # against a model only where a method declares one; the Lambda routes declare none
        # and validate in the function (pydantic), whose 4xx names the bad field.
        self.request_validator = self.rest_api.add_request_validator(
            "RequestValidator", validate_request_parameters=True, validate_request_body=True
        )
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self,
            "StaffAuthorizer",
            cognito_user_pools=[auth.user_pool],
            # No cache: API Gateway would reuse a cached "allow" for the cache's lifetime
            # even after the token it was computed for has expired, so a disabled officer's
            # 5-minute token (rtcc.staff) could keep working for up to 5 minutes more.
            # Checking a JWT's signature and expiry on every request costs next to nothing.
            results_cache_ttl=Duration.seconds(0),
        )
        self._gateway_responses()
        self._addresses()

        self.layer = self._layer()
        environment = self._environment(data, auth)
        #: SnapStart functions' `live` alias (a published version): what API Gateway invokes.
        self.live: dict[str, lambda_.Alias] = {}
        self.functions: dict[str, lambda_.Function] = {
            spec.name: self._function(spec, environment) for spec in topology.functions
        }
        self._routes()
        self._queue_triggers(data)
        self._schedules()
        self.web_acl = web_acl(
            self,
            config=config,
            topology=topology,
            stage_arn=self.rest_api.deployment_stage.stage_arn,
            stage_name=STAGE_NAME,
            webhook_prefix=WEBHOOK_PREFIX,
        )
        self._outputs()

    @staticmethod
    def browser_origin(config: DeployConfig, default_origin: str) -> str:
        """What a browser sends as Origin from rtcc's pages: public_base_url's scheme and
        host, else the custom domain, else the execute-api host (`default_origin`)."""
        if config.public_base_url:
            parts = urlsplit(config.public_base_url)
            return f"{parts.scheme}://{parts.netloc}"
        if config.domain_name:
            return f"https://{config.domain_name}"
        return default_origin

    # --- the API and its addresses ------------------------------------------------
    def _rest_api(self) -> apigw.RestApi:
        """The REST API and its one stage, logged without bodies, IPs or tokens."""
        rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{self.config.resource_prefix}api",
            description=f"rtcc {self.config.city_name}: console, JSON API and webhooks",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            binary_media_types=[*BINARY_MEDIA_TYPES, *EXTRA_BINARY_MEDIA_TYPES],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=self._access_log_format(),
                # No X-Ray on the stage: API Gateway's trace segments record the client IP,
                # user agent and full URL of every request (kept 30 days), which would tie a
                # web tip to an IP address. The functions still trace (Lambda active tracing).
                tracing_enabled=False,
                metrics_enabled=True,
                # ERROR only and no data trace: execution logs must never hold request
                # bodies (phone numbers, tip text) or tokens.
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                throttling_rate_limit=self.config.api_throttle_rate,
                throttling_burst_limit=self.config.api_throttle_burst,
            ),
        )
        acknowledge(
            rest_api,
            "API Gateway's account-level CloudWatch role needs AmazonAPIGatewayPushToCloudWatchLogs; "
            "AWS maintains that policy for exactly this purpose.",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
        )
        return rest_api

    def _addresses(self) -> None:
        """The custom domain, if configured, and the URLs and origin rtcc is reached at."""
        config = self.config
        if config.domain_name:
            self.domain = self.rest_api.add_domain_name(
                "CustomDomain",
                domain_name=config.domain_name,
                certificate=acm.Certificate.from_certificate_arn(
                    self, "Certificate", str(config.certificate_arn)
                ),
                endpoint_type=apigw.EndpointType.REGIONAL,
                security_policy=apigw.SecurityPolicy.TLS_1_2,
            )
        # Built from the API id rather than `rest_api.url`: the stage depends on every
        # method, which depends on the functions, whose environment needs this URL.
        self.default_url = (
            f"https://{self.rest_api.rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}/{STAGE_NAME}"
        )
        self.public_base_url = config.public_base_url or (
            f"https://{config.domain_name}" if config.domain_name else self.default_url
        )
        #: The browser origin of the pages (scheme and host, no stage path): what CORS allows.
        self.public_origin = self.browser_origin(
            config, f"https://{self.rest_api.rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"
        )

    def _layer(self) -> lambda_.LayerVersion:
        """The rtcc package and its locked dependencies, shared by every function."""
        return lambda_.LayerVersion(
            self,
            "RtccLayer",
            code=layer_code(self.config.lambda_architecture),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
            compatible_architectures=[_ARCHITECTURES[self.config.lambda_architecture]],
            description="rtcc package and its locked runtime dependencies",
        )

    def _outputs(self) -> None:
        config = self.config
        CfnOutput(
            self,
            "PublicBaseUrl",
            value=self.public_base_url,
            description="Where residents and staff reach rtcc",
        )
        CfnOutput(self, "ApiGatewayUrl", value=self.default_url)
        # The trailing slash matters on the execute-api URL: the console's relative links
        # resolve against it, and without it they would lose the stage name.
        CfnOutput(
            self, "ConsoleUrl", value=f"{self.public_base_url}/", description="Open the officer console here"
        )
        if config.domain_name:
            CfnOutput(
                self,
                "CustomDomainTarget",
                value=self.domain.domain_name_alias_domain_name,
                description=f"Point a CNAME (or alias) for {config.domain_name} here",
            )

    # --- stage ----------------------------------------------------------------------
    @staticmethod
    def _access_log_format() -> apigw.AccessLogFormat:
        # resourcePath is the route template ("/api/{proxy+}"), never the concrete path,
        # and no query string is logged: plate searches and tip codes stay out of logs.
        # No client IP and no user agent either: with the time, either would tie a web tip
        # (whose created_at is the request's time) to the tipster's network or device.
        return apigw.AccessLogFormat.custom(
            json.dumps(
                {
                    "requestId": "$context.requestId",
                    "time": "$context.requestTime",
                    "method": "$context.httpMethod",
                    "resource": "$context.resourcePath",
                    "status": "$context.status",
                    "bytes": "$context.responseLength",
                    "latencyMs": "$context.responseLatency",
                    "integrationLatencyMs": "$context.integrationLatency",
                    "user": "$context.authorizer.claims.sub",
                    "waf": "$context.wafResponseCode",
                    "error": "$context.error.responseType",
                }
            )
        )

    def _gateway_responses(self) -> None:
        for response_id, (response_type, status, message) in _GATEWAY_RESPONSES.items():
            body = {
                "message": "__MESSAGE__",
                "type": "$context.error.responseType",
                "requestId": "$context.requestId",
            }
            if status:
                body = {"statusCode": int(status), **body}
            text = json.dumps(body).replace(
                '"__MESSAGE__"', json.dumps(message) if message else "$context.error.messageString"
            )
            self.rest_api.add_gateway_response(
                f"{response_id}Response",
                type=response_type,
                status_code=status,
                templates={"application/json": text},
            )

    # --- functions ------------------------------------------------------------------
    def _environment(self, data: DataConstruct, auth: AuthConstruct) -> dict[str, str]:
        """What every function's `rtcc.settings.Settings` reads (RTCC_*), plus Powertools'.

        Only variables code reads: a `Settings` field, or the queue URL / secret ARN the
        helpers look up (tests/infra checks this). Capability constructs add their own."""
        config = self.config
        env = {
            "RTCC_ENVIRONMENT": "deployed",
            "RTCC_REGION": Aws.REGION,
            "RTCC_PUBLIC_BASE_URL": self.public_base_url,
            "RTCC_TABLE_PREFIX": config.resource_prefix,
            "RTCC_USER_POOL_ID": auth.user_pool.user_pool_id,
            "RTCC_USER_POOL_CLIENT_ID": auth.client.user_pool_client_id,
            "RTCC_SMS_BACKEND": "twilio",
            "RTCC_CITY_NAME": config.city_name,
            "POWERTOOLS_METRICS_NAMESPACE": "rtcc",
            # X-Ray keeps traces 30 days: never put handler responses (tip codes, TwiML) or
            # exception texts (a provider error can quote a phone number) into them.
            "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
            "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
        if config.twilio_account_sid:
            env["RTCC_TWILIO_ACCOUNT_SID"] = config.twilio_account_sid
        if config.twilio_messaging_service_sid:
            env["RTCC_TWILIO_MESSAGING_SERVICE_SID"] = config.twilio_messaging_service_sid
        if config.map_center:
            center = config.map_center
            env["RTCC_MAP_CENTER"] = json.dumps([center.lat, center.lon])  # pydantic-settings reads JSON
            env["RTCC_MAP_ZOOM"] = str(center.zoom)
        if config.map_tiles:
            env["RTCC_MAP_TILES"] = config.map_tiles
        if config.map_tiles_attribution:
            env["RTCC_MAP_TILES_ATTRIBUTION"] = config.map_tiles_attribution
        for name, bucket in data.buckets.items():
            env[bucket_env_var(name)] = bucket.bucket_name
        for name, queue in data.queues.items():
            env[queue_url_env_var(name)] = queue.queue_url
        # Secret ARNs: only to the functions granted the secret (`grant_secret`).
        return env

    def _function(self, spec: FunctionSpec, environment: dict[str, str]) -> lambda_.Function:
        fn = lambda_.Function(
            self,
            f"{_pascal(spec.name)}Function",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=_ARCHITECTURES[self.config.lambda_architecture],
            handler=f"{spec.module}.{spec.handler}",
            code=function_code(spec.module),
            layers=[self.layer],
            memory_size=spec.memory_mb,
            ephemeral_storage_size=Size.mebibytes(spec.ephemeral_mb) if spec.ephemeral_mb != 512 else None,
            timeout=Duration.seconds(spec.timeout_s),
            description=spec.description[:256],
            environment={**environment, "POWERTOOLS_SERVICE_NAME": f"rtcc-{spec.name}"},
            tracing=lambda_.Tracing.ACTIVE,
            log_group=_log_group(self, f"{_pascal(spec.name)}Logs", self.config),
            # Init (imports, the API's routers, see rtcc.snapstart) runs once per published
            # version; new environments resume from its snapshot. $LATEST is never
            # snapshotted, so callers must use the alias below.
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if spec.snapstart else None,
            # A Python snapshot's cache is billed while its version exists (3 hours at least):
            # the version a deploy replaces is deleted (CDK retains it by default).
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY)
            if spec.snapstart
            else None,
        )
        if spec.snapstart:
            # `current_version` publishes a new version whenever the code or configuration
            # changes (environment added later by capability constructs included), and the
            # alias moves to it: each deploy takes one snapshot per SnapStart function.
            self.live[spec.name] = lambda_.Alias(
                self, f"{_pascal(spec.name)}Live", alias_name="live", version=fn.current_version
            )
        self._acknowledge_function(fn)
        # No shared grants: each construct grants the functions it serves exactly the
        # calls their code makes (TipsConstruct, AuditConstruct, RetentionConstruct). The
        # local stack enforces these grants and the least-privilege test fails on a grant
        # no call in the suite used (tests/integration/test_least_privilege.py).
        return fn

    def grant_audit_append(self, fn: lambda_.Function) -> None:
        """Append-only access to the audit log (`AUDIT_ACTIONS`: read the head, put the
        next entry), and the data key DynamoDB uses on the caller's behalf."""
        self.grant_table(fn, AUDIT_TABLE, AUDIT_ACTIONS, audit_ok=True)

    def grant_table(
        self,
        fn: lambda_.Function,
        name: str,
        actions: Sequence[str],
        *,
        index_actions: Sequence[str] = (),
        audit_ok: bool = False,
    ) -> None:
        """Exactly `actions` on the table `name` (its ARN only) and `index_actions` on its
        indexes, plus the data key. The audit table only through `grant_audit_append`."""
        if name == AUDIT_TABLE and not audit_ok:
            raise ValueError("the audit table is append-only: use grant_audit_append")
        table = self.data.tables[name]
        if actions:
            fn.add_to_role_policy(iam.PolicyStatement(actions=sorted(actions), resources=[table.table_arn]))
        if index_actions:
            fn.add_to_role_policy(
                iam.PolicyStatement(actions=sorted(index_actions), resources=[f"{table.table_arn}/index/*"])
            )
            acknowledge(
                fn,
                "Queries on a table's GSIs need its index ARNs (table/<name>/index/*); "
                "scoped to rtcc's own tables.",
                f"AwsSolutions-IAM5[Resource::{arn_of(table)}/index/*]",
            )
        # A table under a customer-managed key: DynamoDB decrypts its table key with the
        # caller's permission; Encrypt is in DynamoDB's documented set for such a key.
        self.grant_data_key(fn, "kms:Decrypt", "kms:Encrypt")

    def grant_objects(
        self,
        fn: lambda_.Function,
        bucket_name: str,
        prefix: str,
        actions: Sequence[str],
        *,
        multipart: bool = False,
    ) -> None:
        """`actions` on the objects under `prefix` in one of rtcc's buckets, and the data
        key S3 uses on the caller's behalf (SSE-KMS: GenerateDataKey to write, Decrypt to read).
        `multipart`: the function's writes go up in parts (CreateMultipartUpload, UploadPart,
        CompleteMultipartUpload, all s3:PutObject), which also need Decrypt: S3 decrypts the
        upload's data key for every part and to assemble them (AWS's UploadPart reference)."""
        if multipart and "s3:PutObject" not in actions:
            raise ValueError(f"{fn.node.id}: a multipart writer needs s3:PutObject on {prefix}")
        bucket = self.data.buckets[bucket_name]
        fn.add_to_role_policy(
            iam.PolicyStatement(actions=sorted(actions), resources=[bucket.arn_for_objects(f"{prefix}*")])
        )
        acknowledge(
            fn,
            f"Objects under {prefix} are keyed by record (tip code, media id), unknown at deploy time.",
            f"AwsSolutions-IAM5[Resource::{arn_of(bucket)}/{prefix}*]",
        )
        # SSE-KMS: reading decrypts the object's data key, writing generates one.
        reads = {"s3:GetObject", "s3:GetObjectVersion"} & set(actions)
        self.grant_data_key(
            fn,
            *(["kms:Decrypt"] if reads or multipart else []),
            *(["kms:GenerateDataKey"] if "s3:PutObject" in actions else []),
        )

    def grant_send(self, fn: lambda_.Function, queue_name: str) -> None:
        """SendMessage (and the batch form) on one queue; its URL comes in the environment,
        so no GetQueueUrl or GetQueueAttributes."""
        queue = self.data.queues[queue_name]
        fn.add_to_role_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn]))
        # An SSE-KMS queue: a producer needs GenerateDataKey and Decrypt (AWS's SQS docs).
        self.grant_data_key(fn, "kms:GenerateDataKey", "kms:Decrypt")

    def grant_secret(self, fn: lambda_.Function, secret_name: str) -> None:
        """GetSecretValue on one secret (no DescribeSecret: nothing reads its metadata)."""
        secret = self.data.secrets[secret_name]
        fn.add_to_role_policy(
            iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[secret.secret_arn])
        )
        # Where rtcc.secrets.secret_value finds it: only the functions that may read it know it.
        fn.add_environment(f"RTCC_{secret_name.upper()}_SECRET_ARN", secret.secret_arn)
        self.grant_data_key(fn, "kms:Decrypt")

    def grant_data_key(self, fn: lambda_.Function, *actions: str) -> None:
        """What DynamoDB, S3, SQS and Secrets Manager ask KMS for with the caller's
        permissions when the data is under the customer-managed data key. One statement
        per function holding the union of what its grants needed (so repeats add nothing)."""
        wanted = self._data_key_actions.setdefault(fn.node.path, set())
        missing = set(actions) - wanted
        if not missing:
            return
        wanted |= missing
        statement = self._data_key_statements.get(fn.node.path)
        if statement is None:
            statement = iam.PolicyStatement(resources=[self.data.key.key_arn])
            self._data_key_statements[fn.node.path] = statement
            fn.add_to_role_policy(statement)
        statement.add_actions(*sorted(missing))

    def _acknowledge_function(self, fn: lambda_.Function) -> None:
        acknowledge(
            fn,
            "Python 3.12 is pinned on purpose: the layer's wheels are built for cp312 and the "
            "runtime is in AWS standard support; moving runtimes is a tested, deliberate change.",
            "AwsSolutions-L1",
        )
        acknowledge(
            fn,
            "AWSLambdaBasicExecutionRole only allows writing this function's own CloudWatch logs.",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        )
        acknowledge(
            fn,
            "X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions.",
            "AwsSolutions-IAM5[Resource::*]",
        )
        acknowledge(
            fn,
            "CDK's grants use action families (GenerateDataKey*, ReEncrypt*) of the one data key; "
            "the resource is that key only.",
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
        )

    # --- routes and triggers --------------------------------------------------------
    def _routes(self) -> None:
        # One permission per function for the whole API instead of one per method: the
        # Lambda resource policy has a 20 KB limit and the routes share functions. SnapStart
        # functions are invoked (and permitted) through their `live` alias: $LATEST has no
        # snapshot and would cold-start every new environment in full.
        integrations = {
            name: apigw.LambdaIntegration(self.live.get(name, fn), scope_permission_to_method=False)
            for name, fn in self.functions.items()
        }
        for route in self.topology.routes:
            if route.function not in integrations:
                raise ValueError(f"route {route.path}: no function named {route.function!r} in the topology")
            resource = self.rest_api.root.resource_for_path(route.path)
            for verb in route.methods:
                if route.public:
                    method = resource.add_method(
                        verb,
                        integrations[route.function],
                        authorization_type=apigw.AuthorizationType.NONE,
                        request_validator=self.request_validator,
                    )
                    self.acknowledge_public(method, f"{verb} {route.path}")
                else:
                    resource.add_method(
                        verb,
                        integrations[route.function],
                        authorizer=self.authorizer,
                        authorization_type=apigw.AuthorizationType.COGNITO,
                        request_validator=self.request_validator,
                    )

    @staticmethod
    def acknowledge_public(method: apigw.Method, what: str) -> None:
        acknowledge(
            method,
            f"{what} is public by design (declared public in rtcc.topology): health and docs, "
            "provider webhooks whose signature the function checks, resident-facing pages and their "
            "API. WAF rate limits apply.",
            "AwsSolutions-APIG4",
            "AwsSolutions-COG4",
        )

    def _queue_triggers(self, data: DataConstruct) -> None:
        for q in self.topology.queues:
            fn = self.functions[q.consumer]
            spec = self.topology.function(q.consumer)
            if q.visibility_timeout_s < spec.timeout_s:
                raise ValueError(
                    f"queue {q.name}: visibility_timeout_s ({q.visibility_timeout_s}) must be at least its "
                    f"consumer's timeout_s ({spec.timeout_s}), or messages are redelivered mid-run"
                )
            # A cap per queue (the mapping's maximum concurrency), not reserved concurrency:
            # consumers in an account with a low Lambda quota (10 on a new account) must not
            # take every slot from the API and the webhooks. Reserving concurrency for those
            # is impossible there (AWS keeps 10 unreserved), and reserving a consumer's would
            # make Lambda throttle the batches it receives over the limit, which counts
            # towards max_receive_count and dead-letters messages nothing was wrong with; the
            # mapping's cap just stops polling.
            fn.add_event_source(
                event_sources.SqsEventSource(
                    data.queues[q.name],
                    batch_size=q.batch_size,
                    report_batch_item_failures=True,
                    max_concurrency=q.max_concurrency,
                )
            )

    def _schedules(self) -> None:
        for schedule in self.topology.schedules:
            fn = self.functions[schedule.function]
            # A failed run is not retried by Lambda (it would run the whole job again within
            # minutes, overlapping); the next scheduled run picks up what is left.
            fn.configure_async_invoke(retry_attempts=0)
            events.Rule(
                self,
                f"{_pascal(schedule.function)}Schedule",
                description=f"rtcc: runs {schedule.function} every {schedule.every_minutes} minutes",
                schedule=events.Schedule.rate(Duration.minutes(schedule.every_minutes)),
                # EventBridge retries only a failed delivery (throttling), not a failed run.
                targets=[targets.LambdaFunction(fn, retry_attempts=2)],
            )
