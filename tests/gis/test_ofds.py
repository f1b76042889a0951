"""The OFDS builder on a tiny hand-made network: two manholes, one pole, one splitter, two ducts."""

from datetime import date

from gis.ofds import NodeRecord, SpanRecord, build_network

# D1 runs 0.001° east (~110 m) between its two manholes; D2 has a manhole only at its start.
NODES = [
    NodeRecord("M1", "M1", "manhole", 105.0, 9.0, "VNPT", ("VNPT", "Viettel"), span_id="D1"),
    NodeRecord("M2", "M2", "manhole", 105.001, 9.0, "VNPT", ("VNPT", "Viettel"), span_id="D1"),
    NodeRecord("M3", "M3", "manhole", 105.001, 9.0000001, "FPT Telecom", ("FPT Telecom",), span_id="D2"),
    NodeRecord("P1", "P1", "pole", 105.002, 9.0, "EVN", ("VNPT", "Viettel", "VNPT")),
    NodeRecord("F1", "F1", "fibre_access_point", 105.003, 9.0, "Viettel", ("Viettel",), status="planned"),
]
SPANS = [
    SpanRecord("D1", "D1", ((105.0, 9.0), (105.0005, 9.0), (105.001, 9.0)), "VNPT", ("Viettel", "VNPT")),
    SpanRecord("D2", "D2", ((105.001, 9.0), (105.001, 9.001)), "FPT Telecom", ("FPT Telecom",)),
]


def _network():
    return build_network(
        NODES,
        SPANS,
        organisations={"VNPT": "Tập đoàn Bưu chính Viễn thông Việt Nam"},
        network_id="n1",
        name="test",
        publisher="us",
        publication_date=date(2026, 1, 2),
    )["networks"][0]


def test_spans_start_and_end_at_their_own_manholes_or_at_synthesized_nodes():
    net = _network()
    spans = {s["id"]: s for s in net["spans"]}
    assert (spans["D1"]["start"], spans["D1"]["end"]) == ("M1", "M2")
    # M2 lies at D2's start too, but belongs to D1: D2 starts at its own manhole M3 (1 cm away)
    assert (spans["D2"]["start"], spans["D2"]["end"]) == ("M3", "D2/end")
    ids = [n["id"] for n in net["nodes"]]
    assert ids == ["M1", "M2", "M3", "P1", "F1", "D2/end"]
    end = net["nodes"][-1]
    assert end["location"] == {"type": "Point", "coordinates": [105.001, 9.001]}
    assert end["physicalInfrastructureProvider"] == {"id": "FPT Telecom", "name": "FPT Telecom"}


def test_owner_and_network_providers_are_kept_apart():
    net = _network()
    pole = next(n for n in net["nodes"] if n["id"] == "P1")
    assert pole["physicalInfrastructureProvider"]["id"] == "EVN"
    assert [p["id"] for p in pole["networkProviders"]] == ["VNPT", "Viettel"]  # sorted, no repeats
    assert pole["type"] == ["pole"] and pole["status"] == "operational"
    fap = next(n for n in net["nodes"] if n["id"] == "F1")
    assert fap["status"] == "planned" and fap["type"] == ["aggregationPoint"]


def test_spans_are_below_ground_routes_and_organisations_are_listed_once():
    net = _network()
    d1 = net["spans"][0]
    assert d1["deployment"] == "belowGround"
    assert d1["route"] == {
        "type": "LineString",
        "coordinates": [[105.0, 9.0], [105.0005, 9.0], [105.001, 9.0]],
    }
    assert [p["id"] for p in d1["networkProviders"]] == ["VNPT", "Viettel"]
    assert [o["id"] for o in net["organisations"]] == ["EVN", "FPT Telecom", "VNPT", "Viettel"]
    assert net["organisations"][2]["name"] == "Tập đoàn Bưu chính Viễn thông Việt Nam"
    assert net["publicationDate"] == "2026-01-02"
    assert net["crs"]["name"] == "urn:ogc:def:crs:OGC:1.3:CRS84"


def test_empty_network():
    net = build_network([], [])["networks"][0]
    assert net["nodes"] == [] and net["spans"] == [] and net["organisations"] == []
