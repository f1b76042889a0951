"""The challenge loop (after the FCC's availability challenges): anyone reports a spot or a hamlet
as without signal, with weak signal or without fibre; the Department triages it against the model
and the measurements there; an accepted challenge goes to the operator concerned with a deadline; the
operator disputes it with evidence, plans a fix by a date, or fixes it; overdue ones are escalated.

A challenge may concern several operators (``challenge_operators``): each one named gets it and
answers for itself, by its own deadline (an operator sees and answers only what was sent to it). ``challenges.status``
sums up their answers (``_settle``): ``accepted`` while one has not answered, else ``planned``
while one plans a fix, else ``disputed`` when one disputed (the Department may overrule a dispute:
``review``), else ``fixed``. So a challenge is resolved once every operator has fixed it or
disputed it, and a plan keeps it with the operators until the fix. Each operator's deadline is its
own (``challenge_operators.deadline``): overruling one operator's dispute gives that one a new deadline,
and a challenge is escalated when one of its operators is overdue (``ESCALATED_SQL``).

Every step is a row of ``challenge_steps`` (audited, with the actor, by migration 0019's triggers);
the reporter's private link shows the steps by side (the public, the Department, the operator),
never by person. Contact details are read by the Department only (``detail``, ``queue``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import Conflict, TooManyRequests, Unprocessable, not_found
from app.layer_types import IN_FORCE
from app.models_challenges import PHASE_SQL
from app.services.accounts import Principal
from app.services.audit import Actor, bind_actor
from app.services.challenges_evidence import Attachment, check_proof
from app.services.clock import today
from app.settings import get_settings
from gis.problems import Problem

# One operator's part of a challenge (a row of challenge_operators, alias ``co``) is overdue: past
# its own deadline without an answer, or past its planned day without a fix (bound :today).
OVERDUE_SQL = "((co.status = 'accepted' AND co.deadline < :today) OR (co.status = 'planned' AND co.planned_on < :today))"
# A challenge (alias c) is escalated when one of its operators is overdue: each is judged on its own
# deadline (a dispute overruled gives that operator a new one, never the others).
ESCALATED_SQL = (
    f"EXISTS (SELECT 1 FROM challenge_operators co WHERE co.challenge_id = c.id AND {OVERDUE_SQL})"
)
# The challenge's deadline as shown: the earliest of the operators still to answer (none: NULL).
DEADLINE_SQL = (
    "(SELECT min(co.deadline) FROM challenge_operators co WHERE co.challenge_id = c.id "
    "AND co.status = 'accepted')"
)
# For an operator's principal (``mine``: its row of challenge_operators, joined on :own), its own
# deadline and overdue state; for the Department and the public (no such row), the challenge's.
_MINE_ESCALATED_SQL = (
    f"CASE WHEN mine.challenge_id IS NULL THEN {ESCALATED_SQL} ELSE {OVERDUE_SQL.replace('co.', 'mine.')} END"
)
_MINE_DEADLINE_SQL = f"CASE WHEN mine.challenge_id IS NULL THEN {DEADLINE_SQL} ELSE mine.deadline END"
_PHONE = re.compile(r"^\+?[0-9 .\-]{8,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NEARBY_TESTS_M = 1000.0  # speed tests shown beside a report: within this distance of the spot
MAX_OBSERVED_AGE_DAYS = 366


@dataclass(frozen=True)
class Report:
    kind: str
    technology: str
    observed_at: datetime
    operator: str | None = None
    lon: float | None = None
    lat: float | None = None
    hamlet: str | None = None
    description: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    website: str | None = None  # the honeypot: hidden from people, filled by form-filling bots
    proof: str = ""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _operator_id(session: Session, short_name: str, field: str = "operator") -> int:
    found = session.execute(
        text("SELECT id FROM operators WHERE lower(short_name) = lower(:n)"), {"n": short_name.strip()}
    ).scalar()
    if found is None:
        raise Unprocessable(
            reasons=[Problem("challenge.unknown_operator", field, params={"operator": short_name})]
        )
    return found


def form_info(session: Session) -> dict:
    """What the public form offers and asks: the operators to choose from, the proof's difficulty."""
    s = get_settings()
    operators = session.execute(
        text(
            "SELECT short_name, name, kind FROM operators WHERE kind IN ('mobile', 'fixed') ORDER BY short_name"
        )
    )
    return {
        "operators": [dict(o._mapping) for o in operators],
        "proof_bits": s.challenge_proof_bits,
        "max_attachment_bytes": s.challenge_max_attachment_bytes,
    }


