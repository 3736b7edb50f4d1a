"""One call that measures a synthetic set's fidelity, utility and privacy, with readings.

Used by the experiment report and ``synthaug evaluate``. Real data never includes a test set:
the caller passes the real reference, the generator's training set and a real hold-out that
the generator did not see.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthaug.evaluate.domain_gap import mmd, proxy_a_distance
from synthaug.evaluate.features import FeatureExtractor, as_matrix
from synthaug.evaluate.fidelity import classifier_two_sample_test, fid, kid, prdc
from synthaug.evaluate.privacy import privacy
from synthaug.evaluate.utility import utility

__all__ = ["quality_report"]


def _row(name: str, value: str, raw: float, reading: str) -> dict[str, Any]:
    return {"name": name, "value": value, "raw": float(raw), "reading": reading}


def quality_report(
    X_real: np.ndarray,
    y_real: np.ndarray | None,
    X_syn: np.ndarray,
    y_syn: np.ndarray | None = None,
    train: tuple[np.ndarray, np.ndarray] | None = None,
    holdout: tuple[np.ndarray, np.ndarray | None] | np.ndarray | None = None,
    seed: int = 0,
    space: str = "cnn",
) -> dict[str, Any]:
    """Fidelity in a learned feature space, utility and privacy in pixel space.

    Parameters
    ----------
    X_real, y_real : real reference set (labels train the CNN feature space).
    X_syn, y_syn : the synthetic set.
    train : the generator's real training set ``(X, y)`` (privacy and TRTR).
    holdout : real data the generator never saw, ``(X, y)`` or ``X`` (privacy baseline and the
        test set of TSTR/TRTR when labelled).
    space : feature space for fidelity (``cnn``, ``pca`` or ``pixels``).

    Returns
    -------
    dict with ``metrics`` (rows of name, value, raw, reading), ``reference`` (real-vs-real
    figures used to read FID and KID) and ``space``.
    """
    space_ = space if (y_real is not None or space != "cnn") else "pca"
    fx = FeatureExtractor(space=space_, seed=seed).fit(X_real, y_real)
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(X_real))
    half_a, half_b = X_real[idx[: len(idx) // 2]], X_real[idx[len(idx) // 2 :]]
    F_real, F_syn = fx.embed(X_real), fx.embed(X_syn)
    F_a, F_b = fx.embed(half_a), fx.embed(half_b)
    ref_fid = fid(F_a, F_b, seed=seed).value
    ref_kid = kid(F_a, F_b, seed=seed).value
    f, k = fid(F_real, F_syn, seed=seed), kid(F_real, F_syn, seed=seed)
    p = prdc(F_real, F_syn)
    c = classifier_two_sample_test(F_real, F_syn, seed=seed)
    g = mmd(F_real, F_syn, n_permutations=100, seed=seed)
    pad = proxy_a_distance(F_real, F_syn, seed=seed)
    rows = [
        _row(
            "FID",
            f"{f.value:.3g} +- {f.std:.2g} (real vs real {ref_fid:.3g})",
            f.value,
            f.reading(ref_fid),
        ),
        _row(
            "KID",
            f"{k.value:.3g} +- {k.std:.2g} (real vs real {ref_kid:.3g})",
            k.value,
            k.reading(ref_kid),
        ),
        _row("precision / recall", f"{p.precision:.2f} / {p.recall:.2f}", p.precision, p.reading()),
        _row(
            "density / coverage",
            f"{p.density:.2f} / {p.coverage:.2f}",
            p.coverage,
            f"density {p.density:.2f} (1 = as dense around real points as real data); synthetic "
            f"data reaches {100 * p.coverage:.0f}% of real points' neighbourhoods"
            + (": covers most real modes" if p.coverage >= 0.7 else ": misses real modes"),
        ),
        _row(
            "classifier two-sample test",
            f"acc {c.accuracy:.2f}, AUC {c.auc:.2f}",
            c.auc,
            c.reading(),
        ),
        _row("MMD (RBF)", f"{g.mmd2:.3g}, p = {g.p_value:.3f}", g.mmd2, g.reading()),
        _row(
            "proxy A-distance",
            f"{pad:.2f}",
            pad,
            "0 = indistinguishable, 2 = separable" + (": large gap" if pad > 1.5 else ""),
        ),
    ]
    H, y_h = (
        (holdout if isinstance(holdout, tuple) else (holdout, None))
        if holdout is not None
        else (None, None)
    )
    if train is not None and H is not None and len(H) >= 2:
        pr = privacy(as_matrix(train[0]), as_matrix(H), as_matrix(X_syn), seed=seed)
        rows.append(
            _row(
                "privacy (pixel space)",
                f"DCR ratio {pr.dcr_ratio:.2f}, near-copies {100 * pr.near_copy_share:.1f}%, MIA AUC {pr.membership_auc:.2f}",
                pr.dcr_ratio,
                pr.reading(),
            )
        )
    if train is not None and y_syn is not None and y_h is not None:
        u = utility(X_syn, y_syn, train[0], train[1], H, y_h)
        rows.append(
            _row(
                "utility (TSTR / TRTR)",
                f"{100 * u.tstr:.1f}% / {100 * u.trtr:.1f}%",
                u.ratio,
                u.reading(),
            )
        )
    return {"metrics": rows, "reference": {"fid": ref_fid, "kid": ref_kid}, "space": fx.space_}
