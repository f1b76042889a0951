"""Cut the offline basemap's water (sea, lakes, rivers, canals) to the region, from Debian's GSHHG.

    .venv/bin/python scripts/build_water.py [--region data/hamlets] [--out build/basemap/water.json]

The water is cut to the union of every ``province.geojson`` under ``--region`` (the sample's, or a
deployment's own files) widened by ``--buffer-km`` (gis/region_clip.py): it follows the region's
shape with round edges, where a rectangle showed its straight sides once zoomed out. Output: a
compact GeoJSON (5 decimals, about a metre) that the app serves at /basemap/water.json; the map
draws it when OpenStreetMap's tiles cannot load.
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


def _rounded(geom) -> dict:
    data = mapping(geom)

    def walk(value):
        if isinstance(value, float):
            return round(value, 5)
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        return value

    return {"type": data["type"], "coordinates": walk(data["coordinates"])}


def build(clip, shore_path: Path, river_path: Path) -> dict:
    """The water of the bins under ``clip`` (a polygon in degrees), cut to it, by kind."""
    bbox = clip.bounds
    features = []
    for kind, polygons in sorted(gshhg.water(gshhg.read_shore_bins(shore_path, bbox)).items()):
        merged = unary_union(polygons).intersection(clip).simplify(SIMPLIFY_DEG)
        if not merged.is_empty:
            features.append({"type": "Feature", "properties": {"kind": kind}, "geometry": _rounded(merged)})
    by_kind: dict[str, list] = {}
    for level, line in gshhg.read_river_lines(river_path, bbox):
        if level in RIVER_KINDS:
            by_kind.setdefault(RIVER_KINDS[level], []).append(line)
    for kind, lines in sorted(by_kind.items()):
        merged = gshhg.merged_lines(lines).intersection(clip).simplify(SIMPLIFY_DEG)
        if not merged.is_empty:
            features.append({"type": "Feature", "properties": {"kind": kind}, "geometry": _rounded(merged)})
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
    args = parser.parse_args(argv)
    started = time.perf_counter()
    collection = build(
        region_clip_area(args.region, args.buffer_km),
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