def _check_rate(session: Session, client_ip: str) -> None:
    s = get_settings()
    since = datetime.now(UTC) - timedelta(minutes=s.challenge_window_minutes)
    filed = session.execute(
        text("SELECT count(*) FROM challenges WHERE client_ip = :ip AND filed_at >= :since"),
        {"ip": client_ip, "since": since},
    ).scalar_one()
    if filed >= s.challenge_max_per_ip:
        raise TooManyRequests(
            reasons=[
                Problem("challenge.too_many", params={"count": filed, "minutes": s.challenge_window_minutes})
            ],
            headers={"Retry-After": str(s.challenge_window_minutes * 60)},
        )


def _place(session: Session, report: Report) -> tuple[int | None, str]:
    """The hamlet (id, or None outside every hamlet) and the point (EWKT) of the report."""
    if report.hamlet:
        row = session.execute(
            text(
                "SELECT a.id, ST_AsEWKT(ST_PointOnSurface(a.geom)) FROM admin_units a "
                f"WHERE a.level = 'hamlet' AND a.code = :c AND {IN_FORCE.format(a='a')}"
            ),
            {"c": report.hamlet.strip()},
        ).first()
        if row is None:
            raise Unprocessable(
                reasons=[Problem("challenge.unknown_hamlet", "hamlet", params={"code": report.hamlet})]
            )
        return row[0], row[1]
    if report.lon is None or report.lat is None:
        raise Unprocessable(reasons=[Problem("challenge.place_required", "lon")])
    point = f"SRID=4326;POINT({report.lon!r} {report.lat!r})"
    row = session.execute(
        text(
            "SELECT (SELECT a.id FROM admin_units a WHERE a.level = 'hamlet' AND "
            f"{IN_FORCE.format(a='a')} AND ST_Intersects(a.geom, p.g) ORDER BY a.id LIMIT 1), "
            "EXISTS (SELECT 1 FROM admin_units a WHERE a.level = 'province' AND "
            f"{IN_FORCE.format(a='a')} AND ST_Intersects(a.geom, p.g)) "
            "FROM (SELECT ST_GeomFromEWKT(:p) AS g) p"
        ),
        {"p": point},
    ).one()
    if not row[1]:
        raise Unprocessable(
            reasons=[
                Problem("challenge.outside_region", "lon", params={"lon": report.lon, "lat": report.lat})
            ]
        )
    return row[0], point


def _check_report(report: Report) -> list[Problem]:
    problems = []
    if (report.kind == "no_fibre") != (report.technology == "fixed"):
        problems.append(
            Problem("challenge.technology_kind", "technology", params={"technology": report.technology})
        )
    now = datetime.now(UTC)
    observed = report.observed_at if report.observed_at.tzinfo else report.observed_at.replace(tzinfo=UTC)
    if observed > now + timedelta(minutes=10):
        problems.append(Problem("challenge.observed_future", "observed_at"))
    elif observed < now - timedelta(days=MAX_OBSERVED_AGE_DAYS):
        problems.append(
            Problem("challenge.observed_old", "observed_at", params={"days": MAX_OBSERVED_AGE_DAYS})
        )
    if report.contact_phone and not _PHONE.match(report.contact_phone.strip()):
        problems.append(Problem("challenge.bad_phone", "contact_phone"))
    if report.contact_email and not _EMAIL.match(report.contact_email.strip()):
        problems.append(Problem("challenge.bad_email", "contact_email"))
    return problems


