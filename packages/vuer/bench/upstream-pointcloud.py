# Baseline for `build+encode-pointcloud-100k-from-float32`: what upstream's Python does for
# `session.upsert @ PointCloud(vertices=xyz, colors=rgb, size=0.01)` from float32 arrays (numpy's float16
# conversion, colors * 255 as uint8, msgpack packb with single floats), timed for about `seconds` of wall
# time. Prints two numbers: events per wall-clock second and events per CPU-second of this process (each the
# best of a few rounds, as the TypeScript side).
import sys, time
import numpy as np
from msgpack import packb

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
n = 100_000
i = np.arange(n * 3)
xyz = (np.sin(i) * 5).astype(np.float32).reshape(n, 3)
rgb = ((i % 255) / 255).astype(np.float32).reshape(n, 3)

def build():
    vertices = xyz.astype(np.float16).flatten().tobytes()
    colors = rgb.copy()  # upstream scales the caller's array in place; a copy keeps the input intact
    colors *= 255
    colors = colors.astype(np.uint8).flatten().tobytes()
    node = {"tag": "PointCloud", "key": "pc", "vertices": vertices, "colors": colors, "size": 0.01}
    event = {"ts": int(time.time() * 1000), "data": {"nodes": [node], "to": None}, "etype": "UPSERT"}
    return packb(event, use_single_float=True, use_bin_type=True)

best = 0.0
best_cpu = 0.0
rounds = 6
for _ in range(rounds):
    count = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    while time.perf_counter() - t0 < seconds / rounds:
        build()
        count += 1
    best = max(best, count / (time.perf_counter() - t0))
    best_cpu = max(best_cpu, count / max(time.process_time() - c0, 1e-9))
print(f"{best:.1f} {best_cpu:.1f}")
