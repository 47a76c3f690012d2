/**
 * What a new user reads is what the CLI and the config schema do: every flag the CLI accepts is in
 * --help, in README.md's CLI section and in docs/cli.md, and every flag they name exists; the
 * configuration reference lists exactly the schema's keys, and every example config in README.md
 * and docs/configuration.md parses; the tarball README.md names is the version npm pack makes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HELP } from '../../src/cli/help.js';
import { CLI_FLAGS } from '../../src/cli/parse-args.js';
import { configSchema, parseConfig } from '../../src/core/config/schema.js';
import { ROOT } from '../helpers/app-process.js';

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const README = read('README.md');
const CLI_DOC = read('docs/cli.md');
const CONFIG_DOC = read('docs/configuration.md');

/** The text of a Markdown section, from its heading to the next heading of the same level. */
function section(md: string, heading: string): string {
  const level = /^#+/.exec(heading)![0];
  const start = md.indexOf(`\n${heading}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = md.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`\\n${level} `));
  return end < 0 ? rest : rest.slice(0, end);
}

/** Flags the docs name that belong to the pre-commit framework (`pre-commit run …`) or to git. */
const FOREIGN = ['--all-files', '--files', '--from-ref', '--to-ref', '--no-verify'];

const flagsIn = (text: string): string[] => [
  ...new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z-]*[a-z]/g)].map((m) => m[0])),
];

/** The fenced blocks of a language in a Markdown text. */
const blocks = (md: string, lang: string): string[] =>
  [...md.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

describe('CLI flags', () => {
  const readmeCli = section(README, '## CLI');
  // docs/cli.md's option tables: the first column of each row.
  const cliDocTables = CLI_DOC.split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => l.split('|')[1]!)
    .join('\n');

  it.each([
    ['--help', HELP],
    ["README.md's CLI section", readmeCli],
    ["docs/cli.md's option tables", cliDocTables],
  ])('%s names every flag the CLI accepts', (_, text) => {
    expect(CLI_FLAGS.filter((f) => !flagsIn(text).includes(f))).toEqual([]);
  });

  it.each([
    ['--help', HELP],
    ["README.md's options", readmeCli.slice(readmeCli.indexOf('Options:'))],
    ["docs/cli.md's option tables", cliDocTables],
  ])('%s names no flag the CLI lacks', (_, text) => {
    const named = flagsIn(text.split('Install it')[0]!);
    expect(named.filter((f) => !CLI_FLAGS.includes(f) && !FOREIGN.includes(f))).toEqual([]);
  });

  it("README.md's usage lines are --help's commands", () => {
    const commands = (text: string): string[] =>
      [
        ...new Set(
          [...text.matchAll(/upstash-guard (scan|install-hook|pre-commit)\b/g)].map((m) => m[1]!),
        ),
      ].sort();
    expect(commands(blocks(readmeCli, 'sh')[0]!)).toEqual(commands(HELP));
    expect(commands(blocks(CLI_DOC, '')[0]!)).toEqual(commands(HELP));
  });
});

describe('configuration reference', () => {
  /** Dotted keys of the schema: comments.pullRequest, not comments. */
  function schemaKeys(): string[] {
    const keys: string[] = [];
    for (const [key, value] of Object.entries(configSchema.shape)) {
      const inner = (value as { def: { innerType?: unknown } }).def.innerType as
        { shape?: Record<string, unknown> } | undefined;
      if (inner?.shape) for (const k of Object.keys(inner.shape)) keys.push(`${key}.${k}`);
      else keys.push(key);
    }
    return keys.sort();
  }

  it("docs/configuration.md's key table lists exactly the schema's keys", () => {
    const table = section(CONFIG_DOC, '## Keys')
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => /^\| `([^`]+)`/.exec(l)![1]!);
    expect(table.sort()).toEqual(schemaKeys());
  });

  it('every example config in README.md and docs/configuration.md parses', () => {
    const examples = [...blocks(README, 'yaml'), ...blocks(CONFIG_DOC, 'yaml')].filter(
      (y) =>
        !/^\s*(repos|on|jobs|token|\w+:\s*$)/m.test(y.split('\n')[0]!) && !/^\s*repos:/m.test(y),
    );
    const configs = examples.filter((y) =>
      /failOn|ignorePaths|_extends|yaml-language-server/.test(y),
    );
    expect(configs.length).toBeGreaterThanOrEqual(3);
    for (const y of configs) expect(() => parseConfig(y, 'example.yml')).not.toThrow();
  });
});

test("README.md's npx line names the tarball npm pack makes", () => {
  const { version } = JSON.parse(read('package.json')) as { version: string };
  const named = [...README.matchAll(/upstash-guard-(\d+\.\d+\.\d+)\.tgz/g)].map((m) => m[1]);
  expect(named.length).toBeGreaterThan(0);
  expect(named.filter((v) => v !== version)).toEqual([]);
});

test("the docs' pre-commit configs name a revision pre-commit accepts as fixed", () => {
  // pre-commit warns on every run about a rev with no dot that is not a commit, and never updates it.
  const revs = [README, CLI_DOC].flatMap((md) =>
    [...md.matchAll(/^\s+rev: (\S+)/gm)].map((m) => m[1]!),
  );
  expect(revs.length).toBeGreaterThan(0);
  expect(revs.filter((r) => !r.includes('.') && !/^[0-9a-f]{7,40}$/.test(r))).toEqual([]);
});
