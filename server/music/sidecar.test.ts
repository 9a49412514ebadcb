import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { readSidecar } from './sidecar.js';

function dirWith(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-sidecar-'));
  fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

test('library.csv: quoted fields, tags split on ;, valence/arousal as numbers', () => {
  const dir = dirWith(
    'library.csv',
    'file,title,artist,valence,arousal,tags\n"a/b, c.ogg","Song, with comma",X,0.5,-0.25,calm; night\nplain.mp3,,,,,\n',
  );
  const entries = readSidecar(dir);
  assert.deepEqual(entries.get(path.join(dir, 'a/b, c.ogg')), {
    title: 'Song, with comma',
    artist: 'X',
    valence: 0.5,
    arousal: -0.25,
    tags: ['calm', 'night'],
  });
  assert.deepEqual(entries.get(path.join(dir, 'plain.mp3')), {});
});

test('bad sidecars are errors naming the file and row', () => {
  assert.throws(
    () => readSidecar(dirWith('library.csv', 'file,valence,arousal\nx.mp3,2,0\n')),
    /library\.csv row 2: valence must be a number in \[-1, 1\] \(got 2\)/,
  );
  assert.throws(() => readSidecar(dirWith('library.csv', 'file,valence\nx.mp3,0.3\n')), /row 2: give both valence and arousal/);
  assert.throws(() => readSidecar(dirWith('library.json', '{"file": "x"}')), /library\.json: expected an array/);
  assert.throws(() => readSidecar(dirWith('library.json', '[{"title": "no file"}]')), /item 1: "file" is required/);
  assert.throws(() => readSidecar(dirWith('library.json', '[oops')), /library\.json: not valid JSON/);
  assert.equal(readSidecar(fs.mkdtempSync(path.join(os.tmpdir(), 'moodify-sidecar-'))).size, 0);
});
