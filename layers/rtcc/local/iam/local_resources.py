"""The resources the template creates that the emulator would otherwise lack: its KMS
keys (under the template's aliases) and its secrets (holding the local settings' values),
so functions use them exactly as deployed (Secrets Manager, the vault key) and are held
to the same key policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID

from rtcc.local.iam.deployed import DeployedPermissions, LocalNames, build_permissions, template_keys
from rtcc.local.provision import aws_client
from rtcc.resources import Resources
from rtcc.secrets import local_secret_value
from rtcc.settings import Settings


@dataclass
class DeployedResources:
    snapshot: dict[str, Any]
    resources: Resources
    region: str
    keys: dict[str, str]  # logical id -> key ARN
    secrets: dict[str, str]  # settings name -> secret ARN
    queue_urls: dict[str, str]
    dlq_urls: dict[str, str]
    env: dict[str, str]

    def permissions(self, user_pool_id: str) -> DeployedPermissions:
        tables = {t.logical_name: t.table_name for t in self.resources.tables}
        buckets = {b.logical_name: b.name for b in self.resources.buckets}
        names = LocalNames(
            account=DEFAULT_ACCOUNT_ID,
            region=self.region,
            tables=tables,
            buckets=buckets,
            queue_urls=self.queue_urls,
            dlq_urls=self.dlq_urls,
            secrets=self.secrets,
            keys=self.keys,
            user_pool_id=user_pool_id,
        )
        return build_permissions(self.snapshot, names)


def create_deployed_keys_and_secrets(
    snapshot: dict[str, Any], resources: Resources, endpoint_url: str, settings: Settings
) -> DeployedResources:
    kms = aws_client("kms", endpoint_url, settings.region)
    keys: dict[str, str] = {}
    template_resources = snapshot["template"]["Resources"]
    for logical, alias in template_keys(snapshot).items():
        arn = kms.create_key(**_key_spec(logical, template_resources[logical]))["KeyMetadata"]["Arn"]
        if alias:
            kms.create_alias(AliasName=alias, TargetKeyId=arn)
        keys[logical] = arn

    secrets_client = aws_client("secretsmanager", endpoint_url, settings.region)
    secrets: dict[str, str] = {}
    env: dict[str, str] = {}
    template = snapshot["template"]["Resources"]
    for logical, local in snapshot["resources"].items():
        if local["kind"] != "secret":
            continue
        name = local["name"]
        # The local value from whichever settings model declares it (platform or capability).
        value = local_secret_value(name)
        kwargs: dict[str, Any] = {"Name": f"{settings.table_prefix}{name}", "SecretString": value}
        key_ref = template[logical]["Properties"].get("KmsKeyId")
        if isinstance(key_ref, dict) and "Fn::GetAtt" in key_ref:
            kwargs["KmsKeyId"] = keys[key_ref["Fn::GetAtt"][0]]
        arn = secrets_client.create_secret(**kwargs)["ARN"]
        secrets[name] = arn
        env[f"RTCC_{name.upper()}_SECRET_ARN"] = arn

    sqs = aws_client("sqs", endpoint_url, settings.region)
    queue_urls = {}
    dlq_urls = {}
    for queue in resources.queues:
        queue_urls[queue.spec.name] = sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
        dlq_urls[queue.spec.name] = sqs.get_queue_url(QueueName=queue.dlq_name)["QueueUrl"]
    return DeployedResources(snapshot, resources, settings.region, keys, secrets, queue_urls, dlq_urls, env)


def _key_spec(logical: str, spec: dict[str, Any]) -> dict[str, Any]:
    """CreateKey's arguments for a template key: its spec and usage as declared (an HMAC
    key for GenerateMac is not a symmetric one; moto refuses the other's operations, as
    KMS does). The key policy is not passed: the enforcer applies the template's."""
    props = spec.get("Properties", {})
    kwargs: dict[str, Any] = {"Description": f"rtcc local: {logical}"}
    for name in ("KeySpec", "KeyUsage"):
        if props.get(name):
            kwargs[name] = props[name]
    return kwargs
