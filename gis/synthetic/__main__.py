"""Command line: ``python -m gis.synthetic --seed 2023 --out data/hamlets``."""

from __future__ import annotations

import argparse
import time

from gis.synthetic.pipeline import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gis.synthetic",
        description="Write the deterministic SYNTHETIC sample province (data contract files).",
    )
    parser.add_argument("--seed", type=int, default=2023, help="random seed (default 2023)")
    parser.add_argument("--out", default="data/hamlets", help="output folder")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    s = generate(args.seed, args.out)
    print(
        f"wrote {args.out}: {len(s['districts'])} districts, {s['commune_count']} communes, "
        f"{s['hamlet_count']} hamlets, population {s['population']:,}, {s['sites']} sites, "
        f"{s['poles']} poles, {s['ducts']} ducts, {s['access_points']} fibre points, "
        f"{s['speed_tests']} speed tests in {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
