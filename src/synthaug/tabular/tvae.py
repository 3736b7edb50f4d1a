"""TVAE: a variational autoencoder over mode-specific normalised rows (Xu et al., NeurIPS 2019).

Read top to bottom: (1) the row encoding, (2) the network, (3) the loss, (4) the fit loop,
(5) sampling. CPU only; ``torch.set_num_threads`` is left to the caller.

1. Encoding ("mode-specific normalisation", Xu et al. 2019, section 4.2). Each number column
   (numeric, integer, datetime) gets a variational Gaussian mixture (scikit-learn's
   ``BayesianGaussianMixture``, at most ``n_modes`` components, fitted on at most 5000 rows);
   a value ``x`` becomes its most likely mode ``k`` (one-hot) and the scalar
   ``alpha = (x - mu_k) / (4 sigma_k)`` in about [-1, 1]; a missing value becomes an extra
   one-hot slot. A categorical or boolean column is a one-hot over its categories plus one slot
   for missing.
2. Network: encoder MLP row -> (mu, log var) of a ``latent_dim`` Gaussian; decoder MLP
   latent -> one output per encoded slot, plus one learned noise scale per ``alpha``.
3. Loss (the TVAE paper's, per row): Gaussian negative log-likelihood of each ``alpha`` with the
   learned scale, cross-entropy of each one-hot block, and the KL divergence of the posterior
   from N(0, I); weighted by ``loss_factor`` on the reconstruction terms as in the reference.
4. Fit: Adam, mini-batches, ``epochs`` passes; progress through ``callback(epoch, n_epochs,
   loss)``.
Differential privacy (optional, ``dp_epsilon``): DP-SGD by opacus (Abadi et al. 2016) with its
RDP accountant, through ``PrivacyEngine.make_private_with_epsilon``: per-row gradients clipped to
``max_grad_norm``, Gaussian noise calibrated by opacus to reach ``(dp_epsilon, dp_delta)`` over
``epochs``, Poisson-sampled batches; the learned noise scales of ``alpha`` are frozen (opacus
handles layers, not free parameters). The epsilon opacus reports is stored in ``dp_`` and in the
saved model. What the guarantee covers: the network weights. It does NOT cover what is read from
the data before training - the schema (category sets, value ranges, missing rates) and the
per-column mode mixtures - so declare ranges and categories in the schema from public knowledge
when that matters. opacus is not a synthaug dependency: ``pip install opacus==1.6.0``.

5. Sample: ``z ~ N(0, I)`` from a ``torch.Generator`` seeded once; categories and modes drawn
   from the decoder's softmax, ``alpha = tanh(output)``; then decoded back to the table
   (ranges, integer-ness, dtypes). Conditions are met by rejection (any column kind, equality
   on the decoded value), as for the copula's categorical conditions.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from synthaug.errors import ConfigError, InvalidInputError
from synthaug.seeding import SeedLike, as_rng
from synthaug.tabular.base import TabularGenerator, register_table_generator
from synthaug.tabular.schema import SchemaOverrides, decode_table, encode_table, infer_schema

__all__ = ["TVAE"]

_NUMBER = ("numeric", "integer", "datetime")


# ---------------------------------------------------------------- 1. encoding
def _fit_modes(x: np.ndarray, n_modes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Means and standard deviations of the active modes of one number column."""
    from sklearn.exceptions import ConvergenceWarning

    x = x[~np.isnan(x)]
    if len(x) == 0:
        return np.zeros(1), np.ones(1)
    if len(x) > 5000:
        x = np.random.default_rng(seed).choice(x, 5000, replace=False)
    if np.unique(x).size < 2:
        return np.array([x[0]]), np.array([1.0])
    k = min(n_modes, np.unique(x).size)
    # the modes need only be roughly right (alpha absorbs the rest): a fit that stops at
    # max_iter is used as it is, without a ConvergenceWarning on the user's terminal
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm = _mixture(k, seed).fit(x[:, None])
    keep = gm.weights_ > 5e-3
    means = gm.means_[keep, 0]
    stds = np.sqrt(gm.covariances_.reshape(-1)[keep])
    return means, np.maximum(stds, 1e-6 * (np.std(x) or 1.0))


def _mixture(k: int, seed: int):
    from sklearn.mixture import BayesianGaussianMixture

    return BayesianGaussianMixture(
        n_components=k,
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=1e-3,
        max_iter=100,
        random_state=seed,
    )


