"""MCP Clearance dashboard: `streamlit run app.py` (database: $MCP_CLEARANCE_DB, default estate.duckdb).

The app ships in the package (mcp_clearance.dashboard.app); `mcp-clearance dashboard` runs the same."""

from mcp_clearance.dashboard.app import main

main()
