// Direct access to the tensors of the tfjs wasm backend: their bytes live in the wasm module's
// heap, so a kernel written here can read its inputs and write its output in place, and can
// hand sub-ranges of a tensor to the backend's own kernels as temporary views.
import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs';

/** What this module relies on in the wasm backend's tensor bookkeeping. */
interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

/** The parts of `BackendWasm` (from @tensorflow/tfjs-backend-wasm) that the kernels here use. */
export interface WasmBackend extends KernelBackend {
  wasm: {
    HEAPU8: Uint8Array;
    HEAPF32: Float32Array;
    tfjs: { disposeData(id: number): void };
  };
  dataIdMap: {
    get(dataId: object): WasmTensorData | undefined;
    delete(dataId: object): boolean;
  };
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Narrows the backend a kernel receives, with a clear error when it is not the wasm backend. */
export function asWasmBackend(backend: unknown, kernel: string): WasmBackend {
  const candidate = backend as Partial<WasmBackend> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.makeOutput !== 'function' ||
    candidate.wasm === undefined ||
    !(candidate.wasm.HEAPF32 instanceof Float32Array)
  ) {
    throw new Error(`${kernel}: this kernel runs only on the tfjs wasm backend`);
  }
  return candidate as WasmBackend;
}

/** Throws unless `info` is float32: the kernels here compute in float32 only. */
export function requireFloat32(kernel: string, name: string, info: TensorInfo): void {
  if (info.dtype !== 'float32') {
    throw new Error(`${kernel}: input '${name}' must be float32, got ${info.dtype}`);
  }
}

/** Byte offset of a tensor's data in the wasm heap. */
export function offsetOf(backend: WasmBackend, info: TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error('wasm backend: tensor data is not on this backend');
  return data.memoryOffset;
}

function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/**
 * A Float32Array over a tensor's bytes in the heap. Take views only after every allocation a
 * kernel makes: growing the heap replaces its buffer and detaches older views.
 */
export function f32(backend: WasmBackend, info: TensorInfo): Float32Array {
  return new Float32Array(backend.wasm.HEAPF32.buffer, offsetOf(backend, info), sizeOf(info.shape));
}

/** An Int32Array over an int32 tensor's bytes in the heap (the same caveat as `f32`). */
export function i32(backend: WasmBackend, info: TensorInfo): Int32Array {
  return new Int32Array(backend.wasm.HEAPF32.buffer, offsetOf(backend, info), sizeOf(info.shape));
}

/**
 * Registers `shape` float32 elements starting `elementOffset` elements into `base` as a tensor
 * of its own, without copying. Release it with `releaseView`, never with `disposeData` (that
 * would free memory the view does not own).
 */
export function viewOf(backend: WasmBackend, base: TensorInfo, elementOffset: number, shape: number[]): TensorInfo {
  const size = sizeOf(shape);
  if (elementOffset < 0 || elementOffset + size > sizeOf(base.shape)) {
    throw new Error(`wasm backend: view [${elementOffset}, +${size}) is outside a tensor of shape [${base.shape}]`);
  }
  return backend.makeOutput(shape, 'float32', offsetOf(backend, base) + elementOffset * 4);
}

/** Forgets a view made by `viewOf` (and any backend operator cached on it) without freeing memory. */
export function releaseView(backend: WasmBackend, view: TensorInfo): void {
  const data = backend.dataIdMap.get(view.dataId);
  if (data === undefined) return;
  backend.wasm.tfjs.disposeData(data.id);
  backend.dataIdMap.delete(view.dataId);
}

/** Frees the data of intermediate tensors a kernel made. */
export function disposeAll(backend: WasmBackend, infos: readonly (TensorInfo | undefined)[]): void {
  for (const info of infos) if (info !== undefined) backend.disposeData(info.dataId);
}
