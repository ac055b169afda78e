"""Command groups of the ``loyalty`` command line, one module per area."""
