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


# --- the check asks the account `cdk deploy` deploys to -------------------------------------
# botocore's Stubber on the clients the check is handed, not moto's mock_aws(): that resets
# moto's process-wide state, the session-wide local stack of the other tests included.

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"


class Stubbed:
    """The check's three clients, in the config's region, each behind a botocore Stubber."""

    def __init__(self, config):
        import boto3
        from botocore.stub import Stubber

        from infra.first_deploy import clients_for

        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        self.clients = clients_for(config, session=session)
        self.sts = Stubber(self.clients.sts)
        self.cloudformation = Stubber(self.clients.cloudformation)
        self.dynamodb = Stubber(self.clients.dynamodb)
        self.config = config

    def __enter__(self):
        for stub in (self.sts, self.cloudformation, self.dynamodb):
            stub.activate()
        return self

    def __exit__(self, *exc):
        for stub in (self.sts, self.cloudformation, self.dynamodb):
            stub.deactivate()

    def assert_all_asked(self):
        for stub in (self.sts, self.cloudformation, self.dynamodb):
            stub.assert_no_pending_responses()

    def caller(self, account=ACCOUNT):
        self.sts.add_response(
            "get_caller_identity",
            {"Account": account, "Arn": f"arn:aws:iam::{account}:user/deployer", "UserId": "AIDAEXAMPLE"},
            {},
        )

    def stack(self, status):
        if status is None:
            self.cloudformation.add_client_error(
                "describe_stacks",
                service_error_code="ValidationError",
                service_message=f"Stack with id {self.config.stack_name} does not exist",
                http_status_code=400,
                expected_params={"StackName": self.config.stack_name},
            )
            return
        self.cloudformation.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": self.config.stack_name,
                        "StackStatus": status,
                        "CreationTime": "2024-01-01T00:00:00Z",
                    }
                ]
            },
            {"StackName": self.config.stack_name},
        )

    def tables(self, existing: dict[str, dict] | None = None):
        """`existing`: table name -> {"items": True/False/"denied", "protected": bool}."""
        from infra.first_deploy import table_names

        existing = existing or {}
        for name in table_names(self.config):
            if name not in existing:
                self.dynamodb.add_client_error(
                    "describe_table",
                    service_error_code="ResourceNotFoundException",
                    service_message=f"Requested resource not found: Table: {name} not found",
                    http_status_code=400,
                    expected_params={"TableName": name},
                )
                continue
            table = existing[name]
            self.dynamodb.add_response(
                "describe_table",
                {"Table": {"TableName": name, "DeletionProtectionEnabled": table.get("protected", True)}},
                {"TableName": name},
            )
            scan = {"TableName": name, "Select": "COUNT", "Limit": 1}
            if table["items"] == "denied":
                self.dynamodb.add_client_error(
                    "scan",
                    service_error_code="AccessDeniedException",
                    http_status_code=400,
                    expected_params=scan,
                )
            else:
                count = 1 if table["items"] else 0
                self.dynamodb.add_response("scan", {"Count": count, "ScannedCount": count}, scan)


def _config(path: Path = TEST_CONFIG):
    from infra.config import load_config

    return load_config(path)


def _pinned_config(tmp_path: Path, account: str) -> Path:
    """The test config with `account` pinned (top-level keys come before the first table)."""
    path = tmp_path / "pinned.toml"
    path.write_text(f'account = "{account}"\n' + TEST_CONFIG.read_text())
    return path


def _run(stubbed, path: Path = TEST_CONFIG, *, environ=None, settings_files=()):
    from infra.first_deploy import main

    with stubbed:
        return main(
            [str(path)], clients=stubbed.clients, environ=environ or {}, settings_files=settings_files
        )


def test_the_check_asks_in_the_configs_region_and_the_stacks_every_table():
    from infra.first_deploy import clients_for, table_names

    config = _config()
    import boto3

    session = boto3.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1")
    clients = clients_for(config, session=session)
    for client in (clients.sts, clients.cloudformation, clients.dynamodb):
        assert client.meta.region_name == config.region == "us-west-2"
    names = table_names(config)
    assert names and all(n.startswith("testville-rtcc-") for n in names)
    assert "testville-rtcc-tip-vault" in names and len(set(names)) == len(names)


def test_table_names_are_the_templates_table_names(synth):
    from infra.first_deploy import table_names

    template_names = {t["Properties"]["TableName"] for t in synth.resources("AWS::DynamoDB::Table").values()}
    assert set(table_names(synth.config)) == template_names


@pytest.mark.parametrize(
    ("status", "answer"), [(None, "yes"), ("ROLLBACK_COMPLETE", "yes"), ("UPDATE_COMPLETE", "no")]
)
def test_stack_status_decides_when_no_table_is_left_over(status, answer, capsys):
    stubbed = Stubbed(_config())
    stubbed.caller()
    stubbed.stack(status)
    if answer == "yes":
        stubbed.tables()  # only a stack never created has its table names checked
    assert _run(stubbed) == 0
    stubbed.assert_all_asked()
    out = capsys.readouterr()
    assert out.out.strip() == answer
    assert ACCOUNT in out.err and "us-west-2" in out.err  # whose stack it looked at


