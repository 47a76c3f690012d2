/**
 * Formats × credential types (third audit): every credential written as a developer writes it in
 * the file formats real leaks live in, beyond the containers matrix's name/value placements: YAML
 * block scalars, flow maps, anchors, Helm values, ConfigMaps, Actions `with:`; minified JSON and
 * bundles over 100 KB; notebooks with escaped Python; TOML inline tables and multi-line strings;
 * Spring, Maven, Android strings; HCL variables and providers; Makefile, setx, PowerShell;
 * client constructors in many languages; SQL, CSV, source maps, structured logs, `.netrc`,
 * percent-encoded and base64-wrapped `.env` files. Values built at run time.
 */
import type { CredentialType, Finding } from '../../../src/core/index.js';
import {
  rangesAround,
  unescapeJsonMarked,
  urlDecodeMarked,
} from '../../../src/core/scan/layers.js';
import { scanText } from '../../../src/core/scan/scan-text.js';
import { ENCODINGS, scanPlaced } from '../../helpers/containers.js';
import * as synthetic from '../../helpers/synthetic.js';

type Kind =
  | 'redis'
  | 'redis-ro'
  | 'redis-url'
  | 'legacy-pw'
  | 'vector'
  | 'search'
  | 'qstash'
  | 'sig'
  | 'mgmt'
  | 'kafka'
  | 'box'
  | 'ctx7';

interface Cred {
  kind: Kind;
  label: string;
  type: CredentialType;
  value: string;
  secret: string;
  /** Env name (SCREAMING_SNAKE). */
  env: string;
  /** Config key as code writes it (snake or camel). */
  key: string;
  /** REST endpoint URL (https://host) when the credential has one. */
  endpoint?: string;
  /** Host name for TCP-style formats. */
  host?: string;
  /** The endpoint is paired when it is written beside the value. */
  pairs?: boolean;
}

let n = 0;
const seed = (): string => `fmx-${n++}`;

const TOKEN: CredentialType = 'upstash-redis-token';

/** A Redis REST token under `env`, with its database's REST endpoint. */
function redisCred(
  label: string,
  o: synthetic.RedisTokenOptions,
  env: string,
  host: synthetic.HostOptions = {},
): Cred {
  const t = synthetic.redisTokenParts({ ...o, seed: seed() });
  const h = synthetic.redisHost(t.dbId, { seed: seed(), ...host });
  return {
    kind: t.readOnly ? 'redis-ro' : 'redis',
    label,
    type: TOKEN,
    value: t.token,
    secret: t.token,
    env,
    key: 'token',
    endpoint: `https://${h}`,
    host: h,
    pairs: true,
  };
}

/** A `rediss://` URL whose password is a current token (the finding is the token's). */
function urlCred(label: string, user: 'default' | 'default_ro', env: string): Cred {
  const t = synthetic.redisTokenParts({ readOnly: user === 'default_ro', seed: seed() });
  const h = synthetic.redisHost(t.dbId, { seed: seed() });
  return {
    kind: 'redis-url',
    label,
    type: TOKEN,
    value: synthetic.redisUrl({ password: t.token, host: h, user }),
    secret: t.token,
    env,
    key: 'url',
    endpoint: `https://${h}`,
    host: h,
    pairs: true,
  };
}

