"""MAML with a bidirectional LSTM on Omniglot pen strokes, in PyTorch, for side-by-side numbers.

Runs the setup of the strokes-lstm app: the same stroke preprocessing, alphabet split, network,
MAML settings and evaluation protocol, with PyTorch's own random numbers (so episodes differ
from the app's). Not needed by the app's tests.

The LSTM takes explicit weights through torch._VF.lstm, in nn.LSTM's flat-weight order. In
Debian's torch 1.13, torch.func.functional_call on an nn.LSTM silently keeps the module's own
weights, so the script first checks the functional call against nn.LSTM on the same weights.

    /usr/bin/python3 torch/strokes_maml.py --iterations 150
    /usr/bin/python3 torch/strokes_maml.py --check-weights out/strokes-lstm/weights.safetensors
"""

import argparse
import json
import math
import os
import random
import struct
import time
import zipfile

import torch
import torch.nn.functional as F

DATA_DIR = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'packages', 'datasets',
                        'data', 'omniglot')
SETS = ('small1', 'small2')
LSTM_NAMES = ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
              'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse',
              'bias_hh_l0_reverse']


# --- data: the same parsing, merging and preprocessing as the app ---

def parse_strokes(text):
    """Return the strokes of one stroke file: lists of (x, y) between START/BREAK lines."""
    strokes, current = [], []
    for line in text.strip().splitlines()[1:]:
        line = line.strip()
        if line == 'BREAK':
            strokes.append(current)
            current = []
        else:
            x, y, _t = (float(v) for v in line.split(','))
            current.append((x, y))
    return strokes


def load_characters():
    """Return {'<alphabet>/<character>': (alphabet, sets, [drawing strokes])} over both sets."""
    drawings = {}
    for name in SETS:
        root = f'strokes_background_{name}'
        with zipfile.ZipFile(os.path.join(DATA_DIR, f'{root}.zip')) as archive:
            for path in sorted(archive.namelist()):
                parts = path.split('/')
                if len(parts) != 4 or parts[0] != root or not parts[3].endswith('.txt'):
                    continue
                key = '/'.join(parts[1:])
                if key in drawings:
                    drawings[key][1].append(name)
                else:
                    text = archive.read(path).decode()
                    drawings[key] = (parse_strokes(text), [name])
    characters = {}
    for key in sorted(drawings):
        alphabet, character, _ = key.split('/')
        strokes, sets = drawings[key]
        entry = characters.setdefault(f'{alphabet}/{character}', (alphabet, set(), []))
        entry[1].update(sets)
        entry[2].append(strokes)
    return characters


def stroke_length(stroke):
    return sum(math.dist(stroke[i - 1], stroke[i]) for i in range(1, len(stroke)))


def point_at(stroke, distance):
    travelled = 0.0
    for i in range(1, len(stroke)):
        (ax, ay), (bx, by) = stroke[i - 1], stroke[i]
        segment = math.hypot(bx - ax, by - ay)
        if segment > 0 and travelled + segment >= distance:
            u = (distance - travelled) / segment
            return ax + u * (bx - ax), ay + u * (by - ay)
        travelled += segment
    return stroke[-1]


def allocate_points(lengths, total):
    counts = [1] * len(lengths)
    extra = total - len(lengths)
    ink = sum(lengths)
    shares = [extra * l / ink if ink > 0 else extra / len(lengths) for l in lengths]
    floors = [math.floor(s) for s in shares]
    counts = [c + f for c, f in zip(counts, floors)]
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for k in range(extra - sum(floors)):
        counts[order[k]] += 1
    return counts


def strokes_to_sequence(strokes, length):
    """Convert a drawing as the app's strokesToSequence does: [length, 3] of (dx, dy, pen lifted)."""
    drawn = [s for s in strokes if s]
    xs = [x for s in drawn for x, _ in s]
    ys = [y for s in drawn for _, y in s]
    centre = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    kept = [(i, s, stroke_length(s)) for i, s in enumerate(drawn)]
    if len(kept) > length:
        chosen = {i for i, _, _ in sorted(kept, key=lambda k: (-k[2], k[0]))[:length]}
        kept = [k for k in kept if k[0] in chosen]
    counts = allocate_points([l for _, _, l in kept], length)
    points = []
    for index, ((_, stroke, arc), n) in enumerate(zip(kept, counts)):
        for j in range(n):
            distance = arc / 2 if n == 1 else j * arc / (n - 1)
            points.append((*point_at(stroke, distance), index))
    sequence = torch.zeros(length, 3, dtype=torch.float64)
    previous = (*centre, -1)
    for t, point in enumerate(points):
        sequence[t, 0] = point[0] - previous[0]
        sequence[t, 1] = point[1] - previous[1]
        sequence[t, 2] = 1.0 if point[2] != previous[2] else 0.0
        previous = point
    rms = sequence[:, :2].pow(2).sum(1).mean().sqrt()
    if rms > 0:
        sequence[:, :2] /= rms
    return sequence.float()


