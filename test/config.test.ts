import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ConfigError, loadConfig } from '../server/config.js';
import { spawnServer } from './helpers/server-process.js';

test('defaults fill every variable', () => {
  const config = loadConfig({});
  assert.equal(config.PORT, 8080);
  assert.equal(config.DATABASE_URL, undefined);
  assert.ok(config.MEDIASOUP_WORKERS >= 1);
  assert.ok(config.DATA_DIR_ABS.endsWith('/data'));
});

test('MUSIC_BUNDLED_IMPORT is as given; unset, it is off in a process started by the test runner', () => {
  assert.equal(loadConfig({}).MUSIC_BUNDLED_IMPORT, false);
  assert.equal(loadConfig({ MUSIC_BUNDLED_IMPORT: '1' }).MUSIC_BUNDLED_IMPORT, true);
  assert.equal(loadConfig({ MUSIC_BUNDLED_IMPORT: 'false' }).MUSIC_BUNDLED_IMPORT, false);
});

test('numbers are converted from strings', () => {
  const config = loadConfig({ PORT: '9000', RTC_MIN_PORT: '41000', RTC_MAX_PORT: '41100' });
  assert.equal(config.PORT, 9000);
  assert.equal(config.RTC_MAX_PORT, 41100);
});

for (const [env, variable] of [
  [{ PORT: 'eighty' }, 'PORT'],
  [{ PORT: '70000' }, 'PORT'],
  [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  [{ DATABASE_URL: 'mysql://localhost/x' }, 'DATABASE_URL'],
  [{ MEDIASOUP_WORKERS: '0' }, 'MEDIASOUP_WORKERS'],
  [{ RTC_MIN_PORT: '5000', RTC_MAX_PORT: '4000' }, 'RTC_MIN_PORT'],
  [{ MUSIC_MAX_UPLOAD_MB: '0' }, 'MUSIC_MAX_UPLOAD_MB'],
  [{ MUSIC_BUNDLED_IMPORT: 'maybe' }, 'MUSIC_BUNDLED_IMPORT'],
] as const) {
  test(`a bad ${variable} is rejected with its name (${JSON.stringify(env)})`, () => {
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => err instanceof ConfigError && err.variable === variable && err.message.includes(variable),
    );
  });
}

test('a bad PORT stops the real server at start with a message naming PORT', async () => {
  const { output, exited } = spawnServer({ PORT: 'not-a-port' });
  const { code } = await exited;
  assert.equal(code, 78);
  assert.match(output(), /Invalid configuration: PORT/);
});
