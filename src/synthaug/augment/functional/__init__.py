"""Pure per-target kernels: arrays in, arrays out; no randomness, no classes.

Kernels are named ``<op>_<target>`` (``hflip_image``, ``warp_boxes``, ``warp_keypoints``).
"""

from synthaug.augment.functional.geometric import *  # noqa: F403
from synthaug.augment.functional.pixel import *  # noqa: F403
