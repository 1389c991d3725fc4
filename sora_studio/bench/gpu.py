"""`sora-studio bench gpu`: Wan2.1 transformers at real shapes with random weights (no download needed).

For Wan2.1-T2V-1.3B and -14B at 832x480, 81 frames (21 latent frames, 32,760 tokens), with classifier-free
guidance (2 forwards per step):
  (a) plain diffusers defaults: bf16 weights on the GPU, default attention;
  (b) the studio's best settings: (a) + torch.compile of the repeated blocks (+ first-block step cache,
      reported separately because it changes the frames slightly);
seconds per step, peak VRAM, end-to-end seconds for a 5 s clip (50 steps + VAE decode), and the floor:
FLOPs per step divided by the bf16 matmul rate measured on the same GPU.
Without CUDA it says so, computes the FLOPs per step (architecture arithmetic) and exits 0.
"""

from __future__ import annotations

import time

import torch

WIDTH, HEIGHT, FRAMES, STEPS, TEXT_TOKENS = 832, 480, 81, 50, 512
CONFIGS = {  # the published Wan2.1 transformer configurations
    "wan2.1-t2v-1.3b": dict(num_attention_heads=12, attention_head_dim=128, ffn_dim=8960, num_layers=30),
    "wan2.1-t2v-14b": dict(num_attention_heads=40, attention_head_dim=128, ffn_dim=13824, num_layers=40),
}
COMMON = dict(patch_size=(1, 2, 2), in_channels=16, out_channels=16, text_dim=4096, freq_dim=256, cross_attn_norm=True,
              qk_norm="rms_norm_across_heads", eps=1e-6)


