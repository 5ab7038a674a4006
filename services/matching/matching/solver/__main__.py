"""``python -m matching.solver``: the same as the ``rueda-match`` command."""

from .cli import main

raise SystemExit(main())
