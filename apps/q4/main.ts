/**
 * `deno task q4 IMAGE...`: read hand-printed text from photos. For one image,
 * standard output holds only the text, one line per text line; messages go to
 * standard error. An overlay PNG shows the boxes and characters. `--json`
 * prints everything. `deno task q4 eval` scores the homework's photos.
 *
 * @module
 */

import { basename } from "node:path";
import { DEVICE_FLAG, deviceFromFlag, runCommand, UsageError, userPath } from "@recognize/cli";
import { dataRoot, loadImage } from "@recognize/datasets";
import { loadClassifier } from "@recognize/nn";
import { saveFigure } from "@recognize/plot";
import { recognize } from "@recognize/vision-ocr";
import { overlaySvg } from "./overlay.ts";
import { evaluatePhotos } from "./eval.ts";
import { DEFAULT_MODEL } from "./model.ts";

await runCommand({
  usage: "deno task q4 IMAGE... [options]\n       deno task q4 eval [--data DIR] [--model FILE]",
  description:
    "Read hand-printed text (A–Z, 0–9) from photos: find the letters, group them into lines and words, " +
    "and classify each with a trained network.",
  flags: {
    model: {
      type: "string",
      description: `Classifier (a q3 MLP or a q6 CNN; default ${DEFAULT_MODEL})`,
      placeholder: "FILE",
    },
    out: {
      type: "string",
      description: "Folder for the overlay images (and eval's metrics.json)",
      default: "out/q4",
      placeholder: "DIR",
    },
    json: {
      type: "boolean",
      description: "Print boxes, lines and characters with confidences as JSON",
    },
    "no-context": {
      type: "boolean",
      description: "Read each character alone, without word context",
    },
    "no-letter-prior": {
      type: "boolean",
      description: "Inside words, weigh all letters alike (not by their frequency in English)",
    },
    data: {
      type: "string",
      description: "eval: data folder with ocr-images/ (default: $RECOGNIZE_DATA, else ./data)",
      placeholder: "DIR",
    },
    device: DEVICE_FLAG,
  },
  epilog: "Example: deno task q4 images/03_haiku.jpg",
}, async (flags, positionals) => {
  const device = await deviceFromFlag(flags.device);
  const modelPath = flags.model ? userPath(flags.model as string) : DEFAULT_MODEL;
  const out = userPath(flags.out as string);
  const context = !flags["no-context"];
  const letterPrior = !flags["no-letter-prior"];
  if (positionals[0] === "eval") {
    const root = dataRoot(flags.data ? userPath(flags.data as string) : undefined);
    const metrics = await evaluatePhotos({ root, modelPath, out, context, letterPrior, device });
    console.log(JSON.stringify(metrics.overall));
    return;
  }
  if (positionals.length === 0) throw new UsageError("name at least one image (or `eval`)");
  const classifier = await loadClassifier(modelPath, device);
  const results = [];
  for (const arg of positionals) {
    const path = userPath(arg);
    const t0 = performance.now();
    const image = await loadImage(path);
    const r = await recognize(image, classifier, {
      context,
      ...(letterPrior ? {} : { letterPrior: null }),
    });
    const name = basename(path).replace(/\.[^.]+$/, "");
    const overlay = await saveFigure(
      `${out}/${name}_overlay`,
      overlaySvg(
        r,
        `${basename(path)}: ${r.lines.length} lines, ${r.detection.boxes.length} characters`,
      ),
      { scale: 1 },
    );
    console.error(
      `${basename(path)}: ${r.detection.boxes.length} characters in ${r.lines.length} lines, ` +
        `${((performance.now() - t0) / 1000).toFixed(2)} s; overlay ${overlay.png}`,
    );
    results.push({
      image: path,
      text: r.text,
      lines: r.lines.map((l) => ({
        text: l.text,
        chars: l.chars.map((c) => ({
          char: c.char,
          confidence: Number(c.confidence.toFixed(4)),
          box: c.box,
        })),
      })),
      overlay: overlay.png,
    });
    if (!flags.json) {
      if (positionals.length > 1) console.log(`== ${arg}`);
      if (r.text) console.log(r.text);
    }
  }
  if (flags.json) {
    console.log(JSON.stringify(positionals.length === 1 ? results[0] : results, null, 2));
  }
});
