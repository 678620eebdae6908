"""`rtcc dev`: the local stack (AWS emulator, API gateway stand-in, SQS pollers, demo data).

Only the CLI and tests import this package; deployed Lambdas never do.
"""

from rtcc.local.dev_routes import register_dev_route  # noqa: F401
from rtcc.local.seed import SeedContext, register_seed  # noqa: F401
from rtcc.local.stack import LocalStack  # noqa: F401
