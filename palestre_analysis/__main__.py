"""``python -m palestre_analysis`` is the ``palestre`` command."""

import sys

from .cli import main

sys.exit(main())
