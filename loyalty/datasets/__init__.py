"""Converters of public retail datasets into the engine's data format."""
