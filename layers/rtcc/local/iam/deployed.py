"""The deployed permissions with the local stack's names in them.

The snapshot's template names resources by logical id; here every Ref, Fn::GetAtt,
Fn::Join and Fn::Sub is resolved to what the same resource is called in the emulator, so
the policies CDK synthesized can be evaluated against local requests unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from rtcc.local.iam.policy import Decision, Request, as_list, decide
from rtcc.local.iam.requests import AwsCall, queue_arn_from_url, table_arn

#: What AWS IoT accepts as a thing name (CreateThing's thingName).
_THING_NAME = re.compile(r"[a-zA-Z0-9:_-]{1,128}")


@dataclass(frozen=True)
class LocalNames:
    """What the local stack created, by the names the snapshot uses."""

    account: str
    region: str
    tables: Mapping[str, str]  # model logical name -> table name
    buckets: Mapping[str, str]  # topology name -> bucket name
    queue_urls: Mapping[str, str]  # topology name -> URL
    dlq_urls: Mapping[str, str]  # topology name -> DLQ URL
    secrets: Mapping[str, str]  # settings name -> secret ARN
    keys: Mapping[str, str]  # KMS key logical id -> local key ARN
    user_pool_id: str


@dataclass
class DeployedPermissions:
    account: str
    region: str
    role_arns: dict[str, str]  # function -> role ARN
    identity: dict[str, list[dict]]  # function -> resolved identity statements
    resource_policies: dict[str, list[dict]] = field(default_factory=dict)  # ARN -> statements
    encryption_keys: dict[str, str] = field(default_factory=dict)  # resource ARN -> key ARN
    key_arns: set[str] = field(default_factory=set)
    key_aliases: dict[str, str] = field(default_factory=dict)  # key ARN -> alias name
    # The camera agents' role (Metadata rtcc:identity = camera-agent): its statements keep
    # the ${credentials-iot:ThingName} variable, filled per caller (agent_decide).
    agent_role_arn: str | None = None
    agent_statements: list[dict] = field(default_factory=list)

    def resource_policy_for(self, resource: str) -> list[dict] | None:
        if resource in self.resource_policies:
            return self.resource_policies[resource]
        if resource.startswith("arn:aws:s3:::"):
            bucket = resource[len("arn:aws:s3:::") :].split("/", 1)[0]
            return self.resource_policies.get(f"arn:aws:s3:::{bucket}")
        return None

    def key_for(self, resource: str) -> str | None:
        """The customer-managed KMS key encrypting `resource` (a table, an object's
        bucket, a queue, a secret), if any."""
        if resource in self.encryption_keys:
            return self.encryption_keys[resource]
        if resource.startswith("arn:aws:s3:::"):
            return self.encryption_keys.get(
                "arn:aws:s3:::" + resource[len("arn:aws:s3:::") :].split("/", 1)[0]
            )
        if ":table/" in resource and "/index/" in resource:
            return self.encryption_keys.get(resource.split("/index/", 1)[0])
        if ":table/" in resource and "/stream/" in resource:
            return self.encryption_keys.get(resource.split("/stream/", 1)[0])
        return None

    def without(self, function: str, action: str) -> DeployedPermissions:
        """A copy in which `function`'s role no longer has `action` (as granted, e.g.
        "kms:Encrypt"): what a deploy with that grant removed would enforce."""
        statements = []
        for statement in self.identity[function]:
            actions = [a for a in as_list(statement.get("Action")) if a != action]
            if actions or "Action" not in statement:
                statements.append({**statement, "Action": actions} if "Action" in statement else statement)
        return replace(self, identity={**self.identity, function: statements})

    def agent_decide(self, thing: str, call: AwsCall) -> Decision:
        """A camera agent's call, as IoT's credentials provider scopes it: the agent role's
        policy with ${credentials-iot:ThingName} set to the caller's thing."""
        if self.agent_role_arn is None:
            return Decision(False, "because the template has no camera agent role (Metadata rtcc:identity)")
        if not _THING_NAME.fullmatch(thing):  # "*" would make the role's stream/${thing}/* every stream
            return Decision(False, "because no IoT thing has that name (IoT allows [a-zA-Z0-9:_-]{1,128})")
        literal = json.dumps(thing)[1:-1]  # whatever the key holds stays one JSON string
        text = json.dumps(self.agent_statements).replace("${credentials-iot:ThingName}", literal)
        request = Request(f"{self.agent_role_arn}/{thing}", call.action, call.resource, call.context)
        return decide(
            request, json.loads(text), self.resource_policy_for(call.resource), account=self.account
        )

    def decide(self, function: str, call: AwsCall) -> Decision:
        if function not in self.identity:
            return Decision(False, f"because the function {function!r} has no role in the template")
        request = Request(self.role_arns[function], call.action, call.resource, call.context)
        is_key = call.action.startswith("kms:") and call.resource in self.key_arns
        return decide(
            request,
            self.identity[function],
            self.resource_policy_for(call.resource),
            account=self.account,
            key_policy=is_key,
        )


