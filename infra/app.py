"""CDK entry point: `python infra/app.py` (what `cdk synth` and `make synth` run).

Reads the deployment config (cdk context `config`, else $RTCC_DEPLOY_CONFIG, else
infra/city.example.toml) and the context flag `first_deploy` (`make deploy` sets it while
the stack has never been created: infra/first_deploy.py), builds the one stack and checks
it with cdk-nag's AWS Solutions pack: any unacknowledged finding fails synth, and the full report is written
to cdk.out/validation-report.json.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Run as a script, Python puts infra/ first on sys.path, where infra/constructs would
# shadow the `constructs` library CDK itself imports. The repo root goes there instead.
_INFRA = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _INFRA:
    sys.path[0] = str(_INFRA.parent)

from aws_cdk import App, Validations  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra.config import ConfigError, DeployConfig, config_path, load_config  # noqa: E402

#: CDK feature flags, set here rather than in cdk.json so `python infra/app.py` and the
#: tests build exactly what `cdk deploy` does.
FEATURE_FLAGS = {
    # Access-log delivery through a bucket policy (ACLs are disabled on our buckets).
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/aws-s3:createDefaultLoggingPolicy": True,
    # Merge grant statements so function policies stay far below IAM's size limit.
    "@aws-cdk/aws-iam:minimizePolicies": True,
    "@aws-cdk/aws-lambda:recognizeLayerVersion": True,
    "@aws-cdk/aws-kms:aliasNameRef": True,
    "@aws-cdk/aws-kms:reduceCrossAccountRegionPolicyScope": True,
}


def build_app(config: DeployConfig, *, outdir: str | None = None, nag: bool = True, **stack_kwargs):
    """The app and its stack for `config`, not yet synthesized (tests call this too)."""
    from infra.stack import RtccStack  # imports rtcc and every construct: after the config is known good

    # Like `cdk synth`, write cdk.out/ (the CLI passes its own choice in CDK_OUTDIR).
    outdir = outdir or os.environ.get("CDK_OUTDIR") or str(_INFRA.parent / "cdk.out")
    app = App(outdir=outdir, context=FEATURE_FLAGS)
    stack = RtccStack(app, config=config, **stack_kwargs)
    if nag:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app, stack


def main() -> int:
    context = App().node
    context_config = context.try_get_context("config")
    try:
        config = load_config(config_path(context_config))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    first_deploy = str(context.try_get_context("first_deploy") or "").lower() == "true"
    app, _ = build_app(config, first_deploy=first_deploy)
    try:
        app.synth()
    except RuntimeError as exc:  # jsii's wrapper of CDK's ValidationFailed and friends
        print(f"synth failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
