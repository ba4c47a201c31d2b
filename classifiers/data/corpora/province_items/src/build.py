#!/usr/bin/env python3
"""Build province_items train/heldout/story_pairs from the hand-written batch files src/batch_*.txt.

Batch format (one file = one hand-written batch; first line '# split: train' or '# split: heldout'):
=== <story_id> | <province> | <outlet> | YYYY-MM-DD HH:MM | <section> | <also,comma or -> | pos|neu|neg | y|n | c|p
T: title
L: lead (sapo)
P: body paragraph      (one line per paragraph, 3-8)
R: tone reason (Vietnamese)
N: note (optional)
Template twin (different event, same wording; counted as augmentation):
=== <story_id> | ... header ...
TWIN: <story_id of an earlier item in the same split>
SUB: old => new || old2 => new2     (applied to title, lead and body)
R: ...
"""
import collections
import datetime
import glob
import json
import os
import re
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
OUTDIR = os.path.dirname(HERE)
SECTIONS = [l.split(',')[0] for l in open('/work/shared/data/sections.csv', encoding='utf-8').read().splitlines()[1:]]
PROVS = {'thai-nguyen', 'tuyen-quang', 'bac-ninh', 'cao-bang'}
TONE = {'pos': 'positive', 'neu': 'neutral', 'neg': 'negative'}

def nfc(s): return unicodedata.normalize('NFC', s.strip())

def parse_file(path):
    lines = open(path, encoding='utf-8').read().splitlines()
    m = re.match(r'#\s*split:\s*(train|heldout)', lines[0])
    if not m: sys.exit(f'{path}: first line must be # split: train|heldout')
    split = m.group(1)
    items, cur = [], None
    for no, line in enumerate(lines[1:], 2):
        if not line.strip() or line.startswith('#'): continue
        if line.startswith('==='):
            f = [x.strip() for x in line[3:].split('|')]
            if len(f) != 9: sys.exit(f'{path}:{no}: header needs 9 fields: {line}')
            cur = dict(story_id=f[0], province=f[1], outlet=f[2], dt=f[3], section=f[4],
                       also=[] if f[5] in ('-', '') else [x.strip() for x in f[5].split(',')],
                       tone=f[6], clear=f[7], mention=f[8], T=None, L=None, P=[], R=None, N='',
                       TWIN=None, SUB=[], src=f'{os.path.basename(path)}:{no}', split=split)
            items.append(cur); continue
        if cur is None or len(line) < 3 or line[1:3] not in (': ',) and not line.startswith(('TWIN:', 'SUB:')):
            sys.exit(f'{path}:{no}: bad line: {line[:80]}')
        if line.startswith('TWIN:'): cur['TWIN'] = line[5:].strip(); continue
        if line.startswith('SUB:'):
            for pair in line[4:].split('||'):
                a, b = pair.split('=>'); cur['SUB'].append((a.strip(), b.strip()))
            continue
        k, v = line[0], nfc(line[3:])
        if k == 'P': cur['P'].append(v)
        elif k in 'TLRN':
            if cur[k]: sys.exit(f'{path}:{no}: duplicate {k}')
            cur[k] = v
        else: sys.exit(f'{path}:{no}: unknown key {k}')
    return items

