/**
 * Redis passwords typed into redis-cli outside `-a` and URLs (AUTH lines, REDISCLI_AUTH), through
 * the core scan API: reported only when the session names an Upstash database (the pairing rule of
 * src/core/detectors/redis-auth.ts), merged with the other forms of the same credential.
 */
import { scanText } from '../../../src/core/scan/scan-text.js';
import {
  redisHost,
  redisTokenParts,
  redisUrl,
  unknownFormatSecret,
} from '../../helpers/synthetic.js';
import { PUBLIC_EXAMPLES } from '../../helpers/public-examples.js';

const findings = (text: string, path = 'notes/redis.txt') =>
  scanText({ path, text }).filter((h) => !h.candidate.pairingPartOnly);

describe('AUTH and REDISCLI_AUTH on an Upstash session', () => {
  const t = redisTokenParts({ layout: 'legacy', seed: 'auth' });
  const host = redisHost(t.dbId, { legacyRegion: 'us1', seed: 'auth' });
  const pw = t.password!;
  const port = t.dbId;

  it.each([
    ['an interactive transcript', `${host}:${port}> AUTH ${pw}\nOK\n${host}:${port}> PING\nPONG\n`],
    ['AUTH default <pw>', `${host}:${port}> AUTH default ${pw}\nOK\n`],
    ['a lowercase auth after SELECT', `${host}:${port}[3]> auth "${pw}"\nOK\n`],
    ['echo piped to redis-cli', `echo "AUTH ${pw}" | redis-cli --tls -h ${host} -p ${port}\n`],
    [
      'printf piped to redis-cli over continued lines',
      `printf 'AUTH default ${pw}\\r\\nPING\\r\\n' | \\\n  redis-cli --tls \\\n  -h ${host} -p ${port}\n`,
    ],
    ['a heredoc', `redis-cli --tls -h ${host} -p ${port} <<'EOF'\nAUTH ${pw}\nKEYS *\nEOF\n`],
    ['REDISCLI_AUTH on the command', `REDISCLI_AUTH=${pw} redis-cli --tls -h ${host} -p ${port}\n`],
    [
      'an exported REDISCLI_AUTH',
      `#!/bin/sh\nexport REDISCLI_AUTH='${pw}'\n\nredis-cli --tls -h ${host} -p ${port} DBSIZE\n`,
    ],
    ['--pass (the -a detector)', `redis-cli --tls --pass ${pw} -h ${host} -p ${port} PING\n`],
  ])('%s: the legacy password, high, with its endpoint', (_label, text) => {
    const hits = findings(text);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.candidate).toMatchObject({
      type: 'upstash-redis-url',
      secret: pw,
      confidence: 'high',
      readOnly: false,
      endpoint: `https://${host}`,
      pairKey: `redis-db:${t.dbId}`,
    });
  });

  it('shares the identity of the legacy token and URL that carry the same password', () => {
    const text =
      `UPSTASH_REDIS_REST_TOKEN=${t.token}\n` +
      `REDIS_URL=${redisUrl({ password: pw, host, port, scheme: 'redis' })}\n` +
      `${host}:${port}> AUTH ${pw}\n`;
    const hits = findings(text);
    // One sighting per line (token, URL, AUTH), one credential.
    expect(hits.map((h) => h.occurrence.line)).toEqual([1, 2, 3]);
    expect(new Set(hits.map((h) => h.candidate.identity)).size).toBe(1);
  });

  it("a current database's password is its REST token: reported once, by the token detector", () => {
    const cur = redisTokenParts({ seed: 'auth-current' });
    const curHost = redisHost(cur.dbId, { seed: 'auth-current' });
    const hits = findings(`${curHost}:6379> AUTH default ${cur.token}\nOK\n`);
    expect(hits.map((h) => h.candidate.type)).toEqual(['upstash-redis-token']);
    expect(hits[0]!.candidate.pairKey).toBe(`redis-db:${cur.dbId}`);
  });

  it("an ACL user's password of no known layout: medium, privilege unknown, the URL's identity", () => {
    const secret = unknownFormatSecret({ seed: 'acl' });
    const auth = findings(`${host}:${port}> AUTH app-reader ${secret}\nOK\n`);
    expect(auth).toHaveLength(1);
    expect(auth[0]!.candidate).toMatchObject({
      confidence: 'medium',
      readOnly: null,
      details: { user: 'app-reader', layout: 'unknown' },
    });
    const url = findings(`REDIS_URL=rediss://app-reader:${secret}@${host}:${port}\n`);
    expect(url[0]!.candidate.identity).toBe(auth[0]!.candidate.identity);
  });
});

describe('AUTH lines that are not an Upstash database password', () => {
  const t = redisTokenParts({ layout: 'legacy', seed: 'auth-neg' });
  const host = redisHost(t.dbId, { seed: 'auth-neg' });
  const pw = t.password!;
  // Every text names the Upstash host somewhere: that alone must not pair an AUTH with it.
  const mention = `\n# cache: ${host}\n`;

  it.each([
    ['a local transcript', `127.0.0.1:6379> AUTH ${pw}\nOK`],
    [
      'another provider',
      `redis-12345.c1.us-east-1.ec2.cloud.redislabs.com:12345> AUTH default ${pw}`,
    ],
    ['a session that never connected', `not connected> AUTH ${pw}`],
    ['a heredoc to another server', `redis-cli -h redis.internal <<EOF\nAUTH ${pw}\nEOF`],
    ['redis-cli without a host (localhost)', `echo "AUTH ${pw}" | redis-cli`],
    ['a lookalike host', `echo "AUTH ${pw}" | redis-cli -h ${host}.attacker.example`],
    [
      'two servers on one command',
      `redis-cli -h ${host} PING && echo "AUTH ${pw}" | redis-cli -h 10.0.0.5`,
    ],
    ['an AUTH line on its own', `AUTH ${pw}`],
    ['REDISCLI_AUTH in a .env without redis-cli', `REDIS_HOST=${host}\nREDISCLI_AUTH=${pw}`],
    ['prose', `Send AUTH ${pw} first, then the command.`],
  ])('%s', (_label, text) => {
    expect(findings(text + mention)).toEqual([]);
  });

  it.each([
    ['<password>', `${host}:6379> AUTH <password>`],
    ['your-password', `${host}:6379> AUTH default your-password`],
    ['${REDIS_PASSWORD}', `echo "AUTH \${REDIS_PASSWORD}" | redis-cli --tls -h ${host} -p 6379`],
    ['$VAR', `REDISCLI_AUTH=$UPSTASH_REDIS_PASSWORD redis-cli --tls -h ${host}`],
    ['****', `${host}:6379> AUTH ****`],
    ['********', `${host}:6379> AUTH default ********`],
    ['a template', `REDISCLI_AUTH="{{ redis_password }}" redis-cli --tls -h ${host}`],
    ['the docs fake', `${host}:6379> AUTH ${PUBLIC_EXAMPLES.restApiDocsHex.value}`],
  ])('placeholder %s', (_label, text) => {
    expect(findings(text)).toEqual([]);
  });

  it('a docs page with placeholder AUTH examples reports nothing', () => {
    const doc = [
      '## Connect with redis-cli',
      '',
      '```bash',
      'redis-cli --tls -h <ENDPOINT> -p 6379',
      '> AUTH <PASSWORD>',
      '```',
      '',
      `Example: \`${host}:6379> AUTH default YOUR_PASSWORD\``,
    ].join('\n');
    expect(findings(doc, 'docs/redis.md')).toEqual([]);
  });
});