function creds(): Cred[] {
  const legPw = synthetic.redisTokenParts({ layout: 'legacy', seed: seed() });
  const vec = synthetic.vectorTokenParts({ seed: seed() });
  const sea = synthetic.vectorTokenParts({ product: 'search', seed: seed() });
  const qs = synthetic.qstashTokenParts({ seed: seed() });
  const kafka = synthetic.kafkaCredentials({ seed: seed() });
  const legPwH = synthetic.redisHost(legPw.dbId, { legacyRegion: 'eu1', seed: seed() });
  return [
    redisCred('redis current', {}, 'UPSTASH_REDIS_REST_TOKEN'),
    redisCred('redis current64', { layout: 'current64' }, 'KV_REST_API_TOKEN'),
    redisCred('redis legacy', { layout: 'legacy' }, 'UPSTASH_REDIS_REST_TOKEN', {
      legacyRegion: 'us1',
    }),
    redisCred('redis read-only', { readOnly: true }, 'KV_REST_API_READ_ONLY_TOKEN'),
    urlCred('redis url', 'default', 'REDIS_URL'),
    {
      kind: 'legacy-pw',
      label: 'legacy tcp password',
      type: 'upstash-redis-url',
      value: legPw.password!,
      secret: legPw.password!,
      env: 'UPSTASH_REDIS_PASSWORD',
      key: 'password',
      endpoint: `https://${legPwH}`,
      host: legPwH,
      pairs: true,
    },
    {
      kind: 'vector',
      label: 'vector',
      type: 'upstash-vector-token',
      value: vec.token,
      secret: vec.token,
      env: 'UPSTASH_VECTOR_REST_TOKEN',
      key: 'token',
      endpoint: vec.endpoint,
    },
    {
      kind: 'search',
      label: 'search',
      type: 'upstash-search-token',
      value: sea.token,
      secret: sea.token,
      env: 'UPSTASH_SEARCH_REST_TOKEN',
      key: 'searchToken',
      endpoint: sea.endpoint,
    },
    {
      kind: 'qstash',
      label: 'qstash',
      type: 'upstash-qstash-token',
      value: qs.token,
      secret: qs.token,
      env: 'QSTASH_TOKEN',
      key: 'token',
      endpoint: 'https://qstash.upstash.io',
    },
    {
      kind: 'sig',
      label: 'signing key',
      type: 'upstash-qstash-signing-key',
      value: synthetic.signingKey({ seed: seed() }),
      secret: '',
      env: 'QSTASH_CURRENT_SIGNING_KEY',
      key: 'currentSigningKey',
    },
    {
      kind: 'mgmt',
      label: 'management key',
      type: 'upstash-management-key',
      value: synthetic.managementKey({ seed: seed() }),
      secret: '',
      env: 'UPSTASH_API_KEY',
      key: 'upstash_api_key',
      endpoint: 'https://api.upstash.com',
    },
    {
      kind: 'kafka',
      label: 'kafka password',
      type: 'upstash-kafka-credentials',
      value: kafka.password,
      secret: kafka.password,
      env: 'UPSTASH_KAFKA_REST_PASSWORD',
      key: 'kafkaRestPassword',
      endpoint: kafka.url,
    },
    {
      kind: 'box',
      label: 'box key',
      type: 'upstash-box-api-key',
      value: synthetic.boxApiKey({ seed: seed() }),
      secret: '',
      env: 'UPSTASH_BOX_API_KEY',
      key: 'boxApiKey',
    },
    {
      kind: 'ctx7',
      label: 'context7 key',
      type: 'upstash-context7-api-key',
      value: synthetic.context7Key({ seed: seed() }),
      secret: '',
      env: 'CONTEXT7_API_KEY',
      key: 'context7ApiKey',
    },
    ...variants(),
  ].map((c) => ({ ...c, secret: c.secret || c.value })) as Cred[];
}

/** The other layouts and forms of each product, under their usual names. */
function variants(): Cred[] {
  const vecRo = synthetic.vectorTokenParts({ role: 'readonly', seed: seed() });
  const seaRo = synthetic.vectorTokenParts({ product: 'search', role: 'readonly', seed: seed() });
  const qsUuid = synthetic.qstashTokenParts({ password: 'uuid', seed: seed() });
  return [
    redisCred('redis current p10', { suffix: 'p10' }, 'UPSTASH_REDIS_REST_TOKEN'),
    redisCred('redis current no suffix', { suffix: null }, 'KV_REST_API_TOKEN'),
    redisCred(
      'redis read-only current64',
      { layout: 'current64', readOnly: true },
      'KV_REST_API_READ_ONLY_TOKEN',
    ),
    redisCred(
      'redis read-only legacy',
      { layout: 'legacy', readOnly: true },
      'UPSTASH_REDIS_REST_READONLY_TOKEN',
      { legacyRegion: 'gusc1' },
    ),
    redisCred('redis vercel kv', {}, 'KV_REST_API_TOKEN', { vercel: true }),
    urlCred('redis url default_ro', 'default_ro', 'KV_URL'),
    {
      kind: 'vector',
      label: 'vector read-only',
      type: 'upstash-vector-token',
      value: vecRo.token,
      secret: vecRo.token,
      env: 'UPSTASH_VECTOR_REST_READONLY_TOKEN',
      key: 'vectorToken',
      endpoint: vecRo.endpoint,
    },
    {
      kind: 'search',
      label: 'search read-only',
      type: 'upstash-search-token',
      value: seaRo.token,
      secret: seaRo.token,
      env: 'UPSTASH_SEARCH_REST_READONLY_TOKEN',
      key: 'searchToken',
      endpoint: seaRo.endpoint,
    },
    {
      kind: 'qstash',
      label: 'qstash uuid password',
      type: 'upstash-qstash-token',
      value: qsUuid.token,
      secret: qsUuid.token,
      env: 'QSTASH_TOKEN',
      key: 'qstashToken',
      endpoint: 'https://qstash-us-east-1.upstash.io',
    },
    {
      kind: 'sig',
      label: 'signing key legacy',
      type: 'upstash-qstash-signing-key',
      value: synthetic.signingKey({ legacy: true, seed: seed() }),
      secret: '',
      env: 'QSTASH_NEXT_SIGNING_KEY',
      key: 'nextSigningKey',
    },
  ];
}

