"""``python -m synthaug.cli``: the same as the ``synthaug`` command."""

from synthaug.cli import main

main()
