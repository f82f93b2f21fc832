"""``python -m runbook``: the same entry point as the ``runbook`` console script."""

from runbook.cli import main

if __name__ == "__main__":
    main()
