"""Demo data for `rtcc dev`: staff users, then whatever capabilities register.

A capability adds demo records with::

    from rtcc.local.seed import register_seed

    @register_seed
    def demo_tips(ctx: SeedContext) -> None:
        ...

Seeds run once, in registration order, after the tables and the demo users exist,
with the process environment already pointing every AWS client at the local stack.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rtcc.audit import AuditEvent, AuditLog
from rtcc.settings import Settings


@dataclass(frozen=True)
class SeedContext:
    settings: Settings
    endpoint_url: str
    users: dict[str, str]  # role -> username
    queue_urls: dict[str, str]  # queue logical name -> URL
    stack: Any  # the LocalStack, for id_token() and friends


SeedFn = Callable[[SeedContext], None]

_SEEDS: list[SeedFn] = []
_LOCK = threading.Lock()


def register_seed(fn: SeedFn) -> SeedFn:
    """Decorator/registration: `fn(ctx)` runs when a seeded local stack starts."""
    with _LOCK:
        if fn not in _SEEDS:
            _SEEDS.append(fn)
    return fn


def registered_seeds() -> list[SeedFn]:
    with _LOCK:
        return list(_SEEDS)


def run_seeds(ctx: SeedContext) -> None:
    for fn in registered_seeds():
        fn(ctx)


@register_seed
def demo_audit_entries(ctx: SeedContext) -> None:
    """A first entry so the audit screen and `rtcc audit verify` have something to show."""
    AuditLog().append(
        AuditEvent(
            actor="rtcc-dev",
            role="system",
            action="demo.seeded",
            target="local-stack",
            detail={"users": sorted(ctx.users.values())},
        )
    )
