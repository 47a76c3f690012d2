import {
  compareSeverity,
  DEFAULT_CONFIG,
  failsScan,
  isPathIgnored,
  severityOf,
  type Finding,
  type SeverityInput,
} from '../../../src/core/index.js';
import { parseConfig } from '../../../src/core/config/schema.js';

const server = { kind: 'server' } as const;
const browser = { kind: 'browser', reason: 'VITE_ prefix' } as const;

describe('severity', () => {
  it.each<[string, SeverityInput, string]>([
    [
      'management key',
      {
        type: 'upstash-management-key',
        readOnly: false,
        exposure: server,
        confidence: 'high',
        details: {},
      },
      'critical',
    ],
    [
      'browser full-access token',
      {
        type: 'upstash-redis-token',
        readOnly: false,
        exposure: browser,
        confidence: 'high',
        details: {},
      },
      'critical',
    ],
    [
      'server full-access token',
      {
        type: 'upstash-redis-token',
        readOnly: false,
        exposure: server,
        confidence: 'high',
        details: {},
      },
      'high',
    ],
    [
      'QStash signing key',
      {
        type: 'upstash-qstash-signing-key',
        readOnly: null,
        exposure: server,
        confidence: 'high',
        details: {},
      },
      'high',
    ],
    [
      'read-only Vector token in a browser',
      {
        type: 'upstash-vector-token',
        readOnly: true,
        exposure: browser,
        confidence: 'high',
        details: {},
      },
      'medium',
    ],
    [
      'read-only Search token',
      {
        type: 'upstash-search-token',
        readOnly: true,
        exposure: browser,
        confidence: 'high',
        details: { publicByDesign: true },
      },
      'info',
    ],
    [
      'Kafka',
      {
        type: 'upstash-kafka-credentials',
        readOnly: false,
        exposure: server,
        confidence: 'high',
        details: {},
      },
      'low',
    ],
    [
      'low-confidence fallback',
      {
        type: 'upstash-redis-token',
        readOnly: null,
        exposure: server,
        confidence: 'low',
        details: {},
      },
      'medium',
    ],
  ])('%s -> %s', (_name, input, want) => {
    expect(severityOf(input)).toBe(want);
  });

  it('compareSeverity sorts most severe first; failsScan honours failOn', () => {
    expect(['low', 'critical', 'info', 'high'].sort(compareSeverity as never)).toEqual([
      'critical',
      'high',
      'low',
      'info',
    ]);
    const f = (severity: Finding['severity']) => ({ severity }) as Finding;
    expect(failsScan([f('medium')], DEFAULT_CONFIG)).toBe(true);
    expect(failsScan([f('low'), f('info')], DEFAULT_CONFIG)).toBe(false);
    expect(failsScan([f('high')], { ...DEFAULT_CONFIG, failOn: 'critical' })).toBe(false);
    expect(failsScan([], { ...DEFAULT_CONFIG, failOn: 'info' })).toBe(false);
  });
});

describe('isPathIgnored', () => {
  const config = parseConfig('ignorePaths: ["test/fixtures/**", "*.snap", ".secrets/*"]\n', 'c');
  it.each([
    ['package-lock.json', true],
    ['apps/web/pnpm-lock.yaml', true],
    ['yarn.lock', true],
    ['vendor/go.sum', true],
    ['test/fixtures/a/b.env', true],
    ['x.snap', true],
    ['.secrets/prod.env', true],
    ['package.json', false],
    ['src/test/fixtures.ts', false],
    ['docs/x.snap', false],
    ['.env', false],
  ])('%s -> %s', (path, want) => {
    expect(isPathIgnored(path, config)).toBe(want);
  });

  it('defaults ignore only lockfiles', () => {
    expect(isPathIgnored('test/fixtures/a.env', DEFAULT_CONFIG)).toBe(false);
    expect(isPathIgnored('npm-shrinkwrap.json', DEFAULT_CONFIG)).toBe(true);
  });
});
