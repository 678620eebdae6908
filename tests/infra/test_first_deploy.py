"""A failed first deploy can simply be retried; `make bootstrap` and `make deploy` use the
pinned CDK CLI and the city's config."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.infra

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_CONFIG = Path(__file__).resolve().parent / "city.test.toml"

#: Properties that give a resource a fixed physical name: a copy a rollback leaves behind
#: makes the next create of the same name fail.
FIXED_NAMES = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::ApiGateway::DomainName": "DomainName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
}


@pytest.fixture(scope="module")
def first_deploy_stack(synth, tmp_path_factory):  # after the session's synth: the layer build is cached
    from aws_cdk import assertions

    from infra.app import build_app
    from infra.config import load_config

    outdir = str(tmp_path_factory.mktemp("cdk.out.first"))
    app, stack = build_app(load_config(TEST_CONFIG), outdir=outdir, nag=False, first_deploy=True)
    return stack, assertions.Template.from_stack(stack).to_json()


def test_a_rolled_back_first_create_leaves_nothing_that_blocks_the_retry(first_deploy_stack):
    stack, template = first_deploy_stack
    # The CDK CLI deletes a stack in ROLLBACK_COMPLETE before creating it again, which
    # termination protection would refuse.
    assert stack.termination_protection is False
    named = 0
    for logical_id, resource in template["Resources"].items():
        name_property = FIXED_NAMES.get(resource["Type"])
        if not name_property or name_property not in resource.get("Properties", {}):
            continue
        named += 1
        # Deleted when the create that made it rolls back.
        assert resource.get("DeletionPolicy", "Delete") in ("Delete", "RetainExceptOnCreate"), logical_id
    assert named >= len(template_tables(template))
    for logical_id, table in template_tables(template).items():
        assert table["DeletionPolicy"] == "RetainExceptOnCreate", logical_id
        assert table["UpdateReplacePolicy"] == "Retain", logical_id
        # A protected table cannot be deleted, by a rollback either.
        assert table["Properties"]["DeletionProtectionEnabled"] is False, logical_id
    pools = [r for r in template["Resources"].values() if r["Type"] == "AWS::Cognito::UserPool"]
    (pool,) = pools
    assert pool["DeletionPolicy"] == "RetainExceptOnCreate"
    assert pool["Properties"]["DeletionProtection"] == "INACTIVE"


def template_tables(template: dict) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::DynamoDB::Table"}


def test_after_the_first_deploy_everything_is_protected_again(synth):
    assert synth.stack.termination_protection is True
    for logical_id, table in synth.resources("AWS::DynamoDB::Table").items():
        assert table["DeletionPolicy"] == "Retain", logical_id
        assert table["Properties"]["DeletionProtectionEnabled"] is True, logical_id
    _, pool = synth.one("AWS::Cognito::UserPool")
    assert pool["DeletionPolicy"] == "Retain" and pool["Properties"]["DeletionProtection"] == "ACTIVE"


def test_first_deploy_mode_changes_only_protection(synth, first_deploy_stack):
    """The two passes of `make deploy` build the same stack but for its protections."""
    _, template = first_deploy_stack

    def shape(t: dict) -> dict:
        out = {}
        for logical_id, resource in t["Resources"].items():
            props = {
                k: v
                for k, v in resource.get("Properties", {}).items()
                if k not in ("DeletionProtectionEnabled", "DeletionProtection", "Code", "Content")
            }
            out[logical_id] = (resource["Type"], json.dumps(props, sort_keys=True))
        return out

    first, later = shape(template), shape(synth.template)
    assert first.keys() == later.keys()
    differing = [k for k in first if first[k] != later[k]]
    assert not differing, differing


@pytest.mark.parametrize(
    ("status", "first"),
    [
        (None, True),
        ("REVIEW_IN_PROGRESS", True),
        ("ROLLBACK_COMPLETE", True),
        ("ROLLBACK_FAILED", True),
        ("CREATE_COMPLETE", False),
        ("UPDATE_COMPLETE", False),
        ("UPDATE_ROLLBACK_COMPLETE", False),
        ("UPDATE_ROLLBACK_FAILED", False),
    ],
)
def test_first_deploy_means_no_create_ever_succeeded(status, first):
    from infra.first_deploy import is_first_deploy

    assert is_first_deploy(status) is first


def test_stack_status_reads_the_configs_stack_in_its_region(monkeypatch):
    import boto3
    from moto import mock_aws

    from infra.config import load_config
    from infra.first_deploy import stack_status

    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(var, "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    config = load_config(TEST_CONFIG)
    with mock_aws():
        assert stack_status(config) is None
        template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}}}
        # Same name in another region is another stack.
        boto3.client("cloudformation", region_name="us-east-1").create_stack(
            StackName=config.stack_name, TemplateBody=json.dumps(template)
        )
        assert stack_status(config) is None
        boto3.client("cloudformation", region_name=config.region).create_stack(
            StackName=config.stack_name, TemplateBody=json.dumps(template)
        )
        assert stack_status(config) == "CREATE_COMPLETE"


def _make_n(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("CONFIG", "RTCC_DEPLOY_CONFIG", "CDK_ARGS")}
    result = subprocess.run(
        ["make", "-n", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    return result.stdout + result.stderr


def _cdk_lines(output: str, verb: str) -> list[str]:
    return [line for line in output.splitlines() if f"cdk {verb}" in line]


@pytest.mark.parametrize("target", ["bootstrap", "deploy"])
def test_bootstrap_and_deploy_use_the_pinned_cli_and_the_citys_config(target):
    output = _make_n(target, "CONFIG=cities/x.toml")
    lines = output.splitlines()
    npm_ci = [i for i, line in enumerate(lines) if line.startswith("npm ci --prefix infra")]
    cdk = [i for i, line in enumerate(lines) if f"cdk {target}" in line]
    assert npm_ci and cdk and npm_ci[0] < cdk[0], output
    for i in cdk:
        assert '--app ".venv/bin/python infra/app.py"' in lines[i], lines[i]
        assert '-c config="cities/x.toml"' in lines[i], lines[i]
    pinned = json.loads((REPO_ROOT / "infra" / "package.json").read_text())["devDependencies"]["aws-cdk"]
    assert pinned[0].isdigit(), "infra/package.json must pin an exact aws-cdk version"


def test_deploy_takes_the_config_from_rtcc_deploy_config_too():
    env_output = subprocess.run(
        ["make", "-n", "bootstrap"],
        cwd=REPO_ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "CONFIG"}, "RTCC_DEPLOY_CONFIG": "y.toml"},
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert '-c config="y.toml"' in _cdk_lines(env_output, "bootstrap")[0]


@pytest.mark.parametrize("target", ["bootstrap", "deploy"])
def test_bootstrap_and_deploy_refuse_to_guess_the_config(target):
    output = _make_n(target)
    assert "set CONFIG=" in output and not _cdk_lines(output, target), output


def test_deploy_runs_a_protected_pass_after_a_first_deploy_pass():
    lines = _cdk_lines(_make_n("deploy", "CONFIG=x.toml"), "deploy")
    assert len(lines) == 2 and "first_deploy=true" in lines[0] and "first_deploy" not in lines[1]
