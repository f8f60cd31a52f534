import assert from "node:assert/strict";
import { encode, Image } from "image-js";
import { FormatError } from "@recognize/io";
import { dataTest } from "@recognize/tensor/testing";
import { applyOrientation, decodeImage, loadImage, sniffImage, toGray } from "./image.ts";

function testImage(): Image {
  // 3×2 RGB: red, green, blue / white, black, grey
  const img = new Image(3, 2, { colorModel: "RGB" });
  const px = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0], [128, 128, 128]];
  px.forEach((c, i) => img.setPixel(i % 3, Math.floor(i / 3), c));
  return img;
}

Deno.test("PNG and BMP decode to exact RGB; JPEG to close RGB", () => {
  const img = testImage();
  for (const format of ["png", "bmp"] as const) {
    const d = decodeImage(encode(img, { format }));
    assert.equal(d.width, 3);
    assert.equal(d.height, 2);
    assert.deepEqual([...d.data], [
      255,
      0,
      0,
      0,
      255,
      0,
      0,
      0,
      255,
      255,
      255,
      255,
      0,
      0,
      0,
      128,
      128,
      128,
    ], format);
  }
  const flat = new Image(16, 16, { colorModel: "RGB" }).fill([200, 100, 50]);
  const j = decodeImage(encode(flat, { format: "jpeg" }));
  assert.ok(
    Math.abs(j.data[0] - 200) < 6 && Math.abs(j.data[1] - 100) < 6 && Math.abs(j.data[2] - 50) < 6,
  );
});

Deno.test("alpha composites onto white; grey becomes three equal channels", () => {
  const rgba = new Image(1, 1, { colorModel: "RGBA" });
  rgba.setPixel(0, 0, [0, 0, 0, 0]);
  assert.deepEqual([...decodeImage(encode(rgba, { format: "png" })).data], [255, 255, 255]);
  const grey = new Image(1, 1, { colorModel: "GREY" });
  grey.setPixel(0, 0, [77]);
  assert.deepEqual([...decodeImage(encode(grey, { format: "png" })).data], [77, 77, 77]);
});

Deno.test("EXIF orientations rotate and mirror as specified", () => {
  // 2×1: A B
  const img = { width: 2, height: 1, data: new Uint8Array([1, 1, 1, 2, 2, 2]) };
  const first = (o: number) => {
    const r = applyOrientation(img, o);
    return [
      r.width,
      r.height,
      ...Array.from({ length: r.width * r.height }, (_, i) => r.data[i * 3]),
    ];
  };
  assert.deepEqual(first(1), [2, 1, 1, 2]);
  assert.deepEqual(first(2), [2, 1, 2, 1]); // mirrored
  assert.deepEqual(first(3), [2, 1, 2, 1]); // rotated 180°
  assert.deepEqual(first(6), [1, 2, 1, 2]); // rotated 90° clockwise: A on top
  assert.deepEqual(first(8), [1, 2, 2, 1]); // rotated 90° counter-clockwise: B on top
});

Deno.test("content, not the extension, decides; garbage is a FormatError", () => {
  assert.equal(sniffImage(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61])), "gif");
  assert.throws(
    () => decodeImage(new TextEncoder().encode("not an image at all")),
    (e: Error) => e instanceof FormatError && /not an image/.test(e.message),
  );
  const png = encode(testImage(), { format: "png" });
  assert.throws(
    () => decodeImage(png.subarray(0, 40)),
    (e: Error) => e instanceof FormatError && /PNG data is corrupt/.test(e.message),
  );
});

Deno.test("toGray weighs channels by luminance", () => {
  const g = toGray({ width: 2, height: 1, data: new Uint8Array([255, 0, 0, 255, 255, 255]) });
  assert.ok(Math.abs(g[0] - 0.299) < 1e-6 && Math.abs(g[1] - 1) < 1e-6);
});

dataTest(
  "the SUN subset's PNG, BMP and GIF files named .jpg, and its progressive JPEGs, decode",
  ["hw1-sun/desert/sun_bgkcnppnuaenfqik.jpg"],
  async (root) => {
    const files = {
      "desert/sun_bgkcnppnuaenfqik.jpg": "png",
      "waterfall/sun_blirftlzmeaafiog.jpg": "png",
      "laundromat/sun_apwwjlkltuoymnio.jpg": "bmp",
      "windmill/sun_bnvknudhvijnrlew.jpg": "bmp",
      "laundromat/sun_afrrjykuhhlwiwun.jpg": "gif",
      "aquarium/sun_aegonryrgjwlaxay.jpg": "jpeg", // progressive
    };
    for (const [file, kind] of Object.entries(files)) {
      const bytes = await Deno.readFile(`${root}/hw1-sun/${file}`);
      assert.equal(sniffImage(bytes), kind, file);
      const img = await loadImage(`${root}/hw1-sun/${file}`);
      assert.ok(
        img.width > 50 && img.height > 50 && img.data.length === img.width * img.height * 3,
      );
      // not a blank decode
      const mean = img.data.reduce((s, v) => s + v, 0) / img.data.length;
      assert.ok(mean > 5 && mean < 250, `${file}: mean ${mean}`);
    }
  },
);
