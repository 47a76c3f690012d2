/**
 * A legacy database's 32-hex TCP password passed to a client with no name before it: setters the
 * name-first forms missed (the Jedis config builder's `.password(`, `auth(user, password)`, PHP
 * `->auth(`, redigo `DialPassword(`). Reported only when the lines around tie the value to one
 * Upstash database (src/core/detectors/redis-password.ts). Every value is built at run time: a
 * 32-hex literal beside an Upstash host in a tracked file is what this repository scans for.
 */
import { scanText } from '../../../src/core/scan/scan-text.js';
import { hex32Secret, redisHost, redisTokenParts } from '../../helpers/synthetic.js';

const findings = (text: string, path: string) =>
  scanText({ path, text }).filter((h) => !h.candidate.pairingPartOnly);

const leg = redisTokenParts({ layout: 'legacy', seed: 'positional' });
const h = redisHost(leg.dbId, { legacyRegion: 'eu1', seed: 'positional' });
const pw = leg.password!;
const p = leg.dbId;
/** A 32-hex value that is not a password: an md5 of a file, a cache key. */
const md5 = hex32Secret({ seed: 'positional-md5' });

describe('a legacy password passed positionally, tied to its Upstash host', () => {
  it.each([
    [
      'Jedis config builder .password()',
      'App.java',
      `JedisClientConfig cfg = DefaultJedisClientConfig.builder().ssl(true).password("${pw}").build();\nJedis jedis = new Jedis(new HostAndPort("${h}", ${p}), cfg);\n`,
    ],
    [
      'Jedis auth(user, password)',
      'App.java',
      `Jedis jedis = new Jedis("${h}", ${p}, true);\njedis.auth("default", "${pw}");\n`,
    ],
    [
      'phpredis ->auth()',
      'cache.php',
      `$redis = new Redis();\n$redis->connect('tls://${h}', ${p});\n$redis->auth('${pw}');\n`,
    ],
    [
      'phpredis ->auth([user, password])',
      'cache.php',
      `$redis->connect('${h}', ${p});\n$redis->auth(['default', '${pw}']);\n`,
    ],
    [
      'Predis ->auth()',
      'cache.php',
      `$client = new Predis\\Client(['scheme' => 'tls', 'host' => '${h}', 'port' => ${p}]);\n$client->auth('${pw}');\n`,
    ],
    [
      'redigo DialPassword',
      'main.go',
      `c, err := redis.Dial("tcp", "${h}:${p}", redis.DialPassword("${pw}"), redis.DialUseTLS(true))\n`,
    ],
  ])('%s', (_label, path, text) => {
    const hits = findings(text, path);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.candidate).toMatchObject({
      type: 'upstash-redis-url',
      secret: pw,
      confidence: 'high',
      readOnly: false,
      endpoint: `https://${h}`,
      pairKey: `redis-db:${leg.dbId}`,
    });
  });
});

describe('32-hex positional values that are not an Upstash password', () => {
  it.each([
    [
      'a .password() setter beside another server',
      'App.java',
      `// production: ${h}\nJedisClientConfig c = DefaultJedisClientConfig.builder().password("${md5}").build();\nJedis j = new Jedis(new HostAndPort("redis.internal", 6379), c);\n`,
    ],
  ])('%s', (_label, path, text) => {
    expect(findings(text, path)).toEqual([]);
  });
});
