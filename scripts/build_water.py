"""Cut the offline basemap's water (sea, lakes, rivers, canals) to the region, from Debian's GSHHG.

    .venv/bin/python scripts/build_water.py [--region data/hamlets] [--out build/basemap/water.json]

The water is cut to the union of every ``province.geojson`` under ``--region`` (the sample's, or a
deployment's own files) widened by ``--buffer-km`` (gis/region_clip.py): it follows the region's
shape, where a rectangle showed its straight sides once zoomed out; and it fades out over the
kilometres beyond ``--solid-km`` (each piece's ``opacity``), so its round edge is no line either.
Output: a compact GeoJSON (5 decimals, about a metre) that the app serves at /basemap/water.json;
the map draws it when OpenStreetMap's tiles cannot load.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from shapely import unary_union
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gis import gshhg, region_clip  # noqa: E402

GSHHG_DIR = Path("/usr/share/gmt-gshhg")
SIMPLIFY_DEG = 0.0001  # ~11 m: below a pixel at zoom 13
# WDBII levels drawn: double-lined and permanent rivers, intermittent major ones, canals.
RIVER_KINDS = {
    0: "river",
    1: "river",
    2: "river",
    3: "river",
    4: "river",
    5: "river",
    8: "canal",
    9: "canal",
    10: "canal",
}
ATTRIBUTION = "GSHHG 2.3.7 (Wessel & Smith, LGPL-3+): shorelines, WDBII rivers"


def province_outlines(region: Path) -> list:
    """The polygons of every ``province.geojson`` under ``region``."""
    geometries = []
    for path in sorted(region.rglob("province.geojson")):
        collection = json.loads(path.read_text(encoding="utf-8"))
        geometries.extend(shape(f["geometry"]) for f in collection["features"])
    if not geometries:
        raise SystemExit(f"build_water: no province.geojson under {region}")
    return geometries


def region_clip_area(region: Path, buffer_km: float):
    """The region's outline widened by ``buffer_km``: what the offline basemap is cut to."""
    return region_clip.clip_area(province_outlines(region), buffer_km)


def region_fade_bands(region: Path, buffer_km: float, solid_km: float, steps: int) -> list:
    """That area in (opacity, polygon) bands fading out towards its edge (region_clip.fade_bands)."""
    return region_clip.fade_bands(province_outlines(region), buffer_km, solid_km, steps)


def _rounded(geom) -> dict:
    data = mapping(geom)

    def walk(value):
        if isinstance(value, float):
            return round(value, 5)
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        return value

    return {"type": data["type"], "coordinates": walk(data["coordinates"])}


def _feature(kind: str, opacity: float, geom) -> dict:
    properties = {"kind": kind} if opacity == 1 else {"kind": kind, "opacity": round(opacity, 3)}
    return {"type": "Feature", "properties": properties, "geometry": _rounded(geom)}


def build(bands: list, shore_path: Path, river_path: Path) -> dict:
    """The water of the bins under ``bands`` ((opacity, polygon in degrees) pairs that do not
    overlap), cut to each band, by kind: one feature per kind and band that holds some."""
    bbox = unary_union([area for _, area in bands]).bounds
    by_kind: dict[str, list] = {}
    for kind, polygons in gshhg.water(gshhg.read_shore_bins(shore_path, bbox)).items():
        by_kind[kind] = unary_union(polygons)
    lines: dict[str, list] = {}
    for level, line in gshhg.read_river_lines(river_path, bbox):
        if level in RIVER_KINDS:
            lines.setdefault(RIVER_KINDS[level], []).append(line)
    by_kind.update((kind, gshhg.merged_lines(found)) for kind, found in lines.items())
    features = []
    for kind, water in sorted(by_kind.items()):
        for opacity, area in bands:
            piece = water.intersection(area).simplify(SIMPLIFY_DEG)
            if not piece.is_empty:
                features.append(_feature(kind, opacity, piece))
    return {
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "bbox": [round(v, 5) for v in bbox],
        "features": features,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", type=Path, default=ROOT / "data" / "hamlets")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "basemap" / "water.json")
    parser.add_argument("--gshhg", type=Path, default=GSHHG_DIR, help="folder of binned_GSHHS_h.nc")
    parser.add_argument("--resolution", default="h", choices=list("fhilc"))
    parser.add_argument("--buffer-km", type=float, default=25.0, help="around the region's outline")
    parser.add_argument("--solid-km", type=float, default=5.0, help="drawn whole up to here, then fading")
    parser.add_argument("--fade-steps", type=int, default=8, help="rings of the fade")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    collection = build(
        region_fade_bands(args.region, args.buffer_km, args.solid_km, args.fade_steps),
        args.gshhg / f"binned_GSHHS_{args.resolution}.nc",
        args.gshhg / f"binned_river_{args.resolution}.nc",
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(
        f"build_water: {len(collection['features'])} features, {args.out.stat().st_size / 1024:.0f} KiB "
        f"in {time.perf_counter() - started:.1f} s → {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
