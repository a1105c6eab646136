"""Modules that misbehave when imported; only ever imported in the scorer sandbox."""
