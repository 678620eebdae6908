"""What the synthesized stack contains, checked against the topology and the config."""

from __future__ import annotations

import json

import pytest
from rtcc.resources import BINARY_MEDIA_TYPES, STAFF_GROUPS, queue_url_env_var
from rtcc.topology import TOPOLOGY

from tests.infra.iam_policy import DYNAMODB_READS, allowed_actions

pytestmark = pytest.mark.infra


def _ref(value: object) -> str | None:
    return value.get("Ref") if isinstance(value, dict) else None


def _getatt(value: object) -> list | None:
    return value.get("Fn::GetAtt") if isinstance(value, dict) else None


def _method_paths(synth) -> dict[tuple[str, str], dict]:
    """(resource path, HTTP method) -> the method's properties, rebuilt from the template."""
    resources = synth.resources("AWS::ApiGateway::Resource")

    def path_of(resource_id: object) -> str:
        if _getatt(resource_id):  # the RestApi's RootResourceId
            return ""
        props = resources[_ref(resource_id)]["Properties"]
        return f"{path_of(props['ParentId'])}/{props['PathPart']}"

    methods = {}
    for props in (m["Properties"] for m in synth.resources("AWS::ApiGateway::Method").values()):
        path = path_of(props["ResourceId"]) or "/"
        methods[(path, props["HttpMethod"])] = props
    return methods


def test_one_rest_api_with_logging_and_throttling(synth):
    _, api = synth.one("AWS::ApiGateway::RestApi")
    for media_type in (*BINARY_MEDIA_TYPES, "multipart/form-data", "application/pdf", "image/*"):
        assert media_type in api["Properties"]["BinaryMediaTypes"]
    _, stage = synth.one("AWS::ApiGateway::Stage")
    props = stage["Properties"]
    # No stage tracing: test_infra_privacy.py says why.
    assert "DestinationArn" in props["AccessLogSetting"]
    access_format = json.loads(props["AccessLogSetting"]["Format"])
    assert access_format["resource"] == "$context.resourcePath"  # the template, never the concrete path
    (settings,) = props["MethodSettings"]
    assert settings["LoggingLevel"] == "ERROR" and settings["DataTraceEnabled"] is False
    assert settings["ThrottlingRateLimit"] == synth.config.api_throttle_rate
    assert settings["ThrottlingBurstLimit"] == synth.config.api_throttle_burst
    _, validator = synth.one("AWS::ApiGateway::RequestValidator")
    assert validator["Properties"]["ValidateRequestParameters"] is True


def test_gateway_errors_answer_json(synth):
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in synth.resources("AWS::ApiGateway::GatewayResponse").values()
    }
    for kind in ("UNAUTHORIZED", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX"):
        template = responses[kind]["ResponseTemplates"]["application/json"]
        # Valid JSON once API Gateway substitutes its variables.
        json.loads(template.replace("$context.error.messageString", '"x"'))
    assert responses["UNAUTHORIZED"]["StatusCode"] == "401"


def test_authorizer_on_private_routes_and_none_on_public(synth):
    authorizer_id, authorizer = synth.one("AWS::ApiGateway::Authorizer")
    assert authorizer["Properties"]["Type"] == "COGNITO_USER_POOLS"
    methods = _method_paths(synth)
    for route in TOPOLOGY.routes:
        for verb in route.methods:
            method = methods[(route.path, verb)]
            if route.public:
                assert method["AuthorizationType"] == "NONE", route.path
                assert "AuthorizerId" not in method
            else:
                assert method["AuthorizationType"] == "COGNITO_USER_POOLS", route.path
                assert _ref(method["AuthorizerId"]) == authorizer_id
    assert methods[("/api/{proxy+}", "ANY")]["AuthorizationType"] == "COGNITO_USER_POOLS"


def test_pages_and_static_folders_served_from_the_console_bucket(synth):
    methods = _method_paths(synth)
    bucket_id = synth.logical_id(synth.stack.console.bucket)
    role_id = synth.logical_id(synth.stack.console.read_role)
    expected = {
        **{(p, "GET"): key for p, key in TOPOLOGY.pages.items()},
        ("/vendor/{proxy+}", "GET"): "vendor/{proxy}",
        ("/assets/{proxy+}", "GET"): "assets/{proxy}",
        ("/i18n/{proxy+}", "GET"): "i18n/{proxy}",
    }
    for path_verb, key in expected.items():
        integration = methods[path_verb]["Integration"]
        assert integration["Type"] == "AWS" and integration["IntegrationHttpMethod"] == "GET"
        parts = integration["Uri"]["Fn::Join"][1]
        assert ":s3:path/" in parts[2] and _ref(parts[3]) == bucket_id and parts[4] == f"/{key}"
        assert _getatt(integration["Credentials"])[0] == role_id
        assert methods[path_verb]["AuthorizationType"] == "NONE"
    assert methods[("/", "GET")]["Integration"]["Uri"]["Fn::Join"][1][4] == "/index.html"


def test_user_pool_groups_mfa_and_client(synth):
    _, pool = synth.one("AWS::Cognito::UserPool")
    props = pool["Properties"]
    assert props["MfaConfiguration"] == "ON"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["Policies"]["PasswordPolicy"]["MinimumLength"] >= 14
    assert props["UserPoolTier"] == "PLUS"
    assert pool["DeletionPolicy"] == "Retain"
    groups = {g["Properties"]["GroupName"] for g in synth.resources("AWS::Cognito::UserPoolGroup").values()}
    assert groups == set(STAFF_GROUPS) == {"officer", "supervisor", "admin", "auditor"}
    _, client = synth.one("AWS::Cognito::UserPoolClient")
    cprops = client["Properties"]
    assert cprops.get("GenerateSecret", False) is False
    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} <= set(cprops["ExplicitAuthFlows"])
    assert cprops["AccessTokenValidity"] <= 60 and cprops["TokenValidityUnits"]["AccessToken"] == "minutes"


