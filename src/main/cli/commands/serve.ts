import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { sweepStaleDownloads } from '../../lab/datasets/partials';
import type { Emit } from '../../lab/jobs/manager';
import { Lab } from '../../lab/lab';
import { startWebServer, type WebServer } from '../../web/server';
import { UsageError, intOption, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { printUsage, type Command } from '../command';
import { onStopSignal } from '../signals';
import { DB_HELP, databasePath as resolveDatabase, workerLauncher } from '../lab';
import { VERSION } from '../version';

export interface ServeOptions {
  databasePath: string;
  port?: number;
  rendererDir?: string;
  workerScript?: string;
}

/** Starts the lab and the web door; used by `casebook serve` and by `npm start` without Electron. */
export async function serve(options: ServeOptions): Promise<{ lab: Lab; web: WebServer; close: () => Promise<void> }> {
  // bundled into out/main/cli.js: the renderer is built to out/renderer
  const rendererDir = options.rendererDir ?? resolve(import.meta.dirname, '../renderer');
  if (!existsSync(resolve(rendererDir, 'index.html'))) {
    throw new Error(`the app is not built (no ${resolve(rendererDir, 'index.html')}); run "npm run build"`);
  }
  void sweepStaleDownloads(); // leftovers of downloads whose process was killed
  let web: WebServer | null = null;
  const emit: Emit = (name, payload) => web?.broadcast(name, payload);
  const lab = new Lab({
    databasePath: options.databasePath,
    mode: 'browser',
    version: VERSION,
    launch: workerLauncher(options.workerScript),
    emit,
  });
  try {
    web = await startWebServer({ lab, rendererDir, ...(options.port !== undefined ? { port: options.port } : {}) });
  } catch (error) {
    lab.close();
    throw new Error(`cannot listen on 127.0.0.1:${options.port ?? 0}: ${(error as Error).message}`);
  }
  const server = web;
  return {
    lab,
    web: server,
    // the door first (no new requests), then the lab: jobs stopped resumable, database closed last
    close: async () => {
      await server.close();
      await lab.shutdown();
    },
  };
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the Casebook app in a browser on 127.0.0.1 (browser mode)',
  usage: `Usage: casebook serve [options]

Serves the app and its API on http://127.0.0.1 with a random access token, and prints the URL
to open. Stops on Ctrl-C.

  --port <n>     the port (default: any free port)
${DB_HELP}
  --json         print {"url": …} on stdout once listening
  -h, --help     show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    port: { type: 'string' },
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, serveCommand);
  const port = intOption(values.port, 'port');
  if (port !== undefined && port > 65535) throw new UsageError('--port must be at most 65535');
  const databasePath = resolveDatabase(values.db);
  // listening from the start: a signal while the lab opens also stops it cleanly
  let unregister: () => void = () => undefined;
  const stopped = new Promise<NodeJS.Signals>((done) => {
    unregister = onStopSignal(done);
  });
  try {
    const running = await serve({ databasePath, ...(port !== undefined ? { port } : {}) });
    if (values.json) io.stdout(`${JSON.stringify({ url: running.web.url, database: databasePath })}\n`);
    else
      io.stdout(
        `Casebook is running in browser mode. Open:\n  ${running.web.url}\nDatabase: ${databasePath}\nPress Ctrl-C to stop.\n`,
      );
    const signal = await stopped;
    io.stderr(`casebook serve: ${signal}: stopping; a running job is stopped so that it can be resumed\n`);
    await running.close();
    return 0;
  } finally {
    unregister();
  }
}
