"""``python -m synthaug``: the same command line as ``synthaug``."""

from synthaug.cli import main

if __name__ == "__main__":
    main()
