"""`rtcc lpr import` against the local stack: the same pipeline as the console's (upload,
import record, diff, switch-over), the summary and rejected rows printed, refusals."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from rtcc.cli import main
from rtcc.store.lpr_hotlists import LISTS_PARTITION, LprHotlistRecord

from tests.integration.lpr.hotlist_helpers import plate_read
from tests.integration.lpr.test_keyed_hotlists import match

pytestmark = pytest.mark.integration


def test_a_file_imported_from_the_shell(local_stack: Any, tmp_path: Path, capsys: Any) -> None:
    list_id = "cli" + uuid.uuid4().hex[:8]
    path = tmp_path / "stolen.csv"
    path.write_text("PlateNumber,PlateState,Category\nCLI123,MA,Stolen\nno plate here,MA,x\n")
    assert main(["lpr", "import", "--list", list_id, str(path)]) == 2  # no such list yet
    assert "give --name" in capsys.readouterr().err

    assert main(["lpr", "import", "--list", list_id, "--name", "CLI list", "--priority", "5", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{list_id}: version 1: 1 added" in out and "1 rejected" in out and "line 3:" in out
    assert "no plate here" not in out.upper() and "NOPLATEHERE" not in out
    head = LprHotlistRecord.get(LISTS_PARTITION, list_id)
    assert (head.version, head.entries, head.priority, head.importing) == (1, 1, 5, None)
    [[hit]] = match(plate_read("CL1123"))[0]
    assert hit.entry.list_id == list_id and hit.entry.priority == 5

    path.write_text("PlateNumber,PlateState\nCLI456,NH\n")
    assert main(["lpr", "import", "--list", list_id, "--format", "autovu", str(path)]) == 0
    assert f"{list_id}: version 2: 1 added, 1 removed, 0 unchanged" in capsys.readouterr().out
    assert all(h.entry.list_id != list_id for h in match(plate_read("CLI123"))[0][0])


def test_a_wrong_file_is_refused(local_stack: Any, tmp_path: Path, capsys: Any) -> None:
    list_id = "cli" + uuid.uuid4().hex[:8]
    assert main(["lpr", "import", "--list", list_id, "--name", "x", str(tmp_path / "missing.txt")]) == 2
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert main(["lpr", "import", "--list", list_id, "--name", "x", str(path)]) == 1
    assert "binary" in capsys.readouterr().err
    assert LprHotlistRecord.get(LISTS_PARTITION, list_id).version == 0
