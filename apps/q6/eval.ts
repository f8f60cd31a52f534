/**
 * `q6 eval`: the accuracy of any saved NIST36 classifier (a q6 CNN or FC
 * network, or a q3 MLP) on a NIST-format MAT-file.
 *
 * @module
 */

import { loadNistFile } from "@recognize/datasets";
import { loadClassifier } from "@recognize/nn";
import { type Backend, noGrad, tensor } from "@recognize/tensor";

/**
 * Evaluate a saved classifier on every sample of a NIST-format file.
 *
 * @param modelPath The model file.
 * @param matPath The `.mat` file.
 * @param o The key prefix (found when omitted) and the device.
 * @returns One JSON-ready record.
 */
export async function evaluateClassifierFile(
  modelPath: string,
  matPath: string,
  o: { split?: string; device: Backend },
): Promise<Record<string, unknown>> {
  const clf = await loadClassifier(modelPath, o.device);
  const d = await loadNistFile(matPath, o.split);
  if (d.classes.length !== clf.classes.length) {
    throw new Error(
      `${matPath} has ${d.classes.length} classes; the model predicts ${clf.classes.length}`,
    );
  }
  let hits = 0;
  for (let s = 0; s < d.labels.length; s += 512) {
    const n = Math.min(512, d.labels.length - s);
    using x = tensor(d.images.subarray(s * 1024, (s + n) * 1024), {
      shape: [n, 1, 32, 32],
      device: o.device,
    });
    using p = noGrad(() => clf.predict(x));
    using am = p.argmax(1);
    const pred = await am.data();
    for (let i = 0; i < n; i++) if (pred[i] === d.labels[s + i]) hits++;
  }
  return {
    model: modelPath,
    classifier: clf.kind,
    file: matPath,
    samples: d.labels.length,
    accuracy: hits / d.labels.length,
  };
}
