"""LRP-ε (survey eq. 12) and DeepLIFT rescale (survey eq. 13) as modified gradient × input.

A rule rewrites every nonlinear op of a forward pass so that its value is unchanged and its
backward carries the rule's multiplier; the input relevance is then ``e ⊙ ∂y/∂e`` (LRP) or
``(e − ē) ⊙ ∂y/∂e`` (DeepLIFT). With ``g = R / activation``, plain backprop through a linear op
(Linear, convolution, residual add, sum, mean) already is the linear rule of both methods, so only
these primitives need a rule:

* ``unary(f, z)``, an elementwise nonlinearity ``y = f(z)``, backward multiplier ``m``:

  - LRP-ε: ``m = f(z) / (z + ε·sign(z))`` (``sign(0) = 1``): the identity rule for the activation
    with eq. 12's ε in the denominator of the layer that produced ``z``;
  - DeepLIFT: ``m = (f(z) − f(z̄)) / (z − z̄)``, the secant of eq. 13, or ``f'(z)`` where ``z ≈ z̄``.

* ``product(a, b, op)``, any bilinear op (elementwise product, matmul, einsum):

  - LRP: the factor named ``constant`` is held fixed and all relevance flows to the other: the gate
    of an LSTM/GRU (Arras et al., 2017), the attention weights and LayerNorm's 1/std of a
    Transformer (Ali et al., ICML 2022, "XAI for Transformers", AH+LN);
  - DeepLIFT: ``Δop(a, b) = op(ā, Δb) + op(Δa, b̄)`` with ``ā = (a + a_ref) / 2``, exact.

* ``max`` (max pooling) and the normalisers ``softmax`` and ``sparsemax``, functions of a whole
  vector. LRP takes the selected element and holds normalised weights constant (they are always a
  product's constant factor). DeepLIFT multiplies by the mean of the Jacobians at input and
  reference plus a rank-one secant correction, which reproduces the difference exactly (for max:
  the selected element when input and reference peak at the same position).

``layer_norm`` is composed from ``unary`` and ``product``. DeepLIFT runs the inputs and their
references as one batch ``[inputs; references]``, so each primitive sees both values of its
operands; for any graph of linear ops and these primitives it is exact:
``Σ relevance = y(x) − y(x̄)`` to float precision.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..errors import ExplainError
from ..models.sparsemax import sparsemax

Unary = Callable[[torch.Tensor], torch.Tensor]
Bilinear = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _with_multiplier(value: torch.Tensor, multiplier: torch.Tensor, z: torch.Tensor):
    """``value`` in the forward pass; ``multiplier · ∂`` in the backward (both held constant)."""
    return value + multiplier * (z - z.detach())


def _derivative(f: Unary, z: torch.Tensor) -> torch.Tensor:
    """f'(z) of an elementwise function, by autograd."""
    with torch.enable_grad():
        point = z.detach().requires_grad_(True)
        (slope,) = torch.autograd.grad(f(point).sum(), point)
    return slope


