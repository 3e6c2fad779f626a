#!/usr/bin/env node
// `node scripts/resolve-path-aliases.js [dist]`, run by `npm run build` after tsc: rewrites every
// `require("@libs/<name>")` the compiler left in the emitted JavaScript into a relative path, so the compiled apps and
// the CLI run with plain `node`, no tsconfig-paths and no ts-node.
//
// Why rewrite at build time rather than register a resolver at run time: the output then holds no alias at all, so
// any compiled file can be an entry point (`node dist/apps/<app>/src/main.js`, the CLI, a future worker) without
// first loading a hook, nothing patches Node's private module resolution, and a path that does not exist fails the
// build here instead of the first deployment. tsconfig-paths is a development dependency (absent after
// `npm ci --omit=dev`), and tsc itself never rewrites `paths`.
//
// The mapping is read from tsconfig.json's compilerOptions.paths (the one place it is written down; jest.config.js
// mirrors it), so an alias added there is handled here too. Supported: a pattern ending in `*` with one target holding
// one `*` (`@libs/*` → `libs/*/src`), substituted the way tsc does.
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, relative, resolve, sep } = require('node:path');

const ROOT = resolve(__dirname, '..');
const outDir = resolve(ROOT, process.argv[2] ?? 'dist');

const { compilerOptions } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
const aliases = Object.entries(compilerOptions.paths ?? {}).map(([pattern, targets]) => {
  if (!pattern.endsWith('*') || targets.length !== 1 || targets[0].split('*').length !== 2) {
    throw new Error(`resolve-path-aliases: unsupported paths entry ${pattern} → ${targets.join(', ')}`);
  }
  return { prefix: pattern.slice(0, -1), target: targets[0] };
});

/** `@libs/x` → its compiled module under outDir (`dist/libs/x/src`), or undefined when no alias matches. */
function compiledTarget(specifier) {
  const alias = aliases.find(({ prefix }) => specifier.startsWith(prefix));
  return alias && join(outDir, alias.target.replace('*', specifier.slice(alias.prefix.length)));
}

function exists(path) {
  return existsSync(`${path}.js`) || existsSync(join(path, 'index.js'));
}

function* jsFiles(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* jsFiles(path);
    else if (path.endsWith('.js')) yield path;
  }
}

if (!existsSync(outDir)) {
  process.stderr.write(`resolve-path-aliases: ${outDir} does not exist (run tsc first)\n`);
  process.exit(1);
}

// tsc emits static imports and dynamic import() of a literal as require("…") in CommonJS; the quote is the source's.
const REQUIRE = /\brequire\((["'])([^"'\n]+)\1\)/g;
const missing = [];
let files = 0;
let rewrites = 0;
for (const file of jsFiles(outDir)) {
  const source = readFileSync(file, 'utf8');
  const output = source.replace(REQUIRE, (whole, quote, specifier) => {
    const target = compiledTarget(specifier);
    if (target === undefined) return whole;
    if (!exists(target)) {
      missing.push(`${relative(ROOT, file)}: ${specifier} → ${relative(ROOT, target)} (not compiled)`);
      return whole;
    }
    let path = relative(dirname(file), target).split(sep).join('/');
    if (!path.startsWith('.')) path = `./${path}`;
    rewrites += 1;
    return `require(${quote}${path}${quote})`;
  });
  if (output !== source) {
    writeFileSync(file, output);
    files += 1;
  }
}
if (missing.length > 0) {
  process.stderr.write(
    `resolve-path-aliases: ${missing.length} alias(es) point at nothing:\n  ${missing.join('\n  ')}\n`,
  );
  process.exit(1);
}
process.stdout.write(
  `resolve-path-aliases: ${rewrites} require(s) in ${files} file(s) under ${relative(ROOT, outDir)}/\n`,
);
