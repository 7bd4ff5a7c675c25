"""Sparse alternatives to softmax for attention: sparsemax and sparsegen-lin."""

from __future__ import annotations

import torch

from notebook_explain.errors import ExplainError


def sparsemax(scores: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Sparsemax (Martins & Astudillo, ICML 2016, "From Softmax to Sparsemax").

    The Euclidean projection of the scores ``z`` onto the probability simplex (their Eq. 2)::

        sparsemax(z) = argmin_{p >= 0, sum(p) = 1} ||p - z||^2

    computed in closed form (their Proposition 1 / Algorithm 1): with ``z`` sorted in decreasing
    order, ``k(z) = max{k : 1 + k z_(k) > sum_{j<=k} z_(j)}``,
    ``tau(z) = (sum_{j<=k(z)} z_(j) - 1) / k(z)`` and ``sparsemax_i(z) = max(z_i - tau(z), 0)``.

    Positions scored ``-inf`` are masked: they get exactly 0 and take no part in ``tau``. A slice
    whose every score is ``-inf`` comes out all zeros. Differentiable through autograd; the
    gradient is the paper's Jacobian (``delta_ij - 1/k(z)`` on the support, 0 elsewhere).
    """
    raw = scores.movedim(dim, -1)
    valid = raw != float("-inf")
    # Masked positions sort last and are excluded from the support; zeroing them keeps the
    # arithmetic (and its gradient) finite.
    order = raw.argsort(dim=-1, descending=True)
    z = torch.where(valid, raw, torch.zeros_like(raw))
    z_sorted = z.gather(-1, order)
    valid_sorted = valid.gather(-1, order)
    cumsum = z_sorted.cumsum(dim=-1)
    k = torch.arange(1, z.shape[-1] + 1, device=z.device, dtype=z.dtype)
    support = valid_sorted & (1 + k * z_sorted > cumsum)
    k_z = support.sum(dim=-1, keepdim=True)
    tau = (cumsum.gather(-1, (k_z - 1).clamp(min=0)) - 1) / k_z.clamp(min=1).to(z.dtype)
    p = torch.where(valid, (z - tau).clamp(min=0), torch.zeros_like(z))
    return p.movedim(-1, dim)


def sparsegen(scores: torch.Tensor, lam: float, dim: int = -1) -> torch.Tensor:
    """Sparsegen-lin (Laha et al., NeurIPS 2018, "On Controllable Sparse Alternatives to Softmax").

    ``argmin_{p >= 0, sum(p) = 1} ||p - z||^2 - lam ||p||^2``, whose solution is
    ``sparsemax(z / (1 - lam))``. ``lam < 1`` controls sparsity: ``lam = 0`` is sparsemax, ``lam``
    towards 1 gives sparser (eventually one-hot) outputs, negative ``lam`` denser ones.
    ``-inf`` scores are masked as in ``sparsemax``.
    """
    if not lam < 1:
        raise ExplainError(
            f"sparsegen needs lam < 1 (it divides the scores by 1 - lam), got {lam}."
        )
    return sparsemax(scores / (1 - lam), dim=dim)
