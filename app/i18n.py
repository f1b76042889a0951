"""The message catalogues shared with the browser: problem sentences and field labels per language.

They live once, as JSON under ``frontend/src/locales/`` (served to the browser as they are):
``problems/*.<lang>.json`` (code → template, one file per area, merged) and ``fields.<lang>.json``
(attribute → label). The server reads the same files to speak in the CLI, the reports and the
``description`` of a refusal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.settings import get_settings
from gis.problems import Problem, render

LANGUAGES = ("vi", "en")
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Catalogue:
    problems: dict[str, str]
    fields: dict[str, str]
    words: dict[str, str]

    def render(self, problem: Problem) -> str:
        return render(problem, self.problems, self.fields, self.words)

    def render_all(self, problems: Iterable[Problem]) -> list[str]:
        return [self.render(p) for p in problems]


def _locales() -> Path:
    return (ROOT / get_settings().frontend_dir / "src" / "locales").resolve()


@lru_cache
def catalogue(lang: str = "vi") -> Catalogue:
    """The catalogue of ``lang`` (Vietnamese for an unknown language), English filling its gaps."""
    lang = lang if lang in LANGUAGES else "vi"
    folder = _locales()
    problems: dict[str, str] = {}
    for path in sorted((folder / "problems").glob(f"*.{lang}.json")):
        problems.update(_read(path))
    fields = _read(folder / f"fields.{lang}.json")
    words = {k.removeprefix("word."): v for k, v in fields.items() if k.startswith("word.")}
    if lang != "en":
        english = catalogue("en")
        problems = {**english.problems, **problems}
        fields = {**english.fields, **fields}
        words = {**english.words, **words}
    return Catalogue(problems, fields, words)


def _read(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def language(accept_language: str | None) -> str:
    """The reader's language from an Accept-Language header: English when it comes first, else Vietnamese."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("vi"):
            return "vi"
    return "vi"
