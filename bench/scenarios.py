"""The scenarios ``python -m bench`` knows, by name, in the order they run.

A scenario is a callable ``(Run) -> list[Figure]`` (``bench/run.py``): it measures on
``run.backend`` at ``run.scale``, ``run.repeat`` times, and with ``run.check`` raises
``CheckError`` when what it measured is wrong. Adding one is one line here.
"""

from __future__ import annotations

from bench import attempts
from bench.aggregation import aggregation
from bench.cycle import score_cycle
from bench.cycle_steady import steady_cycle
from bench.ingest_http import ingest
from bench.paced import reads_paced
from bench.reads import reads
from bench.run import Scenario

SCENARIOS: dict[str, Scenario] = {
    "ingest": ingest,  # 1: bulk HTTP ingest
    "cycle": score_cycle,  # 2 and 6: score cycle, short vs long history; worker peak RSS
    # 2 and 6: the cycle in the steady state (its roll-ups' upserts are updates); its own store
    "cycle-steady": steady_cycle,
    "aggregation": aggregation,  # 3 and 6: windowed aggregation vs DuckDB; worker peak RSS
    "reads": reads,  # 4: report endpoints under load
    "reads-paced": reads_paced,  # 4: the leaderboard's tail at a fixed request rate
    "attempts": attempts.scenario,  # 5: challenge attempts, in-process vs sandboxed plugin
}
