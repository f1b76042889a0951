"""Deterministic synthetic sample province (SYNTHETIC: not real boundaries, not real sites).

Run ``python -m gis.synthetic --seed 2023 --out data/hamlets`` to write the files described in
docs/sample-data-contract.md.
"""

from gis.synthetic.pipeline import FILES, Sample, build_sample, generate, write_sample

__all__ = ["FILES", "Sample", "build_sample", "generate", "write_sample"]
