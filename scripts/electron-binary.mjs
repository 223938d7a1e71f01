// Finds the Electron binary without triggering electron's lazy download.
// Returns { path } when it can run here, or { reason } when it cannot.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function electronBinary() {
  const require = createRequire(import.meta.url);
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override
    ? join(override, relative ?? 'electron')
    : relative
      ? join(pkgDir, 'dist', relative)
      : null;
  if (candidate && existsSync(candidate)) return { path: candidate };
  return { reason: `the Electron binary is not present (looked in ${candidate ?? join(pkgDir, 'dist')})` };
}

/** Tries electron's own installer once (it downloads the binary); true when the binary is then present. */
export async function installElectron() {
  const { spawnSync } = await import('node:child_process');
  const require = createRequire(import.meta.url);
  const installer = join(dirname(require.resolve('electron/package.json')), 'install.js');
  const result = spawnSync(process.execPath, [installer], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
  return result.status === 0 && 'path' in electronBinary();
}
