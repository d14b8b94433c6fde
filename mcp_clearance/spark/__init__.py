"""The heavy part of a run on Apache Spark: the reduction of raw calls and target events from a Parquet lake.

`python -m mcp_clearance.spark reduce --lake DIR --out OUT` (or spark-submit) computes every view of
evaluate.MATERIALISED_VIEWS from the lake, translating the same queries/*.sql the DuckDB path runs to Spark SQL
with sqlglot (translate.py), and writes each as Parquet `OUT/<view>/`; `mcp-clearance run --reduced OUT`
loads them (reduced.py) instead of computing them. Only reduce.py needs pyspark. See docs/scale.md.
"""
