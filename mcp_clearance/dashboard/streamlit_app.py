"""The script `mcp-clearance dashboard` hands to `streamlit run` (the repository's app.py does the same)."""

from mcp_clearance.dashboard.app import main

main()
