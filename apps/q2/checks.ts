/**
 * The checks of the homework's `run_q2.py`, on its four Gaussian clusters:
 * initialisation statistics, sigmoid's range, softmax rows, the loss at
 * initialisation, gradient shapes, batching, a training loop whose loss
 * falls, and the numerical gradient checker.
 *
 * @module
 */

import { gaussianClusters, Q2_CLUSTERS } from "@recognize/datasets";
import {
  backwards,
  checkGradients,
  computeLossAndAcc,
  forward,
  getRandomBatches,
  initializeWeights,
  LINEAR,
  Params,
  sigmoid,
  SOFTMAX,
} from "@recognize/nn";
import { sgdUpdate } from "@recognize/optim";
import {
  type Backend,
  type DType,
  Generator,
  noGrad,
  type Tensor,
  tensor,
} from "@recognize/tensor";

/** One check's outcome. */
export interface Check {
  /** What was checked. */
  name: string;
  /** Whether it held. */
  ok: boolean;
  /** The figures. */
  detail: string;
}

/** Options of {@link runQ2Checks}. */
export interface Q2Options {
  device: Backend;
  dtype: DType;
  seed: number;
  iterations: number;
  learningRate: number;
  /** Step of the central differences (default: 1e-4 refined, 1e-6 plain). */
  eps?: number;
  /** Called with each check as it completes. */
  onCheck?: (c: Check) => void;
}

const total = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => s + x, 0);

async function variance(t: Tensor): Promise<number> {
  const v = Array.from(await t.data());
  const mean = total(v) / v.length;
  return total(v.map((x) => (x - mean) ** 2)) / v.length;
}

/** The full network's loss: layer1 (sigmoid) then output (softmax). */
async function networkLoss(
  params: Params,
  x: Tensor,
  y: Tensor,
): Promise<{ loss: number; acc: number }> {
  using h = forward(x, params, "layer1");
  using probs = forward(h, params, "output", SOFTMAX);
  return await computeLossAndAcc(y, probs);
}

/**
 * Run every check.
 *
 * @param o Device, dtype, seed, training settings.
 * @returns The checks in order.
 */
