"""Secrets kept out of what the agent prints: its logs, its health page, its exceptions.

The agent handles a camera URL that may carry a password (`rtsp://user:pass@…`, or in the query:
`…/videostream.cgi?user=admin&pwd=…` as many cameras take it), AWS session tokens, SigV4
Authorization headers and motion bearer tokens. Its own messages avoid them, but a library's
may not: botocore at DEBUG logs each request with its headers (X-Amz-Security-Token,
Authorization), and an exception's text can hold a URL. `scrub` masks all of these in any text;
`ScrubFilter` applies it to every log record (message and traceback) on the handlers it is added
to, so `--log-level DEBUG` output can be pasted into an issue.
"""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    # user:password@ in any URL
    (re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s'\"]+@"), r"\1***@"),
    # secret-looking query or form parameters: ?pwd=…, &password=…, &token=…, X-Amz-Signature=…
    (
        re.compile(
            r"(?i)([?&;]\s*[\w.-]*(?:pass|pwd|secret|token|key|auth|sig|credential)[\w.-]*=)[^&;\s'\"]*"
        ),
        r"\1***",
    ),
    # headers, in HTTP or in a dict's repr: Authorization, X-Amz-Security-Token, Cookie. The whole
    # value: a PutMedia request's SigV4 signature covers only its headers, so it alone could be
    # replayed (with another body) for minutes.
    (
        re.compile(
            r"(?i)((?:authorization|x-amz-security-token|x-amz-signature|cookie)['\"]?\s*[:=]\s*(?-i:b)?['\"]?)"
            r"[^'\"\r\n&]*"
        ),
        r"\1***",
    ),
    (re.compile(r"(?i)(bearer\s+)[\w.~+/=-]+"), r"\1***"),
    # JSON or kwargs carrying AWS keys: "secretAccessKey": "…", aws_session_token='…'
    (
        re.compile(
            r"(?i)((?:secret_?access_?key|session_?token|aws_secret_access_key|aws_session_token)"
            r"['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}&]+"
        ),
        r"\1***",
    ),
]


def scrub(text: str) -> str:
    """The text with passwords in URLs, tokens, keys and Authorization headers masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class ScrubFilter(logging.Filter):
    """Masks secrets in each record's message and traceback before a handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to logging's own error path
            return True
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


#: Libraries whose DEBUG output is whole requests (headers and bodies): INFO at most.
CHATTY = ("botocore", "boto3", "urllib3", "s3transfer")


def install(level: int | str) -> None:
    """On every handler of the root logger: the filter; the chatty libraries held at INFO."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(ScrubFilter())
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    for name in CHATTY:
        logging.getLogger(name).setLevel(max(logging.INFO, numeric))