/** A format: the file it writes, or null when it does not apply to the credential. */
interface Format {
  label: string;
  build: (c: Cred) => { path: string; text: string; needle?: string; endpoint?: boolean } | null;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const REST = (c: Cred): boolean => c.kind !== 'redis-url' && c.kind !== 'legacy-pw';
/** The URL name beside a token, per product. */
const urlEnv = (c: Cred): string =>
  c.env
    .replace(/_REST_API_READ_ONLY_TOKEN$|_READ_ONLY_TOKEN$/, '_REST_API_URL')
    .replace(/TOKEN$|PASSWORD$|API_KEY$/, 'URL');

const FORMATS: Format[] = [
  // ---- YAML
  {
    label: 'YAML block scalar | holding a .env',
    build: (c) => ({
      path: 'deploy/values.yaml',
      text: `app:\n  envFile: |\n    NODE_ENV=production\n${c.endpoint && REST(c) ? `    ${urlEnv(c)}=${c.endpoint}\n` : ''}    ${c.env}=${c.value}\n  replicas: 2\n`,
      endpoint: !!c.endpoint && REST(c),
    }),
  },
  {
    label: 'YAML folded > scalar',
    build: (c) => ({
      path: 'config/app.yml',
      text: `upstash:\n  ${c.env}: >-\n    ${c.value}\n  other: 1\n`,
    }),
  },
  {
    label: 'YAML flow map',
    build: (c) => ({
      path: 'config.yaml',
      text: `env: { NODE_ENV: production, ${c.env}: "${c.value}" }\n`,
    }),
  },
  {
    label: 'YAML anchor and alias',
    build: (c) => ({
      path: 'docker-compose.yml',
      text: `x-env: &env\n  ${c.env}: ${c.value}\nservices:\n  web:\n    environment: *env\n  worker:\n    environment:\n      <<: *env\n`,
    }),
  },
  {
    label: 'Helm values nested',
    build: (c) =>
      c.kind === 'mgmt' || c.kind === 'kafka' || c.kind === 'box' || c.kind === 'ctx7'
        ? null
        : {
            path: 'charts/app/values.yaml',
            text: `upstash:\n  ${c.kind.startsWith('redis') || c.kind === 'legacy-pw' ? 'redis' : c.kind}:\n${c.host ? `    host: ${c.host}\n` : c.endpoint ? `    url: ${c.endpoint}\n` : ''}    ${c.kind === 'legacy-pw' ? 'password' : c.kind === 'redis-url' ? 'url' : c.kind === 'sig' ? 'currentSigningKey' : 'token'}: ${c.value}\n`,
            endpoint: !!c.host,
          },
  },
  {
    label: 'ConfigMap data',
    build: (c) => ({
      path: 'k8s/configmap.yaml',
      text: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\ndata:\n  NODE_ENV: production\n  ${c.env}: "${c.value}"\n`,
    }),
  },
  {
    label: 'GitHub Actions with:',
    build: (c) => ({
      path: '.github/workflows/deploy.yml',
      text: `jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: some/deploy-action@v2\n        with:\n          ${c.env.toLowerCase().replace(/_/g, '-')}: ${c.value}\n`,
    }),
  },
  {
    label: 'k8s Secret data holding a whole .env (base64)',
    build: (c) => ({
      path: 'k8s/secret.yaml',
      text: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: env\ndata:\n  .env: ${b64(`NODE_ENV=production\n${c.endpoint && REST(c) ? `${urlEnv(c)}=${c.endpoint}\n` : ''}${c.env}=${c.value}\n`)}\n`,
      needle: '.env:',
      endpoint: !!c.endpoint && REST(c),
    }),
  },
  // ---- JSON
  {
    label: 'minified JSON over 100 KB',
    build: (c) => {
      const filler = Array.from(
        { length: 1500 },
        (_, i) => `{"id":${i},"name":"item-${i}","tags":["a","b"],"w":${i * 3}}`,
      ).join(',');
      return {
        path: 'data/config.min.json',
        text: `{"items":[${filler}],"env":{"${c.env}":"${c.value}"}}`,
      };
    },
  },
  {
    label: 'Next.js bundle over 100 KB',
    build: (c) => {
      const filler = 'function a(e){return e&&e.__esModule?e:{default:e}}var b=1;'.repeat(2000);
      return {
        path: '.next/static/chunks/pages/_app-3f1a2b.js',
        text: `${filler}let o={"${c.env}":"${c.value}","NODE_ENV":"production"};${filler}`,
      };
    },
  },
  {
    label: 'JSON with \\u00xx-escaped value',
    build: (c) => ({
      path: 'settings.json',
      text: `{\n  "${c.env}": "${c.value.replace(/[=+/_-]/g, (ch) => `\\u00${ch.charCodeAt(0).toString(16)}`)}"\n}\n`,
      needle: c.env,
    }),
  },
  {
    label: 'Jupyter os.environ with escaped quotes',
    build: (c) => {
      const nb = {
        cells: [
          { cell_type: 'code', source: ['import os\n', `os.environ["${c.env}"] = "${c.value}"\n`] },
        ],
      };
      const text = JSON.stringify(nb, null, 1);
      return { path: 'nb/setup.ipynb', text, needle: 'os.environ' };
    },
  },
  {
    label: 'Jupyter client constructor',
    build: (c) => {
      if (!c.endpoint || !REST(c) || c.kind === 'mgmt' || c.kind === 'kafka') return null;
      const cls =
        c.kind === 'vector'
          ? 'Index'
          : c.kind === 'search'
            ? 'Search'
            : c.kind === 'qstash'
              ? 'QStash'
              : 'Redis';
      const args =
        c.kind === 'qstash' ? `token="${c.value}"` : `url="${c.endpoint}", token="${c.value}"`;
      const nb = { cells: [{ cell_type: 'code', source: [`client = ${cls}(${args})\n`] }] };
      const text = JSON.stringify(nb, null, 1);
      return { path: 'demo.ipynb', text, needle: 'client =', endpoint: c.kind !== 'qstash' };
    },
  },
  {
    label: 'source map sourcesContent',
    build: (c) => ({
      path: 'dist/index.js.map',
      text: JSON.stringify({
        version: 3,
        sources: ['src/index.ts'],
        sourcesContent: [`export const ${c.key} = "${c.value}";\n`],
        mappings: 'AAAA',
      }),
    }),
  },
  // ---- TOML, INI
  {
    label: 'TOML inline table',
    build: (c) => ({
      path: 'config.toml',
      text: `[env]\nupstash = { ${c.endpoint && REST(c) ? `url = "${c.endpoint}", ` : ''}${c.key} = "${c.value}" }\n`,
      endpoint: !!c.endpoint && REST(c),
    }),
  },
  {
    label: 'TOML multi-line string',
    build: (c) => ({
      path: 'settings.toml',
      text: `[secrets]\n${c.env} = """\n${c.value}"""\n`,
      needle: c.value,
    }),
  },
  {
    label: 'wrangler.toml [env.production.vars]',
    build: (c) => ({
      path: 'wrangler.toml',
      text: `name = "w"\n[env.production.vars]\n${c.env} = "${c.value}"\n`,
    }),
  },
  {
    label: 'INI section',
    build: (c) => ({
      path: 'config.ini',
      text: `[upstash]\n${c.host ? `host = ${c.host}\n` : ''}${c.key} = ${c.value}\n`,
      endpoint: !!c.host,
    }),
  },
  // ---- Spring
  {
    label: 'Spring application.yml',
    build: (c) =>
      c.kind === 'legacy-pw' || c.kind === 'redis' || c.kind === 'redis-ro'
        ? {
            path: 'src/main/resources/application.yml',
            text: `spring:\n  data:\n    redis:\n      host: ${c.host}\n      port: 6379\n      password: ${c.value}\n      ssl:\n        enabled: true\n`,
            endpoint: true,
          }
        : c.kind === 'redis-url'
          ? {
              path: 'src/main/resources/application.yml',
              text: `spring:\n  redis:\n    url: ${c.value}\n`,
              endpoint: true,
            }
          : null,
  },
  {
    label: 'Spring application.properties',
    build: (c) =>
      c.kind === 'legacy-pw' || c.kind === 'redis' || c.kind === 'redis-ro'
        ? {
            path: 'src/main/resources/application.properties',
            text: `spring.redis.host=${c.host}\nspring.redis.port=6379\nspring.redis.password=${c.value}\nspring.redis.ssl=true\n`,
            endpoint: true,
          }
        : c.kind === 'redis-url'
          ? {
              path: 'application.properties',
              text: `spring.data.redis.url=${c.value}\n`,
              endpoint: true,
            }
          : null,
  },
  // ---- XML
  {
    label: 'web.config add key/value',
    build: (c) => ({
      path: 'Web.config',
      text: `<configuration>\n  <appSettings>\n    <add key="${c.env}" value="${c.value}" />\n  </appSettings>\n</configuration>\n`,
    }),
  },
  {
    label: 'Android strings.xml',
    build: (c) => ({
      path: 'app/src/main/res/values/strings.xml',
      text: `<resources>\n    <string name="app_name">App</string>\n    <string name="${c.env.toLowerCase()}">${c.value}</string>\n</resources>\n`,
    }),
  },
  {
    label: 'Maven settings.xml property',
    build: (c) => ({
      path: 'settings.xml',
      text: `<settings>\n  <profiles><profile><properties>\n    <${c.env.toLowerCase().replace(/_/g, '.')}>${c.value}</${c.env.toLowerCase().replace(/_/g, '.')}>\n  </properties></profile></profiles>\n</settings>\n`,
    }),
  },
  // ---- HCL
  {
    label: 'Terraform variable default',
    build: (c) => ({
      path: 'variables.tf',
      text: `variable "${c.env.toLowerCase()}" {\n  type      = string\n  sensitive = true\n  default   = "${c.value}"\n}\n`,
      needle: 'default',
    }),
  },
  {
    label: 'Terraform provider block',
    build: (c) =>
      c.kind === 'mgmt'
        ? {
            path: 'main.tf',
            text: `provider "upstash" {\n  email   = "ops@example.com"\n  api_key = "${c.value}"\n}\n`,
          }
        : null,
  },
  // ---- shell and build
  {
    label: 'Makefile export :=',
    build: (c) => ({
      path: 'Makefile',
      text: `export ${c.env} := ${c.value}\n\nrun:\n\tnode index.js\n`,
    }),
  },
  {
    label: 'setx',
    build: (c) => ({ path: 'setup.bat', text: `@echo off\nsetx ${c.env} "${c.value}"\n` }),
  },
  {
    label: 'PowerShell SetEnvironmentVariable',
    build: (c) => ({
      path: 'setup.ps1',
      text: `[Environment]::SetEnvironmentVariable("${c.env}", "${c.value}", "User")\n`,
    }),
  },
  {
    label: 'heroku config:set',
    build: (c) => ({
      path: 'deploy.sh',
      text: `#!/bin/sh\nheroku config:set ${c.env}=${c.value} -a my-app\n`,
    }),
  },
  {
    label: 'curl Bearer (multi-line, backslash)',
    build: (c) =>
      c.endpoint &&
      (c.kind === 'redis' ||
        c.kind === 'redis-ro' ||
        c.kind === 'vector' ||
        c.kind === 'search' ||
        c.kind === 'qstash')
        ? {
            path: 'scripts/ping.sh',
            text: `curl -X POST ${c.endpoint}/${c.kind === 'qstash' ? 'v2/publish/https://example.com' : 'info'} \\\n  -H "Authorization: Bearer ${c.value}" \\\n  -d '{}'\n`,
            endpoint: c.kind.startsWith('redis'),
          }
        : null,
  },
  {
    label: '.netrc',
    build: (c) =>
      c.kind === 'redis' || c.kind === 'legacy-pw'
        ? {
            path: '.netrc',
            text: `machine ${c.host}\n  login default\n  password ${c.value}\n`,
            endpoint: true,
          }
        : null,
  },
  // ---- code
  {
    label: 'Go go-redis Options',
    build: (c) =>
      c.kind === 'redis' || c.kind === 'legacy-pw'
        ? {
            path: 'cache.go',
            text: `rdb := redis.NewClient(&redis.Options{\n\tAddr:     "${c.host}:6379",\n\tPassword: "${c.value}",\n\tTLSConfig: &tls.Config{},\n})\n`,
            endpoint: true,
          }
        : null,
  },
  {
    label: 'Rust Redis::new',
    build: (c) =>
      c.kind === 'redis'
        ? {
            path: 'src/main.rs',
            text: `let redis = Redis::new(\n    "${c.endpoint}",\n    "${c.value}",\n)?;\n`,
            endpoint: true,
          }
        : null,
  },
  {
    label: 'C# ConfigurationOptions',
    build: (c) =>
      c.kind === 'redis' || c.kind === 'legacy-pw'
        ? {
            path: 'Cache.cs',
            text: `var options = new ConfigurationOptions\n{\n    EndPoints = { "${c.host}:6379" },\n    Password = "${c.value}",\n    Ssl = true,\n};\n`,
            endpoint: true,
          }
        : null,
  },
  {
    label: 'Kotlin const',
    build: (c) => ({
      path: 'Config.kt',
      text: `object Config {\n    const val ${c.env} = "${c.value}"\n}\n`,
    }),
  },
  {
    label: 'Dart const',
    build: (c) => ({ path: 'lib/env.dart', text: `const String ${c.key} = '${c.value}';\n` }),
  },
  {
    label: 'Swift let',
    build: (c) => ({ path: 'Config.swift', text: `let ${c.key} = "${c.value}"\n` }),
  },
  {
    label: 'Elixir config',
    build: (c) =>
      c.kind === 'redis' || c.kind === 'legacy-pw'
        ? {
            path: 'config/runtime.exs',
            text: `config :app, :redis,\n  host: "${c.host}",\n  port: 6379,\n  password: "${c.value}",\n  ssl: true\n`,
            endpoint: true,
          }
        : { path: 'config/config.exs', text: `config :app, ${c.key}: "${c.value}"\n` },
  },
  {
    label: 'Deno.env.set',
    build: (c) => ({ path: 'main.ts', text: `Deno.env.set("${c.env}", "${c.value}");\n` }),
  },
  {
    label: 'Bun.env default',
    build: (c) => ({ path: 'index.ts', text: `const t = Bun.env.${c.env} ?? "${c.value}";\n` }),
  },
  {
    label: 'PHP array',
    build: (c) => ({
      path: 'config/services.php',
      text: `<?php\nreturn [\n    'upstash' => [\n        '${c.key}' => '${c.value}',\n    ],\n];\n`,
    }),
  },
  // ---- data
  {
    label: 'SQL insert (key, value)',
    build: (c) => ({
      path: 'seed.sql',
      text: `INSERT INTO settings (name, value) VALUES ('${c.env}', '${c.value}');\n`,
    }),
  },
  {
    label: 'CSV',
    build: (c) => ({ path: 'secrets.csv', text: `name,value,env\n${c.env},${c.value},prod\n` }),
  },
  {
    label: 'Markdown table',
    build: (c) => ({
      path: 'NOTES.md',
      text: `| Variable | Value |\n|---|---|\n| \`${c.env}\` | \`${c.value}\` |\n`,
    }),
  },
  {
    label: 'structured JSON log',
    build: (c) => ({
      path: 'logs/app.log',
      text: `{"level":"info","msg":"boot","env":{"${c.env}":"${c.value}","PORT":"3000"}}\n`,
    }),
  },
  {
    label: 'HTML meta/data attribute',
    build: (c) => ({
      path: 'public/index.html',
      text: `<html><head>\n<script>window.__ENV__ = {"${c.env}": "${c.value}"};</script>\n</head></html>\n`,
    }),
  },
  // ---- encodings
  {
    label: 'base64 of a whole .env in a CI variable',
    build: (c) => ({
      path: '.gitlab-ci.yml',
      text: `variables:\n  ENV_FILE_B64: "${b64(`${c.endpoint && REST(c) ? `${urlEnv(c)}=${c.endpoint}\n` : ''}${c.env}=${c.value}\n`)}"\nbuild:\n  script: echo $ENV_FILE_B64 | base64 -d > .env\n`,
      needle: 'ENV_FILE_B64:',
      endpoint: !!c.endpoint && REST(c),
    }),
  },
  {
    label: 'percent-encoded .env in a query string',
    build: (c) => ({
      path: 'logs/access.log',
      text: `POST /api/import?data=${encodeURIComponent(`${c.env}=${c.value}\nX=1`)} 200\n`,
      needle: 'POST',
    }),
  },
];

interface Result {
  found: boolean;
  problems: string[];
}

function check(
  c: Cred,
  placed: { path: string; text: string; needle?: string; endpoint?: boolean },
  /** The file's bytes in another encoding (lines and findings are those of `text`). */
  bytes?: Buffer,
): Result {
  const needle = placed.needle ?? c.value;
  const i = placed.text.indexOf(needle);
  const line = placed.text.slice(0, i).split('\n').length;
  const findings: Finding[] = scanPlaced({
    path: placed.path,
    text: placed.text,
    line,
    ...(bytes ? { bytes } : {}),
  });
  const problems: string[] = [];
  const mine = findings.filter(
    (f) => f.type === c.type && f.occurrences.some((o) => o.line === line),
  );
  if (mine.length === 0)
    problems.push(
      `missed; got ${JSON.stringify(findings.map((f) => [f.type, f.confidence, f.occurrences.map((o) => o.line)]))}`,
    );
  else {
    const f = mine[0]!;
    const structured = ![
      'upstash-management-key',
      'upstash-kafka-credentials',
      'upstash-box-api-key',
    ].includes(c.type);
    if (structured && f.confidence === 'low') problems.push(`low confidence`);
    if (placed.endpoint && c.pairs && f.endpoint !== c.endpoint)
      problems.push(`endpoint ${f.endpoint} != ${c.endpoint}`);
  }
  const extra = findings.filter((f) => !mine.includes(f));
  if (extra.length)
    problems.push(
      `extra ${JSON.stringify(extra.map((f) => [f.type, f.masked, f.occurrences.map((o) => o.line)]))}`,
    );
  return { found: mine.length > 0, problems };
}

/**
 * Known gaps, each a legacy database's 32-hex TCP password (found by its shape and its host, never
 * by entropy) under a name the Redis password detector's name-first pattern cannot read: a bare
 * `password` with no host (source maps, Swift, Dart, PHP and TOML tables name no database), a
 * name the prefilter does not see (`upstash-redis-password`, `upstash.redis.password`,
 * `upstash_redis_password` in lower case), an element named by its attribute, a table cell,
 * `.netrc`'s `password <pw>`.
 */
const GAPS = new Set(
  [
    'GitHub Actions with:',
    'source map sourcesContent',
    'TOML inline table',
    'Android strings.xml',
    'Maven settings.xml property',
    'Terraform variable default',
    '.netrc',
    'Dart const',
    'Swift let',
    'PHP array',
    'CSV',
    'Markdown table',
  ].map((f) => `${f} | legacy tcp password`),
);

/** Values a careful user would hate to see flagged, written in every format under every name. */
function placeholders(c: Cred): string[] {
  const cut = c.value.slice(0, Math.floor(c.value.length * 0.6));
  return [
    'your-token-here',
    `<${c.env}>`,
    `\${{ secrets.${c.env} }}`,
    `\${${c.env}}`,
    `process.env.${c.env}`,
    '****************',
    `${c.value.slice(0, 6)}...${c.value.slice(-4)}`,
    `${cut}…`,
  ];
}

function cases(): [string, Cred, Format][] {
  const out: [string, Cred, Format][] = [];
  for (const fm of FORMATS) for (const c of creds()) out.push([`${fm.label} | ${c.label}`, c, fm]);
  return out;
}

describe('format matrix: every credential type in every format', () => {
  const all = cases().filter(([, c, fm]) => fm.build(c) !== null);

  it('builds the matrix', () => {
    expect(all.length).toBeGreaterThan(500);
  });

  it.each(all.filter(([id]) => !GAPS.has(id)))('%s', (_id, c, fm) => {
    const placed = fm.build(c)!;
    for (const text of [placed.text, placed.text.replace(/\n/g, '\r\n')])
      expect(check(c, { ...placed, text }).problems).toEqual([]);
  });

  // The formats whose name is read across lines or from markup, in every encoding and line ending.
  const ENCODED = /block scalar|folded|TOML multi-line|Android|Markdown table|variable default/;
  it.each(all.filter(([id, , fm]) => ENCODED.test(fm.label) && !GAPS.has(id)))(
    '%s, every encoding',
    (_id, c, fm) => {
      const placed = fm.build(c)!;
      for (const [enc, apply] of ENCODINGS) {
        const p = apply({ path: placed.path, text: placed.text, line: 1 });
        expect([enc, check(c, { ...placed, text: p.text }, p.bytes).problems]).toEqual([enc, []]);
      }
    },
  );

  it.each([...GAPS].map((g) => [g]))('known gap, still missed: %s', (id) => {
    const [, c, fm] = all.find(([i]) => i === id)!;
    expect(check(c, fm.build(c)!).found).toBe(false);
  });
});

/**
 * The JSON and URL layers are read only around their escapes (layers.ts, rangesAround). Every
 * format and credential, and a placeholder of each, written between two stretches of 1,000
 * keyword-dense lines that each hold a URL escape and a JSON escape far from it (so both layers
 * exist and, unless the format itself is full of escapes, are read in ranges), gives exactly the
 * hits that reading both layers whole gives.
 */
describe('format matrix: decoding layers read around their escapes find what whole layers find', () => {
  const stretch = (tag: string): string => {
    const lines = Array.from(
      { length: 1000 },
      (_, i) => `${i % 2 ? 'The token' : 'Set the password'} for ${tag}, step ${i}.`,
    );
    lines[10] = 'See https://example.com/docs%20page?q=upstash and {"path":"a\\/b"}';
    return lines.join('\n') + '\n';
  };
  it.each(FORMATS.map((fm) => [fm.label, fm] as const))('%s', (_label, fm) => {
    let inRanges = 0;
    for (const c of creds())
      for (const value of [c.value, placeholders(c)[0]!]) {
        const placed = fm.build({ ...c, value });
        if (!placed) continue;
        const fragment = {
          path: placed.path,
          text: stretch('above') + placed.text + '\n' + stretch('below'),
        };
        if (
          rangesAround(urlDecodeMarked(unescapeJsonMarked(fragment.text)?.text ?? fragment.text)!)
        )
          inRanges++;
        const ranged = scanText(fragment);
        const whole = scanText(fragment, { wholeLayers: true });
        expect([c.label, value, ranged]).toEqual([c.label, value, whole]);
      }
    // A one-line bundle is read whole: a range covers the lines around an escape.
    if (!/over 100 KB/.test(fm.label)) expect(inRanges).toBeGreaterThan(0);
  });
});

describe('format matrix: placeholders in every format stay silent', () => {
  const creds0 = creds();
  it.each(FORMATS.map((fm) => [fm.label, fm] as const))('%s', (_label, fm) => {
    for (const c of creds0)
      for (const value of placeholders(c)) {
        const placed = fm.build({ ...c, value });
        if (!placed) continue;
        const found = scanPlaced({ path: placed.path, text: placed.text, line: 1 });
        expect([c.label, value, found.map((f) => [f.type, f.masked])]).toEqual([
          c.label,
          value,
          [],
        ]);
      }
  });
});
