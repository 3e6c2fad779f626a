// A CommonJS copy of an ESM-only package, for Jest. Node ≥ 20.19 `require()`s ES modules natively, so the apps
// (ts-node or compiled, both CommonJS) load @nestjs/terminus 12 as published; Jest does not: with
// --experimental-vm-modules (which the test scripts pass) it refuses to `require()` any .js file of a
// `"type": "module"` package, whatever transform is configured. jest.config.js maps the package to this copy.
//
// The copy lives in .cache/cjs-mirror/<name>@<version>/ (inside the repository, so its bare imports such as
// @nestjs/common resolve to node_modules as usual) and is rebuilt only when the package version or this file
// changes. Each .js file goes through the TypeScript compiler the tests already use, after the `import.meta` forms
// are given their CommonJS spelling.
const { createHash } = require('node:crypto');
const {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} = require('node:fs');
const { dirname, join } = require('node:path');
const ts = require('typescript');

const ROOT = join(__dirname, '..');

function toCommonJs(source, filename) {
  const prepared = source
    // CommonJS already has a `require`; redeclaring it in module scope would be a syntax error.
    .replace(/^\s*const require = createRequire\(import\.meta\.url\);\s*$/m, '')
    .replace(/\bimport\.meta\.resolve\(/g, 'require.resolve(')
    .replace(/\bimport\.meta\.dirname\b/g, '__dirname')
    .replace(/\bimport\.meta\.filename\b/g, '__filename')
    .replace(/\bimport\.meta\.url\b/g, "require('node:url').pathToFileURL(__filename).href");
  if (/\bimport\.meta\b/.test(prepared.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))) {
    throw new Error(`cjs-mirror: ${filename} uses an import.meta form this mirror does not handle`);
  }
  return ts.transpileModule(prepared, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      allowJs: true,
    },
  }).outputText;
}

function* files(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

/** The path of the CommonJS entry of `name` (its `exports["."].default`), building the copy when needed. */
function cjsMirror(name) {
  const pkgDir = dirname(require.resolve(`${name}/package.json`, { paths: [ROOT] }));
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const entry = pkg.exports?.['.']?.default ?? pkg.main ?? 'index.js';
  const stamp = createHash('sha256')
    .update(readFileSync(join(__dirname, 'cjs-mirror.js')))
    .update(ts.version)
    .digest('hex')
    .slice(0, 12);
  const target = join(ROOT, '.cache', 'cjs-mirror', `${name.replace('/', '+')}@${pkg.version}-${stamp}`);
  if (!existsSync(join(target, 'package.json'))) {
    // Built aside and renamed into place: parallel Jest runs never see half a copy.
    const tmp = `${target}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    cpSync(pkgDir, tmp, { recursive: true });
    for (const file of files(tmp)) {
      if (file.endsWith('.js')) writeFileSync(file, toCommonJs(readFileSync(file, 'utf8'), file));
    }
    writeFileSync(
      join(tmp, 'package.json'),
      JSON.stringify({ name, version: pkg.version, type: 'commonjs', main: entry }),
    );
    mkdirSync(dirname(target), { recursive: true });
    try {
      renameSync(tmp, target);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(join(target, 'package.json'))) throw err;
    }
  }
  return join(target, entry);
}

module.exports = { cjsMirror };