class _Resolver:
    def __init__(self, template: dict, resources: Mapping[str, dict], names: LocalNames) -> None:
        self.template = template["Resources"]
        self.resources = resources
        self.names = names

    def role_arn(self, logical: str) -> str:
        return f"arn:aws:iam::{self.names.account}:role/{logical}"

    def ref(self, logical: str) -> str:
        n = self.names
        pseudo = {
            "AWS::AccountId": n.account,
            "AWS::Region": n.region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "Rtcc",
        }
        if logical in pseudo:
            return pseudo[logical]
        local = self.resources.get(logical)
        kind = local["kind"] if local else self.template.get(logical, {}).get("Type", "")
        if local:
            name = local["name"]
            return {
                "table": lambda: n.tables[name],
                "bucket": lambda: n.buckets[name],
                "queue": lambda: n.queue_urls[name],
                "dlq": lambda: n.dlq_urls[name],
                "secret": lambda: n.secrets[name],
                "user_pool": lambda: n.user_pool_id,
            }[kind]()
        if kind == "AWS::KMS::Key":
            return n.keys[logical].rsplit("/", 1)[-1]
        return f"unresolved-{logical}"

    def get_att(self, logical: str, attribute: str) -> str:
        n = self.names
        local = self.resources.get(logical)
        cfn_type = self.template.get(logical, {}).get("Type", "")
        if local and attribute == "Arn":
            value = self.ref(logical)
            return {
                "table": lambda: table_arn(value, n.account, n.region),
                "bucket": lambda: f"arn:aws:s3:::{value}",
                "queue": lambda: queue_arn_from_url(value, n.account, n.region),
                "dlq": lambda: queue_arn_from_url(value, n.account, n.region),
                "secret": lambda: value,
                "user_pool": lambda: f"arn:aws:cognito-idp:{n.region}:{n.account}:userpool/{value}",
            }[local["kind"]]()
        if local and local["kind"] == "table" and attribute == "StreamArn":
            return table_arn(self.ref(logical), n.account, n.region) + "/stream/*"
        if cfn_type == "AWS::KMS::Key" and attribute == "Arn":
            return n.keys[logical]
        if cfn_type == "AWS::IAM::Role" and attribute == "Arn":
            return self.role_arn(logical)
        queue_name = self.template.get(logical, {}).get("Properties", {}).get("QueueName")
        if cfn_type == "AWS::SQS::Queue" and attribute == "Arn" and isinstance(queue_name, str):
            # A queue no capability declares (a stream mapping's failure destination): the
            # local stack does not create it, but its name, hence its ARN, is in the template.
            return f"arn:aws:sqs:{n.region}:{n.account}:{queue_name}"
        return f"arn:aws:unresolved:::{logical}.{attribute}"

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, arg),) = value.items()
            if name == "Ref":
                return self.ref(arg)
            if name == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical, attribute)
            if name == "Fn::Join":
                separator, parts = arg
                return separator.join(str(self(p)) for p in parts)
            if name == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self(arg[1]))
                return re.sub(r"\$\{([^}]+)\}", lambda m: self._sub(m.group(1), variables), text)
            if name == "Fn::Select":
                index, items = arg
                return self(items)[int(index)]
            if name == "Fn::Split":
                separator, text = arg
                return str(self(text)).split(separator)
        return {k: self(v) for k, v in value.items()}

    def _sub(self, name: str, variables: Mapping[str, Any]) -> str:
        if name.startswith("!"):  # ${!x}: a literal ${x} (an IAM policy variable)
            return "${" + name[1:] + "}"
        if name in variables:
            return str(variables[name])
        if "." in name:
            logical, attribute = name.split(".", 1)
            return self.get_att(logical, attribute)
        return self.ref(name)


def _key_id(value: Any, resolve: Callable[[Any], Any], keys: Mapping[str, str]) -> str | None:
    resolved = resolve(value)
    if not isinstance(resolved, str):
        return None
    for arn in keys.values():
        if resolved in (arn, arn.rsplit("/", 1)[-1]):
            return arn
    return None


def build_permissions(snapshot: Mapping[str, Any], names: LocalNames) -> DeployedPermissions:
    template = snapshot["template"]
    resolve = _Resolver(template, snapshot["resources"], names)
    roles: dict[str, str] = dict(snapshot["roles"])
    permissions = DeployedPermissions(
        account=names.account,
        region=names.region,
        role_arns={name: resolve.role_arn(logical) for name, logical in roles.items()},
        identity=_identity_statements(template["Resources"], roles, resolve),
        key_arns=set(names.keys.values()),
        key_aliases={names.keys[k]: alias for k, alias in template_keys(snapshot).items() if alias},
    )
    agents = [
        logical
        for logical, spec in template["Resources"].items()
        if spec["Type"] == "AWS::IAM::Role"
        and (spec.get("Metadata") or {}).get("rtcc:identity") == "camera-agent"
    ]
    if agents:
        permissions.agent_role_arn = resolve.role_arn(agents[0])
        permissions.agent_statements = _identity_statements(
            template["Resources"], {"camera-agent": agents[0]}, resolve
        )["camera-agent"]
    for logical, spec in template["Resources"].items():
        _add_resource_policy(permissions, logical, spec, resolve, names)
        key_ref = _encryption_key_ref(spec)
        if key_ref is not None and logical in snapshot["resources"]:
            key = _key_id(key_ref, resolve, names.keys)
            if key:
                permissions.encryption_keys[resolve.get_att(logical, "Arn")] = key
    return permissions


