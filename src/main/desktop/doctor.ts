// What this install can run, for `casebook doctor`: Node and its better-sqlite3 build; Electron,
// its binary and its better-sqlite3 build; the training backend; Chromium for the tests. Looks,
// never fetches; each missing piece comes with the command that gets it.
import { existsSync } from 'node:fs';
import { electronBinary } from '../../../scripts/electron-binary.mjs';
import { initEngine, type BackendName } from '../lab/engine/backend';
import { relaxedSimdAvailable } from '../lab/engine/wasm/simd';
import {
  bindingCacheRoot,
  bindingFor,
  currentRuntime,
  installedBinding,
  sqlitePackageDir,
  type BindingStatus,
} from '../lab/store/native-binding';
import { chooseTrainingThreads } from '../lab/training/parallel';
import { electronTarget } from './prepare';

export type BindingState = BindingStatus['state'];

export interface Doctor {
  node: { version: string; abi: number; sqliteBinding: BindingState; sqliteFile: string | null; fix: string | null };
  electron: {
    version: string | null;
    abi: number | null;
    binary: boolean;
    binaryPath: string | null;
    /** Why the binary is not there; null when it is. */
    binaryMissing: string | null;
    sqliteBinding: BindingState;
    sqliteFile: string | null;
    /** The command that gets what the desktop window lacks; null when nothing is missing. */
    fix: string | null;
  };
  backend: {
    name: BackendName;
    how: string;
    detail: string;
    relaxedSimd: boolean;
    trainingThreads: 1 | 2;
    threadsReason: string;
  };
  chromium: { path: string; found: boolean };
  /** Whether `npm start` opens the desktop window (else browser mode). */
  desktop: boolean;
}

/** The Chromium the Playwright tests launch (playwright.config.ts). */
export const TEST_CHROMIUM = process.env.CASEBOOK_CHROMIUM ?? '/usr/bin/chromium';

const SETUP = 'npx casebook setup-electron';

function binding(status: BindingStatus): { sqliteBinding: BindingState; sqliteFile: string | null } {
  return { sqliteBinding: status.state, sqliteFile: status.file };
}

export async function doctor(): Promise<Doctor> {
  const packageDir = sqlitePackageDir();
  const places = { installed: installedBinding(packageDir), cacheRoot: bindingCacheRoot(packageDir) };
  const node = currentRuntime();
  const nodeBinding = bindingFor(node, places);
  const target = electronTarget();
  const electronBinding: BindingStatus =
    target === null
      ? { state: 'missing', file: null, fix: 'npm install', message: 'the electron package is not installed' }
      : bindingFor(target, places);
  const found = electronBinary();
  const binary = 'path' in found;
  const engine = await initEngine();
  const threads = chooseTrainingThreads(engine.backend);
  return {
    node: {
      version: node.version,
      abi: node.abi,
      ...binding(nodeBinding),
      fix: nodeBinding.state === 'ok' ? null : nodeBinding.fix,
    },
    electron: {
      version: target?.version ?? null,
      abi: target?.abi ?? null,
      binary,
      binaryPath: binary ? found.path : null,
      binaryMissing: binary ? null : found.reason,
      ...binding(electronBinding),
      fix: target === null ? 'npm install' : binary && electronBinding.state === 'ok' ? null : SETUP,
    },
    backend: {
      name: engine.backend,
      how: engine.how,
      detail: engine.detail,
      relaxedSimd: engine.backend === 'wasm' && relaxedSimdAvailable(),
      trainingThreads: threads.threads,
      threadsReason: threads.reason,
    },
    chromium: { path: TEST_CHROMIUM, found: existsSync(TEST_CHROMIUM) },
    desktop: binary && electronBinding.state === 'ok',
  };
}

const mark = (ok: boolean): string => (ok ? 'ok' : 'MISSING');

/** The report as lines for a terminal. */
export function describeDoctor(report: Doctor): string {
  const { node, electron, backend, chromium } = report;
  const lines = [
    `Node.js ${node.version} (module version ${node.abi})`,
    `  better-sqlite3: ${node.sqliteBinding}${node.sqliteFile ? ` (${node.sqliteFile})` : ''}${node.fix ? ` — run \`${node.fix}\`` : ''}`,
    electron.version === null
      ? 'Electron: not installed — run `npm install`'
      : `Electron ${electron.version} (module version ${electron.abi})`,
    `  binary: ${electron.binary ? `ok (${electron.binaryPath})` : `MISSING (${electron.binaryMissing})`}`,
    `  better-sqlite3: ${electron.sqliteBinding}${electron.sqliteFile ? ` (${electron.sqliteFile})` : ''}`,
    `  desktop window: ${report.desktop ? 'yes, `npm start` opens it' : `no, \`npm start\` starts browser mode — run \`${electron.fix}\` where the internet is reachable`}`,
    `Training backend: ${backend.name} (${backend.how})${backend.name === 'wasm' ? `, relaxed SIMD ${backend.relaxedSimd ? 'yes' : 'no'}` : ''}, ${backend.trainingThreads} training thread${backend.trainingThreads === 1 ? '' : 's'} (${backend.threadsReason})`,
    `  ${backend.detail}`,
    `Chromium for the end-to-end tests: ${mark(chromium.found)} (${chromium.path}${chromium.found ? '' : '; apt-get install chromium, or set CASEBOOK_CHROMIUM'})`,
  ];
  return `${lines.join('\n')}\n`;
}
