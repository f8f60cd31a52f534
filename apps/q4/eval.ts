/**
 * `q4 eval`: run the four homework photos against `ocr-images/TRUTH.md`:
 * detected boxes against true characters, and the character error rate
 * with and without spaces and line breaks.
 *
 * @module
 */

import { locate } from "@recognize/datasets";
import { loadImage } from "@recognize/datasets";
import { writeFileAtomic } from "@recognize/io";
import { characterErrorRate, levenshtein } from "@recognize/metrics";
import { loadClassifier } from "@recognize/nn";
import type { Backend } from "@recognize/tensor";
import { recognize } from "@recognize/vision-ocr";
import { parseTruth } from "./truth.ts";

/** Options of {@link evaluatePhotos}. */
export interface EvalOptions {
  root: string;
  modelPath: string;
  out: string;
  context: boolean;
  /** Weigh letters by their English frequency inside words (default true). */
  letterPrior?: boolean;
  device: Backend;
}

/**
 * Score every photo with a truth text.
 *
 * @param o Data root, model, output folder, context switch.
 * @returns Per-image and overall figures (also written to `metrics.json`).
 */
export async function evaluatePhotos(
  o: EvalOptions,
): Promise<{ images: Record<string, unknown>[]; overall: Record<string, unknown> }> {
  const dir = await locate("images", o.root);
  const truth = parseTruth(await Deno.readTextFile(`${dir}/TRUTH.md`));
  const classifier = await loadClassifier(o.modelPath, o.device);
  const images: Record<string, unknown>[] = [];
  let errors = 0, errorsSpaced = 0, chars = 0, charsSpaced = 0, seconds = 0, boxesWithinOne = 0;
  for (const [name, text] of truth) {
    const t0 = performance.now();
    const r = await recognize(await loadImage(`${dir}/${name}.jpg`), classifier, {
      context: o.context,
      ...(o.letterPrior === false ? { letterPrior: null } : {}),
    });
    const elapsed = (performance.now() - t0) / 1000;
    const trueChars = text.replace(/\s+/g, "").length;
    const cer = characterErrorRate(r.text, text, { ignoreWhitespace: true });
    const cerSpaced = characterErrorRate(r.text, text);
    errors += levenshtein(r.text.replace(/\s+/g, ""), text.replace(/\s+/g, ""));
    errorsSpaced += levenshtein(r.text, text);
    chars += trueChars;
    charsSpaced += [...text].length;
    seconds += elapsed;
    if (Math.abs(r.detection.boxes.length - trueChars) <= 1) boxesWithinOne++;
    const row = {
      image: name,
      boxes: r.detection.boxes.length,
      trueCharacters: trueChars,
      lines: r.lines.length,
      trueLines: text.split("\n").length,
      cer,
      cerWithSpaces: cerSpaced,
      seconds: elapsed,
      recognized: r.text,
      truth: text,
    };
    images.push(row);
    console.error(
      `${name}: ${row.boxes} boxes for ${trueChars} characters, ${row.lines}/${row.trueLines} lines, ` +
        `CER ${(100 * cer).toFixed(1)}% (${(100 * cerSpaced).toFixed(1)}% with spaces), ${
          elapsed.toFixed(2)
        } s`,
    );
  }
  const overall = {
    model: o.modelPath,
    classifier: classifier.kind,
    context: o.context,
    letterPrior: o.context && o.letterPrior !== false,
    cer: errors / chars,
    cerWithSpaces: errorsSpaced / charsSpaced,
    characters: chars,
    imagesWithBoxCountWithinOne: `${boxesWithinOne}/${truth.size}`,
    seconds,
  };
  await writeFileAtomic(
    `${o.out}/metrics.json`,
    new TextEncoder().encode(JSON.stringify({ overall, images }, null, 2) + "\n"),
  );
  return { images, overall };
}
