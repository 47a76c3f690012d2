/** Scan slots: a bound on scans at once, served by priority, refused on shutdown. */
import { ScanSlots, ShuttingDownError } from '../../src/queue/scan-slots.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

test('at most `size` run at once; waiters by priority, then in arrival order', async () => {
  const slots = new ScanSlots(2);
  const order: string[] = [];
  let running = 0;
  let most = 0;
  const releases = new Map<string, () => void>();
  const job = (name: string, priority: number) =>
    slots.run(priority, async () => {
      order.push(name);
      most = Math.max(most, ++running);
      await new Promise<void>((r) => releases.set(name, r));
      running--;
    });
  const all = [job('a', 10), job('b', 10), job('history', 10), job('push1', 1), job('push2', 1)];
  await tick();
  expect(order).toEqual(['a', 'b']);
  expect(slots.waiting).toBe(3);
  releases.get('a')!();
  await tick();
  releases.get('b')!();
  await tick();
  expect(order).toEqual(['a', 'b', 'push1', 'push2']);
  releases.get('push1')!();
  await tick();
  releases.get('push2')!();
  await tick();
  releases.get('history')!();
  await Promise.all(all);
  expect(order).toEqual(['a', 'b', 'push1', 'push2', 'history']);
  expect(most).toBe(2);
  expect(slots.waiting).toBe(0);
});

test('a failing job frees its slot', async () => {
  const slots = new ScanSlots(1);
  await expect(slots.run(1, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(slots.run(1, async () => 'ran')).resolves.toBe('ran');
});

test('close() refuses the waiters and later requests; running work completes', async () => {
  const slots = new ScanSlots(1);
  let release!: () => void;
  const running = slots.run(1, () => new Promise<string>((r) => (release = () => r('done'))));
  const waiting = slots.run(1, async () => 'never');
  await tick();
  slots.close();
  await expect(waiting).rejects.toBeInstanceOf(ShuttingDownError);
  await expect(slots.run(1, async () => 'never')).rejects.toBeInstanceOf(ShuttingDownError);
  release();
  await expect(running).resolves.toBe('done');
});

test('a size below one is refused', () => {
  expect(() => new ScanSlots(0)).toThrow(RangeError);
});

test('waiters by kind, for /metrics: how many, and the oldest since its webhook', async () => {
  const slots = new ScanSlots(1);
  let release!: () => void;
  const running = slots.run(1, () => new Promise<void>((r) => (release = r)), {
    kind: 'push',
    since: 0,
  });
  const now = 100_000;
  const waiting = [
    slots.run(1, async () => undefined, { kind: 'push', since: now - 30_000 }),
    slots.run(1, async () => undefined, { kind: 'push', since: now - 5_000 }),
    slots.run(10, async () => undefined, { kind: 'history', since: now - 60_000 }),
  ];
  await tick();
  expect(slots.waitingByKind(now)).toEqual({
    push: { jobs: 2, oldestAgeSeconds: 30 },
    history: { jobs: 1, oldestAgeSeconds: 60 },
  });
  release();
  await Promise.all([running, ...waiting]);
  expect(slots.waitingByKind(now)).toEqual({});
});

test('a release given twice frees its slot once', async () => {
  const slots = new ScanSlots(1);
  const release = await slots.acquireSlot(1);
  const waiting = slots.acquireSlot(1);
  release();
  release();
  const second = await waiting;
  let third = false;
  void slots.acquireSlot(1).then(() => (third = true));
  await tick();
  expect(third).toBe(false);
  second();
  await tick();
  expect(third).toBe(true);
});
