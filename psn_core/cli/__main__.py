"""`python -m psn_core.cli` runs the `psn` command (the worker supervisor and tests spawn it this way)."""

from psn_core.cli.main import main

if __name__ == "__main__":
    main()
