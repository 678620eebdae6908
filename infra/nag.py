"""cdk-nag acknowledgments: every one scoped to a construct and carrying its reason.

cdk-nag 3 reports through CDK's policy validation: an unacknowledged finding (error or
warning) fails synth and lands in `cdk.out/validation-report.json`. Acknowledgments are
written on the narrowest construct that owns the finding, never on the stack.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, reason: str, *rule_ids: str) -> None:
    """Accept `rule_ids` (e.g. "AwsSolutions-L1", "AwsSolutions-IAM5[Resource::*]") on `scope`
    and everything below it, for `reason`."""
    if not reason.strip():
        raise ValueError("a cdk-nag acknowledgment needs a reason")
    Validations.of(scope).acknowledge(*(Acknowledgment(id=rule_id, reason=reason) for rule_id in rule_ids))


def arn_of(construct: IConstruct) -> str:
    """How cdk-nag spells a Fn::GetAtt Arn of `construct` in an IAM5 finding: `<LogicalId.Arn>`."""
    cfn = construct if isinstance(construct, CfnResource) else construct.node.default_child
    stack = Stack.of(construct)
    return f"<{stack.resolve(stack.get_logical_id(cfn))}.Arn>"  # type: ignore[arg-type]
