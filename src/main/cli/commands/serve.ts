import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { sweepStaleDownloads } from '../../lab/datasets/partials';
import type { Emit } from '../../lab/jobs/manager';
import { Lab } from '../../lab/lab';
import { startWebServer, type WebServer, type WebServerOptions } from '../../web/server';
import { loadServeSession, saveServeSession } from '../../web/session';
import { UsageError, intOption, parseOptions, type Io, COMMON_OPTIONS } from '../args';
import { printUsage, type Command } from '../command';
import { onStopSignal } from '../signals';
import { DB_HELP, databasePath as resolveDatabase, workerLauncher } from '../lab';
import { VERSION } from '../version';
import { startAgents } from '../../lab/agents/settings';
import type { QueueUrl } from '../../lab/agents/url';
import { QUEUE_HELP, QUEUE_OPTIONS, queueUrl } from '../queue';

export interface ServeOptions {
  databasePath: string;
  /** A port that must be used (no fallback); without it, the remembered port, else any free one. */
  port?: number;
  /** Rotate the remembered token (`--new-token`). */
  newToken?: boolean;
  rendererDir?: string;
  workerScript?: string;
  /** Training agents' queue (`--queue`): training goes there instead of the local worker. */
  queue?: QueueUrl;
}

/** How this launch relates to the previous one on the same database. */
export interface ServeRestart {
  /** The port the previous launch listened on (null: none remembered). */
  previousPort: number | null;
  /** True when the previous port was taken, so open tabs cannot find this launch. */
  portChanged: boolean;
  /** Why the token is new (null: the previous launch's token, so open tabs stay logged in). */
  newTokenReason: string | null;
  /** Why the session could not be remembered for the next launch (null: it was). */
  saveProblem: string | null;
}

export interface Serving {
  lab: Lab;
  web: WebServer;
  restart: ServeRestart;
  close: () => Promise<void>;
}

/** Starts the lab and the web door; used by `casebook serve` and by `npm start` without Electron. */
export async function serve(options: ServeOptions): Promise<Serving> {
  // bundled into out/main/cli.js: the renderer is built to out/renderer
  const rendererDir = options.rendererDir ?? resolve(import.meta.dirname, '../renderer');
  if (!existsSync(resolve(rendererDir, 'index.html'))) {
    throw new Error(`the app is not built (no ${resolve(rendererDir, 'index.html')}); run "npm run build"`);
  }
  void sweepStaleDownloads(); // leftovers of downloads whose process was killed
  let web: WebServer | null = null;
  const emit: Emit = (name, payload) => web?.broadcast(name, payload);
  // --queue, else the queue Settings remembered beside the study
  const agents = await startAgents(options.databasePath, options.queue);
  const lab = new Lab({
    databasePath: options.databasePath,
    mode: 'browser',
    version: VERSION,
    launch: workerLauncher(options.workerScript),
    emit,
    ...agents,
  });
  const session = loadServeSession(options.databasePath, { newToken: options.newToken === true });
  try {
    web = await listen({ lab, rendererDir, token: session.token }, options.port, session.port);
  } catch (error) {
    lab.close();
    throw error;
  }
  const server = web;
  const port = Number(new URL(server.url).port);
  const restart: ServeRestart = {
    previousPort: session.port,
    portChanged: session.port !== null && session.port !== port,
    newTokenReason: session.newTokenReason,
    saveProblem: saveServeSession(session.file, { token: session.token, port }),
  };
  return {
    lab,
    web: server,
    restart,
    // the door first (no new requests), then the lab: jobs stopped resumable, database closed last
    close: async () => {
      await server.close();
      await lab.shutdown();
    },
  };
}

/**
 * Listens on the port asked for (and only there), else on the remembered one, falling back to any
 * free port when that one is taken.
 */
async function listen(
  options: Omit<WebServerOptions, 'port'>,
  asked: number | undefined,
  remembered: number | null,
): Promise<WebServer> {
  const port = asked ?? remembered;
  try {
    return await startWebServer({ ...options, ...(port !== null ? { port } : {}) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (asked === undefined && port !== null && (code === 'EADDRINUSE' || code === 'EACCES')) {
      return startWebServer(options);
    }
    throw new Error(`cannot listen on 127.0.0.1:${port ?? 0}: ${(error as Error).message}`);
  }
}

/** What `serve` prints about the session: nothing when open tabs simply reconnect. */
export function restartNotes(restart: ServeRestart, url: string): string[] {
  const notes: string[] = [];
  if (restart.portChanged) {
    notes.push(
      `Casebook restarted on another port: ${restart.previousPort} is taken by another program. ` +
        `Tabs opened on http://127.0.0.1:${restart.previousPort} cannot reach it: open ${url}`,
    );
  }
  if (restart.newTokenReason !== null && restart.previousPort !== null) {
    notes.push(`New access token (${restart.newTokenReason}): open tabs must open ${url} again.`);
  }
  if (restart.saveProblem !== null) notes.push(`${restart.saveProblem}; the next launch gets a new token.`);
  return notes;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the Casebook app in a browser on 127.0.0.1 (browser mode)',
  usage: `Usage: casebook serve [options]

Serves the app and its API on http://127.0.0.1 behind an access token, and prints the URL to
open. The port and the token are remembered beside the database (<db>.serve.json, readable by
you only), so a tab left open reconnects after a restart. Without --queue, jobs go to the queue
last connected in the app's Settings (<db>.settings.json, readable by you only), if any. Stops on
Ctrl-C.

  --port <n>     the port, and no other (default: the last one, else any free port)
  --new-token    renew the access token: every open tab must open the printed URL again
${DB_HELP}
${QUEUE_HELP}
  --json         print {"url", "database", "port", "previousPort", "portChanged", "newToken"} on stdout once listening
  -h, --help     show this help
`,
  run,
};

async function run(argv: string[], io: Io): Promise<number> {
  const values = parseOptions(argv, {
    port: { type: 'string' },
    'new-token': { type: 'boolean', default: false },
    ...QUEUE_OPTIONS,
    ...COMMON_OPTIONS,
  });
  if (values.help) return printUsage(io, serveCommand);
  const port = intOption(values.port, 'port');
  if (port !== undefined && port > 65535) throw new UsageError('--port must be at most 65535');
  const databasePath = resolveDatabase(values.db);
  const queue = queueUrl(values);
  // listening from the start: a signal while the lab opens also stops it cleanly
  let unregister: () => void = () => undefined;
  const stopped = new Promise<NodeJS.Signals>((done) => {
    unregister = onStopSignal(done);
  });
  try {
    const running = await serve({
      databasePath,
      newToken: values['new-token'],
      ...(port !== undefined ? { port } : {}),
      ...(queue ? { queue } : {}),
    });
    const { url } = running.web;
    const { restart } = running;
    const notes = restartNotes(restart, url);
    if (values.json) {
      io.stdout(
        `${JSON.stringify({
          url,
          database: databasePath,
          port: Number(new URL(url).port),
          previousPort: restart.previousPort,
          portChanged: restart.portChanged,
          newToken: restart.newTokenReason,
        })}\n`,
      );
      for (const note of notes) io.stderr(`casebook serve: ${note}\n`);
    } else {
      const noted = notes.map((note) => `${note}\n`).join('');
      io.stdout(
        `Casebook is running in browser mode. Open:\n  ${url}\nDatabase: ${databasePath}\n${noted}Press Ctrl-C to stop.\n`,
      );
    }
    const signal = await stopped;
    io.stderr(`casebook serve: ${signal}: stopping; a running job is stopped so that it can be resumed\n`);
    await running.close();
    return 0;
  } finally {
    unregister();
  }
}
