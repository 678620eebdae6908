"""Has this config's stack ever been created? `make deploy` asks before it deploys.

A CloudFormation create that fails rolls back, but what it made with DeletionPolicy Retain
stays, and rtcc's tables have fixed names (`<resource_prefix><table>`): the retry would
fail with "already exists" until someone deleted them by hand, past deletion protection.
So while the stack has never been created, `make deploy` deploys once with
`-c first_deploy=true` (tables and user pool unprotected and RetainExceptOnCreate, no
termination protection: a rollback deletes what it created, and the CDK CLI deletes a
rolled-back stack before trying again), then once more as usual, which turns every
protection on before anything is stored.

Answering "never created" wrongly would deploy that unprotected pass onto a live stack, so
the answer must come from the account and region the CDK CLI deploys to:
- the same credentials: `--profile` in CDK_ARGS (or a `profile` in cdk.json, ~/.cdk.json)
  is refused, AWS_PROFILE is what both boto3 and the CDK CLI read; an AWS_DEFAULT_PROFILE
  that differs from it is refused too (boto3 prefers it, the CDK CLI does not);
- the config's pinned `account`, if any, is the credentials' account (STS);
- no table with one of the stack's fixed names exists there yet: a stack that was never
  created but whose tables exist (a failed create before first-deploy mode, a deleted
  stack's retained tables, another deployment with the same prefix) is refused, with the
  commands to remove empty leftovers and never a suggestion to delete one holding items.

    python -m infra.first_deploy city.toml   # prints "yes" or "no"
    # exit 1 if AWS cannot be asked, 3 if it refuses (the reason on stderr)
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

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

#: Exit status when the check refuses to choose (as opposed to 1: AWS could not be asked).
REFUSED = 3

# Context values that would make `cdk deploy` build another config, or the unprotected pass,
# than the one this check looked at.
_CONTEXT_OVERRIDE = re.compile(r"(?:^|=)(config|first_deploy)=")


class Refusal(Exception):
    """`make deploy` must not go on; the message tells the user what to do."""


def is_first_deploy(status: str | None) -> bool:
    """`status`: the stack's StackStatus, None when there is no such stack."""
    return status is None or status in NEVER_CREATED


# --- the same credentials as the CDK CLI ------------------------------------------------------


def check_cli_credentials(
    cdk_args: str, environ: Mapping[str, str], settings_files: Iterable[Path] = ()
) -> None:
    """Refuse whatever would make `cdk deploy` use other credentials, or build another
    config, than this check. `settings_files`: the CDK CLI's cdk.json and ~/.cdk.json."""
    try:
        tokens = shlex.split(cdk_args)
    except ValueError as exc:
        raise Refusal(f"CDK_ARGS cannot be parsed ({exc}): {cdk_args!r}") from None
    use_aws_profile = (
        "Choose the account with AWS_PROFILE instead, which boto3 and the CDK CLI both read:\n"
        "  AWS_PROFILE=city-prod make deploy CONFIG=city.toml"
    )
    for token in tokens:
        if token == "--profile" or token.startswith("--profile="):
            raise Refusal(
                "CDK_ARGS holds --profile: `make deploy` decides whether this is the stack's first "
                "deploy (deployed without deletion protection) with the credentials of the shell, "
                "and would ask another account than the one --profile deploys to.\n" + use_aws_profile
            )
        if _CONTEXT_OVERRIDE.search(token):
            raise Refusal(
                f"CDK_ARGS sets {token!r}: the config comes from CONFIG, and first_deploy is "
                "`make deploy`'s own choice; drop it from CDK_ARGS."
            )
    for path in settings_files:
        try:
            settings = json.loads(path.read_text())
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            raise Refusal(f"cannot read {path} ({exc}), which the CDK CLI reads too") from None
        if isinstance(settings, dict) and settings.get("profile"):
            raise Refusal(
                f'{path} sets "profile": {settings["profile"]!r}, which the CDK CLI uses and this '
                "check cannot follow. Remove it. " + use_aws_profile
            )
    profile, default_profile = environ.get("AWS_PROFILE"), environ.get("AWS_DEFAULT_PROFILE")
    if default_profile and default_profile != profile:
        raise Refusal(
            f"AWS_DEFAULT_PROFILE={default_profile!r} but AWS_PROFILE={profile!r}: boto3 prefers the "
            "first, the CDK CLI the second, so the check and the deploy could ask different "
            "accounts. Unset AWS_DEFAULT_PROFILE and set AWS_PROFILE."
        )


def cdk_settings_files(cwd: Path, home: Path) -> list[Path]:
    return [cwd / "cdk.json", home / ".cdk.json"]


# --- what the account holds -------------------------------------------------------------------


@dataclass(frozen=True)
class Clients:
    """The AWS clients the check uses, all in the config's region (tests stub them)."""

    sts: object
    cloudformation: object
    dynamodb: object


def clients_for(config: DeployConfig, *, session=None) -> Clients:
    import boto3

    session = session or boto3.Session()
    return Clients(
        **{
            name: session.client(name, region_name=config.region)
            for name in ("sts", "cloudformation", "dynamodb")
        }
    )


def table_names(config: DeployConfig, models: Sequence | None = None) -> list[str]:
    """The stack's fixed table names, as infra/constructs/data.py names them."""
    from rtcc.store import ALL_MODELS, table_spec

    return [f"{config.resource_prefix}{table_spec(m).logical_name}" for m in models or ALL_MODELS]


