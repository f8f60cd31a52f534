import assert from "node:assert/strict";
import { helpText, parseFlags, UsageError } from "./args.ts";
import { ProgressBar } from "./progress.ts";

const spec = {
  usage: "q3 [options]",
  description: "Train.",
  flags: {
    epochs: { type: "number" as const, description: "Epochs", default: 50 },
    device: {
      type: "string" as const,
      description: "Device",
      default: "cpu",
      choices: ["cpu", "webgpu"],
    },
    json: { type: "boolean" as const, description: "JSON output" },
    data: { type: "string" as const, description: "Data folder", placeholder: "DIR" },
  },
};

Deno.test("flags parse with defaults and types", () => {
  const r = parseFlags(["--epochs", "3", "--json", "img.jpg"], spec);
  assert.deepEqual(r.values, { epochs: 3, device: "cpu", json: true, data: undefined });
  assert.deepEqual(r.positionals, ["img.jpg"]);
  assert.equal(r.help, false);
  assert.equal(parseFlags(["-h"], spec).help, true);
});

Deno.test("bad flags are UsageErrors naming the flag", () => {
  assert.throws(
    () => parseFlags(["--epochs", "many"], spec),
    (e: Error) => e instanceof UsageError && /--epochs takes a number/.test(e.message),
  );
  assert.throws(() => parseFlags(["--device", "tpu"], spec), /one of cpu, webgpu/);
  assert.throws(() => parseFlags(["--nope"], spec), /nope/);
});

Deno.test("help lists every flag with its default", () => {
  const text = helpText(spec);
  assert.match(text, /Usage: q3 \[options\]/);
  assert.match(text, /--epochs NUMBER\s+Epochs \(default: 50\)/);
  assert.match(text, /--data DIR/);
  assert.match(text, /--help/);
});

Deno.test("a non-interactive progress bar writes whole lines and finishes at the total", () => {
  const lines: string[] = [];
  const bar = new ProgressBar(4, {
    label: "train",
    write: (t) => lines.push(t),
    interactive: false,
  });
  for (let i = 0; i < 4; i++) bar.tick({ loss: 1 / (i + 1) });
  bar.done({ acc: 0.9 });
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^train █+ 4\/4 .*loss 0\.25 {2}acc 0\.9\n$/);
});
