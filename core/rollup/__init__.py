"""Building the pre-aggregated rollup tables (declared in core.semantic.rollup) on every engine, after every
import and on demand: the build fills them with the semantic layer's own query builders. It may import
core.semantic, core.ingest and core.infra.
"""
