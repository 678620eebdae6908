"""The WAF in front of the stage, evaluated request by request (tests/infra/waf_eval.py):
what each rule looks at and how its rate limits add up for real traffic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rtcc.topology import TOPOLOGY

from tests.infra.waf_eval import Request, applies, busiest_keys, matches, rate_key

pytestmark = pytest.mark.infra

WEB_PUBLIC = Path(__file__).resolve().parents[2] / "web" / "public"
TWILIO_SIGNED = {"X-Twilio-Signature": "bm90IGNoZWNrZWQgYnkgV0FG"}


def _rules(synth) -> dict[str, dict]:
    _, acl = synth.one("AWS::WAFv2::WebACL")
    return {r["Name"]: r for r in acl["Properties"]["Rules"]}


def _managed(synth) -> list[dict]:
    return [r for r in _rules(synth).values() if "ManagedRuleGroupStatement" in r["Statement"]]


def _rate(synth) -> list[dict]:
    return [r for r in _rules(synth).values() if "RateBasedStatement" in r["Statement"]]


def _host_paths():
    from infra.constructs.api import STAGE_NAME

    return ("", f"/{STAGE_NAME}")  # custom domain; execute-api URL with the stage


def test_waf_on_the_stage_with_managed_rules_and_configured_limits(synth):
    acl_id, _ = synth.one("AWS::WAFv2::WebACL")
    rules = _rules(synth)
    assert {r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in _managed(synth)} == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
    }
    limits = {r["Name"]: r["Statement"]["RateBasedStatement"]["Limit"] for r in _rate(synth)}
    config = synth.config
    assert limits == {
        "RateLimitPerIpCeiling": config.waf_ip_ceiling,
        "RateLimitPerSignedInUser": config.waf_user_rate_limit,
        "RateLimitPerClientIp": config.waf_rate_limit,
    }
    for rule in _rate(synth):
        assert "Block" in rule["Action"], rule["Name"]
        assert rule["Statement"]["RateBasedStatement"]["EvaluationWindowSec"] == 300
    assert "Block" in rules["BlockUnsignedTwilioWebhooks"]["Action"]
    _, association = synth.one("AWS::WAFv2::WebACLAssociation")
    assert association["Properties"]["WebACLArn"]["Fn::GetAtt"][0] == acl_id
    stage_id, _ = synth.one("AWS::ApiGateway::Stage")
    assert stage_id in json.dumps(association["Properties"]["ResourceArn"])


def test_managed_rules_never_inspect_a_webhook(synth):
    """A tip texted as "<script>" or "../" must reach the function: a 403 from a body rule
    is never retried by Twilio, and the tip would be lost."""
    from infra.constructs.api import WEBHOOK_PREFIX

    webhook_routes = [r.path for r in TOPOLOGY.routes if "webhooks" in r.path]
    assert webhook_routes and all(p.startswith(WEBHOOK_PREFIX) for p in webhook_routes)
    groups = _managed(synth)
    assert groups
    for group in groups:
        name = group["Name"]
        for host_path in _host_paths():
            for route in webhook_routes:
                assert not applies(group, Request(f"{host_path}{route}", headers=TWILIO_SIGNED)), name
            # Everything else is inspected, spelled however it is.
            for path in (
                "/api/public/tips",
                "/api/public/webhooks/x",
                "/api/webhooks/twilio/tips",
                "/tip",
                "/webhooks",  # not under the prefix
                "/WEBHOOKS/twilio/tips",  # API Gateway paths are case-sensitive
                "/webhooks/../api/public/tips",
                "/webhooks/%2e%2e/api/public/tips",
                "//api/public/webhooks/x",
            ):
                assert applies(group, Request(f"{host_path}{path}")), (name, path)
        assert applies(group, Request("/dev/webhooks/twilio/tips")), name  # not our stage


def _console_load(ip: str) -> list[Request]:
    """What one browser fetches opening the console: every file the site serves (an upper
    bound: S3-backed, sent with no-cache) and /config.json, none with a token; but not the
    files no console page asks for (the public pages, the API docs' Swagger UI, licences)."""
    never = ("vendor/swagger-ui/",)
    files = [
        f"/{rel}"
        for p in WEB_PUBLIC.rglob("*")
        if p.is_file()
        and not (rel := p.relative_to(WEB_PUBLIC).as_posix()).startswith(never)
        and not (rel.endswith(".html") and rel != "index.html")
        and "LICENSE" not in p.name.upper()
    ]
    assert len(files) > 20
    return [Request(f"/prod{f}", ip=ip) for f in ["/", "/config.json", *files]]


def _department(consoles: int, ip: str = "203.0.113.10") -> list[Request]:
    """Five minutes of `consoles` signed-in consoles behind one NAT: each loads the console
    and polls the tips feed every 3 s (100 polls), each with its own token."""
    requests = []
    for n in range(consoles):
        token = {"Authorization": f"Bearer eyJ.officer-{n}.sig"}
        requests += _console_load(ip)
        requests += [Request("/prod/api/tips/feed", ip=ip, headers=token)] * 100
        requests += [Request("/prod/api/tips", ip=ip, headers=token)] * 5
    return requests


def test_a_department_behind_one_ip_stays_under_every_limit(synth):
    # The case: 20 consoles polling every 3 s are 2,000 requests per 5 minutes
    # from one address, the whole of the old per-IP limit.
    rules = _rate(synth)
    for consoles in (1, 20, 100):
        peaks = busiest_keys(rules, _department(consoles))
        limits = {r["Name"]: r["Statement"]["RateBasedStatement"]["Limit"] for r in rules}
        over = {name: (peaks[name], limits[name]) for name in peaks if peaks[name] > limits[name]}
        assert not over, f"{consoles} consoles behind one IP: {over}"


def test_each_signed_in_console_has_its_own_budget(synth):
    (rule,) = [r for r in _rate(synth) if r["Name"] == "RateLimitPerSignedInUser"]
    a = Request("/prod/api/tips/feed", headers={"Authorization": "Bearer a"})
    b = Request("/prod/api/tips/feed", headers={"Authorization": "Bearer b"})
    assert rate_key(rule, a) and rate_key(rule, b) and rate_key(rule, a) != rate_key(rule, b)
    # A console overdoing it is limited alone.
    peaks = busiest_keys([rule], [a] * (synth.config.waf_user_rate_limit + 1) + [b] * 10)
    assert peaks["RateLimitPerSignedInUser"] > synth.config.waf_user_rate_limit


def test_anonymous_callers_are_still_limited_per_ip(synth):
    limit = synth.config.waf_rate_limit
    rules = _rate(synth)
    # The web tip form's API, with or without a made-up token: a token buys nothing on a
    # public route.
    for headers in ({}, {"Authorization": "Bearer made-up"}):
        for host_path in _host_paths():
            spam = [Request(f"{host_path}/api/public/tips", headers=headers)] * (limit + 1)
            assert busiest_keys(rules, spam)["RateLimitPerClientIp"] > limit, (headers, host_path)
    # The staff API without a token, and /config.json.
    for path in ("/prod/api/tips", "/prod/config.json", "/prod/api/health"):
        assert busiest_keys(rules, [Request(path)] * (limit + 1))["RateLimitPerClientIp"] > limit, path
    # A path spelled to look like a webhook is not one.
    fake = [Request("/prod/webhooks/../api/public/tips")] * (limit + 1)
    assert busiest_keys(rules, fake)["RateLimitPerClientIp"] > limit


def test_made_up_tokens_from_one_ip_meet_the_ceiling(synth):
    ceiling = synth.config.waf_ip_ceiling
    flood = [Request("/prod/api/tips", headers={"Authorization": f"Bearer {n}"}) for n in range(ceiling + 1)]
    peaks = busiest_keys(_rate(synth), flood)
    assert peaks["RateLimitPerSignedInUser"] == 1 and peaks["RateLimitPerIpCeiling"] > ceiling


def test_webhooks_only_meet_the_ceiling_and_unsigned_ones_are_blocked(synth):
    rules = _rules(synth)
    unsigned_rule = rules["BlockUnsignedTwilioWebhooks"]
    ceiling = synth.config.waf_ip_ceiling
    for host_path in _host_paths():
        signed = Request(f"{host_path}/webhooks/twilio/tips", ip="54.172.60.1", headers=TWILIO_SIGNED)
        unsigned = Request(f"{host_path}/webhooks/twilio/tips", ip="54.172.60.1")
        assert not matches(unsigned_rule["Statement"], signed)
        assert matches(unsigned_rule["Statement"], unsigned)
        # A burst of replies to a city-wide alert from one Twilio address: only the flood
        # ceiling counts it, and it is far above the per-IP limit for anonymous callers.
        burst = [signed] * (synth.config.waf_rate_limit * 5)
        peaks = busiest_keys(_rate(synth), burst)
        assert peaks == {
            "RateLimitPerIpCeiling": len(burst),
            "RateLimitPerSignedInUser": 0,
            "RateLimitPerClientIp": 0,
        }
        assert len(burst) <= ceiling
        # Replies' status callbacks are Twilio's too: unsigned ones never reach the function.
        status = f"{host_path}/webhooks/twilio/tips/status"
        assert matches(unsigned_rule["Statement"], Request(status, ip="54.172.60.1"))
        assert not matches(
            unsigned_rule["Statement"], Request(status, ip="54.172.60.1", headers=TWILIO_SIGNED)
        )
    # The signature rule looks at Twilio's webhooks only.
    assert not matches(unsigned_rule["Statement"], Request("/prod/api/public/tips"))
    assert not matches(unsigned_rule["Statement"], Request("/prod/webhooks/../api/public/tips"))


def _public_route_paths() -> list[str]:
    """A concrete request path for every route the topology serves without an authorizer."""
    paths = []
    for route in TOPOLOGY.routes:
        if route.public:
            paths.append(
                route.path.replace("{proxy+}", "tips") if route.path.endswith("{proxy+}") else route.path
            )
    assert {"/api/health", "/api/docs", "/api/openapi.json", "/config.json", "/api/public/tips"} <= set(paths)
    return paths


def test_a_made_up_token_buys_no_budget_on_a_public_route(synth):
    """Public routes run their function without any authorizer, so a fresh Authorization
    header per request must not turn each into a budget of its own: they are counted per IP."""
    from infra.constructs.api import INGEST_PREFIX, WEBHOOK_PREFIX

    rules = _rate(synth)
    (per_user,) = [r for r in rules if r["Name"] == "RateLimitPerSignedInUser"]
    limit = synth.config.waf_rate_limit
    for route in _public_route_paths():
        for host_path in _host_paths():
            for path in (f"{host_path}{route}", f"{host_path}{route}/"):
                flood = [
                    Request(path, headers={"Authorization": f"Bearer made-up-{n}"}) for n in range(limit + 1)
                ]
                assert rate_key(per_user, flood[0]) is None, path
                # Webhooks and machine ingest: the ceiling only, by design (waf.py).
                if not route.startswith((WEBHOOK_PREFIX, INGEST_PREFIX)):
                    assert busiest_keys(rules, flood)["RateLimitPerClientIp"] > limit, path
    # The staff API still gives each console its own budget, on routes that only look public.
    for path in ("/prod/api/tips", "/prod/api/me", "/api/audit", "/prod/api/healthz", "/prod/api/docs-x"):
        assert rate_key(per_user, Request(path, headers={"Authorization": "Bearer a"})), path


# Spelled so that WAF, which decodes and normalizes, sees a webhook (or anything else),
# while API Gateway routes the path as sent: here to /api/public/{proxy+}.
TRAVERSALS = (
    "/api/public/tips/..%2F..%2F..%2Fwebhooks/x",
    "/api/public/tips/..%2f..%2f..%2fwebhooks/twilio/tips",
    "/api/public/tips/%2e%2e/%2e%2e/%2E%2E/webhooks/x",
    "/api/public/tips/..%5C..%5C..%5Cwebhooks/x",
    "/api/public/tips/..\\..\\webhooks/x",
    "/api/public/tips/../../../webhooks/x",
    "/api/public/tips/./x",
    "/api/public/tips/..",
    "/api/tips%2Fx",
)


def test_paths_waf_and_api_gateway_would_read_differently_are_blocked(synth):
    rules = _rules(synth)
    block = rules["BlockAmbiguousPaths"]
    assert "Block" in block["Action"]
    assert block["Priority"] < min(r["Priority"] for r in [*_rate(synth), *_managed(synth)])
    for host_path in _host_paths():
        for path in TRAVERSALS:
            for headers in ({}, TWILIO_SIGNED):
                assert matches(block["Statement"], Request(f"{host_path}{path}", headers=headers)), path
    # What browsers, consoles and Twilio send is not.
    legitimate = [*_department(2), *_console_load("192.0.2.1")]
    legitimate += [Request(f"{h}{p}") for h in _host_paths() for p in _public_route_paths()]
    legitimate += [Request("/prod/.well-known/security.txt"), Request("/prod/assets/app.v1.2.js")]
    for request in legitimate:
        assert not matches(block["Statement"], request), request.path


def test_only_a_path_sent_as_a_webhook_skips_the_managed_rules(synth):
    """The webhook exemption looks at the path as sent, not only as WAF resolves it."""
    for group in _managed(synth):
        for host_path in _host_paths():
            for path in TRAVERSALS:
                assert applies(group, Request(f"{host_path}{path}", headers=TWILIO_SIGNED)), (
                    group["Name"],
                    path,
                )
            # Resolving to a webhook is not being one.
            assert applies(group, Request(f"{host_path}/%77ebhooks/twilio/tips", headers=TWILIO_SIGNED))
            assert applies(group, Request(f"{host_path}//webhooks/twilio/tips", headers=TWILIO_SIGNED))
            assert not applies(group, Request(f"{host_path}/webhooks/twilio/tips", headers=TWILIO_SIGNED))


def test_every_waf_regex_is_one_aws_waf_accepts(synth):
    """AWS WAF refuses capturing groups and backreferences (its documented PCRE
    exceptions) and regex strings over 512 characters: a deploy would fail on either."""
    import re

    found: list[str] = []

    def walk(value):
        if isinstance(value, dict):
            if "RegexString" in value:
                found.append(value["RegexString"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(synth.resources("AWS::WAFv2::WebACL"))
    assert found
    for pattern in found:
        assert re.compile(pattern).groups == 0, f"capturing group in {pattern!r}: use (?:...)"
        assert "\\1" not in pattern and len(pattern) <= 512, pattern
