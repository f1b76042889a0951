"""A response cache for vector tiles, keyed by everything that decides a tile's bytes.

The key is the exact SQL a tile runs, its bound values (tile bounds, filters, `datetime`'s day, the
caller's scope: district and whose unapproved sites — so an operator never gets a tile rendered for
the Department), the day (admin units in force follow CURRENT_DATE) and the data version of every
table the SQL reads. Versions live in `data_versions`, bumped when a writing transaction commits
(migration 0024's triggers: no version before its data, no lock held through a transaction), and
are kept per process (VersionWatch: dropped by the process's own commits and by the notification
each writing commit sends): a write is seen by the next request of its own worker at once, of the
others once the notification has arrived. A query reading a table without a version is never cached.

Each process keeps its own bounded LRU (TILE_CACHE_BYTES, 0 turns it off); the key's hash is also
the tile's ETag, so a client's If-None-Match is answered 304 without building the tile.
"""

import hashlib
import logging
import re
import select
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine, Pool, event, text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# Every word of the SQL that names a relation counts as read: a superset of the tables it reads
# (a column named like a table only costs an extra invalidation), whatever the SQL's shape.
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Per-entry bookkeeping (key, OrderedDict node), counted against the budget with the bytes.
_ENTRY_OVERHEAD = 200


@lru_cache(maxsize=4096)
def _words(sql: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD.findall(sql))


_relations_by_database: dict[str, dict[str, frozenset[str]]] = {}

# Each relation of the schema and the relations it reads directly: a view reads what its rules
# name (pg_depend); a table, a materialized view (only REFRESH changes it, which no trigger sees:
# never tracked, so never cached) or a foreign table reads nothing further.
_RELATIONS = """
SELECT c.relname, coalesce(array_agg(DISTINCT ref.relname) FILTER (WHERE ref.relname IS NOT NULL), '{}')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_rewrite rw ON rw.ev_class = c.oid AND c.relkind = 'v'
LEFT JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
     AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
LEFT JOIN pg_class ref ON ref.oid = d.refobjid
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
GROUP BY c.relname
"""


def _relations(session: Session) -> dict[str, frozenset[str]]:
    """Each table and view of the schema -> the tables it stands for (a view: those it reads, through
    other views), read once per process and database (the schema only changes with a migration,
    which restarts the service)."""
    database = session.get_bind().url.render_as_string(hide_password=True)
    found = _relations_by_database.get(database)
    if found is None:
        direct = {name: set(refs) for name, refs in session.execute(text(_RELATIONS))}

        def base(name: str, seen: frozenset[str]) -> frozenset[str]:
            refs = direct.get(name, set())
            if not refs or name in seen:
                return frozenset({name})
            return frozenset().union(*(base(r, seen | {name}) for r in refs))

        found = _relations_by_database[database] = {name: base(name, frozenset()) for name in direct}
    return found


def tables_read(session: Session, sql: str) -> frozenset[str]:
    """The tables `sql` may read: those whose names (or the names of views over them) occur in it."""
    relations = _relations(session)
    return frozenset().union(*(relations[w] for w in _words(sql) if w in relations))


_VERSIONS = text(
    "SELECT 'data_versions'::regclass::oid, CURRENT_DATE::text, coalesce((SELECT "
    "jsonb_object_agg(table_name, version) FROM data_versions), '{}'::jsonb), "
    "extract(epoch FROM (CURRENT_DATE + 1)::timestamptz - now())"
)


def _read_versions(execute, url: str) -> tuple[str, dict[str, int], float]:
    oid, day, versions, seconds_left_today = execute(_VERSIONS).one()
    return f"{url}#{oid}#{day}", versions, float(seconds_left_today)


def data_versions(session: Session) -> tuple[str, dict[str, int]]:
    """What the cache tells apart besides the SQL: the database (its URL and the oid of its
    `data_versions`: a restored or another database's table has another, so versions restart
    safely), today as the database counts days (admin units in force follow CURRENT_DATE), and each
    tracked table's data version. This process's copy (kept by a LISTEN, see VersionWatch) when it
    holds, else read in one query."""
    engine = session.get_bind()
    url = engine.url.render_as_string(hide_password=True)
    watch = version_watch(engine)
    if watch is not None:
        kept = watch.current(engine)
        if kept is not None:
            return kept
    epoch, versions, _ = _read_versions(session.execute, url)
    return epoch, versions


# Whether the database's commits notify (migration 0033's bump_data_versions).
_NOTIFIES = (
    "SELECT coalesce(bool_or(prosrc LIKE '%pg_notify(''data_versions''%'), false) FROM pg_proc "
    "WHERE proname = 'bump_data_versions'"
)


