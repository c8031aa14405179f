"""``python -m course_lib train TASK --config smoke|full [--resume]``; see :mod:`.cli`."""

import sys

from .plumbing.cli import main

sys.exit(main())
