"""What lucid_jit.torch users get: torch.nn.ConvTranspose1d against
lucid_jit.torch.ConvTranspose1d in one process (measures, never asserts).

1. A HiFi-GAN-style upsampling stack, the suite's hifigan_up1..hifigan_up4 with LeakyReLU(0.1)
   between them, input (1, 512, 128) -> (1, 32, 32768), float32, the same weights on both
   sides: forward (under torch.no_grad) and forward+backward (parameter gradients, as in
   training), at 1 and 2 threads (torch.set_num_threads and lucid_jit.set_num_threads).
2. The seed_decoder layer, ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1) on
   (1, 4, 5): time per call, to show what the Python layers cost on top of the kernel.

Timings are medians of time.perf_counter repetitions after warm-up; lucid's tier-1 kernels
are waited for (lucid_jit.wait_for_background) before anything is timed.

Run:  PYTHONPATH=build/python /usr/bin/python3 bench/python/bench_torch_layers.py [--json FILE]
"""

import argparse
import json
import os
import platform
import statistics
import time

import torch

import lucid_jit
import lucid_jit.torch as lt
from lucid_jit.torch import functional as lucid_functional

# The suite's hifigan_up1..4 (../shared/suite.json): in, out, kernel, stride, padding.
HIFIGAN_STACK = [(512, 256, 16, 8, 4), (256, 128, 16, 8, 4), (128, 64, 4, 2, 1), (64, 32, 4, 2, 1)]
HIFIGAN_INPUT = (1, 512, 128)
SEED_DECODER = dict(in_channels=4, out_channels=2, kernel_size=3, stride=2, padding=1,
                    output_padding=1)


def stack(conv_class, stack_spec):
    layers = []
    for index, (cin, cout, kernel, stride, padding) in enumerate(stack_spec):
        if index:
            layers.append(torch.nn.LeakyReLU(0.1))
        layers.append(conv_class(cin, cout, kernel, stride=stride, padding=padding))
    return torch.nn.Sequential(*layers)


def median_seconds(run, repeats, warmup):
    for _ in range(warmup):
        run()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def time_stack(stack_spec, input_shape, threads, repeats):
    torch.manual_seed(0)
    reference = stack(torch.nn.ConvTranspose1d, stack_spec)
    ours = stack(lt.ConvTranspose1d, stack_spec)
    ours.load_state_dict(reference.state_dict())
    x = torch.randn(*input_shape)
    with torch.no_grad():
        gradient = torch.randn_like(reference(x))
        torch.testing.assert_close(ours(x), reference(x), rtol=1e-3, atol=1e-3)
    lucid_jit.wait_for_background()  # tier 1 everywhere before timing

    def forward(model):
        def run():
            with torch.no_grad():
                model(x)
        return run

    def forward_backward(model):
        def run():
            model.zero_grad(set_to_none=True)
            model(x).backward(gradient)
        return run

    rows = []
    for count in threads:
        torch.set_num_threads(count)
        lucid_jit.set_num_threads(count)
        for mode, make in (("forward", forward), ("forward+backward", forward_backward)):
            torch_s = median_seconds(make(reference), repeats, warmup=2)
            lucid_s = median_seconds(make(ours), repeats, warmup=2)
            rows.append(dict(threads=count, mode=mode, torch_ms=torch_s * 1e3,
                             lucid_ms=lucid_s * 1e3, speedup=torch_s / lucid_s))
            print(f"  stack {mode:16s} {count} thread(s): torch {torch_s * 1e3:8.2f} ms  "
                  f"lucid {lucid_s * 1e3:7.2f} ms  {torch_s / lucid_s:5.1f}x", flush=True)
    return rows


def per_call_us(call, calls, repeats):
    """Median over `repeats` batches of the time per call in a batch of `calls` calls."""
    def batch():
        for _ in range(calls):
            call()
    return median_seconds(batch, repeats, warmup=1) / calls * 1e6


def time_seed_decoder(calls, repeats):
    torch.set_num_threads(1)
    lucid_jit.set_num_threads(1)
    torch.manual_seed(0)
    reference = torch.nn.ConvTranspose1d(**SEED_DECODER)
    ours = lt.ConvTranspose1d(**SEED_DECODER)
    ours.load_state_dict(reference.state_dict())
    x = torch.randn(1, 4, 5)
    w, b = ours.weight.detach(), ours.bias.detach()
    layer = lucid_functional._layer_for(x, w, b, 2, 1, 1, 1, 1)
    lucid_jit.wait_for_background()
    y = torch.empty(1, 2, 10)
    addresses = (x.data_ptr(), w.data_ptr(), b.data_ptr(), y.data_ptr())
    handle = layer.handle

    rows = []

    def measure(name, call, grad=False):
        with torch.set_grad_enabled(grad):
            us = per_call_us(call, calls, repeats)
        rows.append(dict(call=name, us=us))
        print(f"  seed_decoder {name:58s} {us:7.2f} us", flush=True)

    measure("_core KernelHandle.forward (kernel + binding, no torch)",
            lambda: handle.forward(*addresses, 1, 5))
    measure("lucid_jit.torch.conv_transpose1d, no_grad", lambda: lt.conv_transpose1d(x, w, b, 2, 1, 1))
    measure("lucid_jit.torch.ConvTranspose1d, no_grad", lambda: ours(x))
    measure("torch.nn.ConvTranspose1d, no_grad", lambda: reference(x))
    measure("lucid_jit.torch.ConvTranspose1d, grad (autograd.Function)", lambda: ours(x), grad=True)
    measure("torch.nn.ConvTranspose1d, grad", lambda: reference(x), grad=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2")
    parser.add_argument("--repeats", type=int, default=7, help="stack repetitions per figure")
    parser.add_argument("--calls", type=int, default=2000, help="seed_decoder calls per batch")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: a small stack, few repetitions (numbers meaningless)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()

    context = dict(load_average=os.getloadavg(), cpus=os.cpu_count(), torch=torch.__version__,
                   python=platform.python_version(), cpu=lucid_jit._core.cpu_name(),
                   machine=platform.machine())
    print(f"load average at start {context['load_average'][0]:.2f} on {context['cpus']} CPUs "
          f"({context['cpu']}), torch {context['torch']}", flush=True)

    threads = [int(t) for t in args.threads.split(",")]
    if args.quick:
        stack_spec = [(16, 8, 4, 2, 1), (8, 4, 4, 2, 1)]
        input_shape, repeats, calls = (1, 16, 32), 2, 50
    else:
        stack_spec, input_shape, repeats, calls = HIFIGAN_STACK, HIFIGAN_INPUT, args.repeats, args.calls
    results = dict(context=context, stack=time_stack(stack_spec, input_shape, threads, repeats),
                   seed_decoder=time_seed_decoder(calls, 15 if not args.quick else 3))

    print("\n| stack (hifigan_up1..4 + LeakyReLU), float32 | threads | torch (ms) | lucid_jit.torch (ms) | speed-up |")
    print("|---|---|---|---|---|")
    for row in results["stack"]:
        print(f"| {row['mode']} | {row['threads']} | {row['torch_ms']:.1f} | {row['lucid_ms']:.1f} | "
              f"{row['speedup']:.1f}x |")
    print("\n| seed_decoder, 1 thread | us per call |")
    print("|---|---|")
    for row in results["seed_decoder"]:
        print(f"| {row['call']} | {row['us']:.2f} |")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
