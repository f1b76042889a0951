"""The OFDS builder on a tiny hand-made network: manholes, poles, a splitter and three ducts."""

from datetime import date

from gis.ofds import OFDS_SCHEMA, NodeRecord, SpanRecord, build_network, network_uuid
from tests.ofds_schema import ofds_checks, ofds_errors, package_schema

# D1 runs 0.001° east (~110 m) between its two manholes; D2 has a manhole only at its start; D3
# has one at each end and one along the way (1 cm off its line), where it is cut in two spans.
NODES = [
    NodeRecord("M1", "M1", "manhole", 105.0, 9.0, "VNPT", ("VNPT", "Viettel"), span_id="D1"),
    NodeRecord("M2", "M2", "manhole", 105.001, 9.0, "VNPT", ("VNPT", "Viettel"), span_id="D1"),
    NodeRecord("M3", "M3", "manhole", 105.001, 9.0000001, "FPT Telecom", ("FPT Telecom",), span_id="D2"),
    NodeRecord("P1", "P1", "pole", 105.002, 9.0, "EVN", ("VNPT", "Viettel", "VNPT")),
    NodeRecord("F1", "F1", "fibre_access_point", 105.003, 9.0, "Viettel", ("Viettel",), status="planned"),
    NodeRecord("P2", "P2", "pole", 105.004, 9.0, "EVN"),  # no cable on it yet
    NodeRecord("M5", "M5", "manhole", 105.0, 9.01, "VNPT", span_id="D3"),
    NodeRecord("M7", "M7", "manhole", 105.001, 9.01, "VNPT", span_id="D3"),
    NodeRecord("M6", "M6", "manhole", 105.0006, 9.0100001, "VNPT", span_id="D3"),
]
SPANS = [
    SpanRecord("D1", "D1", ((105.0, 9.0), (105.0005, 9.0), (105.001, 9.0)), "VNPT", ("Viettel", "VNPT")),
    SpanRecord("D2", "D2", ((105.001, 9.0), (105.001, 9.001)), "FPT Telecom", ("FPT Telecom",)),
    SpanRecord("D3", "D3", ((105.0, 9.01), (105.0004, 9.01), (105.0008, 9.01), (105.001, 9.01)), "VNPT"),
]
VNPT = "Tập đoàn Bưu chính Viễn thông Việt Nam"


def _package():
    return build_network(
        NODES,
        SPANS,
        organisations={"VNPT": VNPT},
        network_id="7d8c3e7a-2f4b-5a54-9a3e-2b6f0f1c9d10",
        name="test",
        publisher="us",
        publication_date=date(2026, 1, 2),
    )


def _network():
    return _package()["networks"][0]


def test_spans_start_and_end_at_their_own_manholes_or_at_synthesized_nodes():
    net = _network()
    spans = {s["id"]: s for s in net["spans"]}
    assert (spans["D1"]["start"], spans["D1"]["end"]) == ("M1", "M2")
    # M2 lies at D2's start too, but belongs to D1: D2 starts at its own manhole M3 (1 cm away)
    assert (spans["D2"]["start"], spans["D2"]["end"]) == ("M3", "D2/end")
    ids = [n["id"] for n in net["nodes"]]
    assert ids == ["M1", "M2", "M3", "P1", "F1", "P2", "M5", "M7", "M6", "D2/end"]
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
    bare = next(n for n in net["nodes"] if n["id"] == "P2")
    assert "networkProviders" not in bare  # OFDS: the list, when given, is never empty


def test_spans_are_below_ground_routes_and_organisations_are_listed_once():
    net = _network()
    d1 = net["spans"][0]
    assert d1["deployment"] == ["belowGround"]
    assert d1["route"] == {
        "type": "LineString",
        "coordinates": [[105.0, 9.0], [105.0005, 9.0], [105.001, 9.0]],
    }
    assert [p["id"] for p in d1["networkProviders"]] == ["VNPT", "Viettel"]
    assert [o["id"] for o in net["organisations"]] == ["EVN", "FPT Telecom", "VNPT", "Viettel"]
    assert net["organisations"][2]["name"] == VNPT
    assert net["publicationDate"] == "2026-01-02"
    assert net["crs"]["name"] == "urn:ogc:def:crs:OGC::CRS84"


def test_a_route_is_cut_into_spans_at_the_manholes_along_it():
    spans = [s for s in _network()["spans"] if s["id"].startswith("D3")]
    assert [(s["id"], s["name"], s["start"], s["end"]) for s in spans] == [
        ("D3/1", "D3 (1/2)", "M5", "M6"),
        ("D3/2", "D3 (2/2)", "M6", "M7"),
    ]
    assert [s["route"]["coordinates"] for s in spans] == [
        [[105.0, 9.01], [105.0004, 9.01], [105.0006, 9.0100001]],  # through the manhole itself
        [[105.0006, 9.0100001], [105.0008, 9.01], [105.001, 9.01]],
    ]


def test_every_organisation_reference_carries_the_organisations_name():
    net = _network()
    names = {o["id"]: o["name"] for o in net["organisations"]}
    refs = [n["physicalInfrastructureProvider"] for n in net["nodes"] + net["spans"]]
    refs += [p for item in net["nodes"] + net["spans"] for p in item.get("networkProviders", [])]
    assert {"id": "VNPT", "name": VNPT} in refs
    assert all(ref["name"] == names[ref["id"]] for ref in refs)
    # libcoveofds finds no mismatch; it only notes the poles and the access point, which the
    # register knows no cable route to
    assert [(c["type"], c.get("node_id")) for c in ofds_checks(_package())] == [
        ("node_not_used_in_any_spans", node) for node in ("P1", "F1", "P2")
    ]


def test_empty_network():
    net = build_network([], [])["networks"][0]
    assert net["nodes"] == [] and net["spans"] == [] and net["organisations"] == []


def test_the_package_is_valid_against_the_official_schema():
    assert package_schema()["$id"].endswith("/0__3__0/schema/network-package-schema.json")
    assert ofds_errors(_package()) == []
    # the schema's first link must name it; ours does
    assert _network()["links"][0] == {"rel": "describedby", "href": OFDS_SCHEMA}


def test_the_validator_catches_what_the_standard_forbids():
    package = _package()
    net = package["networks"][0]
    net["id"] = "hau-giang"  # not a UUID
    net["spans"][0]["deployment"] = "belowGround"  # a codelist array, not a string
    net["nodes"][0]["status"] = "active"  # not in the closed nodeStatus codelist
    assert ofds_errors(package) == [
        "networks/0/id: 'hau-giang' is not a 'uuid'",
        "networks/0/nodes/0/status: 'active' is not one of ['proposed', 'planned', 'underConstruction', "
        "'operational', 'decommissioned', 'inactive']",
        "networks/0/spans/0/deployment: 'belowGround' is not of type 'array'",
    ]


def test_the_network_id_is_a_stable_uuid():
    assert network_uuid("a") == network_uuid("a") != network_uuid("b")
    assert build_network([], [], name="x")["networks"][0]["id"] == network_uuid("x")
