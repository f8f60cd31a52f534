/**
 * Reverse-mode automatic differentiation.
 *
 * Every differentiable op records a {@link GradNode} on its output: the inputs,
 * the tensors its gradient rule needs (held by reference count, so the caller
 * may dispose its own handles), and the rule itself, written with tensor ops.
 * `backward()` sorts the graph topologically and walks it once in reverse,
 * then releases what the nodes saved, as PyTorch does without `retain_graph`.
 *
 * @module
 */

import type { Tensor } from "./tensor.ts";
import { formatShape, sameShape } from "./shape.ts";

/** A gradient rule: the gradient of each input, or null where it is not needed. */
export type GradRule = (grad: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

/** What an op leaves on its output so that gradients can flow back. */
export interface GradNode {
  /** The op's name, for messages. */
  readonly op: string;
  /** The op's inputs. */
  parents: Tensor[];
  /** The gradient rule. */
  rule: GradRule;
  /** Tensors kept alive for the rule. */
  saved: Tensor[];
  /** Set once backward has freed what the node saved. */
  released: boolean;
}

let gradEnabled = true;

/**
 * Whether ops currently record gradients.
 *
 * @returns True unless inside {@link noGrad}.
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Run `fn` without recording gradients (evaluation, optimizer updates).
 * `fn` must be synchronous: an awaited promise would leave the mode switched.
 *
 * @param fn The work to run.
 * @returns What `fn` returns.
 * @example
 * ```ts
 * import { noGrad, tensor } from "@recognize/tensor";
 * const w = tensor([1, 2]);
 * w.requiresGrad = true;
 * const y = noGrad(() => w.mul(2));
 * console.assert(!y.requiresGrad);
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TypeError("noGrad() takes a synchronous function; await outside it");
    }
    return result;
  } finally {
    gradEnabled = before;
  }
}

/**
 * Attach a gradient node to `out` when gradients are being recorded and an
 * input requires them. `makeRule` receives `save`, which keeps a tensor alive
 * for the rule and returns the handle the rule must use.
 *
 * @param out The op's result.
 * @param parents The op's inputs.
 * @param op The op's name.
 * @param makeRule Builds the gradient rule.
 * @returns `out`.
 */
export function record(
  out: Tensor,
  parents: Tensor[],
  op: string,
  makeRule: (save: (t: Tensor) => Tensor) => GradRule,
): Tensor {
  if (!gradEnabled || !parents.some((p) => p.requiresGrad)) return out;
  const saved: Tensor[] = [];
  const save = (t: Tensor) => {
    const s = t.share();
    saved.push(s);
    return s;
  };
  out.attachNode({ op, parents, rule: makeRule(save), saved, released: false });
  return out;
}

const releasedRule: GradRule = () => {
  throw new Error("internal: a released gradient rule was called");
};

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const parents = top[0].node?.parents ?? [];
    if (top[1] < parents.length) {
      const p = parents[top[1]++];
      if (p.requiresGrad && !seen.has(p)) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order.reverse();
}

/**
 * Backpropagate from `root` with upstream gradient `seed`, accumulating into
 * the `.grad` of every leaf that requires gradients.
 *
 * @param root The tensor to differentiate.
 * @param seed dL/d(root); the caller keeps ownership.
 * @param retainGraph Keep saved tensors for another backward pass.
 */
export function runBackward(root: Tensor, seed: Tensor, retainGraph: boolean): void {
  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed.share()]]);
  const before = gradEnabled;
  gradEnabled = false;
  try {
    for (const t of order) {
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t.node;
      if (!node) {
        t.accumulateGrad(g);
        continue;
      }
      if (node.released) {
        g.dispose();
        throw new Error(
          `Cannot backpropagate through ${node.op} a second time: its saved tensors were freed ` +
            "(pass { retainGraph: true } to the first backward())",
        );
      }
      const needs = node.parents.map((p) => p.requiresGrad);
      const pgrads = node.rule(g, needs);
      node.parents.forEach((p, i) => {
        let pg = pgrads[i];
        if (!pg || !needs[i]) {
          if (pg && pg !== g) pg.dispose();
          return;
        }
        if (!sameShape(pg.shape, p.shape)) {
          throw new Error(
            `The gradient rule of ${node.op} gave shape ${formatShape(pg.shape)} ` +
              `for an input of shape ${formatShape(p.shape)}`,
          );
        }
        // a rule may pass its incoming gradient through, or return one tensor twice
        if (pg === g || pgrads.indexOf(pg) < i) pg = pg.share();
        const prev = grads.get(p);
        if (prev) {
          grads.set(p, prev.add(pg));
          prev.dispose();
          pg.dispose();
        } else grads.set(p, pg);
      });
      g.dispose();
      if (!retainGraph) {
        for (const s of node.saved) s.dispose();
        node.saved = [];
        node.parents = [];
        node.rule = releasedRule;
        node.released = true;
      }
    }
  } finally {
    gradEnabled = before;
    for (const g of grads.values()) g.dispose();
  }
}
