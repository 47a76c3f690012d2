/**
 * How people actually commit Upstash credentials, one synthetic file per shape (read from public
 * repositories in many languages and formats; every value is generated at run time). Shared by
 * the scanText-level test and the tree / range / history engine test, and listed in
 * docs/detectors.md ("Shapes in the wild").
 */
import type { Finding } from '../../src/core/index.js';
import {
  qstashToken,
  unknownFormatSecret,
  redisHost,
  redisTokenParts,
  redisUrl,
  type RedisTokenOptions,
  type RedisTokenParts,
} from './synthetic.js';

export interface ShapeExpectation {
  /** Findings the file must give (0: it must stay silent). */
  findings: number;
  /** Every finding has the endpoint of its database. */
  endpoint?: boolean;
  exposure?: 'browser' | 'server';
  severity?: string;
  confidence?: string;
  /** 1-based line of each finding's first occurrence, sorted. */
  lines?: number[];
}

export interface Shape {
  name: string;
  path: string;
  text: string;
  /** The raw secrets in the file: no output may contain them. */
  secrets: string[];
  expect: ShapeExpectation;
}

/**
 * Builds every shape with distinct database ids (so endpoints never pair across shapes when the
 * engine scans them together) from a seed.
 */
export function buildShapes(seed = 'shapes'): Shape[] {
  let next = 20_000;
  let n = 0;
  const tok = (o: RedisTokenOptions = {}): RedisTokenParts =>
    redisTokenParts({ dbId: next++ * 2, seed: `${seed}-${n++}`, ...o });
  const host = (t: RedisTokenParts, o: { legacyRegion?: string } = {}): string =>
    redisHost(t.dbId, { seed: `${seed}-host-${t.dbId}`, ...o });
  const shapes: Shape[] = [];
  /** `make` gets a fresh token and its host; a plain string result holds that token only. */
  const add = (
    name: string,
    path: string,
    make: (t: RedisTokenParts, h: string) => string | { text: string; secrets: string[] },
    expect: ShapeExpectation,
    token: RedisTokenOptions = {},
  ): void => {
    const t = tok(token);
    const made = make(t, host(t, token.layout === 'legacy' ? { legacyRegion: 'eu1' } : {}));
    shapes.push({
      name,
      path,
      expect,
      ...(typeof made === 'string' ? { text: made, secrets: [t.token] } : made),
    });
  };
  /** Ciphertext-looking bytes (deterministic, not random: no flaky fallback hits). */
  const cipher = (n: number): string =>
    Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + 13) % 256)).toString('base64');
  const paired = { findings: 1, endpoint: true, exposure: 'server', severity: 'high' } as const;

  // SDK constructors and client options: the token on the same line or in the same object as
  // the host, with or without a scheme.
  add(
    'TS @upstash/redis constructor',
    'src/lib/redis.ts',
    (t, h) =>
      `import { Redis } from '@upstash/redis';\n\nexport const redis = new Redis({\n  url: 'https://${h}',\n  token: '${t.token}',\n});\n`,
    { ...paired, lines: [5] },
  );
  add(
    'Python upstash_redis constructor',
    'app/cache.py',
    (t, h) =>
      `from upstash_redis import Redis\n\nredis = Redis(url="https://${h}", token="${t.token}")\n`,
    { ...paired, lines: [3] },
  );
  add(
    'redis-py host= keyword arguments',
    'worker/tasks.py',
    (t, h) =>
      `import redis\n\nr = redis.Redis(host='${h}', port=6379, password='${t.token}', ssl=True)\n`,
    { ...paired, lines: [3] },
  );
  add(
    'Python module constants (host, port, password)',
    'settings.py',
    (t, h) =>
      `REDIS_HOST = '${h}'\nREDIS_PORT = 6379\nREDIS_PASSWORD = '${t.token}'\n\ndb = redis.StrictRedis(host=REDIS_HOST, port=REDIS_PORT, password=REDIS_PASSWORD, ssl=True)\n`,
    { ...paired, lines: [3] },
  );
  add(
    'ioredis options object',
    'src/queue.js',
    (t, h) =>
      `const connection = new IORedis({\n  host: "${h}",\n  port: 6379,\n  password: "${t.token}",\n  tls: {},\n  maxRetriesPerRequest: null,\n});\n`,
    { ...paired, lines: [4] },
  );
  add(
    'Go go-redis Options{Addr, Password}',
    'internal/cache/cache.go',
    (t, h) =>
      `rdb := redis.NewClient(&redis.Options{\n\tAddr:      "${h}:6379",\n\tPassword:  "${t.token}",\n\tTLSConfig: &tls.Config{MinVersion: tls.VersionTLS12},\n})\n`,
    { ...paired, lines: [3] },
  );
  add(
    'Rust redis::Client::open URL',
    'src/main.rs',
    (t, h) => `let client = redis::Client::open("${redisUrl({ password: t.token, host: h })}")?;\n`,
    { ...paired, lines: [1] },
  );
  add(
    'Java Jedis host + auth()',
    'src/main/java/App.java',
    (t, h) => `Jedis jedis = new Jedis("${h}", 6379, true);\njedis.auth("${t.token}");\n`,
    { ...paired, lines: [2] },
  );
  add(
    'Java Lettuce RedisURI builder',
    'src/main/java/Cache.java',
    (t, h) =>
      `RedisURI uri = RedisURI.builder()\n    .withHost("${h}")\n    .withPort(6379)\n    .withSsl(true)\n    .withPassword("${t.token}".toCharArray())\n    .build();\n`,
    { ...paired, lines: [5] },
  );
  // A legacy database's 32-hex password with no name before it: positional constructor
  // arguments beside the host, the host in a constant above, PHP and Go setters.
  const legacyPassword = (t: RedisTokenParts, text: string) => ({ text, secrets: [t.password!] });
  add(
    'Java JedisPool positional password (legacy)',
    'src/main/java/Pool.java',
    (t, h) =>
      legacyPassword(
        t,
        `JedisPool pool = new JedisPool(\n    new JedisPoolConfig(),\n    "${h}",\n    ${t.dbId},\n    Protocol.DEFAULT_TIMEOUT,\n    "${t.password!}",\n    true);\n`,
      ),
    { ...paired, lines: [6] },
    { layout: 'legacy' },
  );
  add(
    'Java JedisPool, host in a constant (legacy)',
    'src/main/java/RedisConfig.java',
    (t, h) =>
      legacyPassword(
        t,
        `private static final String HOST = "${h}";\nprivate static final int PORT = ${t.dbId};\n\npublic JedisPool pool() {\n  return new JedisPool(new JedisPoolConfig(), HOST, PORT, 2000, "${t.password!}", true);\n}\n`,
      ),
    { ...paired, lines: [5] },
    { layout: 'legacy' },
  );
  add(
    'redis-py positional StrictRedis (legacy)',
    'cache/client.py',
    (t, h) =>
      legacyPassword(
        t,
        `r = redis.StrictRedis("${h}", ${t.dbId}, 0, "${t.password!}", ssl=True)\n`,
      ),
    { ...paired, lines: [1] },
    { layout: 'legacy' },
  );
  add(
    'PHP phpredis connect + auth (legacy)',
    'src/Cache.php',
    (t, h) =>
      legacyPassword(
        t,
        `<?php\n$redis = new Redis();\n$redis->connect('tls://${h}', ${t.dbId});\n$redis->auth('${t.password!}');\n`,
      ),
    { ...paired, lines: [4] },
    { layout: 'legacy' },
  );
  add(
    'Go redigo DialPassword (legacy)',
    'internal/cache/pool.go',
    (t, h) =>
      legacyPassword(
        t,
        `c, err := redis.Dial("tcp", "${h}:${t.dbId}",\n\tredis.DialPassword("${t.password!}"),\n\tredis.DialUseTLS(true))\n`,
      ),
    { ...paired, lines: [2] },
    { layout: 'legacy' },
  );
  add(
    '.NET StackExchange.Redis connection string',
    'Program.cs',
    (t, h) =>
      `var mux = ConnectionMultiplexer.Connect("${h}:6379,password=${t.token},ssl=True,abortConnect=False");\n`,
    { ...paired, lines: [1] },
  );
  add(
    '.NET appsettings.json connection string',
    'appsettings.json',
    (t, h) =>
      `{\n  "ConnectionStrings": {\n    "Redis": "${h}:6379,password=${t.token},ssl=True"\n  }\n}\n`,
    { ...paired, lines: [3] },
  );
  add(
    'PHP Predis array',
    'config/database.php',
    (t, h) =>
      `<?php\nreturn [\n  'redis' => [\n    'scheme' => 'tls',\n    'host' => '${h}',\n    'password' => '${t.token}',\n    'port' => 6379,\n  ],\n];\n`,
    { ...paired, lines: [6] },
  );
  add(
    'Ruby Upstash::Redis.new',
    'config/initializers/redis.rb',
    (t, h) => `REDIS = Upstash::Redis.new(url: "https://${h}", token: "${t.token}")\n`,
    { ...paired, lines: [1] },
  );
  add(
    'Elixir Redix keyword list',
    'config/runtime.exs',
    (t, h) =>
      `config :app, :redix,\n  host: "${h}",\n  port: 6379,\n  password: "${t.token}",\n  ssl: true\n`,
    { ...paired, lines: [4] },
  );
  add(
    'camelCase config names',
    'src/config.ts',
    (t, h) =>
      `export const config = {\n  upstashRedisRestUrl: "https://${h}",\n  upstashRedisRestToken: "${t.token}",\n};\n`,
    { ...paired, lines: [3] },
  );

  // Command lines, requests, collections.
  add(
    'curl with a Bearer header',
    'scripts/flush.sh',
    (t, h) =>
      `#!/bin/sh\ncurl -X POST https://${h}/flushall \\\n  -H "Authorization: Bearer ${t.token}"\n`,
    { ...paired, lines: [3] },
  );
  add(
    'curl with ?_token=',
    'scripts/get.sh',
    (t, h) => `curl "https://${h}/get/foo?_token=${t.token}"\n`,
    { ...paired, lines: [1] },
  );
  add(
    'redis-cli -h -a',
    'Makefile',
    (t, h) => `cli:\n\tredis-cli --tls -h ${h} -p 6379 -a ${t.token}\n`,
    { ...paired, lines: [2] },
  );
  add(
    '.http request file',
    'requests/redis.http',
    (t, h) => `### ping\nGET https://${h}/ping\nAuthorization: Bearer ${t.token}\n`,
    { ...paired, lines: [3] },
  );
  add(
    'Postman collection',
    'postman/upstash.postman_collection.json',
    (t, h) => {
      const collection = {
        info: { name: 'upstash' },
        item: [
          {
            name: 'get',
            request: {
              auth: { type: 'bearer', bearer: [{ key: 'token', value: t.token, type: 'string' }] },
              method: 'GET',
              url: { raw: `https://${h}/get/k`, protocol: 'https', host: h.split('.') },
            },
          },
        ],
      };
      return JSON.stringify(collection, null, 2) + '\n';
    },
    { ...paired },
  );
  add(
    'HAR capture',
    'debug/session.har',
    (t, h) => {
      const har = {
        log: {
          entries: [
            {
              request: {
                method: 'POST',
                url: `https://${h}/`,
                headers: [
                  { name: 'Authorization', value: `Bearer ${t.token}` },
                  { name: 'Content-Type', value: 'application/json' },
                ],
              },
            },
          ],
        },
      };
      return JSON.stringify(har, null, 2) + '\n';
    },
    { ...paired },
  );

  // Data formats.
  add(
    'Jupyter notebook source and %env',
    'notebooks/explore.ipynb',
    (t, h) => {
      const nb = {
        cells: [
          {
            cell_type: 'code',
            source: [
              `%env UPSTASH_REDIS_REST_URL=https://${h}\n`,
              `%env UPSTASH_REDIS_REST_TOKEN=${t.token}\n`,
            ],
            outputs: [
              { output_type: 'stream', text: [`env: UPSTASH_REDIS_REST_TOKEN=${t.token}\n`] },
            ],
          },
        ],
        metadata: {},
        nbformat: 4,
      };
      return JSON.stringify(nb, null, 1) + '\n';
    },
    { ...paired },
  );
  add(
    'Jupyter notebook constructor with escaped quotes',
    'notebooks/cache.ipynb',
    (t, h) => {
      const nb = {
        cells: [
          {
            cell_type: 'code',
            source: [
              'from upstash_redis import Redis\n',
              `redis = Redis(url="https://${h}", token="${t.token}")\n`,
            ],
          },
        ],
      };
      return JSON.stringify(nb, null, 1) + '\n';
    },
    { ...paired },
  );
  add(
    'JSON string holding a whole .env (escaped newlines)',
    'deploy/vercel-env.json',
    (t, h) => {
      const env = `UPSTASH_REDIS_REST_URL=https://${h}\n${t.token}\n`;
      return JSON.stringify({ dotenv: env }) + '\n';
    },
    { ...paired, lines: [1] },
  );
  add(
    'Terraform state (current): password = rest_token, plus the read-only token',
    'infra/terraform.tfstate',
    (t, h) => {
      const ro = redisTokenParts({ readOnly: true, dbId: t.dbId, seed: `${seed}-ro` });
      const state = {
        version: 4,
        resources: [
          {
            mode: 'managed',
            type: 'upstash_redis_database',
            name: 'cache',
            instances: [
              {
                attributes: {
                  database_name: 'cache',
                  endpoint: h,
                  eviction: false,
                  id: 'a1',
                  password: t.token,
                  port: 6379,
                  read_only_rest_token: ro.token,
                  rest_token: t.token,
                  tls: true,
                },
              },
            ],
          },
        ],
      };
      return { text: JSON.stringify(state, null, 2) + '\n', secrets: [t.token, ro.token] };
    },
    { findings: 2, endpoint: true, exposure: 'server' },
  );
  add(
    'Terraform state (legacy): 32-hex password inside the rest_token',
    'infra/legacy.tfstate',
    (t, h) => {
      const state = {
        resources: [
          {
            type: 'upstash_redis_database',
            instances: [
              {
                attributes: {
                  endpoint: h,
                  password: t.password,
                  port: t.dbId,
                  rest_token: t.token,
                },
              },
            ],
          },
        ],
      };
      return { text: JSON.stringify(state, null, 2) + '\n', secrets: [t.token, t.password!] };
    },
    { ...paired },
    { layout: 'legacy' },
  );
  add(
    'Helm values',
    'charts/app/values.yaml',
    (t, h) => `upstash:\n  url: https://${h}\n  token: ${t.token}\n`,
    { ...paired, lines: [3] },
  );
  add(
    'Kubernetes Secret data (base64)',
    'k8s/redis-secret.yaml',
    (t, h) => {
      const b64 = (s: string): string => Buffer.from(s).toString('base64');
      return {
        text: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: redis\ndata:\n  UPSTASH_REDIS_REST_URL: ${b64(`https://${h}`)}\n  UPSTASH_REDIS_REST_TOKEN: ${b64(t.token)}\n`,
        secrets: [t.token, b64(t.token)],
      };
    },
    { ...paired, lines: [7] },
  );
  add(
    'Dockerfile ENV',
    'Dockerfile',
    (t, h) =>
      `FROM node:20\nENV UPSTASH_REDIS_REST_URL=https://${h}\nENV UPSTASH_REDIS_REST_TOKEN=${t.token}\n`,
    { ...paired, lines: [3] },
  );
  add(
    'SQL INSERT dump',
    'db/seed.sql',
    (t, h) =>
      `INSERT INTO settings (key, value) VALUES ('redis_url', 'https://${h}'), ('redis_token', '${t.token}');\n`,
    { ...paired, lines: [1] },
  );
  add(
    'log line with a connection URL',
    'logs/app.log',
    (t, h) =>
      `2026-01-02T03:04:05Z INFO cache: connecting to ${redisUrl({ password: t.token, host: h })}\n2026-01-02T03:04:05Z INFO cache: ready\n`,
    { ...paired, lines: [1] },
  );
  add(
    'CRLF .env',
    'win/.env',
    (t, h) =>
      `# windows\r\nUPSTASH_REDIS_REST_URL=https://${h}\r\nUPSTASH_REDIS_REST_TOKEN=${t.token}\r\n`,
    { ...paired, lines: [3] },
  );

  // Browser exposure: static web files, components, build output, config inlined into bundles.
  const critical = { findings: 1, exposure: 'browser', severity: 'critical' } as const;
  add(
    'public/index.html inline script',
    'public/index.html',
    (t, h) =>
      `<!doctype html>\n<html>\n<script type="module">\n  const redis = new Redis({ url: "https://${h}", token: "${t.token}" });\n</script>\n</html>\n`,
    { ...critical, endpoint: true, lines: [4] },
  );
  add(
    'rediss:// URL in HTML markup',
    'site/status.html',
    (t, h) => `<div data-redis="${redisUrl({ password: t.token, host: h })}"></div>\n`,
    { ...critical, endpoint: true },
  );
  add(
    'static/ folder script',
    'apps/web/static/config.js',
    (t) => `window.CFG = { token: "${t.token}" };\n`,
    critical,
  );
  add(
    'public/ folder .env served as is',
    'public/.env',
    (t) => `UPSTASH_REDIS_REST_TOKEN=${t.token}\n`,
    critical,
  );
  add(
    'Vue single-file component',
    'src/components/Counter.vue',
    (t, h) =>
      `<script setup>\nconst redis = new Redis({ url: "https://${h}", token: "${t.token}" })\n</script>\n<template><p>hi</p></template>\n`,
    { ...critical, endpoint: true },
  );
  add(
    'Svelte component',
    'src/routes/+page.svelte',
    (t) => `<script>\n  const token = "${t.token}";\n</script>\n`,
    critical,
  );
  add(
    'Astro client <script>',
    'src/pages/index.astro',
    (t) =>
      `---\nconst title = "home";\n---\n<h1>{title}</h1>\n<script>\n  const token = "${t.token}";\n</script>\n`,
    critical,
  );
  add(
    'hashed bundle in dist/',
    'dist/index-4f3a9c2e.js',
    (t) => `var e={token:"${t.token}"};export{e as c};\n`,
    critical,
  );
  add(
    'vite.config define',
    'vite.config.ts',
    (t) =>
      `export default defineConfig({\n  define: {\n    __REDIS_TOKEN__: JSON.stringify("${t.token}"),\n  },\n});\n`,
    critical,
  );
  add(
    'Expo app.json extra',
    'mobile/app.json',
    (t) =>
      `{\n  "expo": {\n    "name": "app",\n    "extra": {\n      "upstashToken": "${t.token}"\n    }\n  }\n}\n`,
    critical,
  );
  add(
    'nuxt.config runtimeConfig.public',
    'nuxt.config.ts',
    (t) =>
      `export default defineNuxtConfig({\n  runtimeConfig: {\n    public: {\n      redisToken: '${t.token}',\n    },\n  },\n});\n`,
    critical,
  );

  // Server-side neighbours of those: must stay "server".
  const server = { findings: 1, exposure: 'server', severity: 'high' } as const;
  add(
    'Astro frontmatter (server only)',
    'src/pages/api.astro',
    (t, h) =>
      `---\nconst redis = new Redis({ url: "https://${h}", token: "${t.token}" });\n---\n<p>ok</p>\n`,
    { ...server, endpoint: true },
  );
  add(
    'Laravel public/index.php (executed, not served)',
    'public/index.php',
    (t) => `<?php\n$token = '${t.token}';\n`,
    server,
  );
  add(
    'a code module named public',
    'src/routes/public/handler.js',
    (t) => `export const token = "${t.token}";\n`,
    server,
  );
  add(
    'server build output',
    'dist/server/entry-4f3a9c2e.js',
    (t) => `const token="${t.token}";\n`,
    server,
  );
  add(
    'nuxt.config private runtimeConfig',
    'apps/shop/nuxt.config.ts',
    (t) =>
      `export default defineNuxtConfig({\n  runtimeConfig: {\n    redisToken: '${t.token}',\n    public: { apiBase: '/api' },\n  },\n});\n`,
    server,
  );

  // Documentation.
  add(
    'docs: a real token under an example heading (lowered, kept)',
    'docs/setup.md',
    (t, h) =>
      `# Setup\n\n## Example\n\n\`\`\`env\nUPSTASH_REDIS_REST_URL=https://${h}\nUPSTASH_REDIS_REST_TOKEN=${t.token}\n\`\`\`\n`,
    { findings: 1, endpoint: true, confidence: 'medium', severity: 'high', lines: [7] },
  );
  add(
    'docs: a URL password under "Example:" (lowered to low)',
    'README.md',
    (t, h) => {
      const pw = `Zk3p9QmW${t.dbId}xLr2VnT`;
      return {
        text: `# Cache\n\nExample:\n\n\`\`\`\nREDIS_URL=rediss://cacheuser:${pw}@${h}:6379\n\`\`\`\n`,
        secrets: [pw],
      };
    },
    { findings: 1, endpoint: true, confidence: 'low', severity: 'medium' },
  );
  add(
    'docs: a token outside the example section keeps its confidence',
    'docs/deploy.md',
    (t) => `## Examples\n\nSee below.\n\n## Production\n\nUPSTASH_REDIS_REST_TOKEN=${t.token}\n`,
    { findings: 1, confidence: 'high', severity: 'high' },
  );

  add(
    'docs: an unknown-format value under an example heading (made up: no finding)',
    'docs/quickstart.md',
    () => {
      const v = unknownFormatSecret({ seed: `${seed}-docs-unknown` });
      return {
        text: `## Example\n\n\`\`\`bash\nexport UPSTASH_REDIS_REST_TOKEN=${v}\n\`\`\`\n`,
        secrets: [v],
      };
    },
    { findings: 0 },
  );

  // Silent: placeholders, references, other providers, lookalikes.
  const silent = { findings: 0 } as const;
  add(
    'docs placeholders: sequences, dictionary words, repeats, keyboard walks',
    'docs/example.md',
    (t, h) => {
      const pws = (
        'abc123def456 123456789abc abcd1234efgh5678 mypassword123 SuperSecretRedis2024 ' +
        'changeme-please passpasspass abcabcabcabc qwertyuiop12 1qaz2wsx3edc letmein-redis'
      ).split(' ');
      return {
        text: `## Example:\n\n${pws.map((p) => `REDIS_URL=redis://default:${p}@${h}:6379`).join('\n')}\n\nOr: \`rediss://default:abc123def456@${h}:6379\`\n`,
        secrets: [],
      };
    },
    silent,
  );
  add(
    'env references in CI and code',
    '.github/workflows/deploy.yml',
    () => ({
      text: [
        'env:',
        '  UPSTASH_REDIS_REST_TOKEN: ${{ secrets.UPSTASH_REDIS_REST_TOKEN }}',
        '  REDIS_URL: rediss://default:${{ secrets.UPSTASH_REDIS_PASSWORD }}@fancy-cat-31337.upstash.io:6379',
        'steps:',
        '  - run: echo "$UPSTASH_REDIS_REST_TOKEN" && curl -H "Authorization: Bearer $UPSTASH_REDIS_REST_TOKEN" https://fancy-cat-31337.upstash.io/ping',
        '  - run: set UPSTASH_REDIS_REST_TOKEN=%UPSTASH_REDIS_REST_TOKEN%',
        '',
      ].join('\n'),
      secrets: [],
    }),
    silent,
  );
  add(
    'env references in many languages',
    'src/refs.txt',
    () => ({
      text: [
        'const redis = new Redis({ url: process.env.UPSTASH_REDIS_REST_URL!, token: process.env.UPSTASH_REDIS_REST_TOKEN! })',
        'redis = Redis(url=os.environ["UPSTASH_REDIS_REST_URL"], token=os.environ["UPSTASH_REDIS_REST_TOKEN"])',
        'token := os.Getenv("UPSTASH_REDIS_REST_TOKEN")',
        'let token = std::env::var("UPSTASH_REDIS_REST_TOKEN")?;',
        'String token = System.getenv("UPSTASH_REDIS_REST_TOKEN");',
        'var token = Environment.GetEnvironmentVariable("UPSTASH_REDIS_REST_TOKEN");',
        "$token = getenv('UPSTASH_REDIS_REST_TOKEN');",
        "token = ENV.fetch('UPSTASH_REDIS_REST_TOKEN')",
        'UPSTASH_REDIS_REST_TOKEN: {{ .Values.upstash.token }}',
        'const redis = Redis.fromEnv();',
        'url = f"rediss://default:{UPSTASH_REDIS_PASSWORD}@{UPSTASH_REDIS_HOST}:6379"',
        '',
      ].join('\n'),
      secrets: [],
    }),
    silent,
  );
  add(
    "other providers' connection strings",
    'config/other.env',
    () => ({
      text: [
        'REDIS_URL=redis://default:Zk3p9QmW7xLr2VnTq8@redis-13579.c1.us-east-1-2.ec2.cloud.redislabs.com:13579',
        'CACHE=myname.redis.cache.windows.net:6380,password=Q2FjaGVLZXlGb3JBenVyZVJlZGlzMTIzNDU2Nzg5MA==,ssl=True',
        'ELASTICACHE=rediss://:Zk3p9QmW7xLr2VnTq8@my-cache.abc123.use1.cache.amazonaws.com:6379',
        'LOCAL=redis://localhost:6379',
        '',
      ].join('\n'),
      secrets: [],
    }),
    silent,
  );
  add(
    'JWT bearer and QStash-lookalike JWT payload',
    'api/auth.http',
    () => ({
      text: `GET https://example.com/me\nAuthorization: Bearer ${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"UserID":"abc"}').toString('base64url')}.${'s'.repeat(43)}\n`,
      secrets: [],
    }),
    silent,
  );

  // More shapes found in public repositories.
  add(
    'docker-compose shell default ${X:-token}',
    'deploy/docker-compose.yml',
    (t, h) =>
      `services:\n  app:\n    environment:\n      - UPSTASH_REDIS_REST_URL=\${UPSTASH_REDIS_REST_URL:-https://${h}}\n      - UPSTASH_REDIS_REST_TOKEN=\${UPSTASH_REDIS_REST_TOKEN:-${t.token}}\n`,
    { ...paired, lines: [5] },
  );
  add(
    'shell script default ${X-token}',
    'scripts/env.sh',
    (t) => `export TOKEN="\${UPSTASH_TOKEN-${t.token}}"\n`,
    { findings: 1, exposure: 'server', severity: 'high', lines: [1] },
  );
  add(
    'ASP.NET Web.config connection string',
    'Web.config',
    (t, h) =>
      `<connectionStrings>\n  <add name="Redis" connectionString="${h}:6379,password=${t.token},ssl=True,abortConnect=False" />\n</connectionStrings>\n`,
    { ...paired, lines: [2] },
  );
  add(
    'Spring application.properties',
    'src/main/resources/application.properties',
    (t, h) =>
      `spring.data.redis.host=${h}\nspring.data.redis.port=6379\nspring.data.redis.password=${t.token}\nspring.data.redis.ssl.enabled=true\n`,
    { ...paired, lines: [3] },
  );
  add(
    'PowerShell $env: assignment',
    'scripts/dev.ps1',
    (t, h) =>
      `$env:UPSTASH_REDIS_REST_URL = "https://${h}"\n$env:UPSTASH_REDIS_REST_TOKEN = "${t.token}"\n`,
    { ...paired, lines: [2] },
  );
  add(
    'PostgreSQL COPY dump (tab-separated)',
    'db/dump.sql',
    (t, h) =>
      `COPY public.settings (id, key, value) FROM stdin;\n1\tredis_url\thttps://${h}\n2\tredis_token\t${t.token}\n\\.\n`,
    { ...paired, lines: [3] },
  );
  add(
    'HTTP basic URL with the token as password',
    'scripts/ping.txt',
    (t, h) => `curl https://default:${t.token}@${h}/ping\n`,
    { ...paired, lines: [1] },
  );
  add(
    'unknown-format value beside its endpoint',
    'config/next.env',
    () => {
      const v = unknownFormatSecret({ seed: `${seed}-unknown` });
      const h = redisHost(next++ * 2, { seed: `${seed}-unknown-host` });
      return {
        text: `UPSTASH_REDIS_REST_URL=https://${h}\nUPSTASH_REDIS_REST_TOKEN=${v}\n`,
        secrets: [v],
      };
    },
    { findings: 1, endpoint: true, confidence: 'low', severity: 'medium', lines: [2] },
  );
  add(
    'Angular environment file',
    'src/environments/environment.prod.ts',
    (t) => `export const environment = {\n  production: true,\n  upstashToken: '${t.token}',\n};\n`,
    { ...critical, lines: [3] },
  );
  add(
    'source map of a client bundle',
    'dist/index-BXz3kq9a.js.map',
    (t, h) =>
      JSON.stringify({
        version: 3,
        sourcesContent: [
          `const redis = new Redis({\n  url: "https://${h}",\n  token: "${t.token}",\n});\n`,
        ],
      }) + '\n',
    { ...critical, endpoint: true, lines: [1] },
  );

  add(
    'GitLab CI variables with a literal token',
    '.gitlab-ci.yml',
    (t, h) =>
      `variables:\n  UPSTASH_REDIS_REST_URL: "https://${h}"\n  UPSTASH_REDIS_REST_TOKEN: "${t.token}"\ntest:\n  script: npm test\n`,
    { ...paired, lines: [3] },
  );
  add(
    'Travis encrypted secure values and a QStash-signed JWT header',
    '.travis.yml',
    () => ({
      text: [
        'env:',
        '  global:',
        `    - secure: "${Buffer.alloc(256, 0x5a).toString('base64')}"`,
        'script: curl -H "Upstash-Signature: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJVcHN0YXNoIiwic3ViIjoiaHR0cHM6Ly9leGFtcGxlLmNvbSJ9.c2lnbmF0dXJlLW5vdC1hLXNlY3JldC1hdC1hbGw" https://example.com/api',
        '',
      ].join('\n'),
      secrets: [],
    }),
    { findings: 0 },
  );

  add(
    'ANSI-coloured CI log',
    'ci/output.log',
    (t) => `\u001b[32mINFO\u001b[0m token=\u001b[1m${t.token}\u001b[0m\n`,
    { findings: 1, exposure: 'server', severity: 'high', lines: [1] },
  );
  add(
    'ANSI codes in a notebook output and in echo -e',
    'notebooks/colour.ipynb',
    (t, h) =>
      JSON.stringify({
        cells: [
          {
            outputs: [{ text: [`\u001b[32m${t.token}\u001b[0m\n`] }],
            source: [`echo -e "\\033[1m${t.token}\\033[0m"  # https://${h}\n`],
          },
        ],
      }) + '\n',
    { ...paired },
  );
  add(
    'encrypted at rest: SealedSecret encryptedData',
    'k8s/sealed-redis.yaml',
    () => ({
      text: [
        'apiVersion: bitnami.com/v1alpha1',
        'kind: SealedSecret',
        'spec:',
        '  encryptedData:',
        `    UPSTASH_REDIS_REST_TOKEN: ${cipher(180)}`,
        `    UPSTASH_REDIS_REST_URL: ${cipher(120)}`,
        '',
      ].join('\n'),
      secrets: [],
    }),
    { findings: 0 },
  );
  add(
    'encrypted at rest: SOPS, dotenvx, EJSON, ansible-vault',
    'secrets/prod.enc.yaml',
    () => ({
      text: [
        `UPSTASH_REDIS_REST_TOKEN: ENC[AES256_GCM,data:${cipher(60)},iv:${cipher(12)},tag:${cipher(16)},type:str]`,
        `UPSTASH_REDIS_PASSWORD="encrypted:${cipher(90)}"`,
        `QSTASH_TOKEN: "EJ[1:${cipher(32)}:${cipher(24)}:${cipher(48)}]"`,
        'upstash_token: !vault |',
        '  $ANSIBLE_VAULT;1.1;AES256',
        `  ${'3662'.repeat(20)}`,
        'sops:',
        '  version: 3.8.1',
        '',
      ].join('\n'),
      secrets: [],
    }),
    { findings: 0 },
  );

  add(
    'URL-encoded JSON in a HAR postData / query string',
    'debug/form.har',
    (t, h) =>
      JSON.stringify(
        {
          log: {
            entries: [
              {
                request: {
                  url: `https://example.com/save?cfg=${encodeURIComponent(JSON.stringify({ url: `https://${h}`, token: t.token }))}`,
                },
              },
            ],
          },
        },
        null,
        2,
      ) + '\n',
    { ...paired },
  );

  // One credential, many forms: one finding.
  add(
    'token, URL form and QStash token in one .env',
    'config/all.env',
    (t, h) => {
      const q = qstashToken({ seed: `${seed}-q` });
      return {
        text: `UPSTASH_REDIS_REST_URL=https://${h}\nUPSTASH_REDIS_REST_TOKEN=${t.token}\nREDIS_URL=${redisUrl({ password: t.token, host: h })}\nQSTASH_TOKEN=${q}\n`,
        secrets: [t.token, q],
      };
    },
    { findings: 2, lines: [2, 4] },
  );
  return shapes;
}

/** Checks one shape's findings against its expectation; `json` is every output to grep for secrets. */
export function checkShape(shape: Shape, findings: Finding[], json: string): void {
  const e = shape.expect;
  expect(findings).toHaveLength(e.findings);
  for (const f of findings) {
    if (e.endpoint) expect(f.endpoint).toMatch(/^https:\/\/[a-z0-9-]+-\d+\.upstash\.io$/);
    if (e.exposure) expect(f.exposure.kind).toBe(e.exposure);
    if (e.severity) expect(f.severity).toBe(e.severity);
    if (e.confidence) expect(f.confidence).toBe(e.confidence);
    for (const o of f.occurrences) expect(o.path).toBe(shape.path);
  }
  if (e.lines)
    expect(findings.map((f) => f.occurrences[0]!.line).sort((a, b) => a - b)).toEqual(e.lines);
  for (const s of shape.secrets) expect(json).not.toContain(s);
}
