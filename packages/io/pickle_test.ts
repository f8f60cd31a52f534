import assert from "node:assert/strict";
import { unpickle } from "./pickle.ts";
import { FormatError } from "./errors.ts";

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

Deno.test("plain data unpickles to Maps, arrays and numbers", () => {
  // protocol 2: {'a': [1, 2.5, True], 'b': (None, 'x')}
  const bytes = enc(
    "\x80\x02}q\x00(X\x01\x00\x00\x00aq\x01]q\x02(K\x01G@\x04\x00\x00\x00\x00\x00\x00\x88eX\x01\x00\x00\x00bq\x03N\x8c\x01x\x86q\x04u.",
  );
  const v = unpickle(bytes, { globals: {} }) as Map<string, unknown>;
  assert.deepEqual(v.get("a"), [1, 2.5, true]);
  assert.deepEqual(v.get("b"), [null, "x"]);
});

Deno.test("a pickle that names os.system is rejected, not run", () => {
  // the classic payload: cos\nsystem\n(S'echo pwned'\ntR.
  const bytes = enc("cos\nsystem\n(S'echo pwned'\ntR.");
  assert.throws(
    () => unpickle(bytes, { globals: {} }),
    (e: Error) =>
      e instanceof FormatError && e.message.includes('"os.system"') &&
      e.message.includes("not allowed"),
  );
  // builtins.eval through STACK_GLOBAL too
  const sg = enc("\x80\x04\x8c\x08builtins\x8c\x04eval\x93.");
  assert.throws(() => unpickle(sg, { globals: {} }), /builtins\.eval/);
});

Deno.test("allowed globals are called with their arguments", () => {
  const bytes = enc("\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01.");
  let called = 0;
  const v = unpickle(bytes, {
    globals: { "collections.OrderedDict": () => (called++, new Map()) },
  });
  assert.ok(v instanceof Map);
  assert.equal(called, 1);
});

Deno.test("truncated pickles and unknown opcodes are FormatErrors", () => {
  assert.throws(() => unpickle(enc("\x80\x02X\xff\x00\x00\x00ab"), { globals: {} }), /truncated/);
  assert.throws(() => unpickle(enc("\x80\x02\xff."), { globals: {} }), /opcode 0xff/);
  assert.throws(() => unpickle(enc("\x80\x02h\x05."), { globals: {} }), /memo 5/);
  assert.throws(() => unpickle(enc("\x80\x02e."), { globals: {} }), /no mark/);
});
