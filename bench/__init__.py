"""The benchmark harness of Podium: ``python -m bench`` (see docs/benchmarks.md).

Seeded synthetic data at named scales is generated (history straight into the store, in bulk),
then each scenario measures one thing on SQLite and/or PostgreSQL and, with ``--check``, asserts
that what it measured is correct (rows stored, predictions scored, aggregates equal to DuckDB's).
Timings are reported, never asserted.
"""
