import { attachSecret, revealSecret, type Finding } from '../src/core/types.js';

describe('secret material on findings', () => {
  it('is reachable through revealSecret but never serialised', () => {
    const finding: Finding = {
      type: 'upstash-redis-token',
      title: 'Upstash Redis REST token',
      readOnly: false,
      exposure: { kind: 'server' },
      severity: 'high',
      confidence: 'high',
      fingerprint: 'ug1:0000',
      masked: 'AY…',
      details: {},
      occurrences: [{ path: 'a', line: 1 }],
    };
    const marker = ['not', 'a', 'real', 'secret', 'value'].join('-');
    attachSecret(finding, { value: marker });
    expect(revealSecret(finding)?.value).toBe(marker);
    expect(JSON.stringify(finding)).not.toContain(marker);
    expect(Object.keys(finding)).not.toContain('secret');
    expect(JSON.stringify({ ...finding })).not.toContain(marker);
  });
});