def test_a_pinned_account_must_be_the_credentials_account(tmp_path, capsys):
    path = _pinned_config(tmp_path, ACCOUNT)
    stubbed = Stubbed(_config(path))
    stubbed.caller(OTHER_ACCOUNT)
    assert _run(stubbed, path) == 3
    stubbed.assert_all_asked()  # and nothing asked after: no stack, no table
    out = capsys.readouterr()
    assert out.out == ""
    assert ACCOUNT in out.err and OTHER_ACCOUNT in out.err and "AWS_PROFILE" in out.err


def test_a_pinned_account_that_matches_goes_on(tmp_path, capsys):
    path = _pinned_config(tmp_path, ACCOUNT)
    stubbed = Stubbed(_config(path))
    stubbed.caller(ACCOUNT)
    stubbed.stack("UPDATE_COMPLETE")
    assert _run(stubbed, path) == 0
    assert capsys.readouterr().out.strip() == "no"


def test_empty_leftover_tables_of_a_never_created_stack_refuse_with_the_recovery_commands(capsys):
    config = _config()
    stubbed = Stubbed(config)
    stubbed.caller()
    stubbed.stack(None)
    stubbed.tables(
        {
            "testville-rtcc-audit": {"items": False, "protected": True},
            "testville-rtcc-tip-vault": {"items": False, "protected": False},
        }
    )
    assert _run(stubbed) == 3
    stubbed.assert_all_asked()
    out = capsys.readouterr()
    assert out.out == ""  # never "yes": make deploy stops
    err = out.err
    assert "REFUSING" in err and ACCOUNT in err
    for name in ("testville-rtcc-audit", "testville-rtcc-tip-vault"):
        assert f"aws dynamodb scan --region us-west-2 --table-name {name} --select COUNT" in err
        assert f"aws dynamodb delete-table --region us-west-2 --table-name {name}" in err
    # Protection is turned off only where it is on (update-table refuses a no-op).
    assert "--table-name testville-rtcc-audit --no-deletion-protection-enabled" in err
    assert "--table-name testville-rtcc-tip-vault --no-deletion-protection-enabled" not in err
    assert "HOLDS ITEMS" not in err


@pytest.mark.parametrize("contents", [True, "denied"])
def test_a_leftover_table_holding_items_is_never_offered_for_deletion(contents, capsys):
    stubbed = Stubbed(_config())
    stubbed.caller()
    stubbed.stack(None)
    stubbed.tables({"testville-rtcc-tips": {"items": contents}, "testville-rtcc-tip-feed": {"items": False}})
    assert _run(stubbed) == 3
    stubbed.assert_all_asked()
    out = capsys.readouterr()
    assert out.out == ""
    err = out.err
    assert "!!! testville-rtcc-tips" in err and "DO NOT DELETE" in err
    # Data means these are not a failed create's leftovers: no table is offered for deletion.
    assert "delete-table" not in err and "no-deletion-protection" not in err


@pytest.mark.parametrize(
    "cdk_args",
    [
        "--profile city-prod",
        "--require-approval never --profile=city-prod",
        "-c first_deploy=true",
        "-c config=other.toml",
    ],
)
def test_cdk_args_the_check_cannot_follow_are_refused_before_aws_is_asked(cdk_args, capsys):
    stubbed = Stubbed(_config())  # nothing stubbed: any call would fail the run
    assert _run(stubbed, environ={"CDK_ARGS": cdk_args}) == 3
    out = capsys.readouterr()
    assert out.out == "" and "CDK_ARGS" in out.err


def test_other_cdk_args_pass():
    from infra.first_deploy import check_cli_credentials

    check_cli_credentials("--require-approval never --role-arn arn:aws:iam::1:role/cfn", {"AWS_PROFILE": "p"})


def test_a_profile_in_the_cdk_clis_settings_is_refused(tmp_path, capsys):
    settings = tmp_path / ".cdk.json"
    settings.write_text(json.dumps({"profile": "city-prod"}))
    stubbed = Stubbed(_config())
    assert _run(stubbed, settings_files=[tmp_path / "cdk.json", settings]) == 3
    assert "city-prod" in capsys.readouterr().err


@pytest.mark.parametrize(
    "environ",
    [{"AWS_DEFAULT_PROFILE": "other"}, {"AWS_PROFILE": "city-prod", "AWS_DEFAULT_PROFILE": "other"}],
)
def test_an_aws_default_profile_boto3_would_prefer_is_refused(environ, capsys):
    stubbed = Stubbed(_config())
    assert _run(stubbed, environ=environ) == 3
    assert "AWS_DEFAULT_PROFILE" in capsys.readouterr().err


def test_the_repos_cdk_json_names_no_profile():
    from infra.first_deploy import check_cli_credentials

    check_cli_credentials("", {}, [REPO_ROOT / "cdk.json"])


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


@pytest.mark.parametrize("cdk_args", ["--profile city-prod", "--require-approval never --profile=city-prod"])
def test_deploy_refuses_a_profile_in_cdk_args(cdk_args):
    output = _make_n("deploy", "CONFIG=x.toml", f"CDK_ARGS={cdk_args}")
    assert "CDK_ARGS holds --profile" in output and "AWS_PROFILE" in output, output
    assert not _cdk_lines(output, "deploy") and "infra.first_deploy" not in output, output


def test_deploy_hands_cdk_args_to_the_check():
    output = _make_n("deploy", "CONFIG=x.toml", "CDK_ARGS=--require-approval never")
    assert len(_cdk_lines(output, "deploy")) == 2, output
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "\nexport CDK_ARGS\n" in makefile  # infra/first_deploy.py reads it from its environment
