"""The web ACL in front of the API's stage: rate limits sized so a whole department behind
one address never meets them, and AWS managed rules everywhere but the webhooks.

Rate rules (requests per 5 minutes; the first that matches and is over its limit blocks):
- unsigned requests to the Twilio webhooks are blocked outright: Twilio signs every
  request it makes, so only forgeries lack `X-Twilio-Signature` (the function would
  refuse them too, after an invocation);
- paths that mean one thing to WAF and another to API Gateway are blocked outright:
  an encoded "/", "." or "\\" (`%2f`, `%2e`, `%5c`), a backslash or a dot segment as
  sent. WAF matches paths decoded and normalized, API Gateway routes them as sent, so
  "/api/public/tips/..%2F..%2Fwebhooks/x" looked like a webhook to WAF (no managed
  rules, no per-IP limit) and reached the public API. No browser or Twilio sends such
  a path;
- `waf_ip_ceiling` per client IP, over everything, webhooks included: the flood
  ceiling. A police department's consoles usually share one city NAT or carrier IP,
  so it is high (each console polls every 3 s: 100 requests per 5 minutes). Webhooks
  get no tighter limit: Twilio retries neither a 403 nor a 429, so a limit a
  legitimate burst (replies to a city-wide alert) can reach loses texts, and
  Twilio's pool of source addresses is not ours to know. Their real check is the
  signature, in the function;
- `waf_user_rate_limit` per signed-in console (its Authorization header, with its
  IP) on the staff API: each officer has their own budget, so twenty consoles
  behind one IP do not add up. A made-up token gets its own budget too but is
  refused by the Cognito authorizer before any function runs, and the ceiling
  caps how many an address can try. Every route the topology declares public
  (no authorizer: health, docs, openapi.json, the public API) is left out, or a
  fresh made-up header per request would run its function with no per-IP limit;
- `waf_rate_limit` per client IP on what runs a function without a signed-in user:
  the public API (the web tip form), health and docs, /config.json, and staff API
  calls without a token. Not on /ingest/ (plate readers' reads, api.INGEST_PREFIX): a
  vendor's cloud posts a whole fleet's reads from a few addresses, so a per-IP limit
  would drop reads; the ceiling still applies and the function checks each source's
  secret. Pages and static files (S3 reads a console loads ~30 of) only count toward
  the ceiling.

Deliberately NO WAF request logging (no AWS::WAFv2::LoggingConfiguration): a WAF
log record holds the client IP, headers and URI of every request it covers, which
for the web tip form's calls to /api/public/... would tie a tip (its created_at is
the request's time) to the tipster's IP address. A logging filter that drops only
/api/public/* and /webhooks/* is one misedit away from logging them, so rtcc logs none;
blocks are still counted in CloudWatch metrics. For the same reason, sampled
requests (AWS keeps them three hours, with client IPs) are off wherever a request
that is let through could be sampled: the default action and the rule group with a
count override. Rules that only block keep them: a blocked request stores no tip.

The ACL and its association are created in the caller's scope (the API construct), so
their logical ids are those of the API's own resources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct
from rtcc.topology import Topology

from infra.config import DeployConfig

Statement = wafv2.CfnWebACL.StatementProperty
Rule = wafv2.CfnWebACL.RuleProperty


def web_acl(
    scope: Construct,
    *,
    config: DeployConfig,
    topology: Topology,
    stage_arn: str,
    stage_name: str,
    webhook_prefix: str,
) -> wafv2.CfnWebACL:
    """The web ACL ("WebAcl" in `scope`) and its association with the stage `stage_arn`.
    `stage_name`: the stage segment WAF sees in execute-api paths; `webhook_prefix`:
    where provider webhooks live."""
    scopes = _Scopes.of(topology, _Paths(stage_name), webhook_prefix)
    acl = wafv2.CfnWebACL(
        scope,
        "WebAcl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=visibility(f"{config.resource_prefix}waf", sampled=False),
        rules=[*_block_rules(scopes), *_rate_rules(config, scopes), *_managed_rules(scopes)],
    )
    wafv2.CfnWebACLAssociation(scope, "WebAclAssociation", resource_arn=stage_arn, web_acl_arn=acl.attr_arn)
    return acl


# --- statements ---------------------------------------------------------------------------
def visibility(name: str, *, sampled: bool = True) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=sampled
    )


def _transform(kind: str, priority: int = 0) -> wafv2.CfnWebACL.TextTransformationProperty:
    return wafv2.CfnWebACL.TextTransformationProperty(priority=priority, type=kind)


def has_header(name: str) -> Statement:
    # A header that is absent matches no size constraint.
    return Statement(
        size_constraint_statement=wafv2.CfnWebACL.SizeConstraintStatementProperty(
            # A plain dict: the L1 types this field as JSON and would pass the
            # property class's keys through in lowercase ("name"), which WAF refuses.
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(single_header={"Name": name}),
            comparison_operator="GT",
            size=0,
            text_transformations=[_transform("NONE")],
        )
    )


def not_(statement: Statement) -> Statement:
    return Statement(not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=statement))


def and_(*statements: Statement) -> Statement:
    return Statement(and_statement=wafv2.CfnWebACL.AndStatementProperty(statements=list(statements)))


def or_(*statements: Statement) -> Statement:
    return Statement(or_statement=wafv2.CfnWebACL.OrStatementProperty(statements=list(statements)))


@dataclass(frozen=True)
class _Paths:
    """Path statements anchored at the start of the URI path, after an optional stage
    segment: WAF sees the stage in the path on the execute-api URL ("/prod/webhooks/...")
    and not on a custom domain."""

    stage_name: str

    def _regex(self, pattern: str, *transformations: wafv2.CfnWebACL.TextTransformationProperty) -> Statement:
        return Statement(
            regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                regex_string=f"^(?:/{self.stage_name})?{pattern}",
                text_transformations=list(transformations),
            )
        )

    def matches(self, pattern: str) -> Statement:
        """The path API Gateway routes matches `pattern`: decoded and with "//", "/./" and
        "/x/../" resolved, so "/webhooks/../api/public/tips" is not a webhook. No
        LOWERCASE: API Gateway paths are case-sensitive."""
        return self._regex(pattern, _transform("URL_DECODE", 0), _transform("NORMALIZE_PATH", 1))

    def as_sent(self, pattern: str) -> Statement:
        """The path exactly as sent (no decoding, no normalizing: what API Gateway routes
        on) matches `pattern`."""
        return self._regex(pattern, _transform("NONE"))


@dataclass(frozen=True)
class _Scopes:
    """The sets of requests the rules are about."""

    webhooks: Statement
    twilio_webhooks: Statement
    ambiguous_path: Statement
    staff_api: Statement
    runs_a_function: Statement

    @classmethod
    def of(cls, topology: Topology, paths: _Paths, webhook_prefix: str) -> _Scopes:
        prefix = re.escape(webhook_prefix)
        return cls(
            # Only paths that START with the prefix are webhooks ("/api/public/webhooks/x"
            # is not), as sent and as resolved: a path that only resolves to one is no webhook.
            webhooks=and_(paths.as_sent(prefix), paths.matches(prefix)),
            twilio_webhooks=paths.matches(re.escape(f"{webhook_prefix}twilio/")),
            ambiguous_path=_ambiguous_path(),
            staff_api=and_(
                paths.matches(re.escape("/api/")),
                not_(_public_routes(topology, paths)),
                has_header("authorization"),
            ),
            runs_a_function=or_(paths.matches(re.escape("/api/")), paths.matches(re.escape("/config.json"))),
        )


def _ambiguous_path() -> Statement:
    """Encoded separators, backslashes and dot segments, as sent (any case: %2F and %2f)."""
    return Statement(
        regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
            field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
            regex_string=r"%2f|%2e|%5c|\\|/\.\.?(?:/|$)",
            text_transformations=[_transform("LOWERCASE")],
        )
    )


def _public_routes(topology: Topology, paths: _Paths) -> Statement:
    """Routes without an authorizer, from the topology: exact ones (a trailing "/" too)
    and {proxy+} ones by their prefix."""
    alternatives = (
        re.escape(r.path[: -len("{proxy+}")]) if r.path.endswith("/{proxy+}") else f"{re.escape(r.path)}/?$"
        for r in topology.routes
        if r.public
    )
    return paths.matches("(?:" + "|".join(alternatives) + ")")


# --- rules --------------------------------------------------------------------------------
def _block(name: str, priority: int, statement: Statement) -> Rule:
    return Rule(
        name=name,
        priority=priority,
        action=wafv2.CfnWebACL.RuleActionProperty(block={}),
        statement=statement,
        visibility_config=visibility(name),
    )


def _block_rules(scopes: _Scopes) -> list[Rule]:
    return [
        _block(
            "BlockUnsignedTwilioWebhooks",
            0,
            and_(scopes.twilio_webhooks, not_(has_header("x-twilio-signature"))),
        ),
        _block("BlockAmbiguousPaths", 1, scopes.ambiguous_path),
    ]


def _rate_rule(
    name: str,
    priority: int,
    limit: int,
    scope: Statement | None,
    custom_keys: list[wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty] | None = None,
) -> Rule:
    return _block(
        name,
        priority,
        Statement(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                limit=limit,
                aggregate_key_type="CUSTOM_KEYS" if custom_keys else "IP",
                custom_keys=custom_keys,
                evaluation_window_sec=300,
                scope_down_statement=scope,
            )
        ),
    )


def _rate_rules(config: DeployConfig, scopes: _Scopes) -> list[Rule]:
    per_token_and_ip = [
        wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty(
            header=wafv2.CfnWebACL.RateLimitHeaderProperty(
                name="authorization", text_transformations=[_transform("NONE")]
            )
        ),
        wafv2.CfnWebACL.RateBasedStatementCustomKeyProperty(ip={}),
    ]
    return [
        _rate_rule("RateLimitPerIpCeiling", 2, config.waf_ip_ceiling, None),
        _rate_rule(
            "RateLimitPerSignedInUser", 3, config.waf_user_rate_limit, scopes.staff_api, per_token_and_ip
        ),
        _rate_rule(
            "RateLimitPerClientIp",
            4,
            config.waf_rate_limit,
            and_(scopes.runs_a_function, not_(scopes.staff_api)),
        ),
    ]


def _managed(name: str, priority: int, webhooks: Statement, overrides: tuple[str, ...] = ()) -> Rule:
    return Rule(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=Statement(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=name,
                rule_action_overrides=[
                    wafv2.CfnWebACL.RuleActionOverrideProperty(
                        name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                    )
                    for rule in overrides
                ]
                or None,
                # Not on webhooks: their bodies are texts residents wrote, and a tip
                # saying "<script>" or "../" would get a 403 that Twilio never
                # retries (the tip silently lost). The function checks the signature.
                scope_down_statement=not_(webhooks),
            )
        ),
        # A rule overridden to count lets its matches through: never sample those.
        visibility_config=visibility(name, sampled=not overrides),
    )


def _managed_rules(scopes: _Scopes) -> list[Rule]:
    return [
        # Bodies over 8 KB are normal here (tip photos, form posts); the API enforces
        # its own size limits and answers 413 with a JSON body.
        _managed("AWSManagedRulesCommonRuleSet", 5, scopes.webhooks, overrides=("SizeRestrictions_BODY",)),
        _managed("AWSManagedRulesKnownBadInputsRuleSet", 6, scopes.webhooks),
    ]
