"""``python -m tinygrad_cnn ...`` is the ``tinygrad-cnn`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
