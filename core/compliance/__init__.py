"""Compliance risk: the risk signals and scores per entity and period (DOMAIN.md §7) and the ranked
lists of the risk page. It may import core.semantic.rollup, core.semantic, core.ingest and core.infra; never
reporting, pagedata, the demo or the CLI.
"""
