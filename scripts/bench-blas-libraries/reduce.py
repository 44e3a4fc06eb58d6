#!/usr/bin/env python3
"""Reduces the benchmark's raw lines (S/I/H/E/X) to markdown tables:
minimum and median per product and configuration, GFLOP/s, the whole step."""
import sys, statistics
sys.path.insert(0, __file__.rsplit('/', 1)[0])

SHAPES = []  # (name, m, n, k, mult) parsed from shapes.h
import re, os
src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'shapes.h')).read()
for m in re.finditer(r'\{"([^"]+)",\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d),\s*(\d),\s*(\d)\}', src):
    SHAPES.append((m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(7))))

samples, info, how, errs, unsupported, order = {}, {}, {}, {}, {}, []
cur = None
for line in open(sys.argv[1]):
    p = line.rstrip('\n').split(' ', 3)
    if p[0] == 'I':
        cur = p[1]
        info.setdefault(cur, set()).add(line.split(' ', 2)[2].strip())
        if cur not in order: order.append(cur)
    elif p[0] == 'S':
        samples.setdefault((p[1], p[2]), []).append(float(p[3]))
    elif p[0] == 'H':
        how[(cur, p[1])] = p[2]
    elif p[0] == 'E':
        errs[(p[1], p[2])] = max(errs.get((p[1], p[2]), 0.0), float(p[3]))
    elif p[0] == 'X':
        unsupported[(p[1], p[2])] = line.split(' ', 3)[3].strip()

def flops(i):
    _, m, n, k, _ = SHAPES[i]
    return 2.0 * m * n * k
step_flops = sum(flops(i) * SHAPES[i][4] for i in range(len(SHAPES)))

def stat(cfg, key):
    v = samples.get((cfg, key))
    if not v: return None
    return min(v), statistics.median(v), len(v)

print('### Which kernel each configuration ran (printed by the library itself)\n')
for c in order:
    for d in sorted(info[c]):
        print(f'- `{c}`: {d}')
print()

print('### Per product: minimum / median microseconds per call (GFLOP/s at the minimum)\n')
print('| product | ' + ' | '.join(order) + ' |')
print('|---|' + '---|' * len(order))
for i, s in enumerate(SHAPES):
    cells = []
    for c in order:
        st = stat(c, str(i))
        if st is None:
            cells.append(unsupported.get((c, str(i)), 'n/a'))
            continue
        mn, md, _ = st
        cell = f'{mn/1e3:.2f} / {md/1e3:.2f} ({flops(i)/mn:.0f})'
        h = how.get((c, str(i)))
        if h and h != 'jit': cell += f' [{h}]'
        cells.append(cell)
    print(f'| {s[0]} ×{s[4]} | ' + ' | '.join(cells) + ' |')
print()

print(f'### One training step\'s products (16 calls, {step_flops/1e6:.1f} MFLOP)\n')
print('| configuration | step, timed back to back: min / median µs | GFLOP/s (min) | sum of per-product minima × multiplicity, µs | 2048³ min / median ms | 2048³ GFLOP/s (min) | samples (step, 2048³) |')
print('|---|---|---|---|---|---|---|')
for c in order:
    st = stat(c, 'step')
    summ = 0.0; ok = True
    for i, s in enumerate(SHAPES):
        x = stat(c, str(i))
        if x is None: ok = False; break
        summ += x[0] * s[4]
    big = stat(c, 'big2048')
    a = f'{st[0]/1e3:.1f} / {st[1]/1e3:.1f}' if st else 'n/a'
    g = f'{step_flops/st[0]:.0f}' if st else 'n/a'
    sm = f'{summ/1e3:.1f}' if ok else 'n/a'
    b = f'{big[0]/1e6:.1f} / {big[1]/1e6:.1f}' if big else unsupported.get((c, 'big2048'), 'n/a')
    bg = f'{2*2048**3/big[0]:.0f}' if big else 'n/a'
    n = f'{st[2] if st else 0}, {big[2] if big else 0}'
    print(f'| {c} | {a} | {g} | {sm} | {b} | {bg} | {n} |')
print()
worst = max(errs.values()) if errs else float('nan')
print(f'Largest relative error of any product against a double-precision reference: {worst:.1e}.')
