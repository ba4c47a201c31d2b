"""`python -m pipeline.cli`: the same entry point as the `diemtin` script."""

import sys

from pipeline.cli.main import main

sys.exit(main())
