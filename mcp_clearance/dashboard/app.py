"""The dashboard app: sign-in, then the pages. `app.py` (repository) and `mcp-clearance dashboard` run `main`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from mcp_clearance.dashboard import (
    agents,
    data_page,
    exceptions,
    explorer,
    frameworks,
    posture,
    remediation,
    system,
    systems,
)


@dataclass(frozen=True)
class PageSpec:
    name: str  # module name, and the key links use
    title: str
    url_path: str
    render: Callable[[], None]


SPECS = [
    PageSpec("posture", "Posture", "posture", posture.render),
    PageSpec("systems", "Systems", "systems", systems.render),
    PageSpec("agents", "Agents", "agents", agents.render),
    PageSpec("frameworks", "Frameworks", "frameworks", frameworks.render),
    PageSpec("explorer", "Explorer", "explorer", explorer.render),
    PageSpec("system", "System", "system", system.render),
    PageSpec("remediation", "Remediation", "remediation", remediation.render),
    PageSpec("exceptions", "Exceptions", "exceptions", exceptions.render),
    PageSpec("data_page", "Data", "data", data_page.render),
]


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


def main(default: str = "posture") -> None:
    """Run the app; `default` is the page served at the root URL (tests open each page this way)."""
    st.set_page_config(page_title="MCP Clearance", layout="wide")
    if sign_in_required():
        st.stop()
    pages = {spec.name: st.Page(spec.render, title=spec.title, url_path=spec.url_path, default=spec.name == default)
             for spec in SPECS}
    st.session_state["_pages"] = pages
    st.navigation(list(pages.values())).run()

