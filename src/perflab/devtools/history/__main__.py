"""``python -m perflab.devtools.history``: see :mod:`perflab.devtools.history.cli`."""

from perflab.devtools.history.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    raise SystemExit(main())
