"""Foundations every layer may use: engines, schema and locks (db, schema), the few dialect differences
(sql), comparison periods, customer-id masking (privacy), interface text and number formats (i18n),
and the rules (rules.toml and its loader, the parameters every computation takes). It imports
nothing from core outside this package.
"""
