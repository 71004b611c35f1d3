"""`python -m lossdoc` runs the command line."""

from lossdoc.cli import main

if __name__ == "__main__":
    main()
