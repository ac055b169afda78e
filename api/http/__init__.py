"""The HTTP API: one blueprint per resource, each module with its own ``init_app``."""
