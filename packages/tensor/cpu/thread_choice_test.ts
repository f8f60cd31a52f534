import assert from "node:assert/strict";
import { ThreadChoice, THREADS_MIN_MACS } from "./thread_choice.ts";

/** Run `calls` products on a simulated machine; returns how many took two threads. */
function simulate(
  choice: ThreadChoice,
  calls: number,
  seconds: (two: boolean, i: number) => number,
): number {
  let twos = 0;
  for (let i = 0; i < calls; i++) {
    const two = choice.pick("s", THREADS_MIN_MACS);
    if (two) twos++;
    choice.record("s", two, seconds(two, i));
  }
  return twos;
}

Deno.test("small products always stay on one thread", () => {
  const choice = new ThreadChoice();
  for (let i = 0; i < 20; i++) assert.equal(choice.pick("t", THREADS_MIN_MACS - 1), false);
  assert.equal(choice.means("t"), null);
});

Deno.test("a product keeps to the faster way, and mostly does not pay for the slower", () => {
  // two threads help: after the trials, nearly every call takes them
  const fast = new ThreadChoice();
  const twos = simulate(fast, 2000, (two) => (two ? 25e-6 : 41e-6));
  assert.ok(twos > 1950, `${twos} of 2000 on two threads`);
  // two threads hurt (a shared second core): nearly every call stays on one,
  // and the retimings of the slower way thin out as it keeps losing
  const slow = new ThreadChoice();
  const early = simulate(slow, 1000, (two) => (two ? 200e-6 : 40e-6));
  const late = simulate(slow, 10000, (two) => (two ? 200e-6 : 40e-6));
  assert.ok(early < 60, `${early} of the first 1000 on two threads`);
  assert.ok(late < 40, `${late} of the next 10000 on two threads`);
  // a retiming's first call (a sleeping thread waking) is not counted against it
  const means = slow.means("s")!;
  assert.ok(Math.abs(means.two - 200e-6) < 1e-9 && Math.abs(means.one - 40e-6) < 1e-9);
});

Deno.test("when the machine changes, the choice follows", () => {
  const choice = new ThreadChoice();
  // two threads win at first, then the second core gets busy
  simulate(choice, 500, (two) => (two ? 25e-6 : 41e-6));
  const after = simulate(choice, 500, (two) => (two ? 90e-6 : 41e-6));
  assert.ok(after < 40, `${after} of 500 still on two threads after they slowed down`);
  // and back: one retiming of two threads finds them fast again
  const back = simulate(choice, 5000, (two) => (two ? 25e-6 : 41e-6));
  assert.ok(back > 4500, `${back} of 5000 on two threads once they are fast again`);
});
