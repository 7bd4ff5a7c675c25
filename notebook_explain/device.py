"""Where models run: the notebook's GPU when there is one, else the CPU."""

import torch

from .errors import ExplainError


def resolve_device(device=None) -> torch.device:
    """``None`` → ``cuda:0`` when CUDA is available, else ``cpu``; otherwise the given device."""
    if device is None:
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ExplainError(f"Invalid device {device!r}: use 'cpu', 'cuda' or 'cuda:N'.") from err
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ExplainError(
            f"Device {device!r} was requested but CUDA is not available; use device='cpu'."
        )
    if resolved.type == "meta":
        raise ExplainError(
            "device='meta' holds shapes but no values, so nothing can be computed on it; use "
            "device='cpu' or 'cuda'."
        )
    try:  # checked before any model moves, so a bad device leaves the caller's model where it was
        torch.empty(1, device=resolved)
    except (RuntimeError, AssertionError) as err:
        raise ExplainError(
            f"Device {device!r} cannot be used here ({err}); use device='cpu' or an available "
            "'cuda:N'."
        ) from err
    return resolved
