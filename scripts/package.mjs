// `npm run package`: the desktop app as installers for this platform (electron-builder.json:
// AppImage and deb, dmg, or nsis), into dist/. Needs the internet: electron-builder (run with npx,
// not installed with the app: it is large and only packaging uses it) downloads Electron for each
// target, and rebuilds the native modules (better-sqlite3) for Electron — in node_modules, in
// place. So afterwards better-sqlite3 is rebuilt for Node again, whatever happened, for the CLI and
// the tests. Arguments go to electron-builder (e.g. `npm run package -- --linux deb`).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ELECTRON_BUILDER = 'electron-builder@26.0.12';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shell = process.platform === 'win32';
const step = (command, args) => spawnSync(command, args, { cwd: root, stdio: 'inherit', shell }).status ?? 1;

let status = step('npm', ['run', 'build']);
if (status === 0) {
  status = step('npx', [
    '--yes',
    ELECTRON_BUILDER,
    '--config',
    'electron-builder.json',
    '--publish',
    'never',
    ...process.argv.slice(2),
  ]);
  console.log('Rebuilding better-sqlite3 for Node (electron-builder rebuilt it for Electron)…');
  const rebuilt = step('npm', ['rebuild', 'better-sqlite3']);
  if (rebuilt !== 0) console.log('`npm rebuild better-sqlite3` failed: run it before using the CLI or the tests.');
}
process.exit(status);
