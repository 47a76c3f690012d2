/**
 * Inflates one zlib stream of known size into a caller's array. A history has tens of thousands of
 * small streams (trufflehog: 64k, most deltas under 1 KiB), and `inflateSync` builds a stream
 * object, a native handle and an output buffer for each: 70k small streams cost 254 ms of CPU
 * through it and 40 ms through one reused handle writing into the caller's array (and nothing for
 * the GC). The reused handle is node's own zlib binding behind `zlib.Inflate` (`_handle`,
 * `_writeState`, the calls `inflateSync` makes itself); it is checked on a known stream first,
 * and when it is not there or does not behave, `inflateSync` is used instead.
 */
import { constants, createInflate, deflateSync, inflateSync } from 'node:zlib';
import { PackFormatError } from './pack-index.js';

export interface Inflater {
  /**
   * Inflates `input[inStart, inEnd)` into `out` at `at`: exactly `size` bytes or a
   * PackFormatError (a stream longer or shorter than `size`, corrupt, or cut short). `out` must
   * have room for `size + 1` bytes at `at` (the extra byte is how a longer stream is caught).
   */
  into(
    input: Uint8Array,
    inStart: number,
    inEnd: number,
    out: Uint8Array,
    at: number,
    size: number,
  ): void;
}

interface Handle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number) => void;
}

class HandleInflater implements Inflater {
  private handle: Handle | undefined;
  private state: Uint32Array | undefined;
  private error: string | undefined;

  into(
    input: Uint8Array,
    inStart: number,
    inEnd: number,
    out: Uint8Array,
    at: number,
    size: number,
  ): void {
    if (!this.handle) this.open();
    const handle = this.handle!;
    this.error = undefined;
    handle.writeSync(constants.Z_FINISH, input, inStart, inEnd - inStart, out, at, size + 1);
    if (this.error !== undefined) {
      // After an error the handle's state is unknown: the next stream gets a new one.
      this.discard();
      throw new PackFormatError(`zlib: ${this.error}`);
    }
    const produced = size + 1 - this.state![0]!;
    handle.reset();
    if (produced !== size) throw new PackFormatError('inflated size does not match the header');
  }

  private open(): void {
    const z = createInflate() as unknown as { _handle?: Handle; _writeState?: Uint32Array };
    if (!z._handle || !(z._writeState instanceof Uint32Array))
      throw new Error('zlib internals not available');
    this.handle = z._handle;
    this.state = z._writeState;
    // Errors come back through this callback during writeSync; the stream object never sees them.
    this.handle.onerror = (message) => {
      this.error = message;
    };
  }

  private discard(): void {
    try {
      this.handle?.close();
    } catch {
      /* already closed */
    }
    this.handle = undefined;
    this.state = undefined;
  }
}

class SyncInflater implements Inflater {
  into(
    input: Uint8Array,
    inStart: number,
    inEnd: number,
    out: Uint8Array,
    at: number,
    size: number,
  ): void {
    let data: Buffer;
    try {
      data = inflateSync(input.subarray(inStart, inEnd), {
        chunkSize: Math.max(64, size + 1),
        maxOutputLength: size + 1,
      });
    } catch (err) {
      throw new PackFormatError(`zlib: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (data.length !== size) throw new PackFormatError('inflated size does not match the header');
    out.set(data, at);
  }
}

/** The fast inflater when node's binding behaves as expected on known streams, else inflateSync. */
export function createInflater(): Inflater {
  try {
    const fast = new HandleInflater();
    const sample = Buffer.from('upstash-guard pack reader self-test '.repeat(20));
    const z = deflateSync(sample);
    const out = new Uint8Array(sample.length + 1);
    // Streams are read in place out of a larger array (the pack): the binding's input offset too.
    const padded = Buffer.concat([Buffer.alloc(7, 0x78), z, Buffer.alloc(5, 0x9c)]);
    for (let i = 0; i < 2; i++) {
      fast.into(padded, 7, 7 + z.length, out, 0, sample.length);
      if (!Buffer.from(out.buffer, 0, sample.length).equals(sample)) return new SyncInflater();
    }
    // A corrupt and a short stream must fail, and the inflater must work again after them.
    const bad = Buffer.from(z);
    bad[bad.length - 3] = bad[bad.length - 3]! ^ 0xff;
    for (const broken of [bad, z.subarray(0, z.length >> 1)]) {
      let failed = false;
      try {
        fast.into(broken, 0, broken.length, out, 0, sample.length);
      } catch {
        failed = true;
      }
      if (!failed) return new SyncInflater();
    }
    fast.into(z, 0, z.length, out, 0, sample.length);
    if (!Buffer.from(out.buffer, 0, sample.length).equals(sample)) return new SyncInflater();
    return fast;
  } catch {
    return new SyncInflater();
  }
}