def load_split(train_set, length):
    """Split by alphabet: train on those of `train_set`, test on the other set's that it lacks."""
    characters = load_characters()
    train = {k: v for k, v in characters.items() if train_set in v[1]}
    train_alphabets = {v[0] for v in train.values()}
    test = {k: v for k, v in characters.items() if v[0] not in train_alphabets}

    def stack(chars):
        return [torch.stack([strokes_to_sequence(d, length) for d in v[2]]) for v in chars.values()]

    return stack(train), stack(test), sorted(train_alphabets), sorted({v[0] for v in test.values()})


# --- model: nn.LSTM's weights passed explicitly ---

def init_weights(hidden, ways, generator):
    """Initialize as nn.LSTM and nn.Linear do: uniform(-1/sqrt(fan), 1/sqrt(fan))."""
    def uniform(shape, bound):
        return ((torch.rand(shape, generator=generator) * 2 - 1) * bound).requires_grad_()
    bound = 1 / math.sqrt(hidden)
    weights = {}
    for name in LSTM_NAMES:
        columns = 3 if 'ih' in name else hidden
        shape = (4 * hidden, columns) if name.startswith('weight') else (4 * hidden,)
        weights[f'lstm.{name}'] = uniform(shape, bound)
    head_bound = 1 / math.sqrt(2 * hidden)
    weights['head.weight'] = uniform((ways, 2 * hidden), head_bound)
    weights['head.bias'] = uniform((ways,), head_bound)
    return weights


def functional_lstm(x, weights):
    """Run nn.LSTM(3, H, bidirectional=True, batch_first=True) on explicit weights: (output, h_n)."""
    flat = [weights[f'lstm.{name}'] for name in LSTM_NAMES]
    hidden = flat[1].shape[1]
    zeros = x.new_zeros(2, x.shape[0], hidden)
    output, h_n, _c_n = torch._VF.lstm(x, (zeros, zeros), flat, True, 1, 0.0, False, True, True)
    return output, h_n


def logits(weights, x):
    _, h_n = functional_lstm(x, weights)
    features = torch.cat([h_n[0], h_n[1]], -1)
    return F.linear(features, weights['head.weight'], weights['head.bias'])


def check_functional_lstm():
    """Compare functional_lstm with nn.LSTM holding the same weights, in float64."""
    generator = torch.Generator().manual_seed(0)
    weights = {k: v.detach().double() for k, v in init_weights(4, 5, generator).items()}
    module = torch.nn.LSTM(3, 4, bidirectional=True, batch_first=True).double()
    module.load_state_dict({k[len('lstm.'):]: v for k, v in weights.items() if k.startswith('lstm.')})
    x = torch.randn(2, 6, 3, generator=generator, dtype=torch.float64)
    want_output, (want_h, _) = module(x)
    got_output, got_h = functional_lstm(x, weights)
    error = max((got_output - want_output).abs().max().item(), (got_h - want_h).abs().max().item())
    if error > 1e-12:
        raise SystemExit(f'functional LSTM differs from nn.LSTM by {error}; the weight order is wrong')
    print(f'functional LSTM matches nn.LSTM (max difference {error:.1e})')


# --- MAML ---

def adapt(weights, x, y, steps, lr, create_graph):
    fast = weights
    for _ in range(steps):
        loss = F.cross_entropy(logits(fast, x), y)
        grads = torch.autograd.grad(loss, list(fast.values()), create_graph=create_graph)
        fast = {k: w - lr * g for (k, w), g in zip(fast.items(), grads)}
    return fast


def sample_episode(classes, ways, shots, queries, rng):
    chosen = rng.sample(range(len(classes)), ways)
    support, query = [], []
    for label, c in enumerate(chosen):
        picks = rng.sample(range(classes[c].shape[0]), shots + queries)
        support += [(classes[c][i], label) for i in picks[:shots]]
        query += [(classes[c][i], label) for i in picks[shots:]]

    def batch(items):
        return torch.stack([s for s, _ in items]), torch.tensor([l for _, l in items])

    return batch(support), batch(query)


