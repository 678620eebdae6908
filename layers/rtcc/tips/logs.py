"""Tips modules log through stdlib loggers under `rtcc.tips`; a tips function routes them
through its Powertools logger so they come out as the same structured JSON lines.

Log lines carry tip codes, media ids and outcomes; never a phone number, a pseudonym or
a message body.
"""

from __future__ import annotations

import logging

from aws_lambda_powertools import Logger


def route_tips_logs(source: Logger) -> None:
    package = logging.getLogger("rtcc.tips")
    package.handlers = list(source.handlers)
    package.setLevel(source.log_level)
    package.propagate = False
