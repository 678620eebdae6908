"""Has this config's stack ever been created? `make deploy` asks before it deploys.

A CloudFormation create that fails rolls back, but what it made with DeletionPolicy Retain
stays, and rtcc's tables have fixed names (`<resource_prefix><table>`): the retry would
fail with "already exists" until someone deleted them by hand, past deletion protection.
So while the stack has never been created, `make deploy` deploys once with
`-c first_deploy=true` (tables and user pool unprotected and RetainExceptOnCreate, no
termination protection: a rollback deletes what it created, and the CDK CLI deletes a
rolled-back stack before trying again), then once more as usual, which turns every
protection on before anything is stored.

    python -m infra.first_deploy city.toml   # prints "yes" or "no"; exit 1 if AWS cannot be asked
"""

from __future__ import annotations

import sys

from infra.config import ConfigError, DeployConfig, config_path, load_config

#: Stack states in which no create has ever succeeded. (A deleted stack is not found by name.)
NEVER_CREATED = frozenset(
    {
        "REVIEW_IN_PROGRESS",  # a change set was made and never executed
        "CREATE_IN_PROGRESS",
        "CREATE_FAILED",
        "ROLLBACK_IN_PROGRESS",
        "ROLLBACK_FAILED",
        "ROLLBACK_COMPLETE",
    }
)


def is_first_deploy(status: str | None) -> bool:
    """`status`: the stack's StackStatus, None when there is no such stack."""
    return status is None or status in NEVER_CREATED


def stack_status(config: DeployConfig, *, session=None) -> str | None:
    import boto3
    from botocore.exceptions import ClientError

    client = (session or boto3.Session()).client("cloudformation", region_name=config.region)
    try:
        stacks = client.describe_stacks(StackName=config.stack_name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return stacks[0]["StackStatus"] if stacks else None


def main(argv: list[str]) -> int:
    try:
        config = load_config(config_path(argv[0] if argv else None))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        status = stack_status(config)
    except Exception as exc:  # no credentials, no network: say so, deploy nothing
        print(f"cannot read stack {config.stack_name} in {config.region}: {exc}", file=sys.stderr)
        return 1
    print("yes" if is_first_deploy(status) else "no")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
