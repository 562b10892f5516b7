#!/usr/bin/env python3
"""perf_table.py: turns lucid-bench (and lucid-bench-jit) JSON output into markdown tables.

    scripts/perf_table.py bench.json [bench-jit.json] [-o table.md] [--plots DIR]

Per pass and thread count: GFLOP/s of each implementation, the ratios lucid/onednn_best and
lucid/onednn_plain, lucid's share of the measured FMA peak and of the measured STREAM triad
bandwidth (GB/s of the pass's minimal bytes), and geometric means over the suite. "lucid" in the ratios is lucid_tuned where the tuning database had the config, else the
default schedule, as the runtime would pick; lucid_tier0 (the generic kernels a cold layer runs
on while it compiles) gets its own column and its ratio to the reference loops; lucid_prepacked
(forward and backward-data with the weight packed once, as inference with fixed weights runs)
its own column, outside the ratios. Then 2-thread scaling, small-layer call times,
and JIT latency when the lucid-bench-jit output is given. Python 3 standard library only,
except --plots DIR, which also draws roofline.png and speedup.png there (scripts/perf_plots.py,
python3-matplotlib).
"""

import argparse
import json
import math
import sys
from collections import defaultdict

IMPLS = ["lucid", "lucid_tuned", "lucid_prepacked", "lucid_tier0", "reference", "onednn_plain", "onednn_best"]
PASSES = ["forward", "backward_data", "backward_weight"]
TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
FIRST_CALL_COUNTERS = ("first_forward_ms", "first_backward_ms", "tier1_ms", "tier0_gflops", "tier1_gflops")