class VersionWatch:
    """This process's copy of `data_versions` for one database, so a cache hit reads nothing from it.

    The copy is read on a connection of its own that LISTENs on channel `data_versions` (migration
    0033: the commit of every writing transaction notifies it, after its versions are bumped); a
    notification, or a commit made by this process (any engine: the connection events below), drops
    the copy, and the next request reads it again. It also lapses at the database's midnight (the
    day is part of the key). Until the connection listens, and whenever it breaks, every request
    reads the versions itself, as before. Another process's commit is seen once its notification
    has arrived (the listening thread wakes on it: milliseconds)."""

    def __init__(self, engine):
        self._engine = engine  # the listening connection's (another engine of the URL may read)
        self._url = engine.url.render_as_string(hide_password=True)
        self._lock = threading.Lock()
        self._kept: tuple[str, dict[str, int]] | None = None
        self._until = 0.0  # time.monotonic() the copy lapses at (the database's midnight)
        self._generation = 0  # bumped by every drop: a read begun before it is not kept
        self._listening = False
        self._listened = False  # since the last failure
        self._thread = threading.Thread(target=self._run, name="data-versions-listen", daemon=True)
        self._thread.start()

    def current(self, engine) -> tuple[str, dict[str, int]] | None:
        if not self._listening:
            return None
        with self._lock:
            if self._kept is not None and time.monotonic() < self._until:
                return self._kept
            self._lapse()
            generation = self._generation
        with engine.connect() as conn:
            epoch, versions, seconds_left = _read_versions(conn.execute, self._url)
            conn.rollback()
        with self._lock:
            if generation == self._generation and self._listening:
                self._kept, self._until = (epoch, versions), time.monotonic() + min(seconds_left, 3600)
        return epoch, versions

    def peek(self) -> tuple[int, str] | None:
        """(generation, epoch) of the copy this process holds now, without reading anything: None
        when it holds none (not listening, dropped, lapsed). Whatever was worked out from the data
        at one generation still holds while the generation is the same (app/tile_fastpath.py)."""
        with self._lock:
            if not self._listening or self._kept is None:
                return None
            if time.monotonic() >= self._until:
                self._lapse()
                return None
            return self._generation, self._kept[0]

    @property
    def generation(self) -> int:
        return self._generation

    def _lapse(self) -> None:
        """The copy's day is over (the lock held): dropped as by a write, so that nothing kept
        under yesterday's generation is taken for today's."""
        if self._kept is not None:
            self._kept = None
            self._generation += 1

    def drop(self) -> None:
        with self._lock:
            self._kept = None
            self._generation += 1

    def _run(self) -> None:
        pause_s = 1.0
        while True:
            try:
                self._listen()
            except Exception as e:  # noqa: BLE001 - any failure: requests read versions themselves meanwhile
                if self._listened:
                    pause_s = 1.0
                    log.warning("data_versions LISTEN lost (%s); versions are read per request meanwhile", e)
            self._listening = self._listened = False
            self.drop()
            time.sleep(pause_s)
            pause_s = min(pause_s * 2, 60.0)  # a database gone for good (a dropped test one) costs little

    def _listen(self) -> None:
        raw = self._engine.raw_connection()
        raw.detach()  # its own connection for good, not the pool's
        dbapi = raw.dbapi_connection
        try:
            dbapi.rollback()  # the pool's ping may have begun a transaction
            dbapi.autocommit = True
            with dbapi.cursor() as cur:
                cur.execute(_NOTIFIES)
                if not cur.fetchone()[0]:
                    return  # a database before migration 0033: no notification to wait for
                cur.execute("LISTEN data_versions")
            self.drop()
            self._listening = self._listened = True  # a commit from now on notifies this connection
            while True:
                if select.select([dbapi], [], [], 60)[0]:
                    dbapi.poll()
                    if dbapi.notifies:
                        dbapi.notifies.clear()
                        self.drop()
                else:
                    with dbapi.cursor() as cur:  # idle: check the connection still holds
                        cur.execute("SELECT 1")
        finally:
            self._listening = False
            dbapi.close()


_watches: dict[str, VersionWatch] = {}
_watches_lock = threading.Lock()


def version_watch(engine) -> VersionWatch | None:
    """This process's VersionWatch of `engine`'s database (started on first use), None for a
    database not served by psycopg2 (no LISTEN there)."""
    if engine.dialect.driver != "psycopg2":
        return None
    url = engine.url.render_as_string(hide_password=True)
    with _watches_lock:
        watch = _watches.get(url)
        if watch is None:
            watch = _watches[url] = VersionWatch(engine)
        return watch


def _drop_all() -> None:
    for watch in list(_watches.values()):
        watch.drop()


