"""The semantic layer: each base count declared once (what it counts, from which source, with which
predicate and rule parameters), the in-database aggregates derived from it and the metric registry,
the query context and filters, the sources and the planner that reads the pre-aggregated rollup
tables (declared here, in rollup.py) when they can answer. It may import core.ingest and core.infra;
everything above it reads numbers through it.
"""
