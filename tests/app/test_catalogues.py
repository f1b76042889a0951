"""Every problem code the code can raise has its sentence in both languages, and the browser loads
every catalogue file the server reads (a code without a sentence shows as a bare code)."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "frontend" / "src" / "locales" / "problems"
# Problem("code", …), RowProblem("code", …), Refusal("code", …), problem("code", …) and a schema
# validator's PydanticCustomError("code", …) as written.
_RAISED = re.compile(
    r"\b(?:Problem|RowProblem|Refusal|problem|PydanticCustomError|not_found)\(\s*\"([a-z_]+(?:\.[a-z_0-9]+)+)\""
)


def _catalogue(lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(LOCALES.glob(f"*.{lang}.json")):
        out.update(json.loads(path.read_text(encoding="utf-8")))
    return out


def _raised_codes() -> dict[str, str]:
    codes = {}
    for folder in ("app", "gis"):
        for path in (ROOT / folder).rglob("*.py"):
            for code in _RAISED.findall(path.read_text(encoding="utf-8")):
                codes.setdefault(code, str(path.relative_to(ROOT)))
    return codes


def test_every_raised_code_has_a_sentence_in_both_languages():
    raised = _raised_codes()
    assert len(raised) > 20  # the scan finds the codes (a changed constructor would hide them)
    for lang in ("vi", "en"):
        catalogue = _catalogue(lang)
        missing = {code: where for code, where in raised.items() if code not in catalogue}
        assert not missing, (lang, missing)


def test_the_browser_loads_every_catalogue_file():
    problems_js = (ROOT / "frontend" / "src" / "problems.js").read_text(encoding="utf-8")
    areas = re.search(r"AREAS = \[([^\]]*)\]", problems_js)
    assert areas, "frontend/src/problems.js lists its catalogue areas"
    listed = set(re.findall(r"'([a-z_]+)'", areas.group(1)))
    on_disk = {p.name.split(".")[0] for p in LOCALES.glob("*.json")}
    assert listed == on_disk
