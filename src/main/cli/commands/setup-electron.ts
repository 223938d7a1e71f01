import { appRoot, prepareDesktop } from '../../desktop/prepare';
import { parseOptions, type Io } from '../args';
import { printUsage, type Command } from '../command';

export const setupElectronCommand: Command = {
  name: 'setup-electron',
  summary: 'get what the desktop window needs: the Electron binary and better-sqlite3 built for it',
  usage: `Usage: casebook setup-electron [options]

Gets what the desktop app needs and \`npm install\` could not give it: the Electron binary
(electron's own installer downloads it) and better-sqlite3's native module built for Electron's
module version (its published prebuild, else a build from source against Electron's headers with
@electron/rebuild, which needs a C++ toolchain). The build is kept beside the installed packages
(node_modules/.cache/casebook/better-sqlite3/); the one npm installed for Node is not changed.
Needs the internet once; afterwards \`npm start\` opens the window offline. \`npm start\` does the
same by itself at its first start, and remembers a failure for a week (--retry-electron).

  --json             print {"ok", "electron", "sqlite"} or {"ok": false, "reason", "howTo"}
  -h, --help         show this help
`,
  async run(argv: string[], io: Io): Promise<number> {
    const values = parseOptions(argv, {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    });
    if (values.help) return printUsage(io, setupElectronCommand);
    const prepared = await prepareDesktop({ root: appRoot(), retry: true, log: (line) => io.stderr(`${line}\n`) });
    if (values.json) {
      io.stdout(
        `${JSON.stringify(prepared.ok ? { ok: true, electron: prepared.electron, sqlite: prepared.sqlite } : prepared)}\n`,
      );
    } else if (prepared.ok) {
      io.stdout(
        `Ready: Electron ${prepared.target.version} at ${prepared.electron}, better-sqlite3 at ${prepared.sqlite}.\n`,
      );
    } else {
      io.stdout(`The desktop window cannot open yet: ${prepared.reason}.\n${prepared.howTo}\n`);
    }
    return prepared.ok ? 0 : 1;
  },
};
