#!/usr/bin/env python3
"""Print markdown count tables for README (run after build.py --write and checks.py --write-pairs)."""
import collections
import json
import os
import re
import statistics

D = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
secs = [l.split(',') for l in open('/work/shared/data/sections.csv', encoding='utf-8').read().splitlines()[1:]]
S = {s: [json.loads(l) for l in open(os.path.join(D, f'{s}.jsonl'), encoding='utf-8')] for s in ('train', 'heldout')}
def kind(o):
    if o in ('Facebook', 'TikTok'): return 'social post'
    if o.startswith('Cổng TTĐT'): return 'provincial government portal'
    if o in ('Báo Thái Nguyên', 'Báo Tuyên Quang', 'Báo Bắc Ninh', 'Báo Cao Bằng'): return "the province's own paper"
    if o in ('Báo Lạng Sơn', 'Báo Phú Thọ', 'Báo Hưng Yên', 'Báo Quảng Ninh', 'Báo Sơn La', 'Báo Nghệ An'): return "another province's paper"
    return 'national press / magazine'
def table(title, f, keys=None, labels=None):
    ct = {s: collections.Counter(f(r) for r in S[s]) for s in S}
    keys = keys or sorted(set(ct['train']) | set(ct['heldout']), key=lambda k: -(ct['train'][k] + ct['heldout'][k]))
    out = [f'| {title} | train | heldout | all |', '|---|---:|---:|---:|']
    for k in keys:
        out.append(f"| {labels.get(k, k) if labels else k} | {ct['train'][k]} | {ct['heldout'][k]} | {ct['train'][k] + ct['heldout'][k]} |")
    out.append(f"| **total** | {len(S['train'])} | {len(S['heldout'])} | {len(S['train']) + len(S['heldout'])} |")
    return '\n'.join(out)
lab = {s[0]: f'`{s[0]}` ({s[1]})' for s in secs}
print(table('section (primary)', lambda r: r['section'], [s[0] for s in secs], lab)); print()
print(table('tone', lambda r: r['tone'], ['positive', 'neutral', 'negative'])); print()
print(table('clear_cut', lambda r: str(r['clear_cut']).lower(), ['true', 'false'])); print()
print(table('tone × clear_cut', lambda r: f"{r['tone']} / {'clear' if r['clear_cut'] else 'not clear-cut'}")); print()
print(table('mention', lambda r: r['mention'], ['central', 'passing'])); print()
print(table('province', lambda r: r['province'])); print()
print(table('outlet kind', lambda r: kind(r['outlet']))); print()
print(table('body paragraphs', lambda r: str(r['text'].count('\n\n') + 1), ['3', '4', '5', '6', '7'])); print()
for s in S:
    c = collections.Counter(r['story_id'] for r in S[s]); sz = collections.Counter(c.values())
    multi = sum(v for v in c.values() if v > 1)
    w = [len((r['lead'] + ' ' + r['text']).split()) for r in S[s]]
    print(f"- {s}: {len(c)} stories; story sizes {dict(sorted(sz.items()))}; items in multi-outlet stories {multi} ({multi/len(S[s]):.0%}); "
          f"template twins {sum('template twin' in r['note'] for r in S[s])}; syndicated near-copies {sum('syndicated' in r['note'] for r in S[s])}; "
          f"rows with sections_also {sum(1 for r in S[s] if r['sections_also'])}; lead+body length in syllables median {statistics.median(w):.0f} (min {min(w)}, max {max(w)}); "
          f"dates {min(r['published_at'][:10] for r in S[s])}..{max(r['published_at'][:10] for r in S[s])}")
nd = sum(1 for s in S for r in S[s] if not re.search(r'[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]', r['text'].lower()))
print(f'- social posts written without diacritics: {nd}')
print('- outlets:', ', '.join(f'{o} {n}' for o, n in collections.Counter(r['outlet'] for s in S for r in S[s]).most_common()))