class Rule:
    """A propagation rule: the primitives (subclasses) and the ops composed from them (here)."""

    def unary(self, f: Unary, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def product(
        self,
        a: torch.Tensor,
        b: torch.Tensor,
        *,
        constant: str | None = None,
        op: Bilinear = torch.mul,
    ) -> torch.Tensor:
        """``op(a, b)``; ``constant`` ("a" or "b") names the factor LRP holds fixed, None a gate
        where both depend on the input (LRP splits the relevance evenly)."""
        raise NotImplementedError

    def max(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Max pooling over the last dim of ``x``, positions where ``~mask`` left out."""
        raise NotImplementedError

    def softmax(self, scores: torch.Tensor) -> torch.Tensor:
        """Softmax over the last dim; masked scores hold a large negative number, not ``-inf``."""
        raise NotImplementedError

    def sparsemax(self, scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Sparsemax over the last dim of (B, L) ``scores``, positions where ``~mask`` left out."""
        raise NotImplementedError

    def layer_norm(self, x, weight, bias, eps: float) -> torch.Tensor:
        """LayerNorm over the last dim: ``(x − μ) · r`` with ``r = (mean((x − μ)²) + eps)^−½``.

        Under LRP ``r`` is a constant (Ali et al.'s LN rule); under DeepLIFT it is exact.
        """
        centred = x - x.mean(-1, keepdim=True)
        variance = self.product(centred, centred, constant="a").mean(-1, keepdim=True)
        inverse_std = self.unary(lambda v: torch.rsqrt(v + eps), variance)
        normalised = self.product(centred, inverse_std, constant="b")
        if weight is not None:
            normalised = normalised * weight
        return normalised if bias is None else normalised + bias

    def rms_norm(self, x, weight, eps: float, offset: float = 0.0) -> torch.Tensor:
        """RMSNorm over the last dim: ``x · r · (offset + weight)`` with ``r = (mean(x²) + eps)^−½``
        (LRP: ``r`` constant, as for LayerNorm)."""
        squares = self.product(x, x, constant="a").mean(-1, keepdim=True)
        inverse_rms = self.unary(lambda v: torch.rsqrt(v + eps), squares)
        return self.product(x, inverse_rms, constant="b") * (offset + weight).to(x.dtype)


class ForwardRule(Rule):
    """The ordinary forward pass: every primitive is the plain op (used to unroll an RNN with
    the same code the rules use, e.g. for REAT's gate values)."""

    def unary(self, f, z):
        return f(z)

    def product(self, a, b, *, constant=None, op=torch.mul):
        return op(a, b)

    def max(self, x, mask):
        return x.masked_fill(~mask, float("-inf")).amax(-1)

    def softmax(self, scores):
        return torch.softmax(scores, dim=-1)

    def sparsemax(self, scores, mask):
        return sparsemax(scores.masked_fill(~mask, float("-inf")), dim=-1)


class EpsilonRule(ForwardRule):
    """LRP-ε. At ``epsilon = 0`` the rewritten network is linear in its inputs and biases, so the
    input relevances plus the biases' relevance sum to the output exactly; ``epsilon > 0`` absorbs
    some relevance at every activation whose input is small. Max, softmax and sparsemax are the
    plain ops: LRP takes the selected element, and normalised weights are only ever a product's
    constant factor."""

    def __init__(self, epsilon: float = 0.0):
        if not epsilon >= 0:
            raise ExplainError(f"LRP's epsilon must be >= 0, got {epsilon}.")
        self.epsilon = epsilon

    def unary(self, f, z):
        with torch.no_grad():
            value = z.detach()
            y = f(value)
            # ε with z's sign, in z's dtype (a bare torch.where of two floats is float32, which
            # would turn a float16 or bfloat16 model's activations into float32)
            denominator = value + torch.where(value < 0, -self.epsilon, self.epsilon).to(z.dtype)
            safe = torch.where(denominator == 0, 1.0, denominator)
            multiplier = torch.where(denominator == 0, 0.0, y / safe)
        return _with_multiplier(y, multiplier, z)

    def product(self, a, b, *, constant=None, op=torch.mul):
        if constant == "a":
            return op(a.detach(), b)
        if constant == "b":
            return op(a, b.detach())
        if constant is None:  # a gate: half the relevance to each factor (AttnLRP's uniform rule)
            return (op(a.detach(), b) + op(a, b.detach())) / 2
        raise ExplainError(f'product: constant must be "a", "b" or None, got {constant!r}.')


class RescaleRule(Rule):
    """DeepLIFT rescale for a batch of ``rows`` inputs followed by their ``rows`` references.

    Row ``i`` and row ``rows + i`` are a pair. Only the input half carries the modified backward;
    the reference half is detached, its values only enter the multipliers.
    """

    def __init__(self, rows: int):
        self.rows = rows

    def _halves(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if t.shape[0] != 2 * self.rows:
            raise ExplainError(
                f"DeepLIFT needs a batch of {self.rows} inputs followed by their {self.rows} "
                f"references, got {t.shape[0]} rows."
            )
        return t[: self.rows], t[self.rows :]

    @staticmethod
    def _pair(inputs: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
        return torch.cat([inputs, references.detach()])

    @staticmethod
    def _rescaled(z, z_ref, y, y_ref, slope: Callable[[], torch.Tensor]):
        """``y`` with backward multiplier ``(y − y_ref) / (z − z_ref)``, or ``slope()`` where
        ``z − z_ref`` is below the secant's rounding error (√eps of the larger operand)."""
        delta = z.detach() - z_ref
        # relative to the operands' size: a small-valued input (a variance of 1e-4, an RMSNorm's
        # mean square) keeps its secant unless the two points are within rounding of each other
        tolerance = torch.finfo(delta.dtype).eps ** 0.5 * torch.maximum(
            z.detach().abs(), z_ref.abs()
        )
        close = delta.abs() <= tolerance
        multiplier = (y - y_ref) / torch.where(close, 1.0, delta)
        if bool(close.any()):
            multiplier = torch.where(close, slope(), multiplier)
        return _with_multiplier(y, multiplier, z)

    def unary(self, f, z):
        z_in, z_ref = self._halves(z)
        with torch.no_grad():
            y_in, y_ref = f(z_in), f(z_ref)
        rescaled = self._rescaled(z_in, z_ref.detach(), y_in, y_ref, lambda: _derivative(f, z_in))
        return self._pair(rescaled, y_ref)

    def product(self, a, b, *, constant=None, op=torch.mul):
        a_in, a_ref = self._halves(a)
        b_in, b_ref = self._halves(b)
        with torch.no_grad():
            y_in, y_ref = op(a_in, b_in), op(a_ref, b_ref)
            a_mid, b_mid = (a_in + a_ref) / 2, (b_in + b_ref) / 2
        y_in = y_in + op(a_mid, b_in - b_in.detach()) + op(a_in - a_in.detach(), b_mid)
        return self._pair(y_in, y_ref)

    def _secant(self, z, mask, y, mean_jacobian):
        """``y = f(z)`` along the last dim, multiplier ``M = J̄ + (Δy − J̄Δz) Δzᵀ / ‖Δz‖²``.

        ``mean_jacobian(v)`` applies ``J̄``, the mean of f's Jacobians at the input and at the
        reference; ``y`` keeps the reduced dim when f reduces it. The rank-one (Broyden) secant
        correction makes ``MΔz = Δy`` exact; it vanishes where f is linear between the two points.
        Positions where ``~mask`` get no relevance.
        """
        z_in, z_ref = self._halves(z)
        y_in, y_ref = self._halves(y)
        valid = self._halves(mask)[0]
        with torch.no_grad():
            delta = torch.where(valid, z_in - z_ref, 0.0)
            squared = (delta * delta).sum(-1, keepdim=True)
            correction = (y_in - y_ref - mean_jacobian(delta)) / torch.where(
                squared > 0, squared, 1.0
            )
        direction = torch.where(valid, z_in - z_in.detach(), 0.0)  # zero; carries the gradient
        y_in = (
            y_in + mean_jacobian(direction) + correction * (delta * direction).sum(-1, keepdim=True)
        )
        return self._pair(y_in, y_ref)

    def max(self, x, mask):
        """The selected element when input and reference peak at the same position (a tie in the
        reference is broken towards the input's peak); otherwise the mean of the two selections,
        secant-corrected (``_secant``)."""
        with torch.no_grad():
            peaks = x.masked_fill(~mask, float("-inf")).max(-1, keepdim=True)
            index_in, index_ref = self._halves(peaks.indices)
            tie = self._halves(x)[1].gather(-1, index_in) == self._halves(peaks.values)[1]
            selected = (index_in, torch.where(tie, index_in, index_ref))

        def mean_jacobian(v):
            return sum(v.gather(-1, index) for index in selected) / len(selected)

        return self._secant(x, mask.expand_as(x), peaks.values, mean_jacobian).squeeze(-1)

    @staticmethod
    def _normaliser_jacobian(weights):
        """``v ↦ mean of (diag(w) − w wᵀ/Σw) v`` over ``weights``: softmax has ``w = p``,
        sparsemax ``w`` = its support."""

        def mean_jacobian(v):
            terms = [
                w * (v - (w * v).sum(-1, keepdim=True) / w.sum(-1, keepdim=True)) for w in weights
            ]
            return sum(terms) / len(terms)

        return mean_jacobian

    def softmax(self, scores):
        """Softmax, secant-corrected mean Jacobian (``_secant``).

        Not ``exp(s − c) · 1/Σ exp(s − c)`` through ``unary`` and ``product``: that is exact too,
        but with a shift ``c`` shared by input and reference (it must be shared, or ``Δc`` is
        relevance no input receives) one of the two sums can be ~``e^{-Δmax}``, and the products'
        terms then cancel at magnitudes far beyond float precision.
        """
        with torch.no_grad():
            p = torch.softmax(scores, dim=-1)
        jacobian = self._normaliser_jacobian(self._halves(p))
        return self._secant(scores, torch.ones_like(scores, dtype=torch.bool), p, jacobian)

    def sparsemax(self, scores, mask):
        """Sparsemax, secant-corrected mean Jacobian (``_secant``): exact as it stands when input
        and reference share a support, on which sparsemax is linear."""
        with torch.no_grad():
            p = sparsemax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        supports = [(q > 0).to(scores.dtype) for q in self._halves(p)]
        return self._secant(scores, mask, p, self._normaliser_jacobian(supports))
