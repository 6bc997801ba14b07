"""The `psn` command line: an edge (parse, call one service, print). `main` lives in cli/main.py."""
