// Writes public/i18n/index.json, the list of languages the public pages offer, from the
// catalogs found in public/i18n/ (each names itself in its "lang.name" key). A city adds a
// language by adding public/i18n/<code>.json and running `node web/scripts/i18n-index.mjs`;
// tests/unit/test_i18n_catalogs.py fails while the index and the catalogs disagree.

import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const dir = join(resolve(dirname(fileURLToPath(import.meta.url)), ".."), "public", "i18n");
const languages = readdirSync(dir)
  .filter((file) => /^[a-z]{2,3}(-[A-Za-z0-9]+)*\.json$/.test(file))
  .sort()
  .map((file) => {
    const code = file.slice(0, -".json".length);
    const catalog = JSON.parse(readFileSync(join(dir, file), "utf8"));
    return { code, name: catalog["lang.name"] || code };
  });
writeFileSync(join(dir, "index.json"), `${JSON.stringify({ languages }, null, 2)}\n`);
console.log(`public/i18n/index.json: ${languages.map((l) => l.code).join(", ")}`);