def _encode_rows(X: np.ndarray, layout: list[dict[str, Any]]) -> np.ndarray:
    """Encoded table (n, width) float32; see the module docstring."""
    n = len(X)
    width = sum(b["width"] for b in layout)
    E = np.zeros((n, width), dtype=np.float32)
    at = 0
    for j, b in enumerate(layout):
        x = X[:, j]
        miss = np.isnan(x)
        if b["kind"] == "number":
            mu, sd = b["means"], b["stds"]
            # most likely mode under equal weights: nearest in standardised distance
            k = np.argmin(np.abs((np.nan_to_num(x)[:, None] - mu) / sd), axis=1)
            alpha = np.clip((np.nan_to_num(x) - mu[k]) / (4 * sd[k]), -0.99, 0.99)
            E[:, at] = np.where(miss, 0.0, alpha)
            slot = np.where(miss, len(mu), k)
            E[np.arange(n), at + 1 + slot] = 1.0
        else:
            slot = np.where(miss, b["n_cat"], np.nan_to_num(x)).astype(int)
            E[np.arange(n), at + slot] = 1.0
        at += b["width"]
    return E


# ---------------------------------------------------------------- 2. network
def _mlp(sizes: list[int]):
    import torch.nn as nn

    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-2], sizes[1:-1], strict=True):
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


def _build(width: int, n_alpha: int, hidden: int, latent_dim: int):
    import torch
    import torch.nn as nn

    class _VAE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = _mlp([width, hidden, hidden, 2 * latent_dim])
            self.decoder = _mlp([latent_dim, hidden, hidden, width])
            self.log_sigma = nn.Parameter(torch.full((max(n_alpha, 1),), -2.0))

    return _VAE()


# ---------------------------------------------------------------- 3. loss
def _loss(model, batch, layout, loss_factor: float):
    import torch
    import torch.nn.functional as F

    h = model.encoder(batch)
    mu, logvar = h.chunk(2, dim=1)
    z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
    out = model.decoder(z)
    rec, at, a = 0.0, 0, 0
    for b in layout:
        if b["kind"] == "number":
            sigma = torch.exp(model.log_sigma[a])
            pred = torch.tanh(out[:, at])
            rec = rec + (((batch[:, at] - pred) ** 2) / (2 * sigma**2) + torch.log(sigma)).sum()
            a += 1
            start = at + 1
        else:
            start = at
        end = at + b["width"]
        rec = rec + F.cross_entropy(
            out[:, start:end], batch[:, start:end].argmax(1), reduction="sum"
        )
        at = end
    kl = -0.5 * torch.sum(1 + logvar - mu**2 - logvar.exp())
    return (loss_factor * rec + kl) / len(batch)


