"""Modules the local stack imports at start so they can register demo seeds
(`rtcc.local.seed.register_seed`) and local-only routes
(`rtcc.local.dev_routes.register_dev_route`): each capability declares its own
(`Capability.local_modules`).

Handler modules named in the topology are imported at start as well (as Lambda's init
phase would), so a seed registered at import time of a capability's service module
also runs.
"""

from rtcc.topology import DECLARED

EXTENSION_MODULES: tuple[str, ...] = tuple(m for c in DECLARED for m in c.local_modules)
