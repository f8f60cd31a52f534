import assert from "node:assert/strict";
import { decode } from "image-js";
import { confusionMatrixChart, lineChart, sideBySide } from "./charts.ts";
import { imageFigure, imageGrid } from "./image_grid.ts";
import { saveFigure, svgToPng, vegaLiteToSvg } from "./render.ts";
import { Rasterizer } from "./rasterizer_client.ts";

Deno.test("a line chart renders to SVG with its title, axis titles and legend", async () => {
  const svg = await vegaLiteToSvg(lineChart({
    title: "Accuracy",
    yTitle: "accuracy",
    series: [{ name: "train", y: [0.1, 0.5, 0.8] }, { name: "valid", y: [0.1, 0.4, 0.7] }],
  }));
  for (const text of ["Accuracy", "accuracy", "epoch", "train", "valid"]) {
    assert.ok(svg.includes(`>${text}<`), text);
  }
  assert.equal((svg.match(/<path[^>]*aria-roledescription="line mark"/g) ?? []).length, 2);
});

Deno.test("PNG rendering draws text with the bundled fonts", async () => {
  const svgWith = await vegaLiteToSvg(
    lineChart({ title: "WWWWWWWW", series: [{ name: "a", y: [1, 2] }] }),
  );
  const svgWithout = svgWith.replace(/>WWWWWWWW</, "><");
  const dark = (png: Uint8Array) => {
    const img = decode(png);
    let n = 0;
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) if (img.getValue(x, y, 0) < 100) n++;
    }
    return n;
  };
  const withText = dark(await svgToPng(svgWith)), withoutText = dark(await svgToPng(svgWithout));
  assert.ok(
    withText > withoutText + 200,
    `${withText} vs ${withoutText} dark pixels: the title was not drawn`,
  );
});

Deno.test("a confusion matrix chart labels every class and every nonzero cell", async () => {
  const svg = await vegaLiteToSvg(confusionMatrixChart([[5, 1], [0, 7]], ["A", "B"], "Confusion"));
  assert.ok(svg.includes(">Confusion<") && svg.includes(">A<") && svg.includes(">B<"));
  for (const n of ["5", "1", "7"]) assert.ok(svg.includes(`>${n}<`), n);
  assert.ok(!svg.includes(">0<"));
});

Deno.test("image grids tile images and normalise each one", () => {
  // two 2×2 images: a ramp and a constant
  const grid = imageGrid(Float32Array.from([0, 1, 2, 3, 5, 5, 5, 5]), {
    count: 2,
    height: 2,
    width: 2,
    cols: 2,
    pad: 1,
    normalize: "each",
  });
  assert.equal(grid.width, 2 * 2 + 3);
  assert.equal(grid.height, 2 + 2);
  assert.equal(grid.getValue(1, 1, 0), 0); // ramp minimum → black
  assert.equal(grid.getValue(2, 2, 0), 255); // ramp maximum → white
  assert.equal(grid.getValue(0, 0, 0), 255); // padding is white
});

Deno.test("saveFigure writes SVG and PNG, and figures combine panels", async () => {
  const dir = await Deno.makeTempDir();
  const grid = imageGrid(new Float32Array(4 * 16).fill(0.5), { count: 4, height: 4, width: 4 });
  const svg = imageFigure("Weights", [{ heading: "before", image: grid }, {
    heading: "after",
    image: grid,
    columnCaptions: ["a", "b"],
  }]);
  const paths = await saveFigure(`${dir}/weights.png`, svg);
  assert.deepEqual(paths, { svg: `${dir}/weights.svg`, png: `${dir}/weights.png` });
  const png = decode(await Deno.readFile(paths.png));
  assert.ok(png.width > 100 && png.height > 50);
  // a title longer than the panels widens the figure instead of being cut off
  const long = "A title far longer than the two small panels below it, which must stay readable";
  const wide = decode(await svgToPng(imageFigure(long, [{ heading: "p", image: grid }]), 1));
  assert.ok(wide.width >= long.length * 17 * 0.6, `width ${wide.width}`);
  await saveFigure(
    `${dir}/two`,
    sideBySide("Both", [lineChart({ title: "a", series: [{ name: "x", y: [1] }] })]),
  );
  assert.ok((await Deno.stat(`${dir}/two.png`)).size > 1000);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the rasteriser thread ends once idle and starts again on demand", async () => {
  const r = new Rasterizer();
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"><rect width="4" height="3"/></svg>`;
  try {
    const png = await r.render(svg, 1);
    assert.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(""), "PNG");
    assert.equal(decode(png).width, 4);
    assert.ok(r.running);
    await new Promise((done) => setTimeout(done, 1500));
    assert.ok(!r.running, "the idle worker was not ended");
    await r.render(svg, 2);
    assert.equal(r.started, 2);
  } finally {
    r.stop();
  }
});

Deno.test("an SVG resvg cannot read fails with its reason, and the next figure renders", async () => {
  const r = new Rasterizer();
  try {
    await assert.rejects(() => r.render("<svg", 1), /Cannot render the figure: .+/);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"></svg>`;
    assert.equal(decode(await r.render(svg, 1)).height, 2);
  } finally {
    r.stop();
  }
});
