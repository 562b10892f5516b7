"""perf_plots.py: the pictures of a lucid-bench run, drawn with matplotlib for perf_table.py.

    roofline.png  per thread count (rows) and pass (columns): GFLOP/s against arithmetic
                  intensity (FLOPs over the pass's minimal bytes, the GBps counter) of every
                  suite config, lucid as circles and onednn_best as triangles joined by a line,
                  under the roofs of the run's measured FMA peak and STREAM triad bandwidth;
    speedup.png   per thread count: lucid / onednn_best for every config and pass (log scale).

"lucid" is lucid_tuned where the run has it, as in the tables. Needs python3-matplotlib.
"""

import os


import matplotlib

matplotlib.use("Agg")  # files only: no display on a build machine
import matplotlib.pyplot as plt  # noqa: E402

PASSES = ["forward", "backward_data", "backward_weight"]
PASS_COLORS = {"forward": "tab:blue", "backward_data": "tab:orange", "backward_weight": "tab:green"}


def suite_points(runs):
    """(pass, threads) -> config -> {"lucid": run, "onednn_best": run}, and configs in order."""
    table, configs = {}, []
    for name, run in runs.items():
        parts = name.split("/")
        if len(parts) != 4 or parts[0] not in PASSES or not parts[3].startswith("threads:"):
            continue
        if "GFLOPS" not in run:
            continue
        p, config, impl, threads = parts[0], parts[1], parts[2], int(parts[3].split(":")[1])
        if config not in configs:
            configs.append(config)
        row = table.setdefault((p, threads), {}).setdefault(config, {})
        if impl == "lucid_tuned" or (impl == "lucid" and "lucid" not in row):
            row["lucid"] = run
        elif impl == "onednn_best":
            row["onednn_best"] = run
    return table, configs


def context_float(context, key):
    try:
        return float(context.get(key))
    except (TypeError, ValueError):
        return None


def intensity(run):
    """FLOPs per byte of the pass's minimal traffic: GFLOP/s over GB/s of the same call."""
    gbps = run.get("GBps")
    return run["GFLOPS"] / gbps if gbps else None


def draw_roofline(runs, context, path):
    table, configs = suite_points(runs)
    thread_counts = sorted({t for (_, t) in table})
    if not thread_counts:
        return False
    colors = {c: plt.get_cmap("tab20")(i % 20) for i, c in enumerate(configs)}
    peak_core = context_float(context, "fma_peak_gflops_per_core")
    fig, axes = plt.subplots(len(thread_counts), len(PASSES), squeeze=False,
                             figsize=(6 * len(PASSES), 5 * len(thread_counts)))
    for row, threads in enumerate(thread_counts):
        peak = peak_core * threads if peak_core else None
        bandwidth = context_float(context, f"stream_triad_gbs_threads{threads}")
        for col, p in enumerate(PASSES):
            ax = axes[row][col]
            points = table.get((p, threads), {})
            xs = [intensity(r[i]) for r in points.values() for i in r if intensity(r[i])]
            lo = min(xs + [0.1]) / 2
            hi = max(xs + [100.0]) * 2
            # The roofs: memory slope up to the ridge point, then the flat FMA peak.
            if peak and bandwidth:
                grid = [lo * (hi / lo) ** (k / 200) for k in range(201)]
                ax.plot(grid, [min(peak, bandwidth * x) for x in grid], color="black", lw=1.5)
                ax.text(hi, peak, f"FMA peak {peak:.0f} GFLOP/s ", ha="right", va="bottom",
                        fontsize=8)
                ax.text(lo * 1.1, bandwidth * lo * 1.3, f"STREAM {bandwidth:.1f} GB/s",
                        rotation=0, fontsize=8, va="bottom")
            for config in configs:
                r = points.get(config)
                if not r:
                    continue
                pair = [(intensity(r[i]), r[i]["GFLOPS"]) for i in ("lucid", "onednn_best")
                        if i in r and intensity(r[i])]
                if len(pair) == 2:
                    ax.plot([pair[0][0], pair[1][0]], [pair[0][1], pair[1][1]],
                            color=colors[config], lw=0.8, alpha=0.6)
                if "lucid" in r and intensity(r["lucid"]):
                    ax.scatter(intensity(r["lucid"]), r["lucid"]["GFLOPS"], marker="o", s=40,
                               color=colors[config], edgecolor="black", linewidth=0.5, zorder=3)
                if "onednn_best" in r and intensity(r["onednn_best"]):
                    ax.scatter(intensity(r["onednn_best"]), r["onednn_best"]["GFLOPS"],
                               marker="^", s=40, facecolor="none", edgecolor=colors[config],
                               linewidth=1.2, zorder=3)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlim(lo, hi)
            ax.set_title(f"{p}, {threads} thread{'s' if threads > 1 else ''}")
            ax.set_xlabel("arithmetic intensity (FLOP / minimal byte)")
            ax.set_ylabel("GFLOP/s")
            ax.grid(True, which="both", alpha=0.2)
    handles = [plt.Line2D([], [], marker="o", ls="", color="gray", markeredgecolor="black",
                          label="lucid"),
               plt.Line2D([], [], marker="^", ls="", markerfacecolor="none",
                          markeredgecolor="gray", label="onednn_best")]
    handles += [plt.Line2D([], [], marker="s", ls="", color=colors[c], label=c) for c in configs]
    fig.legend(handles=handles, loc="center right", fontsize=9)
    fig.suptitle(roofline_title(context))
    fig.tight_layout(rect=(0, 0, 0.88, 0.96))
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def roofline_title(context):
    load = context.get("load_avg") or []
    load_text = f", load average {load[0]:.1f} at start" if load else ""
    return (f"lucid-jit vs oneDNN roofline on {context.get('lucid_cpu', '?')} "
            f"({context.get('fma_peak_isa', '?')}{load_text})")


