"""Open Fibre Data Standard (OFDS 0.3) networks from plain records: pure, no database.

OFDS separates who owns the passive infrastructure (``physicalInfrastructureProvider``) from who
runs a network over it (``networkProviders``) — the very distinction our sharing indicators make.
Nodes are poles, manholes and fibre access points; spans are the sections of the duct routes
between consecutive manholes of the route (a node is synthesized where a route end has none), so
that every manhole on a route is the start or end of a span. Every organisation reference carries
the id and the name of the organisation it points to, as OFDS requires.

Example
-------
>>> net = build_network(
...     [NodeRecord("M1", "M1", "manhole", 105.0, 9.0, "VNPT", ("VNPT",), span_id="D1")],
...     [SpanRecord("D1", "D1", ((105.0, 9.0), (105.001, 9.0)), "VNPT", ("VNPT", "Viettel"))],
...     organisations={"VNPT": "Tập đoàn Bưu chính Viễn thông Việt Nam"},
... )["networks"][0]
>>> [n["id"] for n in net["nodes"]], (net["spans"][0]["start"], net["spans"][0]["end"])
(['M1', 'D1/end'], ('M1', 'D1/end'))
>>> net["spans"][0]["physicalInfrastructureProvider"]["name"] == net["organisations"][0]["name"]
True
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import numpy as np
import shapely

from gis.crs import to_metric

__all__ = ["OFDS_SCHEMA", "NodeRecord", "SpanRecord", "build_network", "network_uuid"]

OFDS_VERSION = "0.3"
OFDS_SCHEMA = "https://raw.githubusercontent.com/Open-Telecoms-Data/open-fibre-data-standard/0__3__0/schema/network-schema.json"
# The schema fixes both strings (crs.name and crs.uri are `const`).
CRS84 = {"name": "urn:ogc:def:crs:OGC::CRS84", "uri": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}

# nodeStatus codelist (closed); our own statuses map onto it.
_STATUS = {
    None: "operational",
    "active": "operational",
    "planned": "planned",
    "proposed": "proposed",
    "approved": "planned",
    "decommissioned": "decommissioned",
}


@dataclass(frozen=True)
class NodeRecord:
    """A point of the passive network; ``span_id`` ties a manhole to its duct route."""

    id: str
    name: str
    kind: str  # pole | manhole | fibre_access_point (nodeType is an open codelist)
    lon: float
    lat: float
    owner: str
    providers: tuple[str, ...] = ()
    status: str | None = None
    span_id: str | None = None


@dataclass(frozen=True)
class SpanRecord:
    """A duct route: its lon/lat vertices, owner and the operators whose cables occupy it."""

    id: str
    name: str
    coords: tuple[tuple[float, float], ...]
    owner: str
    providers: tuple[str, ...] = ()


def network_uuid(name: str) -> str:
    """The RFC 4122 id OFDS requires, derived from a stable name so every export keeps it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:hgtelecom:ofds:network:{name}"))


_NODE_TYPE = {"pole": "pole", "manhole": "manhole", "fibre_access_point": "aggregationPoint"}


Org = Callable[[str], dict]  # short name -> the organisation reference {"id", "name"}


def _point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]}


def _providers(names, org: Org) -> dict:
    # OFDS wants at least one provider when the field is there: none known → no field.
    return {"networkProviders": [org(p) for p in sorted(set(names))]} if names else {}


def _node(n: NodeRecord, org: Org) -> dict:
    return {
        "id": n.id,
        "name": n.name,
        "status": _STATUS.get(n.status, "operational"),
        "location": _point(n.lon, n.lat),
        "type": [_NODE_TYPE.get(n.kind, n.kind)],
        "physicalInfrastructureProvider": org(n.owner),
        **_providers(n.providers, org),
    }


def _end_node(span: SpanRecord, candidates: list[NodeRecord], end: str, tolerance_m: float) -> NodeRecord:
    """The span's own node within ``tolerance_m`` of its ``end`` (start/end), or a new one there."""
    lon, lat = span.coords[0] if end == "start" else span.coords[-1]
    x0, y0 = to_metric(lon, lat)
    best, best_d = None, tolerance_m
    for c in candidates:
        x, y = to_metric(c.lon, c.lat)
        d = ((x - x0) ** 2 + (y - y0) ** 2) ** 0.5
        if d <= best_d:
            best, best_d = c, d
    if best is not None:
        return best
    return NodeRecord(
        f"{span.id}/{end}", f"{span.name} ({end})", "joint", lon, lat, span.owner, span.providers
    )


