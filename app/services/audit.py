"""The audit trail: who acts (told to the database triggers of migration 0005), and reading it back.

The triggers write every create, update and delete of the audited tables with the row before and
after; the app only says who acts, per transaction. Nothing here (or anywhere) updates or deletes
an audit row: the app's database role cannot, and a trigger refuses it for everyone.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import orjson
from sqlalchemy import Connection, Engine, Pool, event, text
from sqlalchemy.orm import Session

from app.errors import InvalidParameter, not_found
from app.services.clock import LOCAL_TZ

EXPORT_COLUMNS = (
    "id",
    "at",
    "actor",
    "actor_role",
    "client_ip",
    "action",
    "entity",
    "record_id",
    "record_code",
    "before",
    "after",
)
MAX_EXPORT_DAYS = 366


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: str | None = None
    client_ip: str | None = None

    def settings(self) -> dict[str, str]:
        return {
            "id": "" if self.user_id is None else str(self.user_id),
            "name": self.username,
            "role": self.role or "",
            "ip": self.client_ip or "",
        }

    def apply(self, conn: Connection) -> None:
        """Name the actor for the rest of this transaction (set_config(..., is_local => true))."""
        conn.exec_driver_sql(_SET_ACTOR, self.settings())


_SET_ACTOR = (
    "SELECT set_config('hg.actor_id', %(id)s, true), set_config('hg.actor', %(name)s, true), "
    "set_config('hg.actor_role', %(role)s, true), set_config('hg.client_ip', %(ip)s, true)"
)


def bind_actor(session: Session, actor: Actor) -> None:
    """Every transaction of this session is done by ``actor`` (app/db.py names it on begin)."""
    session.info["actor"] = actor
    if session.in_transaction():
        name_before_write(session.connection(), actor)


# A session's actor is told to the database just before its transaction's first statement that
# may write, not on begin: a read (a map tile, a list) then costs no set_config round trip. The
# connection's info (its pooled DBAPI connection's) holds the actor for this transaction and
# whether it is still to be told; both go when the transaction ends.
_ACTOR_KEY = "hg_audit_actor"
_PENDING_KEY = "hg_audit_actor_pending"
# A SELECT may still write through what it calls (relocate_features() moves features, a function
# in a CTE may insert); anything naming one of these words is told the actor first. A false
# alarm only costs the round trip the eager naming always cost.
_MAY_WRITE = re.compile(
    r"\b(insert|update|delete|merge|truncate|copy|call|do|lock|relocate_\w*|refresh_\w*|bump_\w*|note_\w*)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=2048)
def reads_only(statement: str) -> bool:
    """Whether a statement surely writes nothing: a plain SELECT, SHOW or WITH … SELECT naming no
    writing word, or a savepoint's own statement. A CTE that writes names INSERT, UPDATE, DELETE or
    MERGE (or a function of ours that writes): the words tell a writing WITH as they tell a writing
    SELECT (a tile's query is a WITH: a logged-in caller's tile cost a set_config round trip)."""
    head = statement.lstrip(" \t\r\n(").partition(" ")[0].upper()
    if head in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return True
    return head in ("SELECT", "SHOW", "WITH") and not _MAY_WRITE.search(statement)


def name_before_write(conn: Connection, actor: Actor) -> None:
    """``actor`` acts in ``conn``'s transaction: told to the database before its first write."""
    conn.info[_ACTOR_KEY] = actor
    conn.info[_PENDING_KEY] = True


def _name_actor_if_writing(conn, cursor, statement, _parameters, _context, _executemany) -> None:
    info = conn.info
    if not info.get(_PENDING_KEY) or reads_only(statement):
        return
    info[_PENDING_KEY] = False
    _tell_actor(cursor, info[_ACTOR_KEY])


def _tell_actor(cursor, actor: Actor) -> None:
    # On the DBAPI cursor, which SQLAlchemy's statement events do not see (tests replace this to count).
    cursor.execute(_SET_ACTOR, actor.settings())


def _forget_actor(conn, *_args) -> None:
    if conn.invalidated:  # its DBAPI connection is gone, and its info with it
        return
    conn.info.pop(_ACTOR_KEY, None)
    conn.info.pop(_PENDING_KEY, None)


def _name_again(conn, *_args) -> None:
    # A rolled-back savepoint takes back a set_config made inside it: name the actor again.
    if not conn.invalidated and _ACTOR_KEY in conn.info:
        conn.info[_PENDING_KEY] = True


def _forget_on_return(_dbapi_connection, record, *_args) -> None:
    if record is not None:
        record.info.pop(_ACTOR_KEY, None)
        record.info.pop(_PENDING_KEY, None)


