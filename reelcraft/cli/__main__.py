from reelcraft.cli.main import app

app()
