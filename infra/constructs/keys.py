"""KMS keys that guard residents' numbers, built one way for every capability.

Two patterns, each used by tips and alerts:
- a vault key: numbers sealed under an encryption context naming what they belong to, and a
  key policy that denies Decrypt (and ReEncryptFrom, which amounts to it) to every principal
  but the named roles, whatever their IAM policies say;
- a lookup key (HMAC_256): a number's keyed hash finds its record, and the key policy denies
  GenerateMac/VerifyMac to every principal but the named roles, so nobody else (an
  administrator's IAM rights included) can hash the city's numbers to find who is there.

The account statement CDK writes (kms:* for the account root) keeps each key manageable; an
administrator could still rewrite a policy, which CloudTrail records.
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

#: The only MAC algorithm the lookup keys are used with.
_HMAC_ALGORITHM = {"StringEquals": {"kms:MacAlgorithm": "HMAC_SHA_256"}}


def role_arns(functions: Iterable[lambda_.Function]) -> list[str]:
    roles = [fn.role for fn in functions]
    assert all(role is not None for role in roles)
    return [role.role_arn for role in roles]  # type: ignore[union-attr]


def only(key: kms.Key, sid: str, actions: list[str], users: Iterable[lambda_.Function]) -> None:
    """Key policy: nobody but `users`' roles may do `actions` with `key` (no users: nobody)."""
    arns = role_arns(users)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid=sid,
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=actions,
            resources=["*"],  # in a key policy "*" means this key
            conditions={"ArnNotEquals": {"aws:PrincipalArn": arns}} if arns else None,
        )
    )


def only_decrypt(key: kms.Key, sid: str, readers: Iterable[lambda_.Function]) -> None:
    """Nobody but `readers` opens what `key` sealed (ReEncryptFrom would decrypt into another key)."""
    only(key, sid, ["kms:Decrypt", "kms:ReEncryptFrom"], readers)


def sealed_context(context_key: str) -> dict:
    """The condition binding a ciphertext to exactly one encryption-context key: it must be
    there, and nothing else may be added to (or left out of) the context."""
    return {
        "Null": {f"kms:EncryptionContext:{context_key}": "false"},
        "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": [context_key]},
    }


def grant(fn: lambda_.Function, action: str, key: kms.Key, conditions: dict | None = None) -> None:
    statement = iam.PolicyStatement(actions=[action], resources=[key.key_arn], conditions=conditions)
    fn.add_to_role_policy(statement)


def lookup_key(
    scope: Construct,
    construct_id: str,
    *,
    description: str,
    alias: str,
    sid: str,
    users: Iterable[lambda_.Function],
) -> kms.Key:
    """An HMAC_256 key only `users` may compute MACs with (GenerateMac granted to each,
    SHA-256 only). Its material never leaves KMS, and it is kept when the stack goes:
    deleting it would split every stored hash from its number's next text."""
    users = list(users)
    key = kms.Key(
        scope,
        construct_id,
        description=description,
        key_spec=kms.KeySpec.HMAC_256,
        key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC,
        alias=alias,
        removal_policy=RemovalPolicy.RETAIN,
    )
    # VerifyMac too: checking guesses one by one is enumeration all the same.
    only(key, sid, ["kms:GenerateMac", "kms:VerifyMac"], users)
    for fn in users:
        grant(fn, "kms:GenerateMac", key, _HMAC_ALGORITHM)
    return key
