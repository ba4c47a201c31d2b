#!/usr/bin/env python3
"""Append a paragraph to the (first) item with a given story id in a batch file.
usage: addp.py batch_file < json {story_id: paragraph}"""
import json
import sys

path = sys.argv[1]; add = json.load(sys.stdin)
lines = open(path, encoding='utf-8').read().split('\n')
out = []; i = 0; done = set(); seen = {}
while i < len(lines):
    l = lines[i]; out.append(l)
    sid0 = l[3:].split('|')[0].strip() if l.startswith('===') else None
    if sid0 is not None:
        seen[sid0] = seen.get(sid0, 0) + 1
        key = sid0 if (sid0 in add and sid0 not in done and seen[sid0] == 1) else f"{sid0}#{seen[sid0]}"
    if sid0 is not None and key in add and key not in done:
        sid = key; j = i + 1; block = []
        while j < len(lines) and not lines[j].startswith('==='): block.append(lines[j]); j += 1
        lastp = max(k for k, b in enumerate(block) if b.startswith('P: '))
        block.insert(lastp + 1, 'P: ' + add[sid]); out.extend(block); i = j; done.add(sid); continue
    i += 1
missing = set(add) - done
if missing: print('MISSING', missing)
open(path, 'w', encoding='utf-8').write('\n'.join(out))