def main():
    files = sorted(glob.glob(os.path.join(HERE, 'batch_*.txt')))
    raw = []
    for p in files: raw += parse_file(p)
    errors = []
    by_story_first = {}
    for it in raw:
        if it['TWIN']:
            src = by_story_first.get(it['TWIN'])
            if not src: errors.append(f"{it['src']}: twin source {it['TWIN']} not found earlier"); continue
            if src['split'] != it['split']: errors.append(f"{it['src']}: twin across splits")
            def sub(s):
                for a, b in it['SUB']:
                    if a not in s and a not in (src['T'] + src['L'] + ' '.join(src['P'])):
                        errors.append(f"{it['src']}: SUB '{a}' not found in source")
                    s = s.replace(a, b)
                return s
            it['T'] = sub(src['T']); it['L'] = sub(src['L']); it['P'] = [sub(p) for p in src['P']]
            # dedupe repeated error messages
            if it['TWIN'] == it['story_id']:
                it['N'] = (it['N'] + ' ' if it['N'] else '') + f"syndicated near-copy of the {src['outlet']} item of the same story, lightly edited (augmentation)"
                it['synd'] = True
            else:
                it['N'] = (it['N'] + ' ' if it['N'] else '') + f"template twin of story {it['TWIN']}: wording reused with substituted places/numbers/dates (augmentation)"
                it['aug'] = True
        by_story_first.setdefault(it['story_id'], it)
    errors = list(dict.fromkeys(errors))
    rows = {'train': [], 'heldout': []}
    seen_text = {}
    story_split = {}
    for it in raw:
        s = it['src']
        for k in 'TLR':
            if not it[k]: errors.append(f'{s}: missing {k}')
        if it['province'] not in PROVS: errors.append(f'{s}: province {it["province"]}')
        if it['section'] not in SECTIONS: errors.append(f'{s}: section {it["section"]}')
        for a in it['also']:
            if a not in SECTIONS or a == it['section']: errors.append(f'{s}: also {a}')
        if it['tone'] not in TONE: errors.append(f'{s}: tone {it["tone"]}')
        if it['clear'] not in ('y', 'n'): errors.append(f'{s}: clear {it["clear"]}')
        if it['mention'] not in ('c', 'p'): errors.append(f'{s}: mention {it["mention"]}')
        if not (3 <= len(it['P']) <= 8): errors.append(f'{s}: {len(it["P"])} paragraphs')
        try:
            d = datetime.datetime.strptime(it['dt'], '%Y-%m-%d %H:%M')
            if d.year != 2026: errors.append(f'{s}: year')
        except Exception: errors.append(f'{s}: date {it["dt"]}'); d = None
        it['d'] = d
        text = '\n\n'.join(it['P'])
        if it['L'] and (it['L'] in text or (it['P'] and it['P'][0] == it['L'])): errors.append(f'{s}: lead repeated in text')
        if text in seen_text: errors.append(f'{s}: duplicate text of {seen_text[text]}')
        seen_text[text] = s
        sid = it['story_id']
        if story_split.setdefault(sid, it['split']) != it['split']: errors.append(f'{s}: story {sid} in both splits')
        rows[it['split']].append(it)
    # story checks
    stories = collections.defaultdict(list)
    for it in raw: stories[it['story_id']].append(it)
    for sid, its in stories.items():
        if len(its) > 1:
            ds = [i['d'] for i in its if i['d']]
            if ds and (max(ds) - min(ds)).days > 3: errors.append(f'story {sid}: spans {(max(ds)-min(ds)).days} days')
            if len({i['province'] for i in its}) > 1: errors.append(f'story {sid}: several provinces')
            if len({i['outlet'] for i in its}) < len(its): errors.append(f'story {sid}: repeated outlet')
            if any(i.get('aug') for i in its): errors.append(f'story {sid}: twin shares story id')
    if errors:
        print('\n'.join(errors[:200])); print(len(errors), 'errors'); sys.exit(1)
    out = {}
    for split in ('train', 'heldout'):
        lst = []
        for n, it in enumerate(rows[split], 1):
            lst.append({'id': f'province_items-{split}-{n:04d}', 'province': it['province'], 'outlet': nfc(it['outlet']),
                        'published_at': it['d'].strftime('%Y-%m-%dT%H:%M:00+07:00'),
                        'title': it['T'], 'lead': it['L'], 'text': '\n\n'.join(it['P']),
                        'section': it['section'], 'sections_also': it['also'], 'tone': TONE[it['tone']],
                        'clear_cut': it['clear'] == 'y', 'tone_reason': it['R'],
                        'mention': 'central' if it['mention'] == 'c' else 'passing',
                        'story_id': it['story_id'], 'note': it['N'] or ''})
        out[split] = lst
    if '--write' in sys.argv:
        for split, lst in out.items():
            with open(os.path.join(OUTDIR, f'{split}.jsonl'), 'w', encoding='utf-8') as f:
                for r in lst: f.write(json.dumps(r, ensure_ascii=False) + '\n')
    # stats
    for split, lst in out.items():
        c = lambda k: collections.Counter(r[k] for r in lst)
        print(f'== {split}: {len(lst)} items; stories {len({r["story_id"] for r in lst})}')
        print(' prov', dict(c('province')))
        print(' tone', dict(c('tone')), ' clear', dict(c('clear_cut')), ' mention', dict(c('mention')))
    allr = out['train'] + out['heldout']
    sec = collections.Counter(r['section'] for r in allr)
    print('sections', {k: sec[k] for k in SECTIONS})
    tone = collections.Counter(r['tone'] for r in allr)
    print('tone all', {k: f'{v} ({v/len(allr):.0%})' for k, v in tone.items()}, 'clear', sum(r['clear_cut'] for r in allr) / max(1, len(allr)))
    ss = collections.Counter(collections.Counter(r['story_id'] for r in allr).values())
    multi = sum(k * v for k, v in ss.items() if k > 1)
    print('story sizes', dict(sorted(ss.items())), f'items in multi-outlet stories {multi} ({multi/max(1,len(allr)):.0%})',
          'twins', sum(1 for i in raw if i.get('aug')), 'syndicated copies', sum(1 for i in raw if i.get('synd')))
    print('outlets', collections.Counter(r['outlet'] for r in allr).most_common())

if __name__ == '__main__':
    main()
