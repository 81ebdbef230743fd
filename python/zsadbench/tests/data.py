"""Small random categories for the tests: smooth maps with a few blobs,
masks of ellipses, some images normal; every score a float32."""

import numpy as np


def category(seed=0, n=8, h=40, w=52, normal=3):
    """maps (n, h, w) float32 and masks (n, h, w) bool; the last `normal`
    images have no anomalous pixel."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    maps = np.empty((n, h, w), dtype=np.float32)
    masks = np.zeros((n, h, w), dtype=bool)
    for i in range(n):
        m = 0.2 * rng.random((h, w)) + 0.1 * np.sin(xx / (3 + i)) ** 2
        for _ in range(rng.integers(1, 4)):
            cy, cx = rng.integers(0, h), rng.integers(0, w)
            ry, rx = rng.integers(2, 9), rng.integers(2, 9)
            blob = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
            if i < n - normal:
                masks[i] |= blob
            m += 0.6 * rng.random() * np.exp(-(((yy - cy - 1) / ry) ** 2 + ((xx - cx) / rx) ** 2))
        # Quantised a little so that scores tie, as real maps' do.
        maps[i] = np.round(m * 512) / 512
    return maps, masks
