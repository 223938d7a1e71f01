import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { NotFoundError } from './errors';

export const APP_NAME = 'Casebook';

/** The per-user application data folder, the same one Electron's `app.getPath('userData')` would use. */
export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
}

/** The study database used when no `--db` is given: `$CASEBOOK_DB`, else `casebook.db` in the app-data folder. */
export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CASEBOOK_DB ?? join(appDataDir(env), 'casebook.db');
}

/** The sample study's archive, shipped in the app's resources/sample/. */
export const SAMPLE_ARCHIVE = 'cifar-10-sample-deer-frog-truck.tar.gz';

/**
 * Where the bundled sample archive is: `resources/sample/` at the app's root, found by looking
 * up from this module's folder (out/main/… when built, src/main/lab when run from sources);
 * `$CASEBOOK_SAMPLE` overrides it. Throws, naming the places looked in, when it is missing.
 */
export function sampleArchivePath(from: string = import.meta.dirname, env: NodeJS.ProcessEnv = process.env): string {
  if (env.CASEBOOK_SAMPLE) return env.CASEBOOK_SAMPLE;
  const looked: string[] = [];
  let dir = from;
  for (let level = 0; level < 4; level += 1) {
    const candidate = join(dir, 'resources', 'sample', SAMPLE_ARCHIVE);
    if (existsSync(candidate)) return candidate;
    looked.push(candidate);
    dir = dirname(dir);
  }
  throw new NotFoundError(`the sample archive is missing; looked for ${looked.join(', ')}`);
}
