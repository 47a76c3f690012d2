import { renderSarif } from '../../src/report/index.js';
import { sarifValidator } from '../helpers/report-outputs.js';
import {
  emptyResult,
  emptySkippedResult,
  historyResult,
  rangeResult,
  skippedResult,
} from './fixtures.js';

const validate = sarifValidator();

describe('SARIF output', () => {
  test.each([
    ['range', rangeResult().result],
    ['history', historyResult().result],
    ['empty', emptyResult()],
    ['skipped', skippedResult().result],
    ['empty but skipped', emptySkippedResult()],
  ])('%s result validates against the official SARIF 2.1.0 schema', (_name, result) => {
    const log = JSON.parse(renderSarif(result)) as unknown;
    const ok = validate(log);
    expect(validate.errors ?? null).toBeNull();
    expect(ok).toBe(true);
  });

  test('the validator rejects a broken log (the schema check can fail)', () => {
    const log = JSON.parse(renderSarif(rangeResult().result)) as {
      runs: { results: { level: string }[] }[];
    };
    log.runs[0]!.results[0]!.level = 'catastrophic';
    expect(validate(log)).toBe(false);
  });

  test('what GitHub code scanning needs: locations, fingerprints, rules, severities, no snippet', () => {
    const { result } = rangeResult();
    const log = JSON.parse(renderSarif(result)) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const run = log.runs[0];
    expect(run.results).toHaveLength(result.findings.reduce((n, f) => n + f.occurrences.length, 0));
    const redis = run.results.find((r: any) => r.ruleId === 'upstash-redis-token'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(redis.level).toBe('error');
    expect(redis.partialFingerprints['upstashGuardFingerprint/v2']).toMatch(
      /^ug1_rd00000000000000000000000002:[0-9a-f]{16}$/,
    );
    // Code scanning folds results with equal partial fingerprints into one alert: each place of
    // a credential must stay its own alert, and no fingerprint may repeat in a run.
    type Result = {
      partialFingerprints: Record<string, string>;
      properties: { fingerprint: string };
      locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
    };
    const results = run.results as Result[];
    const keys = results.map((r) => r.partialFingerprints['upstashGuardFingerprint/v2']);
    const places = results.map(
      (r) => `${r.properties.fingerprint} ${r.locations[0]!.physicalLocation.artifactLocation.uri}`,
    );
    expect(new Set(keys).size).toBe(new Set(places).size);
    expect(redis.locations[0].physicalLocation.artifactLocation.uri).toBe('.env.local');
    expect(redis.locations[0].physicalLocation.region).toEqual({ startLine: 3 });
    expect(redis.properties).toMatchObject({
      readOnly: false,
      verification: 'live',
      'security-severity': '9.5',
    });
    expect(JSON.stringify(log)).not.toContain('snippet');
    const pipe = run.results.find((r: any) => r.ruleId === 'upstash-search-token'); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(pipe.locations[0].physicalLocation.artifactLocation.uri).toBe('src/search%7Cbar.tsx');
    const rule = run.tool.driver.rules[redis.ruleIndex];
    expect(rule.id).toBe('upstash-redis-token');
    expect(rule.help.text).toContain('Rotate first: rewriting history revokes nothing.');
    expect(rule.help.text).toContain('reset-password');
  });
});