def _sections(span: SpanRecord, own: list[NodeRecord], tolerance_m: float):
    """The route cut at each of its own manholes within ``tolerance_m`` of it, in order along it:
    [(start node, end node, lon/lat coordinates)]. A cut runs through the manhole itself."""
    start, end = (_end_node(span, own, e, tolerance_m) for e in ("start", "end"))
    x, y = to_metric([c[0] for c in span.coords], [c[1] for c in span.coords])
    line = shapely.LineString(np.column_stack([x, y]))
    along_m = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    cuts = [(0.0, start, span.coords[0])]
    for m in own:
        point = shapely.Point(to_metric(m.lon, m.lat))
        if m not in (start, end) and line.distance(point) <= tolerance_m:
            cuts.append((line.project(point), m, (m.lon, m.lat)))
    cuts.sort(key=lambda cut: cut[0])
    cuts.append((float(along_m[-1]), end, span.coords[-1]))
    return [
        (a, b, (a_xy, *(c for c, d in zip(span.coords, along_m, strict=True) if a_m < d < b_m), b_xy))
        for (a_m, a, a_xy), (b_m, b, b_xy) in pairwise(cuts)
    ]


def build_network(
    nodes: list[NodeRecord],
    spans: list[SpanRecord],
    *,
    organisations: dict[str, str] | None = None,
    network_id: str | None = None,
    name: str = "",
    publisher: str = "",
    publication_date: date | None = None,
    tolerance_m: float = 1.0,
) -> dict:
    """An OFDS package ``{"networks": [network]}`` from node and span records.

    Parameters
    ----------
    nodes, spans : the records; node ids must be unique.
    network_id : a UUID (OFDS requires one); by default ``network_uuid(name)``.
    organisations : short name -> full name, for the network's organisation list.
    tolerance_m : how far a route's manhole may be from it to start, end or cut a span there.

    Returns
    -------
    A JSON-ready dict; every span's ``start`` and ``end`` is the id of one of its nodes, and a
    route with manholes along it is one span per section (ids ``<route>/1``, ``<route>/2``…).
    """
    names = organisations or {}

    def org(short_name: str) -> dict:
        return {"id": short_name, "name": names.get(short_name, short_name)}

    by_span: dict[str, list[NodeRecord]] = {}
    for n in nodes:
        if n.span_id is not None:
            by_span.setdefault(n.span_id, []).append(n)
    out_nodes = [_node(n, org) for n in nodes]
    out_spans = []
    for s in spans:
        own = by_span.get(s.id, [])
        sections = _sections(s, own, tolerance_m)
        out_nodes += [_node(n, org) for n in (sections[0][0], sections[-1][1]) if n not in own]
        for k, (start, end, coords) in enumerate(sections, 1):
            single = len(sections) == 1
            out_spans.append(
                {
                    "id": s.id if single else f"{s.id}/{k}",
                    "name": s.name if single else f"{s.name} ({k}/{len(sections)})",
                    "status": "operational",
                    "start": start.id,
                    "end": end.id,
                    "directed": False,
                    "route": {
                        "type": "LineString",
                        "coordinates": [[round(x, 7), round(y, 7)] for x, y in coords],
                    },
                    "physicalInfrastructureProvider": org(s.owner),
                    **_providers(s.providers, org),
                    "deployment": ["belowGround"],
                    "deploymentDetails": {"description": "duct route (cống bể cáp)"},
                }
            )
    referenced = {n.owner for n in nodes} | {s.owner for s in spans}
    referenced |= {p for n in nodes for p in n.providers} | {p for s in spans for p in s.providers}
    network = {
        "id": network_id or network_uuid(name),
        "name": name,
        "publisher": {"name": publisher},
        "publicationDate": (publication_date or date.today()).isoformat(),
        "crs": CRS84,
        "language": "vi",
        "links": [{"rel": "describedby", "href": OFDS_SCHEMA}],
        "organisations": [org(o) for o in sorted(referenced)],
        "nodes": out_nodes,
        "spans": out_spans,
    }
    return {"networks": [network]}
