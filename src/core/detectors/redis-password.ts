import type { Candidate, Detector, MatchContext } from '../types.js';
import { AFTER_NAME } from './assignment.js';
import { CALL_REACH, enclosingCall } from './call-arguments.js';
import { isUnknownFormatSecret } from './fallback.js';
import { isKnownPublicValue } from './known-examples.js';
import {
  assignedName,
  nearbyLines,
  otherProductAbove,
  SERVER_LITERAL,
  UPSTASH_DB_HOST,
} from './nearby.js';
import { isPlaceholder } from './placeholders.js';
import { redisIdentity } from './redis-token.js';
import { redisHost, redisTokenParts, unknownFormatSecret, OTHER_SERVER_HEX } from './synthetic.js';
import { stateAttributeHost, terraformOutputHost, terraformOutputName } from './terraform-json.js';

const PASSWORD_KEY = /pass(word)?|pwd/i;
/** A token-named key that can hold a Redis credential: Upstash/Redis/KV names, or plain `token`. */
const TOKEN_KEY = /^token$|(?=.*token)(?=.*(?:upstash|redis|kv_?rest|^kv_))/i;
/** A password or token name about no subject (`password:`, `pwd=`, redis-cli's `-a`). */
const BARE_NAME = /^\W*(?:pass(?:word|wd)?|pwd|token)\W*$/i;
/** Names of other Upstash products: their 32-hex values are not Redis passwords. */
const OTHER_PRODUCT = /vector|search|qstash|kafka|box|context7|signing/i;
/** An Upstash Redis name: without a host, the value is still reported (at medium). */
const UPSTASH_REDIS_NAME =
  /upstash.*(?:redis|kv)|^(?:[A-Z0-9]+_)*KV_|^kv[A-Z]|upstash_?(?:password|token)$/i;

/**
 * A Fly.io-provisioned database's host (`fly redis create`): `fly-<name>.upstash.io`, named after
 * the app, so it carries no database number and UPSTASH_DB_HOST does not read it.
 */
const FLY_HOST = /\bfly-[a-z0-9-]+\.upstash\.io\b/;

/** The one Fly database host within 4 lines, when there is exactly one. */
function flyHostFor(ctx: MatchContext): string | null {
  const hosts = new Set(
    Array.from(nearbyLines(ctx, 4).matchAll(new RegExp(FLY_HOST.source, 'g')), (m) => m[0]),
  );
  return hosts.size === 1 ? [...hosts][0]! : null;
}

/**
 * A Fly database's password written apart from its host (`REDIS_HOST=fly-<app>.upstash.io` beside
 * `REDIS_PASSWORD=<pw>`): the URL detector's identity and confidence for `redis://default:<pw>@<host>`,
 * so both forms are one finding. No database number, so no pairing key; `low` for a value of no
 * known layout, as elsewhere.
 */
function flyPasswordCandidate(pw: string, host: string, confidence: 'medium' | 'low'): Candidate {
  return {
    type: 'upstash-redis-url',
    secret: pw,
    identity: `redis-url:${host}:default:${pw}`,
    readOnly: false, // a password name: the default user's (read-only access is default_ro's)
    confidence,
    endpoint: `https://${host}`,
    details: { host, user: 'default', fly: true, layout: 'unknown', form: 'tcp-password' },
  };
}

/** The one database host named in the whole fragment, when there is exactly one. */
function soleHostInText(text: string): RegExpExecArray | null {
  const re = new RegExp(UPSTASH_DB_HOST.source, 'g');
  let found: RegExpExecArray | null = null;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (found && found[2] !== m[2]) return null;
    found ??= m;
  }
  return found;
}

/**
 * A host given by reference in code (`host=HOST`, `host: process.env.REDIS_HOST as string`,
 * `host=os.getenv("REDIS_HOST")`, `host=settings.redis_host`): it names no other server, so
 * `HOST = "<host>"` … `PASSWORD = "<pw>"` above `redis.Redis(host=HOST, password=PASSWORD)` keeps
 * its host. A literal after it (`|| 'localhost'`) still names one.
 */
