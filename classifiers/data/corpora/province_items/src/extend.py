#!/usr/bin/env python3
"""Append paragraphs to items across all batch files. stdin: JSON {"story_id" or "story_id#k": [paragraph, ...]}
#k = k-th item (1-based) of that story in sorted batch-file order."""
import glob
import json
import os
import sys

H = os.path.dirname(os.path.abspath(__file__))
add = json.load(sys.stdin); done = set(); seen = {}
for path in sorted(glob.glob(os.path.join(H, 'batch_*.txt'))):
    lines = open(path, encoding='utf-8').read().split('\n'); out = []; i = 0; changed = False
    while i < len(lines):
        l = lines[i]; out.append(l)
        if l.startswith('==='):
            sid = l[3:].split('|')[0].strip(); seen[sid] = seen.get(sid, 0) + 1
            key = f'{sid}#{seen[sid]}' if f'{sid}#{seen[sid]}' in add else (sid if seen[sid] == 1 and sid in add else None)
            if key and key not in done:
                j = i + 1; block = []
                while j < len(lines) and not lines[j].startswith('==='): block.append(lines[j]); j += 1
                ps = [k for k, b in enumerate(block) if b.startswith('P: ')]
                if not ps: print('NO P (twin?)', key); out.extend(block); i = j; continue
                paras = add[key] if isinstance(add[key], list) else [add[key]]
                for n, p in enumerate(paras): block.insert(ps[-1] + 1 + n, 'P: ' + p)
                out.extend(block); i = j; done.add(key); changed = True; continue
        i += 1
    if changed: open(path, 'w', encoding='utf-8').write('\n'.join(out))
print('applied', len(done), 'missing', sorted(set(add) - done))
