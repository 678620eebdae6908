"""The README stays true: every setting is documented, the quickstart is two commands."""

from pathlib import Path

from rtcc.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    missing = [
        f"RTCC_{name.upper()}" for name in Settings.model_fields if f"`RTCC_{name.upper()}`" not in README
    ]
    assert not missing, f"document these in README.md: {missing}"


def test_quickstart_is_make_dev_then_make_test() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("##", 1)[0]
    commands = [
        line.split("#")[0].strip() for line in quickstart.split("```sh", 1)[1].split("```", 1)[0].splitlines()
    ]
    assert [c for c in commands if c] == ["make dev", "make test"]
