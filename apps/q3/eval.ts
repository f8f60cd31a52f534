/**
 * `q3 eval`: the accuracy of a saved model on a NIST-format MAT-file.
 *
 * @module
 */

import { loadNistFile } from "@recognize/datasets";
import { Mlp } from "@recognize/nn";
import { type Backend, tensor } from "@recognize/tensor";

/**
 * Evaluate a saved MLP on every sample of a NIST-format file.
 *
 * @param modelPath The model (safetensors from `q3`).
 * @param matPath The `.mat` file.
 * @param o The key prefix (found when omitted) and the device.
 * @returns One JSON-ready record.
 */
export async function evaluateModelFile(
  modelPath: string,
  matPath: string,
  o: { split?: string; device: Backend },
): Promise<Record<string, unknown>> {
  const { mlp } = await Mlp.load(modelPath, { device: o.device });
  const d = await loadNistFile(matPath, o.split);
  if (d.classes.length !== mlp.classes.length) {
    throw new Error(
      `${matPath} has ${d.classes.length} classes; the model predicts ${mlp.classes.length}`,
    );
  }
  using x = tensor(d.images, { shape: [d.labels.length, 1024], device: o.device, adopt: true });
  using labels = tensor(Float32Array.from(d.labels), { device: o.device });
  const r = await mlp.evaluate(x, labels);
  mlp.params.dispose();
  return {
    model: modelPath,
    file: matPath,
    samples: d.labels.length,
    accuracy: r.acc,
    loss: r.loss,
  };
}
