// `npm start`: builds the app and starts it in Electron; where the Electron binary cannot be had
// (offline, no download possible), says so and starts browser mode instead.
// Extra arguments are passed on (e.g. `npm start -- --db study.db`).
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary, installElectron } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

const built = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (built.status !== 0) process.exit(built.status ?? 1);

let electron = electronBinary();
if (!('path' in electron) && process.env.CASEBOOK_NO_ELECTRON !== '1') {
  console.log('Electron binary missing: trying to download it once…');
  if (await installElectron()) electron = electronBinary();
}

const run = (command, commandArgs) => {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
};

if ('path' in electron) {
  run(electron.path, [root, ...args]);
} else {
  console.log(`\nCasebook cannot start its desktop window: ${electron.reason}.`);
  console.log('Starting browser mode instead: open the URL below in a browser.\n');
  run(process.execPath, [join(root, 'bin', 'casebook.mjs'), 'serve', ...args]);
}
