/**
 * A legacy database's 32-hex TCP password passed to a client with no name before it: positional
 * constructor and connect arguments (Jedis, redis-py, a Go helper, ServiceStack), and setters the
 * name-first forms missed (the Jedis config builder's `.password(`, PHP `->auth(`, redigo
 * `DialPassword(`). Reported only when the call or the lines around it tie the value to one
 * Upstash database (src/core/detectors/redis-password.ts, positionalCandidate); an md5 or sha in
 * some other call, a local server's password, placeholders are not. Every value is built at run
 * time: a 32-hex literal beside an Upstash host in a tracked file is what this repository scans for.
 */
import { scanText } from '../../../src/core/scan/scan-text.js';
import { scanPlaced } from '../../helpers/containers.js';
import { COUNTING_HEX, hex32Secret, redisHost, redisTokenParts } from '../../helpers/synthetic.js';

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
      'JedisPool(config, host, port, timeout, password, ssl)',
      'App.java',
      `JedisPool pool = new JedisPool(poolConfig, "${h}", ${p}, 2000, "${pw}", true);\n`,
    ],
    [
      'JedisPool over several lines',
      'App.java',
      `JedisPool pool = new JedisPool(\n    poolConfig,\n    "${h}", // legacy eu1 database\n    ${p},\n    2000,\n    "${pw}",\n    true);\n`,
    ],
    [
      'JedisPool with the host in a constant above',
      'App.java',
      `private static final String HOST = "${h}";\nprivate static final int PORT = ${p};\n\nJedisPool pool = new JedisPool(cfg, HOST, PORT, 2000, "${pw}", true);\n`,
    ],
    [
      'JedisPooled(host, port, user, password)',
      'App.java',
      `JedisPooled jedis = new JedisPooled("${h}", ${p}, "default", "${pw}");\n`,
    ],
    [
      'Kotlin JedisPool',
      'App.kt',
      `val pool = JedisPool(JedisPoolConfig(), "${h}", ${p}, 2000, "${pw}", true)\n`,
    ],
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
      'redis-py positional StrictRedis(host, port, db, password)',
      'cache.py',
      `r = redis.StrictRedis("${h}", ${p}, 0, "${pw}", ssl=True)\n`,
    ],
    [
      'redis-py with the host in a variable',
      'cache.py',
      `REDIS_HOST = "${h}"\nr = redis.Redis(REDIS_HOST, ${p}, 0, "${pw}")\n`,
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
    ['a Go pool helper', 'main.go', `pool := newPool("${h}:${p}", "${pw}")\n`],
    [
      'ServiceStack RedisClient(host, port, password)',
      'Cache.cs',
      `using var client = new RedisClient("${h}", ${p}, "${pw}");\n`,
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

  // Already found by the name-first forms: they stay found, once.
  it.each([
    [
      'redis-py keywords',
      'cache.py',
      `r = redis.Redis(host="${h}", port=${p}, password="${pw}", ssl=True)\n`,
    ],
    [
      'Ruby Redis.new',
      'cache.rb',
      `redis = Redis.new(host: "${h}", port: ${p}, password: "${pw}", ssl: true)\n`,
    ],
    [
      'StackExchange.Redis connection string',
      'Cache.cs',
      `var mux = ConnectionMultiplexer.Connect("${h}:${p},password=${pw},ssl=True");\n`,
    ],
    [
      'go-redis Options',
      'main.go',
      `rdb := redis.NewClient(&redis.Options{Addr: "${h}:${p}", Password: "${pw}"})\n`,
    ],
    [
      'Jedis auth(password)',
      'App.java',
      `Jedis jedis = new Jedis("${h}", ${p}, true);\njedis.auth("${pw}");\n`,
    ],
  ])('%s (named forms, unchanged)', (_label, path, text) => {
    const hits = findings(text, path);
    expect(hits.map((x) => [x.candidate.secret, x.candidate.confidence])).toEqual([[pw, 'high']]);
  });

  it('is one credential with the legacy REST token that carries it', () => {
    const text =
      `# UPSTASH_REDIS_REST_TOKEN=${leg.token}\n` +
      `JedisPool pool = new JedisPool(poolConfig, "${h}", ${p}, 2000, "${pw}", true);\n`;
    const hits = findings(text, 'App.java');
    expect(hits).toHaveLength(2);
    expect(new Set(hits.map((x) => x.candidate.identity)).size).toBe(1);
    expect(scanPlaced({ path: 'App.java', text, line: 2 })).toHaveLength(1);
  });

  it("a current database's REST token as the positional password: found by the token detector", () => {
    const cur = redisTokenParts({ seed: 'positional-current' });
    const curHost = redisHost(cur.dbId, { seed: 'positional-current' });
    const hits = findings(
      `JedisPool pool = new JedisPool(poolConfig, "${curHost}", 6379, 2000, "${cur.token}", true);\n`,
      'App.java',
    );
    expect(hits.map((x) => [x.candidate.type, x.candidate.secret])).toEqual([
      ['upstash-redis-token', cur.token],
    ]);
  });
});

