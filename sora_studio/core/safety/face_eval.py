"""Measure the face matcher: genuine vs impostor similarity on the pictures installed on this machine.

`python -m sora_studio.core.safety.face_eval` prints the table in docs/safety.md ("The face descriptor").
Genuine: scikit-image's astronaut (enrolled from a crop and its mirror, as the cameo tests enrol her)
seen through other crops, scales, rotations, JPEG, light changes, and re-posed through her 3D mesh.
Impostors: matplotlib's Grace Hopper photo and the faces of scikit-image's LFW subset. Needs scikit-image
and matplotlib (test extras); nothing is downloaded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from sora_studio.core.cameo.face_match import MATCH_THRESHOLD, FaceFinder, pad_for_detection, similarity


def _rotated(image: np.ndarray, degrees: float, scale: float = 1.0) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, scale)
    return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    data = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])[1]
    return np.ascontiguousarray(cv2.imdecode(data, cv2.IMREAD_COLOR)[:, :, ::-1])


def probe_sets() -> dict[str, dict[str, np.ndarray]]:
    import matplotlib
    from skimage import data

    from sora_studio.core.cameo.synthetic import FaceMesh, astronaut_face

    a = data.astronaut()
    photos = {"full": a, "crop1": a[0:300, 60:400], "crop2": a[10:260, 100:350], "half size": cv2.resize(a, (256, 256)),
              "rot +8": _rotated(a, 8), "rot -6 x1.1": _rotated(a, -6, 1.1), "jpeg q40": _jpeg(a, 40),
              "darker": (a * 0.6).astype(np.uint8), "brighter": np.clip(a * 1.3 + 20, 0, 255).astype(np.uint8),
              "crop+rot 5": _rotated(a[0:320, 40:420], 5, 0.9), "mirror": np.ascontiguousarray(a[:, ::-1]),
              "blur": cv2.GaussianBlur(a, (5, 5), 1.5), "rot +15": _rotated(a, 15)}
    mesh = FaceMesh.from_image(astronaut_face(256))
    posed = {f"yaw {y} pitch {p}": mesh.render(yaw=y, pitch=p)
             for y, p in [(12, 0), (-12, 0), (20, 0), (-20, 0), (0, 10), (0, -10), (8, -6)]}
    hopper = cv2.imread(str(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"))[:, :, ::-1]
    hopper = np.ascontiguousarray(hopper)
    impostors = {"hopper": hopper, "hopper crop": hopper[50:400, 80:450], "hopper rot 7": _rotated(hopper, 7),
                 "hopper mirror": np.ascontiguousarray(hopper[:, ::-1])}
    for i, face in enumerate(data.lfw_subset()[:100]):  # the first 100 entries are faces
        grey = cv2.resize((face * 255).astype(np.uint8), (200, 200), interpolation=cv2.INTER_CUBIC)
        impostors[f"lfw {i}"] = np.repeat(grey[:, :, None], 3, axis=2)
    return {"genuine photo variants": photos, "genuine re-posed": posed, "impostors": impostors}


def main() -> int:
    from sora_studio.core.cameo.synthetic import astronaut_face

    sets = probe_sets()
    with FaceFinder() as finder:
        for size in (96, 256):
            crop = astronaut_face(size)
            enrolled = [(finder.embeddings(c) or finder.embeddings(pad_for_detection(c)))[0]
                        for c in (crop, np.ascontiguousarray(crop[:, ::-1]))]
            print(f"enrolled from a {size} px crop and its mirror; threshold {MATCH_THRESHOLD}")
            for name, probes in sets.items():
                scores = {k: [max(similarity(f, e) for e in enrolled) for f in finder.embeddings(v)]
                          for k, v in probes.items()}
                values = np.array([max(s) for s in scores.values() if s])
                wrong = [k for k, s in scores.items() if s and (max(s) >= MATCH_THRESHOLD) == (name == "impostors")]
                print(f"  {name}: {len(values)} of {len(probes)} found as faces; min {values.min():.3f} "
                      f"mean {values.mean():.3f} p95 {np.percentile(values, 95):.3f} max {values.max():.3f}; "
                      f"on the wrong side of the threshold: {wrong or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
