"""The demo company: a deterministic three-site call centre over 36 months (company: the generator and
loader; plan: its story, sites, campaigns and events). It may import the rollup package (rebuilt
after loading), core.ingest and core.infra; only the CLI, the app's first start, tests and
benchmarks import it.
"""
