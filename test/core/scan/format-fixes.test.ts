/**
 * Misses and false positives found by the format matrix (format-matrix.test.ts), one case each,
 * values built at run time.
 */
import { scanPlaced } from '../../helpers/containers.js';
import { context7Key, managementKey, unknownFormatSecret } from '../../helpers/synthetic.js';

const scan = (path: string, text: string): [string, string, number[]][] =>
  scanPlaced({ path, text, line: 1 }).map((f) => [
    f.type,
    f.confidence,
    f.occurrences.map((o) => o.line),
  ]);

describe('a value cut short by a redaction is no secret', () => {
  const uuid = managementKey({ seed: 'cut' });
  const unknown = unknownFormatSecret({ seed: 'cut' });
  it.each([
    ['.env', `UPSTASH_API_KEY=${uuid.slice(0, 21)}…\n`],
    ['.env', `UPSTASH_REDIS_REST_TOKEN=${unknown.slice(0, 24)}...\n`],
    ['.env', `QSTASH_TOKEN="${unknown.slice(0, 24)}***"\n`],
    ['access.log', `GET /?q=${encodeURIComponent(`UPSTASH_API_KEY=${uuid.slice(0, 21)}…`)}\n`],
  ])('%s %s', (path, text) => {
    expect(scan(path, text)).toEqual([]);
  });

  it('the whole value is still found', () => {
    expect(scan('.env', `UPSTASH_REDIS_REST_TOKEN=${unknown}\n`)).toEqual([
      ['upstash-redis-token', 'low', [1]],
    ]);
  });
});

describe('a whole .env base64-encoded in a CI variable, holding only a Context7 key', () => {
  it('is decoded: the key names no Upstash product, so its own anchor gates the file', () => {
    const env = Buffer.from(`CONTEXT7_API_KEY=${context7Key({ seed: 'b64env' })}\n`).toString(
      'base64',
    );
    expect(
      scan('.gitlab-ci.yml', `variables:\n  ENV_FILE_B64: "${env}"\nbuild:\n  script: make\n`),
    ).toEqual([['upstash-context7-api-key', 'high', [2]]]);
  });
});
