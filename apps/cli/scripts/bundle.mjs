// Bundles the CLI and the workspace packages it imports into one ES module, so `oversight` starts
// without compiling TypeScript on every run. Third-party packages stay external (imported from
// node_modules where pnpm put them); the workspace packages stay compiled just in time everywhere
// else (tests of the packages, benchmarks, tsx). bin/oversight.mjs rebuilds the bundle whenever a
// file it was built from has changed, so an out-of-date bundle never runs.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cliDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const bundleDir = path.join(cliDir, 'node_modules/.cache/oversight-cli');
export const bundleFile = path.join(bundleDir, 'main.mjs');
/** The files the bundle was built from: bin/oversight.mjs compares their times with the bundle's. */
export const inputsFile = path.join(bundleDir, 'inputs.json');
const entry = path.join(cliDir, 'src/main.ts');

const isWorkspaceSource = (file) => !file.split(path.sep).includes('node_modules');

/**
 * Workspace modules find files next to their source (migrations, the bundled dataset, prompts)
 * through `import.meta.url`; inside the bundle it must still name the source file, so each one
 * gets its own, relative to the bundle so the checkout can move.
 */
const keepSourceLocations = {
  name: 'keep-source-locations',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!isWorkspaceSource(args.path)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
      const relative = path.relative(bundleDir, args.path).split(path.sep).join('/');
      return {
        contents: text.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(relative)}, import.meta.url).href`,
        ),
        loader: 'ts',
      };
    });
  },
};

/**
 * pnpm gives each package only its own dependencies, so a third-party import is resolved from the
 * importing file (as Node would) and kept external under its path relative to the bundle.
 * Workspace modules run no code on import beyond defining what they export, so they are marked free
 * of side effects: a module imported for one error class then does not bring in the database
 * drivers its package index also exports, and those load only when a command opens the database.
 */
const resolveImports = {
  name: 'resolve-imports',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.kind === 'entry-point' || args.path.startsWith('node:') || args.pluginData === 'resolving')
        return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      if (resolved.external) return resolved;
      if (isWorkspaceSource(resolved.path)) return { ...resolved, sideEffects: false };
      if (QUERY_COMPILER_BASE64.test(resolved.path)) return resolved;
      const relative = path.relative(bundleDir, resolved.path).split(path.sep).join('/');
      return { path: relative.startsWith('.') ? relative : `./${relative}`, external: true };
    });
  },
};

/**
 * Prisma ships its query compiler (WebAssembly) as a 4.6 MB JavaScript module holding it in base64,
 * which the generated client imports on its first query: parsing it and keeping its text costs every
 * command that queries about 0.1 s and 15 MB. The bundle keeps the decoded binary beside it instead
 * and puts in that module's place one that reads it. The generated client only hands `wasm` to
 * `Buffer.from(wasm, 'base64')`, which takes an ArrayBuffer as it is, without a copy (the encoding
 * applies to strings).
 */
const QUERY_COMPILER_BASE64 = /query_compiler_\w+_bg\.\w+\.wasm-base64\.mjs$/;
const queryCompilerFromBinary = {
  name: 'query-compiler-from-binary',
  setup(build) {
    build.onLoad({ filter: QUERY_COMPILER_BASE64 }, (args) => {
      const text = readFileSync(args.path, 'latin1');
      const binary = Buffer.from(text.slice(text.indexOf('"') + 1, text.lastIndexOf('"')), 'base64');
      const name = `${path.basename(args.path, '.wasm-base64.mjs')}.wasm`;
      mkdirSync(bundleDir, { recursive: true });
      writeFileSync(`${path.join(bundleDir, name)}.${process.pid}.tmp`, binary);
      renameSync(`${path.join(bundleDir, name)}.${process.pid}.tmp`, path.join(bundleDir, name));
      return {
        contents: `import { readFileSync } from 'node:fs';\nconst bytes = readFileSync(new URL(${JSON.stringify(`./${name}`)}, import.meta.url));\nexport const wasm = bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);\n`,
        loader: 'js',
      };
    });
  },
};

/** Whether the bundle exists and every file it was built from is older than the build. */
export function bundleIsCurrent(file = inputsFile) {
  let built;
  try {
    built = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
  return built.inputs.every((input) => {
    try {
      return statSync(input).mtimeMs < built.startedAt;
    } catch {
      return false;
    }
  });
}

export async function buildBundle() {
  const { build } = await import('esbuild');
  // A file saved while the build reads it must count as newer than the bundle.
  const startedAt = Date.now();
  mkdirSync(bundleDir, { recursive: true });
  const result = await build({
    entryPoints: [entry],
    outdir: bundleDir,
    entryNames: 'main',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'error',
    plugins: [resolveImports, keepSourceLocations, queryCompilerFromBinary],
    banner: { js: `// Built by apps/cli/scripts/bundle.mjs from ${pathToFileURL(entry).href}; do not edit.` },
  });
  const inputs = [
    ...Object.keys(result.metafile.inputs).map((input) => path.resolve(process.cwd(), input)),
    // External imports name versioned folders of node_modules, which change when the lockfile does.
    path.resolve(cliDir, '../../pnpm-lock.yaml'),
  ];
  // Each file is written beside its final name and renamed, so a process starting meanwhile reads
  // whole files; the list of inputs goes last, as it is what marks the bundle up to date.
  const files = [
    ...result.outputFiles.map((file) => ({ path: file.path, contents: file.contents })),
    { path: inputsFile, contents: JSON.stringify({ startedAt, inputs }) },
  ];
  for (const file of files) {
    writeFileSync(`${file.path}.${process.pid}.tmp`, file.contents);
    renameSync(`${file.path}.${process.pid}.tmp`, file.path);
  }
  return { bundleFile, inputs };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { inputs } = await buildBundle();
  console.error(`built ${path.relative(process.cwd(), bundleFile)} from ${inputs.length} files`);
}
