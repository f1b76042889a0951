"""A response cache for vector tiles, keyed by everything that decides a tile's bytes.

The key is the exact SQL a tile runs, its bound values (tile bounds, filters, `datetime`'s day, the
caller's scope: district and whose unapproved sites — so an operator never gets a tile rendered for
the Department), the day (admin units in force follow CURRENT_DATE) and the data version of every
table the SQL reads. Versions live in `data_versions`, bumped when a writing transaction commits
(migration 0024's triggers: no version before its data, no lock held through a transaction), and
are read once per request: a write is seen by the next request of every worker. A query reading a table without a version is never cached.

Each process keeps its own bounded LRU (TILE_CACHE_BYTES, 0 turns it off); the key's hash is also
the tile's ETag, so a client's If-None-Match is answered 304 without building the tile.
"""

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import text
from sqlalchemy.orm import Session

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


def data_versions(session: Session) -> tuple[str, dict[str, int]]:
    """What the cache tells apart besides the SQL, read in one query: the database (its URL and the
    oid of its `data_versions`: a restored or another database's table has another, so versions
    restart safely), today as the database counts days (admin units in force follow CURRENT_DATE),
    and each tracked table's data version."""
    oid, day, versions = session.execute(
        text(
            "SELECT 'data_versions'::regclass::oid, CURRENT_DATE::text, coalesce((SELECT "
            "jsonb_object_agg(table_name, version) FROM data_versions), '{}'::jsonb)"
        )
    ).one()
    url = session.get_bind().url.render_as_string(hide_password=True)
    return f"{url}#{oid}#{day}", versions


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
