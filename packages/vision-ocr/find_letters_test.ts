import assert from "node:assert/strict";
import { findLetters } from "./find_letters.ts";
import { groupIntoLines } from "./lines.ts";
import { renderPage } from "./testdata/render_text.ts";
import { connectedComponents } from "./components.ts";
import { otsuThreshold } from "./binarize.ts";
import { normalizeCrop } from "./crop.ts";

Deno.test("printed text: one box per character, lines and word breaks in reading order", async () => {
  const page = await renderPage({ lines: ["HELLO WORLD", "AB 12 CD"] });
  const det = findLetters(page);
  assert.equal(det.boxes.length, 16);
  const lines = groupIntoLines(det.boxes);
  assert.deepEqual(lines.map((l) => l.boxes.length), [10, 6]);
  assert.deepEqual(lines[0].spacesAfter, [4]);
  assert.deepEqual(lines[1].spacesAfter, [1, 3]);
  // left to right within a line, top to bottom between lines
  assert.ok(lines[0].boxes.every((b, i) => i === 0 || b[1] > lines[0].boxes[i - 1][1]));
  assert.ok(lines[1].boxes[0][0] > lines[0].boxes[0][2]);
});

Deno.test("uneven lighting and show-through do not create or lose characters", async () => {
  const page = await renderPage({
    lines: ["DEEP LEARNING"],
    paper: [120, 250], // dark on the left, bright on the right
    ink: 15,
    showThrough: { text: "faint print from the other side of the sheet", grey: 200 },
  });
  const det = findLetters(page);
  assert.equal(det.boxes.length, 12);
});

Deno.test("an empty page has no characters; specks and dots are dropped", async () => {
  const blank = { width: 400, height: 300, data: new Float32Array(400 * 300).fill(0.9) };
  assert.equal(findLetters(blank).boxes.length, 0);
  const page = await renderPage({ lines: ["1. A"] });
  // "1", "A": the full stop is too small to be a character
  assert.equal(findLetters(page).boxes.length, 2);
});

Deno.test("large images are processed at a working size and boxes come back in original coordinates", async () => {
  const page = await renderPage({ lines: ["XYZ"], width: 3000, lineHeight: 600 });
  const det = findLetters(page, { workingPixels: 300_000 });
  assert.ok(det.scale > 2);
  assert.equal(det.boxes.length, 3);
  for (const [y1, x1, y2, x2] of det.boxes) {
    assert.ok(x2 < 3000 && y2 < page.height && y2 - y1 > 200, `box ${[y1, x1, y2, x2]}`);
  }
});

Deno.test("connected components are 8-connected, with boxes and areas", () => {
  // two diagonal pixels touch; the third is apart
  const mask = Uint8Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
  const { components } = connectedComponents(mask, 4, 3);
  assert.equal(components.length, 2);
  assert.deepEqual(components[0], { label: 1, box: [0, 0, 1, 1], area: 2 });
  assert.deepEqual(components[1].box, [2, 3, 2, 3]);
});

Deno.test("Otsu separates a two-level histogram between the levels", () => {
  const data = Float32Array.from({ length: 1000 }, (_, i) => (i < 300 ? 0.2 : 0.9));
  const t = otsuThreshold(data);
  assert.ok(t > 0.2 && t < 0.9);
});

Deno.test("a crop becomes a centred 32×32 character, ink dark, at the training size", () => {
  // a 10×40 vertical bar
  const w = 100, h = 100, mask = new Uint8Array(w * h);
  for (let y = 30; y < 70; y++) for (let x = 45; x < 55; x++) mask[y * w + x] = 1;
  const crop = normalizeCrop(mask, w, h, [30, 45, 69, 54], { thicken: false, blur: 0 });
  let y0 = 32, y1 = -1;
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      if (crop[y * 32 + x] < 0.5) [y0, y1] = [Math.min(y0, y), Math.max(y1, y)];
    }
  }
  assert.ok(Math.abs(y1 - y0 + 1 - 26) <= 1, `ink spans rows ${y0}–${y1}`);
  assert.ok(Math.abs((y0 + y1) / 2 - 15.5) <= 1);
  assert.equal(crop[0], 1); // paper in the corner
  assert.ok(crop[16 * 32 + 16] < 0.1); // ink in the middle
});

Deno.test("crops are softened like the training images; the blur keeps the ink", () => {
  const w = 100, h = 100, mask = new Uint8Array(w * h);
  for (let y = 30; y < 70; y++) for (let x = 45; x < 55; x++) mask[y * w + x] = 1;
  const box: [number, number, number, number] = [30, 45, 69, 54];
  const sharp = normalizeCrop(mask, w, h, box, { thicken: false, blur: 0 });
  const soft = normalizeCrop(mask, w, h, box, { thicken: false });
  const grey = (c: Float32Array) => c.filter((v) => v > 0.1 && v < 0.9).length;
  const ink = (c: Float32Array) => c.reduce((s, v) => s + (1 - v), 0);
  assert.ok(grey(soft) > 1.5 * grey(sharp), `grey pixels ${grey(sharp)} → ${grey(soft)}`);
  assert.ok(Math.abs(ink(soft) - ink(sharp)) < 1e-3 * ink(sharp), "a blur moves ink, not adds it");
  assert.ok(soft[16 * 32 + 16] < 0.1); // the bar's middle is still solid ink
});
