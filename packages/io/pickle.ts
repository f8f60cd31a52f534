/**
 * A restricted unpickler: it understands the opcodes of pickle protocols 2–4
 * that data (not code) needs, and resolves only the globals a caller allows.
 * Anything else — an unknown opcode, an unlisted global such as
 * `os.system` — is a {@link FormatError}, never a call.
 *
 * Python values map to JavaScript: dicts (and OrderedDicts) to `Map`, lists
 * and tuples to arrays, ints to numbers (or bigints past 2^53), bytes to
 * `Uint8Array`.
 *
 * @module
 */

import { FormatError } from "./errors.ts";

/** A global that a pickle may name and call. */
export type AllowedGlobal = (...args: unknown[]) => unknown;

/** Options of {@link unpickle}. */
export interface UnpickleOptions {
  /** Callables by `"module.name"`; every other global is rejected. */
  globals: Record<string, AllowedGlobal>;
  /** Resolves a persistent id (`BINPERSID`), e.g. PyTorch's storage records. */
  persistentLoad?: (pid: unknown) => unknown;
}

/** A global as it sits on the stack before it is called. */
class GlobalRef {
  constructor(readonly name: string, readonly fn: AllowedGlobal) {}
}

/**
 * Unpickle `bytes` with only the allowed globals.
 *
 * @param bytes The pickle.
 * @param options Allowed globals and the persistent-id resolver.
 * @returns The value.
 * @throws {FormatError} On a disallowed global, an unsupported opcode or truncated data.
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let p = 0;

  const need = (n: number) => {
    if (p + n > bytes.length) throw new FormatError("the pickle is truncated");
  };
  const u8 = () => (need(1), bytes[p++]);
  const u16 = () => (need(2), p += 2, view.getUint16(p - 2, true));
  const u32 = () => (need(4), p += 4, view.getUint32(p - 4, true));
  const i32 = () => (need(4), p += 4, view.getInt32(p - 4, true));
  const take = (n: number) => {
    need(n);
    p += n;
    return bytes.subarray(p - n, p);
  };
  const line = () => {
    const end = bytes.indexOf(10, p);
    if (end < 0) throw new FormatError("the pickle is truncated (no end of line)");
    const s = decoder.decode(bytes.subarray(p, end));
    p = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) throw new FormatError("the pickle pops an empty stack");
    return stack.pop();
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) throw new FormatError("the pickle has no mark to pop to");
    return stack.splice(m);
  };
  const top = () => {
    if (stack.length === 0) throw new FormatError("the pickle reads an empty stack");
    return stack[stack.length - 1];
  };
  const resolve = (module: string, name: string) => {
    const key = `${module}.${name}`;
    const fn = Object.hasOwn(options.globals, key) ? options.globals[key] : undefined;
    if (!fn) throw new FormatError(`the pickle names the global "${key}", which is not allowed`);
    return new GlobalRef(key, fn);
  };
  const call = (callable: unknown, args: unknown) => {
    if (!(callable instanceof GlobalRef)) {
      throw new FormatError("the pickle calls something that is not an allowed global");
    }
    if (!Array.isArray(args)) {
      throw new FormatError(`the pickle calls ${callable.name} without an argument tuple`);
    }
    return callable.fn(...args);
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) {
      throw new FormatError("the pickle sets items on something that is not a dict");
    }
    if (items.length % 2) throw new FormatError("the pickle sets an odd number of dict items");
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const long = (raw: Uint8Array) => {
    let v = 0n;
    for (let i = raw.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]);
    if (raw.length > 0 && raw[raw.length - 1] & 0x80) v -= 1n << BigInt(8 * raw.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  };

  while (true) {
    const op = u8();
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        take(8);
        break; // FRAME
      case 0x2e: // STOP
        if (stack.length !== 1) throw new FormatError("the pickle stops with a malformed stack");
        return stack[0];
      case 0x28:
        marks.push(stack.length);
        break; // MARK
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        stack.push(top());
        break; // DUP
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x4a:
        stack.push(i32());
        break; // BININT
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x8a:
        stack.push(long(take(u8())));
        break; // LONG1
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) throw new FormatError("the pickle has a negative LONG4 length");
        stack.push(long(take(n)));
        break;
      }
      case 0x49: { // INT (text)
        const s = line();
        stack.push(s === "01" ? true : s === "00" ? false : Number(s));
        break;
      }
      case 0x47:
        stack.push((need(8), p += 8, view.getFloat64(p - 8, false)));
        break; // BINFLOAT
      case 0x58:
        stack.push(decoder.decode(take(u32())));
        break; // BINUNICODE
      case 0x8c:
        stack.push(decoder.decode(take(u8())));
        break; // SHORT_BINUNICODE
      case 0x8d: { // BINUNICODE8
        const lo = u32(), hi = u32();
        if (hi) throw new FormatError("the pickle has an oversized string");
        stack.push(decoder.decode(take(lo)));
        break;
      }
      case 0x54:
        stack.push(decoder.decode(take(u32())));
        break; // BINSTRING
      case 0x55:
        stack.push(decoder.decode(take(u8())));
        break; // SHORT_BINSTRING
      case 0x42:
        stack.push(take(u32()).slice());
        break; // BINBYTES
      case 0x43:
        stack.push(take(u8()).slice());
        break; // SHORT_BINBYTES
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x29:
        stack.push([]);
        break; // EMPTY_TUPLE
      case 0x8f:
        stack.push(new Set());
        break; // EMPTY_SET
      case 0x64: { // DICT
        const m = new Map();
        setItems(m, popMark());
        stack.push(m);
        break;
      }
      case 0x6c:
      case 0x74:
        stack.push(popMark());
        break; // LIST, TUPLE
      case 0x85:
        stack.push([pop()]);
        break; // TUPLE1
      case 0x86: {
        const b = pop(), a = pop();
        stack.push([a, b]);
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop(), b = pop(), a = pop();
        stack.push([a, b, c]);
        break;
      } // TUPLE3
      case 0x61: { // APPEND
        const v = pop(), list = top();
        if (!Array.isArray(list)) throw new FormatError("the pickle appends to a non-list");
        list.push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark(), list = top();
        if (!Array.isArray(list)) throw new FormatError("the pickle appends to a non-list");
        list.push(...items);
        break;
      }
      case 0x90: { // ADDITEMS
        const items = popMark(), set = top();
        if (!(set instanceof Set)) throw new FormatError("the pickle adds items to a non-set");
        for (const i of items) set.add(i);
        break;
      }
      case 0x73: {
        const v = pop(), k = pop();
        setItems(top(), [k, v]);
        break;
      } // SETITEM
      case 0x75: {
        const items = popMark();
        setItems(top(), items);
        break;
      } // SETITEMS
      case 0x68:
      case 0x6a: { // BINGET, LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) {
          throw new FormatError(`the pickle reads memo ${k}, which was never stored`);
        }
        stack.push(memo.get(k));
        break;
      }
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x63: { // GLOBAL
        const module = line(), name = line();
        stack.push(resolve(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        if (typeof name !== "string" || typeof module !== "string") {
          throw new FormatError("the pickle's STACK_GLOBAL names are not strings");
        }
        stack.push(resolve(module, name));
        break;
      }
      case 0x52: {
        const args = pop(), fn = pop();
        stack.push(call(fn, args));
        break;
      } // REDUCE
      case 0x81: {
        const args = pop(), cls = pop();
        stack.push(call(cls, args));
        break;
      } // NEWOBJ
      case 0x62: { // BUILD: state for an object we built; kept, never executed
        const state = pop(), obj = top();
        if (obj instanceof Map || (typeof obj === "object" && obj !== null)) {
          Object.defineProperty(obj, "__state__", {
            value: state,
            enumerable: false,
            configurable: true,
          });
        }
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) {
          throw new FormatError("the pickle refers to external data, which is not allowed here");
        }
        stack.push(options.persistentLoad(pid));
        break;
      }
      default:
        throw new FormatError(
          `the pickle uses opcode 0x${op.toString(16)} at byte ${p - 1}, which is not supported`,
        );
    }
  }
}
