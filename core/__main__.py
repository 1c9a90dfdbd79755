"""``python -m core``: see :mod:`core.cli`."""

from __future__ import annotations

import sys

from core.cli import main
from core.infra.db import quiet_teardown

if __name__ == "__main__":
    quiet_teardown()
    sys.exit(main())
