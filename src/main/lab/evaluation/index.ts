/** Pure evaluation metrics: plain arrays in, plain numbers and objects out (no tfjs, no I/O). */
export * from './auc';
export * from './calibration';
export * from './classification';
export * from './selective';
export * from './uncertainty';
export type { Numbers } from './validate';
