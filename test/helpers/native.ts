/** The installed better-sqlite3 build, and copies of it that say they were built for another module version. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { getAbi } from 'node-abi';
import { installedBinding, type Runtime } from '../../src/main/lab/store/native-binding';

export const NODE_ABI = Number(process.versions.modules);
export const installed = installedBinding();

/** The Electron that package.json installs, with its module version from node-abi. */
export const electronVersion = (createRequire(import.meta.url)('electron/package.json') as { version: string }).version;
export const electron: Runtime = {
  kind: 'electron',
  version: electronVersion,
  abi: Number(getAbi(electronVersion, 'electron')),
  platform: process.platform,
  arch: process.arch,
};

/**
 * Writes to `file` a copy of the installed build whose `node_register_module_v<abi>` mark says
 * `abi` (a number as long as Node's, e.g. 115 → 150): a real file of another module version.
 */
export function buildFor(abi: number, file: string): string {
  const bytes = readFileSync(installed);
  const from = Buffer.from(`node_register_module_v${NODE_ABI}`, 'latin1');
  const to = Buffer.from(`node_register_module_v${abi}`, 'latin1');
  if (to.length !== from.length) throw new Error(`module version ${abi} is not as long as ${NODE_ABI}`);
  let replaced = 0;
  for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1)) {
    to.copy(bytes, at);
    replaced += 1;
  }
  if (replaced === 0) throw new Error(`${installed} has no node_register_module_v${NODE_ABI}`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}
