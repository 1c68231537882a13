"""`python -m wasitool` is the `wasitool` command."""

import sys

from wasitool.cli import main

sys.exit(main())