export async function runQ2Checks(o: Q2Options): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => {
    const c = { name, ok, detail };
    checks.push(c);
    o.onCheck?.(c);
  };
  const g = new Generator(o.seed);
  const data = gaussianClusters(Q2_CLUSTERS, 10, g);
  const n = data.labels.length, classes = Q2_CLUSTERS.length;
  const x = tensor(data.x, { shape: [n, data.dims], dtype: o.dtype, device: o.device });
  const y = tensor(data.oneHot, { shape: [n, classes], dtype: o.dtype, device: o.device });

  const params = new Params();
  initializeWeights(2, 25, params, "layer1", { generator: g, device: o.device, dtype: o.dtype });
  initializeWeights(25, 4, params, "output", { generator: g, device: o.device, dtype: o.dtype });
  for (
    const [name, fanIn, fanOut, lo, hi] of [["layer1", 2, 25, 0.05, 0.12], [
      "output",
      25,
      4,
      0.03,
      0.12,
    ]] as const
  ) {
    const b = await params.get(`b${name}`).data();
    const v = await variance(params.get(`W${name}`));
    add(
      `Xavier initialisation of ${name}`,
      b.every((e) => e === 0) && v >= lo && v <= hi,
      `bias sum ${total(b)}, weight variance ${v.toFixed(4)} (2/(n_in+n_out) = ${
        (2 / (fanIn + fanOut)).toFixed(4)
      })`,
    );
  }

  const s = await sigmoid(tensor([-1000, 1000], { device: o.device, dtype: o.dtype })).data();
  add(
    "sigmoid is 0 and 1 at ∓1000",
    s[0] === 0 && s[1] === 1,
    `σ(−1000) = ${s[0]}, σ(1000) = ${s[1]}`,
  );

  const h1 = forward(x, params, "layer1");
  const probs = forward(h1, params, "output", SOFTMAX);
  const p = await probs.data();
  const sums = Array.from(
    { length: n },
    (_, i) => total(p.subarray(i * classes, (i + 1) * classes)),
  );
  const worstSum = Math.max(...sums.map((v) => Math.abs(v - 1)));
  add(
    "forward shapes and softmax rows",
    h1.shape.join() === `${n},25` && probs.shape.join() === `${n},${classes}` &&
      Math.min(...Array.from(p)) > 0 && worstSum < 1e-5,
    `h1 ${h1.shape}, probs ${probs.shape}, min p ${
      Math.min(...Array.from(p)).toExponential(2)
    }, |Σp − 1| ≤ ${worstSum.toExponential(1)}`,
  );

  const init = await computeLossAndAcc(y, probs);
  const expected = n * Math.log(classes);
  // with zero output weights every class is equally likely, so the loss is exactly N·ln C;
  // the random Xavier weights move it by the spread of the logits
  const saved = params.get("Woutput").detach();
  params.set("Woutput", noGrad(() => saved.mul(0)));
  const uniform = await networkLoss(params, x, y);
  params.set("Woutput", saved);
  add(
    "loss at initialisation ≈ N·ln C",
    Math.abs(uniform.loss - expected) < 1e-4 && init.loss > 0.8 * expected &&
      init.loss < 2 * expected &&
      Math.abs(init.acc - 0.25) <= 0.25,
    `N·ln C = ${expected.toFixed(2)}; with zero output weights ${uniform.loss.toFixed(4)}; ` +
      `with the Xavier weights ${init.loss.toFixed(2)}, accuracy ${init.acc.toFixed(2)}`,
  );

  const delta1 = noGrad(() => probs.sub(y));
  const delta2 = backwards(delta1, params, "output", LINEAR);
  backwards(delta2, params, "layer1");
  const shapesMatch = params.parameterKeys().every((k) =>
    params.get(`grad_${k}`).shape.join() === params.get(k).shape.join()
  );
  add(
    "gradients have their parameters' shapes",
    shapesMatch,
    params.parameterKeys().map((k) => `${k} (${params.get(`grad_${k}`).shape})`).join(", "),
  );
  for (const t of [h1, probs, delta1, delta2]) t.dispose();

  const batches = getRandomBatches(x, y, 5, g);
  add(
    "random batches",
    batches.length === 8 && batches.every(([xb]) => xb.shape[0] === 5),
    `sizes ${batches.map(([xb]) => xb.shape[0])}`,
  );

  let first = NaN, last = { loss: NaN, acc: NaN };
  for (let itr = 0; itr < o.iterations; itr++) {
    let totalLoss = 0, correct = 0;
    for (const [xb, yb] of batches) {
      using h = forward(xb, params, "layer1");
      using pb = forward(h, params, "output", SOFTMAX);
      const r = await computeLossAndAcc(yb, pb);
      totalLoss += r.loss;
      correct += r.acc * xb.shape[0];
      using d1 = noGrad(() => pb.sub(yb));
      using d2 = backwards(d1, params, "output", LINEAR);
      backwards(d2, params, "layer1").dispose();
      sgdUpdate(params, o.learningRate);
    }
    if (itr === 0) first = totalLoss;
    last = { loss: totalLoss, acc: correct / n };
  }
  add(
    "training lowers the loss (homework: loss < 35, accuracy > 75%)",
    last.loss < first && last.loss < 35 && last.acc > 0.75,
    `${o.iterations} iterations at lr ${o.learningRate}: loss ${first.toFixed(2)} → ${
      last.loss.toFixed(2)
    }, accuracy ${(100 * last.acc).toFixed(1)}%`,
  );
  for (const [xb, yb] of batches) {
    xb.dispose();
    yb.dispose();
  }

  // gradients of the full-data loss, then central differences of the same loss
  {
    using h = forward(x, params, "layer1");
    using pr = forward(h, params, "output", SOFTMAX);
    using d1 = noGrad(() => pr.sub(y));
    using d2 = backwards(d1, params, "output", LINEAR);
    backwards(d2, params, "layer1").dispose();
  }
  const lossOf = async (p: Params) => (await networkLoss(p, x, y)).loss;
  // the homework's plain central differences, for reference
  const plain = await checkGradients(params, lossOf, { richardson: false, eps: 1e-6 });
  // float32 roundoff is ~1e9 times float64's: larger steps, and a looser bar
  const f64 = o.dtype === "float64";
  const eps = o.eps ?? (f64 ? 1e-4 : 1e-2);
  const results = await checkGradients(params, lossOf, { eps, floor: f64 ? 1e-4 : 1e-2 });
  const worst = Math.max(...results.map((r) => r.maxRelError));
  const threshold = f64 ? 1e-6 : 5e-2;
  const describe = (rs: typeof results) =>
    rs.map((r) => `${r.key} ${r.maxRelError.toExponential(2)}`).join(", ") +
    `; largest relative ${Math.max(...rs.map((r) => r.maxRelError)).toExponential(2)}, absolute ${
      Math.max(...rs.map((r) => r.maxAbsError)).toExponential(2)
    }`;
  add(
    `numerical gradient check over all ${results.reduce((s, r) => s + r.count, 0)} scalars ` +
      `(${o.dtype}: largest relative error < ${threshold})`,
    worst < threshold,
    `central differences refined by Richardson extrapolation (ε = ${o.eps ?? 1e-4}): ${
      describe(results)
    }\n` +
      `    plain central differences (ε = 1e-6, roundoff-limited): ${describe(plain)}`,
  );
  params.dispose();
  x.dispose();
  y.dispose();
  return checks;
}
