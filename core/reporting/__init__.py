"""The licence annual report and what is computed from it: the fields (fields.toml), material changes
and calendar (regulatory), the data-quality checks (quality), the credit estimate (credit), the
compliance asset pack (asset_pack), the Excel exports (exports), the company profile (profile) and
the pure figure builders (charts). It may import core.compliance and the layers below; never
pagedata, the demo or the CLI.
"""