def stack_status(config: DeployConfig, clients: Clients) -> str | None:
    from botocore.exceptions import ClientError

    try:
        stacks = clients.cloudformation.describe_stacks(StackName=config.stack_name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return stacks[0]["StackStatus"] if stacks else None


@dataclass(frozen=True)
class ExistingTable:
    name: str
    deletion_protection: bool
    #: True, False, or None when it could not be read (then it may hold items).
    holds_items: bool | None


def existing_tables(names: Iterable[str], clients: Clients) -> list[ExistingTable]:
    from botocore.exceptions import ClientError

    found = []
    for name in names:
        try:
            table = clients.dynamodb.describe_table(TableName=name)["Table"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                continue
            raise
        found.append(
            ExistingTable(
                name=name,
                deletion_protection=bool(table.get("DeletionProtectionEnabled")),
                holds_items=_holds_items(name, clients),
            )
        )
    return found


def _holds_items(name: str, clients: Clients, max_pages: int = 10) -> bool | None:
    """A Scan, not DescribeTable's ItemCount: that is refreshed only every few hours."""
    from botocore.exceptions import ClientError

    kwargs: dict = {"TableName": name, "Select": "COUNT", "Limit": 1}
    try:
        for _ in range(max_pages):
            page = clients.dynamodb.scan(**kwargs)
            if page.get("Count", 0) > 0:
                return True
            if "LastEvaluatedKey" not in page:
                return False
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    except ClientError:
        return None  # e.g. no kms:Decrypt on its key: unknown, so treated as holding items
    return None


def leftover_message(
    config: DeployConfig, account: str, status: str | None, tables: list[ExistingTable]
) -> str:
    where = f"account {account}, region {config.region}"
    state = "does not exist" if status is None else f"was never created (status {status})"
    lines = [
        f"REFUSING to deploy: stack {config.stack_name} {state} in {where}, but tables with its fixed "
        "names are already there, and its first deploy would be made without deletion protection:",
        "",
    ]
    for table in tables:
        contents = {True: "HOLDS ITEMS", False: "empty", None: "COULD NOT BE READ: it may hold items"}
        lines.append(f"  {table.name}: {contents[table.holds_items]}")
    lines.append("")
    if any(table.holds_items is not False for table in tables):
        for table in tables:
            if table.holds_items is not False:
                lines.append(
                    f"!!! {table.name} {'HOLDS ITEMS' if table.holds_items else 'MAY HOLD ITEMS'}. "
                    "It may be evidence or records of an earlier deployment. DO NOT DELETE IT."
                )
        lines += [
            "",
            "These are not the leftovers of a failed create: they hold data. Check that AWS_PROFILE "
            f"names the account you meant. If they belong to another deployment in {where}, give "
            "this config another resource_prefix. If they are what a deleted stack kept, bring them "
            "back into the stack (CloudFormation resource import, `cdk import`) rather than deploying "
            "over them.",
        ]
        return "\n".join(lines)
    lines += [
        "They are most likely what a failed create left behind before `make deploy` made first "
        'deploys unprotected; the deploy would fail on them ("already exists"). With the same '
        "credentials, check that each is still empty, then delete it and run `make deploy` again:",
        "",
    ]
    for table in tables:
        on_table = f"--region {shlex.quote(config.region)} --table-name {shlex.quote(table.name)}"
        lines.append(f'  aws dynamodb scan {on_table} --select COUNT   # must show "Count": 0')
        if table.deletion_protection:
            lines.append(f"  aws dynamodb update-table {on_table} --no-deletion-protection-enabled")
        lines.append(f"  aws dynamodb delete-table {on_table}")
    return "\n".join(lines)


def decide(config: DeployConfig, clients: Clients, *, models: Sequence | None = None, log=print) -> bool:
    """Whether `make deploy` should make the unprotected first-deploy pass. Raises Refusal
    when it must not deploy at all."""
    account = clients.sts.get_caller_identity()["Account"]
    if config.account and account != config.account:
        raise Refusal(
            f"the config pins account {config.account}, but the credentials in this shell are for "
            f"account {account}. Set AWS_PROFILE to a profile of account {config.account}."
        )
    status = stack_status(config, clients)
    if not is_first_deploy(status):
        log(f"stack {config.stack_name} in account {account} ({config.region}): {status}")
        return False
    leftovers = existing_tables(table_names(config, models), clients)
    if leftovers:
        raise Refusal(leftover_message(config, account, status, leftovers))
    log(f"stack {config.stack_name} in account {account} ({config.region}): not created yet")
    return True


def main(
    argv: list[str],
    *,
    clients: Clients | None = None,
    environ: Mapping[str, str] | None = None,
    settings_files: Iterable[Path] | None = None,
) -> int:
    environ = os.environ if environ is None else environ
    try:
        config = load_config(config_path(argv[0] if argv else None))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        check_cli_credentials(
            environ.get("CDK_ARGS", ""),
            environ,
            cdk_settings_files(Path.cwd(), Path.home()) if settings_files is None else settings_files,
        )
    except Refusal as exc:
        print(exc, file=sys.stderr)
        return REFUSED
    try:
        first = decide(config, clients or clients_for(config), log=lambda m: print(m, file=sys.stderr))
    except Refusal as exc:
        print(exc, file=sys.stderr)
        return REFUSED
    except Exception as exc:  # no credentials, no network: say so, deploy nothing
        print(f"cannot read stack {config.stack_name} in {config.region}: {exc}", file=sys.stderr)
        return 1
    print("yes" if first else "no")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
