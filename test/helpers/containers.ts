/**
 * Realistic containers a credential leaks in (dotenv files, CI and deploy configs, source in many
 * languages, notebooks, Kubernetes Secrets, logs…), and the encodings a file comes in (CRLF, BOM,
 * UTF-16LE). Each places a value under a name and says on which line it lands. Shared by the
 * containers matrix (every credential must be found in each) and the false-positive matrix (no
 * placeholder may be found in any).
 */
import { scanContent } from '../../src/engine/content/scan-content.js';
import { collectFindings, DEFAULT_CONFIG, type Finding } from '../../src/core/index.js';

/** What a container may need to know about the value it places. */
export interface Placeable {
  value: string;
  /** Usable as `Authorization: Bearer …` against its REST endpoint. */
  bearer?: boolean;
  /** A REST endpoint of the same credential. */
  endpoint?: string;
  /** The Developer API's key, sent with the account email as Basic credentials. */
  developerApi?: boolean;
  /** A Redis password passed to `redis-cli -a` (with `endpoint`'s host). */
  cliPassword?: boolean;
}

export interface Placed {
  path: string;
  /** The file's text (or bytes, for encodings). */
  text: string;
  bytes?: Buffer;
  /** 1-based line of the value. */
  line: number;
}

export interface Container {
  label: string;
  /** Carries the variable name (context-gated credentials are found only in these). */
  named: boolean;
  /** Only for credentials usable this way (`bearer`, URL values...). */
  applies?: (c: Placeable) => boolean;
  place: (name: string, value: string, c: Placeable) => Placed;
}

