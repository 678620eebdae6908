"""The `rtcc` command: `rtcc dev` runs the local stack, `rtcc audit verify` checks the
audit hash chain, `rtcc lpr import` imports a hotlist file."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the local stack imports moto: only `rtcc dev` loads it
    from rtcc.local.stack import LocalStack


def run_demos(base_url: str) -> list[str]:
    """Each capability's demo (`Capability.demo`), sent through its real doors once the
    stack is up; returns what to print."""
    import importlib

    from rtcc.topology import DECLARED

    lines: list[str] = []
    for capability in DECLARED:
        if capability.demo:
            module, _, function = capability.demo.partition(":")
            lines += getattr(importlib.import_module(module), function)(base_url)
    return lines


def _repo_root() -> Path | None:
    """The checkout this editable install came from (it holds the `functions` package)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "functions").is_dir() else None


def _ensure_importable_functions() -> None:
    root = _repo_root()
    if root is None:
        raise SystemExit("rtcc dev: run from a source checkout (the functions/ package was not found)")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))


def _dev(args: argparse.Namespace) -> int:
    _ensure_importable_functions()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("botocore", "pynamodb", "werkzeug"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    from rtcc.local.stack import LocalStack
    from rtcc.settings import get_settings

    configured = get_settings().demo_password
    try:
        stack = LocalStack(
            http_port=args.port,
            aws_port=args.aws_port,
            demo_password=configured.get_secret_value() if configured else None,
            seed=not args.no_seed,
            base_path=args.base_path,
            enforce_iam=not args.no_iam,
        )
    except ValueError as exc:
        print(f"rtcc dev: --base-path: {exc}", file=sys.stderr)
        return 2
    stopping = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        stack.start()
    except OSError as exc:
        print(f"rtcc dev: {exc}", file=sys.stderr)
        stack.stop()
        return 1
    demo = [] if args.no_seed else run_demos(stack.base_url)
    print(_banner(stack, demo), flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        print("stopping...", flush=True)
        stack.stop()
    return 0


def _banner(stack: LocalStack, demo: list[str]) -> str:
    """What `rtcc dev` prints once the stack answers: where everything is, who can sign in."""
    base = stack.base_url
    lines = [
        "",
        "rtcc local stack is up",
        f"  console        {base}/",
        f"  API docs       {base}/api/docs",
        f"  health         {base}/api/health",
        f"  SMS outbox     {base}/dev/outbox",
        f"  phone (texts)  {base}/dev/phone",
        f"  mail (SES)     {base}/dev/mail",
        f"  web tip page   {base}/tip",
        f"  AWS emulator   {stack.aws_endpoint_url}  (moto; use --endpoint-url with the aws CLI)",
        *(
            [f"  KVS media      {stack.kvs_media.url}  (Kinesis Video: PutMedia, HLS, GetClip)"]
            if stack.kvs_media
            else []
        ),
        "",
        "Demo logins (password for all: " + stack.demo_password + "):",
        *[f"  {role:<11} {username}" for role, username in stack.users.items()],
        "",
        *(["Demo tips in the inbox:", *[f"  {answer}" for answer in demo], ""] if demo else []),
        "All local state lives in memory (camera video in a temporary folder) and is gone when this "
        "process stops.",
        "Ctrl-C to stop.",
        "",
    ]
    return "\n".join(lines)


def _audit_verify(args: argparse.Namespace) -> int:
    if args.endpoint:
        os.environ["RTCC_AWS_ENDPOINT_URL"] = args.endpoint
        # The local emulator accepts any credentials; real ones are never needed for it.
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    from rtcc.audit import Anchor, AuditLog
    from rtcc.settings import reload_settings
    from rtcc.store import AuditEntryRecord, bind_models

    try:
        anchors = tuple(Anchor.parse(text) for text in args.expect)
    except ValueError as exc:
        print(f"audit verify: --expect: {exc}", file=sys.stderr)
        return 2
    settings = reload_settings()
    bind_models(settings)
    try:
        published, checked_note = _published_anchors(args, settings)
        copy, start = _write_once_copy(args)
        result = AuditLog(chain=args.chain).verify(anchors + published, copy=copy, start=start)
    except (BotoCoreError, ClientError) as exc:
        print(
            f"audit verify: cannot read the anchors bucket {settings.anchors_bucket}: {exc}", file=sys.stderr
        )
        return 2
    except PynamoDBException as exc:
        print(f"audit verify: cannot read {AuditEntryRecord.Meta.table_name}: {exc.msg}", file=sys.stderr)
        return 2
    except LookupError as exc:
        print(f"audit verify: --from: {exc}", file=sys.stderr)
        return 2
    return _report(args, result, checked_note, AuditEntryRecord)


def _published_anchors(args: argparse.Namespace, settings: Any) -> tuple[tuple[Any, ...], str]:
    if args.no_published_anchors:
        return (), "  published anchors not checked (--no-published-anchors)"
    from rtcc.anchor_store import S3AnchorStore
    from rtcc.anchors import recorded

    published = recorded(S3AnchorStore(), args.chain)
    return published, f"  {len(published)} published anchors checked (bucket {settings.anchors_bucket})"


def _write_once_copy(args: argparse.Namespace) -> tuple[Any, Any]:
    """(the write-once copy from --from on, or None with --no-copy; where to start)."""
    from rtcc.audit import Anchor

    if args.no_copy:
        if args.from_seq > 1:
            raise LookupError("verifying from an entry needs its write-once copy (drop --no-copy)")
        return None, None
    from rtcc.anchor_store import S3AnchorStore
    from rtcc.audit_archive import copied_entries

    store = S3AnchorStore()
    if args.from_seq <= 1:
        return copied_entries(store, args.chain), None
    # The write-once copy of the first entry is the reference its stored hash must match.
    first = next(copied_entries(store, args.chain, after_seq=args.from_seq - 1), None)
    if first is None or first.seq != args.from_seq:
        raise LookupError(f"entry {args.from_seq} has no write-once copy")
    start = Anchor(first.seq, first.entry_hash)
    return copied_entries(store, args.chain, after_seq=args.from_seq - 1), start


def _report(args: argparse.Namespace, result: Any, checked_note: str, record_model: Any) -> int:
    where = f"table {record_model.Meta.table_name}, chain {args.chain!r}"
    copy_note = (
        "  write-once copy not compared (--no-copy)"
        if args.no_copy
        else (f"  every entry compared with its write-once copy ({result.uncopied} newest not copied yet)")
    )
    if result.ok:
        print(f"OK: {result.checked} entries verified, {result.from_seq}..{result.head_seq} ({where})")
        print(f"  head {result.head_seq}:{result.head_hash}  (record it; later pass it as --expect)")
        print(checked_note)
        print(copy_note)
        return 0
    print(f"BROKEN: entry {result.first_broken_seq}: {result.reason} ({where})")
    print(checked_note)
    print(copy_note)
    try:
        record = record_model.get(args.chain, result.first_broken_seq)
        print(f"  stored entry {record.seq}: at={record.at} actor={record.actor} action={record.action}")
    except record_model.DoesNotExist:
        pass
    print(f"  {result.checked} entries before it verified (from entry {result.from_seq})")
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rtcc", description="Real-Time Crime Center tools")
    commands = parser.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="run the local stack (AWS emulator, API, console, demo data)")
    dev.add_argument("--port", type=int, default=8000, help="HTTP port of the console and API (0: any free)")
    dev.add_argument("--aws-port", type=int, default=4566, help="port of the AWS emulator (0: any free)")
    dev.add_argument("--no-seed", action="store_true", help="create demo users only, no demo data")
    dev.add_argument(
        "--no-iam",
        action="store_true",
        help="debugging only: let calls the deployed IAM refuses through (still listed at /dev/aws-calls)",
    )
    dev.add_argument(
        "--base-path",
        default="/prod",
        help="serve everything under this path, as the execute-api URL serves under its stage "
        "(default: /prod; '' for the root, as a custom domain does)",
    )
    dev.set_defaults(run=_dev)

    audit = commands.add_parser("audit", help="audit log tools")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser("verify", help="recompute the audit hash chain")
    verify.add_argument("--endpoint", help="AWS endpoint URL, e.g. the local emulator http://127.0.0.1:4566")
    verify.add_argument("--chain", default="main", help="audit chain to verify (default: main)")
    verify.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="SEQ:SHA256",
        help="a head printed by an earlier run; fails if that entry is gone or changed (repeatable)",
    )
    verify.add_argument(
        "--no-published-anchors",
        action="store_true",
        help="do not check the anchors the audit-anchor function published (RTCC_ANCHORS_BUCKET)",
    )
    verify.add_argument(
        "--from",
        dest="from_seq",
        type=int,
        default=1,
        metavar="SEQ",
        help="verify from entry SEQ (its write-once copy is the reference) instead of the whole chain",
    )
    verify.add_argument(
        "--no-copy",
        action="store_true",
        help="do not compare entries with their write-once copy in the anchors bucket (entries/)",
    )
    verify.set_defaults(run=_audit_verify)

    from rtcc.cameras.cli_evidence import add_evidence_commands  # argparse only: code loads on use
    from rtcc.lpr.cli_import import add_lpr_commands
    from rtcc.video.provisioning import add_camera_commands

    for add_commands in (add_lpr_commands, add_evidence_commands, add_camera_commands):
        add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
