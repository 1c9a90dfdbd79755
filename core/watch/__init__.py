"""The watcher: ``python -m core watch``, a long-running service that imports new call records as
they appear and refreshes the rollups of the days they touch.

Modules: :mod:`~core.watch.specs` (the ``--source SPEC`` syntax), :mod:`~core.watch.sources` (a
growing CDR file with rotation, a folder of exports, a PBX's CDR table), :mod:`~core.watch.positions`
(each source's stored position, committed with the rows it covers) and :mod:`~core.watch.service`
(the loop, and :func:`~core.watch.service.after_batch`, the extension point run after each batch).

Layering: above :mod:`core.ingest` and :mod:`core.rollup`, below :mod:`core.cli`; never Streamlit.
"""

from __future__ import annotations

from core.watch.service import DEFAULT_EVERY, BatchInfo, Watcher, after_batch, watch
from core.watch.specs import Spec, SpecError, parse

__all__ = ["DEFAULT_EVERY", "BatchInfo", "Spec", "SpecError", "Watcher", "after_batch", "parse", "watch"]
