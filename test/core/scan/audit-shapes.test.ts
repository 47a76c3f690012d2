/**
 * Shapes from an audit of public repositories' full histories (Upstash's own SDK, docs and example
 * repositories, and apps that use Upstash): each excerpt's syntax kept as written, every value
 * synthetic, built at run time.
 *
 * - Legacy-layout tokens with flag 0x00 hold Redis databases too (upstash/examples: five
 *   databases, in `new Redis({ url, token })`, `?_token=` and `Bearer` calls to a database's REST
 *   URL); they were all typed as Vector tokens, with no endpoint.
 * - A Kafka client's 32-hex password (older clusters) above a Redis client was reported as the
 *   TCP password of the database named below it.
 */
import type { CredentialType } from '../../../src/core/index.js';
import { scanPlaced } from '../../helpers/containers.js';
import {
  expectLeaksFound,
  expectNoFindings,
  type WildLeak,
  type WildNotLeak,
} from '../../helpers/wild-cases.js';
import {
  hex32Secret,
  kafkaCredentials,
  redisHost,
  redisTokenParts,
  vectorEndpoint,
} from '../../helpers/synthetic.js';

const TOKEN: CredentialType = 'upstash-redis-token';
const KAFKA: CredentialType = 'upstash-kafka-credentials';

const flag0 = redisTokenParts({ layout: 'legacy', legacyFlag: 0, seed: 'audit-flag0' });
const flag0Ro = redisTokenParts({
  layout: 'legacy',
  legacyFlag: 0,
  readOnly: true,
  seed: 'audit-flag0-ro',
});
const host = redisHost(flag0.dbId, { legacyRegion: 'us1', seed: 'audit-host' });
const roHost = redisHost(flag0Ro.dbId, { legacyRegion: 'us1', seed: 'audit-ro-host' });
const kafka = kafkaCredentials({ seed: 'audit-kafka' });
const kafkaHex = hex32Secret({ seed: 'audit-kafka-hex' });
const otherDb = redisTokenParts({ layout: 'legacy', legacyFlag: 0, seed: 'audit-other-db' });
const otherHost = redisHost(otherDb.dbId, { seed: 'audit-other-host' });

