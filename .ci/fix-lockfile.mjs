/* global URL, console */
// The registry these machines reach serves only linux builds of platform-specific optional
// packages (@swc/core-*, @msgpackr-extract/*, @unrs/resolver-binding-*), so `npm install` leaves
// them out of package-lock.json and `npm ci` then rejects the lock as out of sync. This adds an
// entry (version + os/cpu, no tarball) for each missing optional platform package; npm ci skips
// them on a non-matching platform without fetching anything. Idempotent; run after npm install.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const OS = [
  'darwin',
  'linux',
  'win32',
  'android',
  'freebsd',
  'openharmony',
  'sunos',
  'openbsd',
  'netbsd',
  'aix',
];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el'];
let added = 0;
for (const [key, pkg] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const base = key.startsWith('node_modules/') || key === '' ? '' : `${key}/`;
    const candidates = [`${base}node_modules/${name}`, `node_modules/${name}`];
    if (candidates.some((c) => lock.packages[c])) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((p) => OS.includes(p));
    const cpu = parts.find((p) => CPU.includes(p));
    if (!os || !cpu) continue; // not a platform package: leave it to npm
    const entry = {
      version: String(version).replace(/^[\^~=]/, ''),
      optional: true,
      os: [os],
      cpu: [cpu],
    };
    if (os === 'linux' && parts.includes('musl')) entry.libc = ['musl'];
    if (os === 'linux' && parts.some((p) => p.startsWith('gnu'))) entry.libc = ['glibc'];
    lock.packages[`node_modules/${name}`] = entry;
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`fix-lockfile: added ${added} platform entries`);