/** Line (1-based) of the first line holding `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`needle not in text: ${needle.slice(0, 12)}`);
  return text.slice(0, i).split('\n').length;
}

/** A placed text whose value line is found by a marker put on it. */
function at(path: string, text: string, marker: string): Placed {
  return { path, text, line: lineOf(text, marker) };
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
/** JSON with every `/` escaped and `=`/`+` written as unicode escapes (PHP, some serialisers). */
const jsonEscaped = (s: string): string =>
  JSON.stringify(s).replace(/\//g, '\\/').replace(/=/g, '\\u003d').replace(/\+/g, '\\u002b');
const isUrl = (c: Placeable): boolean => /^rediss?:\/\//.test(c.value);

export const CONTAINERS: Container[] = [
  {
    label: '.env',
    named: true,
    place: (n, v) => at('.env', `# local\nNODE_ENV=development\n${n}=${v}\nPORT=3000\n`, n),
  },
  {
    label: '.env export + double quotes',
    named: true,
    place: (n, v) => at('.envrc', `export FOO=bar\nexport ${n}="${v}"\n`, n),
  },
  {
    label: '.env spaces around = + single quotes',
    named: true,
    place: (n, v) => at('.env.local', `\n\n${n} = '${v}'\n`, n),
  },
  {
    label: '.env inline comment',
    named: true,
    place: (n, v) => at('.env.production', `${n}=${v} # prod, rotate me\nX=1\n`, n),
  },
  {
    label: '.env quoted + inline comment',
    named: true,
    place: (n, v) => at('.env', `A=1\n${n}="${v}"  # from the console\n`, n),
  },
  {
    label: 'wrangler.toml [vars]',
    named: true,
    place: (n, v) =>
      at(
        'wrangler.toml',
        `name = "worker"\nmain = "src/index.ts"\ncompatibility_date = "2024-01-01"\n\n[vars]\n${n} = "${v}"\n`,
        n,
      ),
  },
  {
    label: 'vercel.json',
    named: true,
    place: (n, v) =>
      at(
        'vercel.json',
        JSON.stringify({ version: 2, env: { [n]: v }, build: { env: { X: '1' } } }, null, 2),
        n,
      ),
  },
  {
    label: 'JSON with escaped slashes and unicode escapes',
    named: true,
    place: (n, v) =>
      at('config/settings.json', `{\n  "name": "app",\n  "${n}": ${jsonEscaped(v)}\n}\n`, n),
  },
  {
    label: 'package.json script',
    named: true,
    place: (n, v) =>
      at(
        'package.json',
        `{\n  "name": "app",\n  "scripts": {\n    "dev": "${n}=${v} next dev",\n    "build": "next build"\n  }\n}\n`,
        n,
      ),
  },
  {
    label: 'next.config.js env',
    named: true,
    place: (n, v) =>
      at(
        'next.config.js',
        `/** @type {import('next').NextConfig} */\nmodule.exports = {\n  env: {\n    ${n}: '${v}',\n  },\n};\n`,
        n,
      ),
  },
  {
    label: 'TS template literal',
    named: true,
    place: (n, v) => at('src/lib/client.ts', `const x = 1;\nexport const ${n} = \`${v}\`;\n`, n),
  },
  {
    label: 'TS process.env default',
    named: true,
    place: (n, v) =>
      at('src/env.ts', `export const env = {\n  ${n}: process.env.${n} ?? "${v}",\n};\n`, n),
  },
  {
    label: 'docker-compose list form',
    named: true,
    place: (n, v) =>
      at(
        'docker-compose.yml',
        `services:\n  app:\n    image: node:20\n    environment:\n      - NODE_ENV=production\n      - ${n}=${v}\n`,
        n,
      ),
  },
  {
    label: 'docker-compose map form',
    named: true,
    place: (n, v) =>
      at(
        'compose.yaml',
        `services:\n  app:\n    environment:\n      NODE_ENV: production\n      ${n}: "${v}"\n`,
        n,
      ),
  },
  {
    label: 'docker-compose shell default',
    named: true,
    place: (n, v) =>
      at(
        'docker-compose.yml',
        `services:\n  app:\n    environment:\n      ${n}: \${${n}:-${v}}\n`,
        `${n}:`,
      ),
  },
  {
    label: 'GitHub Actions env',
    named: true,
    place: (n, v) =>
      at(
        '.github/workflows/ci.yml',
        `name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    env:\n      ${n}: ${v}\n    steps:\n      - uses: actions/checkout@v4\n`,
        `${n}:`,
      ),
  },
  {
    label: 'GitHub Actions GITHUB_ENV',
    named: true,
    place: (n, v) =>
      at(
        '.github/workflows/deploy.yml',
        `jobs:\n  d:\n    steps:\n      - run: echo "${n}=${v}" >> $GITHUB_ENV\n`,
        n,
      ),
  },
  {
    label: 'Kubernetes Secret data (base64)',
    named: true,
    place: (n, v) =>
      at(
        'k8s/secret.yaml',
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:\n  ${n}: ${b64(v)}\n`,
        `${n}:`,
      ),
  },
  {
    label: 'Kubernetes Secret data (echo | base64: trailing newline)',
    named: true,
    place: (n, v) =>
      at(
        'k8s/app-secret.yml',
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  ${n}: ${b64(`${v}\n`)}\n`,
        `${n}:`,
      ),
  },
  {
    label: 'Kubernetes Secret stringData',
    named: true,
    place: (n, v) =>
      at(
        'k8s/secret.yaml',
        `apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n  ${n}: "${v}"\n`,
        `${n}:`,
      ),
  },
  {
    label: 'Kubernetes Deployment env value',
    named: true,
    place: (n, v) =>
      at(
        'k8s/deploy.yaml',
        `spec:\n  containers:\n    - name: app\n      env:\n        - name: ${n}\n          value: "${v}"\n`,
        'value:',
      ),
  },
  {
    label: 'Dockerfile ENV',
    named: true,
    place: (n, v) =>
      at('Dockerfile', `FROM node:20\nWORKDIR /app\nENV ${n}=${v}\nCMD ["node"]\n`, n),
  },
  {
    label: 'Dockerfile ENV (space form)',
    named: true,
    place: (n, v) => at('Dockerfile', `FROM node:20\nENV ${n} ${v}\n`, n),
  },
  {
    label: 'Dockerfile ARG',
    named: true,
    place: (n, v) => at('docker/Dockerfile.prod', `FROM node:20\nARG ${n}="${v}"\n`, n),
  },
  {
    label: 'Python os.environ',
    named: true,
    place: (n, v) => at('app/main.py', `import os\n\nos.environ["${n}"] = "${v}"\n`, n),
  },
  {
    label: 'Python os.environ.setdefault',
    named: true,
    place: (n, v) => at('app/config.py', `import os\nos.environ.setdefault('${n}', '${v}')\n`, n),
  },
  {
    label: 'Python settings',
    named: true,
    place: (n, v) => at('project/settings.py', `DEBUG = False\n${n} = "${v}"\n`, n),
  },
  {
    label: 'Python getenv default',
    named: true,
    place: (n, v) => at('app/settings.py', `import os\nTOKEN = os.getenv("${n}", "${v}")\n`, n),
  },
  {
    label: 'Terraform tfvars',
    named: true,
    place: (n, v) => at('terraform.tfvars', `region = "eu-west-1"\n${n} = "${v}"\n`, n),
  },
  {
    label: 'Terraform environment block',
    named: true,
    place: (n, v) =>
      at(
        'main.tf',
        `resource "aws_lambda_function" "f" {\n  function_name = "f"\n  environment {\n    variables = {\n      ${n} = "${v}"\n    }\n  }\n}\n`,
        `${n} =`,
      ),
  },
  {
    label: 'Jupyter notebook source',
    named: true,
    place: (n, v) => {
      const nb = {
        cells: [
          { cell_type: 'markdown', metadata: {}, source: ['# Setup\n'] },
          {
            cell_type: 'code',
            metadata: {},
            outputs: [],
            source: ['import os\n', `os.environ["${n}"] = "${v}"\n`, 'print(1)\n'],
          },
        ],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      };
      const text = JSON.stringify(nb, null, 1);
      return { path: 'notebooks/demo.ipynb', text, line: lineOf(text, `os.environ`) };
    },
  },
  {
    label: 'Jupyter %env magic',
    named: true,
    place: (n, v) => {
      const text = JSON.stringify(
        {
          cells: [
            { cell_type: 'code', source: ['%pip install upstash-redis\n', `%env ${n}=${v}\n`] },
          ],
        },
        null,
        1,
      );
      return { path: 'nb.ipynb', text, line: lineOf(text, '%env') };
    },
  },
  {
    label: '.npmrc-like ini',
    named: true,
    place: (n, v) =>
      at('.npmrc', `registry=https://registry.npmjs.org/\n[env]\n${n}=${v}\n`, `${n}=`),
  },
  {
    label: 'Java properties',
    named: true,
    place: (n, v) =>
      at('src/main/resources/application.properties', `server.port=8080\n${n}=${v}\n`, n),
  },
  {
    label: 'PowerShell',
    named: true,
    place: (n, v) => at('scripts/setup.ps1', `$env:${n} = "${v}"\nnpm run dev\n`, n),
  },
  {
    label: 'fly secrets set',
    named: true,
    place: (n, v) => at('README.md', `Deploy:\n\n    fly secrets set ${n}=${v}\n`, n),
  },
  {
    label: 'markdown code block',
    named: true,
    place: (n, v) =>
      at(
        'docs/setup.md',
        `# Setup\n\nCreate \`.env\`:\n\n\`\`\`bash\n${n}=${v}\n\`\`\`\n`,
        `${n}=`,
      ),
  },
  {
    label: 'XML appSettings',
    named: true,
    place: (n, v) =>
      at(
        'Web.config',
        `<configuration>\n  <appSettings>\n    <add key="${n}" value="${v}" />\n  </appSettings>\n</configuration>\n`,
        n,
      ),
  },
  {
    label: 'log line',
    named: true,
    place: (n, v) =>
      at(
        'logs/app.log',
        `2024-05-01T10:00:00.000Z INFO starting\n2024-05-01T10:00:00.001Z DEBUG env ${n}=${v} loaded\n`,
        'DEBUG',
      ),
  },
  {
    label: 'JSON-serialised .env in a log',
    named: true,
    place: (n, v) =>
      at('logs/env.json', `{"level":"debug","env":"NODE_ENV=prod\\n${n}=${v}\\nPORT=1"}\n`, n),
  },
  {
    label: 'minified one-line JS',
    named: true,
    place: (n, v) => {
      const filler = 'function a(b){return b&&b.c?b.c(b):null};'.repeat(2000);
      return {
        path: 'dist/server/index.js',
        text: `${filler}var e={${n}:"${v}"};${filler}`,
        line: 1,
      };
    },
  },
  {
    label: 'shell heredoc',
    named: true,
    place: (n, v) =>
      at('scripts/bootstrap.sh', `#!/bin/sh\ncat > .env <<EOF\n${n}=${v}\nEOF\n`, `${n}=`),
  },
  {
    label: 'ECS task definition (one line per variable)',
    named: true,
    place: (n, v) =>
      at(
        'ecs/task-definition.json',
        `{\n  "containerDefinitions": [{\n    "name": "app",\n    "environment": [\n      {"name": "NODE_ENV", "value": "production"},\n      {"name": "${n}", "value": "${v}"}\n    ]\n  }]\n}\n`,
        `"${n}"`,
      ),
  },
  {
    label: 'ECS task definition (pretty-printed)',
    named: true,
    place: (n, v) =>
      at(
        'taskdef.json',
        JSON.stringify({ environment: [{ name: n, value: v }] }, null, 2),
        '"value"',
      ),
  },
  {
    label: 'render / DigitalOcean app spec (key, value)',
    named: true,
    place: (n, v) =>
      at(
        'render.yaml',
        `services:\n  - type: web\n    envVars:\n      - key: ${n}\n        value: ${v}\n`,
        'value:',
      ),
  },
  {
    label: 'CloudFormation (Name, Value)',
    named: true,
    place: (n, v) =>
      at(
        'template.yaml',
        `Resources:\n  Fn:\n    Properties:\n      Environment:\n        - Name: ${n}\n          Value: ${v}\n`,
        'Value:',
      ),
  },
  {
    label: 'Terraform one-line name/value',
    named: true,
    place: (n, v) =>
      at('ecs.tf', `  environment = [\n    { name = "${n}", value = "${v}" },\n  ]\n`, `"${n}"`),
  },
  {
    label: 'Python os.environ.get default',
    named: true,
    place: (n, v) => at('app/redis.py', `token = os.environ.get("${n}", "${v}")\n`, n),
  },
  {
    label: 'Ruby ENV ||=',
    named: true,
    place: (n, v) => at('config/initializers/upstash.rb', `ENV['${n}'] ||= '${v}'\n`, n),
  },
  {
    label: 'PHP define',
    named: true,
    place: (n, v) => at('config.php', `<?php\ndefine('${n}', '${v}');\n`, n),
  },
  {
    label: 'PHP $_ENV',
    named: true,
    place: (n, v) => at('bootstrap.php', `<?php\n$_ENV['${n}'] = '${v}';\n`, n),
  },
  {
    label: 'Go os.Setenv',
    named: true,
    place: (n, v) => at('main_test.go', `func init() {\n\tos.Setenv("${n}", "${v}")\n}\n`, n),
  },
  {
    label: 'C# SetEnvironmentVariable',
    named: true,
    place: (n, v) => at('Program.cs', `Environment.SetEnvironmentVariable("${n}", "${v}");\n`, n),
  },
  {
    label: 'Java System.setProperty',
    named: true,
    place: (n, v) =>
      at('src/test/java/AppTest.java', `    System.setProperty("${n}", "${v}");\n`, n),
  },
  {
    label: 'Makefile ?=',
    named: true,
    place: (n, v) => at('Makefile', `.PHONY: dev\n${n} ?= ${v}\ndev:\n\tnpm run dev\n`, `${n} ?=`),
  },
  {
    label: 'systemd Environment=',
    named: true,
    place: (n, v) =>
      at(
        'deploy/app.service',
        `[Service]\nEnvironment="${n}=${v}"\nExecStart=/usr/bin/node app.js\n`,
        n,
      ),
  },
  {
    label: 'docker run -e',
    named: true,
    place: (n, v) =>
      at('scripts/run.sh', `docker run --rm \\\n  -e ${n}=${v} \\\n  app:latest\n`, n),
  },
  {
    label: 'VS Code launch.json env',
    named: true,
    place: (n, v) =>
      at(
        '.vscode/launch.json',
        `{\n  "configurations": [\n    {\n      "type": "node",\n      "env": {\n        "${n}": "${v}"\n      }\n    }\n  ]\n}\n`,
        n,
      ),
  },
  {
    label: 'Windows set quoted',
    named: true,
    place: (n, v) => at('run.bat', `@echo off\nset "${n}=${v}"\nnode app.js\n`, n),
  },
  // Nameless: only what the value itself proves.
  {
    label: 'curl Bearer',
    named: false,
    applies: (c) => c.bearer === true,
    place: (_n, v, c) =>
      at(
        'scripts/ping.sh',
        `#!/bin/sh\ncurl -s ${c.endpoint ?? 'https://example.org'}/ping \\\n  -H "Authorization: Bearer ${v}"\n`,
        'Bearer',
      ),
  },
  {
    label: 'SDK constructor',
    named: false,
    applies: (c) => c.bearer === true,
    place: (_n, v, c) =>
      at(
        'src/client.ts',
        `export const client = new Client({\n  url: "${c.endpoint ?? ''}",\n  token: "${v}",\n});\n`,
        'token:',
      ),
  },
  {
    label: 'curl -u against the Developer API',
    named: false,
    applies: (c) => c.developerApi === true,
    place: (_n, v) =>
      at(
        'scripts/list-dbs.sh',
        `#!/bin/sh\ncurl -s -X GET https://api.upstash.com/v2/redis/databases \\\n  -u 'ops@example.org:${v}'\n`,
        '-u',
      ),
  },
  {
    label: 'requests auth tuple against the Developer API',
    named: false,
    applies: (c) => c.developerApi === true,
    place: (_n, v) =>
      at(
        'tools/upstash_admin.py',
        `import requests\n\nr = requests.get(\n    "https://api.upstash.com/v2/teams",\n    auth=("ops@example.org", "${v}"),\n)\n`,
        'auth=',
      ),
  },
  {
    label: 'Authorization: Basic against the Developer API',
    named: false,
    applies: (c) => c.developerApi === true,
    place: (_n, v) =>
      at(
        'api.http',
        `### list databases\nGET https://api.upstash.com/v2/redis/databases\nAuthorization: Basic ${b64(`ops@example.org:${v}`)}\n`,
        'Authorization',
      ),
  },
  {
    label: 'generic api_key in a script calling the Developer API',
    named: false,
    applies: (c) => c.developerApi === true,
    place: (_n, v) =>
      at(
        'scripts/fetch_dbs.py',
        `email = "ops@example.org"\napi_key = "${v}"\nurl = "https://api.upstash.com/v2/redis/databases"\n`,
        'api_key',
      ),
  },
  {
    label: 'redis-cli -a',
    named: false,
    applies: (c) => c.cliPassword === true,
    place: (_n, v, c) =>
      at(
        'docs/connect.md',
        `Connect:\n\n    redis-cli --tls -a ${v} -h ${new URL(c.endpoint!).host} -p 6379\n`,
        'redis-cli',
      ),
  },
  {
    label: 'redis-cli -u',
    named: false,
    applies: isUrl,
    place: (_n, v) =>
      at('scripts/debug.sh', `#!/bin/sh\nredis-cli --tls -u ${v} PING\n`, 'redis-cli'),
  },
  {
    label: 'URL-encoded connection string',
    named: false,
    applies: isUrl,
    place: (_n, v) =>
      at(
        'logs/request.log',
        `GET /connect?next=%2Fhome&url=${encodeURIComponent(v)} HTTP/1.1\n`,
        'GET',
      ),
  },
  {
    label: 'URL-encoded token in a query',
    named: false,
    applies: (c) => c.bearer === true,
    place: (_n, v, c) =>
      at(
        'logs/access.log',
        `200 GET ${c.endpoint ?? ''}/get/k?_token=${encodeURIComponent(v)}\n`,
        'GET',
      ),
  },
];

/** Encodings and line endings, applied to a placed text. */
export const ENCODINGS: [string, (p: Placed) => Placed][] = [
  ['utf8', (p) => p],
  ['CRLF', (p) => ({ ...p, text: p.text.replace(/\r?\n/g, '\r\n') })],
  [
    'UTF-8 BOM',
    (p) => ({ ...p, bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(p.text)]) }),
  ],
  [
    'UTF-16LE BOM',
    (p) => ({
      ...p,
      bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(p.text, 'utf16le')]),
    }),
  ],
  ['UTF-16LE no BOM', (p) => ({ ...p, bytes: Buffer.from(p.text, 'utf16le') })],
  [
    'UTF-16BE BOM',
    (p) => ({
      ...p,
      bytes: Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(p.text, 'utf16le').swap16()]),
    }),
  ],
];

/** Scans a placed file the way tree, range, staged and history scans read content. */
export function scanPlaced(p: Placed): Finding[] {
  const bytes = p.bytes ?? Buffer.from(p.text, 'utf8');
  return collectFindings(scanContent(bytes, { path: p.path }), { config: DEFAULT_CONFIG }).findings;
}