def file(session: Session, report: Report, attachment: Attachment | None, client_ip: str) -> dict:
    """File a report: its code and the private link's token (shown once, kept only as a hash)."""
    _check_rate(session, client_ip)
    if report.website:
        raise Unprocessable(reasons=[Problem("challenge.automated", "website")])
    proof = check_proof(report.proof, get_settings().challenge_proof_bits)
    if session.execute(text("SELECT 1 FROM challenges WHERE proof_sha256 = :p"), {"p": proof}).first():
        raise Conflict(reasons=[Problem("challenge.proof_used", "proof")])
    problems = _check_report(report)
    if problems:
        raise Unprocessable(reasons=problems)
    operator_id = _operator_id(session, report.operator) if report.operator else None
    hamlet_id, point = _place(session, report)
    token = secrets.token_urlsafe(24)
    bind_actor(session, Actor(None, "public", None, client_ip))
    challenge_id, code = session.execute(
        text(
            "INSERT INTO challenges (token_sha256, proof_sha256, kind, operator_id, technology, observed_at, "
            "hamlet_id, description, client_ip, geom) VALUES (:token, :proof, :kind, :op, :tech, :observed, "
            ":hamlet, :description, :ip, ST_GeomFromEWKT(:point)) RETURNING id, code"
        ),
        {
            "token": _hash(token),
            "proof": proof,
            "kind": report.kind,
            "op": operator_id,
            "tech": report.technology,
            "observed": report.observed_at,
            "hamlet": hamlet_id,
            "description": (report.description or "").strip() or None,
            "ip": client_ip,
            "point": point,
        },
    ).one()
    _step(session, challenge_id, "filed", "public")
    contact = [
        (v or "").strip() or None for v in (report.contact_name, report.contact_phone, report.contact_email)
    ]
    if any(contact):
        session.execute(
            text(
                "INSERT INTO challenge_contacts (challenge_id, name, phone, email) VALUES (:id, :n, :p, :e)"
            ),
            {"id": challenge_id, "n": contact[0], "p": contact[1], "e": contact[2]},
        )
    if attachment is not None:
        session.execute(
            text(
                "INSERT INTO challenge_attachments (challenge_id, kind, media_type, filename, content) "
                "VALUES (:id, :kind, :media, :name, :content)"
            ),
            {
                "id": challenge_id,
                "kind": attachment.kind,
                "media": attachment.media_type,
                "name": attachment.filename,
                "content": attachment.content,
            },
        )
    session.commit()
    return {"code": code, "token": token, "status": "open"}


def _step(session: Session, challenge_id: int, step: str, side: str, **values) -> None:
    session.execute(
        text(
            "INSERT INTO challenge_steps (challenge_id, step, side, operator_id, note, deadline, planned_on) "
            "VALUES (:id, :step, :side, :op, :note, :deadline, :planned_on)"
        ),
        {
            "id": challenge_id,
            "step": step,
            "side": side,
            "op": values.get("operator_id"),
            "note": values.get("note"),
            "deadline": values.get("deadline"),
            "planned_on": values.get("planned_on"),
        },
    )


def _deadline(days: int | None = None) -> date:
    """The day an operator must answer by: ``days`` from today, else the configured delay."""
    return today() + timedelta(days=days or get_settings().challenge_deadline_days)


def _sent_to(
    session: Session, challenge_id: int, operator_id: int, step: str, note: str | None, deadline: date
) -> None:
    """The Department's step that puts a challenge with an operator until ``deadline``: ``accepted``
    (triage) or ``overruled`` (its dispute rejected, back to it)."""
    _step(session, challenge_id, step, "department", operator_id=operator_id, note=note, deadline=deadline)


# Bound :own (the operator's id of an operator's principal, else NULL) and :today.
_SELECT = f"""
SELECT c.id, c.code, c.kind, c.technology, c.status, {PHASE_SQL} AS phase, {_MINE_ESCALATED_SQL} AS escalated,
       c.measured, c.observed_at, c.filed_at, c.resolved_at, {_MINE_DEADLINE_SQL} AS deadline, c.planned_on,
       c.description,
       c.operator_id, o.short_name AS operator, h.code AS hamlet_code, h.name AS hamlet_name,
       m.code AS commune_code, m.name AS commune_name, ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat,
       ct.name AS contact_name, ct.phone AS contact_phone, ct.email AS contact_email,
       att.kind AS attachment_kind, att.filename AS attachment_name
FROM challenges c
LEFT JOIN operators o ON o.id = c.operator_id
LEFT JOIN challenge_operators mine ON mine.challenge_id = c.id AND mine.operator_id = :own
LEFT JOIN admin_units h ON h.id = c.hamlet_id
LEFT JOIN admin_units m ON m.id = h.parent_id
LEFT JOIN challenge_contacts ct ON ct.challenge_id = c.id
LEFT JOIN challenge_attachments att ON att.challenge_id = c.id
"""
_PUBLIC = (
    "code",
    "kind",
    "technology",
    "status",
    "phase",
    "escalated",
    "measured",
    "observed_at",
    "filed_at",
    "resolved_at",
    "deadline",
    "planned_on",
    "operator",
    "hamlet_code",
    "hamlet_name",
    "commune_code",
    "commune_name",
)
_INTERNAL = (*_PUBLIC, "description", "lon", "lat", "attachment_kind", "attachment_name")
_PRIVATE = ("contact_name", "contact_phone", "contact_email")


