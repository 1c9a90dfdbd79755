"""Page data: one documented object per page, built once per request.

Each module here holds a page's data object (a frozen dataclass whose docstring documents every
attribute: its type, its units and what it means, the way Datasette documents a template context)
and the one ``build_*`` function that computes it. A page's cached loader in ``ui.glue`` calls that
function and the page draws the object; the CLI and the HTML report can call the same function, so
a figure is computed once per request and is the same figure everywhere.

* :mod:`core.pagedata.regulatory`: the regulatory dashboard (:class:`RegulatoryData`).
"""
