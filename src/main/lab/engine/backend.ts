// The one place the app gets TensorFlow.js from, and the run-time choice of its backend:
// tfjs-node (native libtensorflow) when it is installed and loads, else the wasm backend (SIMD,
// with the training kernels of ./wasm), else the pure-JS cpu backend. Everything else imports
// `tf` from here so that exactly one tfjs-core instance (one engine, one kernel registry) exists.
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { registerWasmTrainingKernels } from './wasm/register';

export { tf };
export type Tf = typeof tf;

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Fastest first. */
export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface Engine {
  tf: Tf;
  backend: BackendName;
  /** How the chosen backend runs, e.g. "SIMD, 1 thread(s)". */
  how: string;
  /** Why the faster backends were not used, and how the chosen one runs. */
  detail: string;
}

export interface InitEngineOptions {
  /** The fastest backend to try; slower ones are tried after it. Default: 'tensorflow'. */
  prefer?: BackendName;
}

const TFJS_NODE = '@tensorflow/tfjs-node';
const WASM_BINARIES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

async function activate(name: BackendName): Promise<void> {
  if (tf.getBackend() === name) return;
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
}

async function startTensorflow(): Promise<string> {
  try {
    // A variable specifier: the package is optional, bundlers must leave this import alone.
    const specifier: string = TFJS_NODE;
    await import(/* @vite-ignore */ specifier);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new Error(`${TFJS_NODE} is not installed`);
    throw new Error(`${TFJS_NODE} did not load (${message(error)})`);
  }
  if (tf.findBackendFactory('tensorflow') === null) {
    throw new Error(`${TFJS_NODE} registered its backend with another copy of @tensorflow/tfjs-core`);
  }
  await activate('tensorflow');
  return 'native libtensorflow';
}

let wasmPathsSet = false;

async function startWasm(): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!wasmPathsSet) {
    // Load the binaries from the installed package, never from the network.
    const require = createRequire(import.meta.url);
    const paths = Object.fromEntries(
      WASM_BINARIES.map((file) => [file, require.resolve(`@tensorflow/tfjs-backend-wasm/dist/${file}`)]),
    ) as Record<(typeof WASM_BINARIES)[number], string>;
    wasm.setWasmPaths(paths);
    wasmPathsSet = true;
  }
  await activate('wasm');
  registerWasmTrainingKernels();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `${simd ? 'SIMD' : 'no SIMD'}, ${wasm.getThreadsCount()} thread(s)`;
}

async function startCpu(): Promise<string> {
  await activate('cpu');
  return 'pure JavaScript, slow';
}

const starters: Record<BackendName, () => Promise<string>> = {
  tensorflow: startTensorflow,
  wasm: startWasm,
  cpu: startCpu,
};

async function choose(prefer: BackendName): Promise<Engine> {
  const notes: string[] = [];
  const first = BACKENDS.indexOf(prefer);
  for (const skipped of BACKENDS.slice(0, first)) notes.push(`${skipped}: not tried (prefer: ${prefer})`);
  for (const name of BACKENDS.slice(first)) {
    try {
      const how = await starters[name]();
      return { tf, backend: name, how, detail: [...notes, `using ${name} (${how})`].join('; ') };
    } catch (error) {
      notes.push(`${name}: ${message(error)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${notes.join('; ')}`);
}

const chosen = new Map<BackendName, Promise<Engine>>();

/**
 * Chooses and activates the TensorFlow.js backend. Idempotent: the choice for a given `prefer`
 * is made once, and calling again returns it (re-activating it if another call switched away).
 */
export async function initEngine(options: InitEngineOptions = {}): Promise<Engine> {
  const prefer = options.prefer ?? 'tensorflow';
  let pending = chosen.get(prefer);
  if (pending === undefined) {
    pending = choose(prefer);
    chosen.set(prefer, pending);
    pending.catch(() => chosen.delete(prefer));
  }
  const engine = await pending;
  await activate(engine.backend);
  return engine;
}