def _shaped(row, principal: Principal | None) -> dict:
    fields = _PUBLIC if principal is None else _INTERNAL + (_PRIVATE if principal.is_staff else ())
    return {k: getattr(row, k) for k in fields}


def _steps(session: Session, challenge_id: int) -> list[dict]:
    rows = session.execute(
        text(
            "SELECT s.at, s.step, s.side, o.short_name AS operator, s.note, s.deadline, s.planned_on "
            "FROM challenge_steps s LEFT JOIN operators o ON o.id = s.operator_id "
            "WHERE s.challenge_id = :id ORDER BY s.at, s.id"
        ),
        {"id": challenge_id},
    )
    return [dict(r._mapping) for r in rows]


def track(session: Session, token: str | None) -> dict:
    """What the reporter's private link shows: the report and every step, by side, never by person."""
    if not token:
        raise not_found("notfound.challenge_link")
    row = session.execute(
        text(_SELECT + "WHERE c.token_sha256 = :t"), {"t": _hash(token), "own": None, "today": today()}
    ).first()
    if row is None:
        raise not_found("notfound.challenge_link")
    return {**_shaped(row, None), "operators": _operators(session, row.id), "steps": _steps(session, row.id)}


def _visible(principal: Principal) -> tuple[str, dict]:
    """SQL (on alias c) of the challenges a principal works on: the Department all of them, an
    operator those sent to it (accepted at least once, never an open or rejected report)."""
    if principal.is_staff:
        return "true", {"own": None}
    return (
        "c.status NOT IN ('open', 'rejected') AND EXISTS (SELECT 1 FROM challenge_operators co "
        "WHERE co.challenge_id = c.id AND co.operator_id = :own)",
        {"own": principal.operator_id},
    )


def _operators(session: Session, challenge_id: int, internal: bool = False) -> list[dict]:
    """Each operator the challenge was sent to, its own answer and the review of its dispute
    (public: companies, not people); ``internal`` adds the dispute's file name."""
    evidence = "f.filename" if internal else "NULL"
    rows = session.execute(
        text(
            f"SELECT o.short_name AS operator, co.status, co.deadline, {OVERDUE_SQL} AS escalated, "
            "co.planned_on, co.answered_at, co.review, "
            f"{evidence} AS evidence_file FROM challenge_operators co JOIN operators o ON o.id = co.operator_id "
            "LEFT JOIN challenge_dispute_files f ON f.challenge_id = co.challenge_id "
            "AND f.operator_id = co.operator_id WHERE co.challenge_id = :id ORDER BY o.short_name"
        ),
        {"id": challenge_id, "today": today()},
    )
    return [dict(r._mapping) for r in rows]


# The challenge's status from its operators' answers (see the module's docstring); resolved_at is
# kept from the first time it was resolved, and cleared when it goes back to the operators.
_SETTLE = """
UPDATE challenges c SET status = s.status, planned_on = s.planned_on,
       resolved_at = CASE WHEN s.status IN ('disputed', 'fixed') THEN coalesce(c.resolved_at, now()) END
FROM (SELECT CASE WHEN bool_or(status = 'accepted') THEN 'accepted' WHEN bool_or(status = 'planned') THEN 'planned'
                  WHEN bool_or(status = 'disputed') THEN 'disputed' ELSE 'fixed' END AS status,
             min(planned_on) FILTER (WHERE status = 'planned') AS planned_on
      FROM challenge_operators WHERE challenge_id = :id) s
WHERE c.id = :id
"""


