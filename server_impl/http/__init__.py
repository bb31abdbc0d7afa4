"""HTTP plumbing around the generated app."""
