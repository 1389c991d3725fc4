"""Live previews from latents without touching the VAE on the step path.

Each step, the predicted clean latent x0 is estimated from the last two latents and the scheduler's sigmas
(flow matching: x_t = x0 + sigma * v), projected to RGB with a per-model linear map (latent channels -> RGB,
fit once by least squares against the model's own VAE and cached), and encoded as small PNGs.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from sora_studio.core.appdirs import cache_dir


@dataclass
class LatentProjection:
    """RGB = weight @ latent + bias, per latent pixel; weight [3, C], bias [3]."""

    weight: np.ndarray
    bias: np.ndarray

    def to_dict(self) -> dict:
        return {"weight": self.weight.tolist(), "bias": self.bias.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> LatentProjection:
        return cls(np.asarray(data["weight"], dtype=np.float32), np.asarray(data["bias"], dtype=np.float32))

    def apply(self, latents: np.ndarray) -> np.ndarray:
        """[C, F, h, w] latents -> [F, h, w, 3] RGB in [-1, 1]-ish."""
        rgb = np.einsum("rc,cfhw->fhwr", self.weight, latents) + self.bias
        return rgb


def _calibration_images(size: int, count: int = 8) -> torch.Tensor:
    """Smooth synthetic colour fields (gradients + blobs) in [-1, 1]: enough to pin down a linear map."""
    rng = np.random.default_rng(1234)
    yy, xx = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    images = []
    for _ in range(count):
        img = np.zeros((3, size, size))
        for c in range(3):
            a, b, d = rng.uniform(-1, 1, 3)
            cx, cy, r = rng.uniform(0, 1, 3)
            img[c] = a * xx + b * yy + d * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (0.05 + r * 0.2))
        images.append(np.clip(img, -1, 1))
    return torch.tensor(np.stack(images), dtype=torch.float32)


def fit_projection(encode, vae: torch.nn.Module, size: int = 64) -> LatentProjection:
    """Least squares RGB ~ latents, where `encode` maps images [B, 3, 1, H, W] to the pipeline's latent space."""
    images = _calibration_images(size)
    param = next(vae.parameters())
    with torch.no_grad():
        z = encode(images.unsqueeze(2).to(param.device, param.dtype)).float().cpu()  # [B, C, 1, h, w]
    h, w = z.shape[-2:]
    target = torch.nn.functional.adaptive_avg_pool2d(images, (h, w))  # [B, 3, h, w]
    lat = z[:, :, 0].permute(0, 2, 3, 1).reshape(-1, z.shape[1])
    rgb = target.permute(0, 2, 3, 1).reshape(-1, 3)
    design = torch.cat([lat, torch.ones(lat.shape[0], 1)], dim=1).double()
    solution = torch.linalg.lstsq(design, rgb.double(), rcond=None).solution  # [C+1, 3]
    return LatentProjection(solution[:-1].T.float().numpy(), solution[-1].float().numpy())


def fit_wan_projection(vae: torch.nn.Module, size: int = 64) -> LatentProjection:
    """Projection for Wan-style VAEs, whose pipeline latents are (z - latents_mean) / latents_std."""
    mean = torch.tensor(vae.config.latents_mean).view(1, -1, 1, 1, 1)
    std = torch.tensor(vae.config.latents_std).view(1, -1, 1, 1, 1)

    def encode(x: torch.Tensor) -> torch.Tensor:
        z = vae.encode(x).latent_dist.mean.float().cpu()
        return (z - mean) / std

    return fit_projection(encode, vae, size)


def cached_projection(key: str, fit) -> LatentProjection:
    """Load a fitted projection from the cache or fit it (once per model) and store it."""
    name = hashlib.sha256(key.encode()).hexdigest()[:16]
    path = Path(cache_dir()) / "previews" / f"{name}.json"
    if path.is_file():
        try:
            return LatentProjection.from_dict(json.loads(path.read_text()))
        except (ValueError, KeyError, json.JSONDecodeError):
            pass
    projection = fit()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(projection.to_dict()))
    return projection


def estimate_x0(before: torch.Tensor | None, after: torch.Tensor, sigma: float, sigma_next: float) -> torch.Tensor:
    """Predicted clean latent from two consecutive latents (first-order flow step); `after` if unknown."""
    if before is None or sigma_next == sigma:
        return after
    velocity = (after - before) / (sigma_next - sigma)
    return after - sigma_next * velocity


def preview_pngs(latents: torch.Tensor, projection: LatentProjection, max_frames: int = 4,
                 width: int = 160) -> list[str]:
    """[C, F, h, w] latent -> up to `max_frames` base64 PNGs of about `width` pixels."""
    lat = latents.detach().float().cpu().numpy()
    frames = lat.shape[1]
    picks = sorted(set(np.linspace(0, frames - 1, min(max_frames, frames)).round().astype(int).tolist()))
    rgb = projection.apply(lat[:, picks])
    scale = max(1, width // max(rgb.shape[2], 1))
    out = []
    from PIL import Image

    for frame in rgb:
        img = ((np.clip(frame, -1, 1) + 1) * 127.5).astype(np.uint8)
        img = img.repeat(scale, axis=0).repeat(scale, axis=1)
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, format="PNG", compress_level=1)
        out.append(base64.b64encode(buf.getvalue()).decode("ascii"))
    return out
