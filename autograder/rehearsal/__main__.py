import sys

from autograder.rehearsal.cli import main

sys.exit(main())