def meta_train(args, train, generator, rng):
    weights = init_weights(args.hidden_size, args.ways, generator)
    optimizer = torch.optim.Adam(weights.values(), lr=args.meta_lr)
    losses, accuracies = [], []
    for iteration in range(1, args.iterations + 1):
        total, correct = 0.0, 0.0
        for _ in range(args.meta_batch):
            (xs, ys), (xq, yq) = sample_episode(train, args.ways, args.shots, args.queries, rng)
            fast = adapt(weights, xs, ys, args.inner_steps, args.inner_lr, not args.first_order)
            scores = logits(fast, xq)
            total = total + F.cross_entropy(scores, yq)
            correct += (scores.argmax(-1) == yq).float().mean().item()
        loss = total / args.meta_batch
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        accuracies.append(correct / args.meta_batch)
        if iteration % max(1, args.iterations // 10) == 0:
            recent = accuracies[-20:]
            print(f'MAML {iteration}/{args.iterations} loss {loss.item():.4f} '
                  f'accuracy {100 * sum(recent) / len(recent):.1f}% (mean of the last 20)')
    return weights, losses, accuracies


def pretrain(args, train, generator, rng):
    weights = init_weights(args.hidden_size, len(train), generator)
    optimizer = torch.optim.Adam(weights.values(), lr=args.meta_lr)
    for _ in range(args.baseline_iterations):
        labels = [rng.randrange(len(train)) for _ in range(args.baseline_batch)]
        x = torch.stack([train[c][rng.randrange(train[c].shape[0])] for c in labels])
        loss = F.cross_entropy(logits(weights, x), torch.tensor(labels))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    hidden = args.hidden_size
    new_head = {'head.weight': torch.zeros(args.ways, 2 * hidden, requires_grad=True),
                'head.bias': torch.zeros(args.ways, requires_grad=True)}
    return {**{k: v for k, v in weights.items() if k.startswith('lstm.')}, **new_head}


def summarize(values):
    n = len(values)
    mean = sum(values) / n
    variance = sum((v - mean) ** 2 for v in values) / max(n - 1, 1)
    return {'mean': mean, 'ci95': 1.96 * math.sqrt(variance / n)}


def evaluate(models, test, args, shots):
    rng = random.Random(20_000 + shots)
    steps = sorted({args.inner_steps, args.eval_steps})
    results = {name: {s: [] for s in steps} for name in models}
    nearest = []
    for _ in range(args.eval_episodes):
        (xs, ys), (xq, yq) = sample_episode(test, args.ways, shots, args.eval_queries, rng)
        for name, weights in models.items():
            fast, done = weights, 0
            for s in steps:
                fast = adapt(fast, xs, ys, s - done, args.inner_lr, False)
                fast = {k: v.detach().requires_grad_() for k, v in fast.items()}
                done = s
                with torch.no_grad():
                    accuracy = (logits(fast, xq).argmax(-1) == yq).float().mean().item()
                results[name][s].append(accuracy)
        distances = torch.cdist(xq.flatten(1), xs.flatten(1))
        nearest.append((ys[distances.argmin(1)] == yq).float().mean().item())
    report = {name: {s: summarize(v) for s, v in r.items()} for name, r in results.items()}
    report['nearest neighbour'] = summarize(nearest)
    return report


# --- metagrad weights in PyTorch ---

def read_safetensors(path):
    """Return {name: tensor} and the metadata of a safetensors file (F32 and F64 only)."""
    with open(path, 'rb') as f:
        data = f.read()
    (size,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + size])
    metadata = header.pop('__metadata__', {})
    types = {'F32': torch.float32, 'F64': torch.float64}
    tensors = {}
    for name, entry in header.items():
        begin, end = entry['data_offsets']
        raw = bytearray(data[8 + size + begin:8 + size + end])
        tensors[name] = torch.frombuffer(raw, dtype=types[entry['dtype']]).reshape(entry['shape'])
    return tensors, metadata


