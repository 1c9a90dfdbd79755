"""Building DuckDB's pre-aggregated rollup tables (declared in core.semantic.rollup) after every import
and on demand: the build fills them with the semantic layer's own query builders. It may import
core.semantic, core.ingest and core.infra.
"""
