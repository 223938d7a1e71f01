// Getting better-sqlite3's build for Electron (see lab/store/native-binding.ts for why there are
// two): better-sqlite3's published prebuild for that Electron version and platform, fetched with
// prebuild-install into a temporary copy of the package; failing that, a build from its sources
// against Electron's headers with npm's node-gyp (a C++ toolchain needed). Either way the result is checked for
// the right module version and only then moved into the cache, with a manifest saying where it
// came from. Nothing is written to the installed package: the Node build stays as npm made it.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { cachedBinding, moduleVersionOf, runtimeLabel, type Runtime } from '../lab/store/native-binding';

/** Where a step works: a copy of the package's sources. */
export interface StepPlace {
  /** `<tmp>/better-sqlite3`, the copy. */
  dir: string;
  /** The installed package (read only). */
  packageDir: string;
  target: Runtime;
}

/** One way of getting the build: leaves `build/Release/better_sqlite3.node` in the copy. */
export interface BuildStep {
  /** "prebuild" or "rebuild", recorded in the cache's manifest. */
  name: string;
  /** What the user is told before it starts. */
  says: string;
  run(place: StepPlace): Promise<void>;
}

export interface GetElectronSqliteOptions {
  /** Electron's version, module version, platform and arch. */
  target: Runtime;
  /** better-sqlite3's installed package (its sources are copied, never changed). */
  packageDir: string;
  cacheRoot: string;
  /** Default: prebuild, then rebuild. */
  steps?: readonly BuildStep[];
  log?: (line: string) => void;
}

export interface ElectronSqlite {
  file: string;
  source: string;
  seconds: number;
}

/**
 * Why prebuild-install or node-gyp failed, from what it said: the file it could not get (both log
 * `GET <url>`) and its error — node-gyp's `stack Error:` lines up to the stack trace, else the last
 * error or warning lines.
 */
export function failure(output: string): string | undefined {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const url = [...output.matchAll(/\bGET (\S+)/g)].at(-1)?.[1];
  const stack = lines.findIndex((line) => /ERR! stack \w*Error: /.test(line));
  let why: string | undefined;
  if (stack >= 0) {
    const end = lines.findIndex((line, i) => i > stack && !/ERR! stack (?!at )/.test(line));
    why = lines
      .slice(stack, end < 0 ? undefined : end)
      .map((line) => line.replace(/^.*ERR! stack (\w*Error: )?/, ''))
      .join(' ');
  } else {
    why =
      lines
        .filter((line) => /err|warn|fail|not found/i.test(line))
        .slice(-2)
        .map((line) => line.replace(/^prebuild-install (warn|ERR!) (install )?/, ''))
        .join(' / ') || lines.at(-1);
  }
  return url && why ? `${url}: ${why}` : why;
}

/** Runs a command; rejects with `failure` of what it said when it fails or outlasts `timeoutMs`. */
function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs: number; dropEnv?: RegExp },
): Promise<void> {
  return new Promise((resolve, reject) => {
    // npm_package_* of the app would make prebuild-install think it installs from git
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('npm_package_') && !options.dropEnv?.test(key)),
    );
    const child = spawn(command, args, {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: process.platform === 'win32',
      timeout: options.timeoutMs,
    });
    let said = '';
    const keep = (chunk: Buffer): void => {
      said = (said + chunk.toString('utf8')).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => reject(error));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      reject(new Error(failure(said) ?? (signal ? `stopped by ${signal}` : `exited with code ${code}`)));
    });
  });
}

/** better-sqlite3's published prebuild for the target (one download of about 2 MB). */
export const prebuildStep: BuildStep = {
  name: 'prebuild',
  says: "downloading better-sqlite3's prebuilt module",
  run({ dir, packageDir, target }) {
    // better-sqlite3's own prebuild-install, run in the copy (it reads package.json there)
    const bin = createRequire(join(packageDir, 'package.json')).resolve('prebuild-install/bin.js');
    const args = [
      '--runtime',
      'electron',
      '--target',
      target.version,
      '--arch',
      target.arch,
      '--platform',
      target.platform,
    ];
    // --verbose: it says the URL it tried
    return runCommand(process.execPath, [bin, ...args, '--verbose'], { cwd: dir, timeoutMs: 120_000 });
  },
};

/** Where node-gyp gets Electron's headers (Electron's documented `disturl`). */
export const ELECTRON_HEADERS = 'https://electronjs.org/headers';

