"""`python -m playground`: the same as `hoglite playground`."""

import sys

from hoglite.playground_cli import main

sys.exit(main())