def _settle(session: Session, challenge_id: int) -> None:
    session.execute(text(_SETTLE), {"id": challenge_id})


def queue(
    session: Session, principal: Principal, status: str | None = None, escalated: bool = False
) -> list[dict]:
    where, params = _visible(principal)
    if status:
        where += " AND c.status = :status"
        params["status"] = status
    if escalated:
        where += f" AND {_MINE_ESCALATED_SQL}"
    rows = session.execute(
        text(_SELECT + f"WHERE {where} ORDER BY {_MINE_ESCALATED_SQL} DESC, c.filed_at, c.id"),
        {**params, "today": today()},
    )
    return [_shaped(r, principal) for r in rows]


def _row(session: Session, principal: Principal, code: str):
    where, params = _visible(principal)
    row = session.execute(
        text(_SELECT + f"WHERE c.code = :code AND {where}"), {**params, "code": code, "today": today()}
    ).first()
    if row is None:
        raise not_found("notfound.challenge", code=code)
    return row


def detail(session: Session, principal: Principal, code: str) -> dict:
    """One challenge against the model and the measurements at its spot, with its steps."""
    row = _row(session, principal, code)
    point = {"id": row.id}
    bands = session.execute(
        text(
            "SELECT coalesce(o.short_name, 'all') AS operator, p.tech_class, p.band FROM coverage_parts p "
            "LEFT JOIN operators o ON o.id = p.operator_id, challenges c "
            "WHERE c.id = :id AND ST_Intersects(p.geom, c.geom) ORDER BY 1, 2, 3"
        ),
        point,
    )
    zones = session.execute(
        text(
            "SELECT z.kind FROM dead_zones z, challenges c WHERE c.id = :id AND ST_Intersects(z.geom, c.geom) "
            "ORDER BY 1"
        ),
        point,
    ).scalars()
    tests = session.execute(
        text(
            "SELECT t.code, t.measured_at, o.short_name AS operator, t.technology, t.download_mbps, "
            "t.upload_mbps, round(ST_Distance(t.geom::geography, c.geom::geography))::int AS distance_m "
            "FROM speed_tests t LEFT JOIN operators o ON o.id = t.operator_id, challenges c "
            "WHERE c.id = :id AND ST_DWithin(t.geom::geography, c.geom::geography, :r) "
            "ORDER BY distance_m, t.measured_at DESC LIMIT 20"
        ),
        {**point, "r": NEARBY_TESTS_M},
    )
    return {
        **_shaped(row, principal),
        "model": {"bands": [dict(b._mapping) for b in bands], "dead_zones": list(zones)},
        "speed_tests": [dict(t._mapping) for t in tests],
        "nearby_m": NEARBY_TESTS_M,
        "operators": _operators(session, row.id, internal=True),
        "steps": _steps(session, row.id),
    }


def attachment_of(session: Session, principal: Principal, code: str) -> tuple[str, str, bytes]:
    row = _row(session, principal, code)
    found = session.execute(
        text("SELECT media_type, filename, content FROM challenge_attachments WHERE challenge_id = :id"),
        {"id": row.id},
    ).first()
    if found is None:
        raise not_found("notfound.challenge_attachment", code=code)
    return found.media_type, found.filename, bytes(found.content)


