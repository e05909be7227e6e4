"""One module per CLI subcommand: argument parsing and printing only, logic lives elsewhere."""
