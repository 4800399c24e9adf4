#!/usr/bin/python3
"""Times the bench workloads W1 to W6 on PyTorch's CPU backend with one thread.

Run with Debian's interpreter (python3-torch, torch 1.13): /usr/bin/python3 pytorch_bench.py
It writes results/pytorch.json, which `pnpm run bench` merges into results/latest.md when it
did not time PyTorch itself. With --serve WORKLOAD it runs one workload for the JavaScript
bench instead, which starts it as a child process and interleaves its runs with the other
systems' (src/python_runner.ts). The workload definitions follow src/workloads.ts. The inputs
are random with a fixed seed, because the timings do not depend on the values and the gradient
check runs in the JavaScript bench.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def summarize(times):
    ordered = sorted(times)
    return {
        "runs": len(ordered),
        "min": ordered[0],
        "median": statistics.median(ordered),
        "max": ordered[-1],
    }


def time_workload(run, runs, slow_runs, slow_run_ms):
    """Returns the min/median/max in milliseconds of `runs` runs after warm-up."""
    start = time.perf_counter()
    run()
    warmup_ms = (time.perf_counter() - start) * 1000
    if warmup_ms <= slow_run_ms:
        run()
    count = slow_runs if warmup_ms > slow_run_ms else runs
    times = []
    for _ in range(count):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return summarize(times)


def matmul(n):
    a, b = torch.randn(n, n), torch.randn(n, n)
    return lambda: a @ b


def conv(channels, size):
    x = torch.randn(25, channels, size, size, requires_grad=True)
    weight = torch.empty(64, channels, 3, 3).uniform_(-0.1, 0.1).requires_grad_()
    bias = torch.empty(64).uniform_(-0.1, 0.1).requires_grad_()
    dy = torch.randn(25, 64, size, size)

    def run():
        loss = (F.conv2d(x, weight, bias, padding=1) * dy).sum()
        torch.autograd.grad(loss, [x, weight, bias])

    return run


def batch_norm():
    x = torch.randn(25, 64, 14, 14, requires_grad=True)
    weight = torch.empty(64).uniform_(0.5, 1.5).requires_grad_()
    bias = torch.empty(64).uniform_(-0.5, 0.5).requires_grad_()
    dy = torch.randn(25, 64, 14, 14)

    def run():
        y = F.batch_norm(x, None, None, weight, bias, training=True, eps=1e-5)
        torch.autograd.grad((y * dy).sum(), [x, weight, bias])

    return run


def lstm():
    layer = torch.nn.LSTM(3, 128, bidirectional=True)
    x = torch.randn(64, 32, 3, requires_grad=True)
    dy = torch.randn(64, 32, 256)
    leaves = [x, *layer.parameters()]

    def run():
        output, _ = layer(x)
        torch.autograd.grad((output * dy).sum(), leaves)

    return run


def sine_maml(first_order):
    """Builds the maml-sinusoid app's meta-iteration: MLP 1-40-40-1, 25 tasks, K=10, one inner step."""
    tasks, shots = 25, 10
    sizes = [(1, 40), (40, 40), (40, 1)]
    params = []
    for fan_in, fan_out in sizes:
        bound = fan_in**-0.5
        params.append(torch.empty(fan_out, fan_in).uniform_(-bound, bound).requires_grad_())
        params.append(torch.empty(fan_out).uniform_(-bound, bound).requires_grad_())
    amplitude = torch.empty(tasks, 1, 1).uniform_(0.1, 5)
    phase = torch.empty(tasks, 1, 1).uniform_(0, torch.pi)
    xs = torch.empty(tasks, shots, 1).uniform_(-5, 5)
    xq = torch.empty(tasks, shots, 1).uniform_(-5, 5)
    ys, yq = amplitude * torch.sin(xs - phase), amplitude * torch.sin(xq - phase)
    optimizer = torch.optim.Adam(params, lr=1e-3)

    def task_losses(p, x, y):
        h = x
        for k in range(3):
            h = torch.matmul(h, p[2 * k].transpose(-1, -2)) + p[2 * k + 1].unsqueeze(-2)
            if k < 2:
                h = torch.relu(h)
        return ((h - y) ** 2).mean(dim=(1, 2))

    def run():
        copies = [p.unsqueeze(0).expand(tasks, *p.shape) for p in params]
        support = task_losses(copies, xs, ys).sum()
        grads = torch.autograd.grad(support, copies, create_graph=not first_order)
        fast = [c - 0.01 * g for c, g in zip(copies, grads)]
        loss = task_losses(fast, xq, yq).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return run


