/**
 * The embedded incident store: one JSON document per installation in a directory, replaced
 * atomically (write a temporary file, fsync it, rename it over the old one, fsync the directory),
 * so a crash at any point leaves either the old or the new document, never a torn one.
 *
 * Why a file and not an embedded database: the in-process mode is one Node process, the
 * documents are small (an incident is a few kilobytes, an organisation has tens to hundreds), and
 * it needs nothing installed. better-sqlite3 is a native addon that needs a compiler at install
 * time; node:sqlite does not exist on Node 20. Updates to one installation are serialised by a
 * promise chain; the whole document is rewritten per update, which at these sizes costs well under
 * a millisecond of CPU plus one fsync.
 */
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Incident } from './model.js';
import { checkKey, type IncidentStore, type IncidentUpdate } from './store.js';

interface Doc {
  version: 1;
  installationId: number;
  incidents: Record<string, Incident>;
}

const FILE = /^installation-(\d+)\.json$/;

export class FileIncidentStore implements IncidentStore {
  private readonly docs = new Map<number, Doc>();
  private readonly chains = new Map<number, Promise<unknown>>();
  private ready: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  private init(): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    return this.ready;
  }

  private path(installationId: number): string {
    return join(this.dir, `installation-${installationId}.json`);
  }

  private async load(installationId: number): Promise<Doc> {
    const cached = this.docs.get(installationId);
    if (cached) return cached;
    await this.init();
    let doc: Doc;
    try {
      const parsed = JSON.parse(await readFile(this.path(installationId), 'utf8')) as Doc;
      if (parsed?.version !== 1 || typeof parsed.incidents !== 'object' || !parsed.incidents)
        throw new Error(`unrecognised incident file ${this.path(installationId)}`);
      doc = parsed;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      doc = { version: 1, installationId, incidents: {} };
    }
    this.docs.set(installationId, doc);
    return doc;
  }

  /** Runs `fn` after every earlier operation on the same installation has finished. */
  private serial<T>(installationId: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(installationId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    this.chains.set(
      installationId,
      run.catch(() => undefined),
    );
    return run;
  }

  private async persist(doc: Doc): Promise<void> {
    const target = this.path(doc.installationId);
    const tmp = `${target}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(JSON.stringify(doc));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
    const dirHandle = await open(this.dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }

  async get(installationId: number, fingerprint: string): Promise<Incident | undefined> {
    checkKey(installationId, fingerprint);
    return this.serial(installationId, async () => {
      const doc = await this.load(installationId);
      const i = doc.incidents[fingerprint];
      return i ? structuredClone(i) : undefined;
    });
  }

  async list(installationId: number): Promise<Incident[]> {
    return this.serial(installationId, async () => {
      const doc = await this.load(installationId);
      return Object.values(doc.incidents).map((i) => structuredClone(i));
    });
  }

  async installations(): Promise<number[]> {
    await this.init();
    const ids = new Set<number>();
    for (const name of await readdir(this.dir)) {
      const m = FILE.exec(name);
      if (m) ids.add(Number(m[1]));
    }
    for (const [id, doc] of this.docs) if (Object.keys(doc.incidents).length) ids.add(id);
    const out: number[] = [];
    for (const id of ids) if ((await this.list(id)).length > 0) out.push(id);
    return out.sort((a, b) => a - b);
  }

  async update(
    installationId: number,
    fingerprint: string,
    fn: IncidentUpdate,
  ): Promise<Incident | undefined> {
    checkKey(installationId, fingerprint);
    return this.serial(installationId, async () => {
      const doc = await this.load(installationId);
      const current = doc.incidents[fingerprint];
      const next = fn(current ? structuredClone(current) : undefined);
      if (next === undefined) return current ? structuredClone(current) : undefined;
      if (next.fingerprint !== fingerprint || next.installationId !== installationId)
        throw new Error('an incident update may not change its key');
      const updated: Doc = {
        ...doc,
        incidents: { ...doc.incidents, [fingerprint]: structuredClone(next) },
      };
      await this.persist(updated);
      this.docs.set(installationId, updated);
      return structuredClone(next);
    });
  }

  async deleteInstallation(installationId: number): Promise<void> {
    await this.serial(installationId, async () => {
      this.docs.delete(installationId);
      await rm(this.path(installationId), { force: true });
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}
