"""``python -m tinygrad_cnn ...`` is the ``tinygrad-cnn`` command."""

import sys

from .cli import main

sys.exit(main())
