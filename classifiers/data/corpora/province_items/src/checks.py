#!/usr/bin/env python3
"""Leakage check (heldout vs train word 3-shingles), story-pair derivation for heldout, lexical-overlap stats.
Run after build.py --write.  python src/checks.py [--write-pairs]"""
import collections
import datetime
import itertools
import json
import os
import re
import sys
import unicodedata

D = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
load = lambda n: [json.loads(l) for l in open(os.path.join(D, n), encoding='utf-8')]
train, held = load('train.jsonl'), load('heldout.jsonl')
def words(r): return re.findall(r'\w+', unicodedata.normalize('NFC', (r['title'] + ' ' + r['lead'] + ' ' + r['text']).lower()))
def sh(r, n=3):
    w = words(r); return {tuple(w[i:i+n]) for i in range(len(w) - n + 1)}
trs = {r['id']: sh(r) for r in train}
hs = {r['id']: sh(r) for r in held}
idx = collections.defaultdict(set)
for i, s in trs.items():
    for g in s: idx[g].add(i)
worst = []
for r in held:
    s = hs[r['id']]; cnt = collections.Counter()
    for g in s:
        for i in idx.get(g, ()): cnt[i] += 1
    best = cnt.most_common(1)
    frac = best[0][1] / max(1, len(s)) if best else 0.0
    worst.append((frac, r['id'], best[0][0] if best else None))
worst.sort(reverse=True)
print('LEAKAGE: heldout rows sharing >=50% of their word 3-shingles with one train row:', sum(1 for f, *_ in worst if f >= 0.5))
print('  max share %.3f (%s vs %s); 95th pct %.3f; median %.3f' % (worst[0][0], worst[0][1], worst[0][2], worst[len(worst)//20][0], worst[len(worst)//2][0]))
for f, a, b in worst[:5]: print('   %.3f %s %s' % (f, a, b))
# pairs
def dt(r): return datetime.datetime.fromisoformat(r['published_at'])
twin_of = {}
for r in held:
    m = re.search(r'template twin of story (\S+):', r['note'])
    if m: twin_of[r['story_id']] = m.group(1)
def is_twin(a, b):
    return twin_of.get(a['story_id']) == b['story_id'] or twin_of.get(b['story_id']) == a['story_id']
pairs = []
jac = collections.defaultdict(list)
for a, b in itertools.combinations(held, 2):
    if a['province'] != b['province']: continue
    same = a['story_id'] == b['story_id']
    twin = is_twin(a, b)
    secs = lambda r: {r['section']} | set(r['sections_also'])
    near = bool(secs(a) & secs(b)) and abs((dt(a) - dt(b)).total_seconds()) <= 3 * 86400
    if not (same or twin or near): continue
    reason = 'same_story' if same else ('template_twin' if twin else 'shared_section_within_3_days')
    sa, sb = hs[a['id']], hs[b['id']]
    j = len(sa & sb) / max(1, len(sa | sb)); jac[reason].append(j)
    pairs.append({'a': a['id'], 'b': b['id'], 'same_story': same, 'reason': reason, 'province': a['province'],
                  'section_a': a['section'], 'section_b': b['section'], 'hours_apart': round(abs((dt(a) - dt(b)).total_seconds()) / 3600, 1),
                  'shingle_jaccard': round(j, 3)})
c = collections.Counter(p['reason'] for p in pairs)
pos = c['same_story']; neg = len(pairs) - pos
print('PAIRS:', dict(c), 'positives', pos, 'negatives', neg, 'ratio %.2f' % (neg / max(1, pos)))
for k, v in jac.items():
    v.sort(); print('  jaccard %-28s n=%4d median %.3f p90 %.3f max %.3f' % (k, len(v), v[len(v)//2], v[int(len(v)*.9)], v[-1]))
# same-story pairs in train too
trj = []
for a, b in itertools.combinations(train, 2):
    if a['story_id'] == b['story_id']:
        trj.append(len(trs[a['id']] & trs[b['id']]) / max(1, len(trs[a['id']] | trs[b['id']])))
trj.sort(); print('  train same-story jaccard n=%d median %.3f max %.3f' % (len(trj), trj[len(trj)//2], trj[-1]))
if '--write-pairs' in sys.argv:
    with open(os.path.join(D, 'story_pairs.jsonl'), 'w', encoding='utf-8') as f:
        for p in pairs: f.write(json.dumps(p, ensure_ascii=False) + '\n')
    print('wrote story_pairs.jsonl', len(pairs))