# A commit by this process drops its copies at once: before the commit (the event comes first) and
# again after it, when the connection goes back to its pool or begins its next transaction — so a
# request that follows its own process's write never waits for the notification. Only commits count
# (a tile request ends in a rollback): few, and each costs the next request one read of the versions.
def _on_commit(conn) -> None:
    conn.info["hg_versions_committed"] = True
    _drop_all()


def _after_commit(conn) -> None:
    if conn.info.pop("hg_versions_committed", False):
        _drop_all()


def _on_checkin(_dbapi_connection, record) -> None:
    if record is not None and record.info.pop("hg_versions_committed", False):
        _drop_all()


event.listen(Engine, "commit", _on_commit)
event.listen(Engine, "begin", _after_commit)
event.listen(Pool, "checkin", _on_checkin)

# Logins and tokens are not tracked (no data version, no trigger), yet every worker keeps who a
# token is (app/tile_fastpath.py) only as long as its generation holds. So a statement that may end
# or change a login (a token revoked, a user disabled, their role, company or district changed) also
# notifies the channel, on its own connection, in its own transaction: the other workers drop their
# copies when it commits, this process at once (_on_commit). A token's note of its last use changes
# nobody's rights and is left out (it comes every few minutes per token); a new token or user
# invalidates nothing.
_ACCOUNT_WRITE = re.compile(
    r"^\s*(?:UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?\"?(?:auth_tokens|users)\b", re.I
)
_LAST_USED = re.compile(r"^\s*UPDATE auth_tokens SET last_used_at = now\(\) WHERE id = %\(id\)s\s*$")


def _notify_account_write(conn, cursor, statement, _parameters, _context, _executemany) -> None:
    if (
        conn.dialect.name == "postgresql"
        and _ACCOUNT_WRITE.match(statement)
        and not _LAST_USED.match(statement)
    ):
        with cursor.connection.cursor() as notify:
            notify.execute("SELECT pg_notify('data_versions', 'accounts')")


def notify_account_writes() -> None:
    """Have this process's writes to logins notify the workers (once; accounts.py asks at import, so
    the CLI and scripts that disable a user or revoke a token notify too)."""
    if not event.contains(Engine, "after_cursor_execute", _notify_account_write):
        event.listen(Engine, "after_cursor_execute", _notify_account_write)


notify_account_writes()


@dataclass(frozen=True)
class Key:
    digest: str  # hex; the ETag's value

    @property
    def etag(self) -> str:
        return f'"t-{self.digest}"'

    # The gzip-compressed tile: another representation, so another ETag and cache entry.
    @property
    def gzip_digest(self) -> str:
        return f"{self.digest}.gz"

    @property
    def gzip_etag(self) -> str:
        return f'"t-{self.digest}-gz"'


def tile_key(
    read: frozenset[str], epoch: str, sql: str, params: dict, versions: dict[str, int]
) -> Key | None:
    """The cache key of a tile query reading tables `read`, or None when one of them has no data
    version (`epoch` and `versions`: as data_versions gives them)."""
    if not read <= versions.keys():
        return None
    h = hashlib.blake2b(digest_size=16)
    for part in (
        epoch,
        sql,
        repr(sorted((k, type(v).__name__, repr(v)) for k, v in params.items())),
        repr(sorted((t, versions[t]) for t in read)),
    ):
        h.update(part.encode())
        h.update(b"\x00")
    return Key(h.hexdigest())


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (weak or strong, in a list, or `*`)."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


class BytesLRU:
    """A thread-safe LRU of bytes values bounded by their total size (plus a small overhead each)."""

    def __init__(self, budget_bytes: int):
        self.budget_bytes = budget_bytes
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @staticmethod
    def _cost(key: str, value: bytes) -> int:
        return len(key) + len(value) + _ENTRY_OVERHEAD

    @property
    def size_bytes(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        cost = self._cost(key, value)
        if cost > self.budget_bytes:
            return  # larger than the whole budget: never kept
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= self._cost(key, old)
            self._entries[key] = value
            self._size += cost
            while self._size > self.budget_bytes:
                evicted_key, evicted = self._entries.popitem(last=False)
                self._size -= self._cost(evicted_key, evicted)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


_caches: dict[int, BytesLRU] = {}
_caches_lock = threading.Lock()


def tile_lru(budget_bytes: int) -> BytesLRU | None:
    """This process's tile LRU for a budget (None when the budget is 0: no server-side cache)."""
    if budget_bytes <= 0:
        return None
    with _caches_lock:
        cache = _caches.get(budget_bytes)
        if cache is None:
            _caches.clear()  # the budget changed (settings reloaded): start afresh
            cache = _caches[budget_bytes] = BytesLRU(budget_bytes)
        return cache
