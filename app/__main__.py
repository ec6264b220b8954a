"""``python -m app`` runs the same command line as the ``stockdata`` console script."""

from app.presentation.cli.main import cli

if __name__ == "__main__":
    cli(prog_name="stockdata")
