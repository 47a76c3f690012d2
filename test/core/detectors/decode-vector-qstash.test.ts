/** decodeVectorToken (§3) and decodeQstashToken (§4). */
import { decodeQstashToken } from '../../../src/core/decode/qstash-token.js';
import { decodeVectorToken } from '../../../src/core/decode/vector-token.js';
import { qstashTokenDetector } from '../../../src/core/detectors/qstash-token.js';
import { vectorCandidate } from '../../../src/core/detectors/vector-token.js';
import type { MatchContext } from '../../../src/core/types.js';
import { qstashTokenParts, vectorTokenParts } from '../../helpers/synthetic.js';
import { runDetector } from './match.js';

const build = (name: string, role: string, id: string): string =>
  Buffer.concat([
    Buffer.from([0, name.length, role.length, id.length]),
    Buffer.from(name + role + id, 'latin1'),
  ]).toString('base64');
const ctx = (value: string): MatchContext => ({
  line: value,
  before: '',
  after: value,
  path: 'x.env',
  text: value,
  index: 0,
});

describe('decodeVectorToken', () => {
  it('decodes name, role and UUID, with or without padding', () => {
    for (let seed = 0; seed < 40; seed++) {
      const role = seed % 2 ? 'readonly' : 'admin';
      const v = vectorTokenParts({ role, seed });
      const expected = { name: v.name, role, uuid: v.uuid, layout: 'current', normalised: v.token };
      expect(decodeVectorToken(v.token)).toEqual(expected);
      expect(decodeVectorToken(v.token.replace(/=+$/, ''))).toEqual(expected);
    }
  });

  it('rejects truncation and names that cannot be endpoint labels', () => {
    const v = vectorTokenParts({ seed: 'v' });
    const b = Buffer.from(v.token, 'base64');
    expect(decodeVectorToken(b.subarray(0, -1).toString('base64'))).toBeNull();
    const badLen = Buffer.from(b);
    badLen[1] = badLen[1]! + 1;
    expect(decodeVectorToken(badLen.toString('base64'))).toBeNull();
    const id = Buffer.from(v.uuid).toString('base64');
    expect(decodeVectorToken(build('Not A Name', 'admin', id))).toBeNull();
    expect(decodeVectorToken(build(v.name, 'Admin Role', id))).toBeNull();
    expect(decodeVectorToken(build(v.name, 'admin', '\x01'.repeat(48)))).toBeNull();
    expect(decodeVectorToken(build(v.name, 'admin', id))).toMatchObject({ layout: 'current' });
  });

  it('reads an unknown role or a non-UUID secret as an unrecognised variant', () => {
    const v = vectorTokenParts({ seed: 'w' });
    const id = Buffer.from(v.uuid).toString('base64');
    expect(decodeVectorToken(build(v.name, 'writer', id))).toMatchObject({
      role: 'writer',
      uuid: id,
      layout: 'unrecognised variant',
    });
    const r = vectorTokenParts({ randomId: true, seed: 'x' });
    expect(decodeVectorToken(r.token)).toMatchObject({
      name: r.name,
      role: 'admin',
      layout: 'unrecognised variant',
    });
    // `xxxx…` as the secret decodes as a variant; the detector drops it as a placeholder.
    const xs = build(v.name, 'admin', Buffer.from('x'.repeat(36)).toString('base64'));
    expect(decodeVectorToken(xs)?.layout).toBe('unrecognised variant');
    expect(vectorCandidate(xs, ctx(xs))).toBeNull();
    expect(vectorCandidate(r.token, ctx(r.token))).toMatchObject({
      confidence: 'medium',
      readOnly: false,
      details: expect.objectContaining({ layout: 'unrecognised variant' }),
    });
  });

  it('rejects the Developer-API placeholder (base64 of "example@upstash.com:naber")', () => {
    expect(decodeVectorToken('ZXhhbXBsZUB1cHN0YXNoLmNvbTpuYWJlcg==')).toBeNull();
  });
});

describe('decodeQstashToken', () => {
  it('decodes UserID and Password, padding optional', () => {
    const q = qstashTokenParts({ seed: 'q' });
    const expected = {
      userId: q.userId,
      password: q.password,
      layout: 'current',
      normalised: q.token,
    };
    expect(decodeQstashToken(q.token)).toEqual(expected);
    expect(decodeQstashToken(q.token.replace(/=+$/, ''))).toEqual(expected);
  });

  it('rejects dev-server credentials, non-UUID users, truncation', () => {
    const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');
    const q = qstashTokenParts({ seed: 'r' });
    expect(
      decodeQstashToken(b64({ UserID: 'defaultUser', Password: 'defaultPassword' })),
    ).toBeNull();
    expect(decodeQstashToken(b64({ UserID: 'testUser1', Password: 'testPassword' }))).toBeNull();
    // A non-hex Password under a UUID user is a variant for the decoder; the detector still
    // drops `gggg…` and `password1` as placeholders (next test).
    expect(decodeQstashToken(b64({ UserID: q.userId, Password: 'g'.repeat(32) }))?.layout).toBe(
      'unrecognised variant',
    );
    expect(decodeQstashToken(b64({ UserID: 'user1', Password: q.password }))).toBeNull();
    expect(decodeQstashToken(q.token.slice(0, -8))).toBeNull();
  });

  it('decodes older tokens whose Password is a UUID (132 chars)', () => {
    for (let seed = 0; seed < 20; seed++) {
      const q = qstashTokenParts({ password: 'uuid', seed });
      expect(q.token).toHaveLength(132);
      expect(decodeQstashToken(q.token)).toEqual({
        userId: q.userId,
        password: q.password,
        layout: 'uuid-password',
        normalised: q.token,
      });
    }
  });

  it('reads a UUID user with an unfamiliar Password or extra keys as an unrecognised variant', () => {
    const q = qstashTokenParts({ password: { verbatim: 'Zk3f9Qp2Lw8Rt5Yx1Vb7Nc4M' }, seed: 1 });
    expect(decodeQstashToken(q.token)).toMatchObject({ layout: 'unrecognised variant' });
    const extra = qstashTokenParts({ extra: { Region: 'us-east-1' }, seed: 2 });
    expect(decodeQstashToken(extra.token)).toMatchObject({
      layout: 'unrecognised variant',
      password: extra.password,
    });
    // Not an object with string fields: not a QStash token at all.
    const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64');
    expect(decodeQstashToken(b64([q.userId, q.password]))).toBeNull();
    expect(decodeQstashToken(b64({ UserID: q.userId, Password: 42 }))).toBeNull();
  });

  it('the detector reports a variant at medium, and drops placeholder or short Passwords', () => {
    const v = qstashTokenParts({ password: { verbatim: 'Zk3f9Qp2Lw8Rt5Yx1Vb7Nc4M' }, seed: 3 });
    expect(runDetector(qstashTokenDetector, `QSTASH_TOKEN=${v.token}`)).toEqual([
      expect.objectContaining({
        candidate: expect.objectContaining({ confidence: 'medium' }) as unknown,
      }),
    ]);
    for (const verbatim of ['g'.repeat(32), 'password1', 'Zk3f9Qp2Lw8R', 'your-qstash-password'])
      expect(
        runDetector(
          qstashTokenDetector,
          `QSTASH_TOKEN=${qstashTokenParts({ password: { verbatim }, seed: verbatim }).token}`,
        ),
      ).toEqual([]);
  });
});
