"""Measure synthetic data and augmentation: fidelity, utility, privacy, domain gap, audit.

Every metric returns a dataclass with ``to_dict()`` and a plain-language ``reading()``;
thresholds are documented in each module.
"""

from synthaug.evaluate.audit import AuditResult, AuditThresholds, audit
from synthaug.evaluate.domain_gap import MMDResult, ProxyADistanceResult, mmd, proxy_a_distance
from synthaug.evaluate.features import FeatureExtractor
from synthaug.evaluate.fidelity import (
    C2STResult,
    FIDResult,
    KIDResult,
    PRDCResult,
    classifier_two_sample_test,
    fid,
    kid,
    prdc,
)
from synthaug.evaluate.privacy import PrivacyResult, membership_inference_auc, privacy
from synthaug.evaluate.quality import quality_report
from synthaug.evaluate.utility import UtilityResult, utility

__all__ = [
    "AuditResult",
    "AuditThresholds",
    "C2STResult",
    "FIDResult",
    "FeatureExtractor",
    "KIDResult",
    "MMDResult",
    "PRDCResult",
    "PrivacyResult",
    "ProxyADistanceResult",
    "UtilityResult",
    "audit",
    "classifier_two_sample_test",
    "fid",
    "kid",
    "membership_inference_auc",
    "mmd",
    "prdc",
    "privacy",
    "proxy_a_distance",
    "quality_report",
    "utility",
]
