"""Time per sentence for the gradient and perturbation panel on the MiniLM demo model, against
Captum's equivalents in the same process, with a check that both give the same scores.

    python benchmarks/speed_vs_captum.py [--n 100] [--batch-size 32]

Matched panel (one line each):
  ours   saliency_l1/l2/linf/sum, grad_input, signed_grad_input (one shared backward pass),
         integrated_gradients (50 Gauss–Legendre steps, [PAD] baseline), occlusion_zero
  Captum Saliency (abs=False) reduced four ways, InputXGradient, LayerIntegratedGradients
         (n_steps=50, same rule and baseline), Occlusion on the embeddings (window = one token)
Captum's Occlusion is timed with its default perturbations_per_eval=1 and with the same batch
size as ours. The whole panel (adding occlusion_unk and leave_one_out) is timed too.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np
import torch
from captum.attr import InputXGradient, LayerIntegratedGradients, Occlusion, Saliency

from notebook_explain import Explainer
from notebook_explain.data import load_sst2

SALIENCY = ["saliency_l1", "saliency_l2", "saliency_linf", "saliency_sum"]
MATCHED = {
    **{m: {} for m in SALIENCY},
    "grad_input": {},
    "signed_grad_input": {},
    "integrated_gradients": {"steps": 50, "rule": "gausslegendre", "baseline": "pad"},
    "occlusion_zero": {},
}
WHOLE = {**MATCHED, "occlusion_unk": {}, "leave_one_out": {}}


def captum_panel(model, tokenizer, text, target, per_eval):
    """Captum's equivalents; returns token scores named like ours."""
    enc = tokenizer(text, return_tensors="pt")
    ids, mask = enc["input_ids"], enc["attention_mask"]
    embedding = model.get_input_embeddings()
    emb = embedding(ids).detach()

    def from_embeddings(e):
        return model(inputs_embeds=e, attention_mask=mask.expand(e.shape[0], -1)).logits

    def from_ids(i):
        return model(input_ids=i, attention_mask=mask.expand(i.shape[0], -1)).logits

    g = Saliency(from_embeddings).attribute(emb, target=target, abs=False)[0]
    gi = InputXGradient(from_embeddings).attribute(emb, target=target)[0].sum(-1)
    special = torch.tensor(
        tokenizer.get_special_tokens_mask(ids[0].tolist(), already_has_special_tokens=True)
    ).bool()
    baseline = torch.where(special, ids[0], tokenizer.pad_token_id)[None]
    ig = (
        LayerIntegratedGradients(from_ids, embedding)
        .attribute(ids, baselines=baseline, target=target, n_steps=50, method="gausslegendre")[0]
        .sum(-1)
    )
    occ = Occlusion(from_embeddings).attribute(
        emb,
        sliding_window_shapes=(1, emb.shape[-1]),
        baselines=0.0,
        target=target,
        perturbations_per_eval=per_eval,
    )[0, :, 0]
    out = {
        "saliency_l1": g.abs().sum(-1),
        "saliency_l2": g.norm(dim=-1),
        "saliency_linf": g.abs().amax(-1),
        "saliency_sum": g.sum(-1),
        "grad_input": gi.abs(),
        "signed_grad_input": gi,
        "integrated_gradients": ig,
        "occlusion_zero": torch.where(
            special, torch.zeros_like(occ), occ
        ),  # we never perturb [CLS]/[SEP]
    }
    return {k: v.detach().double().numpy() for k, v in out.items()}


def timed(fn, items):
    results, start = [], time.perf_counter()
    for item in items:
        results.append(fn(item))
    return results, (time.perf_counter() - start) / len(items)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="SST-2 dev sentences (default 100)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=64,
        help="rows per batched pass, ours and Captum Occlusion's (default 64)",
    )
    args = parser.parse_args()

    explainer = Explainer.demo("minilm-sst2", batch_size=args.batch_size)
    model, tokenizer = explainer.adapter.model, explainer.adapter.tokenizer
    texts = load_sst2("dev").texts[: args.n]
    lengths = [len(tokenizer(t)["input_ids"]) for t in texts]
    targets = [int(np.argmax(explainer.predict(t))) for t in texts]
    for t, y in zip(texts[:3], targets):  # warm-up both
        explainer.explain(t, methods=WHOLE, target=y)
        captum_panel(model, tokenizer, t, y, 1)

    items = list(zip(texts, targets))
    ours, t_ours = timed(lambda ty: explainer.explain(ty[0], methods=MATCHED, target=ty[1]), items)
    _, t_whole = timed(lambda ty: explainer.explain(ty[0], methods=WHOLE, target=ty[1]), items)
    theirs, t_captum = timed(lambda ty: captum_panel(model, tokenizer, ty[0], ty[1], 1), items)
    _, t_captum_batched = timed(
        lambda ty: captum_panel(model, tokenizer, ty[0], ty[1], args.batch_size), items
    )

    print(
        f"# Speed: notebook_explain vs Captum on minilm-sst2 ({args.n} SST-2 dev sentences, "
        f"{np.mean(lengths):.1f} tokens on average)"
    )
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {platform.processor() or platform.machine()}, "
        f"device {explainer.adapter.device}"
    )
    print("\n| method | max abs difference | relative to max abs score |\n|---|---|---|")
    for m in MATCHED:
        diff = max(np.abs(o.scores(m, level="token") - c[m]).max() for o, c in zip(ours, theirs))
        scale = max(np.abs(c[m]).max() for c in theirs)
        print(f"| {m} | {diff:.2e} | {diff / scale:.2e} |")
    print("\n| panel | seconds per sentence |\n|---|---|")
    print(f"| notebook_explain, matched panel (8 methods) | {t_ours:.3f} |")
    print(f"| Captum equivalents, Occlusion perturbations_per_eval=1 (default) | {t_captum:.3f} |")
    print(
        f"| Captum equivalents, Occlusion perturbations_per_eval={args.batch_size} | {t_captum_batched:.3f} |"
    )
    print(f"| notebook_explain, whole panel (10 methods) | {t_whole:.3f} |")
    print(f"\nspeed-up vs Captum (default settings): {t_captum / t_ours:.2f}x")
    print(f"speed-up vs Captum (batched Occlusion): {t_captum_batched / t_ours:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