def omniglot_maml():
    """Builds MAML on the strided conv4 Omniglot net: 5-way 1-shot, 15 queries, 4 tasks, one inner step."""
    params = []
    for block in range(4):
        in_channels = 1 if block == 0 else 64
        bound = (in_channels * 9) ** -0.5
        params.append(torch.empty(64, in_channels, 3, 3).uniform_(-bound, bound).requires_grad_())
        params.append(torch.empty(64).uniform_(-bound, bound).requires_grad_())
        params.append(torch.empty(64).uniform_(0.5, 1.5).requires_grad_())
        params.append(torch.empty(64).uniform_(-0.1, 0.1).requires_grad_())
    params.append(torch.empty(5, 64).uniform_(-0.125, 0.125).requires_grad_())
    params.append(torch.empty(5).uniform_(-0.125, 0.125).requires_grad_())
    tasks = [
        (
            torch.rand(5, 1, 28, 28),
            torch.arange(5),
            torch.rand(75, 1, 28, 28),
            torch.arange(5).repeat_interleave(15),
        )
        for _ in range(4)
    ]
    optimizer = torch.optim.Adam(params, lr=1e-3)

    def logits(p, x):
        h = x
        for block in range(4):
            weight, bias, scale, shift = p[4 * block : 4 * block + 4]
            h = F.conv2d(h, weight, bias, stride=2, padding=1)
            h = torch.relu(F.batch_norm(h, None, None, scale, shift, training=True))
        return F.linear(h.mean(dim=(2, 3)), p[16], p[17])

    def run():
        total = 0
        for xs, ys, xq, yq in tasks:
            grads = torch.autograd.grad(
                F.cross_entropy(logits(params, xs), ys), params, create_graph=True
            )
            fast = [p - 0.4 * g for p, g in zip(params, grads)]
            total = total + F.cross_entropy(logits(fast, xq), yq)
        optimizer.zero_grad()
        (total / len(tasks)).backward()
        optimizer.step()

    return run


WORKLOADS = {
    "matmul256": lambda: matmul(256),
    "matmul1024": lambda: matmul(1024),
    "conv1": lambda: conv(1, 28),
    "conv64": lambda: conv(64, 14),
    "batchNorm": batch_norm,
    "lstm": lstm,
    "mamlSine2": lambda: sine_maml(False),
    "mamlSine1": lambda: sine_maml(True),
    "mamlOmniglot": omniglot_maml,
}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def serve(name, threads):
    """Builds one workload, then replies to each "run" line on stdin with its time, until "close"."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    run = WORKLOADS[name]()
    reply(
        {
            "type": "prepared",
            "torch": torch.__version__,
            "python": platform.python_version(),
            "threads": torch.get_num_threads(),
        }
    )
    for line in sys.stdin:
        command = line.strip()
        if command == "close":
            break
        if command != "run":
            reply({"type": "error", "message": f"unknown command '{command}'"})
            continue
        start = time.perf_counter()
        run()
        reply({"type": "ran", "ms": (time.perf_counter() - start) * 1000})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per workload (default 20)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument(
        "--out",
        default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "pytorch.json"),
        help="output file (default results/pytorch.json next to this script)",
    )
    parser.add_argument(
        "--serve",
        choices=sorted(WORKLOADS),
        help="run one workload for the JavaScript bench, reading commands from stdin",
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.threads)
        return

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    load_start = [round(x, 2) for x in os.getloadavg()]
    results = {}
    for name, make in WORKLOADS.items():
        results[name] = time_workload(make(), args.runs, 3, 10_000)
        print(f"{name}: median {results[name]['median']:.2f} ms over {results[name]['runs']} runs")

    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "cpu": f"{os.cpu_count()} x {cpu_model()}",
        "loadAverage": load_start,
        "results": results,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