# Every engine (the service's, the worker's, the tests'): the listeners only act on a connection
# an actor was bound to.
event.listen(Engine, "before_cursor_execute", _name_actor_if_writing)
event.listen(Engine, "commit", _forget_actor)
event.listen(Engine, "rollback", _forget_actor)
event.listen(Engine, "rollback_savepoint", _name_again)
event.listen(Pool, "checkin", _forget_on_return)


# A record and what belongs to it: a site's history includes its cells, tenancies and requests.
_CHILDREN = {
    "sites": ("cells", "site_tenancies", "sharing_requests"),
    "poles": ("pole_attachments", "sharing_requests"),
    "duct_routes": ("duct_occupancy", "sharing_requests"),
}
_PARENT_KEY = {"sites": "site_id", "poles": "pole_id", "duct_routes": "duct_route_id"}
_TABLE_OF = {"site": "sites", "pole": "poles", "duct": "duct_routes"}


def record_history(session: Session, kind: str, code: str) -> dict:
    """Every audit entry of one site / pole / duct (by code) and of what hangs on it, oldest first."""
    table = _TABLE_OF.get(kind)
    if table is None:
        raise InvalidParameter(f"unknown record kind '{kind}' (site, pole or duct)")
    # Ids restart when the sample is reloaded (a truncate): only look after the last one.
    since = session.execute(
        text("SELECT coalesce(max(id), 0) FROM audit_log WHERE entity = :t AND action = 'truncate'"),
        {"t": table},
    ).scalar_one()
    rid = session.execute(
        text(
            "SELECT record_id FROM audit_log WHERE entity = :t AND record_code = :c AND id > :since "
            "ORDER BY id DESC LIMIT 1"
        ),
        {"t": table, "c": code, "since": since},
    ).scalar()
    if rid is None:
        raise not_found("notfound.audit", kind=kind, code=code)
    key = _PARENT_KEY[table]
    rows = session.execute(
        text(
            "SELECT id, at, actor, actor_role, client_ip, action, entity, record_id, record_code, before, after "
            "FROM audit_log WHERE id > :since AND ((entity = :t AND record_id = :id) OR (entity = ANY(:children) "
            "AND coalesce(after->>:key, before->>:key) = :id)) ORDER BY id"
        ),
        {"t": table, "id": rid, "children": list(_CHILDREN[table]), "key": key, "since": since},
    ).mappings()
    owners = dict(session.execute(text("SELECT id, short_name FROM operators")).tuples().all())
    return {"kind": kind, "code": code, "entries": [_entry(r, owners) for r in rows]}


def _named(record: dict | None, owners: dict[int, str]) -> dict | None:
    """A row as people read it: its owner company by name, not by the operators table's id."""
    if record is None or "owner_id" not in record:
        return record
    named = {k: v for k, v in record.items() if k != "owner_id"}
    named["owner"] = owners.get(record["owner_id"], record["owner_id"])
    return named


def _entry(row, owners: dict[int, str]) -> dict:
    entry = dict(row)
    entry["at"] = row["at"].isoformat()
    entry["before"], entry["after"] = _named(row["before"], owners), _named(row["after"], owners)
    before, after = entry["before"] or {}, entry["after"] or {}
    entry["changed"] = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return entry


def parse_day(raw: str | None, name: str) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter(f"{name} must be a date YYYY-MM-DD, got '{raw}'") from None


def export_csv(session: Session, since: date, until: date, entity: str | None = None) -> bytes:
    """The audit entries of [since, until] (local days, inclusive) as CSV, values as JSON text."""
    if until < since:
        raise InvalidParameter(f"'to' ({until}) is before 'from' ({since})")
    if (until - since).days > MAX_EXPORT_DAYS:
        raise InvalidParameter(f"export at most {MAX_EXPORT_DAYS} days at a time")
    start = datetime.combine(since, time(), LOCAL_TZ)
    end = datetime.combine(until + timedelta(days=1), time(), LOCAL_TZ)
    rows = session.execute(
        text(
            f"SELECT {', '.join(EXPORT_COLUMNS)} FROM audit_log WHERE at >= :s AND at < :e "
            "AND (CAST(:entity AS text) IS NULL OR entity = :entity) ORDER BY id"
        ),
        {"s": start, "e": end, "entity": entity},
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for r in rows:
        values = list(r)
        values[1] = r.at.astimezone(LOCAL_TZ).isoformat()
        values[-2:] = [
            None if v is None else orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode() for v in values[-2:]
        ]
        writer.writerow(values)
    # A BOM so Excel reads the Vietnamese text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
