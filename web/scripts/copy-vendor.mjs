// Copies the front-end files listed in ../vendor.json from node_modules into
// public/vendor/<name>/, so the console serves every library from its own origin
// (no CDN at run time). Runs as npm `postinstall`; dependency-free on purpose.
//
// Adding a library: `npm install --save-exact <pkg>` in web/, then one entry in
// vendor.json, e.g. "hls": {"package": "hls.js", "files": {"hls.min.js": "dist/hls.min.js"}}.
// A folder can be copied whole: "images": "dist/images".

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const webRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const vendorRoot = join(webRoot, "public", "vendor");
const manifest = JSON.parse(readFileSync(join(webRoot, "vendor.json"), "utf8"));

function packageDir(name) {
  const dir = join(webRoot, "node_modules", name);
  if (!existsSync(join(dir, "package.json"))) {
    throw new Error(`${name} is not installed in web/node_modules; run npm ci in web/`);
  }
  return dir;
}

// Start clean so a removed library or file does not linger in what we deploy.
rmSync(vendorRoot, { recursive: true, force: true });
mkdirSync(vendorRoot, { recursive: true });

const versions = {};
for (const [name, entry] of Object.entries(manifest)) {
  if (name.startsWith("$")) continue;
  const src = packageDir(entry.package);
  const version = JSON.parse(readFileSync(join(src, "package.json"), "utf8")).version;
  const dest = join(vendorRoot, name);
  for (const [to, from] of Object.entries(entry.files)) {
    const source = join(src, from);
    if (!existsSync(source)) {
      throw new Error(`${entry.package}@${version} has no ${from} (vendor.json entry "${name}")`);
    }
    const target = join(dest, to);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(source, target, { recursive: statSync(source).isDirectory() });
  }
  versions[name] = { package: entry.package, version };
  console.log(`vendor: ${entry.package}@${version} -> public/vendor/${name}/`);
}
// Lets a test (or a person) see what is deployed without reading node_modules.
writeFileSync(join(vendorRoot, "versions.json"), JSON.stringify(versions, null, 2) + "\n");