/** The node-gyp that ships with npm (found from npm itself, as npm finds it for install scripts). */
export function npmNodeGyp(env: NodeJS.ProcessEnv = process.env): string {
  const npmDirs: string[] = [];
  if (env.npm_execpath) npmDirs.push(dirname(dirname(env.npm_execpath)));
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const npm = join(dir, 'npm');
    if (existsSync(npm)) npmDirs.push(dirname(dirname(realpathSync(npm))));
    npmDirs.push(join(dir, 'node_modules', 'npm')); // Windows
  }
  for (const dir of npmDirs) {
    const gyp = join(dir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(gyp)) return gyp;
  }
  throw new Error("npm's node-gyp was not found (looked beside npm on the PATH)");
}

/**
 * A build from better-sqlite3's sources against Electron's headers by npm's own node-gyp, told the
 * Electron version and where its headers are (downloads them once; needs a C++ toolchain and
 * Python; a few minutes). npm's settings are kept out of its environment: a `nodedir` there would
 * build against Node's headers instead.
 */
export const rebuildStep: BuildStep = {
  name: 'rebuild',
  says: "building it from source against Electron's headers (needs a C++ toolchain; a few minutes)",
  run({ dir, target }) {
    return runCommand(
      process.execPath,
      [
        npmNodeGyp(),
        'rebuild',
        '--release',
        `--target=${target.version}`,
        `--arch=${target.arch}`,
        `--dist-url=${ELECTRON_HEADERS}`,
      ],
      { cwd: dir, timeoutMs: 20 * 60_000, dropEnv: /^npm_config_/i },
    );
  },
};

/** A copy of the package's sources (not its build) in a temporary folder: `<tmp>/better-sqlite3`. */
function packageCopy(packageDir: string): { tmp: string; dir: string } {
  const tmp = mkdtempSync(join(tmpdir(), 'casebook-electron-sqlite-'));
  const dir = join(tmp, 'better-sqlite3');
  cpSync(packageDir, dir, { recursive: true, filter: (source) => !source.startsWith(join(packageDir, 'build')) });
  return { tmp, dir };
}

/**
 * Gets better-sqlite3's build for an Electron version into the cache, trying each step in turn
 * until one gives a module of the target's version. Resolves to where it is; rejects with every
 * step's reason when none does. The cache is written only with a checked build (by rename).
 */
export async function getElectronSqlite(options: GetElectronSqliteOptions): Promise<ElectronSqlite> {
  const { target, packageDir, cacheRoot } = options;
  const steps = options.steps ?? [prebuildStep, rebuildStep];
  const log = options.log ?? ((): void => undefined);
  const failures: string[] = [];
  for (const step of steps) {
    const started = Date.now();
    log(`better-sqlite3 for ${runtimeLabel(target)} (module version ${target.abi}): ${step.says}…`);
    const { tmp, dir } = packageCopy(packageDir);
    try {
      await step.run({ dir, packageDir, target });
      const built = join(dir, 'build', 'Release', 'better_sqlite3.node');
      const version = moduleVersionOf(built);
      if (version !== target.abi) {
        throw new Error(`it gave a module for version ${version ?? 'unknown'}, not ${target.abi}`);
      }
      const file = cachedBinding(cacheRoot, target);
      mkdirSync(dirname(file), { recursive: true });
      const seconds = (Date.now() - started) / 1000;
      writeFileSync(
        join(dirname(file), 'manifest.json'),
        `${JSON.stringify({ electron: target.version, abi: target.abi, platform: target.platform, arch: target.arch, source: step.name, seconds, at: new Date().toISOString() }, null, 2)}\n`,
      );
      const partial = `${file}.${process.pid}.tmp`;
      cpSync(built, partial);
      renameSync(partial, file);
      log(`better-sqlite3 for ${runtimeLabel(target)}: done by ${step.name} in ${seconds.toFixed(1)} s (${file})`);
      return { file, source: step.name, seconds };
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0] ?? String(error);
      failures.push(`${step.name}: ${reason}`);
      log(
        `better-sqlite3 for ${runtimeLabel(target)}: ${step.name} failed after ${((Date.now() - started) / 1000).toFixed(1)} s (${reason})`,
      );
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  throw new Error(`no build of better-sqlite3 for ${runtimeLabel(target)} could be had (${failures.join('; ')})`);
}
