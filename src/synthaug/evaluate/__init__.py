"""Evaluation: fidelity, utility, privacy, domain gap and the augmentation audit."""

from synthaug.evaluate.audit import AuditResult, AuditThresholds, audit  # noqa: F401
