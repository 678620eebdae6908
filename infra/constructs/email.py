"""Sending email through SES (rtcc.email): the one grant a sending function needs.

`ses:SendEmail` on the sender's identity ARN only, with `ses:FromAddress` held to the one
From address, so a function allowed to mail owners cannot mail as anyone else the
identity covers (a domain identity covers every address of the domain). SES itself is not
created here: the city verifies the identity in SES (and leaves the sandbox) before
deploying, as it does for Cognito's staff email.
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from rtcc.email.gateway import sender_address


def identity_arn(identity: str) -> str:
    return f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:identity/{identity}"


def grant_send_email(fn: lambda_.IFunction, identity: str) -> str:
    """SendEmail (SES API v2, what rtcc.email calls) from `identity`'s From address; returns
    that address, which the caller gives the function in its settings."""
    sender = sender_address(identity)
    fn.add_to_role_policy(
        iam.PolicyStatement(
            actions=["ses:SendEmail"],
            resources=[identity_arn(identity)],
            conditions={"StringEquals": {"ses:FromAddress": sender}},
        )
    )
    return sender
