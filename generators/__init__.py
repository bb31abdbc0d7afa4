"""contractkit generators: load contracts, build one IR, render targets."""
