"""``python -m bench``: run the scenarios at a scale, on SQLite and/or PostgreSQL.

python -m bench --scale small --check                # seconds; what CI runs
python -m bench --scale medium --backend both --repeat 3 --json bench-medium.json
PODIUM_API_WORKERS=2 python -m bench --scale medium --scenario ingest --ingest-clients 4
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench.backends import BACKENDS
from bench.run import CheckError, Figure, Run
from bench.scales import SCALES, Scale
from bench.scenarios import SCENARIOS
from bench.server import MAX_INGEST_BATCH


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; medians reported")
    parser.add_argument(
        "--check", action="store_true", help="fail (exit 1) when a measured result is wrong"
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="only these scenarios (repeatable); default: all",
    )
    parser.add_argument(
        "--ingest-clients",
        type=int,
        default=1,
        metavar="N",
        help="ingest: client connections posting at once, each its own share of the batches",
    )
    parser.add_argument(
        "--ingest-batch",
        type=int,
        metavar="ROWS",
        help="ingest: rows per request (default: the scale's)",
    )
    parser.add_argument("--workdir", type=Path, help="where SQLite files go (default: a temp dir)")
    parser.add_argument("--json", type=Path, help="also write every figure and sample here")
    options = parser.parse_args(argv)
    scale = SCALES[options.scale]
    batch = scale.ingest_batch if options.ingest_batch is None else options.ingest_batch
    if not 1 <= batch <= MAX_INGEST_BATCH:
        parser.error(f"--ingest-batch must be between 1 and {MAX_INGEST_BATCH:,}")
    if not 1 <= options.ingest_clients <= -(-scale.ingest_rows // batch):
        parser.error(
            f"--ingest-clients must be between 1 and the number of batches "
            f"({scale.ingest_rows:,} rows in batches of {batch:,})"
        )
    return options


def chosen_scale(options: argparse.Namespace) -> Scale:
    """The scale named by ``--scale``, with what the ingest options change in it."""
    scale = SCALES[options.scale]
    if options.ingest_batch is not None:
        scale = dataclasses.replace(scale, ingest_batch=options.ingest_batch)
    return dataclasses.replace(scale, ingest_clients=options.ingest_clients)


def machine() -> dict[str, str]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def show(figures: list[Figure]) -> None:
    width = max((len(figure.name) for figure in figures), default=10)
    for figure in figures:
        samples = ", ".join(f"{value:,.4g}" for value in figure.samples)
        print(
            f"{figure.backend:<10} {figure.scenario:<14} {figure.name:<{width}} "
            f"{figure.median:>12,.4g} {figure.unit:<7} [{samples}] {figure.note}"
        )


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    scale = chosen_scale(options)
    backends = BACKENDS if options.backend == "both" else (options.backend,)
    names = options.scenario or list(SCENARIOS)
    info = machine()
    print(
        f"bench: scale {scale.name}, backends {', '.join(backends)}, repeat {options.repeat}; "
        f"{info['cores']} cores, {info['cpu']}, Python {info['python']}"
    )
    figures: list[Figure] = []
    status = 0
    with tempfile.TemporaryDirectory(prefix="podium-bench-") as temporary:
        workdir = options.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        for backend in backends:
            with ExitStack() as stack:
                run = Run(scale, backend, max(1, options.repeat), options.check, workdir, stack)
                for name in names:
                    started = time.perf_counter()
                    try:
                        found = SCENARIOS[name](run)
                    except CheckError as error:
                        print(f"CHECK FAILED {backend} {name}: {error}", file=sys.stderr)
                        status = 1
                        if options.check:
                            continue
                        raise
                    show(found)
                    figures += found
                    print(f"  ({backend} {name}: {time.perf_counter() - started:.1f} s)")
    if options.json:
        options.json.write_text(
            json.dumps(
                {
                    "scale": scale.name,
                    "repeat": options.repeat,
                    "ingest_clients": scale.ingest_clients,
                    "ingest_batch": scale.ingest_batch,
                    "machine": info,
                    "figures": [
                        {
                            "scenario": f.scenario,
                            "backend": f.backend,
                            "name": f.name,
                            "unit": f.unit,
                            "median": f.median,
                            "samples": f.samples,
                            "note": f.note,
                        }
                        for f in figures
                    ],
                },
                indent=2,
            )
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
