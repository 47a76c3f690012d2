/** Which bytes are UTF-16: BOM or not, LE or BE, mixed scripts; binary and random bytes are not. */
import { randomBytes } from 'node:crypto';
import { sniffEncoding } from '../../src/engine/content/sniff.js';

const le = (s: string): Buffer => Buffer.from(s, 'utf16le');
const be = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16();

test.each([
  ['UTF-8', Buffer.from('a=1\nb=2\n'), 'utf8', 0],
  ['UTF-8 BOM', Buffer.from('\ufeffa=1\n'), 'utf8', 3],
  ['UTF-16 LE BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), le('a=1\n')]), 'utf16le', 2],
  ['UTF-16 BE BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), be('a=1\n')]), 'utf16be', 2],
  ['UTF-16 LE', le('# settings\r\nKEY=value\r\n'), 'utf16le', 0],
  ['UTF-16 BE', be('KEY=value\n'), 'utf16be', 0],
  [
    'UTF-16 LE, ASCII with some CJK (U+4E00 has a zero low byte)',
    le(`${'KEY=value 一二\n'.repeat(40)}`),
    'utf16le',
    0,
  ],
  [
    'SQLite header',
    Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(100, 1)]),
    'binary',
    0,
  ],
  [
    'NULs between ASCII words (not every other byte)',
    Buffer.from('abc\0\0\0defgh\0ij\0'),
    'binary',
    0,
  ],
  ['UTF-16-like with control characters', le('a\u0001b\u0002c\u0003d\u0004'), 'binary', 0],
])('%s', (_name, data, encoding, bom) => {
  expect(sniffEncoding(data)).toEqual({ encoding, bom });
});

test('random bytes with a NUL are binary', () => {
  for (let i = 0; i < 200; i++) {
    const data = Buffer.concat([randomBytes(3000), Buffer.from([0])]);
    if (data[0] === 0xff || data[0] === 0xfe || data[0] === 0xef) data[0] = 0;
    expect(sniffEncoding(data).encoding).toBe('binary');
  }
});