def latent_shape() -> tuple[int, int, int, int, int]:
    return (1, 16, (FRAMES - 1) // 4 + 1, HEIGHT // 8, WIDTH // 8)


def tokens() -> int:
    _, _, f, h, w = latent_shape()
    return f * (h // 2) * (w // 2)


def flops_per_step(config: dict, cfg_forwards: int = 2) -> float:
    """Matmul FLOPs of one denoising step (2 x multiply-adds), attention included."""
    dim = config["num_attention_heads"] * config["attention_head_dim"]
    n, layers, ffn = tokens(), config["num_layers"], config["ffn_dim"]
    per_layer = (
        2 * n * dim * dim * 4  # self-attention q, k, v, o projections
        + 2 * 2 * n * n * dim  # self-attention scores and weighted sum
        + 2 * n * dim * dim * 2 + 2 * TEXT_TOKENS * dim * dim * 2  # cross-attention q/o and k/v
        + 2 * 2 * n * TEXT_TOKENS * dim  # cross-attention scores and sum
        + 2 * n * dim * ffn * 2  # feed-forward
    )
    return float(per_layer * layers * cfg_forwards)


def run(quick: bool = False) -> dict:
    result: dict = {"shape": {"width": WIDTH, "height": HEIGHT, "frames": FRAMES, "tokens": tokens()},
                    "flops_per_step": {k: flops_per_step(v) for k, v in CONFIGS.items()}}
    if not torch.cuda.is_available():
        result.update(cuda=False, note="no CUDA device: GPU timings skipped; only the FLOPs per step are computed. "
                                        "Run `sora-studio bench gpu` on a machine with an NVIDIA GPU.")
        return result
    result.update(cuda=True, device=torch.cuda.get_device_name(0))
    result["bf16_matmul_tflops"] = _matmul_tflops()
    models = ["wan2.1-t2v-1.3b"] if quick else list(CONFIGS)
    result["models"] = {name: _bench_model(name, quick, result["bf16_matmul_tflops"]) for name in models}
    result["vae_decode_s"] = _vae_decode_seconds()
    for name, figures in result["models"].items():
        for mode in ("plain", "studio"):
            if mode in figures:
                figures[mode]["clip_5s_s"] = round(figures[mode]["step_s"] * STEPS + result["vae_decode_s"], 1)
    return result


def _matmul_tflops(n: int = 8192, repeats: int = 20) -> float:
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(repeats):
        a @ b
    torch.cuda.synchronize()
    return round(2 * n**3 * repeats / (time.perf_counter() - t0) / 1e12, 1)


def _inputs(dtype=torch.bfloat16):
    x = torch.randn(latent_shape(), device="cuda", dtype=dtype)
    text = torch.randn(1, TEXT_TOKENS, 4096, device="cuda", dtype=dtype)
    t = torch.tensor([500.0], device="cuda")
    return x, t, text


def _step_seconds(model, repeats: int) -> float:
    x, t, text = _inputs()
    with torch.inference_mode():
        for _ in range(2):  # warm-up (and compilation)
            model(hidden_states=x, timestep=t, encoder_hidden_states=text, return_dict=False)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(repeats):
            for _cfg in range(2):  # conditional + unconditional forward
                model(hidden_states=x, timestep=t, encoder_hidden_states=text, return_dict=False)
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / repeats


def _bench_model(name: str, quick: bool, tflops: float) -> dict:
    from diffusers import WanTransformer3DModel

    repeats = 2 if quick else 5
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = WanTransformer3DModel(**COMMON, **CONFIGS[name]).to(torch.bfloat16).eval()
    out: dict = {"parameters_b": round(sum(p.numel() for p in model.parameters()) / 1e9, 2)}
    floor = flops_per_step(CONFIGS[name]) / (tflops * 1e12)
    out["floor_step_s"] = round(floor, 2)
    torch.cuda.reset_peak_memory_stats()
    plain = _step_seconds(model, repeats)
    out["plain"] = {"step_s": round(plain, 3), "peak_vram_gb": round(torch.cuda.max_memory_allocated() / 1024**3, 1),
                    "floor_ratio": round(plain / floor, 2)}
    if not quick:
        try:
            model.compile_repeated_blocks(fullgraph=True)
            torch.cuda.reset_peak_memory_stats()
            best = _step_seconds(model, repeats)
            out["studio"] = {"step_s": round(best, 3), "settings": "bf16 + torch.compile(repeated blocks)",
                             "peak_vram_gb": round(torch.cuda.max_memory_allocated() / 1024**3, 1),
                             "speedup": round(plain / best, 2), "floor_ratio": round(best / floor, 2)}
        except Exception as exc:  # compile needs a working Triton toolchain
            out["studio"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    del model
    torch.cuda.empty_cache()
    return out


def _vae_decode_seconds() -> float:
    from diffusers import AutoencoderKLWan

    torch.manual_seed(0)
    with torch.device("cuda"):
        vae = AutoencoderKLWan().to(torch.bfloat16).eval()  # the default config is Wan2.1's VAE
    z = torch.randn(latent_shape(), device="cuda", dtype=torch.bfloat16)
    with torch.inference_mode():
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        vae.decode(z)
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    del vae
    torch.cuda.empty_cache()
    return round(seconds, 2)


def format(result: dict) -> str:
    shape = result["shape"]
    lines = [f"GPU bench: Wan2.1 transformers at {shape['width']}x{shape['height']}, {shape['frames']} frames "
             f"({shape['tokens']} tokens), CFG (2 forwards/step)"]
    for name, flops in result["flops_per_step"].items():
        lines.append(f"  {name}: {flops / 1e15:.2f} PFLOP per step")
    if not result.get("cuda"):
        lines.append("  " + result["note"])
        return "\n".join(lines)
    lines.append(f"  device {result['device']}, bf16 matmul {result['bf16_matmul_tflops']} TFLOP/s, "
                 f"VAE decode {result['vae_decode_s']} s")
    for name, f in result["models"].items():
        lines.append(f"  {name} ({f['parameters_b']} B params): floor {f['floor_step_s']} s/step")
        for mode in ("plain", "studio"):
            m = f.get(mode)
            if not m:
                continue
            if "error" in m:
                lines.append(f"    {mode:7} failed: {m['error']}")
                continue
            lines.append(f"    {mode:7} {m['step_s']} s/step, peak {m['peak_vram_gb']} GB, "
                         f"5 s clip ~{m.get('clip_5s_s')} s"
                         f", {m['floor_ratio']}x the floor")
    return "\n".join(lines)
