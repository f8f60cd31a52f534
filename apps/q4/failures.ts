/**
 * `deno task q4:failures [--out DIR]`: draws two pages on which the Q4
 * method's assumptions break, runs the real pipeline on them, and saves the
 * overlays (docs/theory.md, Q4.1, shows them):
 *
 * - `q4_fail_touching`: letters that touch one another or an underline form
 *   one connected component, so one box holds several characters;
 * - `q4_fail_marks`: marks that are not characters (a smiley, an arrow, a
 *   tick box, a long rule) are boxed and read as letters.
 *
 * @module
 */

import { deviceFromFlag, runCommand, userPath } from "@recognize/cli";
import { decodeImage } from "@recognize/datasets";
import { loadClassifier } from "@recognize/nn";
import { saveFigure, svgToPng } from "@recognize/plot";
import { recognize } from "@recognize/vision-ocr";
import { DEFAULT_MODEL } from "./model.ts";
import { overlaySvg } from "./overlay.ts";

const PAPER = `<rect width="100%" height="100%" fill="rgb(228,226,220)"/>`;
const INK = `fill="none" stroke="rgb(25,25,35)" stroke-width="9" stroke-linecap="round"`;

/** A page whose words are written with letters overlapping and one word underlined. */
const TOUCHING = {
  name: "q4_fail_touching",
  truth: "HELLO WORLD / NEURAL NET",
  svg: `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="420" font-family="DejaVu Sans">
    ${PAPER}
    <text x="60" y="150" font-size="110" font-weight="bold" letter-spacing="-14" fill="rgb(25,25,35)">HELLO</text>
    <text x="470" y="150" font-size="110" font-weight="bold" letter-spacing="4" fill="rgb(25,25,35)">WORLD</text>
    <path d="M 465 150 L 940 156" ${INK}/>
    <text x="60" y="340" font-size="110" font-weight="bold" letter-spacing="-16" fill="rgb(25,25,35)">NEURAL</text>
    <text x="560" y="340" font-size="110" font-weight="bold" letter-spacing="6" fill="rgb(25,25,35)">NET</text>
  </svg>`,
};

/** A page with three words and four marks that are not characters. */
const MARKS = {
  name: "q4_fail_marks",
  truth: "CAT DOG / SUN",
  svg: `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="460" font-family="DejaVu Sans">
    ${PAPER}
    <text x="60" y="140" font-size="100" letter-spacing="18" fill="rgb(25,25,35)">CAT</text>
    <text x="360" y="140" font-size="100" letter-spacing="18" fill="rgb(25,25,35)">DOG</text>
    <circle cx="760" cy="105" r="55" ${INK}/>
    <circle cx="740" cy="90" r="6" fill="rgb(25,25,35)"/><circle cx="780" cy="90" r="6" fill="rgb(25,25,35)"/>
    <path d="M 730 120 Q 760 145 790 120" ${INK}/>
    <path d="M 60 230 L 820 236" ${INK}/>
    <path d="M 60 340 L 220 340 M 185 305 L 222 340 L 185 375" ${INK}/>
    <text x="300" y="380" font-size="100" letter-spacing="18" fill="rgb(25,25,35)">SUN</text>
    <rect x="620" y="300" width="80" height="80" ${INK}/>
    <path d="M 635 340 L 655 365 L 700 300" ${INK}/>
  </svg>`,
};

await runCommand({
  usage: "deno task q4:failures [--out DIR] [--model FILE]",
  description:
    "Draw two pages that break the Q4 method's assumptions (touching letters; marks that are " +
    "not letters), read them with the real pipeline, and save the overlays.",
  flags: {
    out: {
      type: "string",
      description: "Folder for the overlays",
      default: "docs/images",
      placeholder: "DIR",
    },
    model: { type: "string", description: "Classifier", placeholder: "FILE" },
  },
}, async (flags) => {
  const device = await deviceFromFlag("cpu");
  const classifier = await loadClassifier(
    flags.model ? userPath(flags.model as string) : DEFAULT_MODEL,
    device,
  );
  const out = userPath(flags.out as string);
  for (const page of [TOUCHING, MARKS]) {
    const image = decodeImage(await svgToPng(page.svg, 1));
    const r = await recognize(image, classifier);
    const text = r.lines.map((l) => l.text).join(" / ");
    const truthChars = page.truth.replace(/[ /]/g, "").length;
    const svg = overlaySvg(
      r,
      `${page.name}: ${r.detection.boxes.length} boxes for ${truthChars} characters, read "${text}"`,
    );
    const { png } = await saveFigure(`${out}/${page.name}`, svg, { scale: 1 });
    console.error(
      `${page.name}: truth "${page.truth}" (${truthChars} characters); ` +
        `${r.detection.boxes.length} boxes, read "${text}" → ${png}`,
    );
  }
});
