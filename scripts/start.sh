#!/usr/bin/env bash
# Set everything up on a fresh machine (Python 3.11+) and run the main job on the sample estate:
# install into .venv, ingest + evaluate sample_data/ into estate.duckdb (with its eight earlier runs),
# write report.md, then serve the dashboard on http://localhost:8501 (skip with --no-dashboard).
set -euo pipefail
cd "$(dirname "$0")/.."
dashboard=1
for arg in "$@"; do
  case "$arg" in
    --no-dashboard) dashboard=0 ;;
    *) echo "usage: bash scripts/start.sh [--no-dashboard]" >&2; exit 2 ;;
  esac
done
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
# eight weekly past runs of the sample organisation, made by the real pipeline with --as-of dates
.venv/bin/mcp-clearance backfill --db estate.duckdb
# exit code 1 means "finished, some input quarantined": the sample estate plants bad records on purpose
.venv/bin/mcp-clearance run sample_data --db estate.duckdb --as-of 2026-11-20 || [ $? -eq 1 ]
.venv/bin/mcp-clearance report --db estate.duckdb --format markdown --output report.md
echo "Report written to report.md"
if [ "$dashboard" = 1 ]; then
  echo "Dashboard on http://localhost:8501 (Ctrl-C stops it)"
  MCP_CLEARANCE_DB=estate.duckdb exec .venv/bin/streamlit run app.py --server.port 8501
fi
