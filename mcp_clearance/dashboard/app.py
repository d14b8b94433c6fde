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
from mcp_clearance.dashboard.nav import go
from mcp_clearance.dashboard.style import wrap_labels


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


def _home() -> None:
    """The root URL opens Posture at its own URL (/posture), so the address a user copies names the page."""
    go("posture", dict(st.query_params.to_dict()))


def main(start: str | None = None) -> None:
    """Run the app. `start` serves that page at the root URL instead (tests open each page this way)."""
    st.set_page_config(page_title="MCP Clearance", layout="wide")
    wrap_labels()
    if sign_in_required():
        st.stop()
    pages = {spec.name: st.Page(spec.render, title=spec.title, url_path=spec.url_path, default=spec.name == start)
             for spec in SPECS}
    st.session_state["_pages"] = pages
    home = [] if start else [st.Page(_home, title="Home", url_path="home", default=True)]
    current = st.navigation(home + list(pages.values()), position="hidden")
    with st.sidebar:  # the pages listed by hand: the root redirect is not one of them
        for page in pages.values():
            st.page_link(page)
    current.run()
