"""Links between pages, carrying filters in the URL. The pages are the ones app.main registered this run."""

from __future__ import annotations

from typing import Any

import streamlit as st


def link(name: str, label: str, query_params: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """A link to another page of the app (by module name), with its filters in the URL."""
    st.page_link(st.session_state["_pages"][name], label=label, query_params=query_params or None, **kwargs)


def go(name: str, query_params: dict[str, Any] | None = None) -> None:
    """Open another page (after a click on a chart), with its filters in the URL."""
    st.switch_page(st.session_state["_pages"][name], query_params=query_params or None)
