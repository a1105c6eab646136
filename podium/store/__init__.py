"""Persistence: tables, repositories, migrations, and the engine for SQLite or PostgreSQL."""
