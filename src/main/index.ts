/** Electron main: one window, the custom protocol, IPC wiring. The domain lives in ./lab. */
import { resolve } from 'node:path';
import { app, BrowserWindow, dialog, session } from 'electron';
import { sweepStaleDownloads } from './lab/datasets/partials';
import { Lab } from './lab/lab';
import { startAgents } from './lab/agents/settings';
import { checkQueueUrl, type QueueUrl } from './lab/agents/url';
import { defaultDatabasePath } from './lab/paths';
import { SqliteBindingError, sqliteBinding } from './lab/store/native-binding';
import { broadcast, wireRequests } from './electron/ipc';
import { APP_ORIGIN } from './electron/origin';
import { handleProtocol, registerScheme } from './electron/protocol';
import { lockDown, lockPermissions } from './electron/security';
import { utilityLauncher } from './electron/worker';

const VERSION = app.getVersion();

function databasePathFromArgs(argv: string[]): string {
  const i = argv.indexOf('--db');
  const given = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--db='))?.slice('--db='.length);
  return resolve(given ?? defaultDatabasePath());
}

/** `--queue <url>` (with `--insecure-local`): training goes to agents through that Redis. */
function queueFromArgs(argv: string[]): QueueUrl | null {
  const i = argv.indexOf('--queue');
  const given = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--queue='))?.slice('--queue='.length);
  if (given === undefined) return null;
  const checked = checkQueueUrl(given, { insecureLocal: argv.includes('--insecure-local') });
  if (!checked.ok) throw new Error(checked.error);
  return checked.value;
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 860,
    title: 'Casebook',
    icon: resolve(import.meta.dirname, '../../resources/icon.png'),
    show: false,
    webPreferences: {
      preload: resolve(import.meta.dirname, '../preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

registerScheme();
lockDown();

/**
 * Whether better-sqlite3 has a build for this Electron (`npm start` gets it; `electron .` alone
 * does not): else one sentence, in a dialog and on stderr, and the app quits before any window.
 */
function sqliteReady(): boolean {
  try {
    sqliteBinding();
    return true;
  } catch (error) {
    if (!(error instanceof SqliteBindingError)) throw error;
    console.error(`Casebook cannot open its database: ${error.message}`);
    dialog.showErrorBox('Casebook cannot open its database', error.message);
    return false;
  }
}

app.whenReady().then(
  async () => {
    if (!sqliteReady()) {
      app.exit(1);
      return;
    }
    lockPermissions(session.defaultSession);
    const databasePath = databasePathFromArgs(process.argv);
    const queue = queueFromArgs(process.argv);
    // --queue, else the queue Settings remembered beside the study
    const agents = await startAgents(databasePath, queue);
    const lab = new Lab({
      databasePath,
      mode: 'electron',
      version: VERSION,
      launch: utilityLauncher(resolve(import.meta.dirname, 'worker.js')),
      emit: broadcast,
      ...agents,
    });
    void sweepStaleDownloads(); // leftovers of downloads whose process was killed
    handleProtocol(lab, resolve(import.meta.dirname, '../renderer'));
    wireRequests(lab);
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
    // Quitting (the window, Cmd-Q, SIGINT/SIGTERM) waits for the lab to stop its job resumable
    // and close the database, then exits.
    app.on('will-quit', (event) => {
      event.preventDefault();
      lab.shutdown().then(
        () => app.exit(0),
        (error: unknown) => {
          console.error('Casebook could not stop cleanly:', error);
          app.exit(1);
        },
      );
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
  },
  (error: unknown) => {
    console.error('Casebook failed to start:', error);
    app.exit(1);
  },
);

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