def test_kms_key_rotates_and_encrypts_tables_queues_buckets(synth):
    # The data key; the tips vault has its own key (test_tips.py).
    key_id = synth.logical_id(synth.stack.data.key)
    key = synth.template["Resources"][key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    # Every encryption key rotates. The tips pseudonym key is an HMAC key, which KMS cannot
    # rotate automatically (and a new key would split every sender's pseudonym).
    assert all(
        k["Properties"]["EnableKeyRotation"]
        for k in synth.resources("AWS::KMS::Key").values()
        if k["Properties"].get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"
    )
    for table in synth.resources("AWS::DynamoDB::Table").values():
        sse = table["Properties"]["SSESpecification"]
        assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS"
        assert _getatt(sse["KMSMasterKeyId"])[0] == key_id
    for queue in synth.resources("AWS::SQS::Queue").values():
        assert _getatt(queue["Properties"]["KmsMasterKeyId"])[0] == key_id
    media = synth.template["Resources"][synth.logical_id(synth.stack.data.buckets["media"])]["Properties"]
    rule = media["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert rule["SSEAlgorithm"] == "aws:kms" and _getatt(rule["KMSMasterKeyID"])[0] == key_id
    assert media["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(media["PublicAccessBlockConfiguration"].values())
    # No server access logs on the media bucket: test_infra_privacy.py says why.
    expirations = [r.get("ExpirationInDays") for r in media["LifecycleConfiguration"]["Rules"]]
    assert synth.config.retention.media_days in expirations


def test_tables_pitr_on_demand_protected_and_prefixed(synth):
    tables = synth.resources("AWS::DynamoDB::Table")
    assert tables
    for table in tables.values():
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["DeletionProtectionEnabled"] is True
        assert table["DeletionPolicy"] == "Retain"
        assert props["TableName"].startswith(synth.config.resource_prefix)


def test_queues_have_dead_letter_queues_and_batch_failure_reporting(synth):
    queues = {
        q["Properties"]["QueueName"]: q["Properties"] for q in synth.resources("AWS::SQS::Queue").values()
    }
    mappings = synth.resources("AWS::Lambda::EventSourceMapping").values()
    for spec in TOPOLOGY.queues:
        name = f"{synth.config.resource_prefix}{spec.name}"
        assert f"{name}-dlq" in queues
        assert queues[name]["RedrivePolicy"]["maxReceiveCount"] == spec.max_receive_count
        assert queues[name]["VisibilityTimeout"] == spec.visibility_timeout_s
        queue_id = synth.logical_id(synth.stack.data.queues[spec.name])
        consumer_id = synth.logical_id(synth.stack.api.functions[spec.consumer])
        (mapping,) = [
            m["Properties"] for m in mappings if _getatt(m["Properties"]["EventSourceArn"])[0] == queue_id
        ]
        assert _ref(mapping["FunctionName"]) == consumer_id
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["BatchSize"] == spec.batch_size
    # Besides the queues' mappings, only the audit table's stream feeds a function (audit-archive).
    from_queues = [m for m in mappings if _getatt(m["Properties"]["EventSourceArn"])[1] != "StreamArn"]
    assert len(from_queues) == len(TOPOLOGY.queues)


def test_functions_from_topology_share_the_layer_and_get_settings(synth):
    functions = synth.resources("AWS::Lambda::Function")
    layer_id = synth.logical_id(synth.stack.api.layer)
    by_handler = {f["Properties"]["Handler"]: f["Properties"] for f in functions.values()}
    for spec in TOPOLOGY.functions:
        props = by_handler[f"{spec.module}.{spec.handler}"]
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["MemorySize"] == spec.memory_mb and props["Timeout"] == spec.timeout_s
        assert props["TracingConfig"]["Mode"] == "Active"
        assert [_ref(layer) for layer in props["Layers"]] == [layer_id]
        env = props["Environment"]["Variables"]
        assert env["RTCC_ENVIRONMENT"] == "deployed"
        assert env["RTCC_TABLE_PREFIX"] == synth.config.resource_prefix
        assert env["RTCC_SMS_BACKEND"] == "twilio"
        assert env["POWERTOOLS_SERVICE_NAME"] == f"rtcc-{spec.name}"
        for var in (
            "RTCC_MEDIA_BUCKET",
            "RTCC_USER_POOL_ID",
            "RTCC_USER_POOL_CLIENT_ID",
            "RTCC_PUBLIC_BASE_URL",
            "RTCC_REGION",
        ):
            assert var in env, (spec.name, var)
        # Where to fetch a secret: only where the function may read it (grant_secret).
        granted = "RTCC_TWILIO_AUTH_TOKEN_SECRET_ARN" in env
        # The token: signatures only, on each SMS line's webhook.
        assert granted == (spec.name in ("tip-webhook", "alerts-webhook", "alert-status")), spec.name
        keyed = "RTCC_TWILIO_API_KEY_SECRET_ARN" in env
        # Not api: the alerts signup's texts go through alert-confirm (rtcc.alerts.signup_confirm);
        # plate-hit texts through lpr-notify (rtcc.lpr.hit_texts).
        texters = ("tip-media", "tip-outbound", "alert-dispatch", "alert-confirm", "lpr-notify")
        texters += ("camera-verify",)  # owners' codes and links (rtcc.cameras.verify_codes)
        texters += ("footage-notify",)  # owners' footage request notices (rtcc.cameras.evidence_jobs)
        assert keyed == (spec.name in texters), spec.name
        for queue in TOPOLOGY.queues:
            assert queue_url_env_var(queue.name) in env
        # No secret value ever sits in the environment, only where to fetch it.
        assert "RTCC_TWILIO_AUTH_TOKEN" not in env and "RTCC_TWILIO_API_KEY" not in env


#: Every DynamoDB action that changes or removes an item, or the table itself.
DYNAMODB_CHANGES = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:UpdateTable",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTimeToLive",
    "dynamodb:RestoreTableFromBackup",
)


def test_functions_only_append_to_the_audit_table(synth):
    """A compromised function must not be able to rewrite or delete the chain's tail: the
    functions that append may read (Query, what AuditLog uses for the head and verify) and
    conditionally put; the anchor publisher may only read; the rest get nothing."""
    from infra.constructs.api import AUDIT_ACTIONS

    assert set(AUDIT_ACTIONS) == {"dynamodb:PutItem", "dynamodb:Query"}
    audit = synth.logical_id(synth.stack.data.tables["audit"])
    data_key = synth.logical_id(synth.stack.data.key)
    every_action = (*DYNAMODB_READS, *DYNAMODB_CHANGES, "dynamodb:ConditionCheckItem")
    expected = {
        "api": set(AUDIT_ACTIONS),
        "tip-webhook": set(),  # refusals are counted, then summarised by refusal-summary
        "alerts-webhook": set(),  # the same
        "retention": set(AUDIT_ACTIONS),
        "refusal-summary": set(AUDIT_ACTIONS),
        "audit-anchor": {"dynamodb:Query"},
        # Reads the table's stream (its ARN is an attribute of the table) for the
        # write-once copy; never the table's items, never a write.
        "audit-archive": {"dynamodb:GetRecords"},
        "tip-media": set(),
        "tip-outbound": set(),
        "alert-dispatch": set(),  # sends; the supervisor's send and cancel are audited by api
        "alert-status": set(),  # refusals counted, like the webhooks
        "alert-confirm": set(),  # a signup is a resident's act on the public page, not staff's
        "lpr-ingest": set(),  # a reader's reads are data, not a person's act; refusals are counted
        "lpr-import": set(),  # api audits who started an import and what it switched to
        "lpr-notify": set(),
        "cameras-cad": set(AUDIT_ACTIONS),  # CAD's incidents opened and closed
        "camera-verify": set(),  # texts codes and links; the api audits the owners' writes
        "camera-streams": set(),  # streams and the city sync: no person's act
        "footage-notify": set(),  # notices: the api audited the request
        "evidence-intake": set(AUDIT_ACTIONS),  # chain of custody: a clip received or refused
        "evidence-export": set(AUDIT_ACTIONS),  # chain of custody: a case exported
        "video-clip": set(AUDIT_ACTIONS),  # chain of custody: a camera's clip received
    }
    assert set(synth.stack.api.functions) == set(expected)
    for name, actions in expected.items():
        assert allowed_actions(synth, name, audit, every_action) == actions, name
        if actions:
            # The table is encrypted with the data key: DynamoDB decrypts its table key
            # with the caller's permission.
            assert "kms:Decrypt" in allowed_actions(synth, name, data_key, ("kms:Decrypt",)), name


def test_grant_table_refuses_the_audit_table(synth):
    api = synth.stack.api
    with pytest.raises(ValueError, match="append-only"):
        api.grant_table(api.functions["api"], "audit", ("dynamodb:PutItem",))


def test_alarms_on_every_function_dlq_and_api_5xx_plus_dashboard(synth):
    alarms = list(synth.resources("AWS::CloudWatch::Alarm").values())
    topic_id, topic = synth.one("AWS::SNS::Topic")
    assert "KmsMasterKeyId" in topic["Properties"]
    for alarm in alarms:
        assert [_ref(a) for a in alarm["Properties"]["AlarmActions"]] == [topic_id]

    def alarmed(metric: str, dimension_ref: str) -> bool:
        return any(
            a["Properties"].get("MetricName") == metric
            and any(_ref(d["Value"]) == dimension_ref for d in a["Properties"].get("Dimensions", []))
            for a in alarms
        )

    for name, fn in synth.stack.api.functions.items():
        assert alarmed("Errors", synth.logical_id(fn)), name
    for name, dlq in synth.stack.data.dead_letter_queues.items():
        dlq_id = synth.logical_id(dlq)
        assert any(
            a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
            and any(
                _getatt(d["Value"]) and _getatt(d["Value"])[0] == dlq_id
                for d in a["Properties"]["Dimensions"]
            )
            for a in alarms
        ), name
    assert any(
        a["Properties"].get("MetricName") == "5XXError" and a["Properties"]["Statistic"] == "Average"
        for a in alarms
    )
    synth.one("AWS::CloudWatch::Dashboard")
    _, subscription = synth.one("AWS::SNS::Subscription")
    assert subscription["Properties"]["Endpoint"] == synth.config.alarm_email
    assert subscription["Properties"]["Protocol"] == "email"
    assert _ref(subscription["Properties"]["TopicArn"]) == topic_id


def test_twilio_secret_is_created_and_exported(synth):
    secrets = synth.resources("AWS::SecretsManager::Secret")
    twilio_id = synth.logical_id(synth.stack.data.secrets["twilio_auth_token"])
    assert twilio_id in secrets
    outputs = synth.template["Outputs"]
    assert any(_ref(o["Value"]) == twilio_id for o in outputs.values())


def test_dashboard_graphs_every_counter_the_functions_emit(synth):
    """Each rtcc.metrics.count(...) name in functions/ has a dashboard widget, and back."""
    import re
    import sys
    from pathlib import Path

    from rtcc.sms.line import declared_lines

    from infra.constructs.observability import OUTCOME_COUNTERS

    emitted = set()
    # The SMS webhooks' counting lives in the platform's handler (rtcc.sms.webhook) under
    # each line's metric names, and in the line's own module (its callbacks).
    line_modules = [Path(sys.modules[line.receive.__module__].__file__) for line in declared_lines()]
    for module in [*(Path(__file__).resolve().parents[2] / "functions").glob("*.py"), *line_modules]:
        emitted |= set(re.findall(r'count\("(\w+)"', module.read_text()))
    for line in declared_lines():
        emitted |= {line.received_metric, line.refused_metric}
    assert emitted and emitted == set(OUTCOME_COUNTERS)
    _, dashboard = synth.one("AWS::CloudWatch::Dashboard")
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for name in emitted:
        assert f'MetricName=\\\\\\"{name}\\\\\\"' in body or name in body


def test_refusal_counters_are_added_to_by_the_webhook_and_read_by_the_summary_only(synth):
    """Issue 8 #2: a refused request is one ADD on a counter (UpdateItem), nothing more;
    only the every-minute summariser reads counters (by key) and claims minutes."""
    table = synth.logical_id(synth.stack.data.tables["refusals"])
    every_action = (*DYNAMODB_READS, *DYNAMODB_CHANGES, "dynamodb:ConditionCheckItem")
    users = {
        n: allowed_actions(synth, n, table, every_action)
        for n in synth.stack.api.functions
        if allowed_actions(synth, n, table, every_action)
    }
    assert users == {
        "tip-webhook": {"dynamodb:UpdateItem"},
        "alerts-webhook": {"dynamodb:UpdateItem"},
        "alert-status": {"dynamodb:UpdateItem"},
        "lpr-ingest": {"dynamodb:UpdateItem"},
        "cameras-cad": {"dynamodb:UpdateItem"},  # the CAD webhook's door
        "refusal-summary": {"dynamodb:BatchGetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"},
    }
    (rule,) = [
        r
        for r in synth.resources("AWS::Events::Rule").values()
        if "refusal-summary" in r["Properties"].get("Description", "")
    ]
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
