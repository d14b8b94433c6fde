"""The Streamlit dashboard: one module per page, all numbers from the named views (via the API)."""
