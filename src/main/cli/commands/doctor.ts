import { describeDoctor, doctor } from '../../desktop/doctor';
import { parseOptions, type Io } from '../args';
import { printUsage, type Command } from '../command';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'say what this install can run: Node, Electron, native modules, backend, Chromium',
  usage: `Usage: casebook doctor [options]

Says what this install can run, and the command that gets whatever is missing: Node.js and its
module version with its better-sqlite3 build; the Electron version in package.json, its module
version, whether its binary and its better-sqlite3 build are there (without them \`npm start\`
starts browser mode); the training backend (tensorflow, or wasm with SIMD and threads); Chromium
for the end-to-end tests. It looks only: nothing is downloaded.

  --json             print one object: {"node": {"version", "abi", "sqliteBinding", "sqliteFile", "fix"},
                     "electron": {"version", "abi", "binary", "binaryPath", "binaryMissing",
                     "sqliteBinding", "sqliteFile", "fix"},
                     "backend": {"name", "how", "detail", "relaxedSimd", "trainingThreads", "threadsReason"},
                     "chromium": {"path", "found"}, "desktop"}; sqliteBinding is "ok", "missing" or "mismatch"
  -h, --help         show this help
`,
  async run(argv: string[], io: Io): Promise<number> {
    const values = parseOptions(argv, {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    });
    if (values.help) return printUsage(io, doctorCommand);
    const report = await doctor();
    io.stdout(values.json ? `${JSON.stringify(report)}\n` : describeDoctor(report));
    return report.node.sqliteBinding === 'ok' ? 0 : 1;
  },
};
