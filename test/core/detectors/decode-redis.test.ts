/** decodeRedisToken: the exact §2 layout rules, one property per test. */
import { createHash } from 'node:crypto';
import { decodeRedisToken, inspectRedisToken } from '../../../src/core/decode/redis-token.js';
import { PUBLIC_EXAMPLES } from '../../helpers/public-examples.js';
import {
  hex32Secret,
  makeRng,
  redisToken,
  redisTokenFromFields,
  redisTokenParts,
  SSH_KEY_HOLDING_TOKEN_BYTES,
} from '../../helpers/synthetic.js';

const LAYOUTS = [
  { layout: 'current', readOnly: false },
  { layout: 'current', readOnly: true },
  // Public repositories: the decimal after p<d> is not always N (`p10`), or there is no suffix.
  { layout: 'current', readOnly: false, suffix: 'p10' },
  { layout: 'current', readOnly: false, suffix: null },
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
  it('rejects a standard hex field with one to three non-hex letters: a hand-edited copy', () => {
    // restapi.mdx's `2553feg6a2d9842h…` is this kind of edit; random key material is all hex.
    for (const layout of ['current', 'current64', 'legacy'] as const) {
      for (const edits of [1, 3]) {
        const p = redisTokenParts({ layout, seed: `hex${edits}` });
        const b = bytes(p.token);
        const hexStart = layout === 'legacy' ? 42 : layout === 'current64' ? 14 : 8;
        for (let e = 0; e < edits; e++) b[hexStart + 3 + 5 * e] = 'g'.charCodeAt(0);
        expect(decodeRedisToken(enc(b))).toBeNull();
        expect(inspectRedisToken(enc(b))).toEqual({ ok: false, reason: 'edited-hex' });
      }
    }
  });

  it('accepts any decimal after p<d>, not only the database id, and no suffix at all', () => {
    const p = redisTokenParts({ dbId: 34127, seed: 's' });
    const b = bytes(p.token);
    b[b.length - 1] = b[b.length - 1] === 0x37 ? 0x38 : 0x37;
    expect(decodeRedisToken(enc(b))).toMatchObject({ dbId: 34127, layout: 'current' });
    for (const suffix of ['p10', 'p20', 'p1999', null]) {
      const t = redisTokenParts({ dbId: 34127, suffix, seed: String(suffix) });
      expect(bytes(t.token).length).toBe(6 + 2 + 32 + (suffix?.length ?? 0));
      expect(decodeRedisToken(t.token)).toMatchObject({ dbId: 34127, layout: 'current' });
    }
    // The shapes from the issue: 58 characters with `p10`, 54 without a suffix.
    expect(redisTokenParts({ suffix: 'p10' }).token).toHaveLength(58);
    expect(redisTokenParts({ suffix: null }).token).toHaveLength(54);
  });

  it('reports a valid header around unfamiliar fields as an unrecognised variant', () => {
    const hex = hex32Secret({ seed: 'v' });
    for (const [fields, readOnly] of [
      [{ field1: 'p1', field2: `${hex}q7` }, false], // unknown suffix
      [{ field1: 'p1', field2: makeRng('b').bytes(32) }, false], // standard kind, binary secret
      [{ field1: 'p1', field2: hex, flag: 1 }, false], // flag 01 with a current body
      [{ kind: 0x02, field1: 'p2', field2: makeRng('r').bytes(40) }, true], // longer RO secret
      [{ kind: 0x81, field1: 'p3', field2: `${hex}p3x` }, false],
    ] as const) {
      const t = decodeRedisToken(redisTokenFromFields(fields));
      expect(t).toMatchObject({ layout: 'unrecognised variant', readOnly });
      expect(t?.unknownField1).toBeUndefined();
    }
  });

  it('rejects only values whose structure contradicts itself, and says why', () => {
    const hex = hex32Secret({ seed: 'c' });
    const cases: [string, string][] = [
      [redisTokenFromFields({ field1: 'p1', field2: hex, len2: 40 }), 'truncated'],
      [redisTokenFromFields({ field1: 'p1', field2: hex, len2: 30 }), 'overlong'],
      [redisTokenFromFields({ dbId: 0, field1: 'p1', field2: hex }), 'zero-id'],
      [redisTokenFromFields({ field1: Buffer.from([0x9c, 0x01]), field2: hex }), 'binary-field1'],
      [redisTokenFromFields({ field1: 'p1', field2: 'abcdef0123' }), 'short-secret'],
    ];
    for (const [value, reason] of cases) {
      expect(decodeRedisToken(value)).toBeNull();
      expect(inspectRedisToken(value)).toEqual({ ok: false, reason });
    }
  });

  it('rejects a header that adds up around a typed secret field as a placeholder', () => {
    const counting = '0123456789abcdef'.repeat(2);
    for (const value of [
      redisTokenFromFields({ field1: 'p1', field2: `${'0'.repeat(32)}p134127` }),
      redisTokenFromFields({ field1: 'p1', field2: `${counting}p134127` }),
      redisTokenFromFields({ field1: 'p1', field2: 'x'.repeat(32) }),
      redisTokenFromFields({ kind: 0x82, dbId: 123456, field1: 'p1', field2: Buffer.alloc(32) }),
      redisTokenFromFields({ kind: 0x02, field1: 'p2', field2: Buffer.alloc(32, 0xff) }),
    ])
      expect(inspectRedisToken(value)).toEqual({ ok: false, reason: 'placeholder' });
    // Random fields of every layout still decode, also those with a run of six equal or
    // ascending hex characters (isPlaceholder would reject those: about 1 in 20,000).
    for (let i = 0; i < 300; i++)
      for (const o of [{}, { readOnly: true }, { layout: 'legacy' as const }])
        expect(inspectRedisToken(redisToken({ ...o, seed: `ph-${i}` }))?.ok).toBe(true);
    for (const hex of ['a'.repeat(6), '012345', 'abcdef'].map((r) => r + hex32Secret().slice(6)))
      expect(inspectRedisToken(redisTokenFromFields({ field1: 'p1', field2: hex }))?.ok).toBe(true);
  });

  it('never reads random base64, hashes or JWT parts with a plausible first byte as a variant', () => {
    // The first character pins the kind byte (what the candidate regex admits); the rest is random:
    // the flag, both lengths and a printable field1 must still add up, which chance almost never does.
    const rng = makeRng('noise');
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const b = rng.bytes(32 + rng.int(50));
      b[0] = [0x01, 0x02, 0x81, 0x82][i % 4]!;
      if (decodeRedisToken(enc(b))) accepted++;
    }
    expect(accepted).toBe(0);
    // SHA-512 digests and HS256 JWT signatures (32 bytes), first byte forced to a kind byte.
    for (let i = 0; i < 4000; i++) {
      const d = createHash(i % 2 ? 'sha512' : 'sha256')
        .update(String(i))
        .digest();
      d[0] = i % 3 ? 0x01 : 0x82;
      expect(decodeRedisToken(enc(d))).toBeNull();
    }
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

  it('reports a valid header with an unknown field1 as a possible ACL-user token (a variant)', () => {
    const field1 = Buffer.from('user:alice');
    // Random hex: a counting one reads as a typed placeholder ('placeholder' rejection).
    const field2 = Buffer.from(hex32Secret({ seed: 'acl' }));
    const b = Buffer.concat([
      Buffer.from([0x01, 0x12, 0x34, 0x00, field1.length, 32]),
      field1,
      field2,
    ]);
    expect(decodeRedisToken(enc(b))).toMatchObject({
      layout: 'unrecognised variant',
      dbId: 0x1234,
      unknownField1: true,
    });
  });

  it('rejects docs fakes and non-tokens', () => {
    for (const v of [
      'AQIDBAUGBwgJCgsMDQ4PEBESExQVFhc',
      PUBLIC_EXAMPLES.restApiDocsToken.value,
      PUBLIC_EXAMPLES.restApiDocsHex.value,
      PUBLIC_EXAMPLES.openapiRedisToken.value,
      SSH_KEY_HOLDING_TOKEN_BYTES,
      '',
      'A',
      'AYVP+AAIncDEzNDQ0',
    ])
      expect(decodeRedisToken(v)).toBeNull();
  });
});
