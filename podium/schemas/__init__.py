"""Validation at the edges: request and response shapes shared by the API, the CLI and clients."""
