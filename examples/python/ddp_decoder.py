"""Trains a small 1-d decoder built from lucid_jit.torch.ConvTranspose1d layers with
torch.nn.parallel.DistributedDataParallel: the gloo backend, WORLD_SIZE processes (default 2)
on 127.0.0.1, started with torch.multiprocessing. Each process takes its slice of the global
batch; DDP averages the gradients, so every step equals one step over the whole batch. The
task: learn to produce what a fixed decoder of torch's own layers makes of random latents.

Run:  PYTHONPATH=build/python /usr/bin/python3 examples/python/ddp_decoder.py [--steps 30]
"""

import argparse
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

import lucid_jit
import lucid_jit.torch as lt

LATENT_CHANNELS, LATENT_LENGTH, OUTPUT_LENGTH = 16, 32, 256


def make_model(seed=0):
    """Latent (N, 16, 32) -> waveform (N, 1, 256): x4 then x2 upsampling."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        lt.ConvTranspose1d(LATENT_CHANNELS, 8, 8, stride=4, padding=2),
        torch.nn.LeakyReLU(0.1),
        lt.ConvTranspose1d(8, 1, 4, stride=2, padding=1),
        torch.nn.Tanh(),
    )


def make_batch(step, batch_size):
    """The global batch of a step (the same in every process): latents, and as targets what a
    fixed teacher decoder of the same shape (torch's own layers, another seed) makes of them."""
    generator = torch.Generator().manual_seed(1000 + step)
    z = torch.randn(batch_size, LATENT_CHANNELS, LATENT_LENGTH, generator=generator)
    with torch.no_grad():
        return z, _teacher()(z)


def _teacher(cache={}):
    if "model" not in cache:
        torch.manual_seed(123)
        cache["model"] = torch.nn.Sequential(
            torch.nn.ConvTranspose1d(LATENT_CHANNELS, 8, 8, stride=4, padding=2),
            torch.nn.LeakyReLU(0.1),
            torch.nn.ConvTranspose1d(8, 1, 4, stride=2, padding=1),
            torch.nn.Tanh())
    return cache["model"]


def worker(rank, world_size, port, steps, batch_size, dump_dir):
    # 1. One thread per process for lucid's kernels and torch's ops: the processes share the cores.
    lucid_jit.set_num_threads(1)
    torch.set_num_threads(1)
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world_size)

    # 2. The same initial model in every process (DDP also broadcasts rank 0's parameters).
    model = DistributedDataParallel(make_model())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    share = batch_size // world_size
    # The all-reduced loss lives in one tensor for the whole run: a temporary handed to gloo
    # can outlive its Python object, and gloo's thread then needs the GIL to free it, which
    # deadlocks torch 1.13's process-group teardown.
    total_loss = torch.zeros(())

    for step in range(steps):
        # 3. This process's slice of the global batch; backward all-reduces the gradients.
        z, target = make_batch(step, batch_size)
        mine = slice(rank * share, (rank + 1) * share)
        optimizer.zero_grad()
        loss = F.mse_loss(model(z[mine]), target[mine])
        loss.backward()
        if step == 0 and dump_dir:
            torch.save({name: p.grad.clone() for name, p in model.module.named_parameters()},
                       os.path.join(dump_dir, f"grads-rank{rank}.pt"))
        optimizer.step()

        # 4. The global loss, for the log.
        total_loss.copy_(loss.detach())
        dist.all_reduce(total_loss, op=dist.ReduceOp.SUM)
        if rank == 0 and (step % 10 == 0 or step == steps - 1):
            print(f"step {step:3d}  loss {total_loss.item() / world_size:.4f}", flush=True)

    # 5. Tear down in order: every process done, the DDP model (which holds the process
    #    group) gone, then the group itself.
    dist.barrier()
    del model, optimizer
    dist.destroy_process_group()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--world-size", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8, help="global batch")
    parser.add_argument("--dump-grads", metavar="DIR",
                        help="save each process's gradients after the first step (for tests)")
    args = parser.parse_args()
    if args.batch_size % args.world_size:
        parser.error("--batch-size must be a multiple of --world-size")
    mp.spawn(worker, nprocs=args.world_size, join=True,
             args=(args.world_size, free_port(), args.steps, args.batch_size, args.dump_grads))


if __name__ == "__main__":
    main()
