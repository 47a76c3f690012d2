/** The synthetic builders produce exactly the documented layouts, and `seed` makes them replayable. */
import { decodeBase64Std } from '../../../src/core/decode/base64.js';
import { decodeQstashToken } from '../../../src/core/decode/qstash-token.js';
import { decodeRedisToken } from '../../../src/core/decode/redis-token.js';
import { decodeVectorToken } from '../../../src/core/decode/vector-token.js';
import {
  boxApiKey,
  context7Key,
  kafkaCredentials,
  managementKey,
  qstashTokenParts,
  redisEndpoint,
  redisTokenParts,
  redisUrl,
  signingKey,
  vectorTokenParts,
} from '../../helpers/synthetic.js';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('synthetic builders', () => {
  it('are deterministic by seed and random without one', () => {
    expect(redisTokenParts({ seed: 7 })).toEqual(redisTokenParts({ seed: 7 }));
    expect(redisTokenParts({ seed: 7 }).token).not.toBe(redisTokenParts({ seed: 8 }).token);
    expect(qstashTokenParts().token).not.toBe(qstashTokenParts().token);
    expect(signingKey({ seed: 'x' })).toBe(signingKey({ seed: 'x' }));
  });

  it.each([
    ['current', false, 62, 63, 'AAI'],
    ['current', true, 54, 54, 'AAIgcD'],
    ['current64', false, 62, 72, 'AAI'],
    ['current64', true, 62, 62, 'AAIgcD'],
    ['legacy', false, 100, 100, 'ASQg'],
    ['legacy', true, 100, 100, 'ASQg'],
  ] as const)(
    'redis %s readOnly=%s: %i–%i chars, header %s',
    (layout, readOnly, min, max, anchor) => {
      for (let seed = 0; seed < 40; seed++) {
        const p = redisTokenParts({ layout, readOnly, seed });
        expect(p.token.length).toBeGreaterThanOrEqual(min);
        expect(p.token.length).toBeLessThanOrEqual(max);
        expect(p.token.slice(0, 20)).toContain(anchor);
        const buf = Buffer.from(p.token, 'base64url');
        expect(buf[0]).toBe((readOnly ? 2 : 1) | (layout === 'current64' ? 0x80 : 0));
        const t = decodeRedisToken(p.token);
        expect(t).toMatchObject({ dbId: p.dbId, readOnly, layout });
        if (layout === 'legacy') {
          expect(p.token.endsWith('=')).toBe(true);
          expect(p.uuid).toMatch(UUID4);
          if (!readOnly) expect(buf.subarray(42).toString('latin1')).toBe(p.password);
        }
        if (layout === 'current64') expect(p.dbId).toBeGreaterThan(0xffff);
      }
    },
  );

  it('builds endpoints and URLs in the documented host shapes', () => {
    expect(redisEndpoint(34127, { seed: 1 })).toMatch(
      /^https:\/\/[a-z]+-[a-z]+-34127\.upstash\.io$/,
    );
    expect(redisEndpoint(30143, { legacyRegion: 'eu2' })).toMatch(
      /^https:\/\/eu2-[a-z]+-[a-z]+-30143\.upstash\.io$/,
    );
    expect(redisEndpoint(5, { vercel: true })).toMatch(/-5\.kv\.vercel-storage\.com$/);
    expect(redisEndpoint(5, { fly: true })).toMatch(/^https:\/\/fly-/);
    expect(
      redisUrl({ password: 'pw', host: 'h.upstash.io', user: 'default_ro', scheme: 'redis' }),
    ).toBe('redis://default_ro:pw@h.upstash.io:6379');
  });

  it('builds Vector/Search, QStash, signing, management, Kafka, Box and Context7 values', () => {
    for (let seed = 0; seed < 20; seed++) {
      const v = vectorTokenParts({
        role: seed % 2 ? 'readonly' : 'admin',
        product: 'search',
        seed,
      });
      expect(v.token).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(v.token.length % 4).toBe(0);
      expect(decodeVectorToken(v.token)).toMatchObject({
        name: v.name,
        role: v.role,
        uuid: v.uuid,
      });
      expect(v.endpoint).toBe(`https://${v.name}-search.upstash.io`);

      const q = qstashTokenParts({ seed });
      expect(q.token).toHaveLength(128);
      expect(q.token.startsWith('eyJVc2VySUQi')).toBe(true);
      expect(decodeQstashToken(q.token)).toMatchObject({ userId: q.userId, password: q.password });

      expect(signingKey({ seed })).toMatch(/^sig_[1-9A-HJ-NP-Za-km-z]{28}$/);
      expect(signingKey({ legacy: true, seed })).toMatch(/^sig_[1-9A-HJ-NP-Za-km-z]{50}$/);
      expect(managementKey({ seed })).toMatch(UUID4);
      expect(context7Key({ seed })).toMatch(/^ctx7sk-[0-9a-f-]{36}$/);
      expect(boxApiKey({ seed })).toMatch(/^box_[A-Za-z0-9]{24}$/);

      const k = kafkaCredentials({ seed });
      expect(decodeBase64Std(k.password)!.toString('latin1')).toMatch(UUID4);
      expect(k.password).toHaveLength(48);
      const user = Buffer.from(k.username, 'base64url');
      expect(user.toString('latin1')).toMatch(/^[a-z]+-[a-z]+-\d+\$/);
      expect(k.url).toMatch(/^https:\/\/[a-z]+-[a-z]+-\d+-eu1-rest-kafka\.upstash\.io$/);
    }
  });
});