def draw_speedup(runs, context, path):
    table, configs = suite_points(runs)
    thread_counts = sorted({t for (_, t) in table})
    if not thread_counts:
        return False
    fig, axes = plt.subplots(len(thread_counts), 1, squeeze=False,
                             figsize=(max(8, 1.1 * len(configs)), 4.5 * len(thread_counts)))
    width = 0.8 / len(PASSES)
    for row, threads in enumerate(thread_counts):
        ax = axes[row][0]
        for k, p in enumerate(PASSES):
            points = table.get((p, threads), {})
            xs, ys = [], []
            for i, config in enumerate(configs):
                r = points.get(config, {})
                if "lucid" in r and "onednn_best" in r and r["onednn_best"]["GFLOPS"] > 0:
                    xs.append(i + (k - 1) * width)
                    ys.append(r["lucid"]["GFLOPS"] / r["onednn_best"]["GFLOPS"])
            if not ys:
                continue
            bars = ax.bar(xs, ys, width, color=PASS_COLORS[p], label=p)
            for bar, y in zip(bars, ys):
                ax.text(bar.get_x() + bar.get_width() / 2, y, f"{y:.2g}", ha="center",
                        va="bottom" if y >= 1 else "top", fontsize=6, rotation=90)
        ax.axhline(1.0, color="black", lw=1)
        ax.set_yscale("log")
        ax.set_xticks(range(len(configs)))
        ax.set_xticklabels(configs, rotation=30, ha="right")
        ax.set_ylabel("lucid / onednn_best (GFLOP/s ratio)")
        ax.set_title(f"{threads} thread{'s' if threads > 1 else ''}: above 1 lucid is faster")
        ax.grid(True, axis="y", which="both", alpha=0.2)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def draw_all(runs, context, directory):
    """Writes roofline.png and speedup.png into directory; returns the paths written."""
    os.makedirs(directory, exist_ok=True)
    written = []
    for name, draw in (("roofline.png", draw_roofline), ("speedup.png", draw_speedup)):
        path = os.path.join(directory, name)
        if draw(runs, context, path):
            written.append(path)
    return written
