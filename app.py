"""MCP Clearance dashboard: `streamlit run app.py` (database: $MCP_CLEARANCE_DB, default estate.duckdb)."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from mcp_clearance.dashboard import data_page, exceptions, explorer, frameworks, posture, remediation, system

st.set_page_config(page_title="MCP Clearance", layout="wide")


def sign_in_required() -> bool:
    """With an OIDC provider in .streamlit/secrets.toml ([auth]), only signed-in users see the estate."""
    try:
        configured = "auth" in st.secrets
    except StreamlitSecretNotFoundError:  # no secrets file: a local, unshared dashboard
        return False
    if not configured or st.user.get("is_logged_in", False):
        return False
    st.title("MCP Clearance")
    st.write("This dashboard shows the organisation's security posture. Sign in to continue.")
    st.button("Sign in", on_click=st.login)
    return True


if sign_in_required():
    st.stop()

pages = [
    st.Page(posture.render, title="Posture", url_path="posture", default=True),
    st.Page(frameworks.render, title="Frameworks", url_path="frameworks"),
    st.Page(explorer.render, title="Explorer", url_path="explorer"),
    st.Page(system.render, title="System", url_path="system"),
    st.Page(remediation.render, title="Remediation", url_path="remediation"),
    st.Page(exceptions.render, title="Exceptions", url_path="exceptions"),
    st.Page(data_page.render, title="Data", url_path="data"),
]
st.navigation(pages).run()
