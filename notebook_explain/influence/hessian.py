"""Inverse Hessian-vector products (H + λI)⁻¹ v for influence functions (survey eq. 4).

Three solvers with the same damping λ:

- ``exact``: a Cholesky factor of the full damped Hessian, for up to a few ten thousand parameters;
- ``cg``: conjugate gradient on Hessian-vector products (Martens, ICML 2010; Koh & Liang 2017);
- ``lissa``: the LiSSA series (Agarwal et al., JMLR 2017) used by Koh & Liang:
  (H + λI)⁻¹ v = (1/s) Σ_j (I − (H + λI)/s)^j v, convergent for s > the largest eigenvalue.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..errors import ExplainError

SOLVERS = ("exact", "cg", "lissa")

Product = Callable[[torch.Tensor], torch.Tensor]


class InverseHessian:
    """Applies (H + λI)⁻¹ to vectors with one of ``SOLVERS``.

    ``hvp`` is v ↦ H v; ``matrix`` is H itself, needed by ``exact`` only.
    """

    def __init__(self, solver: str, damping: float, hvp: Product, size: int, matrix=None):
        if solver not in SOLVERS:
            raise ExplainError(f"hessian must be one of {SOLVERS}, got {solver!r}.")
        if not damping > 0:
            raise ExplainError(f"damping must be > 0 (it makes H invertible), got {damping!r}.")
        self.solver, self.damping, self.hvp = solver, float(damping), hvp
        if solver == "exact":
            eye = torch.eye(size, dtype=matrix.dtype)
            self.factor = torch.linalg.cholesky(matrix + self.damping * eye)
        if solver == "lissa":
            self.scale = 1.1 * largest_eigenvalue(hvp, size) + self.damping

    def damped(self, vector: torch.Tensor) -> torch.Tensor:
        return self.hvp(vector) + self.damping * vector

    def __call__(self, vector: torch.Tensor, tol: float = 1e-10) -> torch.Tensor:
        if self.solver == "exact":
            return torch.cholesky_solve(vector[:, None], self.factor)[:, 0]
        if self.solver == "cg":
            return conjugate_gradient(self.damped, vector, tol)
        return lissa(self.damped, vector, self.scale, tol)


def largest_eigenvalue(hvp: Product, size: int, iterations: int = 50) -> float:
    """Power iteration on the (positive semi-definite) Hessian."""
    generator = torch.Generator().manual_seed(0)
    vector = torch.randn(size, generator=generator, dtype=torch.float64)
    value = 0.0
    for _ in range(iterations):
        product = hvp(vector)
        value = float(product.norm())
        if value == 0:
            return 0.0
        vector = product / value
    return value


def conjugate_gradient(product: Product, vector: torch.Tensor, tol: float, max_iter=None):
    """Solve A x = v for a symmetric positive-definite A given as a product."""
    x = torch.zeros_like(vector)
    residual = vector.clone()
    direction = residual.clone()
    norm = residual @ residual
    target = tol**2 * float(vector @ vector)
    for _ in range(max_iter or 10 * vector.numel()):
        if norm <= target:
            break
        curved = product(direction)
        step = norm / (direction @ curved)
        x += step * direction
        residual -= step * curved
        new_norm = residual @ residual
        direction = residual + (new_norm / norm) * direction
        norm = new_norm
    return x


def lissa(product: Product, vector: torch.Tensor, scale: float, tol: float, depth=100_000):
    """(1/s) Σ_j (I − A/s)^j v for A = H + λI given as a product, until the terms vanish."""
    estimate = vector.clone()
    for _ in range(depth):
        update = vector + estimate - product(estimate) / scale
        change = float((update - estimate).norm())
        estimate = update
        if change <= tol * float(estimate.norm()):
            break
    return estimate / scale
