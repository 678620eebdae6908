"""Message catalogs for every text sent to a resident or tipster by SMS.

Each language is one file, `rtcc/catalogs/<lang>.json`, a flat object of key -> text with
`{name}` placeholders (the same syntax as the public pages' catalogs in web/public/i18n).
A city adds a language by adding a file: nothing here names a language but English, the
fallback for a key a catalog lacks and for a language no catalog covers. The unit tests
hold every catalog to English's keys and placeholders, so a translation cannot drop a
tip code or a STOP instruction.

    sms_catalog().text("es-MX", "tips.ack.new", code="T-4F7K")  # Spanish, code filled in
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

#: The language every catalog is checked against and every lookup falls back to.
FALLBACK = "en"
#: Where the SMS catalogs ship: inside the rtcc package (the Lambda layer).
SMS_CATALOGS = Path(__file__).with_name("catalogs")

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: A catalog's file name: a BCP 47-style tag such as "es", "pt-BR", "zh-Hant".
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def placeholders(template: str) -> frozenset[str]:
    """The `{name}`s a text needs: "Tip {code} received" -> {"code"}."""
    return frozenset(_PLACEHOLDER.findall(template))


def fill(template: str, values: Mapping[str, object]) -> str:
    """`template` with each `{name}` replaced; a missing value is a bug, so it raises."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no value for {{{name}}} in {template!r}")
        return str(values[name])

    return _PLACEHOLDER.sub(one, template)


class Catalog:
    """Texts by language and key. `text()` never fails for a language (it falls back to
    English); it fails for a key English lacks, which is a programming error."""

    def __init__(self, catalogs: Mapping[str, Mapping[str, str]]) -> None:
        if FALLBACK not in catalogs:
            raise ValueError(f"the {FALLBACK!r} catalog is required: it is every other's fallback")
        self._catalogs = {lang.lower(): dict(texts) for lang, texts in catalogs.items()}

    @classmethod
    def from_directory(cls, directory: Path) -> Catalog:
        """One catalog per `<lang>.json` in `directory` (other files are ignored)."""
        return cls(load_catalogs(directory))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._catalogs))

    def language_for(self, wanted: str | None) -> str:
        """The catalog for `wanted`: itself, else its base language ("es-MX" -> "es"),
        else English."""
        tag = (wanted or "").strip().lower().replace("_", "-")
        if tag in self._catalogs:
            return tag
        base = tag.split("-", 1)[0]
        return base if base in self._catalogs else FALLBACK

    def text(self, lang: str | None, key: str, **values: object) -> str:
        """The text of `key` in `lang` (or English where that catalog lacks it), filled."""
        texts = self._catalogs[self.language_for(lang)]
        template = texts.get(key) or self._catalogs[FALLBACK].get(key)
        if template is None:
            raise KeyError(f"no text {key!r} in the {FALLBACK!r} catalog")
        return fill(template, values)


def load_catalogs(directory: Path) -> dict[str, dict[str, str]]:
    """{lang: {key: text}} for each `<lang>.json` in `directory`."""
    catalogs: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("*.json")):
        if _LANGUAGE.fullmatch(path.stem):
            catalogs[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return catalogs


def catalog_problems(catalogs: Mapping[str, Mapping[str, object]]) -> list[str]:
    """Why these catalogs are not interchangeable: a catalog missing one of English's
    keys, holding a key English lacks, a text that is not a non-empty string, or a text
    whose placeholders differ from English's. Empty when every language says everything."""
    english = catalogs.get(FALLBACK)
    if english is None:
        return [f"no {FALLBACK!r} catalog"]
    problems: list[str] = []
    for lang, texts in sorted(catalogs.items()):
        problems += [f"{lang}: missing {key!r}" for key in sorted(set(english) - set(texts))]
        problems += [f"{lang}: {key!r} is not in {FALLBACK!r}" for key in sorted(set(texts) - set(english))]
        for key in sorted(set(english) & set(texts)):
            text, source = texts[key], english[key]
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{lang}: {key!r} is empty or not text")
            elif isinstance(source, str) and placeholders(text) != placeholders(source):
                problems.append(
                    f"{lang}: {key!r} has placeholders {sorted(placeholders(text))}, "
                    f"{FALLBACK!r} has {sorted(placeholders(source))}"
                )
    return problems


@cache
def sms_catalog() -> Catalog:
    """The SMS texts shipped in the layer (read once per process)."""
    return Catalog.from_directory(SMS_CATALOGS)
