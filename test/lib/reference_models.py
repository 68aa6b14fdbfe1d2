"""Decoder-only transformers in numpy (float64), written from the
HuggingFace model definitions (GPT2LMHeadModel, LlamaForCausalLM and its
mistral/qwen2 relatives), for checking aster IR against. `params` maps the
HuggingFace state-dict keys to arrays; `config` is the config.json dict."""

import numpy as np


def _causal_attention(q, k, v, scale):
    """q [B, H, S, D], k/v [B, Hkv, S, D] with Hkv dividing H (repeat_kv)."""
    group = q.shape[1] // k.shape[1]
    k = np.repeat(k, group, axis=1)
    v = np.repeat(v, group, axis=1)
    seq = q.shape[2]
    s = q @ k.transpose(0, 1, 3, 2) * scale
    s = s + np.triu(np.full((seq, seq), -np.inf), 1)
    s = np.exp(s - s.max(-1, keepdims=True))
    return (s / s.sum(-1, keepdims=True)) @ v


def _split(x, heads):
    b, s, _ = x.shape
    return x.reshape(b, s, heads, -1).transpose(0, 2, 1, 3)


def _merge(x):
    b, h, s, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, s, h * d)


def _act(name, x):
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    if name == "gelu":
        from math import erf
        return 0.5 * x * (1 + np.vectorize(erf)(x / np.sqrt(2)))
    if name == "relu":
        return np.maximum(x, 0)
    if name in ("silu", "swish"):
        return x / (1 + np.exp(-x))
    raise ValueError(name)


def gpt2(params, tokens, config):
    p = params
    hidden = config["n_embd"]
    heads = config["n_head"]
    eps = config.get("layer_norm_epsilon", 1e-5)

    def ln(x, name):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * p[name + ".weight"] + p[name + ".bias"]

    seq = tokens.shape[1]
    x = p["transformer.wte.weight"][tokens] + p["transformer.wpe.weight"][:seq]
    for l in range(config["n_layer"]):
        pre = "transformer.h.%d." % l
        h = ln(x, pre + "ln_1")
        qkv = h @ p[pre + "attn.c_attn.weight"] + p[pre + "attn.c_attn.bias"]
        q, k, v = (_split(qkv[..., i * hidden:(i + 1) * hidden], heads)
                   for i in range(3))
        scale = 1 / np.sqrt(hidden // heads)
        a = _merge(_causal_attention(q, k, v, scale))
        x = x + a @ p[pre + "attn.c_proj.weight"] + p[pre + "attn.c_proj.bias"]
        h = ln(x, pre + "ln_2")
        m = _act(config.get("activation_function", "gelu_new"),
                 h @ p[pre + "mlp.c_fc.weight"] + p[pre + "mlp.c_fc.bias"])
        x = x + m @ p[pre + "mlp.c_proj.weight"] + p[pre + "mlp.c_proj.bias"]
    x = ln(x, "transformer.ln_f")
    return x @ p["transformer.wte.weight"].T


def llama(params, tokens, config):
    """LlamaForCausalLM; mistral (no window within the sequence) and qwen2
    (q/k/v biases) are the same computation."""
    p = params
    hidden = config["hidden_size"]
    heads = config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads", heads)
    head_dim = config.get("head_dim", hidden // heads)
    eps = config.get("rms_norm_eps", 1e-6)
    theta = config.get("rope_theta", 10000.0)
    act = config.get("hidden_act", "silu")

    def rms(x, name):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * p[name]

    def linear(x, name):
        y = x @ p[name + ".weight"].T
        return y + p[name + ".bias"] if name + ".bias" in p else y

    def rotary(x):
        seq, dim = x.shape[-2], x.shape[-1]
        inv_freq = 1.0 / theta ** (np.arange(0, dim, 2) / dim)
        emb = np.concatenate([np.outer(np.arange(seq), inv_freq)] * 2, -1)
        rotated = np.concatenate([-x[..., dim // 2:], x[..., :dim // 2]], -1)
        return x * np.cos(emb) + rotated * np.sin(emb)

    x = p["model.embed_tokens.weight"][tokens]
    for l in range(config["num_hidden_layers"]):
        pre = "model.layers.%d." % l
        h = rms(x, pre + "input_layernorm.weight")
        q = rotary(_split(linear(h, pre + "self_attn.q_proj"), heads))
        k = rotary(_split(linear(h, pre + "self_attn.k_proj"), kv_heads))
        v = _split(linear(h, pre + "self_attn.v_proj"), kv_heads)
        a = _merge(_causal_attention(q, k, v, 1 / np.sqrt(head_dim)))
        x = x + linear(a, pre + "self_attn.o_proj")
        h = rms(x, pre + "post_attention_layernorm.weight")
        m = _act(act, linear(h, pre + "mlp.gate_proj")) * linear(h, pre + "mlp.up_proj")
        x = x + linear(m, pre + "mlp.down_proj")
    x = rms(x, "model.norm.weight")
    head = p["model.embed_tokens.weight"] if config.get(
        "tie_word_embeddings", False) else p["lm_head.weight"]
    return x @ head.T


def forward(params, tokens, config):
    if config["model_type"] == "gpt2":
        return gpt2(params, tokens, config)
    return llama(params, tokens, config)
