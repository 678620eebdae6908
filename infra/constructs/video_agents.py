"""Camera agents' AWS credentials: an IoT role alias, the camera agent role behind it and the
IoT policy a camera's certificate carries (the lane-K part of the video capability).

An agent (`kvs_ingest`) holds an X.509 certificate made by `rtcc cameras provision`, attached
to an IoT thing named after its camera's stream. It asks the IoT credentials provider
(GET https://<credentials endpoint>/role-aliases/<alias>/credentials, header
x-amzn-iot-thingname, over mTLS) for short-lived keys of the camera agent role. The role's
grants name the stream through the policy variable `${credentials-iot:ThingName}`, so a
certificate can push to its own camera's stream and to nothing else; the IoT policy only lets
a certificate assume the role through the alias while it is attached to the thing it names
(`iot:Connection.Thing.IsAttached`), so a certificate cannot claim another camera's thing.

Locally the enforcer treats an agent's calls as this role (found by its Metadata
`rtcc:identity = camera-agent`), the variable replaced by the thing name.
"""

from __future__ import annotations

import json

from aws_cdk import Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_iot as iot
from constructs import Construct
from rtcc.video.provisioning import agent_names  # the names the provisioning command uses

from infra.config import DeployConfig
from infra.nag import acknowledge

#: The role's Metadata key and value the local enforcer finds the camera agent role by.
IDENTITY_METADATA = {"rtcc:identity": "camera-agent"}
#: What an agent's code calls (kvs_ingest.putmedia): where to send (GetDataEndpoint with
#: PUT_MEDIA) and the upload itself. No DescribeStream: the agent learns a deleted stream from
#: GetDataEndpoint's and PutMedia's own errors.
AGENT_ACTIONS = ("kinesisvideo:GetDataEndpoint", "kinesisvideo:PutMedia")
#: The IAM policy variable the credentials provider fills with the thing name.
THING_NAME = "${credentials-iot:ThingName}"
#: How long one set of agent credentials lasts: an hour (the provider's default), asked again
#: before it ends; a stolen set stops working soon.
CREDENTIAL_SECONDS = 3600


class VideoAgentsConstruct(Construct):
    """The role alias, the camera agent role and the IoT policy, with their names as outputs."""

    def __init__(self, scope: Construct, construct_id: str, *, config: DeployConfig) -> None:
        super().__init__(scope, construct_id)
        names = agent_names(config.resource_prefix)
        self.role = self._role(config)
        self.role_alias = iot.CfnRoleAlias(
            self,
            "RoleAlias",
            role_alias=names["role_alias"],
            role_arn=self.role.role_arn,
            credential_duration_seconds=CREDENTIAL_SECONDS,
        )
        self.iot_policy = iot.CfnPolicy(
            self,
            "IotPolicy",
            policy_name=names["iot_policy"],
            policy_document=iot_policy_document(self.role_alias.attr_role_alias_arn),
        )
        # What `rtcc cameras provision` names (it derives them from the prefix; shown for operators).
        stack = Stack.of(self)
        CfnOutput(stack, "CameraAgentRoleAlias", value=names["role_alias"])
        CfnOutput(stack, "CameraAgentIotPolicy", value=names["iot_policy"])
        CfnOutput(stack, "CameraAgentRoleArn", value=self.role.role_arn)

    def _role(self, config: DeployConfig) -> iam.Role:
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("credentials.iot.amazonaws.com"),
            description=f"rtcc {config.city_name}: camera agents push video to their own camera's stream",
            max_session_duration=Duration.hours(1),
        )
        # A camera's own stream, by its thing's name (= its stream's: rtcc cameras provision):
        # never another camera's.
        stream = f"arn:{Aws.PARTITION}:kinesisvideo:{Aws.REGION}:{Aws.ACCOUNT_ID}:stream/{THING_NAME}/*"
        role.add_to_policy(iam.PolicyStatement(actions=list(AGENT_ACTIONS), resources=[stream]))
        for key, value in IDENTITY_METADATA.items():
            role.node.default_child.add_metadata(key, value)
        acknowledge(
            role,
            "A camera's stream ends in its creation time (stream/<name>/<time>) and is named by the "
            "thing the certificate is attached to (${credentials-iot:ThingName}): one stream only.",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kinesisvideo:<AWS::Region>:"
            "<AWS::AccountId>:stream/<credentials-iot:ThingName>/*]",  # cdk-nag spells ${...} <...>
        )
        return role


def iot_policy_document(role_alias_arn: str) -> dict:
    """A certificate may assume the agent role through the alias while it is attached to the
    thing it names; no MQTT (agents do not use it)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iot:AssumeRoleWithCertificate",
                "Resource": role_alias_arn,
                "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}},
            }
        ],
    }


def policy_json(role_alias_arn: str) -> str:
    """The IoT policy as the IoT API takes it (CreatePolicy's policyDocument)."""
    return json.dumps(iot_policy_document(role_alias_arn))