def decide(
    session: Session,
    principal: Principal,
    code: str,
    accept: bool,
    reason: str | None = None,
    operators: list[str] | None = None,
    deadline_days: int | None = None,
    field: str = "operators",
) -> dict:
    """The Department's triage: accept (sent to the operators named, else to the one the report
    named, with a deadline) or reject with a reason."""
    row = _row(session, principal, code)
    if row.status != "open":
        raise Conflict(reasons=[Problem("challenge.not_open", params={"code": code, "status": row.status})])
    reason = (reason or "").strip() or None
    if not accept:
        if reason is None:
            raise Unprocessable(reasons=[Problem("challenge.reason_required", "reason")])
        session.execute(
            text("UPDATE challenges SET status = 'rejected', resolved_at = now() WHERE id = :id"),
            {"id": row.id},
        )
        _step(session, row.id, "rejected", "department", note=reason)
    else:
        named = [n for n in operators or [] if n and n.strip()]
        ids = list(dict.fromkeys(_operator_id(session, n, field) for n in named))
        if not ids and row.operator_id is not None:
            ids = [row.operator_id]
        if not ids:
            raise Unprocessable(reasons=[Problem("challenge.operator_required", field)])
        deadline = _deadline(deadline_days)
        session.execute(
            text("UPDATE challenges SET status = 'accepted', operator_id = :op WHERE id = :id"),
            {"id": row.id, "op": ids[0]},
        )
        for operator_id in ids:
            session.execute(
                text(
                    "INSERT INTO challenge_operators (challenge_id, operator_id, deadline) VALUES (:id, :op, :d)"
                ),
                {"id": row.id, "op": operator_id, "d": deadline},
            )
            _sent_to(session, row.id, operator_id, "accepted", reason, deadline)
    session.commit()
    return detail(session, principal, code)


def answer(
    session: Session,
    principal: Principal,
    code: str,
    kind: str,
    note: str | None,
    planned_on: date | None,
    evidence: Attachment | None = None,
) -> dict:
    """The operator's answer for itself: disputed (with evidence: a text, and a file checked as the
    report's attachment is), planned (with a day) or fixed."""
    row = _row(session, principal, code)
    own = session.execute(
        text("SELECT status FROM challenge_operators WHERE challenge_id = :id AND operator_id = :op"),
        {"id": row.id, "op": principal.operator_id},
    ).scalar_one()  # _row found it among those sent to this operator
    if own not in ("accepted", "planned"):
        raise Conflict(
            reasons=[Problem("challenge.not_awaiting_answer", params={"code": code, "status": own})]
        )
    note = (note or "").strip() or None
    if kind == "disputed" and note is None:
        raise Unprocessable(reasons=[Problem("challenge.evidence_required", "note")])
    if kind == "planned":
        if planned_on is None:
            raise Unprocessable(reasons=[Problem("challenge.planned_on_required", "planned_on")])
        if planned_on < today():
            raise Unprocessable(reasons=[Problem("challenge.planned_on_past", "planned_on")])
    else:
        planned_on = None
    if evidence is not None and kind != "disputed":
        raise Unprocessable(reasons=[Problem("challenge.evidence_for_dispute", "file")])
    mine = {"id": row.id, "op": principal.operator_id}
    session.execute(
        text(
            "UPDATE challenge_operators SET status = :s, planned_on = coalesce(:p, planned_on), answered_at = now(), "
            "review = NULL WHERE challenge_id = :id AND operator_id = :op"
        ),
        {**mine, "s": kind, "p": planned_on},
    )
    if kind == "disputed":  # the evidence of this dispute only: an earlier one's file goes
        session.execute(
            text("DELETE FROM challenge_dispute_files WHERE challenge_id = :id AND operator_id = :op"), mine
        )
    if evidence is not None:
        session.execute(
            text(
                "INSERT INTO challenge_dispute_files (challenge_id, operator_id, kind, media_type, filename, content) "
                "VALUES (:id, :op, :kind, :media, :name, :content)"
            ),
            {
                **mine,
                "kind": evidence.kind,
                "media": evidence.media_type,
                "name": evidence.filename,
                "content": evidence.content,
            },
        )
    _settle(session, row.id)
    _step(
        session, row.id, kind, "operator", operator_id=principal.operator_id, note=note, planned_on=planned_on
    )
    session.commit()
    return detail(session, principal, code)


def confirm_measured(session: Session, principal: Principal, code: str, note: str | None) -> dict:
    """The Department confirms by measurements that the spot lacks service: the challenge joins the
    dead-zone layer as measured (``đo thực tế``) beside the model's."""
    row = _row(session, principal, code)
    if row.status in ("open", "rejected"):
        raise Conflict(reasons=[Problem("challenge.not_accepted", params={"code": code})])
    if row.measured:
        raise Conflict(reasons=[Problem("challenge.already_measured", params={"code": code})])
    session.execute(text("UPDATE challenges SET measured = true WHERE id = :id"), {"id": row.id})
    _step(session, row.id, "measured", "department", note=(note or "").strip() or None)
    session.commit()
    return detail(session, principal, code)