const LEAKS: WildLeak[] = [
  [
    'flag-0 legacy token in an @upstash/redis client',
    'app/components/context/UserStateContext.tsx',
    `const redis = new Redis({\n  url: "https://${host}",\n  token:\n    "${flag0.token}",\n});\n`,
    TOKEN,
    flag0.token,
  ],
  [
    'flag-0 legacy token in a plain script calling the REST API',
    'script.js',
    `const token = "${flag0.token}";\n\nasync function load() {\n  const r = await fetch(\`https://${host}/lrange/todo/0/100?_token=\${token}\`);\n}\n`,
    TOKEN,
    flag0.token,
  ],
  [
    'flag-0 legacy read-only token as a Bearer header',
    'App.js',
    `    await fetch(\`https://${roHost}/get/\${code}\`, {\n      headers: {\n        Authorization:\n          "Bearer ${flag0Ro.token}",\n      },\n    })\n`,
    TOKEN,
    flag0Ro.token,
  ],
  [
    'flag-0 legacy token in a .env beside a Kafka URL',
    'client/.env.local',
    `UPSTASH_REDIS_REST_URL = "https://${host}"\nUPSTASH_REDIS_REST_TOKEN = "${flag0.token}"\nUPSTASH_KAFKA_REST_URL = "${kafka.url}"\n`,
    TOKEN,
    'UPSTASH_REDIS_REST_TOKEN',
  ],
  [
    'flag-0 legacy token under a Vector name stays a Vector token',
    '.env',
    `UPSTASH_VECTOR_REST_URL=${vectorEndpoint('adapted-octopus-15379-us1')}\nUPSTASH_VECTOR_REST_TOKEN=${flag0.token}\n`,
    'upstash-vector-token',
    'VECTOR_REST_TOKEN',
  ],
  [
    'Kafka client with a 32-hex password above a Redis client',
    'server/api/server.js',
    `var kafka = new kafka_1.Kafka({\n    url: "${kafka.url}",\n    username: "${kafka.username}",\n    password: "${kafkaHex}",\n});\n// const redis = Redis.fromEnv();\nvar redis = new redis_1.Redis({\n    url: "https://${otherHost}",\n    token: "${otherDb.token}",\n});\n`,
    KAFKA,
    kafkaHex,
  ],
  [
    "a Redis password below a Vector URL in a .env is still Redis's",
    '.env',
    `UPSTASH_VECTOR_REST_URL=${vectorEndpoint('adapted-octopus-15379-us1')}\nREDIS_PASSWORD=${flag0.password!}\nREDIS_HOST=${host}\n`,
    'upstash-redis-url',
    'REDIS_PASSWORD',
  ],
  [
    'a redis-cli password below a Kafka URL, its database on its own line',
    'README.md',
    `UPSTASH_KAFKA_REST_URL=${kafka.url}\n\n    redis-cli --tls -a ${flag0.password!} -h ${host} -p ${flag0.dbId}\n`,
    'upstash-redis-url',
    'redis-cli',
  ],
  [
    '32-hex Kafka password under its env name',
    '.env',
    `UPSTASH_KAFKA_REST_URL=${kafka.url}\nUPSTASH_KAFKA_REST_PASSWORD=${kafkaHex}\n`,
    KAFKA,
    'REST_PASSWORD',
  ],
  [
    'a Developer-API response with a password that is no docs example',
    'notes.md',
    `{\n  "port": ${flag0.dbId},\n  "password": "${flag0.password!}",\n  "endpoint": "${host}",\n  "tls": true\n}\n`,
    'upstash-redis-url',
    flag0.password!,
  ],
];

const NOT_LEAKS: WildNotLeak[] = [
  [
    'a cut flag-0 legacy token',
    'src/index.js',
    `const redis = new Redis({\n  url: "https://${host}",\n  token: "${flag0.token.slice(0, 52)}",\n});\n`,
  ],
  [
    '32 hex under a bare password name with no Kafka endpoint above and no database host',
    'config.js',
    `module.exports = {\n  username: "admin",\n  password: "${kafkaHex}",\n};\n`,
  ],
];

describe('audit: shapes read from public histories are found with their type', () => {
  expectLeaksFound(LEAKS);
});

describe('audit: their cut or unowned lookalikes are not', () => {
  expectNoFindings(NOT_LEAKS);
});

describe('audit: what each finding says', () => {
  it('a flag-0 legacy Redis token gets its endpoint and merges with its URL', () => {
    const text = `const redis = new Redis({\n  url: "https://${host}",\n  token: "${flag0.token}",\n});\nconst client = new IORedis("rediss://:${flag0.password!}@${host}:${flag0.dbId}");\n`;
    const findings = scanPlaced({ path: 'app.js', text, line: 1 });
    expect(findings.map((f) => [f.type, f.endpoint])).toEqual([[TOKEN, `https://${host}`]]);
  });

  it("a Kafka client's password is not the password of the database named below it", () => {
    const text = LEAKS.find((c) => c[0].startsWith('Kafka client'))![2];
    const findings = scanPlaced({ path: 'server.js', text, line: 1 });
    const kafkaFinding = findings.find((f) => f.type === KAFKA)!;
    expect(kafkaFinding.endpoint).toBe(kafka.url);
    // The Redis client's own token is found; no finding pairs the Kafka password with its host.
    expect(findings.filter((f) => f.type !== KAFKA).map((f) => f.type)).toEqual([TOKEN]);
    expect(findings.filter((f) => f.masked.startsWith(kafkaHex.slice(0, 4))).length).toBe(1);
  });
});
