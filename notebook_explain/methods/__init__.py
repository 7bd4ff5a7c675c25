"""Attribution methods, registered by name. Importing this package registers them all."""

from . import (  # noqa: F401  (registration side effect)
    attention,
    contextual_decomposition,
    gradient,
    hedge,
    integrated_gradients,
    kernel_shap,
    lime,
    marginalization,
    noise_tunnel,
    owen,
    perturbation,
    propagation,
    random_baseline,
    reat,
    reduction,
    shapley,
    soc,
)
from .base import Attribution, Method, Param, available_methods, get_method, register

__all__ = ["Attribution", "Method", "Param", "available_methods", "get_method", "register"]
