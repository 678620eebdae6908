"""Policy checks on the synthesized app: cdk-nag, cfn-lint, bundle contents, config errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.infra

REPO_ROOT = Path(__file__).resolve().parents[2]

# CDK adds an explicit DependsOn on each function's role next to the GetAtt that already
# implies it; harmless, and not ours to change.
CFN_LINT_IGNORED = ("W3005",)


def test_cdk_nag_reports_nothing_unacknowledged(synth):
    from cdk_nag import AwsSolutionsChecks

    report = AwsSolutionsChecks(verbose=True).validate_scope(synth.stack)
    violations = [
        (v.severity, v.rule_name, [r.construct_path for r in v.violating_resources])
        for v in report.violations
    ]
    warnings = [v for v in violations if v[0] == "warning"]
    if warnings:
        print("unacknowledged cdk-nag warnings:", *warnings, sep="\n  ")
    assert [v for v in violations if v[0] == "error"] == []
    assert report.success, violations


def test_every_acknowledgment_has_a_reason(synth):
    from aws_cdk import Validations

    key = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    seen = 0
    for construct in synth.stack.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == key:
                for rule, reason in entry.data.items():
                    seen += 1
                    assert len(str(reason).strip()) > 20, f"{construct.node.path}: {rule} has no real reason"
    assert seen > 0


def test_acknowledge_refuses_an_empty_reason(synth):
    from infra.nag import acknowledge

    with pytest.raises(ValueError, match="reason"):
        acknowledge(synth.stack, "  ", "AwsSolutions-S1")


def test_cfn_lint_passes(synth):
    from cfnlint.api import ManualArgs, lint_file

    template = synth.outdir / f"{synth.stack.stack_name}.template.json"
    matches = lint_file(
        template, config=ManualArgs(ignore_checks=list(CFN_LINT_IGNORED), regions=[synth.config.region])
    )
    assert [f"{m.rule.id} {m.message} ({m.path_string})" for m in matches] == []


def test_bundles_hold_only_what_lambda_runs(synth):
    from infra.bundling import FORBIDDEN_TOP_LEVEL, FunctionBundle, LayerBundle

    layer = LayerBundle(synth.config.lambda_architecture).path() / "python"
    assert (layer / "rtcc" / "settings.py").exists()
    assert (layer / "aws_lambda_powertools").is_dir() and (layer / "pydantic_core").is_dir()
    assert not (layer / "rtcc" / "local").exists()
    for name in (*FORBIDDEN_TOP_LEVEL, "boto3", "botocore"):
        assert not (layer / name).exists(), name
    # Wheels are for Lambda's Linux and CPython 3.12, not this machine's Python.
    assert list((layer / "pydantic_core").glob("*cpython-312-aarch64-linux-gnu.so"))
    for spec_module in {f.module for f in synth.stack.api.topology.functions}:
        root = FunctionBundle(spec_module).path()
        files = sorted(
            str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != ".complete"
        )
        assert files == sorted(["functions/__init__.py", f"functions/{spec_module.split('.')[1]}.py"])


def _run_app(config: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "RTCC_DEPLOY_CONFIG": str(config),
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    }
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "infra" / "app.py")],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bad_phone_number_fails_synth_naming_the_field(tmp_path):
    example = (REPO_ROOT / "infra" / "city.example.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(example.replace('tip_line_number = "+12065550100"', 'tip_line_number = "555-0100"'))
    result = _run_app(bad)
    assert result.returncode != 0
    assert "config error: tip_line_number:" in result.stderr
    assert not (tmp_path / "cdk.out").exists()


def test_config_errors_name_each_field(tmp_path):
    from infra.config import ConfigError, load_config

    example = (REPO_ROOT / "infra" / "city.example.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(
        example.replace('alert_number = "+12065550101"', 'alert_number = "+1 206 555 0101"')
        .replace("lat = 47.6062", "lat = 147.6")
        .replace('lambda_architecture = "arm64"', 'lambda_architecture = "sparc"')
        .replace("waf_rate_limit = 2000", "waf_rate_limt = 2000")
    )
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    message = str(caught.value)
    assert "config error: alert_number: write it in E.164 form: +12065550101" in message
    assert "config error: cameras.0.lat:" in message
    assert "config error: lambda_architecture:" in message
    assert "config error: waf_rate_limt: Extra inputs are not permitted" in message
    # Model-level rules only run once every field is valid.
    bad.write_text("mfa_required = false\n" + example)  # top level: before any [table]
    with pytest.raises(ConfigError, match="config error: mfa_required: cannot be false in a deployed"):
        load_config(bad)


def _config_with(tmp_path, *replacements: tuple[str, str]):
    """The example config with each (old, new) text replaced, loaded."""
    from infra.config import load_config

    text = (REPO_ROOT / "infra" / "city.example.toml").read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "city.toml"
    path.write_text(text)
    return load_config(path)


EXAMPLE_SID = 'twilio_account_sid = "AC0123456789abcdef0123456789abcdef"'


def test_deployed_config_needs_a_real_twilio_account_sid(tmp_path):
    from rtcc.settings import Settings

    from infra.config import PLACEHOLDER_TWILIO_SID, ConfigError

    assert Settings.model_fields["twilio_account_sid"].default == PLACEHOLDER_TWILIO_SID
    with pytest.raises(ConfigError, match=r"config error: twilio_account_sid: required in a deployed"):
        _config_with(tmp_path, (EXAMPLE_SID, ""))
    with pytest.raises(ConfigError, match=r"config error: twilio_account_sid: that is the local placeholder"):
        _config_with(tmp_path, (EXAMPLE_SID, f'twilio_account_sid = "AC{"0" * 32}"'))
    with pytest.raises(ConfigError, match=r"config error: twilio_account_sid: String should match pattern"):
        _config_with(tmp_path, (EXAMPLE_SID, 'twilio_account_sid = "AC0123456789ABCDEF0123456789ABCDEF"'))
    # A dev-sandbox may leave it out (it sends no real SMS).
    sandbox = _config_with(
        tmp_path, (EXAMPLE_SID, ""), ('environment = "deployed"', 'environment = "dev-sandbox"')
    )
    assert sandbox.twilio_account_sid is None


def test_supervisor_numbers_are_e164_and_unique(tmp_path):
    from infra.config import MAX_SUPERVISOR_NUMBERS, ConfigError

    empty = "tips_supervisor_numbers = []"
    config = _config_with(tmp_path, (empty, 'tips_supervisor_numbers = ["+12065550111", "+12065550112"]'))
    assert config.tips_supervisor_numbers == ("+12065550111", "+12065550112")
    with pytest.raises(ConfigError, match=r"config error: tips_supervisor_numbers.1: write it in E.164 form"):
        _config_with(tmp_path, (empty, 'tips_supervisor_numbers = ["+12065550111", "+1 206 555 0112"]'))
    with pytest.raises(ConfigError, match=r"config error: tips_supervisor_numbers.0: not an E.164"):
        _config_with(tmp_path, (empty, 'tips_supervisor_numbers = ["555-0111"]'))
    with pytest.raises(ConfigError, match=r"config error: tips_supervisor_numbers: a number appears twice"):
        _config_with(tmp_path, (empty, 'tips_supervisor_numbers = ["+12065550111", "+12065550111"]'))
    too_many = ", ".join(f'"+1206555{1000 + i}"' for i in range(MAX_SUPERVISOR_NUMBERS + 1))
    with pytest.raises(ConfigError, match=r"config error: tips_supervisor_numbers: at most 20 numbers"):
        _config_with(tmp_path, (empty, f"tips_supervisor_numbers = [{too_many}]"))


def test_example_config_is_valid_and_commented():
    from infra.config import DEFAULT_CONFIG, DeployConfig, load_config

    config = load_config(DEFAULT_CONFIG)
    assert config.is_deployed and config.mfa
    text = DEFAULT_CONFIG.read_text()
    # Every top-level field of the model is documented in the example.
    for field in DeployConfig.model_fields:
        assert field in text, f"{field} is not in city.example.toml"