describe('32-hex positional values that are not an Upstash password', () => {
  it.each([
    [
      'an md5 in a call, no Upstash host in the file',
      'App.java',
      `digests.put("logo.png", "${md5}");\nJedisPool pool = new JedisPool(cfg, "localhost", 6379);\n`,
    ],
    [
      'an md5 in another call below an Upstash client',
      'cache.js',
      `const redis = new Redis("rediss://${h}:${p}", { password: process.env.REDIS_PASSWORD });\nawait redis.set("avatar:42", "${md5}");\n`,
    ],
    [
      'an md5 in a Redis command call',
      'cache.py',
      `r = redis.Redis(host="${h}", port=${p}, password=os.environ["REDIS_PASSWORD"])\nr.execute_command("SET", "etag", "${md5}")\n`,
    ],
    [
      'a JedisPool on localhost, the Upstash host in a comment',
      'App.java',
      `// production: ${h}\nJedisPool pool = new JedisPool(config, "localhost", 6379, 2000, "${md5}");\n`,
    ],
    [
      'a JedisPool whose host variable is another server',
      'App.java',
      `// production: ${h}\nString host = "redis.internal";\nJedisPool pool = new JedisPool(config, host, 6379, 2000, "${md5}");\n`,
    ],
    [
      'a JedisPool with the host in a variable and no Upstash host near',
      'App.java',
      `String url = "https://${h}";\n${'\n'.repeat(10)}JedisPool pool = new JedisPool(config, host, 6379, 2000, "${md5}");\n`,
    ],
    [
      'a hex beside a REST URL with a path (a key, not a password)',
      'cache.js',
      `await fetch("https://${h}/get/thumbnails", "${md5}");\n`,
    ],
    [
      'a hex beside an Upstash host in an array',
      'fixtures.js',
      `const rows = ["${h}", "${md5}"];\n`,
    ],
    ['a hex beside an Upstash host in a tuple', 'fixtures.py', `row = ("${h}", "${md5}")\n`],
    [
      'a hex joined to more text',
      'App.java',
      `JedisPool pool = new JedisPool(cfg, "${h}", ${p}, 2000, "${md5}" + suffix);\n`,
    ],
    [
      'all zeros',
      'App.java',
      `JedisPool pool = new JedisPool(cfg, "${h}", ${p}, 2000, "${'0'.repeat(32)}", true);\n`,
    ],
    [
      'counting hex',
      'App.java',
      `JedisPool pool = new JedisPool(cfg, "${h}", ${p}, 2000, "${COUNTING_HEX}", true);\n`,
    ],
    [
      'a placeholder',
      'App.java',
      `JedisPool pool = new JedisPool(cfg, "${h}", ${p}, 2000, "your-password", true);\n`,
    ],
    ['a git sha (40 hex)', 'deploy.py', `deploy("${h}", "${md5}${md5.slice(0, 8)}")\n`],
    [
      'a .password() setter beside another server',
      'App.java',
      `// production: ${h}\nJedisClientConfig c = DefaultJedisClientConfig.builder().password("${md5}").build();\nJedis j = new Jedis(new HostAndPort("redis.internal", 6379), c);\n`,
    ],
  ])('%s', (_label, path, text) => {
    expect(findings(text, path)).toEqual([]);
  });
});
