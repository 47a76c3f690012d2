import { DEFAULT_CONFIG } from '../../src/core/config/types.js';
import type { Finding, ScanResult } from '../../src/core/types.js';
import { renderCheckRun } from '../../src/report/index.js';
import { emptyResult, rangeResult, scanFindings } from './fixtures.js';

const config = DEFAULT_CONFIG; // failOn: medium

describe('renderCheckRun', () => {
  test('conclusion follows severity against config.failOn', () => {
    const { result } = rangeResult();
    expect(renderCheckRun(result, { config }).conclusion).toBe('failure');
    const onlyInfo: ScanResult = {
      ...result,
      findings: result.findings.filter((f) => f.severity === 'info'),
    };
    expect(renderCheckRun(onlyInfo, { config }).conclusion).toBe('neutral');
    expect(renderCheckRun(onlyInfo, { config: { ...config, failOn: 'info' } }).conclusion).toBe(
      'failure',
    );
    expect(renderCheckRun(emptyResult(), { config }).conclusion).toBe('success');
  });

  test('one annotation per occurrence, on the exact path and line, level by severity', () => {
    const { result } = rangeResult();
    const out = renderCheckRun(result, { config });
    expect(out.annotations).toHaveLength(5);
    const redis = out.annotations.filter((a) => a.path === 'apps/web/.env');
    expect(redis).toEqual([
      expect.objectContaining({ start_line: 12, end_line: 12, annotation_level: 'failure' }),
    ]);
    expect(out.annotations.find((a) => a.path === 'src/search|bar.tsx')?.annotation_level).toBe(
      'notice',
    );
    expect(out.summary).toContain('| critical | Redis REST token | full access |');
    expect(out.text.startsWith('**Rotate first: rewriting history revokes nothing.**')).toBe(true);
  });

  test('stays inside GitHub limits with thousands of findings, and says it truncated', () => {
    const base = scanFindings()[1]!;
    const many: Finding[] = Array.from({ length: 3000 }, (_, i) => ({
      ...base,
      fingerprint: `ug1_${String(i).padStart(28, '0')}`,
      endpoint: `https://some-very-long-database-name-${i}.upstash.io`,
      occurrences: [{ path: `services/service-${i}/config/production/.env`, line: i + 1 }],
    }));
    const out = renderCheckRun({ ...emptyResult('range'), findings: many }, { config });
    expect(out.summary.length).toBeLessThanOrEqual(65_535);
    expect(out.text.length).toBeLessThanOrEqual(65_535);
    expect(out.title.length).toBeLessThanOrEqual(255);
    expect(out.summary).toContain('Table truncated');
    // The App sends them in batches of 50: at most 20 requests, and the summary says the rest.
    expect(out.annotations).toHaveLength(1000);
    expect(out.summary).toMatch(/\n_2,000 more places are not annotated .* lists every one\._\n/);
    expect(out.conclusion).toBe('failure');
  });

  test('config error: neutral, names the file and field, scans nothing', () => {
    const out = renderCheckRun(null, {
      config,
      configError: {
        source: '.github/upstash-guard.yml',
        field: 'allow.0.fingerprint',
        message: 'Required',
      },
    });
    expect(out.conclusion).toBe('neutral');
    expect(out.title).toBe('Invalid configuration in .github/upstash-guard.yml');
    expect(out.summary).toContain('`allow.0.fingerprint`');
    expect(out.summary).toContain('**not scanned**');
    expect(out.annotations).toEqual([]);
  });
});