const HOST_BY_REFERENCE =
  /(?:[Hh]ost|HOST)\w{0,20}[ \t]*[:=][ \t]*(?:[A-Z][A-Z0-9_]{0,60}|(?:process\.env|import\.meta\.env|os\.environ|settings|config|self|this|env)(?:\.\w{1,60}|\[["']\w{1,60}["']\]){1,4}|os\.getenv\([ \t]*["']\w{1,60}["'][ \t]*\))!?(?:[ \t]+as[ \t]+\w+)?(?=[ \t\r]*(?:[,)};]|$))/g;

function hostFor(ctx: MatchContext, key: string): RegExpExecArray | null | 'foreign' {
  const around = nearbyLines(ctx, 4);
  // Another service's host next to the password (a local Redis beside an Upstash URL): not ours.
  const hostLines = around
    .split('\n')
    .filter((l) => /host/i.test(l) && /host/i.test(l.replace(HOST_BY_REFERENCE, '')));
  if (
    hostLines.some((l) => !UPSTASH_DB_HOST.test(l) && !FLY_HOST.test(l)) &&
    !/UPSTASH|KV_/i.test(key)
  )
    return 'foreign';
  return (
    UPSTASH_DB_HOST.exec(around) ?? (UPSTASH_REDIS_NAME.test(key) ? soleHostInText(ctx.text) : null)
  );
}

/**
 * Whether a password under `key` is the one of the Upstash database named nearby. A name about
 * Redis or Upstash (`REDIS_PASSWORD`, `spring.data.redis.password`, `UPSTASH_REDIS_PASSWORD`,
 * `cachePassword`) or about nothing (`password:` beside `host:` in a client's options, `-a` of
 * redis-cli, `password=` of a connection string) is; a name about something else
 * (`POSTGRES_PASSWORD`, `SMTP_PASSWORD`, `ADMIN_PASSWORD` in a .env that also holds the Upstash
 * URL) only if the host stands under a name with the same subject (`DB_HOST=…upstash.io` beside
 * `DB_PASSWORD`).
 */
function ownsHost(key: string, host: string, ctx: MatchContext): boolean {
  const subject = key
    .replace(/^\W+|\W+$/g, '')
    .replace(/[_.-]?(?:pass(?:word|wd)?|pwd|token)$/i, '');
  if (subject === '' || /redis|upstash|kv|cache/i.test(subject)) return true;
  const norm = (s: string): string => s.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  // Lines written as `\n` escapes in one string (a serialised .env) are lines too.
  return nearbyLines(ctx, 4)
    .split(/\n|\\[nr]/)
    .some(
      (l) =>
        l.includes(host) &&
        norm(/^\s*(?:export\s+|-\s+)?["']?([A-Za-z_][\w.-]*)/.exec(l)?.[1] ?? '').startsWith(
          norm(subject),
        ),
    );
}

/**
 * A value of no known layout under a plain Redis name (`redisRestToken`, `REDIS_PASSWORD`) next to
 * an Upstash database host and no other host: a credential of that database in a format nobody
 * has seen (an ACL user's password, a new token shape), at low confidence like the fallback's.
 * (Values that decode are found by their own detectors under any name.)
 */
function namedValue(name: string, value: string, ctx: MatchContext): Candidate | null {
  const host = hostFor(ctx, name);
  if (host === 'foreign' || !isUnknownFormatSecret(value)) return null;
  if (!host) {
    const fly = /token/i.test(name) ? null : flyHostFor(ctx);
    return fly ? flyPasswordCandidate(value, fly, 'low') : null;
  }
  const dbId = Number(host[2]);
  const rest = /token/i.test(name);
  return {
    type: rest ? 'upstash-redis-token' : 'upstash-redis-url',
    secret: value,
    identity: `unknown:${value}`,
    // A password name: the default user's password, as for the hex form; a token: unknown.
    readOnly: rest ? null : false,
    confidence: 'low',
    endpoint: `https://${host[0]}`,
    pairKey: `redis-db:${dbId}`,
    details: { layout: 'unknown', variable: name, database: dbId },
  };
}

/**
 * A 32-hex value under `key` as a legacy database's TCP password: with the Upstash host nearby
 * (high, the identity of the legacy token or URL carrying it), or under an Upstash Redis name
 * without one (medium). Shared with the redis-cli detector (`-a <pw>` reads as a password name).
 */
export function tcpPasswordCandidate(pw: string, key: string, ctx: MatchContext): Candidate | null {
  if (!PASSWORD_KEY.test(key) && !TOKEN_KEY.test(key)) return null;
  if (OTHER_PRODUCT.test(key) || isPlaceholder(pw) || isKnownPublicValue(pw)) return null;
  // `password:` in a Kafka client's options, with a database's URL in the next block: Kafka's.
  // Only a name about nothing: `REDIS_PASSWORD` below a Vector URL in a .env is still Redis's.
  if (BARE_NAME.test(key) && otherProductAbove(ctx)) return null;
  // A Terraform state's `password` attribute: its instance's `endpoint`, however far.
  const host = hostFor(ctx, key) ?? (key === 'password' ? stateAttributeHost(ctx) : null);
  if (host === 'foreign') return null;
  if (host && !ownsHost(key, host[0], ctx)) return null;
  if (!host) {
    const fly = flyHostFor(ctx);
    if (fly) return ownsHost(key, fly, ctx) ? flyPasswordCandidate(pw, fly, 'medium') : null;
    if (!UPSTASH_REDIS_NAME.test(key)) return null;
    return {
      type: 'upstash-redis-url',
      secret: pw,
      identity: `redis-password:${pw}`,
      readOnly: false, // the default user's password; read-only access uses default_ro + a token
      confidence: 'medium',
      details: { layout: 'legacy', form: 'tcp-password' },
    };
  }
  return legacyPasswordCandidate(pw, host);
}

/**
 * A 32-hex Terraform output under a password name (`"redis_password": {"sensitive": true,
 * "type": "string", "value": "<pw>"}`): the password of the one database that the outputs of the
 * same subject name (`redis_endpoint`), see terraformOutputHost. Its name stands lines above the
 * value, out of reach of the name-first rules.
 */
function outputPasswordCandidate(pw: string, name: string, ctx: MatchContext): Candidate | null {
  if (!PASSWORD_KEY.test(name) || OTHER_PRODUCT.test(name)) return null;
  if (isPlaceholder(pw) || isKnownPublicValue(pw)) return null;
  const host = terraformOutputHost(name, ctx);
  return host ? legacyPasswordCandidate(pw, host) : null;
}

/**
 * A legacy database's 32-hex TCP password tied to its host (`host[0]` the host, `host[2]` its
 * database number, as UPSTASH_DB_HOST captures them): the identity of the legacy REST token or URL
 * carrying the same password, so the pipeline merges them. Shared with the AUTH detector.
 */
export function legacyPasswordCandidate(pw: string, host: RegExpExecArray): Candidate {
  const dbId = Number(host[2]);
  return {
    type: 'upstash-redis-url',
    secret: pw,
    identity: redisIdentity(dbId, `legacy:${pw}`),
    readOnly: false, // the default user's password; read-only access uses default_ro + a token
    endpoint: `https://${host[0]}`,
    pairKey: `redis-db:${dbId}`,
    confidence: 'high',
    details: { database: dbId, layout: 'legacy', form: 'tcp-password', host: host[0] },
  };
}

/**
 * A password passed to a client's setter rather than assigned: Jedis `jedis.auth("…")` (also
 * `auth("default", "…")`), Lettuce `RedisURI.builder().withPassword("…")` (also `"…".toCharArray()`,
 * and `.withAuthentication("default", "…".toCharArray())`), `config.setPassword("…")`,
 * the Jedis client config builder's `.password("…")`, redigo `redis.DialPassword("…")`, PHP
 * `$redis->auth('…')` / `->auth(['default', '…'])` (phpredis, Predis). No name precedes the value,
 * so the assignment forms missed a legacy password beside its `withHost("…upstash.io")`; the host
 * rules (tcpPasswordCandidate) still decide, as for `password:` in an options object.
 */
const SETTER = String.raw`(?:\.|->)(?:auth|setPassword|withPassword|withAuthentication|password|DialPassword)\([ \t]*\[?[ \t]*(?:["'][\w.@-]{1,64}["'][ \t]*,[ \t]*)?["']`;

/**
 * redis-commander's `REDIS_HOSTS=<label>:<host>:<port>:<db>:<password>` (its docker-compose
 * examples): the password follows the database's host, port and index, no name before it.
 */
const COLON_LIST = String.raw`\.(?:upstash\.io|kv\.vercel-storage\.com):\d{1,5}:\d{1,2}:`;

/**
 * A string literal passed as a positional argument after another one: `new JedisPool(cfg,
 * "<host>", 6379, 2000, "<password>", true)`, `StrictRedis("<host>", 6379, 0, "<password>")`,
 * `new JedisPooled("<host>", 6379, "default", "<password>")`. Whose value it is, the call decides
 * (positionalCandidate).
 */
const POSITIONAL = String.raw`,[ \t\r\n]{0,80}["']`;
/**
 * A string literal passed as a call's first argument: `newRedisClient("<password>", "<host>:<port>")`.
 * Only the call's own arguments can tie it to a database (positionalCandidate).
 */
const FIRST_ARGUMENT = String.raw`\([ \t\r\n]{0,80}["']`;
/**
 * A call that connects to Redis, by its name: a first argument is reported only in one. Every
 * other call with a hash first and an address after it (`urls.put("<md5>", "https://<host>")`,
 * `cache.set(…)`) keeps its hash.
 */
const CONNECTING_CALLEE = /redis|jedis|conn|pool|client|dial/i;

/** A string literal that is an Upstash database's address, whole: a host, `host:port`, a URL of it with no path. */
const HOST_LITERAL = new RegExp(
  String.raw`^(?:(?:rediss?|https?)://(?:[^@/\s]*@)?)?${UPSTASH_DB_HOST.source}(?::\d{1,5})?/?$`,
);
/** A call to a Redis client by its name: `JedisPool`, `JedisPooled`, `StrictRedis`, `Redis`, `RedisClient`. */
const REDIS_CALLEE = /redis|jedis/i;

/**
 * A 32-hex literal passed positionally (no name before it) as a legacy database's password, when
 * the call ties it to one Upstash database:
 * - the call names the database among its own arguments (`"<host>"`, `"<host>:<port>"`,
 *   `"rediss://<host>"`) and no other server: whatever the function, the hex beside the host is its
 *   password (`new JedisPool(cfg, "<host>", …, "<pw>")`, `newPool("<host>:<port>", "<pw>")`);
 * - or the call is a Redis client's (`JedisPool`, `StrictRedis`, `RedisClient`) that names no
 *   server among its arguments (the host is a variable) and the lines around (4 either side, and
 *   within CALL_REACH characters) name exactly one Upstash database and no other server
 *   (`HOST = "<host>"` above `new JedisPool(cfg, HOST, …)`).
 * A hex value in another call (an md5 or a cache key beside an Upstash URL in the file), in an
 * array or object literal, or beside a local or other provider's server is not reported.
 */
function positionalCandidate(pw: string, ctx: MatchContext, first: boolean): Candidate | null {
  const quote = ctx.text[ctx.index - 1]!;
  const end = ctx.index + pw.length;
  // The whole argument: closed by the same quote (as a `char[]` for Java clients, Lettuce's
  // `"<pw>".toCharArray()`), then the next argument or the call's end.
  if (
    ctx.text[end] !== quote ||
    !/^(?:\.toCharArray\(\))?[ \t\r\n]*[,)]/.test(ctx.text.slice(end + 1, end + 40))
  )
    return null;
  // No database host within the call's reach: neither rule can hold (and most hex arguments of a
  // file that mentions Upstash somewhere stop here, before the call is read).
  const reach = ctx.text.slice(Math.max(0, ctx.index - CALL_REACH), end + CALL_REACH);
  if (!reach.includes('upstash.io') && !reach.includes('kv.vercel-storage.com')) return null;
  const call = enclosingCall(ctx.text, ctx.index - 1, end + 1);
  if (!call || isPlaceholder(pw) || isKnownPublicValue(pw)) return null;
  const hosts = call.literals.filter((l) => HOST_LITERAL.test(l));
  if (call.literals.some((l) => SERVER_LITERAL.test(l) && !HOST_LITERAL.test(l))) return null;
  if (hosts.length > 0) {
    const found = hosts.map((l) => UPSTASH_DB_HOST.exec(l)!);
    if (found.some((h) => h[2] !== found[0]![2])) return null;
    if (first && !CONNECTING_CALLEE.test(call.callee)) return null;
    return legacyPasswordCandidate(pw, found[0]!);
  }
  if (first || !REDIS_CALLEE.test(call.callee)) return null;
  const around = nearbyLines(ctx, 4);
  const host = soleHostInText(around);
  if (!host) return null;
  const servers = Array.from(
    around.matchAll(/"([^"\n]{1,200})"|'([^'\n]{1,200})'/g),
    (m) => m[1] ?? m[2]!,
  );
  if (servers.some((l) => SERVER_LITERAL.test(l) && !HOST_LITERAL.test(l))) return null;
  return legacyPasswordCandidate(pw, host);
}

/**
 * A legacy database's TCP password (32 lowercase hex) outside a URL: recognised by its shape and
 * its host, never by entropy (one random 32-hex value in five has "low" entropy). Under a
 * password name (`UPSTASH_REDIS_PASSWORD=…`, `password:` in an ioredis config) or a Redis/Upstash
 * token name (`UPSTASH_REDIS_REST_TOKEN=<32 hex>`, `redisToken`, `token:` next to the URL), with an
 * Upstash database host within 4 lines (or the only one in the file, for an Upstash Redis name) and
 * no other host named there. Also with no name before it: passed to a setter (`.auth(`,
 * `.withPassword(`, `->auth(`), or as a positional argument of a call that names the database
 * (`new JedisPool(cfg, "<host>", 6379, 2000, "<pw>")`, or first in a connecting call,
 * `newRedisClient("<pw>", "<host>:<port>")`, see positionalCandidate).
 * In Terraform's JSON, the host is another output's value or the state instance's `endpoint`
 * (terraform-json.ts).
 * A Fly database's host (`fly-<app>.upstash.io`) carries no number: its password is reported at
 * medium, with the identity of its `redis://default:<pw>@<host>` URL.
 * With the host, the identity is that of the legacy REST token or URL carrying the same password,
 * so the pipeline merges them into one finding with an endpoint. (A current database's password is
 * its REST token: the token detector already finds it under any name.)
 */
export const redisPasswordDetector = {
  id: 'upstash-redis-password',
  type: 'upstash-redis-url',
  title: 'Upstash Redis TCP password',
  // A host, or an Upstash Redis name (a hostless password still merges with its URL elsewhere).
  keywords: ['upstash.io', 'vercel-storage', 'UPSTASH_REDIS', 'KV_REST'],
  // 32 hex assigned to a name with a password/token word (or a k8s `value:`), or any value under
  // a plain Redis credential name (see `namedValue`). Name-first: a bare hex pattern is tried at
  // every hex character of every file that mentions Upstash Redis, which costs more than the rest
  // of the scan of such a file. `(?!\w)` ends the name where its word ends: every way to write
  // an assignment starts with a non-word character, so a shorter name cannot match, and without
  // it each `token`/`value` of a minified bundle was retried at 40 lengths with every form.
  // The setter and positional forms start at `.`, `->`, `,` and `(`: cheap to try, and a
  // positional match is dropped before the call is read unless a database host is within reach.
  pattern: new RegExp(
    String.raw`(?:(?:[Pp]ass|PASS|[Pp]wd|PWD|[Tt]oken|TOKEN|[Vv]alue)\w{0,40}(?!\w)${AFTER_NAME}|${SETTER}|${POSITIONAL}|${FIRST_ARGUMENT}|${COLON_LIST})([0-9a-f]{32})(?![0-9A-Za-z_-])` +
      String.raw`|(?<![A-Za-z0-9_])(?<name>[Rr]edis(?:Rest)?(?:Token|Password)|REDIS_(?:REST_)?(?:TOKEN|PASSWORD))${AFTER_NAME}(?<value>[A-Za-z0-9_\-+/=.]{16,300})`,
    'g',
  ),
  validate(m, ctx): Candidate | null {
    const pw = m[1] ?? m.groups!.value!;
    if (!/^[0-9a-f]{32}$/.test(pw)) return namedValue(m.groups!.name!, pw, ctx);
    if (m[0].startsWith(',') || m[0].startsWith('('))
      return positionalCandidate(pw, ctx, m[0].startsWith('('));
    // A setter's argument (or redis-commander's host list) has no name before it: it is a
    // password by the method (or the list's layout).
    const key = /^(?:\.|->)/.test(m[0]) ? 'password' : (assignedName(ctx) ?? '');
    const output = /^value$/i.test(key) ? terraformOutputName(ctx) : undefined;
    if (output) return outputPasswordCandidate(pw, output, ctx);
    return tcpPasswordCandidate(pw, key, ctx);
  },
  examples: {
    positives: () => {
      const t = redisTokenParts({ layout: 'legacy' });
      const host = redisHost(t.dbId, { legacyRegion: 'eu1' });
      return [
        `UPSTASH_REDIS_HOST=${host}\nUPSTASH_REDIS_PORT=${t.dbId}\nUPSTASH_REDIS_PASSWORD=${t.password!}`,
        `const redis = new Redis({\n  host: "${host}",\n  port: ${t.dbId},\n  password: "${t.password!}",\n  tls: {},\n});`,
        `UPSTASH_REDIS_PASSWORD="${t.password!}"`,
        // A password whose name shares its subject with the host's.
        `DB_HOST=${host}\nDB_PORT=${t.dbId}\nDB_PASSWORD=${t.password!}`,
        // The legacy password under a token name, next to its REST URL.
        `UPSTASH_REDIS_REST_URL=https://${host}\nUPSTASH_REDIS_REST_TOKEN=${t.password!}`,
        `const redis = new Redis({ url: "https://${host}", token: "${t.password!}" });`,
        `redisRestUrl: https://${host}\nredisRestToken: ${t.password!}`,
        // A value of no known layout under a plain Redis password name next to the host.
        `REDIS_HOST=${host}\nREDIS_PASSWORD=${unknownFormatSecret()}`,
        // No name before the value: a positional argument beside its host, or of a Redis client
        // whose host is a constant above; setters of the Jedis builder and of PHP clients.
        `JedisPool pool = new JedisPool(poolConfig, "${host}", ${t.dbId}, 2000, "${t.password!}", true);`,
        `static final String HOST = "${host}";\nJedisPool pool = new JedisPool(cfg, HOST, ${t.dbId}, 2000, "${t.password!}", true);`,
        `r = redis.StrictRedis("${host}", ${t.dbId}, 0, "${t.password!}")`,
        `$redis->connect('${host}', ${t.dbId});\n$redis->auth('${t.password!}');`,
        `cfg = DefaultJedisClientConfig.builder().ssl(true).password("${t.password!}").build();\njedis = new Jedis(new HostAndPort("${host}", ${t.dbId}), cfg);`,
        // The first argument of a connecting call that names the database; Lettuce's char[].
        `pool := newRedisPool("${t.password!}", "${host}:${t.dbId}")`,
        `RedisURI uri = RedisURI.Builder.redis("${host}", ${t.dbId})\n    .withAuthentication("default", "${t.password!}".toCharArray())\n    .build();`,
        // Terraform: `terraform output -json`, and a state's instance attributes.
        JSON.stringify(
          {
            redis_endpoint: { sensitive: false, type: 'string', value: host },
            redis_password: { sensitive: true, type: 'string', value: t.password! },
          },
          null,
          2,
        ),
        JSON.stringify(
          {
            resources: [
              {
                type: 'upstash_redis_database',
                instances: [
                  {
                    attributes: {
                      endpoint: host,
                      eviction: false,
                      id: 'a1',
                      ip_allowlist: [],
                      multizone: false,
                      password: t.password!,
                    },
                  },
                ],
              },
            ],
          },
          null,
          2,
        ),
        // A Fly database (`fly-<app>.upstash.io`, no database number) with its host apart.
        `REDIS_HOST=fly-my-app-redis.upstash.io\nREDIS_PORT=6379\nREDIS_PASSWORD=${t.password!}`,
      ];
    },
    negatives: [
      `REDIS_PASSWORD=${OTHER_SERVER_HEX}\nREDIS_HOST=redis.example.com`,
      `host: fancy-cat-12345.upstash.io\ncommit: ${OTHER_SERVER_HEX}`,
      'UPSTASH_REDIS_PASSWORD=00000000000000000000000000000000',
      `UPSTASH_REDIS_REST_URL=https://fancy-cat-12345.upstash.io\nREDIS_HOST=localhost\nREDIS_PASSWORD=${OTHER_SERVER_HEX}`,
      // Another service's 32-hex token in the same .env as an Upstash URL.
      `UPSTASH_REDIS_REST_URL=https://fancy-cat-12345.upstash.io\nMIXPANEL_TOKEN=${OTHER_SERVER_HEX}`,
      // Another service's password in the same .env as an Upstash URL, also serialised into one
      // JSON string (its lines are `\n` escapes).
      `UPSTASH_REDIS_REST_URL=https://fancy-cat-12345.upstash.io\nPOSTGRES_PASSWORD=${OTHER_SERVER_HEX}`,
      `{"env": "UPSTASH_REDIS_REST_URL=https://fancy-cat-12345.upstash.io\\nPOSTGRES_PASSWORD=${OTHER_SERVER_HEX}"}`,
      // Positional 32 hex not tied to the database: a local server's pool, a command's argument
      // below the Upstash client, an array.
      `// prod: fancy-cat-12345.upstash.io\nJedisPool pool = new JedisPool(config, "localhost", 6379, 2000, "${OTHER_SERVER_HEX}");`,
      `const redis = new Redis("rediss://fancy-cat-12345.upstash.io:6379");\nawait redis.set("avatar:42", "${OTHER_SERVER_HEX}");`,
      `const rows = ["fancy-cat-12345.upstash.io", "${OTHER_SERVER_HEX}"];`,
      // A hash as the first argument of a call that is no connection's, beside a database URL.
      `urls.put("${OTHER_SERVER_HEX}", "https://fancy-cat-12345.upstash.io");`,
      // A Terraform output that is no password, beside the database's endpoint.
      `{"bundle_md5": {"sensitive": false, "type": "string", "value": "${OTHER_SERVER_HEX}"},\n "redis_endpoint": {"sensitive": false, "type": "string", "value": "fancy-cat-12345.upstash.io"}}`,
      // Another service's password beside a Fly database's host.
      `REDIS_HOST=fly-my-app-redis.upstash.io\nPOSTGRES_PASSWORD=${OTHER_SERVER_HEX}`,
    ],
  },
} satisfies Detector;
