#!/usr/bin/env node
// The `casebook` command. Runs the built CLI (out/main/cli.js), building the app first when the
// build is missing or older than the sources. Build output goes to stderr so stdout stays clean.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'out', 'main', 'cli.js');

function newestSource(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

const sources = [join(root, 'src'), join(root, 'electron.vite.config.ts'), join(root, 'package.json')];
const stale =
  !existsSync(cli) || (existsSync(join(root, 'src')) && Math.max(...sources.map(newestSource)) > statSync(cli).mtimeMs);
if (stale) {
  process.stderr.write('casebook: building the app (electron-vite build)…\n');
  const built = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: root,
      stdio: ['ignore', process.stderr, process.stderr],
    },
  );
  if (built.status !== 0) {
    process.stderr.write('casebook: the build failed (see above)\n');
    process.exit(1);
  }
}
const { main } = await import(pathToFileURL(cli).href);
await main();
