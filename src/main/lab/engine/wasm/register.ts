// Registers the training kernels for the wasm backend (and for no other backend).
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs';
import { captureBaseKernels, type BaseKernels } from './base-kernels';
import { adamConfig } from './adam';
import { batchMatMulConfig } from './batch-mat-mul';
import { conv2DConfig } from './conv2d';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { castConfig, identityConfig } from './identity';
import { maxPoolGradConfig } from './max-pool-grad';
import { registerReluGradient, reluGradConfig } from './relu-grad';
import { sliceConfig } from './slice';
import { sumConfig } from './sum';

/** The kernels this module provides for the wasm backend. */
export const WASM_TRAINING_KERNELS = [
  'Conv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'BatchMatMul',
  'MaxPoolGrad',
  'Sum',
  'Identity',
  'Cast',
  'Slice',
  'CasebookAdam',
  'CasebookReluGrad',
] as const;
export type WasmTrainingKernel = (typeof WASM_TRAINING_KERNELS)[number];

const MARK = Symbol.for('casebook.wasmTrainingKernel');

interface State {
  base: BaseKernels;
  /** The backend's own kernels that ours replace, to put back on request. */
  stock: Map<string, KernelConfig>;
  ours: Map<string, KernelConfig>;
}
let state: State | undefined;

function isOurs(config: KernelConfig | undefined): boolean {
  return config !== undefined && (config as unknown as Record<symbol, unknown>)[MARK] === true;
}

function prepare(): State {
  if (state !== undefined) return state;
  const base = captureBaseKernels();
  const stock = new Map<string, KernelConfig>();
  const ours = new Map<string, KernelConfig>();
  const configs = [
    conv2DConfig(base),
    conv2DBackpropFilterConfig(base),
    conv2DBackpropInputConfig(base),
    batchMatMulConfig(base),
    maxPoolGradConfig,
    sumConfig(base),
    identityConfig(base),
    castConfig(base),
    sliceConfig(base),
    adamConfig,
    reluGradConfig,
  ];
  // ReLU's gradient takes our kernel where it is in place, tfjs's formula elsewhere
  registerReluGradient();
  for (const config of configs) {
    const existing = getKernel(config.kernelName, 'wasm');
    if (existing !== undefined) stock.set(config.kernelName, existing);
    // The stock kernel's set-up (binding its wasm function) must still run if the backend is
    // ever re-created, since ours may call it.
    const setupFunc = existing?.setupFunc;
    ours.set(config.kernelName, { ...config, ...(setupFunc ? { setupFunc } : {}), [MARK]: true } as KernelConfig);
  }
  state = { base, stock, ours };
  return state;
}

function put(name: string, config: KernelConfig | undefined): void {
  const current = getKernel(name, 'wasm');
  if (current === config) return;
  if (current !== undefined) unregisterKernel(name, 'wasm');
  if (config !== undefined) registerKernel(config);
}

/**
 * Puts the named training kernels in place for the wasm backend (by default all of them) and
 * the backend's own kernels back for the others. Call once the wasm backend is initialised, so
 * that the stock kernels they build on are set up. Idempotent.
 */
export function registerWasmTrainingKernels(kernels: readonly WasmTrainingKernel[] = WASM_TRAINING_KERNELS): void {
  const { stock, ours } = prepare();
  for (const name of WASM_TRAINING_KERNELS) {
    put(name, kernels.includes(name) ? ours.get(name) : stock.get(name));
  }
}

/** Which training kernels are in place now. */
export function activeWasmTrainingKernels(): WasmTrainingKernel[] {
  return WASM_TRAINING_KERNELS.filter((name) => isOurs(getKernel(name, 'wasm')));
}
