"""The meeting service: implementation of the generated REST interface."""
