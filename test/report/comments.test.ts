import { readFileSync } from 'node:fs';
import {
  renderCommitComment,
  renderJson,
  renderPrComment,
  renderText,
  TOOL_VERSION,
} from '../../src/report/index.js';
import { emptyResult, rangeResult } from './fixtures.js';

describe('PR and commit comments', () => {
  test('PR comment starts with its marker; resolved variant; nothing to post otherwise', () => {
    const { result } = rangeResult();
    expect(renderPrComment(result)?.startsWith('<!-- upstash-guard:pr-comment -->\n')).toBe(true);
    const resolved = renderPrComment(emptyResult('range'), { previouslyHadFindings: true });
    expect(resolved?.startsWith('<!-- upstash-guard:pr-comment -->')).toBe(true);
    expect(resolved).toContain('resolved');
    expect(renderPrComment(emptyResult('range'))).toBeNull();
  });

  test('commit comment carries the fingerprint marker and the location', () => {
    const f = rangeResult().result.findings[1]!;
    const body = renderCommitComment(f, f.occurrences[0]!);
    expect(body.split('\n')[0]).toBe(`<!-- upstash-guard:commit:${f.fingerprint} -->`);
    expect(body).toContain('`.env.local:3`');
    expect(body).toContain('LIVE');
  });
});

describe('text and JSON', () => {
  test('text is quiet and clear when nothing is found', () => {
    const out = renderText(emptyResult());
    expect(out.trim().split('\n')[0]).toBe(
      '✓ No Upstash credentials found (working tree: 42 files, 120.6 KB in 87 ms).',
    );
    expect(out).not.toContain('\x1b[');
  });

  test('text: most severe first, colour only when asked', () => {
    const { result } = rangeResult();
    const plain = renderText(result);
    expect(plain.indexOf('CRITICAL')).toBeLessThan(plain.indexOf('HIGH'));
    expect(plain.indexOf('HIGH')).toBeLessThan(plain.indexOf('INFO'));
    expect(plain).not.toContain('\x1b[');
    expect(renderText(result, { color: true })).toContain('\x1b[');
  });

  test('JSON has the documented top-level shape and version', () => {
    const doc = JSON.parse(renderJson(rangeResult().result)) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual([
      'schemaVersion',
      'tool',
      'mode',
      'findings',
      'suppressed',
      'stats',
      'warnings',
      'skipped',
      'skippedCount',
    ]);
    expect(doc.tool).toEqual({ name: 'upstash-guard', version: TOOL_VERSION });
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(TOOL_VERSION).toBe(pkg.version);
  });
});

test('docs/output.md documents every JSON field the renderer emits', () => {
  const docs = readFileSync('docs/output.md', 'utf8');
  const doc = JSON.parse(renderJson(rangeResult().result)) as {
    findings: Record<string, unknown>[];
  } & Record<string, unknown>;
  for (const key of Object.keys(doc)) expect(docs).toContain(`\`${key}`);
  for (const key of Object.keys(doc.findings[0]!)) expect(docs).toContain(`\`findings[].${key}\``);
});
