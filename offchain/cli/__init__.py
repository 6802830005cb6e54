"""Entry points: the `imse` console command and what the ape scripts share (options, error messages)."""