def dispute_file_of(
    session: Session, principal: Principal, code: str, operator: str
) -> tuple[str, str, bytes]:
    """The file of an operator's dispute: for the Department, and for that operator only."""
    row = _row(session, principal, code)
    found = session.execute(
        text(
            "SELECT f.media_type, f.filename, f.content, f.operator_id FROM challenge_dispute_files f "
            "JOIN operators o ON o.id = f.operator_id WHERE f.challenge_id = :id AND lower(o.short_name) = lower(:o)"
        ),
        {"id": row.id, "o": operator},
    ).first()
    if found is None or not (principal.is_staff or found.operator_id == principal.operator_id):
        raise not_found("notfound.challenge_evidence", code=code, operator=operator)
    return found.media_type, found.filename, bytes(found.content)


def review(
    session: Session, principal: Principal, code: str, outcome: str, reason: str, operator: str | None = None
) -> dict:
    """The Department reviews an operator's dispute: upheld (the challenge stays closed for that
    operator) or rejected (it goes back to the operator with a new deadline). The reason is shown
    to the reporter; the step is audited with the Department's account."""
    row = _row(session, principal, code)
    reason = reason.strip()
    if not reason:
        raise Unprocessable(reasons=[Problem("challenge.review_reason_required", "reason")])
    pending = session.execute(
        text(
            "SELECT co.operator_id, o.short_name FROM challenge_operators co JOIN operators o ON o.id = co.operator_id "
            "WHERE co.challenge_id = :id AND co.status = 'disputed' AND co.review IS NULL ORDER BY o.short_name"
        ),
        {"id": row.id},
    ).all()
    if operator:
        operator_id = _operator_id(session, operator)
        pending = [p for p in pending if p.operator_id == operator_id]
    if not pending:
        raise Conflict(reasons=[Problem("challenge.no_dispute_to_review", params={"code": code})])
    if len(pending) > 1:
        names = ", ".join(p.short_name for p in pending)
        raise Unprocessable(
            reasons=[Problem("challenge.review_whose", "operator", params={"operators": names})]
        )
    operator_id = pending[0].operator_id
    if outcome == "uphold":
        session.execute(
            text(
                "UPDATE challenge_operators SET review = 'upheld' WHERE challenge_id = :id AND operator_id = :op"
            ),
            {"id": row.id, "op": operator_id},
        )
        _step(session, row.id, "upheld", "department", operator_id=operator_id, note=reason)
    else:
        deadline = _deadline()  # this operator's only: the others keep theirs
        session.execute(
            text(
                "UPDATE challenge_operators SET status = 'accepted', answered_at = NULL, deadline = :d "
                "WHERE challenge_id = :id AND operator_id = :op"
            ),
            {"id": row.id, "op": operator_id, "d": deadline},
        )
        _settle(session, row.id)
        _sent_to(session, row.id, operator_id, "overruled", reason, deadline)
    session.commit()
    return detail(session, principal, code)


def _erase(session: Session, row, side: str) -> None:
    """Erase a report's contact details: the values go (``challenge_contacts`` is not audited, so no
    copy of them remains); the step ``erased`` says when and by which side, audited without them."""
    gone = session.execute(
        text("DELETE FROM challenge_contacts WHERE challenge_id = :id"), {"id": row.id}
    ).rowcount
    if not gone:
        raise Conflict(reasons=[Problem("challenge.no_contact", params={"code": row.code})])
    _step(session, row.id, "erased", side)
    session.commit()


def erase_own_contact(session: Session, token: str | None, client_ip: str) -> dict:
    """The reporter erases their contact details through the private link."""
    if not token:
        raise not_found("notfound.challenge_link")
    row = session.execute(
        text("SELECT id, code FROM challenges WHERE token_sha256 = :t"), {"t": _hash(token)}
    ).first()
    if row is None:
        raise not_found("notfound.challenge_link")
    bind_actor(session, Actor(None, "public", None, client_ip))
    _erase(session, row, "public")
    return track(session, token)


def erase_contact(session: Session, principal: Principal, code: str) -> dict:
    """The Department erases a reporter's contact details on request."""
    row = _row(session, principal, code)
    _erase(session, row, "department")
    return detail(session, principal, code)
