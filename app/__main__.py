"""``python -m app`` runs the same command line as the ``stockdata`` console script."""

from app.presentation.cli.main import main

if __name__ == "__main__":
    main()
