"""`contractkit lint`: the contracts' validity plus our own rules, each with a stable ID."""

from generators.lint.registry import RULES, Rule
from generators.lint.runner import LintResult, lint_contracts

__all__ = ["RULES", "LintResult", "Rule", "lint_contracts"]
