"""Named scales of the synthetic data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scale:
    name: str
    models: int
    params: int
    ingest_rows: int  # predictions sent through the HTTP API (scenario 1)
    ingest_batch: int  # rows per request
    cycle_batch: int  # new predictions scored by one cycle (scenario 2)
    history_low: int  # scores already stored: the small history...
    history_high: int  # ...and the long one; the cycle's cost ratio between the two is the headline
    load_seconds: float  # duration of each read load run (scenario 4)
    load_connections: int
    paced_rate: int  # requests per second of the paced read load (scenario 4, reads-paced)
    paced_seconds: float
    attempts: int  # challenge attempts POSTed per mode (scenario 5)
    ingest_clients: int = 1  # client connections posting batches at once (scenario 1)


SCALES = {
    "small": Scale(
        name="small",
        models=100,
        params=10,
        ingest_rows=10_000,
        ingest_batch=5_000,
        cycle_batch=10_000,
        history_low=10_000,
        history_high=100_000,
        load_seconds=1.0,
        load_connections=8,
        paced_rate=250,
        paced_seconds=5.0,
        attempts=500,
    ),
    "medium": Scale(
        name="medium",
        models=1_000,
        params=20,
        ingest_rows=200_000,
        ingest_batch=10_000,
        cycle_batch=100_000,
        history_low=100_000,
        history_high=1_000_000,
        load_seconds=10.0,
        load_connections=16,
        paced_rate=3_000,
        paced_seconds=20.0,
        attempts=2_000,
    ),
    "large": Scale(
        name="large",
        models=1_000,
        params=20,
        ingest_rows=1_000_000,
        ingest_batch=10_000,
        cycle_batch=100_000,
        history_low=100_000,
        history_high=10_000_000,
        load_seconds=10.0,
        load_connections=16,
        paced_rate=3_000,
        paced_seconds=20.0,
        attempts=2_000,
    ),
}
