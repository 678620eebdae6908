"""Camera agents' credentials in the synthesized template (infra/constructs/video_agents.py):
the role the IoT credentials provider assumes, held to the thing's own stream; the role alias
pointing at it; the IoT policy allowing AssumeRoleWithCertificate on that alias only for a
certificate attached to its thing; the names rtcc cameras provision uses as outputs."""

from __future__ import annotations

import pytest
from rtcc.video.provisioning import agent_names

from tests.infra.iam_policy import as_list, refs

pytestmark = pytest.mark.infra

STREAM = (
    "arn:<AWS::Partition>:kinesisvideo:<AWS::Region>:<AWS::AccountId>:stream/${credentials-iot:ThingName}/*"
)


def _joined(value: object) -> str:
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)
    return str(value)


def _agent_role(synth) -> tuple[str, dict]:
    roles = {
        logical: spec
        for logical, spec in synth.resources("AWS::IAM::Role").items()
        if spec.get("Metadata", {}).get("rtcc:identity") == "camera-agent"
    }
    assert len(roles) == 1, sorted(roles)
    return next(iter(roles.items()))


def _statements(synth, role_id: str) -> list[dict]:
    out = []
    for policy in synth.resources("AWS::IAM::Policy").values():
        if role_id in refs(policy["Properties"].get("Roles", [])):
            out += as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    return out


def test_the_camera_agent_role_is_assumed_by_iot_credentials_and_pushes_to_its_own_stream(synth):
    role_id, role = _agent_role(synth)
    trust = as_list(role["Properties"]["AssumeRolePolicyDocument"]["Statement"])
    assert [s["Principal"] for s in trust] == [{"Service": "credentials.iot.amazonaws.com"}]
    assert role["Properties"]["MaxSessionDuration"] == 3600
    assert "ManagedPolicyArns" not in role["Properties"] and "Policies" not in role["Properties"]
    (statement,) = _statements(synth, role_id)
    assert statement["Effect"] == "Allow" and "Condition" not in statement
    assert sorted(as_list(statement["Action"])) == ["kinesisvideo:GetDataEndpoint", "kinesisvideo:PutMedia"]
    assert [_joined(r) for r in as_list(statement["Resource"])] == [STREAM]


def test_the_role_alias_and_the_iot_policy(synth):
    role_id, _ = _agent_role(synth)
    names = agent_names(synth.config.resource_prefix)
    alias_id, alias = synth.one("AWS::IoT::RoleAlias")
    assert alias["Properties"]["RoleAlias"] == names["role_alias"]
    assert alias["Properties"]["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert alias["Properties"]["CredentialDurationSeconds"] == 3600
    _, policy = synth.one("AWS::IoT::Policy")
    assert policy["Properties"]["PolicyName"] == names["iot_policy"]
    (statement,) = as_list(policy["Properties"]["PolicyDocument"]["Statement"])
    assert statement == {
        "Effect": "Allow",
        "Action": "iot:AssumeRoleWithCertificate",
        "Resource": {"Fn::GetAtt": [alias_id, "RoleAliasArn"]},
        "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}},
    }


def test_no_function_may_assume_or_pass_the_agent_role(synth):
    """Only IoT's credentials provider assumes it: no Lambda role names it at all."""
    role_id, _ = _agent_role(synth)
    for name in synth.stack.api.functions:
        from tests.infra.iam_policy import role_statements

        assert role_id not in str(role_statements(synth, name)), name


def test_the_stack_outputs_name_them(synth):
    outputs = synth.template["Outputs"]
    names = agent_names(synth.config.resource_prefix)
    assert outputs["CameraAgentRoleAlias"]["Value"] == names["role_alias"]
    assert outputs["CameraAgentIotPolicy"]["Value"] == names["iot_policy"]
    assert outputs["CameraAgentRoleArn"]["Value"] == {"Fn::GetAtt": [_agent_role(synth)[0], "Arn"]}
