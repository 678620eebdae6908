"""The README stays true: every setting is documented, the quickstart is two commands."""

from pathlib import Path

from rtcc.settings import settings_table

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_the_settings_table_is_the_generated_one() -> None:
    """Every field of every settings model (the platform's and each capability's), as
    `python -m rtcc.settings` prints it: edit the models' descriptions, then paste."""
    table = README.split("<!-- settings-table:begin", 1)[1].split("-->\n", 1)[1]
    table = table.split("<!-- settings-table:end -->", 1)[0]
    assert table == settings_table(), "README.md's settings table is stale: paste `python -m rtcc.settings`"
    assert "`RTCC_TIPS_LINE_NUMBER`" in table and "`RTCC_TWILIO_AUTH_TOKEN`" in table


def test_quickstart_is_make_dev_then_make_test() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("##", 1)[0]
    commands = [
        line.split("#")[0].strip() for line in quickstart.split("```sh", 1)[1].split("```", 1)[0].splitlines()
    ]
    assert [c for c in commands if c] == ["make dev", "make test"]
