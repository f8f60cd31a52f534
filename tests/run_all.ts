/**
 * `deno task test`: every check CI runs, in order, then a one-line summary.
 *
 * Runs `deno fmt --check`, `deno lint`, `deno check`, `deno publish
 * --dry-run` and `deno test` (unit, doc and end-to-end tests of every package
 * and app). Each check counts as one test; the last line is
 * `N passed, N failed`, and the exit status is 1 when anything failed.
 *
 * @module
 */

const deno = Deno.execPath();
let passed = 0, failed = 0;

async function run(args: string[], capture = false): Promise<{ ok: boolean; output: string }> {
  console.log(`\n$ deno ${args.join(" ")}`);
  const child = new Deno.Command(deno, {
    args,
    stdout: capture ? "piped" : "inherit",
    stderr: capture ? "piped" : "inherit",
  }).spawn();
  let output = "";
  if (capture) {
    const decoder = new TextDecoder();
    const pump = async (stream: ReadableStream<Uint8Array>, sink: typeof Deno.stdout) => {
      for await (const chunk of stream) {
        output += decoder.decode(chunk, { stream: true });
        await sink.write(chunk);
      }
    };
    await Promise.all([pump(child.stdout, Deno.stdout), pump(child.stderr, Deno.stderr)]);
  }
  const status = await child.status;
  return { ok: status.success, output };
}

const checks: [string, string[]][] = [
  ["format", ["fmt", "--check"]],
  ["lint", ["lint"]],
  ["type check", ["check", "."]],
  ["publish dry run", ["publish", "--dry-run", "--allow-dirty"]],
];
for (const [name, args] of checks) {
  const { ok } = await run(args);
  if (ok) passed++;
  else {
    failed++;
    console.log(`FAILED: ${name}`);
  }
}

const extra = Deno.args;
const test = await run(["test", "-A", "--doc", "--parallel", ...extra], true);
// deno test ends with "ok | 12 passed (3 steps) | 0 failed" or "FAILED | 10 passed | 2 failed"
// deno-lint-ignore no-control-regex
const plain = test.output.replace(/\x1b\[[0-9;]*m/g, "");
const summary = [...plain.matchAll(/(\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/g)].pop();
if (summary) {
  passed += Number(summary[1]);
  failed += Number(summary[2]);
}
if (!test.ok && (!summary || Number(summary[2]) === 0)) failed++; // a crash or a load error
// the documentation examples check themselves with console.assert, which only prints
const asserts = (plain.match(/^Assertion failed/gm) ?? []).length;
if (asserts > 0) {
  console.log(`FAILED: ${asserts} console.assert in the documentation examples`);
  failed += asserts;
}
console.log(`\n${passed} passed, ${failed} failed`);
Deno.exit(failed === 0 ? 0 : 1);
