"""Attribution methods, registered by name. Importing this package registers them all."""

from . import gradient, integrated_gradients, perturbation, reduction  # noqa: F401  (registration side effect)
from .base import Attribution, Method, Param, available_methods, get_method, register

__all__ = ["Attribution", "Method", "Param", "available_methods", "get_method", "register"]
