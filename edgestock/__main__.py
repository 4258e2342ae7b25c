from edgestock.cli import app

app()
