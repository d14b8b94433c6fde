"""MCP Clearance: may AI agents be connected to each system through MCP, and what is missing?

In a notebook:

>>> from mcp_clearance import Estate
>>> estate = Estate.open("estate.duckdb")
>>> estate.verdicts()
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Estate", "Filter", "__version__"]


def __getattr__(name: str) -> Any:
    # imported lazily so the command line starts without pandas and plotly
    if name in ("Estate", "Filter"):
        from mcp_clearance import api

        return getattr(api, name)
    raise AttributeError(name)
