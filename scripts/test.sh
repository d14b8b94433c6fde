#!/usr/bin/env bash
# Install everything the tests need into .venv and run the whole suite (lint + pytest).
# Works on a fresh machine with Python 3.11+; CI runs exactly this (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
# the end-to-end test drives the distribution's Chromium (Debian package `chromium`, /usr/bin/chromium)
if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
# the Spark reduction's tests (tests/test_spark.py) run pyspark in local mode, which needs a Java runtime:
# Debian's default headless JRE (Java 17 on bookworm)
if ! command -v java >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq default-jre-headless >/dev/null
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check .
# pytest exits 5 when it collected no tests; with `set -e` that fails the script instead of passing.
.venv/bin/python -m pytest "$@"
