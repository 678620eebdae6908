"""`rtcc lpr import --list ID --format autovu FILE`: a hotlist file imported from a shell
through the same pipeline as the console's (the file put under uploads/, an import record,
rtcc.lpr.hotlist_import with the list's lease), against the stack the environment names
(`--endpoint http://127.0.0.1:4566` for the local emulator). Progress goes to stderr, the
summary and the first rejected rows (line and reason, never a plate) to stdout. The import
is audited as the shell's user."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SHOWN_REJECTED = 20


def add_lpr_commands(commands: Any) -> None:
    lpr = commands.add_parser("lpr", help="license-plate reads tools")
    lpr_commands = lpr.add_subparsers(dest="lpr_command", required=True)
    imp = lpr_commands.add_parser(
        "import", help="import a hotlist file into a list (a diff, then the switch-over)"
    )
    imp.add_argument("--list", dest="list_id", required=True, help="the hotlist's id")
    imp.add_argument("--format", choices=("autovu", "ncic"), default="autovu")
    imp.add_argument("--name", help="create the list with this name if it does not exist")
    imp.add_argument("--priority", type=int, default=50, help="a created list's priority (0 highest)")
    imp.add_argument("--endpoint", help="AWS endpoint URL, e.g. the local emulator http://127.0.0.1:4566")
    imp.add_argument("file", type=Path)
    imp.set_defaults(run=run_import_command)


class _PrintedLog:
    """The import record's log, with progress also printed (the shell's progress bar)."""

    def __init__(self, records: Any, total: int) -> None:
        self.records, self.total = records, max(total, 1)

    def running(self, import_id: str, bytes_total: int, now: datetime) -> None:
        self.records.running(import_id, bytes_total, now)

    def progress(self, import_id: str, bytes_read: int, now: datetime) -> None:
        self.records.progress(import_id, bytes_read, now)
        print(f"\r{100 * bytes_read // self.total:3d}% read", end="", file=sys.stderr, flush=True)

    def finish(self, import_id: str, summary: dict, bytes_read: int, now: datetime) -> None:
        self.records.finish(import_id, summary, bytes_read, now)
        print("\r100% read", file=sys.stderr)

    def fail(self, import_id: str, error: str, now: datetime) -> None:
        self.records.fail(import_id, error, now)


def run_import_command(args: argparse.Namespace) -> int:
    if args.endpoint:
        os.environ["RTCC_AWS_ENDPOINT_URL"] = args.endpoint
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")  # the emulator takes any key
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    if not args.file.is_file():
        print(f"lpr import: {args.file}: no such file", file=sys.stderr)
        return 2
    from rtcc.settings import reload_settings
    from rtcc.store import bind_models

    bind_models(reload_settings())
    return _run(args, datetime.now(UTC))


def _run(args: argparse.Namespace, now: datetime) -> int:
    from rtcc.audit import AuditEvent, AuditLog
    from rtcc.lpr.hotlist_admin import new_import_id
    from rtcc.lpr.hotlist_import import ImportFailed
    from rtcc.lpr.hotlist_runner import run_queued
    from rtcc.lpr.hotlist_store_dynamodb import DynamoHotlistStore, DynamoImportLog, ImportBusy, UnknownList

    store, records, user = DynamoHotlistStore(), DynamoImportLog(), f"cli:{getpass.getuser()}"
    try:
        store.head(args.list_id)
    except UnknownList:
        if not args.name:
            print(f"lpr import: no list {args.list_id!r} (give --name to create it)", file=sys.stderr)
            return 2
        store.create_list(args.list_id, args.name, args.priority, "feed", now)
    import_id = new_import_id()
    detail = {"format": args.format, "bytes": args.file.stat().st_size, "import_id": import_id}
    AuditLog().append(
        AuditEvent(user, "admin", "lpr.import.create", args.list_id, request_id=import_id, detail=detail)
    )
    records.create(import_id, args.list_id, args.format, user, now)
    with args.file.open("rb") as data:
        store.put_upload(import_id, data)
    records.claim(import_id, now)
    try:
        run_queued(import_id, lambda: datetime.now(UTC), _PrintedLog(records, detail["bytes"]))
    except ImportFailed as error:
        print(f"lpr import: refused: {error}", file=sys.stderr)
        return 1
    except ImportBusy:
        print(f"lpr import: another import of {args.list_id!r} is running; try again later", file=sys.stderr)
        return 1
    return _report(records.get(import_id))


def _report(record: Any) -> int:
    import json

    summary = json.loads(record.summary)
    counts = ", ".join(f"{summary[k]} {k}" for k in ("added", "removed", "unchanged", "changed", "rejected"))
    print(f"{record.list_id}: version {summary['version']}: {counts}")
    for row in summary["rejected_rows"][:SHOWN_REJECTED]:
        print(f"  line {row['line']}: {row['reason']}")
    if summary["rejected"] > SHOWN_REJECTED:
        print(
            f"  ... {summary['rejected'] - SHOWN_REJECTED} more "
            f"(GET /api/lpr/hotlists/imports/{record.import_id})"
        )
    return 0
