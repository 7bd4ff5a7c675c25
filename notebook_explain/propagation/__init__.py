"""Propagation rules (LRP-ε, DeepLIFT rescale) as modified forward passes, per architecture.

``rules`` holds the rules and the primitives every rewritten forward is written with;
``transformer`` and ``word`` rewrite Hugging Face transformer classifiers (per module kind) and the
package's own ``WordClassifier`` with them. The adapters' ``propagation_logits`` delegate here.
"""

from .rules import EpsilonRule, RescaleRule, Rule

__all__ = ["EpsilonRule", "RescaleRule", "Rule"]
