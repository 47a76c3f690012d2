/** PRIVATE_KEY in every form people paste it, PRIVATE_KEY_PATH, .env and the default log level. */
import { generateKeyPairSync, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProbot } from 'probot';
import { loadAppEnv, normalizePrivateKey } from '../../src/app/app-env.js';

const { privateKey: pem } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const oneLine = pem.replace(/\n/g, '\\n');

test.each([
  ['the PEM as it is', pem],
  ['one line with literal \\n', oneLine],
  ['double-quoted one line (setup-flow .env through docker --env-file)', `"${oneLine}"`],
  ['single-quoted', `'${oneLine}'`],
  ['quoted with CRLF escapes', `"${pem.replace(/\n/g, '\\r\\n')}"`],
  ['surrounding whitespace', `  ${pem}  \n`],
])('PRIVATE_KEY %s becomes a valid PEM', (_name, value) => {
  const key = normalizePrivateKey(value);
  expect(key.trim()).toBe(pem.trim());
  expect(() => createPrivateKey(key)).not.toThrow();
});

describe('loadAppEnv', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ug-app-env-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('reads .env (as the setup flow wrote it) and repairs the key; LOG_LEVEL defaults to info', () => {
    writeFileSync(join(dir, '.env'), `APP_ID=7\nPRIVATE_KEY="${oneLine}"\nWEBHOOK_SECRET=s`);
    const env = loadAppEnv({ PATH: '/usr/bin' }, dir);
    expect(env.APP_ID).toBe('7');
    expect(env.PRIVATE_KEY!.trim()).toBe(pem.trim());
    expect(env.LOG_LEVEL).toBe('info');
    expect(loadAppEnv({ LOG_LEVEL: 'debug' }, dir).LOG_LEVEL).toBe('debug');
  });

  test('PRIVATE_KEY_PATH: Probot reads the PEM file (the worker and the app share createProbot/getPrivateKey)', async () => {
    const file = join(dir, 'app.pem');
    writeFileSync(file, pem);
    const env = loadAppEnv({ APP_ID: '1', PRIVATE_KEY_PATH: file, LOG_LEVEL: 'silent' }, dir);
    const probot = createProbot({ env });
    await probot.ready();
    // A JWT is signed with the key: this throws if the key was not found or not valid.
    const octokit = await probot.auth();
    expect(octokit).toBeDefined();
    const { token } = await (octokit.auth as (o: object) => Promise<{ token: string }>)({
      type: 'app',
    });
    expect(token.split('.')).toHaveLength(3);
  });
});
