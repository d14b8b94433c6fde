"""System: one system end to end — tier, verdict, agents, connectors, tools, credentials, chain, findings."""

from __future__ import annotations

import streamlit as st

from mcp_clearance.dashboard import data
from mcp_clearance.dashboard.style import show_badge
from mcp_clearance.dashboard.tables import show
from mcp_clearance.labels import check_label


def render() -> None:
    _, key = data.current()
    st.title("System")
    verdicts = data.view(key, "verdicts", order_by="system_id")
    if verdicts.empty:
        st.info("No systems in this run: add them to `inventory.yaml` and run `mcp-clearance run` again.")
        return
    by_id = verdicts.set_index("system_id")
    # one lookup table for the picker's labels: indexing the frame per option made the picker quadratic in systems
    names = dict(zip(verdicts["system_id"], verdicts["system_name"], strict=True))
    ids = list(names)
    wanted = st.query_params.get("system")
    system_id = st.selectbox("System", ids, index=ids.index(wanted) if wanted in names else 0, key="system",
                             format_func=lambda s: f"{s} — {names[s]}")
    st.query_params["system"] = system_id
    v = by_id.loc[system_id]

    left, right = st.columns([1, 2])
    with left:
        show_badge(v["verdict"], "Verdict: ")
        show_badge(v["verdict_after_risk"], "After accepted risk: ")
        st.markdown(f"**Tier {v['effective_tier']}** — {v['tier_reason']}")
        st.caption(f"Derived tier {v['derived_tier']} · effective tier {v['effective_tier']}")
        st.markdown(f"Owner {v['owner']} · team {v['team']} · {v['business_unit']} · {v['environment']}")
    with right:
        st.markdown(f"**Why:** {v['reason']}")
        gates = data.sql(key, "SELECT gate, status, passed, failed, unknown, coverage FROM gate_results "
                              "WHERE system_id = ? ORDER BY gate", system_id)
        show(gates, "gates", colour=["status"])

    path = data.sql(key, "SELECT step, next_stage, check_id, title, status, effort, remediation "
                         "FROM path_to_clearance WHERE system_id = ? ORDER BY step", system_id)
    if not path.empty:
        st.subheader(f"Path to {path['next_stage'].iloc[0].replace('_', '-').lower()}")
        for row in path.itertuples():
            st.markdown(f"{row.step}. **check {row.check_id} · {row.title}** ({row.status}, effort {row.effort}) — "
                        f"{row.remediation}")

    st.subheader("Agents and connectors")
    connectors = data.sql(key, "SELECT agent_id, client, server_name, transport, coalesce(command, url) AS launches, "
                               "package_name, package_version, package_pinned, tools_allow, source_file "
                               "FROM system_connectors WHERE system_id = ? ORDER BY agent_id, server_name", system_id)
    show(connectors, "connectors")

    st.subheader("Tools")
    tools = data.sql(key, "SELECT agent_id, server_name, tool_name, read_only_hint, destructive_hint, is_write, "
                          "is_destructive, reaches_secrets, is_financial, is_admin, is_egress "
                          "FROM system_tools WHERE system_id = ? ORDER BY server_name, tool_name", system_id)
    if tools.empty:
        st.caption("No tool listing for this system's servers: scope checks that need tools are unknown.")
    show(tools, "tools")

    st.subheader("Credentials")
    credentials = data.view(key, "credential_lifetimes", data.Filter(system_id=system_id))
    if credentials.empty:
        st.caption("No credential of this system's agents was found in the inventories: identity is unknown.")
    else:
        st.plotly_chart(data.figure(key, "credential_lifetimes", system_id=system_id), key="credential_chart")
        show(credentials, "credentials",
             order=["credential_id", "exceeds_tier_limit", "never_expires", "lifetime_s", "max_credential_lifetime_s",
                    "kind", "agent_id", "principal", "issued_at", "expires_at", "last_used_at", "last_rotated_at",
                    "scopes", "source_format", "source_file", "source_line"])

    st.subheader("Delegation chain seen in the logs")
    # the two chain views are read whole, once per run, and narrowed here: their cost is joining the whole audit
    # trail to the target-system events, the same for one system as for all, so switching systems stays instant
    all_chains = data.view(key, "delegation_chains", order_by="calls DESC, system_id, agent_id, tool_name")
    chains = (all_chains[all_chains["system_id"] == system_id]
              [["agent_id", "agent_identity", "delegated_user", "tool_name", "target_action", "calls"]]
              .head(50).copy())
    if chains.empty:
        st.caption("No audit events reached this system: the audit gate is unknown.")
    else:
        unlogged = "⚠ not logged"
        chains["chain"] = (chains["agent_identity"].fillna(unlogged) + " → " + chains["delegated_user"].fillna(unlogged)
                           + " → " + chains["tool_name"].fillna(unlogged) + " → "
                           + chains["target_action"].fillna(unlogged))
        show(chains[["chain", "calls"]], "chains")
        coverage = data.view(key, "delegation_chain_coverage", order_by="system_id, agent_id")
        show(coverage[coverage["system_id"] == system_id], "chain_coverage",
             order=["agent_id", "calls", "agent_share", "user_share", "decision_share", "trace_share",
                    "target_linked_share", "first_call", "last_call"])

    st.subheader("Findings with evidence")
    findings = data.sql(key, "SELECT check_id, title, status, resource, reason, observed, expected, evidence, "
                             "suppressed, exception_id FROM findings WHERE system_id = ? "
                             "ORDER BY status = 'PASS', check_id, resource", system_id)
    findings["check"] = [check_label(c, t) for c, t in zip(findings["check_id"], findings["title"], strict=True)]
    show(findings, "system_findings", colour=["status"],
         order=["status", "check", "resource", "reason", "observed", "expected", "evidence", "suppressed",
                "exception_id"])
