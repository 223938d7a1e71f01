// The attribute checks shared by the convolution gradient kernels.
import { backend_util } from '@tensorflow/tfjs';

export type ConvPad = 'valid' | 'same' | number | backend_util.ExplicitPadding;
export type Pair = [number, number];

/** Geometry of a 2-D convolution, NHWC, dilation 1. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

interface ConvAttrs {
  strides: Pair | number;
  pad: ConvPad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: Pair | number;
}

function isOne(value: Pair | number | undefined): boolean {
  if (value === undefined) return true;
  return typeof value === 'number' ? value === 1 : value[0] === 1 && value[1] === 1;
}

/** Checks what the kernels support (NHWC, dilation 1, 4-D shapes) and computes the geometry. */
export function convGeometry(
  kernel: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs,
): ConvGeometry {
  if (attrs.dataFormat !== 'NHWC') {
    throw new Error(`${kernel} (wasm): dataFormat '${attrs.dataFormat}' is not supported, only 'NHWC'`);
  }
  if (!isOne(attrs.dilations)) {
    throw new Error(`${kernel} (wasm): dilations ${JSON.stringify(attrs.dilations)} are not supported, only 1`);
  }
  if (xShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(`${kernel} (wasm): expected 4-D input and filter shapes, got [${xShape}] and [${filterShape}]`);
  }
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}
