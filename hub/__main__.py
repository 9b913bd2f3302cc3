"""`python -m hub` runs the command line."""

import sys

from hub.cli import main

sys.exit(main())