@register_table_generator
class TVAE(TabularGenerator):
    """Variational autoencoder for mixed, multimodal tables (TVAE; CPU, minutes on 10k rows).

    Parameters
    ----------
    epochs : passes over the training rows.
    batch_size : rows per step; None = ``min(500, max(32, n_rows // 8))`` (the reference's 500
        takes too few steps on a few hundred rows).
    hidden : width of the two hidden layers of encoder and decoder.
    latent_dim : size of the latent Gaussian.
    n_modes : largest number of Gaussian modes per number column.
    loss_factor : weight of reconstruction against the KL term (2 in the reference).
    lr : Adam learning rate.
    seed : seed of mixtures, initialisation and batches (training is reproducible on one thread).
    dp_epsilon : train with DP-SGD (opacus) to this epsilon; None = no differential privacy.
    dp_delta : the delta of the guarantee; None = ``1 / (10 * n_rows)``.
    max_grad_norm : per-row gradient clipping bound of DP-SGD.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": np.r_[rng.normal(-3, .3, 200), rng.normal(3, .3, 200)]})
    >>> out = TVAE(epochs=30).fit(df).sample(400, seed=0)
    >>> bool(((out["x"].abs() > 1.5).mean() > 0.8))
    True
    """

    _params = (
        "epochs",
        "batch_size",
        "hidden",
        "latent_dim",
        "n_modes",
        "loss_factor",
        "lr",
        "seed",
        "dp_epsilon",
        "dp_delta",
        "max_grad_norm",
    )

    def __init__(
        self,
        epochs: int = 300,
        batch_size: int | None = None,
        hidden: int = 128,
        latent_dim: int = 64,
        n_modes: int = 10,
        loss_factor: float = 2.0,
        lr: float = 1e-3,
        seed: int = 0,
        dp_epsilon: float | None = None,
        dp_delta: float | None = None,
        max_grad_norm: float = 1.0,
    ) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.n_modes = n_modes
        self.loss_factor = loss_factor
        self.lr = lr
        self.seed = seed
        self.dp_epsilon = dp_epsilon
        self.dp_delta = dp_delta
        self.max_grad_norm = max_grad_norm

    # ---------------------------------------------------------------- 4. fit
    def fit(
        self,
        df: pd.DataFrame,
        schema: SchemaOverrides | None = None,
        callback: Callable[[int, int, float], None] | None = None,
    ) -> TVAE:
        """Learn ``df``; return ``self``. ``callback(epoch, epochs, mean loss)`` after each epoch."""
        import torch

        for name in ("epochs", "batch_size", "hidden", "latent_dim", "n_modes"):
            v = getattr(self, name)
            if name == "batch_size" and v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"{name}: expected a positive integer, got {v!r}")
        if not isinstance(df, pd.DataFrame) or len(df) < 2:
            raise InvalidInputError("fit: expected a pandas DataFrame with at least 2 rows")
        if schema is not None and schema.fixed_combinations:
            raise ConfigError("fixed_combinations: supported by GaussianCopula only, not TVAE")
        ts = infer_schema(df, schema)
        X = encode_table(df, ts)
        self.schema_ = ts
        self.layout_ = []
        for j, spec in enumerate(ts.columns):
            if spec.kind in _NUMBER:
                mu, sd = _fit_modes(X[:, j], self.n_modes, self.seed + j)
                self.layout_.append(
                    {"kind": "number", "means": mu, "stds": sd, "width": 1 + len(mu) + 1}
                )
            else:
                k = len(spec.categories)
                self.layout_.append({"kind": "category", "n_cat": k, "width": k + 1})
        E = torch.from_numpy(_encode_rows(X, self.layout_))
        del X
        torch.manual_seed(self.seed)
        n_alpha = sum(b["kind"] == "number" for b in self.layout_)
        self.model_ = _build(E.shape[1], n_alpha, self.hidden, self.latent_dim)
        g = torch.Generator().manual_seed(self.seed)
        bs = self.batch_size or min(500, max(32, len(E) // 8))
        self.dp_: dict[str, Any] | None = None
        if self.dp_epsilon is not None:
            self._fit_private(E, bs, g, callback)
        else:
            opt = torch.optim.Adam(self.model_.parameters(), lr=self.lr, weight_decay=1e-5)
            self.model_.train()
            for epoch in range(self.epochs):
                order = torch.randperm(len(E), generator=g)
                total = 0.0
                for i in range(0, len(E), bs):
                    loss = _loss(self.model_, E[order[i : i + bs]], self.layout_, self.loss_factor)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += loss.item() * min(bs, len(E) - i)
                if callback is not None:
                    callback(epoch + 1, self.epochs, total / len(E))
        self.model_.eval()
        return self

    def _fit_private(self, E, bs: int, g, callback) -> None:
        """DP-SGD through opacus (see the module docstring); sets ``dp_``."""
        import torch

        try:
            from opacus import PrivacyEngine
        except ImportError:
            raise ConfigError(
                "dp_epsilon: differential privacy needs opacus, which synthaug does not install: "
                "pip install opacus==1.6.0"
            ) from None
        eps = self.dp_epsilon
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
            raise ConfigError(f"dp_epsilon: expected a positive number, got {eps!r}")
        delta = self.dp_delta if self.dp_delta is not None else 1.0 / (10 * len(E))
        if not 0 < delta < 1:
            raise ConfigError(f"dp_delta: expected a number in (0, 1), got {delta!r}")
        self.model_.log_sigma.requires_grad_(False)
        opt = torch.optim.Adam([p for p in self.model_.parameters() if p.requires_grad], lr=self.lr)
        data = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(E), batch_size=bs, generator=g
        )
        engine = PrivacyEngine(accountant="rdp")
        model, opt, data = engine.make_private_with_epsilon(
            module=self.model_,
            optimizer=opt,
            data_loader=data,
            target_epsilon=float(eps),
            target_delta=delta,
            epochs=self.epochs,
            max_grad_norm=self.max_grad_norm,
        )
        model.train()
        for epoch in range(self.epochs):
            total, seen = 0.0, 0
            for (batch,) in data:
                if len(batch) == 0:  # Poisson sampling can draw an empty batch
                    continue
                # opacus' hooks sit on the layers, so calling the wrapped module records them
                loss = _loss(model._module, batch, self.layout_, self.loss_factor)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total, seen = total + loss.item() * len(batch), seen + len(batch)
            if callback is not None:
                callback(epoch + 1, self.epochs, total / max(seen, 1))
        self.model_ = model._module
        self.dp_ = {
            "epsilon": float(engine.get_epsilon(delta)),
            "delta": delta,
            "mechanism": "DP-SGD (opacus PrivacyEngine, RDP accountant)",
            "noise_multiplier": float(opt.noise_multiplier),
            "max_grad_norm": float(self.max_grad_norm),
            "covers": "network weights; not the schema (categories, ranges, missing rates) nor "
            "the per-column mode mixtures",
        }

    # ---------------------------------------------------------------- 5. sample
    def _draw(self, n: int, g) -> np.ndarray:
        import torch

        with torch.no_grad():
            z = torch.randn((n, self.latent_dim), generator=g)
            out = self.model_.decoder(z)
        X = np.empty((n, len(self.layout_)))
        at = 0
        for j, b in enumerate(self.layout_):
            if b["kind"] == "number":
                alpha = torch.tanh(out[:, at]).numpy()
                start = at + 1
            else:
                start = at
            probs = torch.softmax(out[:, start : at + b["width"]], dim=1)
            slot = torch.multinomial(probs, 1, generator=g)[:, 0].numpy()
            if b["kind"] == "number":
                k = np.minimum(slot, len(b["means"]) - 1)
                x = alpha * 4 * b["stds"][k] + b["means"][k]
                X[:, j] = np.where(slot == len(b["means"]), np.nan, x)
            else:
                X[:, j] = np.where(slot == b["n_cat"], np.nan, slot)
            at += b["width"]
        return X

    def sample(
        self, n: int, seed: SeedLike = None, conditions: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Draw ``n`` rows; ``conditions`` (column -> value) are met by rejection."""
        import torch

        ts = self._check_fitted()
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ConfigError(f"n: expected a non-negative integer, got {n!r}")
        g = torch.Generator().manual_seed(int(as_rng(seed).integers(2**62)))
        if not conditions:
            return decode_table(self._draw(int(n), g), ts)
        want = {}
        for name, value in conditions.items():
            from synthaug.tabular.copula import _encode_value

            want[ts.names.index(name)] = _encode_value(value, ts, name)
        parts, got, drawn, budget = [], 0, 0, 200 * max(int(n), 1)
        while got < n and drawn < budget:
            m = min(max(2 * (int(n) - got), 1024), budget - drawn)
            X = self._draw(m, g)
            D = encode_table(decode_table(X, ts), ts)  # compare decoded (rounded, clipped) values
            keep = np.all([D[:, j] == v for j, v in want.items()], axis=0)
            parts.append(D[keep])
            got += int(keep.sum())
            drawn += m
        if got < n:
            raise InvalidInputError(
                f"conditions {conditions}: only {got} of {drawn} draws matched; too rare for "
                "rejection sampling"
            )
        return decode_table(np.concatenate(parts)[: int(n)], ts)

    # ---------------------------------------------------------------- save/load
    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        tensors = {
            f"net.{k}": v.detach().numpy().copy() for k, v in self.model_.state_dict().items()
        }
        layout = []
        for j, b in enumerate(self.layout_):
            if b["kind"] == "number":
                tensors[f"modes.{j}.means"] = b["means"]
                tensors[f"modes.{j}.stds"] = b["stds"]
                layout.append({"kind": "number", "width": b["width"]})
            else:
                layout.append(dict(b))
        return tensors, {"layout": layout, "dp": self.dp_}

    def _set_state(self, tensors: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        import torch

        self.dp_ = state.get("dp")
        self.layout_ = []
        for j, b in enumerate(state["layout"]):
            b = dict(b)
            if b["kind"] == "number":
                b["means"], b["stds"] = tensors[f"modes.{j}.means"], tensors[f"modes.{j}.stds"]
            self.layout_.append(b)
        width = sum(b["width"] for b in self.layout_)
        n_alpha = sum(b["kind"] == "number" for b in self.layout_)
        self.model_ = _build(width, n_alpha, self.hidden, self.latent_dim)
        sd = {k[4:]: torch.from_numpy(v) for k, v in tensors.items() if k.startswith("net.")}
        self.model_.load_state_dict(sd)
        self.model_.eval()