def check_weights(path):
    """Load the app's weights into nn.LSTM + nn.Linear with strict load_state_dict, and compare."""
    tensors, metadata = read_safetensors(path)
    hidden = tensors['lstm.weight_hh_l0'].shape[1]
    ways = tensors['head.weight'].shape[0]
    model = torch.nn.Module()
    model.lstm = torch.nn.LSTM(3, hidden, bidirectional=True, batch_first=True)
    model.head = torch.nn.Linear(2 * hidden, ways)
    model.load_state_dict(tensors, strict=True)
    x = torch.randn(4, int(metadata['length']), 3)
    with torch.no_grad():
        _, (h_n, _) = model.lstm(x)
        want = model.head(torch.cat([h_n[0], h_n[1]], -1))
        got = logits(tensors, x)
    print(f'{path}: load_state_dict accepted {len(tensors)} tensors; functional logits differ '
          f'from the modules\' by {(got - want).abs().max().item():.1e}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    # The same flags and defaults as the app's command line.
    add('--iterations', type=int, default=150, help='meta-training iterations')
    add('--seed', type=int, default=0, help='random seed of the run')
    add('--ways', type=int, default=5, help='characters per episode')
    add('--shots', type=int, default=1, help='support drawings per character in training')
    add('--queries', type=int, default=3, help='query drawings per character in training')
    add('--length', type=int, default=24, help='time steps per drawing')
    add('--hidden-size', type=int, default=24, help='LSTM hidden size per direction')
    add('--inner-steps', type=int, default=1, help='inner SGD steps in meta-training')
    add('--inner-lr', type=float, default=0.4, help='inner SGD learning rate')
    add('--meta-lr', type=float, default=0.003, help='Adam learning rate of the meta-update')
    add('--meta-batch', type=int, default=4, help='episodes per meta-update')
    add('--first-order', action='store_true', help='first-order MAML')
    add('--train-set', choices=SETS, default='small1', help='background set that trains')
    add('--eval-episodes', type=int, default=50, help='held-out episodes per shot count')
    add('--eval-shots', default='1', help='comma-separated shot counts to evaluate')
    add('--eval-queries', type=int, default=5, help='query drawings per character in evaluation')
    add('--eval-steps', type=int, default=3, help='inner steps of the second evaluation column')
    add('--baseline-iterations', type=int, default=150, help='Adam steps of the baseline')
    add('--baseline-batch', type=int, default=32, help='drawings per baseline batch')
    add('--threads', type=int, default=1, help='torch threads (default 1, like the app)')
    add('--out', help='write the results as JSON to this file')
    add('--check-weights', metavar='FILE', help='only load the app\'s weights into nn.LSTM')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    check_functional_lstm()
    if args.check_weights:
        check_weights(args.check_weights)
        return

    started = time.time()
    train, test, train_alphabets, test_alphabets = load_split(args.train_set, args.length)
    print(f'train: {len(train)} characters of {", ".join(train_alphabets)}; '
          f'test: {len(test)} characters of {", ".join(test_alphabets)} '
          f'({time.time() - started:.1f} s)')
    generator = torch.Generator().manual_seed(args.seed)
    rng = random.Random(args.seed)
    started, started_cpu = time.time(), time.process_time()
    weights, losses, accuracies = meta_train(args, train, generator, rng)
    train_seconds = time.time() - started
    train_cpu_seconds = time.process_time() - started_cpu
    baseline = pretrain(args, train, generator, rng) if args.baseline_iterations > 0 else None
    models = {'MAML': weights, **({'pretrained': baseline} if baseline else {})}
    reports = {}
    for shots in (int(s) for s in args.eval_shots.split(',')):
        report = evaluate(models, test, args, shots)
        reports[shots] = report
        print(f'{args.ways}-way {shots}-shot query accuracy on {args.eval_episodes} held-out '
              f'episodes (mean ± 95% interval)')
        for name, result in report.items():
            cells = [result] if 'mean' in result else [result[s] for s in sorted(result)]
            row = ''.join(f'{100 * c["mean"]:.1f} ± {100 * c["ci95"]:.1f}%'.ljust(18) for c in cells)
            print(f'{name.ljust(20)}{row}')
    print(f'meta-training: {args.iterations} iterations in {train_seconds:.1f} s '
          f'({train_cpu_seconds:.1f} s CPU)')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump({'args': vars(args), 'reports': reports, 'train_seconds': train_seconds,
                       'train_cpu_seconds': train_cpu_seconds,
                       'losses': losses, 'accuracies': accuracies}, f, indent=2)


if __name__ == '__main__':
    main()
