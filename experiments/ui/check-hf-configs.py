"""Loads every config.json that `hwnas export --format hf` wrote with transformers' AutoConfig and checks that
the fields hwnas relies on come back as written (and that the class is the family's own config class).

usage: python3 experiments/ui/check-hf-configs.py <export dir>   (needs `pip install transformers`; no torch)
"""
import json
import pathlib
import sys

from transformers import AutoConfig

FIELDS = ["hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "vocab_size",
          "intermediate_size", "tie_word_embeddings", "num_local_experts", "num_experts", "num_experts_per_tok",
          "moe_intermediate_size", "shared_expert_intermediate_size", "sliding_window"]

root = pathlib.Path(sys.argv[1])
ok = bad = 0
for path in sorted(root.glob("*/config.json")):
    written = json.loads(path.read_text())
    cfg = AutoConfig.from_pretrained(str(path.parent))
    problems = [f for f in FIELDS if f in written and getattr(cfg, f, None) != written[f]]
    if cfg.model_type != written["model_type"]:
        problems.append(f"model_type {cfg.model_type}")
    if problems:
        bad += 1
        print(f"{path.parent.name}: {type(cfg).__name__} differs in {problems}")
    else:
        ok += 1
print(f"{ok} configs loaded by transformers as written ({bad} differ)")
sys.exit(1 if bad else 0)
