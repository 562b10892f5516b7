#!/usr/bin/env python3
"""Where one pass of one layer spends its time, without hardware counters.

lucid-aot writes the layer's kernels (the host's default schedule) as an object file,
profile_driver.c calls one pass on them in a loop, and perf samples the software clock
(cpu-clock, which a VM without performance counters still has). Each sample is charged to
its function and to the innermost loop around it (the span of a backward jump), and each
loop is shown with its instruction mix, so a pass below the FMA peak shows whether the
time goes to the FMA loops or to edges, copies and stores.

  tools/profile/lucid_profile.py hifigan_up1 backward_data           # a layer of the suite
  tools/profile/lucid_profile.py "ConvTranspose1d(64, 32, 4, stride=2, padding=1)" forward \
      --batch 1 --length 4096

Exit status 77 when perf is missing or may not sample here (a container without
perf_event_open): the caller can treat it as skipped.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSES = ("forward", "backward_data", "backward_weight")
SKIPPED = 77

# Instruction classes counted per loop, as AT&T syntax from perf annotate.
MIX = (("FMA", r"vfmadd"), ("broadcast", r"vbroadcast"), ("vector load", r"vmov\w*\s+-?\w*\(.*%[xyz]mm"),
       ("vector store", r"vmov\w*\s+%[xyz]mm\d+,\s*-?\w*\("), ("stack", r"%rsp"))


def spec_text(config):
    return (f"ConvTranspose1d({config['in_channels']}, {config['out_channels']}, {config['kernel']}, "
            f"stride={config['stride']}, padding={config['padding']}, output_padding={config['output_padding']}, "
            f"dilation={config['dilation']}, groups={config['groups']})")


def layer(args):
    """(spec text, batch, length) of the LAYER argument."""
    if args.layer.startswith("ConvTranspose1d("):
        return args.layer, args.batch or 1, args.length or 1024
    with open(args.suite) as f:
        for config in json.load(f):
            if config["name"] == args.layer:
                return spec_text(config), args.batch or config["batch"], args.length or config["length"]
    sys.exit(f"lucid_profile: no layer '{args.layer}' in {args.suite}")


def annotated(perf_data, symbol):
    """(share within the symbol in %, address, instruction) for every instruction of symbol."""
    text = subprocess.run(["perf", "annotate", "-i", perf_data, "--stdio", "-s", symbol], capture_output=True,
                          text=True).stdout
    rows = []
    for line in text.splitlines():
        m = re.match(r"\s*([\d.]+)\s*:\s*([0-9a-f]+):\s*(.*)", line)
        if m:
            rows.append((float(m.group(1)), int(m.group(2), 16), m.group(3).strip()))
    return rows


def innermost_loops(rows):
    """Each instruction's innermost loop: the shortest [target, jump] span of a backward jump."""
    loops = []
    for _, address, instruction in rows:
        m = re.match(r"j\w+\s+([0-9a-f]+)", instruction)
        if m and int(m.group(1), 16) <= address:
            loops.append((int(m.group(1), 16), address))

    def of(address):
        spans = [span for span in loops if span[0] <= address <= span[1]]
        return min(spans, key=lambda s: s[1] - s[0]) if spans else None

    return of


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("layer", help="a layer name in --suite, or a spec text as lucid-aot takes it")
    ap.add_argument("pass_", metavar="pass", choices=PASSES)
    ap.add_argument("--suite", default=os.environ.get("LUCID_SUITE", os.path.join(ROOT, "..", "shared", "suite.json")))
    ap.add_argument("--batch", type=int, help="default: the suite's, or 1")
    ap.add_argument("--length", type=int, help="default: the suite's, or 1024")
    ap.add_argument("--aot", default=os.environ.get("LUCID_AOT", os.path.join(ROOT, "build", "tools", "lucid-aot",
                                                                              "lucid-aot")))
    ap.add_argument("--seconds", type=float, default=3.0, help="how long perf samples the calls")
    ap.add_argument("--frequency", type=int, default=4000, help="samples per second")
    ap.add_argument("--min-share", type=float, default=1.0, help="hide functions and loops below this %% of samples")
    args = ap.parse_args()
    if shutil.which("perf") is None:
        print("lucid_profile: perf not found (Debian: apt-get install linux-perf)", file=sys.stderr)
        return SKIPPED
    spec, batch, length = layer(args)

    work = tempfile.mkdtemp(prefix="lucid-profile-")
    try:
        aot = subprocess.run([args.aot, spec, "--name", "k", "--emit", "obj,header", "-o", work], capture_output=True,
                             text=True)
        if aot.returncode != 0:
            sys.exit(f"lucid_profile: lucid-aot failed:\n{aot.stderr}")
        schedule = re.search(r"schedule (\S+),", aot.stderr + aot.stdout)
        driver = os.path.join(work, "driver")
        subprocess.run([os.environ.get("CC", "cc"), "-O2", "-std=c11", f"-I{work}", '-DAOT_HEADER="k.h"',
                        "-DAOT_PREFIX=k", "-DAOT_UPPER=K", os.path.join(os.path.dirname(__file__), "profile_driver.c"),
                        os.path.join(work, "k.o"), "-o", driver], check=True)
        call = [driver, args.pass_, str(batch), str(length)]
        # Unprofiled first: the time without sampling, and a kernel error is not taken for perf's.
        plain = subprocess.run(call + ["1"], capture_output=True, text=True)
        if plain.returncode != 0:
            sys.exit(f"lucid_profile: the driver failed: {plain.stderr.strip()}")
        print(f"{spec}, batch {batch}, length {length}, schedule {schedule.group(1) if schedule else '?'}")
        print(f"unprofiled: {plain.stdout.strip()}")
        perf_data = os.path.join(work, "perf.data")
        record = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", str(args.frequency), "-o", perf_data]
                                + call + [str(args.seconds)], capture_output=True, text=True)
        if record.returncode != 0:
            print(f"lucid_profile: perf record cannot sample here:\n{record.stderr.strip()}", file=sys.stderr)
            return SKIPPED
        print(f"profiled:   {record.stdout.strip()}")
        report = subprocess.run(["perf", "report", "-i", perf_data, "--stdio", "--sort", "sym", "--percent-limit",
                                 str(args.min_share)], capture_output=True, text=True).stdout
        if not re.search(r"%\s+\[\.\]", report):
            print("lucid_profile: perf recorded no samples in the program (no software clock here?)",
                  file=sys.stderr)
            return SKIPPED
        print("share of samples: function, then its innermost loops (instructions per iteration)")
        for line in report.splitlines():
            m = re.match(r"\s*([\d.]+)%\s+\[(.)\]\s+(\S+)", line)
            if not m:
                continue
            share, space, symbol = float(m.group(1)), m.group(2), m.group(3)
            print(f"{share:6.2f}%  {symbol}{' (kernel)' if space == 'k' else ''}")
            if space != ".":
                continue
            rows = annotated(perf_data, symbol)
            loop_of = innermost_loops(rows)
            loops = {}
            for pct, address, instruction in rows:
                entry = loops.setdefault(loop_of(address), [0.0, []])
                entry[0] += pct
                entry[1].append(instruction)
            for span, (pct, instructions) in sorted(loops.items(), key=lambda kv: -kv[1][0]):
                if pct * share / 100 < args.min_share:
                    continue
                where = f"loop {span[0]:x}-{span[1]:x}" if span else "outside loops"
                mix = ", ".join(f"{sum(bool(re.search(p, i)) for i in instructions)} {name}" for name, p in MIX)
                print(f"        {pct * share / 100:6.2f}%  {where:18s} {len(instructions):5d} instructions: {mix}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
