// `npm start`: builds the app and starts it in Electron; where the Electron binary cannot be had
// (offline, no download possible), says so and starts browser mode instead. A failed download is
// remembered and not tried again until `npm start -- --retry-electron`, the marker is deleted, or
// a week has passed. Other arguments are passed on (e.g. `npm start -- --db study.db`).
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  clearMarker,
  downloadDecision,
  electronBinary,
  howToGetElectron,
  installElectron,
  markerPath,
  readMarker,
  writeMarker,
} from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--retry-electron` is ours (try the Electron download again); the rest goes to the app
const args = process.argv.slice(2).filter((arg) => arg !== '--retry-electron');
const retry = args.length !== process.argv.length - 2;

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
if (!('path' in electron)) {
  const marker = markerPath(root);
  const decision = downloadDecision({
    marker: readMarker(marker),
    now: Date.now(),
    retry,
    disabled: process.env.CASEBOOK_NO_ELECTRON === '1',
  });
  if (decision.attempt) {
    console.log(`Electron binary missing: trying to download it (${decision.why})…`);
    const installed = await installElectron();
    if (installed.ok) {
      clearMarker(marker);
      electron = electronBinary();
    } else {
      console.log(`The Electron download failed: ${installed.reason}`);
      try {
        writeMarker(marker, { failedAt: new Date().toISOString(), reason: installed.reason });
        console.log(`Casebook will not try again at each start.\n${howToGetElectron(marker)}`);
      } catch (error) {
        console.log(`Cannot remember the failure in ${marker} (${error.message}): the next start tries again.`);
        console.log(howToGetElectron(marker));
      }
    }
  } else if (process.env.CASEBOOK_NO_ELECTRON !== '1') {
    console.log(`Not downloading the Electron binary: ${decision.why}.\n${howToGetElectron(marker)}`);
  }
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