def median(values):
    values = sorted(values)
    n = len(values)
    if n == 0:
        return None
    return values[n // 2] if n % 2 else 0.5 * (values[n // 2 - 1] + values[n // 2])


def geomean(values):
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


# Counters that are rates (per second of the call): a repetition's best is its largest.
RATE_COUNTERS = ("GFLOPS", "pct_peak", "GBps", "pct_stream")
STATISTICS = ("median", "best")


def load_runs(paths, statistic="median"):
    """Name -> {"gflops", "pct_peak", "ns", "error", "label", counters...}, over repetitions.

    statistic "median": each row's median repetition. "best": its fastest, the time of
    lucid-bench's "min" aggregate and the rate counters of its "max" one (the runs without
    repetitions, or from before lucid-bench reported them, fall back to the median).
    """
    samples = defaultdict(list)
    aggregates = defaultdict(dict)  # name -> aggregate name -> row
    context = {}
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        for key, value in doc.get("context", {}).items():
            context.setdefault(key, value)  # the first file (lucid-bench) describes the run
        for b in doc.get("benchmarks", []):
            name = b.get("run_name", b["name"])
            context["repetitions"] = max(context.get("repetitions", 1), b.get("repetitions", 1))
            if b.get("run_type") == "aggregate":
                aggregates[name][b.get("aggregate_name")] = b
                continue
            samples[name].append(b)
    runs = {}
    # With --benchmark_report_aggregates_only (scripts/bench.sh) a run has its aggregates only,
    # and with random interleaving the file lists runs out of order: registration order
    # (family_index) puts the configs back in suite order.
    names = list(samples) + [n for n in aggregates if n not in samples and "median" in aggregates[n]]

    def registration_order(n):
        b = aggregates[n].get("median") if n in aggregates else samples[n][0]
        return b.get("family_index", 0), b.get("per_family_instance_index", 0)

    for name in sorted(names, key=registration_order):
        agg = aggregates.get(name, {})
        bs = [agg["median"]] if "median" in agg else samples[name]
        errors = [b for b in bs if b.get("error_occurred")]
        if errors:
            runs[name] = {"error": errors[0].get("error_message", "error")}
            continue
        run = {"label": bs[0].get("label", "")}
        run["ns"] = median([b["real_time"] * TO_NS[b.get("time_unit", "ns")] for b in bs])
        for key in ("GFLOPS", "pct_peak", "GBps", "pct_stream", "median_ms", "min_ms", "max_ms", "code_bytes",
                    *FIRST_CALL_COUNTERS, *(k + "_max" for k in FIRST_CALL_COUNTERS)):
            if key in bs[0]:
                run[key] = median([b[key] for b in bs])
        if statistic == "best":
            if "min" in agg:
                run["ns"] = agg["min"]["real_time"] * TO_NS[agg["min"].get("time_unit", "ns")]
            elif name in samples:
                run["ns"] = min(b["real_time"] * TO_NS[b.get("time_unit", "ns")] for b in samples[name])
            for key in RATE_COUNTERS:
                if key in agg.get("max", {}):
                    run[key] = agg["max"][key]
                elif name in samples and key in samples[name][0]:
                    run[key] = max(b[key] for b in samples[name])
        runs[name] = run
    return runs, context


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if value >= 100:
        return f"{value:.0f}"
    if 0 < abs(value) < 1:
        return f"{value:.3g}"
    return f"{value:.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def suite_tables(runs, out):
    table = defaultdict(dict)  # (pass, threads) -> config -> impl -> run
    configs = []
    for name, run in runs.items():
        parts = name.split("/")
        if len(parts) != 4 or parts[0] not in PASSES or not parts[3].startswith("threads:"):
            continue
        p, config, impl, threads = parts[0], parts[1], parts[2], int(parts[3].split(":")[1])
        if config not in configs:
            configs.append(config)
        table[(p, threads)].setdefault(config, {})[impl] = run
    for (p, threads) in sorted(table, key=lambda k: (PASSES.index(k[0]), k[1])):
        rows = table[(p, threads)]
        impls = [i for i in IMPLS if any(i in r for r in rows.values())]
        out.append(f"\n### {p}, {threads} thread{'s' if threads > 1 else ''} (GFLOP/s)\n")
        tier0 = "lucid_tier0" in impls and "reference" in impls
        header = ["config"] + impls + ["lucid/onednn_best", "lucid/onednn_plain", "lucid % peak"]
        # The minimal-traffic GB/s as a share of STREAM triad, for the memory-bound layers
        # (runs from before the GBps counter have no such column).
        stream = any("pct_stream" in (r.get("lucid_tuned") or r.get("lucid") or {})
                     for r in rows.values())
        if stream:
            header.append("lucid % STREAM")
        if tier0:
            header.append("tier0/reference")
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        columns = defaultdict(list)
        for config in configs:
            if config not in rows:
                continue
            r = rows[config]
            cells = [config]
            for impl in impls:
                run = r.get(impl)
                value = None if run is None else ("error" if "error" in run else run.get("GFLOPS"))
                cells.append(fmt(value, 2) if not isinstance(value, str) else value)
                if isinstance(value, float):
                    columns[impl].append(value)
            lucid = r.get("lucid_tuned") or r.get("lucid")
            lucid_gf = lucid.get("GFLOPS") if lucid and "error" not in lucid else None
            best = r.get("onednn_best", {}).get("GFLOPS")
            plain = r.get("onednn_plain", {}).get("GFLOPS")
            rb, rp = ratio(lucid_gf, best), ratio(lucid_gf, plain)
            peak = lucid.get("pct_peak") if lucid_gf is not None else None
            columns["rb"].append(rb)
            columns["rp"].append(rp)
            cells += [fmt(rb, 2) + ("×" if rb else ""), fmt(rp, 2) + ("×" if rp else ""),
                      fmt(peak) + ("%" if peak is not None else "")]
            if stream:
                share = lucid.get("pct_stream") if lucid_gf is not None else None
                cells.append(fmt(share) + ("%" if share is not None else ""))
            if tier0:
                t0 = r.get("lucid_tier0", {}).get("GFLOPS")
                rt = ratio(t0, r.get("reference", {}).get("GFLOPS"))
                columns["rt"].append(rt)
                cells.append(fmt(rt, 2) + ("×" if rt else ""))
            out.append("| " + " | ".join(cells) + " |")
        gm = ["**geomean**"] + [fmt(geomean(columns[i]), 2) for i in impls]
        grb, grp = geomean(columns["rb"]), geomean(columns["rp"])
        gm += [fmt(grb, 2) + ("×" if grb else ""), fmt(grp, 2) + ("×" if grp else ""), ""]
        if stream:
            gm.append("")
        if tier0:
            grt = geomean(columns["rt"])
            gm.append(fmt(grt, 2) + ("×" if grt else ""))
        out.append("| " + " | ".join(gm) + " |")


def scaling_table(runs, out):
    rows = []
    for name, run in runs.items():
        parts = name.split("/")
        if len(parts) != 4 or parts[3] != "threads:2" or "GFLOPS" not in run:
            continue
        one = runs.get("/".join(parts[:3] + ["threads:1"]), {})
        if "GFLOPS" in one:
            rows.append((parts[0], parts[1], parts[2], run["GFLOPS"] / one["GFLOPS"]))
    if not rows:
        return
    out.append("\n### 2-thread speed-up (GFLOP/s at 2 threads / at 1 thread)\n")
    impls = [i for i in IMPLS if any(r[2] == i for r in rows)]
    out.append("| pass | config | " + " | ".join(impls) + " |")
    out.append("|---|---|" + "---|" * len(impls))
    keyed = {(p, c, i): s for p, c, i, s in rows}
    seen = []
    for p, c, _, _ in rows:
        if (p, c) not in seen:
            seen.append((p, c))
    for p, c in sorted(seen, key=lambda k: PASSES.index(k[0])):
        out.append(f"| {p} | {c} | " + " | ".join(fmt(keyed.get((p, c, i)), 2) for i in impls) + " |")


def small_call_table(runs, out, configs=("seed_toy", "seed_decoder")):
    lines = []
    for config in configs:
        for impl in IMPLS:
            run = runs.get(f"forward/{config}/{impl}/threads:1")
            if run and "ns" in run:
                lines.append(f"| {config} | {impl} | {run['ns']:.0f} |")
    if lines:
        out.append("\n### Forward call time of the seed layers, 1 thread (ns)\n")
        out.append("| config | impl | ns per call |")
        out.append("|---|---|---|")
        out.extend(lines)


def jit_table(runs, out):
    kinds = [("jit_compile", "compile (ms, median)", "median_ms"),
             ("jit_disk_load", "disk load (ms, median)", "median_ms"),
             ("jit_memory_hit", "memory hit (ns)", "ns")]
    configs = []
    for name in runs:
        parts = name.split("/")
        if parts[0] in ("jit_compile", "jit_disk_load", "jit_memory_hit") and parts[1] not in configs:
            configs.append(parts[1])
    if not configs:
        return
    out.append("\n### JIT latency\n")
    out.append("| config | " + " | ".join(k[1] for k in kinds) + " | code bytes |")
    out.append("|---|" + "---|" * (len(kinds) + 1))
    for config in configs:
        cells = [config]
        code = None
        for prefix, _, key in kinds:
            run = [r for n, r in runs.items() if n.split("/")[:2] == [prefix, config]]
            run = run[0] if run else {}
            cells.append("error" if "error" in run else fmt(run.get(key), 2))
            code = code or run.get("code_bytes")
        cells.append(fmt(code, 0))
        out.append("| " + " | ".join(cells) + " |")
    compiles = [r.get("median_ms") for n, r in runs.items() if n.startswith("jit_compile/")]
    loads = [r.get("median_ms") for n, r in runs.items() if n.startswith("jit_disk_load/")]
    out.append(f"| **median over configs** | {fmt(median([c for c in compiles if c]), 2)} | "
               f"{fmt(median([l for l in loads if l]), 3)} | | |")
    for name, run in sorted(runs.items()):
        if name.startswith("call/") or name.startswith("jit_engine_start"):
            value = run.get("median_ms")
            shown = f"{value:.2f} ms (median)" if value is not None else f"{run.get('ns', 0):.1f} ns"
            out.append(f"\n{name}: {shown}")


def first_call_table(runs, out):
    """lucid-bench-jit's first_call/<config>: what a new layer costs in tiered mode."""
    rows = [(n.split("/")[1], r) for n, r in runs.items() if n.startswith("first_call/")]
    if not rows:
        return
    out.append("\n### A new layer in tiered mode (fresh engine, empty cache, 1 thread)\n")
    out.append("| config | first forward (ms) | first forward+backward (ms) | tier 1 installed (ms) "
               "| tier-0 forward GFLOP/s | tier-1 forward GFLOP/s |")
    out.append("|---|---|---|---|---|---|")
    for config, r in rows:
        if "error" in r:
            out.append(f"| {config} | error: {r['error']} | | | | |")
            continue
        out.append(f"| {config} | {fmt(r.get('first_forward_ms'), 2)} | {fmt(r.get('first_backward_ms'), 2)} | "
                   f"{fmt(r.get('tier1_ms'), 0)} | {fmt(r.get('tier0_gflops'), 3)} | {fmt(r.get('tier1_gflops'), 3)} |")
    for key, label in (("first_forward_ms", "first forward"), ("first_backward_ms", "first forward+backward"),
                       ("tier1_ms", "tier 1 installed")):
        values = [r.get(key) for _, r in rows if r.get(key) is not None]
        maxima = [r.get(key + "_max") for _, r in rows if r.get(key + "_max") is not None]
        if values:
            out.append(f"\n{label}: median over configs {fmt(median(values), 2)} ms, "
                       f"max {fmt(max(maxima or values), 2)} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="+", help="lucid-bench / lucid-bench-jit JSON output")
    parser.add_argument("-o", "--output", help="write the markdown here instead of stdout")
    parser.add_argument("--plots", metavar="DIR",
                        help="also draw roofline.png and speedup.png into DIR (needs matplotlib)")
    parser.add_argument("--statistic", choices=STATISTICS, default="median",
                        help="each row's median repetition (default) or its best (fastest) one")
    args = parser.parse_args()
    runs, context = load_runs(args.json, args.statistic)

    out = ["## lucid-jit performance", ""]
    out.append(f"- host: {context.get('host_name', '?')}, {context.get('num_cpus', '?')} CPUs at "
               f"{context.get('mhz_per_cpu', '?')} MHz, JIT target `{context.get('lucid_cpu', '?')}`, "
               f"load average at start {context.get('load_avg', '?')}")
    out.append(f"- measured FMA peak: {context.get('fma_peak_gflops_per_core', '?')} GFLOP/s per core "
               f"({context.get('fma_peak_isa', '?')}); pct_peak is against threads × this")
    streams = sorted((k, v) for k, v in context.items() if k.startswith("stream_triad_gbs_threads"))
    if streams:
        out.append("- measured STREAM triad: " + ", ".join(
            f"{v} GB/s with {k.removeprefix('stream_triad_gbs_threads')} thread(s)" for k, v in streams))
    if "host_info" in context:
        out.append(f"- host caches and registers: {context['host_info']}")
    out.append(f"- oneDNN: {context.get('onednn', '?')}; {context.get('onednn_threading', '')}")
    out.append(f"- tuning database: {context.get('tuning_db', '?')}; run at {context.get('date', '?')}")
    out.append("- FLOPs = 2·N·Cin·(Cout/groups)·K·L for every pass; lucid = lucid_tuned where tuned")
    out.append(f"- each row: the {'median' if args.statistic == 'median' else 'best (fastest)'} of its repetitions"
               f" ({context['repetitions']}, randomly interleaved)")
    load = context.get("load_avg") or [0]
    if load[0] > 0.5:
        out.append(f"- **warning: the machine was busy (1-minute load average {load[0]:.1f} at start on "
                   f"{context.get('num_cpus', '?')} CPUs); timings are noisy, and 2-thread ones, "
                   "which need both cores, are not meaningful**")
    suite_tables(runs, out)
    scaling_table(runs, out)
    small_call_table(runs, out)
    jit_table(runs, out)
    first_call_table(runs, out)
    text = "\n".join(out) + "\n"
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    if args.plots:
        import perf_plots  # beside this script; only here, so tables need no matplotlib
        for path in perf_plots.draw_all(runs, context, args.plots):
            print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
