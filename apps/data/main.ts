/**
 * `deno task data fetch NAME…|all` downloads datasets into the data cache;
 * `deno task data check` lists which datasets are found, with counts and shapes.
 *
 * @module
 */

import { runCommand, UsageError, userPath } from "@recognize/cli";
import {
  dataRoot,
  fetchDataset,
  loadCifar10,
  loadFlowers17,
  loadMnist,
  loadNist36,
  loadNistFile,
  loadSun,
  locate,
  SOURCES,
} from "@recognize/datasets";

const spec = {
  usage: "deno task data <fetch NAME...|fetch all|check> [--data DIR]",
  description:
    "Download the homework's datasets into the data cache, or check which ones are present.",
  flags: {
    data: {
      type: "string" as const,
      description: "Data folder (default: $RECOGNIZE_DATA, else ./data)",
      placeholder: "DIR",
    },
    force: { type: "boolean" as const, description: "Download again even when present" },
  },
  epilog: `Datasets: ${
    Object.entries(SOURCES).map(([k, s]) => `\n  ${k.padEnd(12)} ${s.description}`).join("")
  }
  (the HW1 SUN subset has no public address: copy it in and point --data at it)`,
};

type Check = [string, (root: string) => Promise<string>];

const checks: Check[] = [
  ["nist36", async (root) => {
    const parts = [];
    for (const split of ["train", "valid", "test"] as const) {
      const d = await loadNist36(split, { root });
      parts.push(`${split} ${d.shape[0]}`);
    }
    return `${parts.join(", ")} × 1×32×32, 36 classes (${await locate("nist36", root)})`;
  }],
  ["nist26", async (root) => {
    const d = await loadNistFile(`${await locate("nist26", root)}/nist26_valid.mat`);
    return `valid ${d.shape[0]} × 1×32×32, ${d.classes.length} classes`;
  }],
  ["images", async (root) => {
    const dir = await locate("images", root);
    const files = [...Deno.readDirSync(dir)].filter((e) => /\.(jpe?g|png)$/i.test(e.name)).length;
    return `${files} photos (${dir})`;
  }],
  ["mnist", async (root) => {
    const d = await loadMnist("t10k", { root });
    return `t10k ${d.shape[0]} × 1×28×28`;
  }],
  ["cifar10", async (root) => {
    const d = await loadCifar10("test", { root });
    return `test ${d.shape[0]} × 3×32×32 (${d.source})`;
  }],
  ["sun", async (root) => {
    const tr = await loadSun("train", { root, size: [8, 8] });
    const te = await loadSun("test", { root, size: [8, 8] });
    return `train ${tr.shape[0]}, test ${
      te.shape[0]
    }, ${tr.classes.length} classes (decoded at 8×8 to check every file)`;
  }],
  ["flowers17", async (root) => {
    const parts = [];
    for (const split of ["train", "val", "test"] as const) {
      parts.push(`${split} ${(await loadFlowers17(split, { root, size: [8, 8] })).shape[0]}`);
    }
    return `${parts.join(", ")}, 17 classes`;
  }],
  ["squeezenet", async (root) => `weights in ${await locate("squeezenet", root)}`],
];

await runCommand(spec, async (flags, positionals) => {
  const [command, ...names] = positionals;
  const root = dataRoot(flags.data ? userPath(flags.data as string) : undefined);
  if (command === "fetch") {
    const list = names.includes("all") ? Object.keys(SOURCES) : names;
    if (list.length === 0) throw new UsageError("name the datasets to fetch, or `all`");
    for (const name of list) {
      const dest = await fetchDataset(name, { root, force: Boolean(flags.force) });
      console.log(`${name}: ${dest}`);
    }
  } else if (command === "check") {
    console.log(`data root: ${root}`);
    let found = 0;
    for (const [name, check] of checks) {
      try {
        console.log(`  ✓ ${name.padEnd(11)} ${await check(root)}`);
        found++;
      } catch (e) {
        console.log(`  ✗ ${name.padEnd(11)} ${(e as Error).message.split(". ")[0]}`);
      }
    }
    console.log(`${found} of ${checks.length} datasets found`);
  } else {
    throw new UsageError(command ? `unknown command "${command}"` : "say fetch or check");
  }
});
