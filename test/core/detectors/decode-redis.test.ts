/** decodeRedisToken: the exact §2 layout rules, one property per test. */
import { decodeRedisToken } from '../../../src/core/decode/redis-token.js';
import { redisTokenParts } from '../../helpers/synthetic.js';

const LAYOUTS = [
  { layout: 'current', readOnly: false },
  { layout: 'current', readOnly: true },
  { layout: 'current64', readOnly: false, withSuffix: true },
  { layout: 'current64', readOnly: false, withSuffix: false },
  { layout: 'current64', readOnly: true },
  { layout: 'legacy', readOnly: false },
  { layout: 'legacy', readOnly: true },
] as const;

const bytes = (t: string): Buffer => Buffer.from(t, 'base64url');
const enc = (b: Buffer): string => b.toString('base64url');

describe.each(LAYOUTS)('decodeRedisToken %o', (opts) => {
  it('decodes id, privilege and layout; the legacy password; canonical padding', () => {
    for (let seed = 0; seed < 50; seed++) {
      const p = redisTokenParts({ ...opts, seed });
      const t = decodeRedisToken(p.token)!;
      expect(t).toMatchObject({ dbId: p.dbId, readOnly: opts.readOnly, layout: opts.layout });
      expect(t.normalised).toBe(p.token);
      expect(t.tcpPassword).toBe(p.password);
    }
  });

  it('accepts dropped padding and normalises it back', () => {
    const p = redisTokenParts({ ...opts, seed: 'pad' });
    const t = decodeRedisToken(p.token.replace(/=+$/, ''));
    expect(t?.normalised).toBe(p.token);
  });

  it('rejects the token truncated by one character and by one byte', () => {
    for (let seed = 0; seed < 20; seed++) {
      const p = redisTokenParts({ ...opts, seed });
      const bare = p.token.replace(/=+$/, '');
      expect(decodeRedisToken(bare.slice(0, -1))).toBeNull();
      expect(decodeRedisToken(enc(bytes(p.token).subarray(0, -1)))).toBeNull();
      expect(decodeRedisToken(`${bare}AAAA`)).toBeNull();
    }
  });

  it('rejects a flipped kind byte and flipped length fields', () => {
    const p = redisTokenParts({ ...opts, seed: 'flip' });
    const at = opts.layout === 'current64' ? 9 : 3;
    for (const [offset, delta] of [
      [0, 2],
      [at + 1, 1],
      [at + 2, 1],
      [at + 2, -1],
    ] as const) {
      const b = bytes(p.token);
      b[offset] = (b[offset]! + delta) & 0xff;
      expect(decodeRedisToken(enc(b))).toBeNull();
    }
  });
});

describe('decodeRedisToken field rules', () => {
  it('rejects a standard hex field with a non-hex character', () => {
    for (const layout of ['current', 'current64', 'legacy'] as const) {
      const p = redisTokenParts({ layout, seed: 'hex' });
      const b = bytes(p.token);
      const hexStart = layout === 'legacy' ? 42 : layout === 'current64' ? 14 : 8;
      b[hexStart + 3] = 'g'.charCodeAt(0);
      expect(decodeRedisToken(enc(b))).toBeNull();
    }
  });

  it('rejects a current token whose ASCII id suffix disagrees with the binary id', () => {
    const p = redisTokenParts({ dbId: 34127, seed: 's' });
    const b = bytes(p.token);
    b[b.length - 1] = b[b.length - 1] === 0x37 ? 0x38 : 0x37;
    expect(decodeRedisToken(enc(b))).toBeNull();
  });

  it('keeps 64-bit-id tokens with a run of AAAAAA (the gitleaks stopword aaaaaa drops them)', () => {
    const p = redisTokenParts({ layout: 'current64', dbId: 70001, seed: 1 });
    expect(p.token).toContain('AAAAAAA');
    expect(decodeRedisToken(p.token)).toMatchObject({ dbId: 70001, layout: 'current64' });
  });

  it('reads privilege from byte 0 only', () => {
    const std = redisTokenParts({ layout: 'legacy', seed: 2 });
    const b = bytes(std.token);
    b[0] = 0x02; // same body, read-only kind: legacy read-only field2 is any 32 bytes
    expect(decodeRedisToken(enc(b))?.readOnly).toBe(true);
  });

  it('reports a valid header with an unknown field1 as a possible ACL-user token', () => {
    const field1 = Buffer.from('user:alice');
    const field2 = Buffer.from('0123456789abcdef0123456789abcdef');
    const b = Buffer.concat([
      Buffer.from([0x01, 0x12, 0x34, 0x00, field1.length, 32]),
      field1,
      field2,
    ]);
    expect(decodeRedisToken(enc(b))).toMatchObject({ layout: 'acl', dbId: 0x1234 });
  });

  it('rejects docs fakes and non-tokens', () => {
    for (const v of [
      'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhc',
      'AYNgAS2553feg6a2d9842h2a0gcdb5f8efe9934DQ=',
      '2553feg6a2d9842h2a0gcdb5f8efe9934',
      'AX8vACQg' + 'OTMyY2UyYy00NjgzLWJhNzUtMzQ0YzA4YWUxNDNiZMyYTI3NDYzMDllMTE4MzczNTQ5ZTU3NGQ=',
      'AAAAC3NzaC1lZDI1NTE5AAAAIMcdAAIncDEzNDQ0MDhhNzJmMGJjMTRhMzgw',
      '',
      'A',
      'AYVP+AAIncDEzNDQ0',
    ])
      expect(decodeRedisToken(v)).toBeNull();
  });
});
