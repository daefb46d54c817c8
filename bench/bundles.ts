import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildStack, coldStart, functionBundles } from '../infra/aws/bundles';
import type { FunctionFolder } from '../infra/aws/needs';

/*
 * npm run bench:bundles — each function's deployed bundle (what `cdk synth` packs) against a naive
 * baseline measured in the same run: the same handler compiled without bundling its dependencies,
 * which then load from a shipped node_modules. Sizes are the code file and its gzip (close to the
 * zip Lambda stores); the load time is `import()` of the handler in a fresh Node process, with the
 * environment a cold start has: a proxy for the init phase of a cold start, median of N runs.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const OUT = join(ROOT, 'bench/.out');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Milliseconds to import the handler in a new process (Node's own start-up excluded). */
function loadMs(file: string, configPath: string): number {
  const { ms, hasHandler } = coldStart(file, configPath);
  if (!hasHandler) throw new Error(`${file} exports no handler`);
  return ms;
}

/** Bytes of every file under a folder. */
function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}

/** The production dependency tree a naive deployment zips beside its code. */
function productionNodeModulesBytes(): number {
  const paths = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter((p) => p.includes('node_modules'));
  return [...new Set(paths)].reduce((sum, p) => sum + folderBytes(p), 0);
}

console.log(`Synthesizing the stack with bundling (as cdk synth does)...`);
const started = Date.now();
const { app, stack } = buildStack({ bundle: true });
const bundles = functionBundles(app, stack);
console.log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s; ${Object.keys(bundles).length} functions\n`);

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const nodeModules = productionNodeModulesBytes();
const config = join(ROOT, 'config/organisation.yaml');

interface Row {
  folder: FunctionFolder;
  bundled: { bytes: number; gzip: number; ms: number };
  naive: { bytes: number; ms: number };
}
const rows: Row[] = [];
for (const [folder, dir] of Object.entries(bundles) as Array<[FunctionFolder, string]>) {
  const code = join(dir, 'index.mjs');
  const bytes = statSync(code).size;
  // Baseline: our code compiled to one file, every package left to node_modules (placed under the
  // repository so that Node resolves them there, as from a zip that ships node_modules).
  const naiveFile = join(OUT, `${folder}.mjs`);
  await build({
    entryPoints: [join(ROOT, 'functions', folder, 'handler.ts')],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    outfile: naiveFile,
    logLevel: 'error',
  });
  const bundledMs: number[] = [];
  const naiveMs: number[] = [];
  // Interleaved, so that drift in the machine's load touches both alike.
  for (let i = 0; i < RUNS; i++) {
    bundledMs.push(loadMs(code, join(dir, 'organisation.yaml')));
    naiveMs.push(loadMs(naiveFile, config));
  }
  const row: Row = {
    folder,
    bundled: { bytes, gzip: gzipSync(readFileSync(code)).length, ms: median(bundledMs) },
    naive: { bytes: statSync(naiveFile).size + nodeModules, ms: median(naiveMs) },
  };
  rows.push(row);
  process.stdout.write(`  measured ${folder}\n`);
}

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
console.log(
  `\n${pad('function', 20)}${lpad('bundle', 9)}${lpad('gzip', 9)}${lpad('load ms', 9)}   |${lpad('naive size', 12)}${lpad('load ms', 9)}${lpad('speed-up', 10)}`,
);
for (const r of rows) {
  console.log(
    `${pad(r.folder, 20)}${lpad(kb(r.bundled.bytes), 9)}${lpad(kb(r.bundled.gzip), 9)}${lpad(r.bundled.ms.toFixed(0), 9)}   |${lpad(mb(r.naive.bytes), 12)}${lpad(r.naive.ms.toFixed(0), 9)}${lpad(`${(r.naive.ms / r.bundled.ms).toFixed(1)}x`, 10)}`,
  );
}
const med = (pick: (r: Row) => number) => median(rows.map(pick));
console.log(
  `\nMedian over functions: bundle ${kb(med((r) => r.bundled.bytes))} (gzip ${kb(med((r) => r.bundled.gzip))}), load ${med((r) => r.bundled.ms).toFixed(0)} ms;` +
    ` naive ${mb(med((r) => r.naive.bytes))}, load ${med((r) => r.naive.ms).toFixed(0)} ms. ${RUNS} runs each, Node ${process.version}.`,
);
rmSync(OUT, { recursive: true, force: true });
