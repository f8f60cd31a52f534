/**
 * The ground truth of the homework photos, read from the shared data's
 * `ocr-images/TRUTH.md`: for each photo, the first fenced block under its
 * heading holds its text with spaces and line breaks.
 *
 * @module
 */

/**
 * Parse TRUTH.md.
 *
 * @param markdown Its content.
 * @returns Text by image name (e.g. `03_haiku`).
 * @throws {Error} When no photo's text is found.
 */
export function parseTruth(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const sections = markdown.split(/^## /m).slice(1);
  for (const section of sections) {
    const name = section.match(/^(\d\d_\w+)\.jpg/)?.[1];
    const block = section.match(/```\n([\s\S]*?)\n```/)?.[1];
    if (name && block) out.set(name, block.trim());
  }
  if (out.size === 0) {
    throw new Error("TRUTH.md holds no '## NN_name.jpg' sections with a fenced text block");
  }
  return out;
}
