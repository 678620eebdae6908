"""`rtcc evidence verify FILE.zip [--public-key PEM]`: check manifest.json's signature (against
the city's key when given, else the key in the zip), then recompute every file's SHA-256 and
compare it with the manifest and with the SHA-256 recorded at intake. Needs no AWS and no
credentials: whoever receives an export (a prosecutor, the defence, a court) can check it on
their own machine."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_evidence_commands(commands: Any) -> None:
    evidence = commands.add_parser("evidence", help="footage evidence tools")
    evidence_commands = evidence.add_subparsers(dest="evidence_command", required=True)
    verify = evidence_commands.add_parser(
        "verify", help="check an evidence export's files against its manifest (SHA-256 and size)"
    )
    verify.add_argument("file", type=Path, help="the export's zip")
    verify.add_argument(
        "--public-key",
        type=Path,
        help="the city's signing key (PEM, from GET /api/footage/signing-key): check the "
        "manifest's signature against it instead of the key inside the zip",
    )
    verify.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """0 when every file matches; 1 naming each mismatched, missing or extra file; 2 no file."""
    from rtcc.cameras.evidence import verify_zip

    if not args.file.is_file():
        print(f"evidence verify: {args.file}: no such file", file=sys.stderr)
        return 2
    key = None
    if args.public_key is not None:
        if not args.public_key.is_file():
            print(f"evidence verify: {args.public_key}: no such file", file=sys.stderr)
            return 2
        key = args.public_key.read_bytes()
    problems = verify_zip(str(args.file), key)
    if problems:
        for problem in problems:
            print(f"evidence verify: {problem}", file=sys.stderr)
        print(f"{args.file}: FAILED ({len(problems)} problem(s))")
        return 1
    print(f"{args.file}: OK, the manifest is signed and every file matches it")
    return 0
