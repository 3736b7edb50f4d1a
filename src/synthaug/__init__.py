"""synthaug: label-safe augmentation, synthetic data and honest evaluation for small datasets.

Subpackages
-----------
augment     label-aware image augmentation (numpy/OpenCV only, never imports torch)
data        dataset readers and writers, built-in datasets
synth       synthetic data generators (procedural and learned)
evaluate    fidelity, utility, privacy, domain gap and the augmentation audit
adapt       domain adaptation from synthetic to real
experiment  train with and without synthetic data, compare, report
engine      local and Ray Data back-ends for batch jobs
"""

import logging

__version__ = "0.1.0"
__all__ = ["__version__"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
