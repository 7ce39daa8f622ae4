"""Readers and validation: a file becomes a table plus provenance, or a clear DataError."""
