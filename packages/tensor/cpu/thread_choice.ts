// Whether a WebAssembly matrix product should use the second core, decided
// by timing.
//
// A fixed size threshold cannot know the machine: on an idle laptop a
// 32×1024·1024×64 product takes about half as long on two threads, but on a
// virtual machine whose second core is shared with a neighbour the hand-off
// costs more than it saves (the development VM, one day: the MLP epoch on
// the WebAssembly kernels 0.165 s with two threads, 0.122 s with one).
// Training repeats the same few shapes thousands of times, so each shape
// times both ways a few times, then keeps the faster, and now and then
// retimes the other in case the machine changed. The helper thread takes
// whole column panels, so the choice never changes a result; OpenBLAS's
// threads, which would, keep a fixed rule (matmul.ts).

/** Products below this many multiply-adds always run on one thread. */
export const THREADS_MIN_MACS = 1 << 20;
/** Timed calls of each way before choosing (the first of each is a warm-up and not counted). */
const TRIALS = 3;
/** Calls between retimings of the way not taken, at first; doubled each time it loses again. */
const RETRY_EVERY = 64;
/** The longest interval between retimings. */
const RETRY_MAX = 4096;
/** Calls in one retiming; the first wakes the other way (a sleeping thread) and is not counted. */
const BURST = 3;
/** Weight of a new time in a way's running mean. */
const WEIGHT = 0.25;
/** Shapes remembered; beyond this many, larger products simply take two threads. */
const MAX_SHAPES = 512;
/** Without a record (too many shapes), products this large take two threads. */
const STATIC_MIN_MACS = 1 << 23;

interface Record {
  /** Calls of each way so far (index 0: one thread, 1: two). */
  calls: [number, number];
  /** Running mean of each way's seconds, NaN until timed. */
  mean: [number, number];
  /** Calls since the last retiming, and the interval to the next. */
  since: number;
  interval: number;
  /** Calls left in the current retiming; whether its first is still to come; whether its
   * first timed call is still to come (it replaces the stale mean rather than moving it). */
  burst: number;
  warming: boolean;
  fresh: boolean;
  /** The way chosen last, to notice a change. */
  best: boolean;
}

/** Per-shape choice between one thread and two, for one kind of product. */
export class ThreadChoice {
  #shapes = new Map<string, Record>();

  /**
   * Whether the next product of this shape should use two threads.
   *
   * @param shape A key naming the product's shape.
   * @param macs Its multiply-adds.
   */
  pick(shape: string, macs: number): boolean {
    if (macs < THREADS_MIN_MACS) return false;
    let r = this.#shapes.get(shape);
    if (!r) {
      if (this.#shapes.size >= MAX_SHAPES) return macs >= STATIC_MIN_MACS;
      r = {
        calls: [0, 0],
        mean: [NaN, NaN],
        since: 0,
        interval: RETRY_EVERY,
        burst: 0,
        warming: false,
        fresh: false,
        best: false,
      };
      this.#shapes.set(shape, r);
    }
    // the trials: alternate, two threads first
    if (r.calls[0] <= TRIALS || r.calls[1] <= TRIALS) return r.calls[1] <= r.calls[0];
    const best = r.mean[1] < r.mean[0];
    if (r.burst > 0) {
      r.burst--;
      return !best;
    }
    if (best !== r.best) {
      // the choice changed: watch the other way closely again
      r.best = best;
      r.interval = RETRY_EVERY;
      r.since = 0;
    }
    if (++r.since < r.interval) return best;
    // retime the other way; if it loses again, wait twice as long next time
    r.since = 0;
    r.interval = Math.min(2 * r.interval, RETRY_MAX);
    r.burst = BURST - 1;
    r.warming = true;
    r.fresh = true;
    return !best;
  }

  /**
   * Report how long a product took.
   *
   * @param shape The key given to {@link pick}.
   * @param two Whether it ran on two threads.
   * @param seconds Its time.
   */
  record(shape: string, two: boolean, seconds: number): void {
    const r = this.#shapes.get(shape);
    if (!r) return;
    const i = two ? 1 : 0;
    // each way's first call, and a retiming's first, pay for waking up
    // (a thread started or asleep, memory grown)
    if (r.calls[i]++ === 0) return;
    if (r.warming) {
      r.warming = false;
      return;
    }
    // a way not taken for a while is timed afresh: its old mean says nothing of now
    const stale = r.fresh || Number.isNaN(r.mean[i]);
    r.fresh = false;
    r.mean[i] = stale ? seconds : r.mean[i] + WEIGHT * (seconds - r.mean[i]);
  }

  /** The running means for a shape (tests and benchmarks), or null. */
  means(shape: string): { one: number; two: number } | null {
    const r = this.#shapes.get(shape);
    return r ? { one: r.mean[0], two: r.mean[1] } : null;
  }
}