def _identity_statements(
    resources: Mapping[str, Any], roles: Mapping[str, str], resolve: _Resolver
) -> dict[str, list[dict]]:
    """Each function's identity policy, resolved: the AWS::IAM::Policy resources attached
    to its role, the AWS::IAM::ManagedPolicy ones (CDK moves statements into an "overflow"
    managed policy once a role's inline policy passes IAM's size limit, as the api's does),
    and the role's inline policies."""
    identity: dict[str, list[dict]] = {name: [] for name in roles}
    by_role = {logical: name for name, logical in roles.items()}
    for spec in resources.values():
        props = spec.get("Properties", {})
        if spec["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            statements = as_list(resolve(props["PolicyDocument"])["Statement"])
            for role in as_list(props.get("Roles")):
                if isinstance(role, dict) and role.get("Ref") in by_role:
                    identity[by_role[role["Ref"]]] += statements
    for logical, name in by_role.items():
        for inline in resources[logical]["Properties"].get("Policies", []):
            identity[name] += as_list(resolve(inline["PolicyDocument"])["Statement"])
    return identity


def _add_resource_policy(
    permissions: DeployedPermissions,
    logical: str,
    spec: Mapping[str, Any],
    resolve: _Resolver,
    names: LocalNames,
) -> None:
    """The resource policy `spec` declares (a key policy, a bucket or queue policy), by
    the ARN of the resource it guards."""
    props = spec.get("Properties", {})
    kind = spec["Type"]
    if kind == "AWS::KMS::Key":
        permissions.resource_policies[names.keys[logical]] = as_list(resolve(props["KeyPolicy"])["Statement"])
    elif kind == "AWS::S3::BucketPolicy":
        bucket = resolve(props["Bucket"])
        permissions.resource_policies[f"arn:aws:s3:::{bucket}"] = as_list(
            resolve(props["PolicyDocument"])["Statement"]
        )
    elif kind == "AWS::SQS::QueuePolicy":
        statements = as_list(resolve(props["PolicyDocument"])["Statement"])
        for url in as_list(resolve(props["Queues"])):
            permissions.resource_policies[queue_arn_from_url(url, names.account, names.region)] = statements


def _encryption_key_ref(spec: Mapping[str, Any]) -> Any:
    """The customer-managed key behind a table, bucket, queue or secret (as the template
    writes it), which a caller must also be allowed to use; None when there is none."""
    props = spec.get("Properties", {})
    kind = spec["Type"]
    if kind == "AWS::DynamoDB::Table":
        return (props.get("SSESpecification") or {}).get("KMSMasterKeyId")
    if kind == "AWS::S3::Bucket":
        key_ref = None
        rules = ((props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration")) or []
        for rule in rules:
            default = rule.get("ServerSideEncryptionByDefault", {})
            if default.get("SSEAlgorithm") == "aws:kms":
                key_ref = default.get("KMSMasterKeyID")
        return key_ref
    if kind == "AWS::SQS::Queue":
        return props.get("KmsMasterKeyId")
    if kind == "AWS::SecretsManager::Secret":
        return props.get("KmsKeyId")
    return None


def template_keys(snapshot: Mapping[str, Any]) -> dict[str, str | None]:
    """KMS keys the template creates: logical id -> alias name (or None)."""
    resources = snapshot["template"]["Resources"]
    keys: dict[str, str | None] = {k: None for k, v in resources.items() if v["Type"] == "AWS::KMS::Key"}
    for spec in resources.values():
        if spec["Type"] == "AWS::KMS::Alias":
            target = spec["Properties"]["TargetKeyId"]
            if isinstance(target, dict) and target.get("Ref") in keys:
                keys[target["Ref"]] = spec["Properties"]["AliasName"]
            elif isinstance(target, dict) and "Fn::GetAtt" in target:
                keys[target["Fn::GetAtt"][0]] = spec["Properties"]["AliasName"]
    return keys


def template_versioned_buckets(snapshot: Mapping[str, Any]) -> frozenset[str]:
    """Topology names of the buckets the template versions (today every one of them,
    infra/constructs/data.py). Read from the template rather than assumed, so a local
    bucket keeps old versions and delete markers exactly where a deployed one does."""
    template = snapshot["template"]["Resources"]
    return frozenset(
        local["name"]
        for logical, local in snapshot["resources"].items()
        if local["kind"] == "bucket"
        and (template[logical].get("Properties", {}).get("VersioningConfiguration") or {}).get("Status")
        == "Enabled"
    )
