/**
 * docs/hostile-repositories.md carries the table of src/git/git-env.ts CONFIG_GUARDS verbatim
 * between its markers. `UPDATE_DOCS=1 npm test -- test/git/hostile-doc.test.ts` rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_GUARDS } from '../../src/git/git-env.js';
import { ROOT } from '../helpers/app-process.js';

const DOC = join(ROOT, 'docs', 'hostile-repositories.md');
const BEGIN = '<!-- config-guards:begin (generated from src/git/git-env.ts) -->';
const END = '<!-- config-guards:end -->';

function table(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = CONFIG_GUARDS.map((g) => {
    const overrides = g.overrides.map(([k, v]) => `\`${k}=${v}\``).join(' ') || '—';
    const test = g.attack ? (g.attack.expect === 'clean' ? 'runs nothing' : 'killed') : '—';
    return `| \`${cell(g.key)}\` | ${g.threat} | ${cell(overrides)} | ${cell(g.how)} | ${test} |`;
  });
  return [
    '| key | threat | `-c` override | how it is neutralised | tested attack |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

test('docs/hostile-repositories.md shows the CONFIG_GUARDS table as it is', () => {
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  expect(start).toBeGreaterThan(0);
  const current = doc.slice(start + BEGIN.length, end).trim();
  if (process.env.UPDATE_DOCS === '1' && current !== table()) {
    writeFileSync(DOC, `${doc.slice(0, start + BEGIN.length)}\n${table()}\n${doc.slice(end)}`);
    return;
  }
  expect(current).toBe(table());
});
