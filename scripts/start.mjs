// `npm start`: builds the app and starts it in Electron. First it gets what the desktop window
// needs and npm could not install (the Electron binary, better-sqlite3 built for Electron's module
// version: `prepareDesktop`, the same as `casebook setup-electron`); where either cannot be had
// (offline), it says what is missing and how to get it, and starts browser mode instead. A failed
// download is remembered and not tried again until `npm start -- --retry-electron` or a week has
// passed. Other arguments are passed on (e.g. `npm start -- --db study.db`).
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--retry-electron` is ours (try the downloads again); the rest goes to the app
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

const { prepareDesktop } = await import(pathToFileURL(join(root, 'out', 'main', 'cli.js')).href);
const prepared = await prepareDesktop({
  root,
  retry,
  disabled: process.env.CASEBOOK_NO_ELECTRON === '1',
  log: (line) => console.log(line),
});

const run = (command, commandArgs) => {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
};

if (prepared.ok) {
  run(prepared.electron, [root, ...args]);
} else {
  console.log(`\nCasebook cannot start its desktop window: ${prepared.reason}.`);
  if (process.env.CASEBOOK_NO_ELECTRON !== '1') console.log(prepared.howTo);
  console.log('Starting browser mode instead: open the URL below in a browser.\n');
  run(process.execPath, [join(root, 'bin', 'casebook.mjs'), 'serve', ...args]);
}
