import { homedir } from 'node:os';
import { join } from 'node:path';

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
