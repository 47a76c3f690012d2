import { decodeRedisToken } from '../../src/core/decode/redis-token.js';
import { decodeVectorToken } from '../../src/core/decode/vector-token.js';
import { decodeQstashToken } from '../../src/core/decode/qstash-token.js';
import { redisTokenParts, vectorTokenParts, qstashToken } from '../helpers/synthetic.js';

describe('decodeRedisToken', () => {
  const cases = [
    { layout: 'current', readOnly: false },
    { layout: 'current', readOnly: true },
    { layout: 'current64', readOnly: false, withSuffix: true },
    { layout: 'current64', readOnly: false, withSuffix: false },
    { layout: 'current64', readOnly: true },
    { layout: 'legacy', readOnly: false },
    { layout: 'legacy', readOnly: true },
  ] as const;
  it.each(cases)('decodes %o', (c) => {
    for (let i = 0; i < 30; i++) {
      const parts = redisTokenParts(c);
      const t = decodeRedisToken(parts.token);
      expect(t).not.toBeNull();
      expect(t!.dbId).toBe(parts.dbId);
      expect(t!.readOnly).toBe(c.readOnly);
      expect(t!.layout).toBe(c.layout);
      if (parts.password) expect(t!.tcpPassword).toBe(parts.password);
    }
  });
  it('accepts dropped padding and rejects truncation and flipped length bytes', () => {
    const legacy = redisTokenParts({ layout: 'legacy' }).token;
    expect(decodeRedisToken(legacy.replace(/=+$/, ''))).not.toBeNull();
    const cur = redisTokenParts({ layout: 'current' }).token;
    expect(decodeRedisToken(cur.slice(0, -1))).toBeNull();
    expect(decodeRedisToken(cur.slice(0, -4))).toBeNull();
    const buf = Buffer.from(cur, 'base64url');
    buf[5] = buf[5]! + 1;
    expect(decodeRedisToken(buf.toString('base64url'))).toBeNull();
  });
  it('rejects docs fakes', () => {
    expect(decodeRedisToken('AQIDBAUGBwgJCgsMDQ4PEBESExQVFhc')).toBeNull();
    expect(decodeRedisToken('AYNgAS2553feg6a2d9842h2a0gcdb5f8efe9934DQ=')).toBeNull();
  });
});

describe('decodeVectorToken / decodeQstashToken', () => {
  it('decodes synthetic tokens', () => {
    const v = vectorTokenParts({ role: 'readonly' });
    expect(decodeVectorToken(v.token)).toMatchObject({
      name: v.name,
      role: 'readonly',
      uuid: v.uuid,
    });
    expect(decodeQstashToken(qstashToken())).not.toBeNull();
  });
  it('rejects dev-server QStash tokens', () => {
    const dev = Buffer.from('{"UserID":"defaultUser","Password":"defaultPassword"}').toString(
      'base64',
    );
    expect(decodeQstashToken(dev)).toBeNull();
  });
});
