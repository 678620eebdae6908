"""Staff sign-in: one Cognito user pool, a group per role, and the console's app client.

There is no self sign-up: an admin creates officer accounts. Deployed pools require a
TOTP second factor (no SMS: SIM-swap is a real threat to police accounts) and run on
the Plus feature plan, whose threat protection blocks credential stuffing and risky
sign-ins outright.

Email (invitations with a temporary password, password resets) goes through Amazon SES
when the config names a verified sender (`ses_from_email`): Cognito's own sender stops at
50 emails a day, fewer than a department's first morning of invitations.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct
from rtcc.resources import (
    CONSOLE_AUTH_FLOWS,
    CONSOLE_REFRESH_TOKEN_VALIDITY_HOURS,
    CONSOLE_TOKEN_VALIDITY_MINUTES,
    STAFF_GROUPS,
)
from rtcc.staff import STAFF_DISABLE_ACTIONS

from infra.config import DeployConfig
from infra.nag import acknowledge

# Cognito puts the lowest precedence group first in `cognito:groups`; the most powerful
# role wins when a token's role is shown.
_GROUP_PRECEDENCE = {"admin": 1, "supervisor": 2, "officer": 3, "auditor": 4}


def _protection(config: DeployConfig, first_deploy: bool) -> tuple[bool, RemovalPolicy]:
    """The pool's deletion protection and removal policy. First deploy (see
    infra/first_deploy.py): a pool that a rolled-back create leaves behind is removable,
    so the retry starts clean; the next deploy protects it."""
    if not config.is_deployed:
        return False, RemovalPolicy.DESTROY
    if first_deploy:
        return False, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE  # CloudFormation: RetainExceptOnCreate
    return True, RemovalPolicy.RETAIN


class AuthConstruct(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: DeployConfig, first_deploy: bool = False
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = self._user_pool(config, first_deploy)
        self.groups: dict[str, cognito.CfnUserPoolGroup] = {
            group: self._group(group) for group in STAFF_GROUPS
        }
        self.client = self._console_client()

    def grant_staff_disable(self, fn: lambda_.IFunction) -> None:
        """What `rtcc.staff` calls to cut a staff member off (disable, re-enable, revoke
        every refresh token), on this pool only."""
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=sorted(STAFF_DISABLE_ACTIONS), resources=[self.user_pool.user_pool_arn]
            )
        )

    def _user_pool(self, config: DeployConfig, first_deploy: bool) -> cognito.UserPool:
        protected, removal = _protection(config, first_deploy)
        user_pool = cognito.UserPool(
            self,
            "StaffPool",
            user_pool_name=f"{config.resource_prefix}staff",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True)
            ),
            mfa=cognito.Mfa.REQUIRED if config.mfa else cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=14,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            email=(
                cognito.UserPoolEmail.with_ses(
                    from_email=config.ses_from_email,
                    from_name=config.ses_from_name,
                    ses_verified_domain=config.ses_verified_domain,
                )
                if config.ses_from_email
                else None
            ),
            deletion_protection=protected,
            removal_policy=removal,
        )
        if not config.mfa:
            acknowledge(
                user_pool,
                "dev-sandbox config with mfa_required = false: a throwaway account for trying rtcc; "
                "config validation refuses this in a deployed environment.",
                "AwsSolutions-COG2",
            )
        return user_pool

    def _group(self, group: str) -> cognito.CfnUserPoolGroup:
        return cognito.CfnUserPoolGroup(
            self,
            f"{group.capitalize()}Group",
            user_pool_id=self.user_pool.user_pool_id,
            group_name=group,
            precedence=_GROUP_PRECEDENCE.get(group, 10),
            description=f"rtcc {group}s",
        )

    def _console_client(self) -> cognito.UserPoolClient:
        # The console is a public client (a browser): no secret, 5-minute tokens (they bound
        # a disabled officer's access: see rtcc.resources), and a refresh token that lasts one
        # shift and is revoked when an admin disables the user. It signs in with Cognito's API
        # (SRP or password, then TOTP), never through the hosted UI: OAuth is off, so CDK's
        # default (implicit grant, which puts tokens in URLs, and an https://example.com
        # callback) never reaches the pool.
        return self.user_pool.add_client(
            "ConsoleClient",
            user_pool_client_name="console",
            generate_secret=False,
            disable_o_auth=True,
            auth_flows=cognito.AuthFlow(
                user_password="ALLOW_USER_PASSWORD_AUTH" in CONSOLE_AUTH_FLOWS,
                user_srp="ALLOW_USER_SRP_AUTH" in CONSOLE_AUTH_FLOWS,
            ),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.minutes(CONSOLE_TOKEN_VALIDITY_MINUTES),
            id_token_validity=Duration.minutes(CONSOLE_TOKEN_VALIDITY_MINUTES),
            refresh_token_validity=Duration.hours(CONSOLE_REFRESH_TOKEN_VALIDITY_HOURS),
        )
