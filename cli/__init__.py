"""The `contractkit` command line."""
